//! Cases that need OpenZFS (the kernel module), run only in the OpenZFS guest by
//! scripts/test-openzfs.sh (and `bash scripts/test.sh`'s OpenZFS part): bookmarks,
//! autosnapshots, received properties and whatever else zfs-fuse (ZFS pool
//! version 23, no `zfs version`) cannot do. Not part of the zfs-fuse run: the
//! `[[test]]` entry in Cargo.toml has `test = false`, so `cargo test` and
//! `cargo build --tests` leave it out and `cargo test --test openzfs` builds it;
//! it is never skipped at run time: on zfs-fuse it fails. See docs/testing.md.
//! Test names start with `openzfs_`; port bases 47100..47199 (H8's range).

mod common;

use std::process::Command;

use common::TestStore;

/// `zfs version`'s first line, e.g. "zfs-2.3.2-1" (userland); the kernel
/// module's is the second line ("zfs-kmod-2.3.2-1").
fn zfs_version() -> (String, String) {
    let out = Command::new("zfs")
        .arg("version")
        .output()
        .expect("run `zfs version`");
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(
        out.status.success(),
        "`zfs version` failed (zfs-fuse has no such command: this binary runs on OpenZFS only): {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut lines = text.lines();
    let user = lines.next().unwrap_or_default().trim().to_string();
    let kmod = lines.next().unwrap_or_default().trim().to_string();
    (user, kmod)
}

#[test]
fn openzfs_reports_version() {
    let (user, kmod) = zfs_version();
    assert!(user.starts_with("zfs-2."), "userland: {user:?}");
    assert!(kmod.starts_with("zfs-kmod-2."), "kernel module: {kmod:?}");
    // The core verbs on it: init, branch (clone), rm (destroy).
    let s = TestStore::new("openzfs-version", 47100);
    s.init(17);
    s.ok(&["branch", "f1"]);
    s.sql("f1", "CREATE TABLE t AS SELECT 1 AS x");
    assert_eq!(s.sql("f1", "SELECT count(*) FROM t").trim(), "1");
    let (main, f1) = (s.shown("main", "dataset"), s.shown("f1", "dataset"));
    // A clone on OpenZFS: its origin is a snapshot of main's dataset.
    let origin = s.zfs_get("origin", &f1);
    assert!(origin.starts_with(&format!("{main}@")), "{origin}");
    s.ok(&["-y", "rm", "f1"]);
    let gone = Command::new("zfs")
        .args(["list", "-H", "-o", "name", &f1])
        .output()
        .expect("run zfs list");
    assert!(!gone.status.success(), "{f1} still exists after rm");
}
