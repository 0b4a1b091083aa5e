//! Other tools' bookmarks and snapshots on OpenZFS (issue 18): bookmarks
//! exist only there (zfs-fuse, pool version 23, has none). Run in the
//! OpenZFS guest (`cargo test --test openzfs_foreign`); `test = false` in
//! Cargo.toml leaves it out of the zfs-fuse run; on zfs-fuse it fails, never
//! skips. Test names start with `foreign_`; port bases in 47700..47799.

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

/// zrepl's and syncoid's bookmarks (on a branch and on the store root) are
/// neither branches nor strays: doctor finds nothing, no command trips.
#[test]
fn foreign_bookmarks_are_ignored_openzfs() {
    let s = TestStore::new("foreign-bookmarks", 47710);
    s.init(17);
    s.ok(&["branch", "f1", "--no-start"]);
    s.ok(&["snapshot", "f1", "--name", "mine"]);
    let f1 = s.shown("f1", "dataset");
    zfs(&format!("zfs bookmark {f1}@mine {f1}#zrepl_CURSOR_G_1"));
    let auto = format!("{}@syncoid_host_2026-12-08", s.dataset);
    zfs(&format!("zfs snapshot {auto}"));
    zfs(&format!("zfs bookmark {auto} {}#syncoid_bm", s.dataset));
    // `zfs get -r` lists them by default on OpenZFS.
    assert!(zfs(&format!("zfs get -r -H -o name type {}", s.dataset)).contains('#'));
    let doctor = s.json(&["doctor"]);
    assert_eq!(
        doctor["problems"].as_array().map(Vec::len),
        Some(0),
        "{doctor}"
    );
    let rows = s.branch_rows();
    assert_eq!(rows.len(), 2, "{rows:?}");
    let log = s.json(&["log", "f1"]);
    assert!(!log.to_string().contains("zrepl_CURSOR"), "{log}");
    // A bookmark holds no data: rm may go (zfs destroy -r takes it along).
    s.ok(&["--yes", "rm", "f1"]);
}

/// The autosnap case of tests/foreign_snapshots.rs, on OpenZFS: sanoid's.
#[test]
fn foreign_autosnap_openzfs() {
    let s = TestStore::new("foreign-autosnap-oz", 47740);
    s.init(17);
    s.ok(&["branch", "f1"]);
    s.sql(
        "f1",
        "CREATE TABLE t (v text); INSERT INTO t VALUES ('kept')",
    );
    s.ok(&["snapshot", "f1", "--name", "mine"]);
    s.sql("f1", "INSERT INTO t VALUES ('before-autosnap')");
    let ds = s.shown("f1", "dataset");
    let auto = format!("{ds}@autosnap_2026-12-08_00:00:01_hourly");
    zfs(&format!("zfs snapshot {auto}"));
    s.sql("f1", "INSERT INTO t VALUES ('after-autosnap')");
    let err = s.fails(&["--yes", "reset", "f1"], 1);
    assert!(err.contains("(sanoid)"), "{err}");
    let err = s.fails(&["--yes", "rm", "f1"], 1);
    assert!(err.contains("sanoid"), "{err}");
    zfs(&format!("zfs destroy {auto}"));
    s.ok(&["--yes", "reset", "f1"]);
    assert_eq!(s.sql("f1", "SELECT string_agg(v, ',') FROM t"), "kept");
}
