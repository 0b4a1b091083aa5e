//! Other tools' snapshots (zfs-auto-snapshot, sanoid...) and stores that
//! came back through `zfs send | zfs receive` (issue 18). On zfs-fuse:
//! bookmarks (OpenZFS only) are in tests/openzfs_foreign.rs.

mod common;

use std::process::{Command, Stdio};

use common::TestStore;

fn zfs(cmd: &str) -> String {
    let out = Command::new("sh")
        .arg("-c")
        .arg(cmd)
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("cannot run `{cmd}`: {e}"));
    assert!(
        out.status.success(),
        "`{cmd}` failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// An hourly autosnap between the user's snapshot and their latest write:
/// `reset` must neither pick it as the target (which would keep the write
/// before it) nor destroy it; `rm` refuses naming its tool; `log` and
/// `show` mark it foreign.
#[test]
fn foreign_autosnap_is_no_reset_target_and_never_destroyed() {
    let s = TestStore::new("foreign-autosnap", 47610);
    s.init(17);
    s.ok(&["branch", "f1"]);
    s.sql(
        "f1",
        "CREATE TABLE t (v text); INSERT INTO t VALUES ('kept')",
    );
    s.ok(&["snapshot", "f1", "--name", "mine"]);
    s.sql("f1", "INSERT INTO t VALUES ('before-autosnap')");
    let ds = s.shown("f1", "dataset");
    let auto = format!("{ds}@zfs-auto-snap_hourly-2026-12-07-2317");
    zfs(&format!("zfs snapshot {auto}"));
    s.sql("f1", "INSERT INTO t VALUES ('after-autosnap')");

    // log and show mark it, with the tool.
    let log = s.json(&["log", "f1"]);
    let entry = log
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["snapshot"].as_str().unwrap().starts_with("zfs-auto-snap"))
        .unwrap_or_else(|| panic!("autosnap not in log: {log}"));
    assert_eq!(entry["foreign"], "zfs-auto-snapshot", "{log}");
    let mine = log
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["snapshot"] == "mine")
        .unwrap();
    assert!(mine.get("foreign").is_none(), "{log}");
    let human = s.ok(&["log", "f1"]);
    assert!(human.contains("foreign"), "{human}");
    let shown = s.json(&["show", "f1"]);
    assert!(shown.to_string().contains("zfs-auto-snapshot"), "{shown}");

    // reset: the target is `mine`, which would destroy the autosnap: refused.
    let err = s.fails(&["--yes", "reset", "f1"], 1);
    assert!(
        err.contains("f1@zfs-auto-snap_hourly-2026-12-07-2317 (zfs-auto-snapshot)")
            && err.contains(&format!("zfs destroy {auto}")),
        "{err}"
    );
    zfs(&format!("zfs list -H -o name {auto}"));
    // rm refuses too, naming the tool.
    let err = s.fails(&["--yes", "rm", "f1"], 1);
    assert!(err.contains("zfs-auto-snapshot"), "{err}");
    zfs(&format!("zfs list -H -o name {auto}"));
    // gc leaves an expired branch with one alone.
    zfs(&format!("zfs set stagdb:expires=1 {ds}"));
    let gc = s.run(&["gc"]);
    let gc_err = String::from_utf8_lossy(&gc.stderr);
    assert!(gc.status.success(), "{gc_err}");
    assert!(
        gc_err.contains("kept") && gc_err.contains("zfs-auto-snapshot"),
        "{gc_err}"
    );
    zfs(&format!("zfs list -H -o name {auto}"));

    // Once the user destroyed it, reset goes back to `mine`: both writes go.
    zfs(&format!("zfs destroy {auto}"));
    s.ok(&["--yes", "reset", "f1"]);
    assert_eq!(s.sql("f1", "SELECT string_agg(v, ',') FROM t"), "kept");
    s.ok(&["--yes", "rm", "f1"]);
}

/// A copy of a store made with `zfs send -R | zfs receive -u` has every
/// property `received`: it is still a store with its branches.
#[test]
fn foreign_received_store_lists_branches() {
    let s = TestStore::new("foreign-recv", 47640);
    let copy = TestStore::new("foreign-recv-copy", 47680);
    s.init(17);
    s.ok(&["branch", "f1"]);
    s.sql("f1", "CREATE TABLE t (v text); INSERT INTO t VALUES ('x')");
    s.ok(&["snapshot", "f1", "--name", "s1"]);
    s.ok(&["stop", "--all"]);
    zfs(&format!("zfs snapshot -r {}@bk", s.dataset));
    zfs(&format!(
        "zfs send -R {}@bk | zfs receive -u {}",
        s.dataset, copy.dataset
    ));
    assert!(
        zfs(&format!(
            "zfs get -H -o source stagdb:store {}",
            copy.dataset
        ))
        .contains("received")
    );
    let rows = copy.branch_rows();
    let names: Vec<&str> = rows.iter().map(|r| r.0.as_str()).collect();
    assert_eq!(names, ["f1", "main"], "{rows:?}");
    // The copy's log has the user's snapshot; the backup's `@bk` is another tool's.
    let log = copy.json(&["log", "f1"]);
    let snaps: Vec<&str> = log
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["snapshot"].as_str().unwrap())
        .collect();
    assert!(snaps.contains(&"s1") && snaps.contains(&"bk"), "{log}");
    // `receive -u` left the copy unmounted: no key is made in the bare
    // mountpoint directory; once mounted, the copied key opens the
    // copied passwords.
    let err = copy.fails(&["url", "f1"], 1);
    assert!(
        err.contains("not mounted") && err.contains("zfs mount"),
        "{err}"
    );
    zfs(&format!("zfs mount {}", copy.dataset));
    copy.ok(&["start", "f1"]);
    assert_eq!(copy.sql("f1", "SELECT v FROM t"), "x");
    copy.ok(&["stop", "--all"]);
}
