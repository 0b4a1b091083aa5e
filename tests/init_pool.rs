//! `init --pool-file` creates a pool on a sparse file (the no-spare-disk
//! setup) and the store in it; a failed init removes the pool it made.

mod common;

use std::process::Command;

struct PoolGuard {
    pool: String,
    file: std::path::PathBuf,
}

impl Drop for PoolGuard {
    fn drop(&mut self) {
        let _ = Command::new("sh")
            .arg("-c")
            .arg(format!(
                "docker ps -aq --filter label=io.stagdb.store={0}/stagdb | xargs -r docker rm -f >/dev/null 2>&1; \
                 for i in $(seq 40); do ! zpool list {0} >/dev/null 2>&1 && break; zpool destroy {0} && break; sleep 0.25; done",
                self.pool
            ))
            .status();
        let _ = std::fs::remove_file(&self.file);
    }
}

fn stagdb(args: &[&str]) -> std::process::Output {
    Command::new(common::bin())
        .args(args)
        .env("STAGDB_CONFIG", "/nonexistent/stagdb-test-config.toml")
        .env_remove("STAGDB_STORE")
        .output()
        .unwrap()
}

/// A pool file's place in a directory of this test process, and the guard
/// that destroys the pool (and its containers) when the test ends.
fn pool_file(pool: &str) -> (std::path::PathBuf, std::path::PathBuf, PoolGuard) {
    let dir = std::env::temp_dir().join(format!("stagdb-{pool}-{}", std::process::id()));
    let file = dir.join("pool.img");
    let guard = PoolGuard {
        pool: pool.to_string(),
        file: file.clone(),
    };
    (dir, file, guard)
}

/// `stagdb init` of a store in a new pool on a sparse file.
fn init_pool(
    pool: &str,
    file: &std::path::Path,
    size: &str,
    ports: &str,
    head_port: &str,
) -> std::process::Output {
    stagdb(&[
        "init",
        "--pool",
        pool,
        "--pool-file",
        &file.display().to_string(),
        "--size",
        size,
        "--image",
        &common::image_template(),
        "--ports",
        ports,
        "--head-port",
        head_port,
    ])
}

