//! Test environment for CLI tests against the real testbed (zfs-fuse pool,
//! Docker engine, PostgreSQL images; see scripts/testbed.sh). Each test gets
//! its own store dataset, port range and container prefix, and removes them
//! when it ends, also on failure. A missing testbed fails the test loudly.

#![allow(dead_code)]

use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

pub fn pool() -> String {
    std::env::var("STAGDB_TEST_POOL").unwrap_or_else(|_| "stagdbtest".into())
}

pub fn image_template() -> String {
    std::env::var("STAGDB_TEST_IMAGE").unwrap_or_else(|_| "stagdb-test/postgres:{major}".into())
}

/// stagdb's STAGDB_TIMEOUT for the tests that use cmd(): 120 s, or STAGDB_TEST_TIMEOUT
/// (scripts/test-openzfs.sh sets it for the emulated guest).
pub fn test_timeout() -> String {
    std::env::var("STAGDB_TEST_TIMEOUT").unwrap_or_else(|_| "120".into())
}

pub fn bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_stagdb"))
}

fn sh(cmd: &str) -> Output {
    Command::new("sh")
        .arg("-c")
        .arg(cmd)
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("cannot run `{cmd}`: {e}"))
}

/// Panics with what is missing: tests never pass by skipping.
pub fn require_testbed() {
    let p = pool();
    let z = sh(&format!("zpool list -H -o name {p}"));
    assert!(
        z.status.success(),
        "testbed missing: ZFS pool '{p}' is not available ({}). Run `bash scripts/test.sh` (or scripts/testbed.sh) first.",
        String::from_utf8_lossy(&z.stderr).trim()
    );
    let d = sh("docker info --format '{{.ServerVersion}}'");
    assert!(
        d.status.success(),
        "testbed missing: Docker engine not reachable ({}). Run scripts/testbed.sh.",
        String::from_utf8_lossy(&d.stderr).trim()
    );
    for major in [15, 17] {
        let img = image_template().replace("{major}", &major.to_string());
        let i = sh(&format!("docker image inspect {img} >/dev/null"));
        assert!(
            i.status.success(),
            "testbed missing: image {img}. Run scripts/testbed.sh."
        );
    }
}

/// A store of one test. Dropping it removes its containers and datasets.
pub struct TestStore {
    pub name: String,
    pub dataset: String,
    pub low: u16,
    pub high: u16,
    pub head_port: u16,
}

impl TestStore {
    /// `base` must be unique per test: ports base..base+19 belong to it,
    /// base-1 is its head port.
    pub fn new(name: &str, base: u16) -> TestStore {
        require_testbed();
        let dataset = format!("{}/t-{name}", pool());
        let s = TestStore {
            name: name.to_string(),
            dataset,
            low: base,
            high: base + 19,
            head_port: base - 1,
        };
        // Leftovers of an earlier, killed run.
        if let Err(e) = s.cleanup() {
            panic!("{e}");
        }
        s
    }

    fn cleanup(&self) -> Result<(), String> {
        sh(&format!(
            "docker ps -aq --filter label=io.stagdb.store={} | xargs -r docker rm -f >/dev/null 2>&1",
            self.dataset
        ));
        // zfs-fuse reports a dataset "busy" for a moment after its container
        // went away: retry.
        for _ in 0..40 {
            let out = sh(&format!(
                "! zfs list -H -o name {0} >/dev/null 2>&1 || zfs destroy -r -R {0}",
                self.dataset
            ));
            if out.status.success() {
                return Ok(());
            }
            // One `zfs destroy -R` of many datasets gives up at the first
            // "busy" one (zfs-fuse): clones first, one by one.
            sh(&format!(
                "zfs list -H -r -o name -t filesystem {} | tail -n +2 | tac | while read -r d; do zfs destroy -r \"$d\" >/dev/null 2>&1; done",
                self.dataset
            ));
            std::thread::sleep(std::time::Duration::from_millis(250));
        }
        Err(format!("could not destroy test dataset {}", self.dataset))
    }

    /// `stagdb --store DATASET ARGS` with a clean environment.
    pub fn cmd(&self, args: &[&str]) -> Command {
        let mut c = Command::new(bin());
        c.arg("--store")
            .arg(&self.dataset)
            .args(args)
            .env_remove("STAGDB_STORE")
            .env("STAGDB_CONFIG", "/nonexistent/stagdb-test-config.toml")
            // STAGDB_TEST_TIMEOUT: the OpenZFS guest under TCG starts PostgreSQL far slower.
            .env("STAGDB_TIMEOUT", test_timeout())
            .env("STAGDB_AUTHOR", "tester")
            .env("NO_COLOR", "1")
            .stdin(Stdio::null());
        c
    }

