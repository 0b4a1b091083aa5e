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
