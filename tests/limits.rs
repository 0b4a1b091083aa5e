//! Per-branch memory and CPU limits: recorded on the branch when it is
//! made (from its flags or the store's defaults), applied by the engine at
//! every start, kept through restart, reset, checkout and rename; an
//! out-of-memory kill is reported as such.

mod common;

use std::process::Command;

use common::TestStore;

/// (HostConfig.Memory, HostConfig.MemorySwap, HostConfig.NanoCpus, Config.Cmd) of a branch's container.
fn engine_limits(s: &TestStore, branch: &str) -> (i64, i64, i64, String) {
    let c = s.shown(branch, "container");
    let out = Command::new("docker")
        .args([
            "inspect",
            "--format",
            "{{.HostConfig.Memory}} {{.HostConfig.MemorySwap}} {{.HostConfig.NanoCpus}} {{json .Config.Cmd}}",
            &c,
        ])
        .output()
        .expect("docker inspect");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout).trim().to_string();
    let mut f = text.splitn(4, ' ');
    let mut num = || f.next().unwrap_or("").parse::<i64>().unwrap_or(-1);
    let (m, sw, cpu) = (num(), num(), num());
    (m, sw, cpu, f.next().unwrap_or("").to_string())
}

const MIB: i64 = 1 << 20;

fn assert_limited(s: &TestStore, branch: &str, mib: i64, nano: i64, when: &str) {
    let (m, sw, cpu, cmd) = engine_limits(s, branch);
    assert_eq!(
        (m, sw, cpu),
        (mib * MIB, mib * MIB, nano),
        "{branch} {when}"
    );
    let sb = format!("shared_buffers={}kB", mib * 1024 / 4);
    assert!(cmd.contains(&sb), "{branch} {when}: no {sb} in {cmd}");
}

#[test]
fn limits_follow_the_branch_through_restart_reset_checkout_and_rename() {
    let s = TestStore::new("limits-follow", 47400);
    s.init(17);
    // Unlimited by default: today's behaviour, no sizing settings.
    let (m, _, cpu, cmd) = engine_limits(&s, "main");
    assert_eq!((m, cpu), (0, 0));
    assert!(!cmd.contains("shared_buffers"), "{cmd}");
    assert_eq!(s.json(&["show", "main"])["memory"], serde_json::Value::Null);

    s.ok(&["config", "limits", "--memory", "256m", "--cpus", "1"]);
    let d = s.json(&["config", "limits"]);
    assert_eq!(
        (d["memory"].as_i64(), d["cpus"].as_f64()),
        (Some(256 * MIB), Some(1.0))
    );
    s.ok(&["snapshot", "main", "--name", "seed"]);
    s.ok(&["branch", "dev"]);
    s.ok(&["branch", "half", "--cpus", "0.5", "--memory", "none"]);
    // A later change of the defaults leaves existing branches alone.
    s.ok(&["config", "limits", "--memory", "512MiB", "--cpus", "none"]);
    assert_limited(&s, "dev", 256, 1_000_000_000, "made");
    let (m, sw, cpu, _) = engine_limits(&s, "half");
    assert_eq!((m, sw, cpu), (0, 0, 500_000_000));
    let rows = s.json(&["branch"]);
    let dev = rows
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == "dev")
        .unwrap();
    assert_eq!(
        (dev["memory"].as_i64(), dev["cpus"].as_f64()),
        (Some(256 * MIB), Some(1.0))
    );
    assert!(
        s.ok(&["show", "dev"])
            .contains("limits:    memory 256 MiB, 1 CPU")
    );

    s.ok(&["restart", "dev"]);
    assert_limited(&s, "dev", 256, 1_000_000_000, "after restart");
    s.ok(&["--yes", "reset", "dev"]);
    assert_limited(&s, "dev", 256, 1_000_000_000, "after reset");
    s.ok(&["--yes", "reset", "dev", "--to", "main@seed"]);
    assert_limited(
        &s,
        "dev",
        256,
        1_000_000_000,
        "after reset to another branch",
    );
    s.ok(&["checkout", "dev"]);
    assert_limited(&s, "dev", 256, 1_000_000_000, "after checkout");
    s.ok(&["checkout", "-b", "fresh"]);
    assert_limited(&s, "fresh", 512, 0, "checkout -b: the defaults now");
    s.ok(&["stop", "half"]);
    s.ok(&["branch", "-m", "half", "halved"]);
    s.ok(&["start", "halved"]);
    let (_, _, cpu, _) = engine_limits(&s, "halved");
    assert_eq!(cpu, 500_000_000, "after rename");

    // One branch's own limits change at its next start.
    s.ok(&["config", "limits", "--branch", "dev", "--memory", "1g"]);
    assert_limited(&s, "dev", 256, 1_000_000_000, "changed, not restarted");
    s.ok(&["restart", "dev"]);
    assert_limited(&s, "dev", 1024, 1_000_000_000, "changed and restarted");
    assert_eq!(
        s.json(&["config", "limits", "--branch", "dev"])["memory"].as_i64(),
        Some(1024 * MIB)
    );
    assert_eq!(s.sql("dev", "show shared_buffers"), "256MB");
}

