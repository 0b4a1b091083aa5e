//! `branch NAME --from-time TIME [--of BRANCH]`: from the newest snapshot
//! taken at or before TIME, the branch's own or its ancestors'.

mod common;

use std::time::Duration;

use common::TestStore;

/// The creation time zfs recorded for a snapshot (unix seconds).
fn created(s: &TestStore, branch: &str, snap: &str) -> i64 {
    let ds = s.shown(branch, "dataset");
    s.zfs_get("creation", &format!("{ds}@{snap}"))
        .parse()
        .unwrap()
}

fn rfc3339(t: i64) -> String {
    let o = std::process::Command::new("date")
        .args(["-u", "-d", &format!("@{t}"), "+%Y-%m-%dT%H:%M:%SZ"])
        .output()
        .unwrap();
    String::from_utf8_lossy(&o.stdout).trim().to_string()
}

#[test]
fn from_time_picks_the_snapshot_taken_at_or_before() {
    let s = TestStore::new("from-time", 47306);
    s.init(15);
    s.ok(&["branch", "dev"]);
    s.sql("dev", "create table t(x int); insert into t values (1)");
    s.ok(&["snapshot", "--name", "one", "dev"]);
    // zfs records creation times in whole seconds.
    std::thread::sleep(Duration::from_millis(1100));
    s.sql("dev", "insert into t values (2)");
    s.ok(&["snapshot", "--name", "two", "dev"]);
    let (t1, t2) = (created(&s, "dev", "one"), created(&s, "dev", "two"));
    assert!(t1 < t2, "{t1} {t2}");

    let out = s.json(&[
        "branch",
        "a",
        "--from-time",
        &rfc3339(t1),
        "--of",
        "dev",
        "--no-start",
    ]);
    assert_eq!(out["from_snapshot"], "dev@one", "{out}");
    assert_eq!(out["parent"], "dev@one", "{out}");
    let out = s.json(&[
        "branch",
        "b",
        "--from-time",
        &rfc3339(t2),
        "--of",
        "dev",
        "--no-start",
    ]);
    assert_eq!(out["from_snapshot"], "dev@two", "{out}");
    // Human output says which snapshot; HEAD (main) by default.
    let o = s.run(&["branch", "c", "--from-time", "now", "--no-start"]);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{stderr}");
    assert!(stderr.contains("from main@"), "{stderr}");
    assert!(stderr.contains("(taken "), "{stderr}");
    // Before dev's own snapshots: its branch point on main (an ancestor).
    let bp = s.json(&["show", "dev"])["parent"]
        .as_str()
        .unwrap()
        .to_string();
    let (_, bp_snap) = bp.split_once('@').unwrap();
    let t0 = created(&s, "main", bp_snap);
    if t0 < t1 {
        let out = s.json(&[
            "branch",
            "d",
            "--from-time",
            &rfc3339(t0),
            "--of",
            "dev",
            "--no-start",
        ]);
        assert_eq!(out["from_snapshot"], bp.as_str(), "{out}");
    }
    // Before every snapshot: an error naming the oldest.
    let e = s.fails(
        &["branch", "e", "--from-time", "2000-01-01", "--of", "dev"],
        1,
    );
    assert!(e.contains("the oldest is main@"), "{e}");
    // Garbage and conflicts are usage errors; nothing was made.
    s.fails(&["branch", "f", "--from-time", "two fortnights ago"], 2);
    s.fails(&["branch", "f", "--from-time", "now", "dev"], 2);
    s.fails(&["branch", "f", "--of", "dev"], 2);
    let names: Vec<String> = s.branch_rows().into_iter().map(|b| b.0).collect();
    assert!(!names.iter().any(|n| n == "e" || n == "f"), "{names:?}");
    s.ok(&["doctor"]);
}
