//! End-to-end: branches, isolation, snapshots, log, reset, rm, restart,
//! against real ZFS, Docker and PostgreSQL.

mod common;

use common::TestStore;

fn port_of(s: &TestStore, branch: &str) -> u64 {
    let rows = s.json(&["branch"]);
    rows.as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == branch)
        .unwrap_or_else(|| panic!("no branch {branch} in {rows}"))["port"]
        .as_u64()
        .unwrap()
}

fn checksum(s: &TestStore, branch: &str) -> String {
    s.sql(
        branch,
        "SELECT md5(string_agg(id::text || ':' || payload, ',' ORDER BY id)) FROM items",
    )
}

#[test]
fn branch_isolation_log_reset_rm_restart() {
    let s = TestStore::new("branching", 41020);
    let url = s.init(17);
    // Printed without the password: only url/env/psql show it.
    assert!(url.starts_with("postgresql://postgres@127.0.0.1:"), "{url}");
    s.sql(
        "main",
        "CREATE TABLE items(id int primary key, payload text);
         INSERT INTO items SELECT g, md5(g::text) FROM generate_series(1, 20000) g;",
    );
    let main_sum = checksum(&s, "main");

    // Branch from HEAD (main, running and being written to): snapshot taken now.
    let out = s.ok(&["branch", "dev"]);
    assert!(out.trim().starts_with("postgresql://postgres@"), "{out}");
    assert_eq!(
        checksum(&s, "dev"),
        main_sum,
        "data equal at the branch point"
    );

    // Writes on the branch are invisible on the parent, and vice versa.
    s.sql("dev", "INSERT INTO items VALUES (100001, 'dev only')");
    s.sql("main", "INSERT INTO items VALUES (100002, 'main only')");
    assert_eq!(
        s.sql("main", "SELECT count(*) FROM items WHERE id = 100001"),
        "0"
    );
    assert_eq!(
        s.sql("dev", "SELECT count(*) FROM items WHERE id = 100002"),
        "0"
    );
    assert_eq!(s.sql("dev", "SELECT count(*) FROM items"), "20001");

    // A snapshot with a message, then a branch from BRANCH@SNAPSHOT.
    let r = s.ok(&["snapshot", "dev", "-m", "dev with one row", "--name", "v1"]);
    assert_eq!(r.trim(), "dev@v1");
    s.sql("dev", "INSERT INTO items VALUES (100003, 'after v1')");
    s.ok(&["branch", "fromsnap", "dev@v1"]);
    assert_eq!(
        s.sql("fromsnap", "SELECT count(*) FROM items WHERE id >= 100001"),
        "1"
    );

    // Reset to a snapshot: same port and password, running again.
    let dev_port = port_of(&s, "dev");
    let dev_url = s.ok(&["url", "dev"]);
    s.ok(&["--yes", "reset", "dev", "--to", "dev@v1"]);
    assert_eq!(
        s.sql("dev", "SELECT count(*) FROM items WHERE id = 100003"),
        "0"
    );
    assert_eq!(
        s.sql("dev", "SELECT count(*) FROM items WHERE id = 100001"),
        "1"
    );
    assert_eq!(port_of(&s, "dev"), dev_port);
    assert_eq!(s.ok(&["url", "dev"]), dev_url);
    // Its data is a new generation now; a command about it still reads
    // only it (through the store root's hint), by name and as HEAD.
    let whole_store = |args: &[&str]| {
        let out = s.run(args);
        let trace = String::from_utf8_lossy(&out.stderr).to_string();
        trace
            .lines()
            .any(|l| l.contains(" get -r ") && l.ends_with(&format!(" {}", s.dataset)))
    };
    assert!(!whole_store(&["-v", "url", "dev"]));

    // From a branch by name (snapshots dev now, with a row added after v1).
    s.sql(
        "dev",
        "INSERT INTO items VALUES (100003, 'after v1, again')",
    );
    s.ok(&["branch", "feature/x", "dev"]);
    assert_eq!(
        s.sql("feature/x", "SELECT count(*) FROM items WHERE id >= 100001"),
        "2"
    );
    // Resetting dev to v1 now would destroy the snapshot feature/x was made from.
    let err = s.fails(&["--yes", "reset", "dev", "--to", "dev@v1"], 1);
    assert!(err.contains("feature/x"), "{err}");

    // Log across two generations: feature/x's history runs through dev into main.
    let log = s.json(&["log", "feature/x"]);
    let refs: Vec<&str> = log
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["ref"].as_str().unwrap())
        .collect();
    assert_eq!(refs.len(), 3, "{refs:?}");
    assert!(refs[0].starts_with("dev@"), "{refs:?}");
    assert_eq!(refs[1], "dev@v1");
    assert!(refs[2].starts_with("main@"), "{refs:?}");
    let v1 = &log[1];
    assert_eq!(v1["message"], "dev with one row");
    assert_eq!(v1["author"], "tester");
    let human = s.ok(&["log", "feature/x", "-n", "2"]);
    assert!(
        human.contains("dev@v1") && human.contains("dev with one row"),
        "{human}"
    );
    assert!(!human.contains("main@"), "-n 2 limits entries:\n{human}");
    // Passwords never show in log or tables.
    let sealed = s.zfs_get("stagdb:password", &format!("{}/main", s.dataset));
    assert!(sealed.starts_with("enc1:"), "{sealed}");
    let url = s.ok(&["url", "main"]);
    let pw = url_password(url.trim());
    assert_eq!(pw.len(), 32);
    for secret in [&pw, &sealed] {
        assert!(
            !s.ok(&["log", "--json", "feature/x"])
                .contains(secret.as_str())
        );
        assert!(!s.ok(&["branch"]).contains(secret.as_str()));
    }
    // The table reads no snapshot (`zfs get -d 1`: a recursive read walks
    // every one), yet names each parent as --json (which counts them) does,
    // through a generation dataset (dev after its reset) too.
    assert!(!whole_store(&["-v", "branch"]));
    let table = s.ok(&["branch"]);
    for row in s.json(&["branch"]).as_array().unwrap() {
        let name = row["name"].as_str().unwrap();
        let parent = row["parent"].as_str().unwrap_or("-");
        assert!(
            table
                .lines()
                .any(|l| l.split_whitespace().take(2).any(|c| c == name)
                    && l.contains(&format!(" {parent} "))),
            "{name}'s parent {parent} not in the table:\n{table}"
        );
    }
    assert!(table.contains(" dev@v1 "), "{table}");
    assert!(!s.ok(&["branch", "--json"]).contains(&pw));
    let created = s.run(&["-v", "branch", "pwcheck"]);
    assert!(created.status.success());
    assert!(!String::from_utf8_lossy(&created.stdout).contains(&pw));
    assert!(
        !String::from_utf8_lossy(&created.stderr).contains(&pw),
        "-v output shows no password"
    );
    s.ok(&["-y", "rm", "pwcheck"]);
    assert!(!s.ok(&["status"]).contains(&pw));

    // Reset to the branch point (fromsnap has no snapshots of its own).
    s.sql("fromsnap", "DELETE FROM items");
    let fs_url = s.ok(&["url", "fromsnap"]);
    s.ok(&["--yes", "reset", "fromsnap"]);
    assert_eq!(s.sql("fromsnap", "SELECT count(*) FROM items"), "20001");
    assert_eq!(s.ok(&["url", "fromsnap"]), fs_url);

    // Without a terminal, destructive commands need --yes.
    let err = s.fails(&["reset", "dev"], 2);
    assert!(err.contains("--yes"), "{err}");

    // rm refuses a parent (naming its children) and HEAD.
    let err = s.fails(&["--yes", "rm", "dev"], 1);
    assert!(
        err.contains("feature/x") && err.contains("fromsnap"),
        "{err}"
    );
    let err = s.fails(&["--yes", "rm", "main"], 1);
    assert!(err.contains("HEAD"), "{err}");

    // Restart keeps port and password.
    let fx_url = s.ok(&["url", "feature/x"]);
    s.ok(&["restart", "feature/x"]);
    assert_eq!(s.ok(&["url", "feature/x"]), fx_url);
    assert_eq!(
        s.sql("feature/x", "SELECT count(*) FROM items WHERE id >= 100001"),
        "2"
    );
    s.ok(&["stop", "feature/x"]);
    let rows = s.json(&["branch"]);
    let fx = rows
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == "feature/x")
        .unwrap();
    assert_eq!(fx["state"], "stopped");
    s.ok(&["start", "feature/x"]);
    assert_eq!(s.ok(&["url", "feature/x"]), fx_url);

    // rm of a child drops the branch-point snapshot stagdb took for it.
    let before = s.json(&["log", "dev"]).as_array().unwrap().len();
    s.ok(&["--yes", "rm", "feature/x"]);
    let after = s.json(&["log", "dev"]).as_array().unwrap().len();
    assert_eq!(after, before - 1, "branch point of feature/x dropped");
    assert!(s.run(&["url", "feature/x"]).status.code() == Some(1));
    let ps = std::process::Command::new("docker")
        .args([
            "ps",
            "-a",
            "--filter",
            &format!("label=io.stagdb.store={}", s.dataset),
            "--format",
            "{{.Names}}",
        ])
        .output()
        .unwrap();
    let names = String::from_utf8_lossy(&ps.stdout);
    assert!(!names.contains("feature"), "container removed: {names}");

    // Removing parent and children in one command works (children first).
    s.ok(&["--yes", "rm", "dev", "fromsnap"]);
    let rows = s.json(&["branch"]);
    assert_eq!(rows.as_array().unwrap().len(), 1, "{rows}");

    // HEAD reset: found through the hint as HEAD too.
    let checksum_before_head_reset = checksum(&s, "main");
    s.ok(&["snapshot", "main", "--name", "seed"]);
    s.ok(&["--yes", "reset", "main", "--to", "main@seed"]);
    assert!(!whole_store(&["-v", "url"]));
    assert!(!whole_store(&["-v", "env", "main"]));
    assert_eq!(checksum(&s, "main"), checksum_before_head_reset);
}

