//! Imports of dumps written by an attacker, and of plain dumps that are
//! broken or come through pipes (issue 17, items 5, 7, 12): a dump cannot
//! plant access in the imported root or its branches, psql commands are
//! refused, a truncated dump imports nothing, `--schema-only` works on
//! plain dumps, stagdb's own `export --all-databases --format plain`
//! imports, pipes and FIFOs stream, and `--scrub` leaves no original value
//! in the pool's file.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use common::TestStore;

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn sh(cmd: &str) -> Output {
    Command::new("sh")
        .arg("-c")
        .arg(cmd)
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("cannot run `{cmd}`: {e}"))
}

struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> TempDir {
        let d = std::env::temp_dir().join(format!("stagdb-h3-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        TempDir(d)
    }

    fn write(&self, name: &str, contents: &str) -> PathBuf {
        let p = self.0.join(name);
        std::fs::write(&p, contents).unwrap();
        p
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// psql with the host's client, without failing: (ok, stdout+stderr).
fn try_psql(url: &str, sql: &str) -> (bool, String) {
    let out = Command::new("psql")
        .args(["-X", "-q", "-A", "-t", "-d", url, "-c", sql])
        .env_remove("PGPASSWORD")
        .env("PGPASSFILE", "/nonexistent")
        .env("PGCONNECT_TIMEOUT", "10")
        .stdin(Stdio::null())
        .output()
        .expect("run psql");
    (
        out.status.success(),
        format!("{}{}", text(&out.stdout), text(&out.stderr)),
    )
}

/// A branch's URL with another user and password.
fn url_as(s: &TestStore, branch: &str, user: &str, password: &str) -> String {
    let url = s.ok(&["url", branch]).trim().to_string();
    let (_, rest) = url.rsplit_once('@').expect("url has credentials");
    let scheme = url.split("://").next().expect("scheme");
    format!("{scheme}://{user}:{password}@{rest}")
}

fn branch_names(s: &TestStore) -> Vec<String> {
    let mut v: Vec<String> = s.branch_rows().into_iter().map(|(n, _, _)| n).collect();
    v.sort();
    v
}

/// An attacker's plain SQL: rewrites pg_hba.conf (trust) and
/// postgresql.conf with COPY TO, mints a superuser, sets postgres's
/// password, turns on archiving with a command, preloads libraries, and
/// leaves a login event trigger.
const HOSTILE: &str = r#"CREATE TABLE public.t (a int);
INSERT INTO public.t VALUES (1);
DO $$BEGIN EXECUTE format('COPY (SELECT unnest(ARRAY[%L, %L])) TO %L', 'local all all trust', 'host all all all trust', current_setting('data_directory') || '/pg_hba.conf'); END$$;
ALTER SYSTEM SET hba_file = '/var/lib/stagdb/pgdata/pg_hba.conf';
DO $$BEGIN EXECUTE format('COPY (SELECT %L) TO %L', 'custom.planted = ''yes''', current_setting('config_file')); END$$;
SELECT pg_reload_conf();
SELECT pg_sleep(1);
CREATE TABLE public.loadwin (x text);
COPY public.loadwin FROM PROGRAM 'psql -X -w -h 127.0.0.1 -U postgres -d postgres -Atc "SELECT 42" 2>/dev/null || echo refused';
CREATE ROLE evil SUPERUSER LOGIN PASSWORD 'evilpw';
ALTER ROLE postgres PASSWORD 'knownpw';
ALTER SYSTEM SET archive_mode = 'on';
ALTER SYSTEM SET archive_command = 'touch /tmp/archived-h3';
ALTER SYSTEM SET shared_preload_libraries = 'auto_explain';
DO $$BEGIN EXECUTE format('ALTER DATABASE %I SET session_preload_libraries = %L', current_database(), 'auto_explain'); END$$;
ALTER ROLE evil SET session_preload_libraries = 'auto_explain';
CREATE FUNCTION public.on_login() RETURNS event_trigger LANGUAGE plpgsql AS $f$BEGIN RAISE NOTICE 'spy'; END$f$;
CREATE EVENT TRIGGER spy ON login EXECUTE FUNCTION public.on_login();
"#;

/// What the hostile dump must not have left in `branch`.
fn assert_no_planted_access(s: &TestStore, branch: &str) {
    assert_eq!(s.sql(branch, "SELECT count(*) FROM public.t"), "1");
    for (user, pw) in [
        ("postgres", "wrongpw"),
        ("postgres", "knownpw"),
        ("evil", "evilpw"),
        ("evil", "wrongpw"),
    ] {
        let (ok, out) = try_psql(&url_as(s, branch, user, pw), "SELECT 1");
        assert!(
            !ok,
            "{branch}: {user} logged in with password {pw:?}:\n{out}"
        );
    }
    assert_eq!(
        s.sql(
            branch,
            "SELECT rolsuper::text || ' ' || (rolpassword IS NULL)::text FROM pg_authid WHERE rolname = 'evil'"
        ),
        "false true"
    );
    let settings = s.sql(
        branch,
        "SELECT current_setting('archive_mode') || '|' || replace(current_setting('archive_command'), '(disabled)', '') || '|' || \
         current_setting('shared_preload_libraries') || '|' || current_setting('session_preload_libraries') || '|' || \
         coalesce(current_setting('custom.planted', true), 'none')",
    );
    assert_eq!(settings, "off||||none", "{branch}");
    assert_eq!(
        s.sql(
            branch,
            "SELECT count(*) FROM pg_db_role_setting WHERE array_to_string(setconfig, ',') LIKE '%preload%'"
        ),
        "0"
    );
    assert_eq!(
        s.sql(
            branch,
            "SELECT evtenabled FROM pg_event_trigger WHERE evtname = 'spy'"
        ),
        "D"
    );
}

#[test]
fn hostile_dump_plants_no_access() {
    let dir = TempDir::new("hostile");
    let dump = dir.write("hostile.sql", HOSTILE);
    let s = TestStore::new("h3-hostile", 45820);
    s.init(17);
    let out = s.run(&["import", dump.to_str().unwrap(), "evilroot"]);
    assert!(
        out.status.success(),
        "import of the hostile dump failed:\n{}",
        text(&out.stderr)
    );
    // Not even the loading server was open without a password while the
    // dump ran (its pg_hba.conf was rewritten and reloaded).
    assert_eq!(s.sql("evilroot", "SELECT x FROM public.loadwin"), "refused");
    assert_no_planted_access(&s, "evilroot");
    // A branch of it, and one made after a restart of the root.
    s.ok(&["branch", "evilkid", "evilroot"]);
    assert_no_planted_access(&s, "evilkid");
    s.ok(&["stop", "evilroot"]);
    s.ok(&["start", "evilroot"]);
    assert_no_planted_access(&s, "evilroot");
}

/// Plain dumps with psql commands: refused (nothing kept) unless
/// --allow-shell; then the command runs, in a job without capabilities.
#[test]
fn hostile_dump_shell_commands_refused() {
    let dir = TempDir::new("shell");
    let s = TestStore::new("h3-shell", 45860);
    s.init(17);
    for (i, sql) in [
        "CREATE TABLE t (a int);\n\\! touch /tmp/pwned-h3\n",
        "CREATE TABLE t (a int);\nSELECT 1; \\! touch /tmp/pwned-h3\n",
        "CREATE TABLE t (a int);\nSELECT 'x' \\g |sh\n",
        "CREATE TABLE t (a int);\n\\set x `id`\n",
    ]
    .iter()
    .enumerate()
    {
        let dump = dir.write(&format!("shell{i}.sql"), sql);
        let err = s.fails(&["import", dump.to_str().unwrap(), "shelled"], 1);
        assert!(err.contains("psql command"), "{sql:?}:\n{err}");
        assert!(err.contains("--allow-shell"), "{sql:?}:\n{err}");
        assert_eq!(branch_names(&s), ["main"], "{sql:?}");
    }
    // Trusted: the command runs in the restore job, as root without any
    // capability; it records what it had.
    let dump = dir.write(
        "trusted.sql",
        "CREATE TABLE t (a int);\n\\! psql -X -q -h \"$TGT_HOST\" -p \"$TGT_PORT\" -U postgres -d \"$TGT_DB\" -c \"CREATE TABLE shell_ran AS SELECT '$(id -u) $(grep CapEff /proc/self/status | tr -d \"\\t \")'::text AS who\"\n",
    );
    s.ok(&["import", dump.to_str().unwrap(), "trusted", "--allow-shell"]);
    assert_eq!(
        s.sql("trusted", "SELECT who FROM shell_ran"),
        "0 CapEff:0000000000000000"
    );
}

/// A plain dump made by pg_dump (stagdb export of a branch).
fn plain_export(s: &TestStore, dir: &TempDir) -> PathBuf {
    s.sql(
        "main",
        "CREATE TABLE public.items (id int PRIMARY KEY, name text); \
         INSERT INTO public.items SELECT g, 'item ' || g FROM generate_series(1, 2000) g; \
         CREATE SEQUENCE public.s; SELECT setval('public.s', 42);",
    );
    let path = dir.0.join("main.sql");
    s.ok(&[
        "export",
        "main",
        "--format",
        "plain",
        "-o",
        path.to_str().unwrap(),
    ]);
    path
}

#[test]
fn truncated_plain_dumps_import_nothing() {
    let dir = TempDir::new("trunc");
    let s = TestStore::new("h3-trunc", 45900);
    s.init(17);
    let full = std::fs::read_to_string(plain_export(&s, &dir)).unwrap();
    // Cut inside the COPY data, and cut between statements after it.
    let in_copy = &full[..full.find("item 1000").expect("rows")];
    let after = &full[..full.find("\\.\n").expect("end of data") + 3];
    for (what, cut) in [("in COPY data", in_copy), ("after the data", after)] {
        let dump = dir.write("cut.sql", cut);
        let err = s.fails(&["import", dump.to_str().unwrap(), "cut"], 1);
        assert!(err.contains("truncated"), "{what}:\n{err}");
        let out = s
            .cmd(&["import", "-", "cutstdin"])
            .stdin(std::fs::File::open(&dump).unwrap())
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1), "{what}: {}", text(&out.stderr));
        assert!(text(&out.stderr).contains("truncated"), "{what}");
        assert_eq!(branch_names(&s), ["main"], "{what}");
    }
    // The whole dump imports; --schema-only takes its tables, no rows.
    let whole = dir.write("whole.sql", &full);
    s.ok(&["import", whole.to_str().unwrap(), "whole"]);
    assert_eq!(s.sql("whole", "SELECT count(*) FROM public.items"), "2000");
    s.ok(&[
        "import",
        whole.to_str().unwrap(),
        "schemaonly",
        "--schema-only",
    ]);
    assert_eq!(
        s.sql("schemaonly", "SELECT count(*) FROM public.items"),
        "0"
    );
    assert_eq!(s.sql("schemaonly", "SELECT last_value FROM public.s"), "1");
}

/// `import <(cat dump)` and a named FIFO: read once, as streams.
#[test]
fn plain_dump_through_pipes() {
    let dir = TempDir::new("pipes");
    let s = TestStore::new("h3-pipes", 45940);
    s.init(17);
    let dump = plain_export(&s, &dir);
    let out = Command::new("bash")
        .arg("-c")
        .arg(format!(
            "exec '{}' --store '{}' import <(cat '{}') frompipe",
            common::bin().display(),
            s.dataset,
            dump.display()
        ))
        .env("STAGDB_CONFIG", "/nonexistent/stagdb-test-config.toml")
        .env_remove("STAGDB_STORE")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(
        s.sql("frompipe", "SELECT count(*) FROM public.items"),
        "2000"
    );

    let fifo = dir.0.join("dump.fifo");
    let made = sh(&format!("mkfifo '{}'", fifo.display()));
    assert!(made.status.success(), "{}", text(&made.stderr));
    let writer = {
        let (fifo, dump) = (fifo.clone(), dump.clone());
        std::thread::spawn(move || sh(&format!("cat '{}' > '{}'", dump.display(), fifo.display())))
    };
    let mut child = s
        .cmd(&["import", fifo.to_str().unwrap(), "fromfifo"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let started = Instant::now();
    let status = loop {
        if let Some(st) = child.try_wait().unwrap() {
            break st;
        }
        if started.elapsed() > Duration::from_secs(300) {
            let _ = child.kill();
            // Unblock the writer.
            let _ = std::fs::File::open(&fifo);
            panic!("import of a FIFO hangs");
        }
        std::thread::sleep(Duration::from_millis(200));
    };
    let mut err = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut err).unwrap();
    assert!(status.success(), "{err}");
    assert!(writer.join().unwrap().status.success());
    assert_eq!(
        s.sql("fromfifo", "SELECT count(*) FROM public.items"),
        "2000"
    );
}

/// stagdb's own `export --all-databases --format plain` (pg_dumpall)
/// imports: the cluster's own roles exist already.
#[test]
fn export_all_databases_plain_imports() {
    let dir = TempDir::new("dumpall");
    let s = TestStore::new("h3-dumpall", 45980);
    s.init(17);
    s.sql("main", "CREATE DATABASE shop");
    let shop = s
        .ok(&["url", "main"])
        .trim()
        .rsplit_once('/')
        .map(|(a, _)| format!("{a}/shop"))
        .unwrap();
    common::psql_url(
        &shop,
        "CREATE ROLE clerk; CREATE TABLE orders (id int); INSERT INTO orders SELECT generate_series(1, 10)",
    );
    let path = dir.0.join("all.sql");
    s.ok(&[
        "export",
        "main",
        "--all-databases",
        "--format",
        "plain",
        "-o",
        path.to_str().unwrap(),
    ]);
    s.ok(&["import", path.to_str().unwrap(), "cluster"]);
    let url = s.ok(&["url", "cluster"]).trim().to_string();
    let shop = url
        .rsplit_once('/')
        .map(|(a, _)| format!("{a}/shop"))
        .unwrap();
    assert_eq!(common::psql_url(&shop, "SELECT count(*) FROM orders"), "10");
    assert_eq!(
        s.sql(
            "cluster",
            "SELECT count(*) FROM pg_roles WHERE rolname = 'clerk'"
        ),
        "1"
    );
}

/// A store on a pool file of its own, destroyed with its containers.
struct OwnPool {
    pool: String,
    dir: PathBuf,
}

impl Drop for OwnPool {
    fn drop(&mut self) {
        let _ = sh(&format!(
            "docker ps -aq --filter label=io.stagdb.store={0}/stagdb | xargs -r docker rm -f >/dev/null 2>&1; \
             zpool import -d '{1}' {0} >/dev/null 2>&1; \
             for i in $(seq 40); do ! zpool list {0} >/dev/null 2>&1 && break; zpool destroy {0} && break; sleep 0.25; done",
            self.pool,
            self.dir.display()
        ));
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn stagdb(args: &[&str]) -> Output {
    Command::new(common::bin())
        .args(args)
        .env("STAGDB_CONFIG", "/nonexistent/stagdb-test-config.toml")
        .env_remove("STAGDB_STORE")
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

fn ok(args: &[&str]) -> String {
    let out = stagdb(args);
    assert!(
        out.status.success(),
        "stagdb {args:?} failed:\n{}",
        text(&out.stderr)
    );
    text(&out.stdout)
}

/// Whether the pool's file holds `needle`, with every write on it: the
/// pool is exported (and imported again after).
fn pool_file_holds(pool: &str, dir: &Path, needle: &str) -> bool {
    let exported = sh(&format!(
        "for i in $(seq 40); do zpool export {pool} && exit 0; sleep 0.5; done; exit 1"
    ));
    assert!(exported.status.success(), "{}", text(&exported.stderr));
    let found = sh(&format!(
        "grep -c -a -F -e '{needle}' '{}'",
        dir.join("pool.img").display()
    ));
    let imported = sh(&format!("zpool import -d '{}' {pool}", dir.display()));
    assert!(imported.status.success(), "{}", text(&imported.stderr));
    match found.status.code() {
        Some(0) => true,
        Some(1) => false,
        c => panic!("grep failed ({c:?}): {}", text(&found.stderr)),
    }
}

#[test]
fn scrubbed_import_leaves_no_original_in_the_pool() {
    common::require_testbed();
    let pool = "stagdbt-h3scrub";
    let dir = std::env::temp_dir().join(format!("stagdb-{pool}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let _guard = OwnPool {
        pool: pool.to_string(),
        dir: dir.clone(),
    };
    let file = dir.join("pool.img");
    let store = format!("{pool}/stagdb");
    ok(&[
        "init",
        "--pool",
        pool,
        "--pool-file",
        file.to_str().unwrap(),
        "--size",
        "1G",
        "--image",
        &common::image_template(),
        "--ports",
        "46020-46039",
        "--head-port",
        "46019",
    ]);
    // Compression could hide a value from grep.
    assert!(
        sh(&format!("zfs set compression=off {pool}"))
            .status
            .success()
    );
    let files = TempDir::new("scrubpool");
    let rows: String = (1..=3000)
        .map(|i| format!("{i}\torig-{i:05}@secret-h3.example\tkept-{i:05}-h3marker\n"))
        .collect();
    let dump = files.write(
        "users.sql",
        &format!("CREATE TABLE public.users (id int, email text, note text);\nCOPY public.users (id, email, note) FROM stdin;\n{rows}\\.\n"),
    );
    let mask = files.write(
        "mask.sql",
        "UPDATE public.users SET email = 'user' || id || '@masked.invalid';\n",
    );
    let (d, m) = (dump.to_str().unwrap(), mask.to_str().unwrap());
    // On disk: refused, unless the user accepts what it leaves.
    let out = stagdb(&[
        "--store",
        &store,
        "import",
        d,
        "ondisk",
        "--scrub",
        m,
        "--load-in",
        "disk",
    ]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("--unscrubbed-blocks-ok"),
        "{}",
        text(&out.stderr)
    );
    // Scrubbed: loaded in memory, nothing original reaches the pool.
    let summary = ok(&[
        "--store", &store, "--json", "import", d, "masked", "--scrub", m,
    ]);
    let v: serde_json::Value = serde_json::from_str(&summary).expect("json");
    assert_eq!(v["load_in"], "memory", "{summary}");
    let url = ok(&["--store", &store, "url", "masked"]);
    assert_eq!(
        common::psql_url(
            url.trim(),
            "SELECT count(*) FILTER (WHERE email LIKE '%secret-h3%') || ' ' || count(*) FROM public.users"
        ),
        "0 3000"
    );
    ok(&["--store", &store, "stop", "--all"]);
    assert!(
        !pool_file_holds(pool, &dir, "@secret-h3.example"),
        "an original value is in the pool's file after a scrubbed import"
    );
    // The control: grep sees the rows' other values in the pool's file.
    assert!(
        pool_file_holds(pool, &dir, "-h3marker"),
        "grep finds not even the kept values in the pool's file: the test proves nothing"
    );
    // On disk, accepted: the import runs (whether freed blocks keep the
    // originals depends on when the pool wrote them out).
    ok(&[
        "--store",
        &store,
        "import",
        d,
        "ondisk",
        "--scrub",
        m,
        "--load-in",
        "disk",
        "--unscrubbed-blocks-ok",
    ]);
}

/// A C function from a library outside the image's `$libdir` (a dump can
/// write one into the data directory first): refused, nothing kept.
#[test]
fn hostile_dump_c_function_refused() {
    let dir = TempDir::new("cfunc");
    let s = TestStore::new("h3-cfunc", 46060);
    s.init(17);
    let dump = dir.write(
        "cfunc.sql",
        "CREATE TABLE t (a int);\nCREATE FUNCTION evil() RETURNS language_handler AS '/usr/lib/postgresql/17/lib/plpgsql.so', 'plpgsql_call_handler' LANGUAGE C;\n",
    );
    let err = s.fails(&["import", dump.to_str().unwrap(), "cfunc"], 1);
    assert!(err.contains("C function"), "{err}");
    assert_eq!(branch_names(&s), ["main"]);
}
