//! An interrupted command rolls back what it created.

mod common;

use std::time::{Duration, Instant};

use common::TestStore;

#[test]
fn interrupted_branch_is_rolled_back() {
    let s = TestStore::new("interrupt", 41380);
    s.init(17);
    let log_before = s.json(&["log", "main"]).as_array().unwrap().len();
    let ds = format!("{}/slow", s.dataset);
    let child = s
        .cmd(&["branch", "slow"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Wait for the clone to appear, then interrupt while the container starts.
    let start = Instant::now();
    loop {
        let out = std::process::Command::new("zfs")
            .args(["list", "-H", "-o", "name", &ds])
            .output()
            .unwrap();
        if out.status.success() {
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "clone never appeared"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    let kill = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(kill.success());
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("interrupted"), "{stderr}");
    assert!(stderr.contains("rolling back"), "{stderr}");

    let gone = std::process::Command::new("zfs")
        .args(["list", "-H", "-o", "name", &ds])
        .output()
        .unwrap();
    assert!(!gone.status.success(), "dataset {ds} left behind");
    assert_eq!(
        s.json(&["log", "main"]).as_array().unwrap().len(),
        log_before,
        "branch-point snapshot left behind"
    );
    let ps = std::process::Command::new("docker")
        .args([
            "ps",
            "-aq",
            "--filter",
            &format!("label=io.stagdb.store={}", s.dataset),
            "--filter",
            "label=io.stagdb.branch=slow",
        ])
        .output()
        .unwrap();
    assert!(
        String::from_utf8_lossy(&ps.stdout).trim().is_empty(),
        "container left behind"
    );
    assert_eq!(s.json(&["branch"]).as_array().unwrap().len(), 1);
}