#[test]
fn failed_branch_is_rolled_back() {
    let s = TestStore::new("rollback", 41060);
    s.init(17);
    // Point the store at an image that does not exist: starting must fail,
    // and nothing the command created may remain.
    let st = std::process::Command::new("zfs")
        .args([
            "set",
            "stagdb:image=stagdb-test/does-not-exist:{major}",
            &s.dataset,
        ])
        .status()
        .unwrap();
    assert!(st.success());
    let snaps_before = s.json(&["log", "main"]).as_array().unwrap().len();
    let err = s.fails(&["branch", "doomed"], 1);
    assert!(err.contains("does-not-exist"), "{err}");
    assert!(err.contains("hint:"), "{err}");
    let rows = s.json(&["branch"]);
    assert_eq!(
        rows.as_array().unwrap().len(),
        1,
        "clone rolled back: {rows}"
    );
    assert_eq!(
        s.json(&["log", "main"]).as_array().unwrap().len(),
        snaps_before,
        "branch-point snapshot rolled back"
    );
    let list = std::process::Command::new("zfs")
        .args(["list", "-H", "-o", "name", "-r", &s.dataset])
        .output()
        .unwrap();
    assert!(!String::from_utf8_lossy(&list.stdout).contains("doomed"));
}

#[test]
fn snapshot_and_branch_while_being_written_to() {
    let s = TestStore::new("busy", 41460);
    s.init(17);
    s.sql("main", "CREATE TABLE seq(i int primary key, pad text)");
    let url = s.ok(&["url", "main"]).trim().to_string();
    // One writer committing rows 1, 2, 3, ... in order while we branch.
    let writer = std::thread::spawn(move || {
        common::psql_url(
            &url,
            "DO $$ BEGIN FOR i IN 1..600 LOOP
                 INSERT INTO seq VALUES (i, repeat('x', 500)); COMMIT;
                 PERFORM pg_sleep(0.005);
             END LOOP; END $$",
        )
    });
    std::thread::sleep(std::time::Duration::from_millis(500));
    s.ok(&["snapshot", "-m", "under load", "--name", "hot"]);
    s.ok(&["branch", "hot-branch"]);
    s.ok(&["branch", "from-hot", "main@hot"]);
    writer.join().unwrap();
    // Each copy is a consistent prefix of the writes: rows 1..n, no gaps.
    for b in ["hot-branch", "from-hot"] {
        let r = s.sql(b, "SELECT count(*) || ',' || coalesce(max(i), 0) FROM seq");
        let (count, max) = r.split_once(',').unwrap();
        assert_eq!(count, max, "{b}: {r}");
        let n: u32 = count.parse().unwrap();
        assert!(n > 0 && n <= 600, "{b}: {n}");
    }
    assert_eq!(s.sql("main", "SELECT count(*) FROM seq"), "600");
    // branch -d removes like rm.
    s.ok(&["-y", "branch", "-d", "from-hot"]);
    assert!(s.fails(&["url", "from-hot"], 1).contains("does not exist"));
}

