//! Each store's branches run the PostgreSQL major their data was made with,
//! for every major the testbed builds an image of (13, 15, 17, 18): init,
//! branch, snapshot, reset and a branch from a snapshot, on each.

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

fn major_of(s: &TestStore, branch: &str) -> u32 {
    let v = s.sql(branch, "SHOW server_version_num");
    v[..2]
        .parse::<u32>()
        .unwrap_or_else(|e| panic!("server_version_num {v}: {e}"))
}

/// TestStore::new checks the images every test needs; the other majors'
/// images are checked here, as loudly (scripts/testbed.sh builds them all).
fn require_image(major: u32) {
    let img = common::image_template().replace("{major}", &major.to_string());
    let ok = std::process::Command::new("docker")
        .args(["image", "inspect", &img])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok_and(|st| st.success());
    assert!(ok, "testbed missing: image {img}. Run scripts/testbed.sh.");
}

fn check_major(name: &str, base: u16, major: u32) {
    require_image(major);
    let s = TestStore::new(name, base);
    s.init(major);
    assert_eq!(major_of(&s, "main"), major);
    s.ok(&["branch", "b1"]);
    assert_eq!(major_of(&s, "b1"), major);
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

    // Snapshot a running branch with data in it.
    s.sql(
        "main",
        "CREATE TABLE items (id int PRIMARY KEY, note text); \
         INSERT INTO items SELECT g, 'v1' FROM generate_series(1, 1000) g",
    );
    let r = s.ok(&["snapshot", "main", "-m", "a thousand rows", "--name", "s1"]);
    assert_eq!(r.trim(), "main@s1");
    let log = s.json(&["log", "main"]);
    assert_eq!(log[0]["ref"], "main@s1", "{log}");
    assert_eq!(log[0]["message"], "a thousand rows", "{log}");

    // Write after it, then reset: back to the snapshot (its newest), the
    // writes gone, same major.
    s.sql(
        "main",
        "INSERT INTO items SELECT g, 'v2' FROM generate_series(1001, 2000) g; \
         UPDATE items SET note = 'changed' WHERE id = 1",
    );
    assert_eq!(s.sql("main", "SELECT count(*) FROM items"), "2000");
    s.ok(&["--yes", "reset", "main"]);
    assert_eq!(s.sql("main", "SELECT count(*) FROM items"), "1000");
    assert_eq!(s.sql("main", "SELECT note FROM items WHERE id = 1"), "v1");
    assert_eq!(major_of(&s, "main"), major);

    // A branch from the snapshot sees the snapshot's data, not what main
    // wrote after the reset.
    s.sql("main", "INSERT INTO items VALUES (5000, 'after reset')");
    s.ok(&["branch", "froms1", "main@s1"]);
    assert_eq!(major_of(&s, "froms1"), major);
    assert_eq!(container_image(&s, "froms1"), expected);
    assert_eq!(
        s.sql(
            "froms1",
            "SELECT count(*), count(*) FILTER (WHERE note = 'v1'), max(id) FROM items"
        ),
        "1000|1000|1000"
    );
    // It is writable and apart from main.
    s.sql("froms1", "DELETE FROM items WHERE id > 10");
    assert_eq!(s.sql("froms1", "SELECT count(*) FROM items"), "10");
    assert_eq!(s.sql("main", "SELECT count(*) FROM items"), "1001");
}

#[test]
fn postgres_13() {
    check_major("pg13", 43400, 13);
}

#[test]
fn postgres_15() {
    check_major("pg15", 43440, 15);
}

#[test]
fn postgres_17() {
    check_major("pg17", 43480, 17);
}

#[test]
fn postgres_18() {
    check_major("pg18", 43520, 18);
}
