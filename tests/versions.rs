//! Each store's branches run the PostgreSQL major their data was made with.

mod common;

use common::TestStore;

fn container_image(s: &TestStore, branch: &str) -> String {
    let out = std::process::Command::new("docker")
        .args([
            "ps",
            "--filter",
            &format!("label=io.stagdb.store={}", s.dataset),
            "--filter",
            &format!("label=io.stagdb.branch={branch}"),
            "--format",
            "{{.Image}}",
        ])
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

fn check_major(name: &str, base: u16, major: u32) {
    let s = TestStore::new(name, base);
    s.init(major);
    let v = s.sql("main", "SHOW server_version_num");
    assert_eq!(
        v[..2].parse::<u32>().unwrap(),
        major,
        "server_version_num {v}"
    );
    s.ok(&["branch", "b1"]);
    let v = s.sql("b1", "SHOW server_version_num");
    assert_eq!(v[..2].parse::<u32>().unwrap(), major);
    let expected = common::image_template().replace("{major}", &major.to_string());
    assert_eq!(container_image(&s, "b1"), expected);
    let rows = s.json(&["branch"]);
    for r in rows.as_array().unwrap() {
        assert_eq!(r["pg_version"], major, "{r}");
    }
    // Authentication is scram-sha-256 with the stored password.
    assert_eq!(s.sql("b1", "SHOW password_encryption"), "scram-sha-256");
    assert!(
        s.sql(
            "b1",
            "SELECT rolpassword FROM pg_authid WHERE rolname = 'postgres'"
        )
        .starts_with("SCRAM-SHA-256$")
    );
}

#[test]
fn postgres_15() {
    check_major("pg15", 41140, 15);
}

#[test]
fn postgres_17() {
    check_major("pg17", 41180, 17);
}
