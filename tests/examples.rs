//! The CI example gives a test run its own branch and removes it afterwards.

mod common;

use common::TestStore;

#[test]
fn ci_example_script() {
    let s = TestStore::new("example-ci", 41340);
    s.init(17);
    s.sql("main", "CREATE TABLE runs(n int)");
    let bin_dir = common::bin().parent().unwrap().to_path_buf();
    let path = format!(
        "{}:{}",
        bin_dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/ci-branch.sh");
    let run = |cmd: &str| {
        std::process::Command::new("bash")
            .arg(script)
            .args(["sh", "-c", cmd])
            .env("PATH", &path)
            .env("STAGDB_STORE", &s.dataset)
            .env("STAGDB_CONFIG", "/nonexistent/stagdb-test-config.toml")
            .env("CI_JOB_ID", "42")
            .output()
            .unwrap()
    };
    // The "tests" write to their branch through the exported PG* variables.
    let out = run(
        "psql -X -Atc 'INSERT INTO runs VALUES (1)' && psql -X -Atc 'SELECT count(*) FROM runs'",
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "INSERT 0 1\n1");
    // The parent is untouched and the branch is gone.
    assert_eq!(s.sql("main", "SELECT count(*) FROM runs"), "0");
    let rows = s.json(&["branch"]);
    assert_eq!(rows.as_array().unwrap().len(), 1, "{rows}");
    // The branch expires (in 6 h by default), so `stagdb gc` collects it if
    // the job is killed before it can remove it.
    let out = run("stagdb --json branch");
    let rows: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let ci = rows
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["name"].as_str().unwrap().starts_with("ci/"))
        .unwrap();
    assert!(ci["expires"].is_string(), "{ci}");
    // A failing test run still removes its branch, and its exit code survives.
    let out = run("exit 7");
    assert_eq!(out.status.code(), Some(7));
    assert_eq!(s.json(&["branch"]).as_array().unwrap().len(), 1);
}
