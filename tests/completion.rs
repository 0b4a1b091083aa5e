//! Dynamic completion (`source <(COMPLETE=bash stagdb)`), driven as bash
//! drives it: `COMPLETE=bash _CLAP_COMPLETE_INDEX=N stagdb -- stagdb WORDS...`.

mod common;

use std::process::Command;
use std::time::{Duration, Instant};

use common::TestStore;

/// The candidates for the word at `index` of `words` (words[0] is "stagdb").
fn complete(store: Option<&str>, words: &[&str]) -> (Vec<String>, String, Duration) {
    let mut c = Command::new(common::bin());
    c.env("COMPLETE", "bash")
        .env("_CLAP_COMPLETE_INDEX", (words.len() - 1).to_string())
        .env("STAGDB_CONFIG", "/nonexistent/stagdb-test-config.toml")
        .env_remove("STAGDB_STORE")
        .arg("--")
        .args(words);
    if let Some(s) = store {
        c.env("STAGDB_STORE", s);
    }
    let t = Instant::now();
    let out = c.output().expect("run stagdb");
    let took = t.elapsed();
    assert!(out.status.success(), "completion failed: {out:?}");
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    let mut v: Vec<String> = text
        .split('\n')
        .filter(|l| !l.is_empty() && !l.starts_with('-'))
        .map(str::to_string)
        .collect();
    v.sort();
    (v, String::from_utf8_lossy(&out.stderr).to_string(), took)
}

#[test]
fn completes_branches_refs_and_stores_fast() {
    let s = TestStore::new("complete", 44100);
    s.ok(&[
        "init",
        "--dataset",
        &s.dataset,
        "--pg-version",
        "17",
        "--image",
        &common::image_template(),
        "--ports",
        "44100-44299",
        "--head-port",
        "44099",
    ]);
    // 100 branches: completion must stay fast with a store of that size.
    for i in 0..97 {
        s.ok(&["branch", &format!("b{i:03}"), "--no-start"]);
    }
    s.ok(&["branch", "feature/login", "--no-start"]);
    s.ok(&["branch", "feature-x", "--no-start"]);
    s.ok(&["snapshot", "main", "--name", "seed"]);
    let ds = Some(s.dataset.as_str());

    let (v, err, _) = complete(ds, &["stagdb", "checkout", "fe"]);
    assert_eq!(v, ["feature-x", "feature/login"]);
    assert_eq!(err, "");
    let (v, _, _) = complete(ds, &["stagdb", "rm", "b09"]);
    assert_eq!(v.len(), 7, "{v:?}"); // b090..b096
    // Refs: snapshots after '@', HEAD; a branch argument gets no snapshots.
    let (v, _, _) = complete(ds, &["stagdb", "log", "main@s"]);
    assert_eq!(v, ["main@seed"]);
    let (v, _, _) = complete(ds, &["stagdb", "branch", "new", "HE"]);
    assert_eq!(v, ["HEAD"]);
    let (v, _, _) = complete(ds, &["stagdb", "reset", "main", "--to", "main@"]);
    assert!(v.contains(&"main@seed".to_string()), "{v:?}");
    let (v, _, _) = complete(ds, &["stagdb", "checkout", "main@"]);
    assert!(v.is_empty(), "{v:?}");
    // Stores for --store, shells for completions.
    let (v, _, _) = complete(None, &["stagdb", "--store", &s.dataset]);
    assert_eq!(v, std::slice::from_ref(&s.dataset));
    let (v, _, _) = complete(None, &["stagdb", "completions", "ba"]);
    assert_eq!(v, ["bash"]);

    // Fast: the median of 7 runs with 100 branches under 100 ms. The test
    // suite's own load (zfs-fuse destroying earlier tests' datasets) can
    // slow a whole round: up to 3 rounds, one must pass.
    let mut rounds = Vec::new();
    for _ in 0..3 {
        let mut times: Vec<Duration> = (0..7)
            .map(|_| complete(ds, &["stagdb", "checkout", "b"]).2)
            .collect();
        times.sort();
        rounds.push(times[3]);
        eprintln!(
            "completion with 100 branches: median {:?} of {times:?}",
            times[3]
        );
        if times[3] < Duration::from_millis(100) {
            break;
        }
        std::thread::sleep(Duration::from_secs(2));
    }
    assert!(
        rounds.iter().any(|m| *m < Duration::from_millis(100)),
        "completion medians {rounds:?}: none under 100 ms"
    );

    // Nothing to complete from, and never an error on the shell line.
    // (No store named: the host's only store, if there is exactly one.)
    for store in [Some("nosuchpool/nothing"), Some(""), None] {
        let (v, err, _) = complete(store, &["stagdb", "checkout", "fe"]);
        if store == Some("nosuchpool/nothing") {
            assert!(v.is_empty(), "{store:?}: {v:?}");
        }
        assert_eq!(err, "", "{store:?}");
    }
    let (v, err, _) = complete(ds, &["stagdb", "nosuchverb", "x"]);
    assert!(v.is_empty() && err.is_empty(), "{v:?} {err}");
}

