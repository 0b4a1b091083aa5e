//! `reset --preserve-as NAME`: the state a reset throws away is kept as a
//! new branch, atomically with the reset (both or neither, also after a
//! `kill -9` and `doctor --fix`).

mod common;

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::TestStore;

const TPCB: &str = "select (select sum(abalance) from pgbench_accounts) || ' ' || \
     (select sum(bbalance) from pgbench_branches) || ' ' || \
     (select sum(tbalance) from pgbench_tellers) || ' ' || \
     (select coalesce(sum(delta), 0) from pgbench_history)";

/// TPC-B's invariant: every transfer moved the same delta everywhere.
fn check_tpcb(s: &TestStore, branch: &str) -> u64 {
    let sums = s.sql(branch, TPCB);
    let v: Vec<&str> = sums.split(' ').collect();
    assert_eq!(v.len(), 4, "{sums}");
    assert!(
        v.iter().all(|x| *x == v[0]),
        "TPC-B sums differ on '{branch}': {sums}"
    );
    s.sql(branch, "select count(*) from pgbench_history")
        .parse()
        .unwrap()
}

#[test]
fn preserve_as_under_pgbench_keeps_the_rows_and_tpcb_holds() {
    let s = TestStore::new("preserve-load", 47201);
    s.init(17);
    s.ok(&["branch", "bank"]);
    let url = s.ok(&["url", "bank"]).trim().to_string();
    let init = Command::new("pgbench")
        .args(["-i", "-q", "-s", "1", &url])
        .output()
        .unwrap();
    assert!(
        init.status.success(),
        "{}",
        String::from_utf8_lossy(&init.stderr)
    );
    s.ok(&["snapshot", "--name", "s0", "bank"]);
    // Transfers until the reset kills the server under them.
    let mut load = Command::new("pgbench")
        .args(["-n", "-c", "2", "-T", "120", &url])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let t0 = Instant::now();
    while s.sql("bank", "select count(*) from pgbench_history") == "0" {
        assert!(
            t0.elapsed() < Duration::from_secs(60),
            "pgbench never wrote"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    std::thread::sleep(Duration::from_millis(500));
    let out = s.json(&["-y", "reset", "bank", "--preserve-as", "keep"]);
    let _ = load.kill();
    let _ = load.wait();
    assert_eq!(out["branch"], "bank", "{out}");
    assert_eq!(out["to"], "bank@s0", "{out}");
    assert_eq!(out["preserved"]["branch"], "keep", "{out}");
    assert_eq!(out["preserved"]["started"], false, "{out}");
    assert!(out["preserved"]["url"].is_null(), "{out}");
    let snap = out["preserved"]["snapshot"].as_str().unwrap().to_string();
    assert!(snap.starts_with("bank@"), "{out}");
    // The reset branch is back at s0; the preserved one is stopped.
    assert_eq!(check_tpcb(&s, "bank"), 0);
    assert_eq!(s.json(&["show", "keep"])["state"], "stopped");
    s.ok(&["start", "keep"]);
    let kept = check_tpcb(&s, "keep");
    assert!(kept > 0, "the preserved branch lost the transfers");
    // A branch of its own: own password, and the doctor finds nothing.
    assert_ne!(s.ok(&["url", "keep"]), s.ok(&["url", "bank"]));
    s.ok(&["doctor"]);
    // The old data stays while 'keep' needs it, and goes with it.
    s.ok(&["gc"]);
    assert_eq!(check_tpcb(&s, "keep"), kept);
    s.ok(&["-y", "rm", "keep"]);
    s.ok(&["gc"]);
    s.ok(&["doctor"]);
}

#[test]
fn preserve_as_refuses_a_taken_or_bad_name_before_doing_anything() {
    let s = TestStore::new("preserve-refuse", 47222);
    s.init(15);
    s.ok(&["branch", "victim"]);
    s.sql("victim", "create table t(x int); insert into t values (1)");
    s.ok(&["snapshot", "--name", "s", "victim"]);
    s.sql("victim", "insert into t values (2)");
    let e = s.fails(&["-y", "reset", "victim", "--preserve-as", "main"], 1);
    assert!(e.contains("'main' already exists"), "{e}");
    let e = s.fails(&["-y", "reset", "victim", "--preserve-as", "a..b"], 2);
    assert!(!e.is_empty());
    let e = s.fails(&["-y", "reset", "victim", "--start"], 2);
    assert!(e.contains("--preserve-as"), "{e}");
    assert_eq!(s.sql("victim", "select count(*) from t"), "2");
    assert_eq!(s.json(&["log", "victim"]).as_array().unwrap().len(), 2);
    // A re-clone (to another branch) with --start: the preserved branch runs.
    // main gets a newer snapshot: the old data's branch point (main@...)
    // is then used only by the old data, kept for k2.
    s.ok(&["snapshot", "--name", "m2", "main"]);
    let out = s.json(&[
        "-y",
        "reset",
        "victim",
        "--to",
        "main",
        "--preserve-as",
        "k2",
        "--start",
    ]);
    assert_eq!(out["preserved"]["started"], true, "{out}");
    assert!(out["preserved"]["url"].is_string(), "{out}");
    assert_eq!(s.sql("k2", "select count(*) from t"), "2");
    assert_eq!(
        s.sql(
            "victim",
            "select count(*) from pg_tables where tablename = 't'"
        ),
        "0"
    );
    s.ok(&["doctor"]);
    s.ok(&["gc"]);
    s.ok(&["doctor"]);
    assert_eq!(s.sql("k2", "select count(*) from t"), "2");
    s.ok(&["-y", "rm", "k2"]);
    s.ok(&["gc"]);
    s.ok(&["gc"]);
    s.ok(&["doctor"]);
}

/// A `zfs` first on PATH that holds the first call matching a shell
/// condition for 3 s, before or after running it (as in tests/faults.rs).
struct SlowZfs {
    dir: std::path::PathBuf,
    flag: std::path::PathBuf,
    path: String,
}

impl SlowZfs {
    fn new(tag: &str, condition: &str, after: bool) -> SlowZfs {
        let real = Command::new("sh")
            .args(["-c", "command -v zfs"])
            .output()
            .unwrap();
        let real = String::from_utf8_lossy(&real.stdout).trim().to_string();
        let dir = std::env::temp_dir().join(format!("stagdb-pres-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let flag = dir.join("held");
        let hold = format!(
            "if {condition} && [ ! -e {f} ]; then echo \"$*\" > {f}; sleep 3; fi",
            f = flag.display()
        );
        let script = if after {
            format!("#!/bin/sh\n{real} \"$@\"; rc=$?\n[ $rc = 0 ] && {hold}\nexit $rc\n")
        } else {
            format!("#!/bin/sh\n{hold}\nexec {real} \"$@\"\n")
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

    fn kill_while_held(&self, s: &TestStore, args: &[&str]) {
        let mut child = s
            .cmd(args)
            .env("PATH", &self.path)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let t0 = Instant::now();
        while !self.flag.exists() {
            assert!(t0.elapsed() < Duration::from_secs(60), "step never reached");
            std::thread::sleep(Duration::from_millis(20));
        }
        kill9(child.id());
        child.wait().unwrap();
    }
}

impl Drop for SlowZfs {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn kill9(pid: u32) {
    Command::new("kill")
        .args(["-KILL", &pid.to_string()])
        .status()
        .unwrap();
}

/// Sets up 'victim' with rows 1,2,3 and snapshot `s` after row 1.
fn victim(s: &TestStore) {
    s.ok(&["branch", "victim"]);
    s.sql("victim", "create table t(x int); insert into t values (1)");
    s.ok(&["snapshot", "--name", "s", "victim"]);
    s.sql("victim", "insert into t values (2), (3)");
}

/// After `doctor --fix`: either the reset and 'keep' both happened, or
/// neither did; the store is clean and 'victim' runs. Returns which.
fn both_or_neither(s: &TestStore, what: &str) -> bool {
    // A zfs step of the killed command may still be running: doctor waits.
    let d = s.run(&["doctor", "--fix"]);
    let stderr = String::from_utf8_lossy(&d.stderr);
    assert!(d.status.success(), "{what}: doctor --fix failed:\n{stderr}");
    let again = s.run(&["doctor"]);
    assert!(
        again.status.success(),
        "{what}: problems left after `doctor --fix`:\n{stderr}\n{}",
        String::from_utf8_lossy(&again.stderr)
    );
    assert_eq!(s.json(&["show", "victim"])["state"], "running", "{what}");
    let names: Vec<String> = s.branch_rows().into_iter().map(|b| b.0).collect();
    let rows = s.sql("victim", "select count(*) from t");
    if names.iter().any(|n| n == "keep") {
        assert_eq!(
            rows, "1",
            "{what}: 'keep' exists but the reset did not happen"
        );
        s.ok(&["start", "keep"]);
        assert_eq!(s.sql("keep", "select count(*) from t"), "3", "{what}");
        true
    } else {
        assert_eq!(rows, "3", "{what}: the reset happened without 'keep'");
        let log = s.json(&["log", "victim"]).to_string();
        assert!(!log.contains("preserved as"), "{what}: {log}");
        false
    }
}

#[test]
fn preserve_as_killed_before_the_switch_leaves_neither() {
    let s = TestStore::new("preserve-kill-before", 47243);
    s.init(15);
    victim(&s);
    // The clone of the preserved branch (the first clone of the reset).
    let slow = SlowZfs::new("before", r#"[ "$1" = clone ]"#, false);
    slow.kill_while_held(
        &s,
        &[
            "-y",
            "reset",
            "victim",
            "--to",
            "victim@s",
            "--preserve-as",
            "keep",
        ],
    );
    assert!(!both_or_neither(&s, "killed at the clone"));
    // And it works afterwards.
    s.ok(&[
        "-y",
        "reset",
        "victim",
        "--to",
        "victim@s",
        "--preserve-as",
        "keep",
    ]);
    s.ok(&["start", "keep"]);
    assert_eq!(s.sql("keep", "select count(*) from t"), "3");
}

#[test]
fn preserve_as_killed_after_the_switch_leaves_both() {
    let s = TestStore::new("preserve-kill-after", 47264);
    s.init(15);
    victim(&s);
    let slow = SlowZfs::new(
        "after",
        r#"[ "$1" = set ] && echo "$*" | grep -q stagdb:retired"#,
        true,
    );
    slow.kill_while_held(
        &s,
        &[
            "-y",
            "reset",
            "victim",
            "--to",
            "victim@s",
            "--preserve-as",
            "keep",
        ],
    );
    assert!(both_or_neither(&s, "killed after the switch"));
}

/// Seeded: `kill -9` at random moments of the whole command.
#[test]
fn preserve_as_killed_at_random_points_is_both_or_neither() {
    let s = TestStore::new("preserve-kill-random", 47285);
    s.init(15);
    victim(&s);
    let mut seed: u64 = match std::env::var("STAGDB_FAULT_SEED") {
        Ok(v) => v.parse().expect("STAGDB_FAULT_SEED is a number"),
        Err(_) => {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_nanos() as u64
                | 1
        }
    };
    eprintln!("preserve kill: seed {seed} (STAGDB_FAULT_SEED={seed} replays it)");
    for n in 0..4 {
        seed ^= seed >> 12;
        seed ^= seed << 25;
        seed ^= seed >> 27;
        let delay = seed.wrapping_mul(0x2545_f491_4f6c_dd1d) % 2500;
        let mut child = s
            .cmd(&[
                "-y",
                "reset",
                "victim",
                "--to",
                "victim@s",
                "--preserve-as",
                "keep",
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(delay));
        kill9(child.id());
        child.wait().unwrap();
        let what = format!("trial {n}, killed after {delay} ms (seed as printed)");
        if both_or_neither(&s, &what) {
            // Back to three rows (and no 'keep') for the next trial.
            s.ok(&["-y", "rm", "keep"]);
            s.ok(&["gc"]);
            s.sql("victim", "insert into t values (2), (3)");
        }
    }
}
