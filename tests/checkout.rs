//! HEAD and the head port follow `checkout`; `checkout -b` creates.

mod common;

use common::TestStore;

#[test]
fn head_port_follows_checkout() {
    let s = TestStore::new("checkout", 41100);
    s.init(17);
    s.sql(
        "main",
        "CREATE TABLE who(name text); INSERT INTO who VALUES ('main')",
    );
    assert_eq!(s.sql_head_port("SELECT name FROM who"), "main");

    s.ok(&["branch", "dev"]);
    s.sql("dev", "UPDATE who SET name = 'dev'");
    let out = s.json(&["checkout", "dev"]);
    assert_eq!(out["head"], "dev");
    assert_eq!(out["previous"], "main");
    assert_eq!(s.sql_head_port("SELECT name FROM who"), "dev");
    // The old HEAD keeps serving on its own port.
    assert_eq!(s.sql("main", "SELECT name FROM who"), "main");

    let rows = s.json(&["branch"]);
    let heads: Vec<&str> = rows
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["head"] == true)
        .map(|r| r["name"].as_str().unwrap())
        .collect();
    assert_eq!(heads, ["dev"]);
    let human = s.ok(&["branch"]);
    assert!(
        human
            .lines()
            .any(|l| l.starts_with('*') && l.contains("dev")),
        "{human}"
    );

    // HEAD is the default for url/env/snapshot.
    assert_eq!(s.ok(&["url"]), s.ok(&["url", "dev"]));
    let env = s.ok(&["env"]);
    for var in [
        "DATABASE_URL",
        "PGHOST",
        "PGPORT",
        "PGUSER",
        "PGPASSWORD",
        "PGDATABASE",
    ] {
        assert!(env.contains(&format!("export {var}=")), "{env}");
    }

    // checkout -b creates from HEAD and switches.
    s.ok(&["checkout", "-b", "hotfix"]);
    assert_eq!(s.sql_head_port("SELECT name FROM who"), "dev");
    s.sql("hotfix", "UPDATE who SET name = 'hotfix'");
    assert_eq!(s.sql_head_port("SELECT name FROM who"), "hotfix");
    let st = s.json(&["status"]);
    assert_eq!(st["head"], "hotfix");
    assert_eq!(st["problems"].as_array().unwrap().len(), 0, "{st}");

    // Back to main; HEAD cannot be removed, the others can.
    s.ok(&["checkout", "main"]);
    assert_eq!(s.sql_head_port("SELECT name FROM who"), "main");
    s.fails(&["-y", "rm", "main"], 1);

    // stop --all / start --all (e.g. around a reboot): HEAD gets its head port back.
    s.ok(&["stop", "--all"]);
    let states: Vec<String> = s
        .json(&["branch"])
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["state"].as_str().unwrap().to_string())
        .collect();
    assert!(states.iter().all(|st| st == "stopped"), "{states:?}");
    let started = s.json(&["start", "--all"]);
    assert_eq!(started.as_array().unwrap().len(), 3);
    assert_eq!(s.sql_head_port("SELECT name FROM who"), "main");
    assert_eq!(s.sql("hotfix", "SELECT name FROM who"), "hotfix");
    s.fails(&["start", "--all", "main"], 2);
    s.ok(&["-y", "rm", "hotfix"]);

    // A checkout that fails (here: dev's recorded password is wrong, so it
    // never becomes ready) leaves HEAD and the head port as they were.
    let dev_ds = format!("{}/dev", s.dataset);
    let real_pw = s.zfs_get("stagdb:password", &dev_ds);
    let set_pw = |pw: &str| {
        assert!(
            std::process::Command::new("zfs")
                .args(["set", &format!("stagdb:password={pw}"), &dev_ds])
                .status()
                .unwrap()
                .success()
        )
    };
    set_pw("wrongpassword");
    let err = s.fails(&["checkout", "dev"], 1);
    assert!(err.contains("password"), "{err}");
    assert!(err.contains("rolling back"), "{err}");
    assert_eq!(s.json(&["status"])["head"], "main");
    assert_eq!(s.sql_head_port("SELECT name FROM who"), "main");
    set_pw(&real_pw);
    // (dev's own restart during the rollback also met the wrong password.)
    s.ok(&["start", "dev"]);
    assert_eq!(s.sql("dev", "SELECT name FROM who"), "dev");
    assert_eq!(s.sql_head_port("SELECT name FROM who"), "main");
}
