//! Fault injection: commands killed at random points.
//!
//! With SIGKILL nothing of stagdb runs afterwards, so `doctor --fix` must
//! bring the store back: no leftovers, no problems, HEAD running and served
//! on the head port, other branches' data unchanged, and the same command
//! then succeeds. With SIGINT/SIGTERM the command's own rollback must do
//! all of that without `doctor`.
//!
//! Seeded: the seed is printed, and STAGDB_FAULT_SEED replays a run;
//! STAGDB_FAULT_TRIALS sets the number of trials per signal (the soak
//! command, scripts/soak.sh, runs hundreds).

mod common;

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::TestStore;

/// xorshift64*: enough randomness for picking commands and delays, and
/// reproducible from the printed seed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

fn seed() -> u64 {
    match std::env::var("STAGDB_FAULT_SEED") {
        Ok(s) => s.parse().expect("STAGDB_FAULT_SEED is a number"),
        Err(_) => {
            let t = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap();
            (t.as_nanos() as u64) | 1
        }
    }
}

fn trials() -> usize {
    std::env::var("STAGDB_FAULT_TRIALS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(8)
}

const SUM: &str = "select md5(string_agg(x::text, ',' order by x)) from t";

fn branches(s: &TestStore) -> Vec<(String, String, bool)> {
    s.branch_rows()
}

fn has_branch(s: &TestStore, name: &str) -> bool {
    branches(s).iter().any(|(n, _, _)| n == name)
}

fn datasets(s: &TestStore) -> Vec<String> {
    let out = Command::new("zfs")
        .args(["list", "-H", "-r", "-o", "name", &s.dataset])
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_string)
        .collect()
}

/// What the trial ran, for the failure message.
struct Trial<'a> {
    seed: u64,
    n: usize,
    signal: &'a str,
    args: Vec<String>,
    delay_ms: u64,
}

impl Trial<'_> {
    fn what(&self) -> String {
        format!(
            "trial {} (seed {}, replay with STAGDB_FAULT_SEED={}): stagdb {:?} killed with {} after {} ms",
            self.n, self.seed, self.seed, self.args, self.signal, self.delay_ms
        )
    }
}

/// The store is as it must be after every trial.
fn check_clean(s: &TestStore, t: &Trial, sums: &[(&str, String)]) {
    let status = s.json(&["status"]);
    let problems = status["problems"].as_array().unwrap();
    assert!(
        problems.is_empty(),
        "{}: problems left: {problems:#?}",
        t.what()
    );
    let bs = branches(s);
    let head = bs.iter().find(|(_, _, h)| *h);
    assert!(
        matches!(head, Some((_, state, _)) if state == "running"),
        "{}: HEAD not running: {bs:?}",
        t.what()
    );
    assert_eq!(s.sql_head_port("select 1"), "1", "{}", t.what());
    for (b, sum) in sums {
        assert_eq!(&s.sql(b, SUM), sum, "{}: data of '{b}' changed", t.what());
    }
    for ds in datasets(s) {
        assert!(
            !ds.contains(":reset"),
            "{}: leftover dataset {ds}",
            t.what()
        );
    }
    let names: Vec<String> = bs.iter().map(|(n, _, _)| n.clone()).collect();
    let ps = Command::new("docker")
        .args([
            "ps",
            "-a",
            "--format",
            "{{.Label \"io.stagdb.branch\"}}",
            "--filter",
            &format!("label=io.stagdb.store={}", s.dataset),
        ])
        .output()
        .unwrap();
    for b in String::from_utf8_lossy(&ps.stdout).lines() {
        assert!(
            names.iter().any(|n| n == b),
            "{}: container of a branch '{b}' that does not exist",
            t.what()
        );
    }
}