#[test]
fn limits_refuse_nonsense_with_a_reason() {
    let s = TestStore::new("limits-refuse", 47460);
    s.init(17);
    for (args, code, says) in [
        (
            &["config", "limits", "--memory", "32m"][..],
            2,
            "below 64 MiB",
        ),
        (
            &["config", "limits", "--memory", "lots"],
            2,
            "not a whole number",
        ),
        (
            &["config", "limits", "--memory", "-1g"],
            2,
            "unexpected argument",
        ),
        (
            &["config", "limits", "--memory", "99999999999t"],
            2,
            "too large",
        ),
        (&["config", "limits", "--cpus", "0"], 2, "below 0.01"),
        (&["config", "limits", "--cpus", "1e3"], 2, "not a decimal"),
        (&["config", "limits", "--cpus", "4096"], 2, "too large"),
        (
            &["config", "limits", "--cpus", "64"],
            1,
            "CPUs of the container engine's host",
        ),
        (&["config", "limits", "128m"], 2, "not a value"),
        (
            &["config", "network", "--memory", "1g"],
            2,
            "go with `config limits`",
        ),
        (&["branch", "x", "--memory", "1"], 2, "below 64 MiB"),
        (
            &["branch", "x", "--cpus", "64"],
            1,
            "CPUs of the container engine's host",
        ),
        (
            &["config", "limits", "--branch", "nope", "--memory", "1g"],
            1,
            "nope",
        ),
    ] {
        let err = s.fails(args, code);
        assert!(err.contains(says), "{args:?}: {err}");
    }
    // Nothing was set, nothing was made.
    assert_eq!(s.ok(&["config", "limits"]), "memory: none\ncpus:   none\n");
    assert_eq!(s.branch_rows().len(), 1);
    // A damaged property is reported, and counts as no limit.
    s.ok(&["stop", "main"]);
    let ds = s.shown("main", "dataset");
    let out = Command::new("zfs")
        .args(["set", "stagdb:memory=lots", &ds])
        .output()
        .unwrap();
    assert!(out.status.success());
    let st = s.ok(&["status"]);
    assert!(st.contains("stagdb:memory"), "{st}");
}

/// The query that needs more than 256 MiB: one 500 MB value.
const HUNGRY: &str =
    "select length(string_agg(repeat('x', 1000), '')) from generate_series(1, 500000)";

#[test]
fn limits_oom_kill_is_reported_and_start_brings_it_back() {
    let s = TestStore::new("limits-oom", 47430);
    s.init(17);
    s.ok(&["branch", "small", "--memory", "256m"]);
    let url = s.ok(&["url", "small"]).trim().to_string();
    let psql = |sql: &str| {
        Command::new("psql")
            .args([&url, "-XAtc", sql])
            .output()
            .expect("psql")
    };
    // The kernel kills the query's server process; PostgreSQL restarts
    // itself, the branch runs on, and stagdb says what happened.
    assert!(!psql(HUNGRY).status.success());
    // The engine hears of the kill a moment after the client does.
    let said =
        "a server process of branch 'small' was killed for exceeding its 256 MiB memory limit";
    let mut st = String::new();
    for _ in 0..50 {
        st = s.ok(&["status"]);
        if st.contains(said) {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
    assert!(st.contains(said), "{st}");
    assert_eq!(s.sql("main", "select 1"), "1");
    let mut answered = false;
    for _ in 0..100 {
        if psql("select 1").status.success() {
            answered = true;
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    assert!(answered, "small did not come back by itself");
    s.ok(&["restart", "small"]);
    assert!(s.ok(&["status"]).contains("problems:  none"));

    // A server that does not restart itself after a crash: the branch is
    // killed, said so by status and doctor; others run on; start brings it back.
    let out = psql("alter system set restart_after_crash = off");
    assert!(out.status.success());
    assert!(psql("select pg_reload_conf()").status.success());
    assert!(!psql(HUNGRY).status.success());
    let mut stopped = false;
    for _ in 0..100 {
        let rows = s.branch_rows();
        if rows.iter().any(|r| r.0 == "small" && r.1 != "running") {
            stopped = true;
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    assert!(stopped, "{:?}", s.branch_rows());
    let said = "branch 'small' was killed for exceeding its 256 MiB memory limit";
    let mut st = String::new();
    for _ in 0..50 {
        st = s.ok(&["status"]);
        if st.contains(said) {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
    assert!(st.contains(said), "{st}");
    let v = s.json(&["status"]);
    assert!(
        v["details"]
            .as_array()
            .unwrap()
            .iter()
            .any(|d| d["code"] == "branch-oom"),
        "{v}"
    );
    let d = s.fails(&["doctor"], 1);
    let d_out = String::from_utf8_lossy(&s.run(&["doctor"]).stdout).into_owned();
    assert!(d_out.contains(said) || d.contains(said), "{d_out}{d}");
    assert!(d_out.contains("stagdb start small") || d.contains("stagdb start small"));
    assert_eq!(s.sql("main", "select 1"), "1");
    s.ok(&["start", "small"]);
    assert_eq!(s.sql("small", "select 1"), "1");
    assert!(s.ok(&["status"]).contains("problems:  none"));
}

#[test]
fn limits_import_takes_the_defaults_and_refresh_keeps_the_roots() {
    let s = TestStore::new("limits-import", 47490);
    s.init(17);
    s.sql("main", "create table t as select 1 as x");
    let dir = std::env::temp_dir().join(format!("stagdb-h7-{}", s.name));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let dump = dir.join("main.dump").to_str().unwrap().to_string();
    s.ok(&["export", "main", "-o", &dump]);
    s.ok(&["config", "limits", "--memory", "256m", "--cpus", "1"]);
    s.ok(&["import", &dump, "app"]);
    assert_limited(&s, "app", 256, 1_000_000_000, "imported");
    s.ok(&[
        "config", "limits", "--branch", "app", "--memory", "384m", "--cpus", "0.5",
    ]);
    s.ok(&["-y", "refresh", "app"]);
    assert_limited(&s, "app", 384, 500_000_000, "refreshed");
    assert_eq!(s.sql("app", "select x from t"), "1");
    let _ = std::fs::remove_dir_all(&dir);
}
