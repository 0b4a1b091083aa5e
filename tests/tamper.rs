//! Tampered and damaged state: each stagdb property set to values stagdb
//! never writes, a lock held by another command, a stopped HEAD, an open
//! store directory. Commands give clear errors naming dataset and property,
//! nothing is destroyed that should not be, `status`/`doctor` report it and
//! `doctor --fix` repairs what is safe.

mod common;

use std::process::Command;
use std::time::{Duration, Instant};

use common::TestStore;

fn zfs(args: &[&str]) {
    let out = Command::new("zfs").args(args).output().unwrap();
    assert!(
        out.status.success(),
        "zfs {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn problems(s: &TestStore) -> Vec<String> {
    s.json(&["status"])["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p.as_str().unwrap().to_string())
        .collect()
}

fn datasets(s: &TestStore) -> Vec<String> {
    let out = Command::new("zfs")
        .args(["list", "-H", "-r", "-t", "all", "-o", "name", &s.dataset])
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_string)
        .collect()
}

#[test]
fn tampered_values_are_refused_reported_and_repaired() {
    let s = TestStore::new("tamper", 43000);
    s.init(17);
    s.sql("main", "create table t as select generate_series(1, 100) x");
    s.ok(&["branch", "dev", "--no-start"]);
    s.sql("main", "insert into t select generate_series(101, 150)");
    let dev = format!("{}/dev", s.dataset);
    let main = format!("{}/main", s.dataset);
    let before = datasets(&s);

    // 1. A password that could break out of the shell's quotes.
    let good_pw = s.zfs_get("stagdb:password", &dev);
    let env_before = s.ok(&["env", "dev"]);
    zfs(&[
        "set",
        "stagdb:password=x'; touch /tmp/stagdb-pwned; echo '",
        &dev,
    ]);
    for cmd in [&["env", "dev"][..], &["url", "dev"][..]] {
        let err = s.fails(cmd, 1);
        assert!(
            err.contains("damaged stagdb:password") && err.contains(&dev),
            "{cmd:?}: {err}"
        );
        assert!(!err.contains("pwned"), "the value is not echoed: {err}");
    }
    assert!(
        problems(&s)
            .iter()
            .any(|p| p.contains("stagdb:password on") && p.contains("pwned")),
        "{:?}",
        problems(&s)
    );
    zfs(&["set", &format!("stagdb:password={good_pw}"), &dev]);
    let env = s.ok(&["env", "dev"]);
    assert_eq!(env, env_before);
    let out = Command::new("sh")
        .arg("-c")
        .arg(format!("{env}\nprintf %s \"$PGPASSWORD\""))
        .output()
        .unwrap();
    let pw = String::from_utf8_lossy(&out.stdout);
    // Sealed at rest: the property is not the password.
    assert!(
        pw.len() == 32 && !good_pw.contains(pw.as_ref()),
        "{pw} {good_pw}"
    );

    // 2. A newline in HEAD: every command still reads the store and the
    // error or problem names dataset and property.
    zfs(&["set", "stagdb:head=main\nevil", &s.dataset]);
    let listed = s.json(&["branch"]);
    assert_eq!(listed.as_array().unwrap().len(), 2);
    let ps = problems(&s);
    assert!(
        ps.iter()
            .any(|p| p.contains(&format!("stagdb:head on {} is \"main\\nevil\"", s.dataset))),
        "{ps:?}"
    );
    let err = s.fails(&["url"], 1);
    assert!(err.contains("HEAD"), "{err}");

    // 3. Ports: not a number, 0, out of range, a duplicate.
    for bad in ["abc", "0", "70000", "1"] {
        zfs(&["set", &format!("stagdb:port={bad}"), &dev]);
        let err = s.fails(&["url", "dev"], 1);
        assert!(err.contains("damaged stagdb:port"), "{bad}: {err}");
        assert!(
            problems(&s)
                .iter()
                .any(|p| p.contains(&format!("stagdb:port on {dev} is \"{bad}\""))),
            "{bad}"
        );
    }
    let main_port = s.zfs_get("stagdb:port", &main);
    zfs(&["set", &format!("stagdb:port={main_port}"), &dev]);
    assert!(
        problems(&s)
            .iter()
            .any(|p| p.contains(&format!("port {main_port}, which branch 'main' also uses"))),
        "{:?}",
        problems(&s)
    );
    let err = s.fails(&["start", "dev"], 1);
    assert!(err.contains("shares port"), "{err}");

    // 4. Garbage in the intent marker and the protection flag.
    zfs(&["set", "stagdb:state=creating pid=1;rm -rf /", &dev]);
    zfs(&["set", "stagdb:protected=yes", &dev]);

    // Nothing was destroyed by any of it.
    assert_eq!(datasets(&s), before);

    // doctor reports, exits 1, changes nothing without --fix.
    let out = s.run(&["doctor"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(datasets(&s), before);

    // --fix: new port for dev, HEAD back to the branch holding the head
    // port, marker cleared; what it cannot know (protected=yes) is left.
    let out = s.run(&["--json", "doctor", "--fix"]);
    let j: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let remaining: Vec<&str> = j["remaining"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["code"].as_str().unwrap())
        .collect();
    assert_eq!(remaining, ["corrupt-value"], "{j:#}");
    assert!(
        j["remaining"][0]["message"]
            .as_str()
            .unwrap()
            .contains("stagdb:protected"),
        "{j:#}"
    );
    assert_eq!(s.zfs_get("stagdb:head", &s.dataset), "main");
    let new_port = s.zfs_get("stagdb:port", &dev);
    assert_ne!(new_port, main_port);
    zfs(&["inherit", "stagdb:protected", &dev]);
    s.ok(&["doctor"]);
    s.ok(&["start", "dev"]);
    assert_eq!(s.sql("dev", "select count(*) from t"), "100");
    assert_eq!(s.sql("main", "select count(*) from t"), "150");
    assert_eq!(datasets(&s), before);
    assert!(!std::path::Path::new("/tmp/stagdb-pwned").exists());
}

#[test]
fn head_stopped_open_store_and_waiting_for_the_lock() {
    let s = TestStore::new("tamper-head", 43040);
    s.init(17);
    s.ok(&["stop", "main"]);
    let ps = problems(&s);
    assert!(
        ps.iter()
            .any(|p| p.contains("HEAD branch 'main' is not running")),
        "{ps:?}"
    );

    // The store's directory is root's alone; opened up, doctor says so.
    let mp = s.zfs_get("mountpoint", &s.dataset);
    let mode = |p: &str| {
        use std::os::unix::fs::PermissionsExt;
        std::fs::metadata(p).unwrap().permissions().mode() & 0o777
    };
    assert_eq!(mode(&mp), 0o700);
    std::fs::set_permissions(&mp, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let err = s.fails(&["doctor"], 1);
    assert!(
        err.contains("1 problem") || err.contains("problems found"),
        "{err}"
    );
    let out = s.ok(&["doctor", "--fix"]);
    assert!(out.contains("problems:  none"), "{out}");
    assert_eq!(mode(&mp), 0o700);
    // HEAD runs again and serves the head port.
    assert_eq!(s.sql_head_port("select 1"), "1");

    // Ctrl-C while waiting for another command's lock exits at once.
    let lock = std::fs::File::options()
        .write(true)
        .open(format!(
            "/run/lock/stagdb/{}.lock",
            s.dataset.replace('/', "%")
        ))
        .unwrap();
    lock.lock().unwrap();
    for sig in ["-INT", "-TERM"] {
        let child = s
            .cmd(&["checkout", "main"])
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(500));
        let sent = Instant::now();
        Command::new("kill")
            .args([sig, &child.id().to_string()])
            .status()
            .unwrap();
        let out = child.wait_with_output().unwrap();
        let took = sent.elapsed();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(took < Duration::from_secs(1), "{sig}: took {took:?}");
        assert_eq!(out.status.code(), Some(1), "{stderr}");
        assert!(stderr.contains("interrupted"), "{stderr}");
    }
    drop(lock);
}

/// Every other stagdb property set to a value stagdb never writes: the
/// store still reads (or, for a store setting it cannot work without, every
/// command says which property on which dataset is damaged), `status`
/// names it, and nothing is destroyed.
#[test]
fn every_property_tampered() {
    let s = TestStore::new("tamper-all", 43320);
    s.init(17);
    s.ok(&["branch", "dev", "--no-start"]);
    s.ok(&["snapshot", "--name", "s1", "-m", "hello", "dev"]);
    let dev = format!("{}/dev", s.dataset);
    let snap = format!("{dev}@s1");
    let before = datasets(&s);
    let branch_props = [
        "stagdb:pg_version",
        "stagdb:created",
        "stagdb:expires",
        "stagdb:state",
        "stagdb:protected",
    ];
    for prop in branch_props {
        for bad in ["x\ny", "-1", "'; rm -rf / #"] {
            let old = s.zfs_get(prop, &dev);
            zfs(&["set", &format!("{prop}={bad}"), &dev]);
            let rows = s.json(&["branch"]);
            assert_eq!(rows.as_array().unwrap().len(), 2, "{prop}={bad:?}");
            let ps = problems(&s);
            assert!(
                ps.iter().any(|p| p.contains(&format!("{prop} on {dev}"))),
                "{prop}={bad:?}: {ps:?}"
            );
            if old == "-" {
                zfs(&["inherit", prop, &dev]);
            } else {
                zfs(&["set", &format!("{prop}={old}"), &dev]);
            }
        }
    }
    // Snapshot properties: the log still shows the snapshot.
    for prop in ["stagdb:message", "stagdb:author", "stagdb:kind"] {
        zfs(&["set", &format!("{prop}=a\nb"), &snap]);
        let log = s.json(&["log", "dev"]);
        assert!(
            log.as_array()
                .unwrap()
                .iter()
                .any(|e| e["snapshot"] == "s1"),
            "{prop}: {log}"
        );
        assert!(
            problems(&s)
                .iter()
                .any(|p| p.contains(&format!("{prop} on {snap}"))),
            "{prop}"
        );
        zfs(&["inherit", prop, &snap]);
    }
    // The branch marker: a newline makes it no branch at all; a name that
    // does not match the dataset makes it a misnamed branch. Left alone.
    for bad in ["dev\nx", "other"] {
        zfs(&["set", &format!("stagdb:branch={bad}"), &dev]);
        let rows = s.json(&["branch"]);
        assert_eq!(rows.as_array().unwrap().len(), 1, "{bad:?}");
        let ps = problems(&s);
        assert!(ps.iter().any(|p| p.contains(&dev)), "{bad:?}: {ps:?}");
        let fix = s.run(&["doctor", "--fix"]);
        assert!(!fix.status.success(), "nothing to fix safely");
        assert_eq!(datasets(&s), before);
        zfs(&["set", "stagdb:branch=dev", &dev]);
    }
    // Store settings: commands name the damaged property and change nothing.
    for (prop, bad) in [
        ("stagdb:ports", "1-2"),
        ("stagdb:ports", "abc"),
        ("stagdb:head_port", "99999"),
        ("stagdb:head_port", "\n"),
        ("stagdb:listen", "localhost; rm"),
        ("stagdb:image", "x\ny"),
    ] {
        let old = s.zfs_get(prop, &s.dataset);
        zfs(&["set", &format!("{prop}={bad}"), &s.dataset]);
        for cmd in [
            &["branch"][..],
            &["status"][..],
            &["url", "dev"][..],
            &["doctor"][..],
        ] {
            let err = s.fails(cmd, 1);
            assert!(
                err.contains(&format!("{prop} on {}", s.dataset)),
                "{prop}={bad:?} {cmd:?}: {err}"
            );
        }
        let err = s.fails(&["-y", "rm", "dev"], 1);
        assert!(err.contains(prop), "{err}");
        zfs(&["set", &format!("{prop}={old}"), &s.dataset]);
    }
    assert_eq!(datasets(&s), before);
    s.ok(&["doctor"]);
}

/// The port index (`stagdb:taken`) damaged, stale or missing: a new branch
/// never gets a port another branch holds, `status` says what is wrong and
/// `doctor --fix` rebuilds it.
#[test]
fn port_index_damaged_stale_or_missing() {
    let s = TestStore::new("tamper-index", 43360);
    s.init(17);
    for b in ["a", "b"] {
        s.ok(&["branch", b, "--no-start"]);
    }
    let ports = |s: &TestStore| -> Vec<u64> {
        let mut v: Vec<u64> = s
            .json(&["branch"])
            .as_array()
            .unwrap()
            .iter()
            .map(|b| b["port"].as_u64().unwrap())
            .collect();
        v.sort();
        v
    };
    let index = s.zfs_get("stagdb:taken", &s.dataset);
    let held = ports(&s);
    assert_eq!(index, format!("{}-{}", held[0], held[2]), "{held:?}");

    // Stale: it lacks a port in use. A reported problem; fixed by doctor.
    zfs(&["set", &format!("stagdb:taken={}", held[0]), &s.dataset]);
    assert!(
        problems(&s).iter().any(|p| p.contains("port index")),
        "{:?}",
        problems(&s)
    );
    s.ok(&["doctor", "--fix"]);
    assert_eq!(s.zfs_get("stagdb:taken", &s.dataset), index);

    // Damaged or missing: the next branch counts the ports itself.
    for bad in [Some("55-x"), None] {
        match bad {
            Some(v) => zfs(&["set", &format!("stagdb:taken={v}"), &s.dataset]),
            None => zfs(&["inherit", "stagdb:taken", &s.dataset]),
        }
        s.ok(&["branch", "c", "--no-start"]);
        let now = ports(&s);
        let mut uniq = now.clone();
        uniq.dedup();
        assert_eq!(uniq.len(), 4, "{now:?}");
        s.ok(&["-y", "rm", "c"]);
        assert_eq!(s.zfs_get("stagdb:taken", &s.dataset), index, "{bad:?}");
    }
    assert!(problems(&s).is_empty(), "{:?}", problems(&s));
}
