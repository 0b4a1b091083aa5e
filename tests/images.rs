//! Images other than the testbed's Debian-built ones: stagdb's scripts drop
//! from root to the image's postgres user with whatever tool the image has.
//! scripts/testbed.sh builds the variants from stagdb-test/postgres:17:
//! `:17-gosu` is laid out like the official Debian-based postgres image (no
//! setpriv but gosu, uid 999, PG 18's PGDATA, a VOLUME and an entrypoint
//! that fails if run), the way `postgres:N-alpine` has su-exec and only
//! BusyBox's setpriv; `:17-nouser` has no tool at all and is refused.

mod common;

use std::process::{Command, Stdio};

use common::TestStore;

fn require_image(img: &str) {
    let ok = Command::new("docker")
        .args(["image", "inspect", img])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|st| st.success());
    assert!(ok, "testbed missing: image {img}. Run scripts/testbed.sh.");
}

/// `stagdb init` of `s` with `image` (a template: {major} is 17).
fn init_with(s: &TestStore, image: &str) -> std::process::Output {
    Command::new(common::bin())
        .args([
            "init",
            "--dataset",
            &s.dataset,
            "--pg-version",
            "17",
            "--image",
            image,
            "--ports",
            &format!("{}-{}", s.low, s.high),
            "--head-port",
            &s.head_port.to_string(),
        ])
        .env("STAGDB_CONFIG", "/nonexistent/stagdb-test-config.toml")
        .env("STAGDB_TIMEOUT", "120")
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .output()
        .expect("run stagdb init")
}

fn server_uid(s: &TestStore, branch: &str) -> String {
    let out = Command::new("docker")
        .args([
            "ps",
            "-q",
            "--filter",
            &format!("label=io.stagdb.store={}", s.dataset),
            "--filter",
            &format!("label=io.stagdb.branch={branch}"),
        ])
        .output()
        .unwrap();
    let id = String::from_utf8_lossy(&out.stdout).trim().to_string();
    assert!(!id.is_empty(), "no running container for {branch}");
    // PID 1 is the server itself (the start script execs it).
    let out = Command::new("docker")
        .args(["exec", &id, "stat", "-c", "%u", "/proc/1"])
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

#[test]
fn images_gosu_without_setpriv_official_layout() {
    let img = "stagdb-test/postgres:17-gosu";
    require_image(img);
    let s = TestStore::new("images-gosu", 48001);
    let out = init_with(&s, "stagdb-test/postgres:{major}-gosu");
    assert!(
        out.status.success(),
        "init failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Data in the dataset, not the image's PGDATA; served as the image's uid 999.
    assert_eq!(
        s.sql("main", "SHOW data_directory"),
        "/var/lib/stagdb/pgdata"
    );
    assert_eq!(server_uid(&s, "main"), "999");
    s.sql("main", "CREATE TABLE t AS SELECT 1 AS x");
    s.ok(&["snapshot", "-m", "one"]);
    s.ok(&["branch", "b1"]);
    assert_eq!(s.sql("b1", "SELECT count(*) FROM t"), "1");
    // stop/start: the server is exec'd through gosu again.
    s.ok(&["stop", "b1"]);
    s.ok(&["start", "b1"]);
    assert_eq!(s.sql("b1", "SELECT x FROM t"), "1");
    // export of a stopped branch starts a server on a clone (FROM_CLONE).
    s.ok(&["stop", "b1"]);
    let dump = std::env::temp_dir().join(format!("stagdb-images-gosu-{}.sql", std::process::id()));
    s.ok(&[
        "export",
        "b1",
        "--format",
        "plain",
        "-o",
        dump.to_str().unwrap(),
    ]);
    let text = std::fs::read_to_string(&dump).unwrap();
    assert!(text.contains("CREATE TABLE public.t"), "{text}");
    // import of a plain dump: the loading server and the sanitizing sessions.
    s.ok(&["import", dump.to_str().unwrap(), "loaded"]);
    let _ = std::fs::remove_file(&dump);
    assert_eq!(s.sql("loaded", "SELECT x FROM t"), "1");
    assert_eq!(server_uid(&s, "loaded"), "999");
}

#[test]
fn images_without_user_switch_tool_refused_at_init() {
    let img = "stagdb-test/postgres:17-nouser";
    require_image(img);
    let s = TestStore::new("images-nouser", 48041);
    let out = init_with(&s, "stagdb-test/postgres:{major}-nouser");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "init succeeded:\n{err}");
    for needle in ["postgres user", "setpriv", "su-exec", "gosu", "runuser"] {
        assert!(err.contains(needle), "no {needle:?} in:\n{err}");
    }
    // Rolled back: no dataset, no container.
    let zfs = Command::new("zfs")
        .args(["list", "-H", &s.dataset])
        .output()
        .unwrap();
    assert!(!zfs.status.success(), "dataset {} left behind", s.dataset);
    let ps = Command::new("docker")
        .args([
            "ps",
            "-aq",
            "--filter",
            &format!("label=io.stagdb.store={}", s.dataset),
        ])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&ps.stdout).trim().is_empty());
}
