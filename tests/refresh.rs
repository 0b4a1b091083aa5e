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
    // ...from the root, yet kept in the old data by the name log prints.
    let log = s.json(&["log", "app"]);
    let kept = log
        .as_array()
        .unwrap()
        .iter()
        .find(|e| {
            e["retired"] == true
                && e["snapshot"]
                    .as_str()
                    .is_some_and(|n| n.starts_with("before-refresh-"))
        })
        .and_then(|e| e["ref"].as_str())
        .unwrap_or_else(|| panic!("no snapshot of the discarded changes: {log:#}"))
        .to_string();
    s.ok(&["branch", "kept", &kept]);
    assert_eq!(s.sql("kept", "SELECT count(*) FROM mine"), "4000");
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

/// A `zfs` first on PATH that holds the first call matching a shell
/// condition (after the real call when `after`), so that a SIGKILL lands
/// in one exact step.
struct SlowZfs {
    dir: std::path::PathBuf,
    flag: std::path::PathBuf,
    path: String,
}

impl SlowZfs {
    fn new(tag: &str, condition: &str, after: bool) -> SlowZfs {
        let real = String::from_utf8_lossy(
            &std::process::Command::new("sh")
                .args(["-c", "command -v zfs"])
                .output()
                .unwrap()
                .stdout,
        )
        .trim()
        .to_string();
        let dir = std::env::temp_dir().join(format!("stagdb-h2-slow-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let flag = dir.join("held");
        let f = flag.display();
        let script = if after {
            format!(
                "#!/bin/sh\n{real} \"$@\"; rc=$?\nif [ $rc = 0 ] && {condition} && [ ! -e {f} ]; then echo \"$*\" > {f}; sleep 30; fi\nexit $rc\n"
            )
        } else {
            format!(
                "#!/bin/sh\nif {condition} && [ ! -e {f} ]; then echo \"$*\" > {f}; sleep 30; fi\nexec {real} \"$@\"\n"
            )
        };
        let wrapper = dir.join("zfs");
        std::fs::write(&wrapper, script).unwrap();
        std::fs::set_permissions(
            &wrapper,
            std::os::unix::fs::PermissionsExt::from_mode(0o755),
        )
        .unwrap();
        let path = format!("{}:{}", dir.display(), std::env::var("PATH").unwrap());
        SlowZfs { dir, flag, path }
    }

    /// Runs stagdb with this zfs and SIGKILLs it while the step is held.
    fn kill_while_held(&self, s: &TestStore, args: &[&str]) {
        let mut child = s
            .cmd(args)
            .env("PATH", &self.path)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        for _ in 0..1200 {
            if self.flag.exists() {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        assert!(self.flag.exists(), "the zfs step was never reached");
        child.kill().unwrap();
        child.wait().unwrap();
    }
}

impl Drop for SlowZfs {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn problem_codes(s: &TestStore) -> Vec<String> {
    let out = s.cmd(&["--json", "doctor"]).output().unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "doctor --json: {e}: {}",
            String::from_utf8_lossy(&out.stdout)
        )
    });
    let list = v["problems"]
        .as_array()
        .or(v.as_array())
        .cloned()
        .unwrap_or_default();
    list.iter()
        .filter_map(|p| p["code"].as_str().map(str::to_string))
        .collect()
}

/// Item 13: leftovers are named by what made them (a refresh's, not "an
/// interrupted reset"); a refresh or import killed after its data is in
/// place but before its import snapshot is finished by `doctor --fix` WITH
/// that snapshot (so reset has something to go back to); status and gc
/// agree on the old generation no branch uses.
#[test]
fn refresh_and_import_killed_are_finished_with_their_snapshot() {
    let s = TestStore::new("h2-refresh-killed", 45500);
    let dump = with_app(&s, 10);

    // Killed while loading (its new data just made): a refresh's leftover.
    let slow = SlowZfs::new("create", r#"[ "$1" = create ]"#, true);
    slow.kill_while_held(&s, &["refresh", "app"]);
    drop(slow);
    let codes = problem_codes(&s);
    assert!(
        codes.iter().any(|c| c == "interrupted-refresh"),
        "{codes:?}"
    );
    let gc = s.ok(&["gc", "--dry-run"]);
    assert!(!gc.contains("interrupted reset"), "{gc}");
    s.ok(&["doctor", "--fix"]);

    // Killed at its import snapshot, after the switch.
    let slow = SlowZfs::new("snap", r#"[ "$1" = snapshot ]"#, false);
    slow.kill_while_held(&s, &["refresh", "app"]);
    drop(slow);
    let status = s.json(&["status"]);
    let gens = status["old_generations"].as_array().unwrap().clone();
    assert_eq!(gens.len(), 1, "{status:#}");
    assert_eq!(gens[0]["in_use"], false, "{status:#}");
    let human = String::from_utf8_lossy(&s.run(&["status"]).stdout).to_string();
    assert!(!human.contains("kept for branches"), "{human}");
    assert!(human.contains("gc"), "{human}");
    s.ok(&["doctor", "--fix"]);
    let log = s.json(&["log", "app"]);
    assert_eq!(
        log[0]["retired"], false,
        "no import snapshot after doctor: {log:#}"
    );
    s.sql("app", "CREATE TABLE scratch (x int)");
    s.ok(&["-y", "reset", "app"]);
    assert_eq!(s.sql("app", "SELECT to_regclass('scratch') IS NULL"), "t");
    let gc = s.json(&["gc"]);
    assert_eq!(
        gc["removed_generations"].as_array().unwrap().len(),
        1,
        "{gc:#}"
    );

    // An import killed at its snapshot (its server up): the same.
    let slow = SlowZfs::new("isnap", r#"[ "$1" = snapshot ]"#, false);
    slow.kill_while_held(&s, &["import", &dump, "app2"]);
    drop(slow);
    s.ok(&["doctor", "--fix"]);
    let log = s.json(&["log", "app2"]);
    assert!(
        log[0]["snapshot"]
            .as_str()
            .is_some_and(|n| n.starts_with("import-")),
        "{log:#}"
    );
    s.ok(&["-y", "reset", "app2"]);
    assert_eq!(s.sql("app2", "SELECT count(*) FROM t"), "10");
}