/// A branch's port held by another socket: the start fails with a hint
/// that says what can hold it, on the host's network (PostgreSQL binds the
/// port itself) as with a published port (HEAD). Freed, it starts.
#[test]
fn a_port_held_by_another_socket_is_explained() {
    let s = TestStore::new("port-held", 44720);
    s.init(15);
    s.ok(&["branch", "side", "--no-start"]);
    let port = s.json(&["show", "side"])["port"].as_u64().unwrap() as u16;
    let holder = std::net::TcpListener::bind(("127.0.0.1", port)).unwrap();
    let err = s.fails(&["start", "side"], 1);
    // Made with --no-start, it was parked; the failed start parks it again
    // (mounted until the next reboot: another start may be using the mount).
    let ds = format!("{}/side", s.dataset);
    assert_eq!(s.zfs_get("canmount", &ds), "off", "{err}");
    assert!(
        err.contains("Address already in use")
            && err.contains("held by another socket")
            && err.contains("ip_local_reserved_ports"),
        "{err}"
    );
    let err = s.fails(&["checkout", "side"], 1);
    assert!(err.contains("held by another socket"), "{err}");
    drop(holder);
    s.ok(&["start", "side"]);
    assert_eq!(s.sql("side", "select 1"), "1");
}

/// A branch made with `--no-start` is parked (`canmount=off`): it costs no
/// mount (zfs-fuse holds at most 1,000) and is no problem for `doctor`; it
/// can be snapshotted, branched from, reset and removed unmounted; its first
/// start mounts it for good (mounted again after a reboot), and a reset while
/// it is stopped parks the new data.
#[test]
fn a_stopped_branch_costs_no_mount_until_it_starts() {
    let s = TestStore::new("parked", 41140);
    s.init(15);
    s.sql("main", "CREATE TABLE t (i int); INSERT INTO t VALUES (1)");
    s.ok(&["branch", "side", "--no-start"]);
    let ds = |b: &str| s.shown(b, "dataset");
    let side = ds("side");
    assert_eq!(s.zfs_get("canmount", &side), "off");
    assert_eq!(s.zfs_get("mounted", &side), "no");
    let doctor = s.json(&["doctor"]);
    assert_eq!(doctor["problems"], serde_json::json!([]), "{doctor}");
    s.ok(&["snapshot", "side", "--name", "s1"]);
    s.ok(&["branch", "grand", "side@s1", "--no-start"]);
    s.ok(&["--yes", "reset", "side"]);
    let side = ds("side");
    assert_eq!(
        s.zfs_get("canmount", &side),
        "off",
        "reset while stopped parks"
    );
    assert_eq!(s.zfs_get("mounted", &side), "no");

    s.ok(&["start", "side"]);
    assert_eq!(s.zfs_get("canmount", &side), "on");
    assert_eq!(s.zfs_get("mounted", &side), "yes");
    assert_eq!(s.sql("side", "SELECT count(*) FROM t"), "1");
    s.ok(&["checkout", "grand"]);
    let grand = ds("grand");
    assert_eq!(s.zfs_get("canmount", &grand), "on");
    assert_eq!(s.sql("grand", "SELECT count(*) FROM t"), "1");
    // Stopped again, it stays mounted (the mount is not undone on stop).
    s.ok(&["stop", "side"]);
    assert_eq!(s.zfs_get("mounted", &side), "yes");
    let doctor = s.json(&["doctor"]);
    assert_eq!(doctor["problems"], serde_json::json!([]), "{doctor}");

    s.ok(&["branch", "gone", "--no-start"]);
    s.ok(&["-y", "rm", "gone"]);
    assert!(s.fails(&["url", "gone"], 1).contains("does not exist"));
}