#[test]
fn registration_scripts_for_every_shell() {
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let out = Command::new(common::bin())
            .env("COMPLETE", shell)
            .output()
            .expect("run stagdb");
        assert!(out.status.success(), "{shell}: {out:?}");
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(text.contains("stagdb"), "{shell}: {text}");
    }
}

/// With no store named, stagdb finds the host's stores pool by pool, one
/// `zfs get -d 1` per level: a store below another dataset is found, and
/// no store's branches (nor any snapshot) are read to find it.
#[test]
fn finds_stores_level_by_level() {
    let parent = format!("{}/t-discovery", common::pool());
    let _ = Command::new("sh")
        .arg("-c")
        .arg(format!(
            "docker ps -aq --filter label=io.stagdb.store={parent}/deep/store | xargs -r docker rm -f; zfs destroy -r {parent}"
        ))
        .output();
    let made = Command::new("zfs")
        .args(["create", "-p", &format!("{parent}/deep")])
        .output()
        .expect("zfs create");
    assert!(made.status.success(), "{made:?}");
    let s = TestStore::new("discovery/deep/store", 44800);
    assert_eq!(s.dataset, format!("{parent}/deep/store"));
    s.init(17);
    s.ok(&["branch", "b1", "--no-start"]);
    s.ok(&["snapshot", "main", "--name", "seed"]);

    // No --store: the only store, or (other tests' stores exist) a list of
    // stores that names this one and none of its branches.
    let out = Command::new(common::bin())
        .args(["-v", "branch"])
        .env_remove("STAGDB_STORE")
        .env("STAGDB_CONFIG", "/nonexistent/stagdb-test-config.toml")
        .output()
        .expect("run stagdb");
    let err = String::from_utf8_lossy(&out.stderr);
    if out.status.success() {
        assert!(
            String::from_utf8_lossy(&out.stdout).contains("b1"),
            "{out:?}"
        );
    } else {
        assert!(err.contains("stores found on this host"), "{err}");
        assert!(err.contains(&format!(" {}", s.dataset)), "{err}");
        assert!(!err.contains(&format!("{}/", s.dataset)), "{err}");
    }
    let searches: Vec<&str> = err
        .lines()
        .filter(|l| l.starts_with("+ zfs get") && l.contains("stagdb:ports"))
        .collect();
    assert!(!searches.is_empty(), "{err}");
    for l in &searches {
        assert!(
            l.starts_with("+ zfs get -d 1 "),
            "a search read more than one level: {l}"
        );
        assert!(
            !l.contains(&format!(" {}/", s.dataset)),
            "searched inside the store: {l}"
        );
    }
    // Completion of --store finds it the same way.
    let (v, cerr, _) = complete(None, &["stagdb", "--store", ""]);
    assert!(v.contains(&s.dataset), "{v:?} {cerr}");
    assert!(
        !v.iter().any(|c| c.starts_with(&format!("{}/", s.dataset))),
        "{v:?}"
    );

    drop(s);
    // zfs-fuse calls a dataset "busy" for a moment after its last child went.
    let mut gone = None;
    for _ in 0..40 {
        let out = Command::new("sh")
            .arg("-c")
            .arg(format!(
                "zfs umount {parent}/deep; zfs umount {parent}; zfs destroy -r {parent}"
            ))
            .output()
            .expect("zfs destroy");
        if out.status.success() {
            gone = None;
            break;
        }
        gone = Some(out);
        std::thread::sleep(Duration::from_millis(250));
    }
    assert!(gone.is_none(), "{gone:?}");
}