    pub fn run(&self, args: &[&str]) -> Output {
        self.cmd(args).output().expect("run stagdb")
    }

    /// Runs and asserts success; returns stdout.
    pub fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(
            out.status.success(),
            "stagdb {args:?} failed ({:?})\nstdout:\n{}\nstderr:\n{}",
            out.status.code(),
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Runs and asserts the exit code; returns stderr.
    pub fn fails(&self, args: &[&str], code: i32) -> String {
        let out = self.run(args);
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        assert_eq!(
            out.status.code(),
            Some(code),
            "stagdb {args:?}: expected exit {code}\nstdout:\n{}\nstderr:\n{stderr}",
            String::from_utf8_lossy(&out.stdout)
        );
        stderr
    }

    pub fn json(&self, args: &[&str]) -> serde_json::Value {
        let mut a = vec!["--json"];
        a.extend_from_slice(args);
        let out = self.ok(&a);
        serde_json::from_str(&out)
            .unwrap_or_else(|e| panic!("stagdb {args:?} printed invalid JSON ({e}):\n{out}"))
    }

    pub fn init(&self, pg_version: u32) -> String {
        let ports = format!("{}-{}", self.low, self.high);
        let head = self.head_port.to_string();
        let v = pg_version.to_string();
        let image = image_template();
        let out = Command::new(bin())
            .args([
                "init",
                "--dataset",
                &self.dataset,
                "--pg-version",
                &v,
                "--image",
                &image,
                "--ports",
                &ports,
                "--head-port",
                &head,
            ])
            .env("STAGDB_CONFIG", "/nonexistent/stagdb-test-config.toml")
            .env("NO_COLOR", "1")
            .stdin(Stdio::null())
            .output()
            .expect("run stagdb init");
        assert!(
            out.status.success(),
            "stagdb init failed:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    }

    /// Runs SQL with the host's psql against a branch (via `stagdb url`).
    pub fn sql(&self, branch: &str, sql: &str) -> String {
        let url = self.ok(&["url", branch]).trim().to_string();
        psql_url(&url, sql)
    }

    /// Runs SQL on the store's head port.
    pub fn sql_head_port(&self, sql: &str) -> String {
        let url = self.ok(&["url", "HEAD"]).trim().to_string();
        let (before, after) = url.rsplit_once(':').expect("url has a port");
        let db = after.split_once('/').map(|(_, d)| d).unwrap_or("postgres");
        psql_url(&format!("{before}:{}/{db}", self.head_port), sql)
    }

    /// `stagdb branch --json` as (name, state, head) rows.
    pub fn branch_rows(&self) -> Vec<(String, String, bool)> {
        self.json(&["branch"])
            .as_array()
            .expect("branch --json is an array")
            .iter()
            .map(|b| {
                (
                    b["name"].as_str().unwrap_or_default().to_string(),
                    b["state"].as_str().unwrap_or_default().to_string(),
                    b["head"].as_bool().unwrap_or_default(),
                )
            })
            .collect()
    }

    /// A string field of `stagdb show BRANCH --json` (dataset, container, ...).
    pub fn shown(&self, branch: &str, field: &str) -> String {
        let v = self.json(&["show", branch]);
        v[field]
            .as_str()
            .unwrap_or_else(|| panic!("show {branch}: no string {field} in {v}"))
            .to_string()
    }

    pub fn zfs_get(&self, prop: &str, ds: &str) -> String {
        let o = sh(&format!("zfs get -H -p -o value {prop} {ds}"));
        String::from_utf8_lossy(&o.stdout).trim().to_string()
    }
}

pub fn psql_url(url: &str, sql: &str) -> String {
    let out = Command::new("psql")
        .args([
            "-X",
            "-q",
            "-A",
            "-t",
            "-v",
            "ON_ERROR_STOP=1",
            "-d",
            url,
            "-c",
            sql,
        ])
        .stdin(Stdio::null())
        .output()
        .expect("run psql");
    assert!(
        out.status.success(),
        "psql {sql:?} failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

impl Drop for TestStore {
    fn drop(&mut self) {
        if let Err(e) = self.cleanup() {
            eprintln!("{e}");
        }
    }
}
