//! Two CI jobs branching at once get distinct ports and both work.

mod common;

use common::TestStore;

#[test]
fn concurrent_branches_get_distinct_ports() {
    let s = TestStore::new("concurrent", 41300);
    s.init(17);
    let children: Vec<_> = (0..4)
        .map(|i| {
            s.cmd(&["--json", "branch", &format!("job-{i}")])
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let mut ports = Vec::new();
    for c in children {
        let out = c.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "concurrent branch failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        ports.push(v["port"].as_u64().unwrap());
    }
    let mut uniq = ports.clone();
    uniq.sort();
    uniq.dedup();
    assert_eq!(uniq.len(), 4, "ports {ports:?}");
    for i in 0..4 {
        assert_eq!(s.sql(&format!("job-{i}"), "SELECT 1"), "1");
    }
}

/// 16 mixed commands at once on one store (STAGDB_CONCURRENCY sets another
/// number, e.g. 32 in the soak run, scripts/soak.sh): all succeed, and
/// afterwards the store has no problems, every branch its own port, and
/// the data of untouched branches is as it was.
#[test]
fn mixed_commands_at_once_leave_a_clean_store() {
    let n: usize = std::env::var("STAGDB_CONCURRENCY")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(16)
        .clamp(8, 32);
    // At most 19 branches at any time: the test store has 20 ports.
    let (branches, rms, resets, checkouts) = (n * 5 / 16, n * 3 / 16, n / 8, n / 8);
    let snapshots = n - branches - rms - resets - checkouts;
    let s = TestStore::new("concurrent-mixed", 43200);
    s.init(17);
    s.sql("main", "create table t as select generate_series(1, 500) x");
    s.ok(&["snapshot", "--name", "base", "main"]);
    for i in 0..rms {
        s.ok(&["branch", &format!("a{i}"), "main@base", "--no-start"]);
    }
    for b in ["b0", "b1"] {
        s.ok(&["branch", b, "main@base", "--no-start"]);
    }
    s.ok(&["start", "b0"]);
    let sum = "select md5(string_agg(x::text, ',' order by x)) from t";
    let main_sum = s.sql("main", sum);
    let mut jobs: Vec<Vec<String>> = Vec::new();
    for i in 0..branches {
        let mut j = vec!["branch".to_string(), format!("c{i}"), "main@base".into()];
        if i % 2 == 1 {
            j.push("--no-start".into());
        }
        jobs.push(j);
    }
    for i in 0..rms {
        jobs.push(vec!["-y".into(), "rm".into(), format!("a{i}")]);
    }
    for i in 0..resets {
        jobs.push(vec!["-y".into(), "reset".into(), format!("b{}", i % 2)]);
    }
    for i in 0..snapshots {
        jobs.push(vec![
            "snapshot".into(),
            "--name".into(),
            format!("s{i}"),
            "main".into(),
        ]);
    }
    for i in 0..checkouts {
        jobs.push(vec!["checkout".into(), format!("b{}", i % 2)]);
    }
    assert_eq!(jobs.len(), n);
    let children: Vec<_> = jobs
        .iter()
        .map(|j| {
            let argv: Vec<&str> = j.iter().map(String::as_str).collect();
            s.cmd(&argv)
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for (j, c) in jobs.iter().zip(children) {
        let out = c.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "stagdb {j:?} failed:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let status = s.json(&["status"]);
    assert!(
        status["problems"].as_array().unwrap().is_empty(),
        "{status:#}"
    );
    let list = s.json(&["branch"]);
    let mut names: Vec<String> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["name"].as_str().unwrap().to_string())
        .collect();
    names.sort();
    let mut expected: Vec<String> = ["b0", "b1", "main"].map(String::from).to_vec();
    expected.extend((0..branches).map(|i| format!("c{i}")));
    expected.sort();
    assert_eq!(names, expected);
    let mut ports: Vec<u64> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["port"].as_u64().unwrap())
        .collect();
    ports.sort();
    ports.dedup();
    assert_eq!(ports.len(), expected.len(), "ports shared: {list:#}");
    assert_eq!(s.sql("main", sum), main_sum);
    assert_eq!(s.sql_head_port("select 1"), "1");
    for i in (0..branches).step_by(2) {
        assert_eq!(s.sql(&format!("c{i}"), "select count(*) from t"), "500");
    }
}

/// `rm` of a branch while another command starts it: rm wins, the start
/// either finished first or fails saying why, without a rollback warning,
/// and nothing is left behind (no container, no dataset, no problem).
/// Delays vary so that rm lands at different points of the start.
#[test]
fn a_branch_removed_while_it_starts_leaves_nothing() {
    let s = TestStore::new("rm-while-start", 41560);
    s.init(17);
    s.ok(&["snapshot", "--name", "base", "main"]);
    for (i, delay_ms) in [0u64, 60, 150, 300, 600].into_iter().enumerate() {
        let name = format!("r{i}");
        s.ok(&["branch", &name, "main@base", "--no-start"]);
        let (_, started, stderr) = race_with_start(&s, &name, delay_ms, &["-y", "rm", &name]);
        // Where the start can tell, it says so; else zfs or the engine says what is gone.
        if !started {
            let lower = stderr.to_lowercase();
            assert!(
                stderr.contains("while starting: by another command")
                    || stderr.contains("removed while starting by another command")
                    || lower.contains("does not exist")
                    || lower.contains("no such file or directory"),
                "start {delay_ms} ms before rm:\n{stderr}"
            );
        }
        assert_no_problems(&s, &format!("after {name}"));
        assert!(
            s.branch_rows().iter().all(|(n, _, _)| *n != name),
            "{name} still listed"
        );
        let ds = format!("{}/{name}", s.dataset);
        let listed = std::process::Command::new("zfs")
            .args(["list", "-H", "-o", "name", &ds])
            .output()
            .unwrap();
        assert!(!listed.status.success(), "{ds} is left");
    }
    let ps = std::process::Command::new("docker")
        .args(["ps", "-a", "--format", "{{.Label \"io.stagdb.branch\"}}"])
        .args(["--filter", &format!("label=io.stagdb.store={}", s.dataset)])
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&ps.stdout).trim(), "main");
}

/// `stop` of a branch while another command starts it: the stop succeeds
/// without waiting out its grace period, the start either finished first or
/// says another command stopped it, and the store is left consistent (no
/// problem; a second start works).
#[test]
fn a_branch_stopped_while_it_starts_says_so() {
    let s = TestStore::new("stop-while-start", 41640);
    s.init(17);
    s.ok(&["branch", "x", "--no-start"]);
    // In steps finer than the start's phases: some stop lands while the
    // engine is still starting the container (a signal its PID 1 drops).
    for delay_ms in (0u64..=320).step_by(8) {
        let (took, started, stderr) = race_with_start(&s, "x", delay_ms, &["stop", "x"]);
        // Not the stop's 60 s grace: a lost stop signal is sent again.
        assert!(
            took < std::time::Duration::from_secs(30),
            "a stop {delay_ms} ms into a start took {took:?}"
        );
        if !started {
            assert!(
                stderr.contains("was stopped while starting: by another command"),
                "start {delay_ms} ms before stop:\n{stderr}"
            );
        }
        assert_no_problems(&s, &format!("after a start {delay_ms} ms before stop"));
    }
    s.ok(&["start", "x"]);
    assert_eq!(s.sql("x", "select 1"), "1");
}

/// `stagdb start NAME` with `other` run `delay_ms` after it: how long until
/// `other` ended, whether the start succeeded, and its stderr, which must
/// never report a failed rollback.
fn race_with_start(
    s: &TestStore,
    name: &str,
    delay_ms: u64,
    other: &[&str],
) -> (std::time::Duration, bool, String) {
    let t0 = std::time::Instant::now();
    let start = s
        .cmd(&["start", name])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(delay_ms));
    s.ok(other);
    let took = t0.elapsed();
    let out = start.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(
        !stderr.contains("could not roll back"),
        "start of {name} {delay_ms} ms before {other:?}:\n{stderr}"
    );
    (took, out.status.success(), stderr)
}

fn assert_no_problems(s: &TestStore, when: &str) {
    let status = s.json(&["status"]);
    assert!(
        status["problems"].as_array().unwrap().is_empty(),
        "{when}: {status:#}"
    );
}