fn run_trials(name: &str, base: u16, signals: &[&str], doctor: bool) {
    let seed = seed();
    eprintln!("fault injection {name}: seed {seed} (STAGDB_FAULT_SEED={seed} replays it)");
    let mut rng = Rng(seed);
    let s = TestStore::new(name, base);
    s.init(17);
    s.sql(
        "main",
        "create table t as select generate_series(1, 2000) x",
    );
    s.ok(&["snapshot", "--name", "base", "main"]);
    s.ok(&["branch", "keep", "main@base"]);
    s.sql("keep", "insert into t values (-1)");
    s.ok(&["branch", "victim", "main@base", "--no-start"]);
    let sums = [("main", s.sql("main", SUM)), ("keep", s.sql("keep", SUM))];

    for n in 0..trials() {
        let signal = signals[rng.below(signals.len() as u64) as usize];
        let op = rng.below(7);
        let args: Vec<String> = match op {
            0 => vec!["branch".into(), format!("f{n}")],
            1 => vec!["branch".into(), format!("f{n}"), "--no-start".into()],
            2 => vec![
                "snapshot".into(),
                "--name".into(),
                format!("s{n}"),
                "keep".into(),
            ],
            3 => {
                // Something to throw away, and running half of the time.
                if rng.below(2) == 0 {
                    s.ok(&["start", "victim"]);
                }
                vec!["-y".into(), "reset".into(), "victim".into()]
            }
            4 => {
                s.ok(&["branch", &format!("r{n}"), "--no-start"]);
                vec!["-y".into(), "rm".into(), format!("r{n}")]
            }
            5 => {
                // A parked branch (never mounted) whose first start is cut short.
                s.ok(&["branch", &format!("p{n}"), "--no-start"]);
                vec!["start".into(), format!("p{n}")]
            }
            _ => {
                let head = branches(&s)
                    .into_iter()
                    .find(|(_, _, h)| *h)
                    .map(|(n, _, _)| n)
                    .unwrap();
                let to = if head == "main" { "keep" } else { "main" };
                vec!["checkout".into(), to.into()]
            }
        };
        let delay_ms = rng.below(1500);
        let t = Trial {
            seed,
            n,
            signal,
            args: args.clone(),
            delay_ms,
        };
        let argv: Vec<&str> = args.iter().map(String::as_str).collect();
        let child = s
            .cmd(&argv)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(delay_ms));
        Command::new("kill")
            .args([signal, &child.id().to_string()])
            .status()
            .unwrap();
        let started = Instant::now();
        let out = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        assert!(
            started.elapsed() < Duration::from_secs(90),
            "{}: took {:?} to stop",
            t.what(),
            started.elapsed()
        );
        assert!(
            !stderr.contains("panicked"),
            "{}: panic:\n{stderr}",
            t.what()
        );
        if doctor {
            let d = s.run(&["doctor", "--fix"]);
            assert!(
                d.status.success(),
                "{}: doctor --fix failed:\n{}\n{}",
                t.what(),
                String::from_utf8_lossy(&d.stdout),
                String::from_utf8_lossy(&d.stderr)
            );
        } else {
            // An interrupt past the point of no return lets the command
            // finish; else it rolled back. Either way: exit 0 or 1. One
            // that lands in the first milliseconds, before the handlers
            // are installed (before any step), ends the process as the
            // signal's default action does: nothing was made (checked below).
            use std::os::unix::process::ExitStatusExt;
            let early = out.status.code().is_none()
                && matches!(out.status.signal(), Some(2 | 15))
                && t.delay_ms < 100;
            assert!(
                early || matches!(out.status.code(), Some(0 | 1)),
                "{}: exit {:?}:\n{stderr}",
                t.what(),
                out.status.code()
            );
        }
        check_clean(&s, &t, &sums);

        // The same command then succeeds (unless it had completed).
        let done = match op {
            0 | 1 => has_branch(&s, &format!("f{n}")),
            2 => s.ok(&["log", "keep"]).contains(&format!("keep@s{n}")),
            4 => !has_branch(&s, &format!("r{n}")),
            _ => false,
        };
        if !done {
            let again = s.run(&argv);
            assert!(
                again.status.success(),
                "{}: the same command then failed:\n{}",
                t.what(),
                String::from_utf8_lossy(&again.stderr)
            );
        }
        check_clean(&s, &t, &sums);
        if op <= 1 {
            s.ok(&["-y", "rm", &format!("f{n}")]);
        }
        if op == 3 {
            s.ok(&["stop", "victim"]);
        }
        if op == 5 {
            s.ok(&["-y", "rm", &format!("p{n}")]);
        }
    }
}

#[test]
fn killed_commands_are_repaired_by_doctor() {
    run_trials("fault-kill", 43100, &["-KILL"], true);
}

#[test]
fn interrupted_commands_roll_back_by_themselves() {
    run_trials("fault-int", 43140, &["-INT", "-TERM"], false);
}

