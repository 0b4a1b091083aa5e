//! Dynamic completion (`source <(COMPLETE=bash stagdb)`), driven as bash
//! drives it: `COMPLETE=bash _CLAP_COMPLETE_INDEX=N stagdb -- stagdb WORDS...`.

mod common;

use std::process::Command;

use common::TestStore;

/// The candidates for the word at `index` of `words` (words[0] is "stagdb").
fn complete(store: Option<&str>, words: &[&str]) -> (Vec<String>, String) {
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
    let out = c.output().expect("run stagdb");
    assert!(out.status.success(), "completion failed: {out:?}");
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    let mut v: Vec<String> = text
        .split('\n')
        .filter(|l| !l.is_empty() && !l.starts_with('-'))
        .map(str::to_string)
        .collect();
    v.sort();
    (v, String::from_utf8_lossy(&out.stderr).to_string())
}

/// The zfs command lines one completion runs, read from a logging `zfs`
/// placed first on PATH (it runs the real one).
fn zfs_calls(store: Option<&str>, words: &[&str]) -> Vec<String> {
    let dir = std::env::temp_dir().join(format!("stagdb-zfs-shim-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("shim dir");
    let real = String::from_utf8(
        Command::new("sh")
            .args(["-c", "command -v zfs"])
            .output()
            .expect("command -v zfs")
            .stdout,
    )
    .expect("utf-8 path");
    let log = dir.join("calls");
    let _ = std::fs::remove_file(&log);
    let shim = dir.join("zfs");
    std::fs::write(
        &shim,
        format!(
            "#!/bin/sh\nprintf '%s\\n' \"$*\" >> '{}'\nexec '{}' \"$@\"\n",
            log.display(),
            real.trim()
        ),
    )
    .expect("write shim");
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&shim, std::fs::Permissions::from_mode(0o755)).expect("chmod shim");
    let path = format!(
        "{}:{}",
        dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let mut c = Command::new(common::bin());
    c.env("COMPLETE", "bash")
        .env("_CLAP_COMPLETE_INDEX", (words.len() - 1).to_string())
        .env("STAGDB_CONFIG", "/nonexistent/stagdb-test-config.toml")
        .env("PATH", path)
        .env_remove("STAGDB_STORE")
        .arg("--")
        .args(words);
    if let Some(s) = store {
        c.env("STAGDB_STORE", s);
    }
    let out = c.output().expect("run stagdb");
    assert!(out.status.success(), "completion failed: {out:?}");
    let calls = std::fs::read_to_string(&log).unwrap_or_default();
    let _ = std::fs::remove_dir_all(&dir);
    calls.lines().map(str::to_string).collect()
}

#[test]
fn completes_branches_refs_and_stores_with_one_narrow_zfs_call() {
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
    // 100 branches: completion must not read more of a bigger store.
    for i in 0..97 {
        s.ok(&["branch", &format!("b{i:03}"), "--no-start"]);
    }
    s.ok(&["branch", "feature/login", "--no-start"]);
    s.ok(&["branch", "feature-x", "--no-start"]);
    s.ok(&["snapshot", "main", "--name", "seed"]);
    let ds = Some(s.dataset.as_str());

    let (v, err) = complete(ds, &["stagdb", "checkout", "fe"]);
    assert_eq!(v, ["feature-x", "feature/login"]);
    assert_eq!(err, "");
    let (v, _) = complete(ds, &["stagdb", "rm", "b09"]);
    assert_eq!(v.len(), 7, "{v:?}"); // b090..b096
    // Refs: snapshots after '@', HEAD; a branch argument gets no snapshots.
    let (v, _) = complete(ds, &["stagdb", "log", "main@s"]);
    assert_eq!(v, ["main@seed"]);
    let (v, _) = complete(ds, &["stagdb", "branch", "new", "HE"]);
    assert_eq!(v, ["HEAD"]);
    let (v, _) = complete(ds, &["stagdb", "reset", "main", "--to", "main@"]);
    assert!(v.contains(&"main@seed".to_string()), "{v:?}");
    let (v, _) = complete(ds, &["stagdb", "checkout", "main@"]);
    assert!(v.is_empty(), "{v:?}");
    // Stores for --store, shells for completions.
    let (v, _) = complete(None, &["stagdb", "--store", &s.dataset]);
    assert_eq!(v, std::slice::from_ref(&s.dataset));
    let (v, _) = complete(None, &["stagdb", "completions", "ba"]);
    assert_eq!(v, ["bash"]);

    // Fast by construction: completing a branch makes exactly one narrow
    // zfs call (the store's direct children, one property), whatever the
    // store's size. Counted with a logging `zfs` first on PATH, not timed:
    // times belong in the benchmarks (scripts/bench-scale.sh).
    let calls = zfs_calls(ds, &["stagdb", "checkout", "b"]);
    assert_eq!(calls.len(), 1, "{calls:?}");
    assert!(
        calls[0].starts_with("get -H -r -d 1 -s local -o value stagdb:branch "),
        "{calls:?}"
    );
    let calls = zfs_calls(ds, &["stagdb", "log", "main@s"]);
    assert!(
        calls.len() <= 2
            && calls
                .iter()
                .all(|c| c.contains(" -d 1 ") || c.starts_with("get -H -s local")),
        "{calls:?}"
    );

    // Nothing to complete from, and never an error on the shell line.
    // (No store named: the host's only store, if there is exactly one.)
    for store in [Some("nosuchpool/nothing"), Some(""), None] {
        let (v, err) = complete(store, &["stagdb", "checkout", "fe"]);
        if store == Some("nosuchpool/nothing") {
            assert!(v.is_empty(), "{store:?}: {v:?}");
        }
        assert_eq!(err, "", "{store:?}");
    }
    let (v, err) = complete(ds, &["stagdb", "nosuchverb", "x"]);
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
    let (v, cerr) = complete(None, &["stagdb", "--store", ""]);
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
        std::thread::sleep(std::time::Duration::from_millis(250));
    }
    assert!(gone.is_none(), "{gone:?}");
}