/// The password in a `postgresql://postgres:PW@...` URL.
fn url_password(url: &str) -> String {
    let rest = url.split_once("postgres:").expect("url has a password").1;
    rest.split_once('@').expect("url has a host").0.to_string()
}

/// Whether `url` with its password replaced by `pw` is let in.
fn connects_with(url: &str, pw: &str) -> bool {
    let other = url.replacen(&url_password(url), pw, 1);
    std::process::Command::new("psql")
        .args(["-X", "-q", "-A", "-t", "-d", &other, "-c", "select 1"])
        .stdin(std::process::Stdio::null())
        .output()
        .expect("run psql")
        .status
        .success()
}

#[test]
fn every_branch_has_its_own_sealed_password() {
    let s = TestStore::new("own-passwords", 47000);
    s.init(17);
    s.ok(&["branch", "f1"]);
    s.ok(&["branch", "f2", "--no-start"]);
    s.ok(&["start", "f2"]);
    let url = |b: &str| s.ok(&["url", b]).trim().to_string();
    let (main, f1, f2) = (url("main"), url("f1"), url("f2"));
    let pws = [url_password(&main), url_password(&f1), url_password(&f2)];
    assert!(
        pws[0] != pws[1] && pws[1] != pws[2] && pws[0] != pws[2],
        "{pws:?}"
    );
    // Each branch lets in its own password only: a URL leaked from one
    // branch opens no other.
    assert!(connects_with(&f1, &pws[1]));
    assert!(!connects_with(&f1, &pws[0]), "main's password opens f1");
    assert!(!connects_with(&main, &pws[1]), "f1's password opens main");
    assert!(!connects_with(&f2, &pws[0]), "main's password opens f2");
    // At rest, ZFS holds only ciphertext; the key is root's alone.
    for b in ["main", "f1", "f2"] {
        let v = s.zfs_get("stagdb:password", &format!("{}/{b}", s.dataset));
        assert!(v.starts_with("enc1:"), "{b}: {v}");
        assert!(pws.iter().all(|p| !v.contains(p.as_str())), "{b}: {v}");
    }
    let mp = std::path::PathBuf::from(format!("/{}", s.dataset));
    use std::os::unix::fs::PermissionsExt;
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&mp), 0o700);
    assert_eq!(mode(&mp.join(".stagdb-key")), 0o600);
    // A reset onto another branch's data keeps the branch's password.
    s.ok(&["-y", "reset", "f1", "--to", "main"]);
    assert_eq!(url("f1"), f1);
    assert!(connects_with(&f1, &pws[1]));
    assert!(
        !connects_with(&f1, &pws[0]),
        "after reset, main's password opens f1"
    );
    // A sealed value changed by hand opens nothing, and says so.
    let f1_ds = s.shown("f1", "dataset");
    let sealed = s.zfs_get("stagdb:password", &f1_ds);
    let flipped = format!(
        "{}{}",
        &sealed[..sealed.len() - 1],
        if sealed.ends_with('0') { '1' } else { '0' }
    );
    let set = |v: &str| {
        let st = std::process::Command::new("zfs")
            .args(["set", &format!("stagdb:password={v}"), &f1_ds])
            .status()
            .unwrap();
        assert!(st.success());
    };
    set(&flipped);
    let err = s.fails(&["url", "f1"], 1);
    assert!(err.contains("cannot be opened"), "{err}");
    set(&sealed);
    assert_eq!(url("f1"), f1);

    // The key lost: nothing opens, nothing makes a new key behind the
    // user's back, and doctor --fix gives the branches new passwords.
    let key = mp.join(".stagdb-key");
    std::fs::remove_file(&key).unwrap();
    let err = s.fails(&["url", "f1"], 1);
    assert!(
        err.contains(".stagdb-key") && err.contains("doctor --fix"),
        "{err}"
    );
    assert!(!key.exists(), "reading made a key");
    let doctor = s.run(&["doctor", "--json"]);
    let report: serde_json::Value = serde_json::from_slice(&doctor.stdout).unwrap();
    let codes: Vec<&str> = report["problems"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|p| p["code"].as_str())
        .collect();
    assert_eq!(
        codes.iter().filter(|c| **c == "password-sealed").count(),
        3,
        "{report}"
    );
    s.ok(&["doctor", "--fix"]);
    assert!(key.exists());
    for (b, old) in [("main", &pws[0]), ("f1", &pws[1]), ("f2", &pws[2])] {
        let now = url(b);
        assert_ne!(&url_password(&now), old, "{b}");
        assert!(connects_with(&now, &url_password(&now)), "{b}");
        assert!(
            !connects_with(&now, old),
            "{b} still takes its old password"
        );
    }
    assert!(s.ok(&["doctor"]).contains("problems:  none"));
}

