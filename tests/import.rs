//! `stagdb import`, `refresh` and `export` against the real testbed: a plain
//! PostgreSQL server started here (not a stagdb branch) is the source; its
//! data must arrive intact through every path (live URL with one or more
//! jobs, dumps of each format, stdin, upgrades, export and re-import), its
//! password must leak nowhere, scrubbed values must be gone from the files,
//! and refused, failed or interrupted imports must leave nothing behind.

mod common;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use common::TestStore;

// ---------------------------------------------------------------- helpers

fn sh(cmd: &str) -> Output {
    Command::new("sh")
        .arg("-c")
        .arg(cmd)
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("cannot run `{cmd}`: {e}"))
}

fn sh_ok(cmd: &str) -> String {
    let o = sh(cmd);
    assert!(
        o.status.success(),
        "`{cmd}` failed:\n{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn image(major: u32) -> String {
    common::image_template().replace("{major}", &major.to_string())
}

fn require_image(major: u32) {
    let img = image(major);
    let ok = Command::new("docker")
        .args(["image", "inspect", &img])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|st| st.success());
    assert!(ok, "testbed missing: image {img}. Run scripts/testbed.sh.");
}

/// The fixture of the source database `app`: two schemas, a role owning a
/// table, sequences, a view, a materialized view, pgcrypto and hstore, a
/// large object and a publication. `{users}` rows carry e-mail addresses
/// under secret.example for the scrub test.
const FIXTURE: &str = r#"
CREATE ROLE app_owner;
CREATE EXTENSION pgcrypto;
CREATE EXTENSION hstore;
CREATE SCHEMA sales AUTHORIZATION app_owner;
CREATE TABLE public.users (id serial PRIMARY KEY, email text NOT NULL UNIQUE, attrs hstore, secret bytea);
INSERT INTO public.users (email, attrs, secret)
  SELECT 'user' || g || '@secret.example', hstore('n', g::text), digest(g::text, 'sha256')
  FROM generate_series(1, {users}) g;
CREATE TABLE sales.orders (id bigserial PRIMARY KEY, user_id int NOT NULL REFERENCES public.users(id),
  amount numeric(10,2) NOT NULL, day date NOT NULL);
INSERT INTO sales.orders (user_id, amount, day)
  SELECT 1 + (g * 7919) % {users}, (g % 1000) / 10.0, date '2024-01-01' + g % 365
  FROM generate_series(1, 20000) g;
ALTER TABLE sales.orders OWNER TO app_owner;
CREATE VIEW sales.big_orders AS SELECT * FROM sales.orders WHERE amount > 90;
CREATE MATERIALIZED VIEW sales.totals AS
  SELECT user_id, sum(amount) AS total, count(*) AS n FROM sales.orders GROUP BY user_id;
SELECT lo_from_bytea(4242, convert_to('large object payload', 'UTF8'));
CREATE PUBLICATION app_pub FOR TABLE sales.orders;
"#;

/// One line of counts and checksums of everything the fixture made.
const CHECKSUM: &str = r#"SELECT concat_ws(' | ',
  (SELECT count(*) FROM public.users),
  (SELECT md5(string_agg(t::text, ',' ORDER BY t::text COLLATE "C")) FROM public.users t),
  (SELECT count(*) FROM sales.orders),
  (SELECT md5(string_agg(t::text, ',' ORDER BY t::text COLLATE "C")) FROM sales.orders t),
  (SELECT md5(string_agg(t::text, ',' ORDER BY t::text COLLATE "C")) FROM sales.big_orders t),
  (SELECT md5(string_agg(t::text, ',' ORDER BY t::text COLLATE "C")) FROM sales.totals t),
  (SELECT md5(lo_get(4242))),
  (SELECT last_value FROM public.users_id_seq),
  (SELECT last_value FROM sales.orders_id_seq),
  (SELECT string_agg(extname, ',' ORDER BY extname) FROM pg_extension))"#;

/// A plain PostgreSQL server in a container, the import source: password
/// authentication (scram-sha-256) over a published port. Removed on drop.
struct SourcePg {
    name: String,
    port: u16,
    password: String,
}