/// A `zfs` step outlives a `kill -9` of the stagdb that started it (it runs
/// in its own process group). Until it ends, the store stays locked, so a
/// `doctor --fix` right after plans on the store as that step left it, not
/// as it was halfway. Here the old data's `zfs destroy` of a re-clone reset
/// is held for 3 s by a wrapper around the real zfs.
#[test]
fn a_zfs_step_outliving_a_killed_command_keeps_the_store_locked() {
    let s = TestStore::new("fault-orphan", 44480);
    s.init(15);
    s.ok(&["branch", "victim"]);
    s.sql("victim", "create table t(x int); insert into t values (1)");
    let slow = SlowZfs::new("orphan", r#"[ "$1" = destroy ]"#);
    slow.kill_while_held(&s, &["-y", "reset", "victim"]);
    let held = std::fs::read_to_string(&slow.flag).unwrap_or_default();
    let d = s.run(&["doctor", "--fix"]);
    let stderr = String::from_utf8_lossy(&d.stderr);
    assert!(d.status.success(), "doctor --fix failed:\n{stderr}");
    assert!(
        stderr.contains("waiting"),
        "doctor waited for the orphaned `zfs {held}`:\n{stderr}"
    );
    // Whatever the held step does when it ends, it has ended by now.
    std::thread::sleep(Duration::from_secs(4));
    let again = s.run(&["doctor"]);
    assert!(
        again.status.success(),
        "problems left:\n{}",
        String::from_utf8_lossy(&again.stderr)
    );
    assert!(
        branches(&s).iter().any(|b| b.0 == "victim"),
        "victim is gone after `zfs {held}` and doctor:\n{stderr}\n{}",
        String::from_utf8_lossy(&d.stdout)
    );
    // Finished (the destroy went through: the reset's data) or undone (it
    // failed: the old data), never a mix, and the branch runs.
    let n = s.sql(
        "victim",
        "select count(*) from pg_tables where tablename = 't'",
    );
    assert!(
        n == "0" || n == "1",
        "held `zfs {held}`; doctor said:\n{stderr}"
    );
    let b = s.json(&["show", "victim"]);
    assert_eq!(b["state"], "running", "{b}");
}

/// A reset to the branch's own snapshot gives that snapshot (and the older
/// ones) to the new data with `zfs promote`. Killed right there, the old
/// data is a clone of the new: `doctor --fix` promotes it back and removes
/// the new data, and the branch is as before the reset, snapshots and all.
#[test]
fn a_reset_killed_after_its_promote_is_undone_by_doctor() {
    let s = TestStore::new("fault-promote", 44760);
    s.init(15);
    s.ok(&["branch", "victim"]);
    s.sql("victim", "create table t(x int); insert into t values (1)");
    s.ok(&["snapshot", "--name", "s", "victim"]);
    s.sql("victim", "insert into t values (2)");
    s.ok(&["snapshot", "--name", "later", "victim"]);
    s.sql("victim", "insert into t values (3)");
    let slow = SlowZfs::new("promote", r#"[ "$1" = promote ]"#);
    slow.kill_while_held(&s, &["-y", "reset", "victim", "--to", "victim@s"]);
    // The held promote runs to its end (as doctor would wait for it): the
    // state doctor sees is the promoted one.
    std::thread::sleep(Duration::from_secs(4));
    let status = s.json(&["status"]);
    let problems = status["problems"].to_string();
    assert!(problems.contains("holds its snapshots"), "{status:#}");
    let d = s.run(&["doctor", "--fix"]);
    let stderr = String::from_utf8_lossy(&d.stderr);
    assert!(d.status.success(), "doctor --fix failed:\n{stderr}");
    let again = s.run(&["doctor"]);
    assert!(
        again.status.success(),
        "problems left:\n{}",
        String::from_utf8_lossy(&again.stderr)
    );
    assert_eq!(s.sql("victim", "select count(*) from t"), "3", "{stderr}");
    let log = s.json(&["log", "victim"]).to_string();
    assert!(
        log.contains("victim@s") && log.contains("victim@later"),
        "{log}"
    );
    assert_eq!(s.json(&["show", "victim"])["state"], "running");
    // And the reset itself works afterwards, on both paths.
    s.ok(&["-y", "reset", "victim", "--to", "victim@s"]);
    assert_eq!(s.sql("victim", "select count(*) from t"), "1");
    s.ok(&["-y", "reset", "victim", "--to", "main"]);
    assert_eq!(
        s.sql(
            "victim",
            "select count(*) from pg_tables where tablename = 't'"
        ),
        "0"
    );
    let left = datasets(&s);
    assert_eq!(
        left.iter().filter(|d| d.contains("/victim")).count(),
        1,
        "{left:?}"
    );
}

/// A `zfs` earlier on PATH that holds the first call matching a shell
/// condition for 3 s (writing its arguments to `flag` first), then runs
/// the real zfs: a way to land a signal inside one exact zfs step.
struct SlowZfs {
    dir: std::path::PathBuf,
    flag: std::path::PathBuf,
    path: String,
}

impl SlowZfs {
    /// Runs stagdb with this zfs first on PATH and kills it with SIGKILL
    /// while the held zfs step is waiting.
    fn kill_while_held(&self, s: &TestStore, args: &[&str]) {
        let mut child = s
            .cmd(args)
            .env("PATH", &self.path)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        self.wait_held();
        Command::new("kill")
            .args(["-KILL", &child.id().to_string()])
            .status()
            .unwrap();
        child.wait().unwrap();
    }

    fn new(tag: &str, condition: &str) -> SlowZfs {
        Self::with(tag, condition, false)
    }

    /// Held after the real zfs call succeeded instead of before it: the
    /// change is made, the caller has not seen it yet.
    fn after(tag: &str, condition: &str) -> SlowZfs {
        Self::with(tag, condition, true)
    }

    fn with(tag: &str, condition: &str, after: bool) -> SlowZfs {
        let real = Command::new("sh")
            .args(["-c", "command -v zfs"])
            .output()
            .unwrap();
        let real = String::from_utf8_lossy(&real.stdout).trim().to_string();
        let dir = std::env::temp_dir().join(format!("stagdb-slow-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let flag = dir.join("held");
        let script = if after {
            format!(
                "#!/bin/sh\n{real} \"$@\"; rc=$?\nif [ $rc = 0 ] && {condition} && [ ! -e {flag} ]; then echo \"$*\" > {flag}; sleep 3; fi\nexit $rc\n",
                flag = flag.display()
            )
        } else {
            format!(
                "#!/bin/sh\nif {condition} && [ ! -e {flag} ]; then echo \"$*\" > {flag}; sleep 3; fi\nexec {real} \"$@\"\n",
                flag = flag.display()
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

    /// Waits until the held call has begun.
    fn wait_held(&self) {
        let t0 = Instant::now();
        while !self.flag.exists() {
            assert!(
                t0.elapsed() < Duration::from_secs(60),
                "the zfs step was never reached"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for SlowZfs {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Ctrl-C while `branch` clears its marker (its last zfs step): the step
/// finishes, the branch is complete and kept, and so is its port in the
/// store's index (CI saw the rollback release the port of the kept branch).
#[test]
fn an_interrupt_in_the_last_step_of_branch_keeps_branch_and_port() {
    let s = TestStore::new("fault-last", 44520);
    s.init(15);
    let slow = SlowZfs::new("last", r#"[ "$1" = inherit ] && [ "$2" = stagdb:state ]"#);
    let child = s
        .cmd(&["branch", "late", "--no-start"])
        .env("PATH", &slow.path)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    slow.wait_held();
    Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(matches!(out.status.code(), Some(0 | 1)), "{stderr}");
    let d = s.run(&["doctor"]);
    assert!(
        d.status.success(),
        "problems after the interrupt:\n{}\nbranch said:\n{stderr}",
        String::from_utf8_lossy(&d.stderr)
    );
    assert!(branches(&s).iter().any(|b| b.0 == "late"), "{stderr}");
}

/// `kill -9` right after `branch -m` moved the dataset (the `zfs rename`
/// done, stagdb not told yet): `doctor --fix` (waiting for that zfs to
/// end) gives the branch its new name, moves HEAD and starts it again.
#[test]
fn a_killed_rename_is_finished_by_doctor() {
    let s = TestStore::new("fault-rename", 44600);
    s.init(15);
    s.sql("main", "create table t(x int); insert into t values (7)");
    let slow = SlowZfs::after("rename", r#"[ "$1" = rename ]"#);
    slow.kill_while_held(&s, &["branch", "-m", "main", "trunk"]);
    let d = s.run(&["doctor", "--fix"]);
    let stderr = String::from_utf8_lossy(&d.stderr);
    assert!(d.status.success(), "doctor --fix failed:\n{stderr}");
    assert!(
        stderr.contains("finish renaming branch 'main' to 'trunk'"),
        "{stderr}"
    );
    let again = s.run(&["doctor"]);
    assert!(
        again.status.success(),
        "problems left:\n{}",
        String::from_utf8_lossy(&again.stderr)
    );
    let b = branches(&s);
    assert!(b.iter().any(|b| b.0 == "trunk"), "{b:?}");
    assert!(!b.iter().any(|b| b.0 == "main"), "{b:?}");
    assert_eq!(s.sql_head_port("select x from t"), "7");
}