#[test]
fn a_store_from_before_sealing_is_sealed_on_first_use() {
    let s = TestStore::new("legacy-passwords", 47040);
    s.init(17);
    s.ok(&["branch", "f1"]);
    s.ok(&["branch", "f2"]);
    // As stores were made before: one plain password in every branch's
    // property and data, and no marker of which one the data has.
    let main_url = s.ok(&["url", "main"]).trim().to_string();
    let plain = url_password(&main_url);
    let f2_url = s.ok(&["url", "f2"]).trim().to_string();
    common::psql_url(&f2_url, &format!("ALTER ROLE postgres PASSWORD '{plain}'"));
    s.ok(&["stop", "f1"]);
    for b in ["main", "f1", "f2"] {
        let ds = format!("{}/{b}", s.dataset);
        let st = std::process::Command::new("zfs")
            .args(["set", &format!("stagdb:password={plain}"), &ds])
            .status()
            .unwrap();
        assert!(st.success());
        let _ = std::fs::remove_file(format!("/{ds}/.stagdb-password-id"));
    }
    let _ = std::fs::remove_file(format!("/{}/.stagdb-key", s.dataset));
    assert!(connects_with(&f2_url, &plain));
    // Its first use seals them and says so. HEAD keeps its password; the
    // branches that shared it get their own: f2 (running) at once, f1
    // (stopped) at its next start.
    let out = s.cmd(&["status"]).output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert!(err.contains("sealed 3 passwords"), "{err}");
    assert!(err.contains("2 branches that shared a password"), "{err}");
    for b in ["main", "f1", "f2"] {
        let v = s.zfs_get("stagdb:password", &format!("{}/{b}", s.dataset));
        assert!(v.starts_with("enc1:") && !v.contains(&plain), "{b}: {v}");
    }
    assert_eq!(s.ok(&["url", "main"]).trim(), main_url);
    assert!(connects_with(&main_url, &plain));
    let f2_now = s.ok(&["url", "f2"]).trim().to_string();
    assert_ne!(url_password(&f2_now), plain);
    assert!(connects_with(&f2_now, &url_password(&f2_now)));
    assert!(
        !connects_with(&f2_now, &plain),
        "f2 still takes the shared password"
    );
    s.ok(&["start", "f1"]);
    let f1_now = s.ok(&["url", "f1"]).trim().to_string();
    assert_ne!(url_password(&f1_now), plain);
    assert!(connects_with(&f1_now, &url_password(&f1_now)));
    assert!(
        !connects_with(&f1_now, &plain),
        "f1 still takes the shared password"
    );
    // Restarted, each keeps its own.
    s.ok(&["restart", "f2"]);
    assert!(connects_with(&f2_now, &url_password(&f2_now)));
    // Nothing left to seal: a second use says nothing of it.
    let out = s.cmd(&["status"]).output().unwrap();
    assert!(!String::from_utf8_lossy(&out.stderr).contains("sealed"));
}