impl SourcePg {
    fn start(tag: &str, major: u32, port: u16, password: &str) -> SourcePg {
        require_image(major);
        let name = format!("stagdb-itest-import-src-{tag}");
        let _ = sh(&format!("docker rm -f -v {name} >/dev/null 2>&1"));
        let src = SourcePg {
            name: name.clone(),
            port,
            password: password.to_string(),
        };
        let script = r#"set -e
mkdir -p /d && chown postgres /d
printf '%s' "$PW" > /tmp/pw; chown postgres /tmp/pw
runuser -u postgres -- initdb -D /d -U postgres --pwfile=/tmp/pw --auth-local=trust --auth-host=scram-sha-256 >/dev/null
rm -f /tmp/pw
echo "host all all all scram-sha-256" >> /d/pg_hba.conf
echo "host replication all all scram-sha-256" >> /d/pg_hba.conf
exec runuser -u postgres -- postgres -D /d -c listen_addresses=* -c unix_socket_directories=/tmp"#;
        let out = Command::new("docker")
            .args(["run", "-d", "--name", &name, "-p"])
            .arg(format!("127.0.0.1:{port}:5432"))
            .args(["-e", &format!("PW={password}")])
            .args(["--user", "root", "--entrypoint", ""])
            .arg(image(major))
            .args(["bash", "-c", script])
            .stdin(Stdio::null())
            .output()
            .expect("docker run");
        assert!(
            out.status.success(),
            "starting source server {name}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        // Ready when it accepts a password login through the published port.
        let start = Instant::now();
        loop {
            let ok = Command::new("psql")
                .args([
                    "-X",
                    "-A",
                    "-t",
                    "-d",
                    &src.url_with_password("postgres"),
                    "-c",
                    "SELECT 1",
                ])
                .env("PGCONNECT_TIMEOUT", "3")
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .is_ok_and(|s| s.success());
            if ok {
                break;
            }
            if start.elapsed() > Duration::from_secs(60) {
                let logs = sh(&format!("docker logs --tail 30 {name} 2>&1"));
                panic!(
                    "source server {name} never accepted connections:\n{}",
                    String::from_utf8_lossy(&logs.stdout)
                );
            }
            std::thread::sleep(Duration::from_millis(200));
        }
        src
    }

    /// The source with the fixture in database `app`.
    fn with_fixture(tag: &str, major: u32, port: u16, password: &str, users: u32) -> SourcePg {
        let src = SourcePg::start(tag, major, port, password);
        src.psql("postgres", "CREATE DATABASE app");
        src.psql("app", &FIXTURE.replace("{users}", &users.to_string()));
        src
    }

    /// psql inside the source container (local socket, trust).
    fn psql(&self, db: &str, sql: &str) -> String {
        let out = Command::new("docker")
            .args(["exec", &self.name, "psql", "-X", "-q", "-A", "-t"])
            .args([
                "-v",
                "ON_ERROR_STOP=1",
                "-h",
                "/tmp",
                "-U",
                "postgres",
                "-d",
                db,
            ])
            .args(["-c", sql])
            .stdin(Stdio::null())
            .output()
            .expect("docker exec psql");
        assert!(
            out.status.success(),
            "source psql {sql:?} failed:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    }

    fn checksum(&self) -> String {
        self.psql("app", CHECKSUM)
    }

    /// The URL without the password (it comes from PGPASSWORD).
    fn url(&self, db: &str) -> String {
        format!("postgresql://postgres@127.0.0.1:{}/{db}", self.port)
    }

    fn url_with_password(&self, db: &str) -> String {
        format!(
            "postgresql://postgres:{}@127.0.0.1:{}/{db}",
            self.password, self.port
        )
    }

    /// `pg_dump ARGS` run in the source container, the result copied out to
    /// `dir/file`.
    fn dump(&self, shell: &str, file: &str, dir: &Path) -> PathBuf {
        let out = Command::new("docker")
            .args(["exec", &self.name, "bash", "-c"])
            .arg(format!("set -euo pipefail; rm -rf /tmp/{file}; {shell}"))
            .stdin(Stdio::null())
            .output()
            .expect("docker exec pg_dump");
        assert!(
            out.status.success(),
            "dump {shell:?} failed:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let dest = dir.join(file);
        sh_ok(&format!(
            "docker cp {}:/tmp/{file} {}",
            self.name,
            dest.display()
        ));
        assert!(dest.exists(), "{} not copied out", dest.display());
        dest
    }
}

impl Drop for SourcePg {
    fn drop(&mut self) {
        let _ = sh(&format!("docker rm -f -v {} >/dev/null 2>&1", self.name));
    }
}

/// A directory of the test's files, removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new(tag: &str) -> TempDir {
        let p =
            std::env::temp_dir().join(format!("stagdb-itest-import-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&p);
        std::fs::create_dir_all(&p).unwrap();
        TempDir(p)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn assert_ok(what: &str, out: &Output) -> String {
    assert!(
        out.status.success(),
        "{what} failed ({:?})\nstdout:\n{}\nstderr:\n{}",
        out.status.code(),
        text(&out.stdout),
        text(&out.stderr)
    );
    text(&out.stdout)
}

/// `stagdb ARGS` with PGPASSWORD set; asserts success.
fn ok_pw(s: &TestStore, args: &[&str], pw: &str) -> String {
    ok_pw_both(s, args, pw).0
}

/// Like [`ok_pw`], returning stderr.
fn ok_pw_err(s: &TestStore, args: &[&str], pw: &str) -> String {
    ok_pw_both(s, args, pw).1
}

fn ok_pw_both(s: &TestStore, args: &[&str], pw: &str) -> (String, String) {
    let out = s
        .cmd(args)
        .env("PGPASSWORD", pw)
        .output()
        .expect("run stagdb");
    let stdout = assert_ok(&format!("stagdb {args:?}"), &out);
    (stdout, String::from_utf8_lossy(&out.stderr).into_owned())
}

/// Dataset names under the store, sorted.
fn datasets(s: &TestStore) -> Vec<String> {
    let mut v: Vec<String> = sh_ok(&format!("zfs list -H -o name -r {}", s.dataset))
        .lines()
        .map(str::to_string)
        .collect();
    v.sort();
    v
}

/// Containers labelled with the store, as `branch-label name`.
fn containers(s: &TestStore) -> Vec<String> {
    let mut v: Vec<String> = sh_ok(&format!(
        "docker ps -a --filter label=io.stagdb.store={} --format '{{{{.Label \"io.stagdb.branch\"}}}} {{{{.Names}}}}'",
        s.dataset
    ))
    .lines()
    .map(str::to_string)
    .collect();
    v.sort();
    v
}

fn branch_names(s: &TestStore) -> Vec<String> {
    let mut v: Vec<String> = s
        .json(&["branch"])
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["name"].as_str().unwrap().to_string())
        .collect();
    v.sort();
    v
}

fn mountpoint(ds: &str) -> String {
    sh_ok(&format!("zfs get -H -o value mountpoint {ds}"))
        .trim()
        .to_string()
}

fn branch_dataset(s: &TestStore, branch: &str) -> String {
    let rows = s.json(&["branch"]);
    let row = rows
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["name"] == branch)
        .unwrap_or_else(|| panic!("no branch {branch} in {rows:#}"));
    row["dataset"]
        .as_str()
        .unwrap_or_else(|| panic!("branch {branch} has no dataset: {row}"))
        .to_string()
}

/// The newest snapshot of an imported branch, `NAME@import-...`.
fn import_snapshot(s: &TestStore, branch: &str) -> String {
    let log = s.json(&["log", branch]);
    let first = &log.as_array().unwrap()[0];
    let r = first["ref"].as_str().unwrap().to_string();
    assert!(
        r.starts_with(&format!("{branch}@import-")),
        "newest snapshot of {branch} is not an import snapshot: {log:#}"
    );
    r
}

/// What every imported branch must be: the source's data, normal settings,
/// no publications, the source's database as the default.
fn assert_imported(s: &TestStore, branch: &str, expected: &str) {
    assert_imported_db(s, branch, expected, "app");
}

/// assert_imported, with the database `stagdb url` names.
fn assert_imported_db(s: &TestStore, branch: &str, expected: &str, db: &str) {
    assert_eq!(s.sql(branch, CHECKSUM), expected, "data of branch {branch}");
    assert_eq!(s.sql(branch, "SHOW fsync"), "on", "fsync on {branch}");
    assert_eq!(
        s.sql(branch, "SHOW wal_level"),
        "replica",
        "wal_level on {branch}"
    );
    assert_eq!(
        s.sql(branch, "SELECT count(*) FROM pg_publication"),
        "0",
        "publications in {branch}"
    );
    let url = s.ok(&["url", branch]).trim().to_string();
    assert!(url.ends_with(&format!("/{db}")), "url of {branch}: {url}");
}

/// Watches every process's command line (what `ps -eo args` shows) while
/// a command runs; collects lines holding `needle`, except `exclude`'s.
struct PsWatch {
    stop: Arc<AtomicBool>,
    handle: std::thread::JoinHandle<(Vec<String>, usize, bool)>,
}

impl PsWatch {
    fn start(needle: &str, exclude: Option<u32>) -> PsWatch {
        let stop = Arc::new(AtomicBool::new(false));
        let stop2 = stop.clone();
        let needle = needle.to_string();
        // What the user typed: stagdb's own command line, which every
        // process it forks shows too until that process execs (zfs, ...).
        // A leak would be in another program's arguments.
        let own = exclude.map(|_| {
            let mut v = common::bin().into_os_string().into_encoded_bytes();
            v.push(0);
            v
        });
        let handle = std::thread::spawn(move || {
            let mut found = Vec::new();
            let mut polls = 0;
            let mut saw_dump = false;
            while !stop2.load(Ordering::Relaxed) {
                polls += 1;
                let Ok(rd) = std::fs::read_dir("/proc") else {
                    continue;
                };
                for e in rd.flatten() {
                    let Ok(pid) = e.file_name().to_string_lossy().parse::<u32>() else {
                        continue;
                    };
                    if Some(pid) == exclude {
                        continue;
                    }
                    let Ok(raw) = std::fs::read(e.path().join("cmdline")) else {
                        continue;
                    };
                    if own.as_ref().is_some_and(|o| raw.starts_with(o)) {
                        continue;
                    }
                    let args = String::from_utf8_lossy(&raw).replace('\0', " ");
                    if args.contains("pg_dump") || args.contains("pg_restore") {
                        saw_dump = true;
                    }
                    if args.contains(&needle) {
                        found.push(format!("{pid}: {args}"));
                    }
                }
                std::thread::sleep(Duration::from_millis(3));
            }
            (found, polls, saw_dump)
        });
        PsWatch { stop, handle }
    }

    fn finish(self) -> (Vec<String>, usize, bool) {
        self.stop.store(true, Ordering::Relaxed);
        self.handle.join().unwrap()
    }
}

/// Runs an import with the process list watched for the password.
/// Runs an import while watching the process list; returns its stderr.
fn import_watched(
    s: &TestStore,
    args: &[&str],
    env_pw: Option<&str>,
    pw: &str,
    skip_self: bool,
) -> String {
    let mut cmd = s.cmd(args);
    if let Some(p) = env_pw {
        cmd.env("PGPASSWORD", p);
    }
    cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
    // Spawn, then watch: before the watcher's first poll stagdb is still
    // starting, before any job runs. The child's own command line holds a
    // URL password the user typed: that one is excluded when asked.
    let child = cmd.spawn().expect("spawn stagdb import");
    let w = PsWatch::start(pw, skip_self.then(|| child.id()));
    let out = child.wait_with_output().unwrap();
    let (found, polls, saw_dump) = w.finish();
    assert_ok(&format!("stagdb {args:?}"), &out);
    assert!(
        found.is_empty(),
        "the source password was in the process list during `stagdb {args:?}`:\n{}",
        found.join("\n")
    );
    assert!(
        polls > 20 && saw_dump,
        "the process list watcher saw too little ({polls} polls, pg_dump/pg_restore seen: {saw_dump})"
    );
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// The phases named by `NAME done in S.S s[, SIZE]` lines; panics on any
/// other line (what -q leaves of an import's status).
fn finished_phases(stderr: &str) -> Vec<String> {
    stderr
        .lines()
        .map(|l| {
            let (name, rest) = l
                .split_once(" done in ")
                .unwrap_or_else(|| panic!("not a finished phase: {l:?} in\n{stderr}"));
            let secs = rest.split(" s").next().unwrap_or("");
            assert!(
                secs.parse::<f64>().is_ok() && (rest.ends_with(" s") || rest.contains(" s, ")),
                "no duration: {l:?}"
            );
            name.to_string()
        })
        .collect()
}

/// Prints how long a test took when it ends (also on failure).
struct Timed(&'static str, Instant);

impl Timed {
    fn start(name: &'static str) -> Timed {
        Timed(name, Instant::now())
    }
}

impl Drop for Timed {
    fn drop(&mut self) {
        eprintln!("{}: {:.1}s", self.0, self.1.elapsed().as_secs_f64());
    }
}

// ------------------------------------------------------------------ tests

/// Test 1: A live server by URL, with one job and with four: the data arrives
/// intact, the branch runs with normal settings, the password is nowhere.
#[test]
fn import_live_server() {
    let _t = Timed::start("import_live_server");
    let pw = "LivePw-q7Zk93xVtR";
    let src = SourcePg::with_fixture("live", 17, 45500, pw, 100_000);
    let expected = src.checksum();
    let s = TestStore::new("imp-live", 43600);
    s.init(17);
    let before = datasets(&s);
    let containers_before = containers(&s);

    // --dry-run: the plan, nothing made.
    let plan = {
        let out = s
            .cmd(&[
                "--json",
                "import",
                &src.url("app"),
                "dry",
                "--dry-run",
                "-j",
                "3",
            ])
            .env("PGPASSWORD", pw)
            .output()
            .unwrap();
        let stdout = assert_ok("import --dry-run --json", &out);
        serde_json::from_str::<serde_json::Value>(&stdout)
            .unwrap_or_else(|e| panic!("invalid JSON ({e}):\n{stdout}"))
    };
    assert_eq!(plan["pg_version"], 17, "{plan:#}");
    assert_eq!(plan["jobs"], 3, "{plan:#}");
    let source_bytes = plan["source_bytes"].as_u64().unwrap_or(0);
    let needed = plan["needed_bytes"].as_u64().unwrap_or(0);
    assert!(source_bytes > 10_000_000, "{plan:#}");
    assert!(needed >= source_bytes, "{plan:#}");
    // Where it would load: memory (with its limit) or disk, and why.
    let avail = plan["memory_available_bytes"].as_u64().unwrap_or(0);
    assert!(avail > 0, "{plan:#}");
    match plan["load_in"].as_str() {
        Some("memory") => {
            let limit = plan["memory_limit_bytes"].as_u64().unwrap_or(0);
            assert_eq!(limit, avail / 2, "{plan:#}");
            assert!(2 * source_bytes + (512 << 20) <= limit, "{plan:#}");
        }
        Some("disk") => assert!(plan["memory_limit_bytes"].is_null(), "{plan:#}"),
        other => panic!("load_in {other:?}: {plan:#}"),
    }
    let human = ok_pw(&s, &["import", &src.url("app"), "dry", "--dry-run"], pw);
    assert!(human.contains("would import"), "{human}");
    assert!(
        human.contains("loaded in memory (a tmpfs of up to") || human.contains("loaded on disk"),
        "{human}"
    );
    assert!(!human.contains(pw), "{human}");
    assert_eq!(datasets(&s), before, "--dry-run created a dataset");
    assert_eq!(
        containers(&s),
        containers_before,
        "--dry-run left a container"
    );
    assert_eq!(branch_names(&s), vec!["main"]);

    // -j 1, the password in the URL (stagdb's own command line holds it:
    // the user typed it there; nothing stagdb starts may show it).
    let t = Instant::now();
    import_watched(
        &s,
        &["import", &src.url_with_password("app"), "one", "-j", "1"],
        None,
        pw,
        true,
    );
    eprintln!("import -j 1: {:.1}s", t.elapsed().as_secs_f64());
    // -j 4, the password from PGPASSWORD; the name from the database;
    // loaded in memory (a tmpfs), then copied into the dataset.
    // With -q (and no terminal): one line per finished phase, nothing else.
    let t = Instant::now();
    let quiet = import_watched(
        &s,
        &[
            "-q",
            "import",
            &src.url("app"),
            "-j",
            "4",
            "--load-in",
            "memory",
        ],
        Some(pw),
        pw,
        false,
    );
    eprintln!("import -j 4 in memory: {:.1}s", t.elapsed().as_secs_f64());
    let mut phases = finished_phases(&quiet);
    // The parallel dump and the server's start overlap: either ends first.
    phases[1..3].sort();
    assert_eq!(
        phases,
        [
            "preflight",
            "dump",
            "initialize",
            "restore",
            "analyze",
            "write",
            "reset",
            "start",
            "snapshot"
        ],
        "{quiet}"
    );
    assert!(
        quiet
            .lines()
            .any(|l| l.starts_with("write done in ") && l.contains("iB")),
        "the copy into the dataset has no size: {quiet}"
    );
    // Loaded on disk, as asked: the summary says so, the log says how.
    let t = Instant::now();
    let out = s
        .cmd(&[
            "--json",
            "import",
            &src.url("app"),
            "ondisk",
            "-j",
            "1",
            "--load-in",
            "disk",
        ])
        .env("PGPASSWORD", pw)
        .output()
        .unwrap();
    let summary: serde_json::Value =
        serde_json::from_str(&assert_ok("import --load-in disk --json", &out)).unwrap();
    eprintln!("import -j 1 on disk: {:.1}s", t.elapsed().as_secs_f64());
    assert_eq!(summary["load_in"], "disk", "{summary:#}");
    assert!(summary["shutdown_ms"].is_u64(), "{summary:#}");
    // --json: each phase with its duration, and the bytes it made where
    // measured; stderr (no terminal): the start lines and the finished ones.
    let phases = summary["phases"].as_array().expect("phases");
    let names: Vec<&str> = phases.iter().filter_map(|p| p["name"].as_str()).collect();
    assert_eq!(
        names,
        [
            "preflight",
            "initialize",
            "restore",
            "analyze",
            "shutdown",
            "reset",
            "start",
            "snapshot"
        ],
        "{summary:#}"
    );
    assert!(phases.iter().all(|p| p["ms"].is_u64()), "{summary:#}");
    let restored = phases[2]["bytes"].as_u64().expect("restore bytes");
    assert!(restored > 10 << 20, "restored only {restored} bytes");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("loading "), "{err}");
    for name in names {
        assert!(
            err.lines()
                .any(|l| l.starts_with(&format!("{name} done in "))),
            "no finished line for {name}:\n{err}"
        );
    }
    let log = |b: &str| s.ok(&["log", b]);
    assert!(
        !log("ondisk").contains("loaded in memory"),
        "{}",
        log("ondisk")
    );
    assert!(log("app").contains("loaded in memory"), "{}", log("app"));
    // Nothing of the loading servers (and their memory) is left.
    assert!(
        sh_ok(&format!(
            "docker ps -aq --filter label=io.stagdb.job=import-server --filter label=io.stagdb.store={}",
            s.dataset
        ))
        .is_empty(),
        "a loading server was left"
    );

    assert_eq!(branch_names(&s), vec!["app", "main", "ondisk", "one"]);
    for b in ["one", "app", "ondisk"] {
        assert_imported(&s, b, &expected);
        let snap = import_snapshot(&s, b);
        let ds = branch_dataset(&s, b);
        let snap_name = snap.split_once('@').unwrap().1;
        assert_eq!(
            s.zfs_get("stagdb:kind", &format!("{ds}@{snap_name}")),
            "import",
            "{snap}"
        );
    }
    // A branch of the imported data has it too.
    s.ok(&["branch", "one-b", "one"]);
    assert_imported(&s, "one-b", &expected);

    // The source password is in no property and no container's config.
    let props = sh_ok(&format!(
        "zfs get -H -o name,property,value all -r {}",
        s.dataset
    ));
    assert!(
        props.contains("stagdb:source"),
        "no recorded source:\n{props}"
    );
    let leaks: Vec<&str> = props.lines().filter(|l| l.contains(pw)).collect();
    assert!(
        leaks.is_empty(),
        "password in properties:\n{}",
        leaks.join("\n")
    );
    let inspect = sh_ok(&format!(
        "docker ps -aq --filter label=io.stagdb.store={} | xargs -r docker inspect",
        s.dataset
    ));
    assert!(
        !inspect.contains(pw),
        "password in a container's configuration"
    );
}

/// Test 2: Dumps: custom format (named after its database), directory format,
/// plain SQL gzipped, and a custom dump on stdin.
#[test]
fn import_dumps() {
    let _t = Timed::start("import_dumps");
    let pw = "DumpsPw-8sKq2Lw";
    let src = SourcePg::with_fixture("dumps", 17, 45501, pw, 100_000);
    let expected = src.checksum();
    let dir = TempDir::new("dumps");
    let custom = src.dump(
        "pg_dump -U postgres -h /tmp -Fc -f /tmp/app.dump app",
        "app.dump",
        &dir.0,
    );
    let directory = src.dump(
        "pg_dump -U postgres -h /tmp -Fd -j 2 -f /tmp/app.dir app",
        "app.dir",
        &dir.0,
    );
    let gz = src.dump(
        "pg_dump -U postgres -h /tmp app | gzip > /tmp/app.sql.gz",
        "app.sql.gz",
        &dir.0,
    );
    let s = TestStore::new("imp-dumps", 43640);
    s.init(17);

    let t = Instant::now();
    s.ok(&["import", custom.to_str().unwrap(), "-j", "2"]);
    eprintln!("custom: {:.1}s", t.elapsed().as_secs_f64());
    let t = Instant::now();
    s.ok(&["import", directory.to_str().unwrap(), "fromdir", "-j", "2"]);
    eprintln!("directory: {:.1}s", t.elapsed().as_secs_f64());
    let t = Instant::now();
    s.ok(&["import", gz.to_str().unwrap(), "fromgz"]);
    eprintln!("sql.gz: {:.1}s", t.elapsed().as_secs_f64());
    let t = Instant::now();
    let out = s
        .cmd(&["import", "-", "fromstdin"])
        .stdin(std::fs::File::open(&custom).unwrap())
        .output()
        .unwrap();
    assert_ok("cat app.dump | stagdb import - fromstdin", &out);
    eprintln!("stdin: {:.1}s", t.elapsed().as_secs_f64());

    assert_eq!(
        branch_names(&s),
        vec!["app", "fromdir", "fromgz", "fromstdin", "main"]
    );
    // Archives name their database; a plain dump does not (pg_dump
    // without --create): its database is named after the branch.
    for (b, db) in [
        ("app", "app"),
        ("fromdir", "app"),
        ("fromgz", "fromgz"),
        ("fromstdin", "app"),
    ] {
        assert_imported_db(&s, b, &expected, db);
        import_snapshot(&s, b);
    }
}

/// Test 3: Upgrades on import (13 -> 17, 15 -> 18); a downgrade is refused.
#[test]
fn import_upgrades_and_refuses_downgrade() {
    let _t = Timed::start("import_upgrades_and_refuses_downgrade");
    let src13 = SourcePg::with_fixture("v13", 13, 45502, "V13Pw-k2Jd8", 100_000);
    let src15 = SourcePg::with_fixture("v15", 15, 45503, "V15Pw-p4Xs1", 100_000);
    require_image(18);
    let s = TestStore::new("imp-upgrade", 43680);
    s.init(17);

    let t = Instant::now();
    ok_pw(
        &s,
        &[
            "import",
            &src13.url("app"),
            "up17",
            "--pg-version",
            "17",
            "-j",
            "2",
        ],
        "V13Pw-k2Jd8",
    );
    eprintln!("13 -> 17: {:.1}s", t.elapsed().as_secs_f64());
    let t = Instant::now();
    ok_pw(
        &s,
        &[
            "import",
            &src15.url("app"),
            "up18",
            "--pg-version",
            "18",
            "-j",
            "2",
        ],
        "V15Pw-p4Xs1",
    );
    eprintln!("15 -> 18: {:.1}s", t.elapsed().as_secs_f64());
    for (b, src, major) in [("up17", &src13, "17"), ("up18", &src15, "18")] {
        let v = s.sql(b, "SHOW server_version_num");
        assert!(v.starts_with(major), "{b} runs {v}, not {major}");
        assert_imported(&s, b, &src.checksum());
    }

    let before = datasets(&s);
    let containers_before = containers(&s);
    let out = s
        .cmd(&["import", &src15.url("app"), "down", "--pg-version", "13"])
        .env("PGPASSWORD", "V15Pw-p4Xs1")
        .output()
        .unwrap();
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "downgrade not refused:\n{err}");
    assert!(err.contains("15") && err.contains("13"), "{err}");
    assert_eq!(datasets(&s), before, "the refused downgrade left a dataset");
    assert_eq!(containers(&s), containers_before);
    assert!(!branch_names(&s).contains(&"down".to_string()));
}

/// grep -r for `needle` in a dataset's files; the matching files.
fn grep_files(ds: &str, needle: &str) -> String {
    let mp = mountpoint(ds);
    assert!(mp.starts_with('/'), "{ds} has mountpoint {mp}");
    assert!(
        Path::new(&mp).join("PG_VERSION").exists()
            || Path::new(&mp).read_dir().unwrap().count() > 0,
        "{mp} is empty: not mounted?"
    );
    let o = sh(&format!("grep -r -a -l -F '{needle}' '{mp}'"));
    match o.status.code() {
        Some(0) => text(&o.stdout),
        Some(1) => String::new(),
        c => panic!("grep in {mp} failed ({c:?}): {}", text(&o.stderr)),
    }
}

/// Test 4: --scrub: the unscrubbed values are gone from SQL and from the files,
/// of the branch, a branch of it and its import snapshot.
#[test]
fn import_scrubbed() {
    let _t = Timed::start("import_scrubbed");
    let pw = "ScrubPw-3nWv7";
    let src = SourcePg::with_fixture("scrub", 17, 45504, pw, 100_000);
    let dir = TempDir::new("scrub");
    let mask = dir.0.join("mask.sql");
    std::fs::write(
        &mask,
        "UPDATE public.users SET email = 'user' || id || '@masked.invalid';\n",
    )
    .unwrap();
    let s = TestStore::new("imp-scrub", 43720);
    s.init(17);
    // The files hold the value before the import (a sanity check of grep).
    let src_hits = sh(&format!(
        "docker exec {} sh -c \"grep -r -a -l -F secret.example /d | head -1\"",
        src.name
    ));
    assert!(
        !text(&src_hits.stdout).trim().is_empty(),
        "grep finds nothing even in the source's files"
    );

    let t = Instant::now();
    ok_pw(
        &s,
        &[
            "import",
            &src.url("app"),
            "masked",
            "-j",
            "2",
            "--scrub",
            mask.to_str().unwrap(),
        ],
        pw,
    );
    eprintln!("scrubbed import: {:.1}s", t.elapsed().as_secs_f64());
    let count = "SELECT count(*) FILTER (WHERE email LIKE '%secret.example%') || ' ' || \
                 count(*) FILTER (WHERE email LIKE '%@masked.invalid') FROM public.users";
    assert_eq!(s.sql("masked", count), "0 100000");
    // The rest is the source's.
    let orders =
        "SELECT md5(string_agg(t::text, ',' ORDER BY t::text COLLATE \"C\")) FROM sales.orders t";
    assert_eq!(s.sql("masked", orders), src.psql("app", orders));
    let snap = import_snapshot(&s, "masked");
    s.ok(&["branch", "masked-b", "masked"]);
    assert_eq!(s.sql("masked-b", count), "0 100000");
    s.ok(&["branch", "from-snap", &snap]);
    assert_eq!(s.sql("from-snap", count), "0 100000");

    s.ok(&["stop", "masked", "masked-b", "from-snap"]);
    for b in ["masked", "masked-b", "from-snap"] {
        let ds = branch_dataset(&s, b);
        let hits = grep_files(&ds, "secret.example");
        assert!(
            hits.is_empty(),
            "unscrubbed value in the files of {b} ({ds}):\n{hits}"
        );
    }
}

/// Test 5: refresh: the root gets the source's new rows; a branch of the old
/// data keeps its own (and keeps running); log marks the old snapshots;
/// reset moves a branch to the new data; gc frees the unused generation.
#[test]
fn refresh_keeps_branches_of_old_data() {
    let _t = Timed::start("refresh_keeps_branches_of_old_data");
    let pw = "RefreshPw-9fHt4";
    let src = SourcePg::with_fixture("refresh", 17, 45505, pw, 100_000);
    let s = TestStore::new("imp-refresh", 43760);
    s.init(17);
    ok_pw(&s, &["import", &src.url("app"), "-j", "1"], pw);
    s.ok(&["branch", "b", "app"]);
    s.ok(&["branch", "c", "app"]);
    s.sql(
        "b",
        "INSERT INTO sales.orders (user_id, amount, day) VALUES (1, 1.00, '2030-01-01')",
    );
    let b_data = s.sql("b", CHECKSUM);
    let b_container = sh_ok(&format!(
        "docker ps -q --no-trunc --filter label=io.stagdb.store={} --filter label=io.stagdb.branch=b",
        s.dataset
    ));
    assert!(!b_container.trim().is_empty());

    src.psql(
        "app",
        "INSERT INTO public.users (email) SELECT 'new' || g || '@secret.example' FROM generate_series(1, 500) g",
    );
    let expected = src.checksum();
    assert!(expected.starts_with("100500 |"), "{expected}");

    let t = Instant::now();
    let out = s
        .cmd(&["--json", "refresh", "app"])
        .env("PGPASSWORD", pw)
        .output()
        .unwrap();
    let stdout = assert_ok("stagdb refresh app", &out);
    eprintln!("refresh: {:.1}s", t.elapsed().as_secs_f64());
    let res: serde_json::Value = serde_json::from_str(&stdout)
        .unwrap_or_else(|e| panic!("refresh printed invalid JSON ({e}):\n{stdout}"));
    assert!(res["old_generation"].is_string(), "{res:#}");
    let names: Vec<&str> = res["phases"]
        .as_array()
        .expect("phases")
        .iter()
        .filter_map(|p| p["name"].as_str())
        .collect();
    assert_eq!(names.first(), Some(&"preflight"), "{res:#}");
    assert!(
        names.ends_with(&["switch", "snapshot"]) && names.contains(&"restore"),
        "{res:#}"
    );

    assert_imported(&s, "app", &expected);
    // The root now lives at a generation dataset; a command about it still
    // reads only that branch (the store root's hint names the dataset),
    // never the whole store, and completion finds its snapshots.
    let verbose = s.run(&["-v", "url", "app"]);
    let trace = String::from_utf8_lossy(&verbose.stderr);
    assert!(
        trace.contains(":g")
            && !trace
                .lines()
                .any(|l| l.contains(" get -r ") && l.ends_with(&format!(" {}", s.dataset))),
        "url of the refreshed root read the whole store:\n{trace}"
    );
    let completed = Command::new(common::bin())
        .args(["--", "stagdb", "log", "app@import"])
        .env("STAGDB_STORE", &s.dataset)
        .env("STAGDB_CONFIG", "/nonexistent/stagdb-test-config.toml")
        .env("COMPLETE", "bash")
        .env("_CLAP_COMPLETE_INDEX", "2")
        .output()
        .unwrap();
    let completed = String::from_utf8_lossy(&completed.stdout);
    assert!(
        completed.lines().any(|l| l.starts_with("app@import-")),
        "completion of app@import: {completed}"
    );
    // A damaged hint costs only speed: the url is still right.
    let good_url = s.ok(&["url", "app"]);
    let hints = sh_ok(&format!(
        "zfs get -H -s local -o property all {} | grep '^stagdb:gen:'",
        s.dataset
    ));
    let hint = hints.trim();
    assert_eq!(hints.lines().count(), 1, "{hints}");
    for bad in ["app:g1", "junk/x", "../app:g1"] {
        sh_ok(&format!("zfs set {hint}={bad} {}", s.dataset));
        assert_eq!(s.ok(&["url", "app"]), good_url);
    }
    sh_ok(&format!("zfs inherit {hint} {}", s.dataset));
    assert_eq!(s.ok(&["url", "app"]), good_url);
    // The next refresh replaces the hint's entry (and frees the unused g1).
    let quiet = ok_pw_err(&s, &["-q", "refresh", "app", "-j", "1"], pw);
    assert!(
        finished_phases(&quiet).ends_with(&["switch".to_string(), "snapshot".to_string()]),
        "{quiet}"
    );
    let trace = String::from_utf8_lossy(&s.run(&["-v", "url", "app"]).stderr).to_string();
    assert!(
        !trace
            .lines()
            .any(|l| l.contains(" get -r ") && l.ends_with(&format!(" {}", s.dataset))),
        "{trace}"
    );
    // b: its own data, the same container (never restarted).
    assert_eq!(s.sql("b", CHECKSUM), b_data);
    let b_after = sh_ok(&format!(
        "docker ps -q --no-trunc --filter label=io.stagdb.store={} --filter label=io.stagdb.branch=b",
        s.dataset
    ));
    assert_eq!(
        b_after, b_container,
        "b's container was replaced or stopped"
    );

    let log = s.json(&["log", "app"]);
    let entries = log.as_array().unwrap();
    assert!(entries.len() >= 2, "{log:#}");
    assert!(
        entries[0]["message"]
            .as_str()
            .unwrap()
            .starts_with("refresh"),
        "{log:#}"
    );
    assert_eq!(entries[0]["retired"], false, "{log:#}");
    for e in &entries[1..] {
        assert_eq!(
            e["retired"], true,
            "older entry not marked retired: {log:#}"
        );
    }
    let human = s.ok(&["log", "app"]);
    assert!(human.contains("(old data)"), "{human}");

    // c moves to the new data.
    s.ok(&["-y", "reset", "c", "--to", "app"]);
    assert_eq!(s.sql("c", CHECKSUM), expected);

    // Once b is gone, no branch uses the old data: gc frees it.
    s.ok(&["rm", "-y", "b"]);
    let gc = s.json(&["gc"]);
    let removed = gc["removed_generations"].as_array().unwrap();
    assert_eq!(removed.len(), 1, "{gc:#}");
    let retired = sh_ok(&format!(
        "zfs get -H -o name,value,source -r stagdb:retired {}",
        s.dataset
    ));
    let left: Vec<&str> = retired.lines().filter(|l| l.ends_with("\tlocal")).collect();
    assert!(left.is_empty(), "retired data left:\n{}", left.join("\n"));
    let names = datasets(&s);
    assert!(
        !names.iter().any(|n| n == removed[0].as_str().unwrap()),
        "{names:?}"
    );
    assert_imported(&s, "app", &expected);
    assert_eq!(s.sql("c", CHECKSUM), expected);
    let doctor = s.run(&["doctor"]);
    assert_ok("stagdb doctor", &doctor);
}

/// `stagdb ARGS` with no source password in the environment (no
/// PGPASSWORD, HOME without a .pgpass) and ENV added.
fn run_no_pw(s: &TestStore, args: &[&str], home: &Path, env: &[(&str, &str)]) -> Output {
    let mut c = s.cmd(args);
    c.env_remove("PGPASSWORD")
        .env_remove("PGPASSFILE")
        .env_remove("STAGDB_SOURCE_PASSWORD_FILE")
        .env("HOME", home);
    for (k, v) in env {
        c.env(k, v);
    }
    c.output().expect("run stagdb")
}

/// Issue 17 item 9: the source password from --password-file or
/// STAGDB_SOURCE_PASSWORD_FILE; the file's path is recorded (never the
/// password) and refresh reads it again after a rotation.
#[test]
fn import_source_password_file() {
    let _t = Timed::start("import_source_password_file");
    let (pw1, pw2) = ("FilePw-1-a7Kq", "FilePw-2-Zq8m");
    let src = SourcePg::with_fixture("pwfile", 17, 46231, pw1, 100);
    let s = TestStore::new("h4-pwfile", 46201);
    s.init(17);
    let tmp = TempDir::new("h4-pwfile");
    let file = tmp.0.join("source.pw");
    std::fs::write(&file, format!("{pw1}\n")).unwrap();
    let f = file.display().to_string();

    let out = run_no_pw(
        &s,
        &[
            "import",
            &src.url("app"),
            "app",
            "-j",
            "1",
            "--password-file",
            &f,
        ],
        &tmp.0,
        &[],
    );
    assert_ok("import --password-file", &out);
    assert_imported(&s, "app", &src.checksum());
    let recorded = sh_ok(&format!(
        "zfs get -H -o value -r stagdb:source {}",
        s.dataset
    ));
    assert!(recorded.contains(&f), "{recorded}");
    assert!(!recorded.contains(pw1), "{recorded}");

    // The secret rotates: the file gets the new one, refresh reads it.
    src.psql("postgres", &format!("ALTER ROLE postgres PASSWORD '{pw2}'"));
    src.psql(
        "app",
        "INSERT INTO public.users (email) VALUES ('late@x.example')",
    );
    std::fs::write(&file, format!("{pw2}\r\n")).unwrap();
    let out = run_no_pw(&s, &["refresh", "app", "-j", "1"], &tmp.0, &[]);
    assert_ok("refresh after rotation", &out);
    assert_imported(&s, "app", &src.checksum());

    // The environment variable, the _FILE convention.
    let out = run_no_pw(
        &s,
        &["import", &src.url("app"), "viaenv", "-j", "1"],
        &tmp.0,
        &[("STAGDB_SOURCE_PASSWORD_FILE", &f)],
    );
    assert_ok("import with STAGDB_SOURCE_PASSWORD_FILE", &out);

    // The file gone: refresh names it, says nothing else of it.
    std::fs::remove_file(&file).unwrap();
    let out = run_no_pw(&s, &["refresh", "app", "-j", "1"], &tmp.0, &[]);
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains(&f) && err.contains("--password-file"), "{err}");
    assert!(!err.contains(pw1) && !err.contains(pw2), "{err}");
    // A dump needs none: a usage error, not a silent ignore.
    let out = run_no_pw(
        &s,
        &["import", "/etc/hostname", "x", "--password-file", &f],
        &tmp.0,
        &[],
    );
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
}

/// Issue 17 item 10: a source on a Unix socket in a non-default directory
/// with password authentication on local connections (PGPASSWORD, then a
/// ~/.pgpass line naming the directory, as libpq wants).
#[test]
fn import_socket_source_with_password() {
    let _t = Timed::start("import_socket_source_with_password");
    require_image(17);
    let pw = "SockPw-4hGt2";
    let s = TestStore::new("h4-socket", 46241);
    s.init(17);
    let tmp = TempDir::new("h4-socket");
    let dir = tmp.0.join("sock");
    std::fs::create_dir_all(&dir).unwrap();
    sh_ok(&format!("chmod 777 {} {}", tmp.0.display(), dir.display()));
    let d = dir.display().to_string();
    let name = "stagdb-itest-import-src-h4-socket";
    let _ = sh(&format!("docker rm -f -v {name} >/dev/null 2>&1"));
    struct Rm(&'static str);
    impl Drop for Rm {
        fn drop(&mut self) {
            let _ = sh(&format!("docker rm -f -v {} >/dev/null 2>&1", self.0));
        }
    }
    let _rm = Rm(name);
    let script = r#"set -e
mkdir -p /d && chown postgres /d
printf '%s' "$PW" > /tmp/pw; chown postgres /tmp/pw
runuser -u postgres -- initdb -D /d -U postgres --pwfile=/tmp/pw --auth-local=scram-sha-256 --auth-host=scram-sha-256 >/dev/null
rm -f /tmp/pw
exec runuser -u postgres -- postgres -D /d -c listen_addresses= -c port=46236 -c unix_socket_directories="$SOCK""#;
    let out = Command::new("docker")
        .args(["run", "-d", "--name", name, "-v", &format!("{d}:{d}")])
        .args(["-e", &format!("PW={pw}"), "-e", &format!("SOCK={d}")])
        .args(["--user", "root", "--entrypoint", "", &image(17)])
        .args(["bash", "-c", script])
        .output()
        .unwrap();
    assert_ok("docker run socket source", &out);
    let conn = format!("host={d} port=46236 user=postgres dbname=postgres");
    let start = Instant::now();
    while !Command::new("psql")
        .args(["-X", "-A", "-t", "-d", &format!("{conn} password={pw}")])
        .args(["-c", "CREATE TABLE IF NOT EXISTS t AS SELECT 42 AS x"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|st| st.success())
    {
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "socket source never came up"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    let out = run_no_pw(
        &s,
        &["import", &conn, "bypw", "-j", "1"],
        &tmp.0,
        &[("PGPASSWORD", pw)],
    );
    assert_ok("import of a socket source with PGPASSWORD", &out);
    assert_eq!(s.sql("bypw", "SELECT x FROM t").trim(), "42");
    // ~/.pgpass names the socket directory (a `localhost` line would not
    // match it in libpq).
    let pgpass = tmp.0.join(".pgpass");
    std::fs::write(&pgpass, format!("{d}:46236:*:postgres:{pw}\n")).unwrap();
    sh_ok(&format!("chmod 600 {}", pgpass.display()));
    let out = run_no_pw(&s, &["import", &conn, "bypgpass", "-j", "1"], &tmp.0, &[]);
    assert_ok("import of a socket source with ~/.pgpass", &out);
    assert_eq!(s.sql("bypgpass", "SELECT x FROM t").trim(), "42");
}

/// Password file directories in DIR (`stagdb-pgpass-*`).
fn pgpass_dirs(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.path().display().to_string())
        .filter(|p| p.contains("/stagdb-pgpass-"))
        .collect();
    v.sort();
    v
}

/// Issue 17 item 6: an import SIGKILLed at seeded random points of its
/// load leaves its password file; status reports it (code
/// leftover-password-file), doctor --dry-run lists its removal, doctor
/// --fix and gc remove it, and the source password is nowhere in the
/// temporary directory after.
#[test]
fn killed_import_password_file_reported_and_removed() {
    let _t = Timed::start("killed_import_password_file_reported_and_removed");
    let pw = "LeftPw-8Hq2xZ";
    let src = SourcePg::with_fixture("h4-killpw", 17, 46291, pw, 1000);
    src.psql(
        "app",
        "CREATE TABLE public.big AS SELECT g AS id, md5(g::text) AS pad FROM generate_series(1, 400000) g",
    );
    let s = TestStore::new("h4-killpw", 46261);
    s.init(17);
    let tmp = TempDir::new("h4-killpw");
    let t = tmp.0.display().to_string();
    let seed = std::env::var("STAGDB_FAULT_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| std::process::id() as u64);
    eprintln!("seed {seed} (STAGDB_FAULT_SEED={seed} replays it)");
    let with_tmp = |args: &[&str]| -> Output {
        s.cmd(args)
            .env("TMPDIR", &tmp.0)
            .env("PGPASSWORD", pw)
            .output()
            .unwrap()
    };
    for trial in 0..3u64 {
        let delay = (seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(trial * 1442695040888963407)
            >> 33)
            % 1500;
        let mut child = s
            .cmd(&["import", &src.url("app"), "big", "-j", "1"])
            .env("TMPDIR", &tmp.0)
            .env("PGPASSWORD", pw)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stderr = child.stderr.take().unwrap();
        let (tx, rx) = std::sync::mpsc::channel::<()>();
        let reader = std::thread::spawn(move || {
            for l in BufReader::new(stderr).lines() {
                let Ok(l) = l else { break };
                if l.contains("dump and restore")
                    || l.contains("restoring")
                    || l.contains("loading")
                {
                    let _ = tx.send(());
                }
            }
        });
        assert!(
            rx.recv_timeout(Duration::from_secs(60)).is_ok(),
            "the load never started"
        );
        std::thread::sleep(Duration::from_millis(delay));
        let killed = child.try_wait().unwrap().is_none();
        assert!(
            killed,
            "trial {trial} (seed {seed}): the import ended before {delay} ms"
        );
        sh_ok(&format!("kill -KILL {}", child.id()));
        child.wait().unwrap();
        reader.join().unwrap();
        let left = pgpass_dirs(&tmp.0);
        assert!(
            !left.is_empty(),
            "trial {trial} (seed {seed}, {delay} ms): no password file left: the test proves nothing"
        );
        // status reports exactly what is there.
        let st = with_tmp(&["--json", "status"]);
        let st: serde_json::Value = serde_json::from_slice(&st.stdout).unwrap();
        let mut reported: Vec<String> = st["details"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|p| p["code"] == "leftover-password-file")
            .map(|p| p["fix"]["path"].as_str().unwrap().to_string())
            .collect();
        reported.sort();
        assert_eq!(reported, left, "trial {trial}: {st:#}");
        let dry = text(&with_tmp(&["doctor", "--fix", "--dry-run"]).stdout)
            + &text(&with_tmp(&["doctor", "--fix", "--dry-run"]).stderr);
        assert!(
            dry.contains(&left[0]),
            "doctor --dry-run does not list it:\n{dry}"
        );
        assert_eq!(pgpass_dirs(&tmp.0), left, "a dry run removed something");
        if trial % 2 == 0 {
            assert_ok("doctor --fix", &with_tmp(&["doctor", "--fix"]));
        } else {
            // gc goes first for the password; the half-made branch may
            // still be busy (the killed import's job runs until doctor
            // removes it), which fails gc after that.
            let gc = with_tmp(&["gc"]);
            let err = text(&gc.stderr);
            assert!(err.contains(&left[0]), "{err}");
            assert!(gc.status.success() || err.contains("busy"), "{err}");
            assert_ok("doctor --fix", &with_tmp(&["doctor", "--fix"]));
        }
        assert_eq!(pgpass_dirs(&tmp.0), Vec::<String>::new(), "trial {trial}");
        let grep = sh(&format!("grep -rl -- '{pw}' {t}"));
        assert!(
            grep.stdout.is_empty(),
            "the source password is still in {t}: {}",
            text(&grep.stdout)
        );
    }
    // Any other command sweeps them silently; a symlink or a file under
    // such a name is not stagdb's and stays.
    let fake = tmp.0.join("stagdb-pgpass-999999999-1-0");
    std::fs::create_dir(&fake).unwrap();
    std::fs::write(fake.join("pgpass"), "h:1:*:u:x\n").unwrap();
    let victim = tmp.0.join("victim");
    std::fs::create_dir(&victim).unwrap();
    std::fs::write(victim.join("keep"), "x").unwrap();
    std::os::unix::fs::symlink(&victim, tmp.0.join("stagdb-pgpass-999999998-1-0")).unwrap();
    std::fs::write(tmp.0.join("stagdb-pgpass-999999997-1-0"), "x").unwrap();
    let st = text(&with_tmp(&["status"]).stdout);
    assert!(st.contains(&fake.display().to_string()), "{st}");
    assert!(
        !st.contains("999999998") && !st.contains("999999997"),
        "{st}"
    );
    assert_ok("branch", &with_tmp(&["branch"]));
    assert!(!fake.exists(), "not swept by the next command");
    assert!(victim.join("keep").exists() && tmp.0.join("stagdb-pgpass-999999997-1-0").exists());
}

/// Installs extension `h4fake` (one SQL function) in the source
/// container only: the stagdb-test images lack it.
fn install_fake_extension(src: &SourcePg, major: u32) {
    sh_ok(&format!(
        "docker exec -u root {} bash -c \"d=/usr/share/postgresql/{major}/extension; \
         printf \\\"comment = 'h4'\\ndefault_version = '1.0'\\nrelocatable = true\\n\\\" > \\$d/h4fake.control; \
         echo 'CREATE FUNCTION h4fake_one() RETURNS int LANGUAGE sql AS \\$\\$SELECT 1\\$\\$;' > \\$d/h4fake--1.0.sql\"",
        src.name
    ));
}

/// Issue 17 item 11: extensions the image lacks are found in the
/// preflight (every database with --all-databases, archive and plain dump
/// files), --dry-run names them, the import stops before loading anything,
/// and --skip-missing-extensions really skips them (archives).
#[test]
fn import_missing_extensions_found_first() {
    let _t = Timed::start("import_missing_extensions_found_first");
    let pw = "ExtPw-5tYq1";
    let src = SourcePg::with_fixture("h4-ext", 17, 46351, pw, 100);
    install_fake_extension(&src, 17);
    src.psql("postgres", "CREATE DATABASE other");
    src.psql("other", "CREATE EXTENSION h4fake");
    let s = TestStore::new("h4-ext", 46321);
    s.init(17);
    let before = datasets(&s);

    // The third database needs it: said by the dry run, refused first.
    let dry = ok_pw(
        &s,
        &[
            "import",
            &src.url("app"),
            "all",
            "--all-databases",
            "-j",
            "1",
            "--dry-run",
        ],
        pw,
    );
    assert!(
        dry.contains("missing in image") && dry.contains("h4fake"),
        "{dry}"
    );
    let out = s
        .cmd(&[
            "import",
            &src.url("app"),
            "all",
            "--all-databases",
            "-j",
            "1",
        ])
        .env("PGPASSWORD", pw)
        .output()
        .unwrap();
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("h4fake") && err.contains("--skip-missing-extensions"),
        "{err}"
    );
    // Refused in the preflight: no phase after it ran.
    assert!(
        !err.contains("dump") && !err.contains("initdb"),
        "it loaded before refusing:\n{err}"
    );
    assert_eq!(datasets(&s), before);

    // Dump files: custom (its table of contents) and plain.
    src.psql("app", "CREATE EXTENSION h4fake");
    let tmp = TempDir::new("h4-ext");
    let custom = src.dump(
        "pg_dump -Fc -U postgres -h /tmp -f /tmp/app.dump app",
        "app.dump",
        &tmp.0,
    );
    let plain = src.dump(
        "pg_dump -Fp -U postgres -h /tmp -f /tmp/app.sql app",
        "app.sql",
        &tmp.0,
    );
    for f in [&custom, &plain] {
        let f = f.display().to_string();
        let dry = s.ok(&["import", &f, "fromdump", "--dry-run"]);
        assert!(
            dry.contains("missing in image") && dry.contains("h4fake"),
            "{f}: {dry}"
        );
        let out = s.run(&["import", &f, "fromdump"]);
        let err = text(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{f}: {err}");
        assert!(err.contains("h4fake"), "{f}: {err}");
        assert_eq!(datasets(&s), before, "{f}");
    }
    // Skipped for real: the archive loads without it.
    let c = custom.display().to_string();
    let out = s.run(&[
        "import",
        &c,
        "skipped",
        "--skip-missing-extensions",
        "-j",
        "1",
    ]);
    assert_ok("import --skip-missing-extensions", &out);
    assert!(
        text(&out.stderr).contains("h4fake"),
        "{}",
        text(&out.stderr)
    );
    assert_eq!(
        s.sql("skipped", "SELECT count(*) FROM public.users").trim(),
        "100"
    );
    assert_eq!(
        s.sql(
            "skipped",
            "SELECT count(*) FROM pg_extension WHERE extname = 'h4fake'"
        )
        .trim(),
        "0"
    );
    // And for the plain dump and the live source streamed with -j 1 (both
    // through psql, whose CREATE EXTENSION failed the restore before).
    let p = plain.display().to_string();
    let url = src.url("app");
    for (source, name) in [(&p, "skipped-plain"), (&url, "skipped-live")] {
        let out = s
            .cmd(&[
                "import",
                source,
                name,
                "--skip-missing-extensions",
                "-j",
                "1",
            ])
            .env("PGPASSWORD", pw)
            .output()
            .unwrap();
        assert_ok(name, &out);
        assert_eq!(
            s.sql(name, "SELECT count(*) FROM public.users").trim(),
            "100",
            "{name}"
        );
        assert_eq!(
            s.sql(
                name,
                "SELECT count(*) FROM pg_extension WHERE extname = 'h4fake'"
            )
            .trim(),
            "0",
            "{name}"
        );
    }
}

/// An import of a big source, caught in its restore: the child, and the
/// thread collecting its stderr. Panics if it ends before it can be hit.
fn import_in_restore(
    s: &TestStore,
    src: &SourcePg,
    pw: &str,
) -> (std::process::Child, std::thread::JoinHandle<String>) {
    src.psql(
        "app",
        "CREATE TABLE public.big AS SELECT g AS id, md5(g::text) AS pad FROM generate_series(1, 1200000) g",
    );
    let mut child = s
        .cmd(&["import", &src.url("app"), "big", "-j", "2"])
        .env("PGPASSWORD", pw)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel::<()>();
    let reader = std::thread::spawn(move || {
        let mut all = Vec::new();
        for l in BufReader::new(stderr).lines() {
            let Ok(l) = l else { break };
            if l.contains("loading") || l.contains("restoring") {
                let _ = tx.send(());
            }
            all.push(l);
        }
        all.join("\n")
    });
    let started = Instant::now();
    assert!(
        rx.recv_timeout(Duration::from_secs(60)).is_ok(),
        "stderr never said the restore started"
    );
    // Into the restore itself.
    std::thread::sleep(Duration::from_millis(600));
    assert!(
        child.try_wait().unwrap().is_none(),
        "the import finished before it could be interrupted ({:.1}s); make the source bigger",
        started.elapsed().as_secs_f64()
    );
    (child, reader)
}

/// Test 6: An interrupted import leaves nothing behind.
#[test]
fn interrupted_import_leaves_nothing() {
    let _t = Timed::start("interrupted_import_leaves_nothing");
    let pw = "IntrPw-6cRm2";
    let src = SourcePg::with_fixture("interrupt", 17, 45506, pw, 20_000);
    let s = TestStore::new("imp-interrupt", 43800);
    s.init(17);
    let before = datasets(&s);
    let containers_before = containers(&s);

    let (mut child, reader) = import_in_restore(&s, &src, pw);
    let kill = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(kill.success());
    let t = Instant::now();
    let status = child.wait().unwrap();
    let err = reader.join().unwrap();
    eprintln!(
        "interrupted; exited {:.1}s later",
        t.elapsed().as_secs_f64()
    );
    assert!(
        status.code().is_some_and(|c| c != 0),
        "interrupted import exited {status:?}:\n{err}"
    );

    assert_eq!(datasets(&s), before, "datasets left behind:\n{err}");
    assert_eq!(
        datasets(&s),
        vec![s.dataset.clone(), format!("{}/main", s.dataset)]
    );
    assert_eq!(
        containers(&s),
        containers_before,
        "containers left behind:\n{err}"
    );
    for c in containers(&s) {
        assert!(c.starts_with("main "), "container of something else: {c}");
    }
    assert_eq!(branch_names(&s), vec!["main"]);
    let doctor = s.run(&["doctor"]);
    assert_ok("stagdb doctor after the interrupted import", &doctor);
}

/// Test 6b: An import killed with SIGKILL mid-restore (no rollback runs): its
/// half-made branch, scratch dataset, loading server and job containers
/// are all found and removed by `doctor --fix`, and the same import then
/// succeeds.
#[test]
fn killed_import_is_cleaned_by_doctor() {
    let _t = Timed::start("killed_import_is_cleaned_by_doctor");
    let pw = "KillPw-3nQx8";
    let src = SourcePg::with_fixture("killed", 17, 45509, pw, 20_000);
    let s = TestStore::new("imp-killed", 43920);
    s.init(17);
    let (mut child, reader) = import_in_restore(&s, &src, pw);
    assert!(
        Command::new("kill")
            .args(["-KILL", &child.id().to_string()])
            .status()
            .unwrap()
            .success()
    );
    let status = child.wait().unwrap();
    let _err = reader.join().unwrap();
    assert!(status.code().is_none(), "not killed: {status:?}");
    // Something was left (else the test proves nothing), and doctor sees it.
    assert!(
        datasets(&s).len() > 2,
        "nothing left after SIGKILL: {:?}",
        datasets(&s)
    );
    let doctor = s.run(&["doctor"]);
    assert_eq!(
        doctor.status.code(),
        Some(1),
        "doctor saw no problem:\n{}",
        text(&doctor.stdout)
    );
    assert_ok("stagdb doctor --fix", &s.run(&["doctor", "--fix"]));
    assert_eq!(
        datasets(&s),
        vec![s.dataset.clone(), format!("{}/main", s.dataset)],
        "left after doctor --fix"
    );
    for c in containers(&s) {
        assert!(
            c.starts_with("main "),
            "container left after doctor --fix: {c}"
        );
    }
    // No password file of the killed process survives the next job.
    ok_pw(&s, &["import", &src.url("app"), "big", "-j", "1"], pw);
    assert_eq!(branch_names(&s), vec!["big", "main"]);

    let leaked = std::fs::read_dir(std::env::temp_dir())
        .unwrap()
        .flatten()
        .filter(|e| {
            e.file_name()
                .to_string_lossy()
                .starts_with("stagdb-pgpass-")
        })
        .filter(|e| std::fs::read_to_string(e.path().join("pgpass")).is_ok_and(|c| c.contains(pw)))
        .count();
    assert_eq!(leaked, 0, "a password file of the killed import survived");

    // Killed while the data loaded in memory is copied into the dataset:
    // the loading server goes on copying on its own; doctor --fix stops
    // it (freeing its memory) and removes the half-made branch.
    let mut child = s
        .cmd(&[
            "import",
            &src.url("app"),
            "copied",
            "-j",
            "1",
            "--load-in",
            "memory",
        ])
        .env("PGPASSWORD", pw)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut said = Vec::new();
    for l in BufReader::new(child.stderr.take().unwrap()).lines() {
        let Ok(l) = l else { break };
        let copying = l.contains("writing the loaded data into");
        said.push(l);
        if copying {
            break;
        }
    }
    let _ = Command::new("kill")
        .args(["-KILL", &child.id().to_string()])
        .status();
    let status = child.wait().unwrap();
    assert!(
        status.code().is_none(),
        "ended before its copy could be hit: {status:?}\n{}",
        said.join("\n")
    );
    assert!(
        datasets(&s).iter().any(|d| d.ends_with("/copied")),
        "{:?}",
        datasets(&s)
    );
    assert_ok("stagdb doctor --fix", &s.run(&["doctor", "--fix"]));
    assert_eq!(branch_names(&s), vec!["big", "main"]);
    assert!(
        !datasets(&s).iter().any(|d| d.ends_with("/copied")),
        "{:?}",
        datasets(&s)
    );
    for c in containers(&s) {
        assert!(
            c.starts_with("main ") || c.starts_with("big "),
            "container left after doctor --fix: {c}"
        );
    }
}

/// Test 9: a physical import (pg_basebackup) comes up as a primary of its
/// own with stagdb's password only; --physical refuses another major and a
/// role without REPLICATION; --all-databases --roles copies every database
/// and the roles (tamed), keeping owners and grants.
#[test]
fn import_physical_and_all_databases() {
    let _t = Timed::start("import_physical_and_all_databases");
    let pw = "PhysPw-8kLq2";
    let src = SourcePg::with_fixture("phys", 15, 45510, pw, 20_000);
    src.psql("postgres", "CREATE DATABASE other");
    src.psql(
        "other",
        "CREATE ROLE reader; CREATE TABLE o (a int); INSERT INTO o VALUES (7); GRANT SELECT ON o TO reader",
    );
    src.psql("postgres", "CREATE ROLE boss SUPERUSER REPLICATION LOGIN PASSWORD 'bosspw'; CREATE ROLE norepl LOGIN PASSWORD 'noreplpw'");
    let expected = src.checksum();
    let s = TestStore::new("imp-phys", 43960);
    s.init(15);

    // Physical.
    ok_pw(&s, &["import", "--physical", &src.url("app"), "phys"], pw);
    assert_eq!(s.sql("phys", CHECKSUM), expected);
    assert_eq!(s.sql("phys", "SELECT pg_is_in_recovery()"), "f");
    assert_eq!(s.sql("phys", "SHOW fsync"), "on");
    assert_eq!(
        s.sql(
            "phys",
            "SELECT string_agg(rolname, ',') FROM pg_authid WHERE rolpassword IS NOT NULL"
        ),
        "postgres",
        "only stagdb's password may be set"
    );
    assert!(s.ok(&["url", "phys"]).trim().ends_with("/app"));
    let mp = mountpoint(&branch_dataset(&s, "phys"));
    let pgdata = Path::new(&mp).join("pgdata");
    for f in ["standby.signal", "recovery.signal"] {
        assert!(!pgdata.join(f).exists(), "{f} left in the copy");
    }
    let auto = std::fs::read_to_string(pgdata.join("postgresql.auto.conf")).unwrap_or_default();
    assert!(!auto.contains("primary_conninfo"), "{auto}");
    // The source's own password does not open the copy.
    let port = s
        .ok(&["url", "phys"])
        .trim()
        .rsplit(':')
        .next()
        .unwrap()
        .split('/')
        .next()
        .unwrap()
        .to_string();
    let denied = Command::new("psql")
        .args([
            "-X",
            "-A",
            "-t",
            "-d",
            &format!("postgresql://postgres:{pw}@127.0.0.1:{port}/app"),
            "-c",
            "SELECT 1",
        ])
        .env("PGCONNECT_TIMEOUT", "5")
        .output()
        .unwrap();
    assert!(
        !denied.status.success(),
        "the source's password opened the copy"
    );
    let boss = Command::new("psql")
        .args([
            "-X",
            "-A",
            "-t",
            "-d",
            &format!("postgresql://boss:bosspw@127.0.0.1:{port}/app"),
            "-c",
            "SELECT 1",
        ])
        .env("PGCONNECT_TIMEOUT", "5")
        .output()
        .unwrap();
    assert!(
        !boss.status.success(),
        "a source role's password opened the copy"
    );
    // A branch of it works like any other.
    s.ok(&["branch", "phys-b", "phys"]);
    assert_eq!(s.sql("phys-b", CHECKSUM), expected);

    // Refusals.
    let other_major = s
        .cmd(&[
            "import",
            "--physical",
            "--pg-version",
            "17",
            &src.url("app"),
            "x",
        ])
        .env("PGPASSWORD", pw)
        .output()
        .unwrap();
    assert_eq!(
        other_major.status.code(),
        Some(2),
        "{}",
        text(&other_major.stderr)
    );
    let url_norepl = format!("postgresql://norepl@127.0.0.1:{}/app", src.port);
    let norepl = s
        .cmd(&["import", "--physical", &url_norepl, "x"])
        .env("PGPASSWORD", "noreplpw")
        .output()
        .unwrap();
    assert_eq!(norepl.status.code(), Some(1), "{}", text(&norepl.stderr));
    assert!(
        text(&norepl.stderr).contains("REPLICATION"),
        "{}",
        text(&norepl.stderr)
    );
    assert!(!branch_names(&s).contains(&"x".to_string()));

    // Every database, with the roles.
    ok_pw(
        &s,
        &[
            "import",
            "--all-databases",
            "--roles",
            &src.url("app"),
            "alldb",
        ],
        pw,
    );
    assert_eq!(s.sql("alldb", CHECKSUM), expected);
    assert!(s.ok(&["url", "alldb"]).trim().ends_with("/app"));
    let dbs = s.sql(
        "alldb",
        "SELECT string_agg(datname, ',' ORDER BY datname) FROM pg_database WHERE NOT datistemplate",
    );
    assert_eq!(dbs, "app,other,postgres");
    assert_eq!(
        s.sql("alldb", "SELECT string_agg(rolname || ':' || rolsuper || rolreplication, ',' ORDER BY rolname) FROM pg_roles WHERE rolname IN ('app_owner','reader','boss','norepl')"),
        "app_owner:falsefalse,boss:falsefalse,norepl:falsefalse,reader:falsefalse",
        "roles copied without superuser or replication"
    );
    assert_eq!(
        s.sql(
            "alldb",
            "SELECT count(*) FROM pg_authid WHERE rolpassword IS NOT NULL AND rolname <> 'postgres'"
        ),
        "0",
        "no role password copied"
    );
    assert_eq!(
        s.sql(
            "alldb",
            "SELECT tableowner FROM pg_tables WHERE tablename = 'orders'"
        ),
        "app_owner"
    );
    let other = s.ok(&[
        "psql",
        "alldb",
        "--db",
        "other",
        "--",
        "-X",
        "-A",
        "-t",
        "-c",
        "SELECT a, has_table_privilege('reader', 'o', 'SELECT') FROM o",
    ]);
    assert_eq!(other.trim(), "7|t");
}

/// Removes a quota on drop.
struct Quota(String);

impl Drop for Quota {
    fn drop(&mut self) {
        let _ = sh(&format!("zfs set quota=none {}", self.0));
    }
}

/// Test 7: The preflight refuses an import the pool has no room for.
#[test]
fn import_refused_when_pool_too_small() {
    let _t = Timed::start("import_refused_when_pool_too_small");
    let pw = "QuotaPw-2bYe5";
    let src = SourcePg::with_fixture("quota", 17, 45507, pw, 100_000);
    let s = TestStore::new("imp-quota", 43840);
    s.init(17);
    let used: u64 = s.zfs_get("used", &s.dataset).parse().unwrap();
    let size: u64 = src
        .psql("app", "SELECT pg_database_size('app')")
        .parse()
        .unwrap();
    assert!(size > 15 << 20, "source only {size} bytes");
    let quota = used + (5 << 20);
    let _q = Quota(s.dataset.clone());
    sh_ok(&format!("zfs set quota={quota} {}", s.dataset));
    let avail: u64 = s.zfs_get("available", &s.dataset).parse().unwrap();
    assert!(
        avail < size,
        "available {avail} not below source size {size}"
    );
    let before = datasets(&s);
    let containers_before = containers(&s);

    let out = s
        .cmd(&["import", &src.url("app"), "big", "-j", "1"])
        .env("PGPASSWORD", pw)
        .output()
        .unwrap();
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "not refused:\n{err}");
    assert!(err.contains("needs about") && err.contains("free"), "{err}");
    assert_eq!(datasets(&s), before, "the refused import left a dataset");
    assert_eq!(containers(&s), containers_before);
    assert_eq!(branch_names(&s), vec!["main"]);

    // Forced, and loaded in memory: the load succeeds, the copy into the
    // full pool fails, and nothing is left (nor any memory held).
    let out = s
        .cmd(&[
            "import",
            &src.url("app"),
            "big",
            "-j",
            "1",
            "--force",
            "--load-in",
            "memory",
        ])
        .env("PGPASSWORD", pw)
        .output()
        .unwrap();
    let err = text(&out.stderr);
    assert_eq!(
        out.status.code(),
        Some(1),
        "the forced import did not fail:\n{err}"
    );
    assert!(err.contains("its copy into the dataset failed"), "{err}");
    assert!(err.contains("free space"), "no hint:\n{err}");
    assert_eq!(datasets(&s), before, "the failed import left a dataset");
    assert_eq!(containers(&s), containers_before, "{err}");
    assert_eq!(branch_names(&s), vec!["main"]);
}

/// Test 8: export: a snapshot to a file, re-imported; a branch streamed into
/// `stagdb import -`.
#[test]
fn export_and_reimport() {
    let _t = Timed::start("export_and_reimport");
    let pw = "ExportPw-5tGq8";
    let src = SourcePg::with_fixture("export", 17, 45508, pw, 100_000);
    let expected = src.checksum();
    let dir = TempDir::new("export");
    let s = TestStore::new("imp-export", 43880);
    s.init(17);
    ok_pw(&s, &["import", &src.url("app"), "exp", "-j", "2"], pw);
    let snap = import_snapshot(&s, "exp");
    // The branch moves on; its import snapshot does not. (Not in
    // sales.orders: a restore refreshes the materialized view over it.)
    s.sql(
        "exp",
        "INSERT INTO public.users (email) VALUES ('late@example.org')",
    );
    let now = s.sql("exp", CHECKSUM);
    assert_ne!(now, expected);

    let before = datasets(&s);
    let containers_before = containers(&s);
    let file = dir.0.join("snap.dump");
    let t = Instant::now();
    s.ok(&["export", &snap, "-o", file.to_str().unwrap()]);
    eprintln!("export of {snap}: {:.1}s", t.elapsed().as_secs_f64());
    assert!(std::fs::metadata(&file).unwrap().len() > 1_000_000);
    assert_eq!(datasets(&s), before, "export left its temporary clone");
    assert_eq!(containers(&s), containers_before, "export left a container");
    s.ok(&["import", file.to_str().unwrap(), "reimp", "-j", "2"]);
    assert_imported(&s, "reimp", &expected);

    // stagdb export exp | stagdb import - streamed
    let t = Instant::now();
    let mut exp = s
        .cmd(&["export", "exp"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let imp = s
        .cmd(&["import", "-", "streamed"])
        .stdin(exp.stdout.take().unwrap())
        .output()
        .unwrap();
    let exp_out = exp.wait_with_output().unwrap();
    assert_ok("stagdb export exp", &exp_out);
    assert_ok("stagdb import - streamed", &imp);
    eprintln!("export | import: {:.1}s", t.elapsed().as_secs_f64());
    assert_imported(&s, "streamed", &now);
}
