//! Podman through its Docker-compatible API (`DOCKER_HOST=unix:///run/podman/podman.sock`,
//! Debian's podman 4.3, started by scripts/testbed.sh): the core verbs run on it as on
//! Docker: init, branch, checkout (the head port moves), reset, rm, doctor, export, and an
//! import loaded in memory.

mod common;

use std::process::Command;

use common::TestStore;

const SOCK: &str = "/run/podman/podman.sock";

fn podman_rm(store: &str) {
    let _ = Command::new("sh")
        .args([
            "-c",
            &format!("podman ps -aq --filter label=io.stagdb.store={store} | xargs -r podman rm -f >/dev/null 2>&1"),
        ])
        .status();
}

fn podman_names(store: &str) -> String {
    let o = Command::new("podman")
        .args([
            "ps",
            "--filter",
            &format!("label=io.stagdb.store={store}"),
            "--format",
            "{{.Names}}",
        ])
        .output()
        .expect("podman is installed (scripts/testbed.sh)");
    String::from_utf8_lossy(&o.stdout).trim().to_string()
}

#[test]
fn core_verbs_on_podman() {
    assert!(
        std::path::Path::new(SOCK).exists(),
        "testbed missing: no Podman API socket at {SOCK}. Run scripts/testbed.sh."
    );
    let s = TestStore::new("podman", 44640);
    podman_rm(&s.dataset);
    // SAFETY: the only test of this binary; set before any thread of ours
    // reads the environment. Every stagdb run below inherits it.
    unsafe { std::env::set_var("DOCKER_HOST", format!("unix://{SOCK}")) };
    s.init(15);
    // The engine stagdb talked to is Podman's (4.x), not Docker's (20.10).
    let st = s.json(&["status"]);
    let v = st["docker"]["version"].as_str().unwrap_or_default();
    assert!(v.starts_with("4."), "{st}");
    assert!(
        podman_names(&s.dataset).ends_with("-main"),
        "main runs on podman"
    );

    s.sql("main", "create table t(x int); insert into t values (1)");
    s.ok(&["branch", "dev"]);
    s.sql("dev", "insert into t values (2)");
    assert_eq!(s.sql("main", "select count(*) from t"), "1");

    // The head port follows checkout.
    s.ok(&["checkout", "dev"]);
    assert_eq!(s.sql_head_port("select count(*) from t"), "2");

    // Reset: back to the branch point, running again.
    s.ok(&["-y", "reset", "dev"]);
    assert_eq!(s.sql("dev", "select count(*) from t"), "1");
    assert_eq!(s.sql_head_port("select count(*) from t"), "1");

    s.ok(&["checkout", "main"]);
    assert_eq!(s.sql_head_port("select count(*) from t"), "1");
    s.ok(&["-y", "rm", "dev"]);
    let names = podman_names(&s.dataset);
    assert!(!names.contains("-dev"), "{names}");

    // Data in and out through job containers, the import loaded in memory
    // (a tmpfs mount of the loading server's).
    let dump = std::env::temp_dir().join(format!("stagdb-podman-{}.dump", std::process::id()));
    let dump_s = dump.display().to_string();
    s.ok(&["export", "main", "-o", &dump_s]);
    let imported = s.json(&["import", &dump_s, "copy", "--load-in", "memory"]);
    let _ = std::fs::remove_file(&dump);
    assert_eq!(imported["load_in"], "memory", "{imported}");
    assert_eq!(s.sql("copy", "select count(*) from t"), "1");
    s.ok(&["-y", "rm", "copy"]);
    let d = s.run(&["doctor"]);
    assert!(d.status.success(), "{}", String::from_utf8_lossy(&d.stderr));

    podman_rm(&s.dataset);
    // SAFETY: as above; the store's own cleanup then talks to Docker.
    unsafe { std::env::remove_var("DOCKER_HOST") };
}