#[test]
fn init_on_a_pool_file() {
    common::require_testbed();
    let pool = "stagdbt-poolfile";
    let (dir, file, _guard) = pool_file(pool);
    let file_s = file.display().to_string();
    let image = common::image_template();
    let out = init_pool(pool, &file, "512M", "41420-41439", "41419");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Sparse: the file is big but uses little disk.
    let meta = std::fs::metadata(&file).unwrap();
    assert_eq!(meta.len(), 512 << 20);
    let store = format!("{pool}/stagdb");
    let out = stagdb(&["--store", &store, "--json", "status"]);
    let st: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(st["pool"]["name"], pool);
    assert_eq!(st["head"], "main");
    let url = String::from_utf8_lossy(&stagdb(&["--store", &store, "url"]).stdout)
        .trim()
        .to_string();
    assert_eq!(common::psql_url(&url, "SELECT 1"), "1");
    // Tuned for PostgreSQL where this ZFS can (zfs-fuse: no lz4, no xattr=sa),
    // on the store's root and inherited by main.
    let get = |prop: &str, ds: &str| {
        let o = Command::new("zfs")
            .args(["get", "-H", "-o", "value,source", prop, ds])
            .output()
            .unwrap();
        String::from_utf8_lossy(&o.stdout).trim().to_string()
    };
    let main_ds = format!("{store}/main");
    assert_eq!(get("atime", &store), "off\tlocal");
    assert!(get("atime", &main_ds).starts_with("off\tinherited"));
    // Left as the pool has them (docs/zfs-properties.md).
    assert!(get("recordsize", &store).ends_with("\tdefault"));
    assert!(get("compression", &store).ends_with("\tdefault"));
    let zfs_fuse = Command::new("zfs-fuse").arg("--version").output().is_ok();
    let xattr = get("xattr", &store);
    if zfs_fuse {
        assert!(xattr.ends_with("\tdefault"), "{xattr}");
    } else {
        assert_eq!(xattr, "sa\tlocal");
    }

    // A second init on the same file refuses and leaves the pool alone.
    let out = stagdb(&[
        "init",
        "--pool",
        "stagdbt-other",
        "--pool-file",
        &file_s,
        "--size",
        "512M",
        "--image",
        &image,
        "--ports",
        "41451-41455",
        "--head-port",
        "41456",
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("already exists"));
    assert!(
        Command::new("zpool")
            .args(["list", pool])
            .output()
            .unwrap()
            .status
            .success()
    );

    // Another store's ports are refused (usage error) before anything is made.
    let out = stagdb(&[
        "init",
        "--pool",
        "stagdbt-overlap",
        "--pool-file",
        &dir.join("pool3.img").display().to_string(),
        "--size",
        "256M",
        "--image",
        &image,
        "--ports",
        "41430-41435",
        "--head-port",
        "41457",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("overlap"));
    assert!(!dir.join("pool3.img").exists());

    // A failed init (image missing) rolls back the pool and file it made.
    let file2 = dir.join("pool2.img");
    let _guard2 = PoolGuard {
        pool: "stagdbt-failed".to_string(),
        file: file2.clone(),
    };
    let out = stagdb(&[
        "init",
        "--pool",
        "stagdbt-failed",
        "--pool-file",
        &file2.display().to_string(),
        "--size",
        "256M",
        "--image",
        "stagdb-test/no-such-image:{major}",
        "--ports",
        "41440-41449",
        "--head-port",
        "41450",
    ]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!file2.exists(), "pool file rolled back");
    assert!(
        !Command::new("zpool")
            .args(["list", "stagdbt-failed"])
            .output()
            .unwrap()
            .status
            .success()
    );
}

/// A full pool: PostgreSQL's writes fail, and so does a new branch (its
/// snapshot), saying the pool is full and what frees space, leaving nothing
/// behind; doctor says the same. ZFS keeps space back for itself, so `rm`
/// still works on the full pool, and once it freed space a branch is made.
#[test]
fn a_full_pool_is_explained_and_recovers() {
    common::require_testbed();
    let pool = "stagdbt-full";
    let (_dir, file, _guard) = pool_file(pool);
    let out = init_pool(pool, &file, "256M", "41600-41619", "41599");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let store = format!("{pool}/stagdb");
    let sdb = |args: &[&str]| {
        let mut all = vec!["--store", store.as_str()];
        all.extend_from_slice(args);
        stagdb(&all)
    };
    let ok = |args: &[&str]| {
        let out = sdb(args);
        assert!(
            out.status.success(),
            "stagdb {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    let datasets = || {
        let out = Command::new("zfs")
            .args(["list", "-H", "-r", "-t", "all", "-o", "name", &store])
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    // A branch that ran is mounted (a stopped one stays mounted): fill it.
    ok(&["branch", "filler"]);
    ok(&["stop", "filler"]);
    let mountpoint = Command::new("zfs")
        .args([
            "get",
            "-H",
            "-o",
            "value",
            "mountpoint",
            &format!("{store}/filler"),
        ])
        .output()
        .unwrap();
    let junk =
        std::path::Path::new(String::from_utf8_lossy(&mountpoint.stdout).trim()).join("junk");
    let dd = Command::new("dd")
        .args([
            "if=/dev/urandom",
            &format!("of={}", junk.display()),
            "bs=1M",
            "count=400",
        ])
        .output()
        .unwrap();
    assert!(!dd.status.success(), "dd filled 400 MB into a 256 MB pool?");
    assert!(
        String::from_utf8_lossy(&dd.stderr).contains("No space left"),
        "{}",
        String::from_utf8_lossy(&dd.stderr)
    );
    let _ = Command::new("sync").status();

    let before = datasets();
    let out = sdb(&["branch", "more"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("out of space") && err.contains("hint: the pool is full"),
        "{err}"
    );
    assert!(!err.contains("could not roll back"), "{err}");
    assert_eq!(
        datasets(),
        before,
        "the failed branch left something:\n{err}"
    );
    let out = sdb(&["doctor"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{err}{}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert!(err.contains("hint: the pool is full"), "{err}");
    // status says so too: the pool's "free" counts what ZFS keeps back.
    let st: serde_json::Value = serde_json::from_slice(&sdb(&["--json", "status"]).stdout).unwrap();
    let size = st["pool"]["size_bytes"].as_u64().unwrap();
    assert!(
        st["pool"]["available_bytes"].as_u64().unwrap() < size / 10,
        "{st:#}"
    );
    assert_eq!(st["details"][0]["code"], "pool-low", "{st:#}");
    assert!(
        st["problems"][0]
            .as_str()
            .unwrap()
            .contains("is nearly full"),
        "{st:#}"
    );

    // Removing needs no space; what it frees makes room for a branch again.
    ok(&["-y", "rm", "filler"]);
    ok(&["branch", "more"]);
    let url = String::from_utf8_lossy(&sdb(&["url", "more"]).stdout)
        .trim()
        .to_string();
    assert_eq!(common::psql_url(&url, "SELECT 1"), "1");
    // HEAD's server may have stopped when its writes failed (PostgreSQL panics
    // when it cannot write its WAL): doctor --fix starts it, and all is well.
    ok(&["doctor", "--fix"]);
    ok(&["doctor"]);
}
