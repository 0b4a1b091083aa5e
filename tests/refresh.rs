//! `stagdb refresh` keeps what it should: the root's unsnapshotted changes
//! (asked for, like reset), the recorded source (`--source` is for one run),
//! and the old data's snapshots (usable by the name `log` shows).

mod common;

use common::TestStore;

/// A store with root branch `app` imported from a small dump of `main`
/// (table t, `rows` rows); returns the dump's path.
fn with_app(s: &TestStore, rows: u32) -> String {
    s.init(17);
    s.sql(
        "main",
        &format!("CREATE TABLE t AS SELECT g AS id FROM generate_series(1, {rows}) g"),
    );
    let dir = std::env::temp_dir().join(format!("stagdb-h2-{}", s.name));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let dump = dir.join("main.dump").to_str().unwrap().to_string();
    s.ok(&["export", "main", "-o", &dump]);
    s.ok(&["import", &dump, "app"]);
    dump
}

fn dataset_of(s: &TestStore, branch: &str) -> String {
    s.shown(branch, "dataset")
}

fn zfs_num(s: &TestStore, prop: &str, name: &str) -> u64 {
    s.zfs_get(prop, name).parse().unwrap_or(0)
}

/// Waits (polling) until ZFS shows what a branch wrote since its newest
/// snapshot (its `used` plus the dataset's growth: zfs-fuse has no
/// `written`), which lags the data by a transaction group.
fn wait_written(s: &TestStore, branch: &str, at_least: u64) {
    let ds = dataset_of(s, branch);
    let log = s.json(&["log", branch]);
    let newest = log[0]["snapshot"].as_str().expect("a snapshot").to_string();
    let snap = format!("{ds}@{newest}");
    for _ in 0..120 {
        let w = zfs_num(s, "used", &snap)
            + zfs_num(s, "referenced", &ds).saturating_sub(zfs_num(s, "referenced", &snap));
        if w >= at_least {
            return;
        }
        std::thread::sleep(std::time::Duration::from_millis(500));
    }
    panic!("{ds} never showed {at_least} bytes written");
}

const BIG_WRITE: &str = "CREATE TABLE mine AS SELECT g AS id, repeat('x', 1000) AS pad FROM generate_series(1, 4000) g; CHECKPOINT";

fn recorded_source(s: &TestStore, branch: &str) -> String {
    s.zfs_get("stagdb:source", &dataset_of(s, branch))
}

/// Item 2: the root's own unsnapshotted changes are not thrown away
/// without --yes (no terminal here), protected or not; with --yes they are.
#[test]
fn refresh_asks_before_discarding_root_changes() {
    let s = TestStore::new("h2-refresh-asks", 45400);
    with_app(&s, 10);
    s.ok(&["protect", "app"]);
    s.sql("app", BIG_WRITE);
    wait_written(&s, "app", 2 << 20);
    let before = dataset_of(&s, "app");
    let err = s.fails(&["refresh", "app"], 2);
    assert!(
        err.contains("discarding its changes") && err.contains("--yes"),
        "{err}"
    );
    assert!(err.contains("stagdb snapshot app"), "{err}");
    assert_eq!(dataset_of(&s, "app"), before);
    assert_eq!(s.sql("app", "SELECT count(*) FROM mine"), "4000");
    // --json changes nothing about it.
    s.fails(&["--json", "refresh", "app"], 2);
    assert_eq!(s.sql("app", "SELECT count(*) FROM mine"), "4000");

    // Agreed to: the refresh goes on, the changes are gone.
    s.ok(&["-y", "refresh", "app"]);
    assert_ne!(dataset_of(&s, "app"), before);
    assert_eq!(s.sql("app", "SELECT count(*) FROM t"), "10");
    assert_eq!(
        s.sql("app", "SELECT to_regclass('mine') IS NULL"),
        "t",
        "the discarded table is back"
    );
    // A refresh of an unchanged root needs no confirmation.
    s.ok(&["refresh", "app"]);
}

/// Item 3: `--source X` and `--source -` load from elsewhere this once;
/// the recorded source stays; `--save-source` changes it.
#[test]
fn refresh_source_is_for_one_run() {
    let s = TestStore::new("h2-refresh-source", 45430);
    let dump = with_app(&s, 10);
    let recorded = recorded_source(&s, "app");
    assert!(recorded.contains(&dump), "{recorded}");
    s.sql(
        "main",
        "INSERT INTO t SELECT g FROM generate_series(11, 25) g",
    );
    let other = dump.replace("main.dump", "other.dump");
    s.ok(&["export", "main", "-o", &other]);

    s.ok(&["refresh", "app", "--source", &other]);
    assert_eq!(s.sql("app", "SELECT count(*) FROM t"), "25");
    assert_eq!(recorded_source(&s, "app"), recorded);

    let out = s
        .cmd(&["refresh", "app", "--source", "-"])
        .stdin(std::fs::File::open(&other).unwrap())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(recorded_source(&s, "app"), recorded);
    // The next plain refresh loads the recorded source again.
    s.ok(&["refresh", "app"]);
    assert_eq!(s.sql("app", "SELECT count(*) FROM t"), "10");

    let err = s.fails(&["refresh", "app", "--source", "-", "--save-source"], 2);
    assert!(err.contains("stdin"), "{err}");
    s.fails(&["refresh", "app", "--save-source"], 2);
    s.ok(&["refresh", "app", "--source", &other, "--save-source"]);
    assert!(recorded_source(&s, "app").contains(&other));
    s.ok(&["refresh", "app"]);
    assert_eq!(s.sql("app", "SELECT count(*) FROM t"), "25");
}

/// Item 4: the old data's snapshots (`log`: "(old data)") work by that
/// name in branch, show, export, reset --to; diff finds a branch's parent
/// in the old data.
#[test]
fn refresh_old_data_usable_by_log_name() {
    let s = TestStore::new("h2-refresh-old", 45460);
    let dump = with_app(&s, 10);
    s.ok(&["branch", "old", "app"]);
    s.ok(&["refresh", "app"]);
    let log = s.json(&["log", "app"]);
    let old_ref = log
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["retired"] == true)
        .and_then(|e| e["ref"].as_str())
        .unwrap_or_else(|| panic!("no old data in {log:#}"))
        .to_string();
    assert!(s.ok(&["log", "app"]).contains(&old_ref));

    let shown = s.json(&["show", &old_ref]);
    assert!(shown.is_object(), "{shown}");
    s.ok(&["branch", "x", &old_ref]);
    assert_eq!(s.sql("x", "SELECT count(*) FROM t"), "10");
    let out = dump.replace("main.dump", "old.dump");
    s.ok(&["export", &old_ref, "-o", &out]);
    assert!(std::fs::metadata(&out).unwrap().len() > 0);
    // A branch of the old data has a parent to compare with.
    let diff = s.run(&["diff", "old"]);
    assert!(
        diff.status.success(),
        "{}",
        String::from_utf8_lossy(&diff.stderr)
    );
    s.ok(&["branch", "y", "app"]);
    s.ok(&["-y", "reset", "y", "--to", &old_ref]);
    assert_eq!(s.sql("y", "SELECT count(*) FROM t"), "10");
    // A name that is nowhere still says so.
    let err = s.fails(&["show", "app@import-19990101-000000"], 1);
    assert!(err.contains("does not exist"), "{err}");
}
