//! Loading data into a new, empty dataset (`import`, `refresh`): a
//! temporary server with bulk-load settings, PostgreSQL's own tools in job
//! containers, scrubbing, statistics, and a clean shutdown. The caller
//! made the dataset (with its password file) and starts the real branch
//! afterwards; everything here is rolled back with the command.

use std::io::Read;
use std::path::PathBuf;
use std::time::Instant;

use super::Undo;
use super::job::{self, Job, PassFile};
use crate::ctx::Ctx;
use crate::docker::Bind;
use crate::error::{CmdResult, CommandError, ErrorKind, internal_error, user_error};
use crate::names;
use crate::pg;
use crate::progress::Meter;
use crate::props;
use crate::source::{Compression, DumpFormat, DumpInfo, Live};
use crate::store::Store;

/// Where the data comes from, after the preflight.
pub enum Input {
    Live(Live),
    /// `pg_basebackup` of the whole cluster (same major).
    Physical(Live),
    /// A dump pg_restore reads in place (custom, directory or tar, uncompressed).
    Archive {
        path: PathBuf,
        info: DumpInfo,
    },
    /// Bytes streamed through stagdb: plain SQL (filtered), compressed
    /// dumps, stdin. `head` was read already to recognize the dump.
    Stream {
        head: Vec<u8>,
        rest: Box<dyn Read + Send>,
        info: DumpInfo,
    },
}

impl Input {
    /// How the data is moved, for messages.
    pub fn method(&self, jobs: usize) -> String {
        match self {
            Input::Live(_) if jobs > 1 => format!("pg_dump -Fd -j {jobs} | pg_restore -j {jobs}"),
            Input::Live(_) => "pg_dump | psql, one transaction, COPY FREEZE".into(),
            Input::Physical(_) => "pg_basebackup".into(),
            Input::Archive { info, .. } if info.format == DumpFormat::Tar => "pg_restore".into(),
            Input::Archive { .. } => format!("pg_restore -j {jobs}"),
            Input::Stream { info, .. } if info.format == DumpFormat::Plain => "psql".into(),
            Input::Stream { .. } => "pg_restore (streamed)".into(),
        }
    }
}

/// What to load and how.
pub struct Load<'a> {
    pub store: &'a Store,
    /// The branch the data is for (job labels, messages).
    pub name: &'a str,
    /// The new dataset's mountpoint (holding initdb's password file).
    pub mountpoint: PathBuf,
    pub major: u32,
    pub password: &'a str,
    /// Database to create and restore into (dumps: the one database).
    pub database: &'a str,
    /// Live sources: every database to copy (`--all-databases`), else just `database`.
    pub databases: &'a [String],
    /// Copy the source's roles first and keep owners and privileges.
    pub roles: bool,
    pub input: Input,
    pub jobs: usize,
    pub exclude_table_data: &'a [String],
    pub schema_only: bool,
    pub scrub: &'a [PathBuf],
    /// Extensions the source uses (live sources), checked against the image.
    pub extensions: &'a [String],
    pub skip_missing_extensions: bool,
    /// A plain SQL dump may run psql's backslash commands (shell commands).
    pub allow_shell: bool,
    /// Where the loading server keeps the data.
    pub staging: crate::plan::Staging,
    /// The source's size when known (live sources): what progress expects.
    pub source_bytes: Option<u64>,
}

/// What a load did, for the summary.
#[derive(Debug, Default, serde::Serialize)]
pub struct Loaded {
    pub restore_ms: u128,
    pub scrub_ms: u128,
    pub analyze_ms: u128,
    /// The clean shutdown, and the copy into the dataset when loading in memory.
    pub shutdown_ms: u128,
    pub total_ms: u128,
    /// `memory` or `disk`.
    pub load_in: &'static str,
    /// Extensions the image lacks, skipped with --skip-missing-extensions.
    pub missing_extensions: Vec<String>,
}

/// Bash run by the restore job. `$1`: mode; target connection and options
/// come from the environment and the remaining arguments (pg_dump options).
const RESTORE_SCRIPT: &str = r#"set -euo pipefail
mode=$1; shift
T=(-h "$TGT_HOST" -p "$TGT_PORT" -U postgres -d "$TGT_DB")
D=(--no-subscriptions --no-publications)
# Owners and grants only when the source's roles were copied (--roles).
[ "$KEEP_OWNERS" = 1 ] || D+=(--no-owner --no-privileges)
R=("${D[@]}" --exit-on-error)
# Adds FREEZE to each COPY of a table's data in pg_dump's plain output: rows
# loaded frozen (and, from PostgreSQL 14, all-visible in the visibility map)
# into a table made in the same transaction, so the freeze pass after the
# load finds nothing to write, instead of writing every page again. Only a
# COPY line right after pg_dump's "Data for Name: ...; Type: TABLE DATA"
# header is touched; COPY data (which can look like anything) never is.
freeze_copy() {
  awk -v skip=" ${SKIP_EXT:-} " '
    data { if ($0 == "\\.") data = 0; print; next }
    /^CREATE EXTENSION IF NOT EXISTS / || /^COMMENT ON EXTENSION / {
      n = ($1 == "CREATE") ? $6 : $4; sub(/;$/, "", n); gsub(/"/, "", n)
      if (index(skip, " " n " ")) next }
    hdr == 3 && /^COPY .* FROM stdin;$/ {
      sub(/ FROM stdin;$/, " FROM stdin WITH (FREEZE);"); data = 1; hdr = 0; print; next }
    hdr == 1 && $0 == "--" { hdr = 2; print; next }
    hdr == 2 && $0 == "" { hdr = 3; print; next }
    { hdr = ($0 ~ /^-- Data for Name: .*; Type: TABLE DATA; Schema: /) ? 1 : 0; print }
  '
}
# --skip-missing-extensions: a table of contents without the EXTENSION
# entries (and their comments) of $SKIP_EXT, for pg_restore -L. Objects
# that need such an extension still fail (--exit-on-error names them).
L=()
skip_toc() {
  [ -n "${SKIP_EXT:-}" ] || return 0
  pg_restore -l "$1" | awk -v skip=" $SKIP_EXT " '
    $4 == "EXTENSION" && index(skip, " " $6 " ") { next }
    $4 == "COMMENT" && $6 == "EXTENSION" && index(skip, " " $7 " ") { next }
    { print }' > /tmp/toc.list
  L=(-L /tmp/toc.list)
}
case $mode in
  roles-dump)
    pg_dumpall --roles-only --no-role-passwords ;;
  roles-load)
    # Roles that exist already (postgres) fail alone: no ON_ERROR_STOP.
    psql -X -q "${T[@]}" -f - >/dev/null 2>&1 || true ;;
  dump-dir)
    rm -rf "/scratch/$DUMP"
    pg_dump -Fd -Z 0 -j "$JOBS" -f "/scratch/$DUMP" --no-subscriptions --no-publications "$@" ;;
  restore-dir)
    skip_toc "/scratch/$DUMP"
    pg_restore "${T[@]}" "${R[@]}" "${L[@]}" -j "$JOBS" "/scratch/$DUMP"
    rm -rf "/scratch/$DUMP" ;;
  live-stream)
    # One transaction: with wal_level=minimal the tables' rows and indexes
    # skip the WAL entirely (about 10% faster on the testbed), and COPY
    # FREEZE applies (the tables are made in the same transaction).
    pg_dump -Fp "${D[@]}" "$@" | freeze_copy |
      psql -X -q -v ON_ERROR_STOP=1 --single-transaction "${T[@]}" -f - >/dev/null ;;
  archive)
    skip_toc /in/dump
    pg_restore "${T[@]}" "${R[@]}" "${L[@]}" "$@" /in/dump ;;
  stream-archive)
    pg_restore "${T[@]}" "${R[@]}" "$@" ;;
  stream-plain)
    psql -X -q -v ON_ERROR_STOP=1 "${T[@]}" -f - >/dev/null ;;
  scrub)
    for f in /scrub/*.sql; do psql -X -q -v ON_ERROR_STOP=1 -1 "${T[@]}" -f "$f" >/dev/null; done
    # Not in parallel: -j with --full can deadlock on the system catalogs.
    vacuumdb -q -h "$TGT_HOST" -p "$TGT_PORT" -U postgres --all --full
    # Old row versions live on in the WAL: switch segments so that the
    # checkpoints remove (wal_recycle=off) every segment from before the scrub.
    for i in 1 2; do
      psql -X -q -v ON_ERROR_STOP=1 "${T[@]}" -c 'SELECT pg_switch_wal()' -c 'CHECKPOINT' >/dev/null
    done ;;
  analyze)
    # VACUUM FREEZE, not just ANALYZE: restored rows carry no hint bits, and
    # the first reader of each page would write it, in every branch (slow
    # reads, and copy-on-write space per branch); frozen once here, every
    # branch inherits the pages as they are read.
    vacuumdb -q -h "$TGT_HOST" -p "$TGT_PORT" -U postgres --all --freeze --analyze -j "$JOBS" ;;
  *) echo "unknown mode $mode" >&2; exit 64 ;;
esac
"#;

/// A physical copy: `pg_basebackup` into the new data directory, then the
/// copy is made a primary of its own with stagdb's configuration: the
/// source's config files are set aside (kept as `*.source`), no standby
/// or recovery signal and no replication settings remain, and a
/// single-user session (stdin: the password never is an argument) sets
/// stagdb's password, clears every other role's, and disables every
/// subscription (one would connect to the source's publisher).
const PHYSICAL_SCRIPT: &str = concat!(
    r#"set -euo pipefail
D=/target/pgdata
rm -rf "$D"
pg_basebackup -D "$D" -X stream -c fast --no-password
cd "$D"
rm -f standby.signal recovery.signal postmaster.pid postmaster.opts
for f in postgresql.conf pg_hba.conf pg_ident.conf postgresql.auto.conf; do
  [ -e "$f" ] && mv "$f" "$f.source"
done
: > postgresql.conf
: > postgresql.auto.conf
: > pg_ident.conf
printf 'local all all trust
host all all all scram-sha-256
' > pg_hba.conf
chown -R postgres:postgres "$D"
chmod 700 "$D"
mkdir -p /var/run/postgresql && chown postgres /var/run/postgresql
"#,
    crate::pg::as_pg_prelude!(),
    r#"as_pg postgres --single -D "$D" -c password_encryption=scram-sha-256 -c archive_mode=off postgres >/tmp/single.log 2>&1 || {
  cat /tmp/single.log >&2; exit 1; }
if grep -q ERROR /tmp/single.log; then cat /tmp/single.log >&2; exit 1; fi
"#
);

/// The loading server's pg_hba.conf, in the dataset's root (root's; the
/// server reads it as its own user). Removed after the load.
const LOAD_HBA: &str = ".stagdb-load-hba.conf";

fn write_load_hba(mountpoint: &std::path::Path) -> CmdResult<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let path = mountpoint.join(LOAD_HBA);
    // A new dataset: nothing of the user's is replaced.
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o644)
        .custom_flags(libc::O_NOFOLLOW)
        .open(&path)
        .map_err(|e| user_error(format!("creating {}: {e}", path.display())))?;
    f.write_all(b"local all all trust\nhost all all all scram-sha-256\n")
        .map_err(|e| user_error(format!("writing {}: {e}", path.display())))
}

/// Run with the loading server stopped (nothing the load started is still
/// running), on the data directory in the dataset: makes the loaded data
/// directory a branch's again, whatever the loaded SQL did (a dump runs as
/// superuser: it can write files with COPY TO and settings with ALTER
/// SYSTEM). The configuration files the server reads at start become what
/// a fresh initdb writes (plus stagdb's host line), files that would start
/// a recovery go, a tablespace is refused (its files are outside the
/// dataset). Then single-user sessions (no event trigger fires in one):
/// in each database, [`PER_DATABASE_SQL`] (`$1`); then the statements on
/// stdin (roles; the password never is an argument).
const SANITIZE_SCRIPT: &str = concat!(
    r#"set -euo pipefail
D=/target/pgdata
"#,
    crate::pg::as_pg_prelude!(),
    r#"[ -d "$D" ] && [ ! -L "$D" ] || { echo "stagdb: no data directory to reset" >&2; exit 1; }
if [ -n "$(ls -A "$D/pg_tblspc")" ]; then
  echo "stagdb: the loaded SQL made a tablespace (CREATE TABLESPACE): its files are not in the branch's dataset" >&2; exit 1
fi
F=$(mktemp -d); chown postgres "$F"
echo x > "$F/pw"
as_pg initdb -D "$F/d" -U postgres --pwfile="$F/pw" -E UTF8 --locale=C \
  --auth-local=trust --auth-host=scram-sha-256 --no-sync >"$F/initdb.log" 2>&1 || {
  cat "$F/initdb.log" >&2; exit 1; }
echo "host all all all scram-sha-256" >> "$F/d/pg_hba.conf"
for f in postgresql.conf postgresql.auto.conf pg_hba.conf pg_ident.conf; do
  rm -rf "$D/$f"
  cp "$F/d/$f" "$D/$f"
  chown postgres:postgres "$D/$f"; chmod 600 "$D/$f"
done
rm -rf "$F"
rm -rf "$D/standby.signal" "$D/recovery.signal" "$D/recovery.conf" "$D/backup_label" \
  "$D/tablespace_map" "$D/postmaster.pid" "$D/postmaster.opts"
single() {
  # No statement in the log, whatever fails: one holds the password.
  as_pg postgres --single -D "$D" -c password_encryption=scram-sha-256 -c log_statement=none \
    -c log_min_error_statement=panic -c archive_mode=off -c shared_preload_libraries= \
    "$1" >/tmp/single.log 2>&1 || {
    cat /tmp/single.log >&2; exit 1; }
  if grep -q 'ERROR' /tmp/single.log; then cat /tmp/single.log >&2; exit 1; fi
}
# Every database, its name as hex (any bytes pass; the output is parsed).
echo "SELECT encode(datname::text::bytea, 'hex') AS h FROM pg_database" | single template1
for h in $(sed -n 's/^[[:space:]]*1: h = "\([0-9a-f]*\)".*/\1/p' /tmp/single.log); do
  db=$(printf "$(printf '%s' "$h" | sed 's/../\\x&/g')")
  case $db in -*|'') echo "stagdb: the loaded SQL made a database named '$db'" >&2; exit 1 ;; esac
  printf '%s\n' "$1" | single "$db"
done
single template1
"#
);

/// Per database, with the server stopped: every event trigger disabled
/// (a `login` one would run the dump's code as each user that connects),
/// and a C function whose library is not one of the image's refused (a
/// dump can write a library into the data directory with COPY TO).
const PER_DATABASE_SQL: &str = "UPDATE pg_event_trigger SET evtenabled = 'D'
DO $stagdb$ BEGIN IF EXISTS (SELECT FROM pg_proc p JOIN pg_language l ON l.oid = p.prolang WHERE l.lanname = 'c' AND (p.probin IS NULL OR p.probin NOT LIKE '$libdir/%' OR p.probin LIKE '%..%')) THEN RAISE EXCEPTION 'stagdb: refused: the loaded SQL defines a C function from a library outside the image''s library directory'; END IF; END $stagdb$";

/// The statements for the whole cluster after a load: stagdb's password
/// for postgres; no other role keeps a password, superuser, replication,
/// RLS bypass, or membership in a role that reads or writes the server's
/// files or runs programs; no subscription stays enabled; no database or
/// role setting loads a library.
fn cluster_sql(password: &str) -> String {
    format!(
        "ALTER ROLE postgres WITH SUPERUSER LOGIN PASSWORD '{}' VALID UNTIL 'infinity'
UPDATE pg_authid SET rolpassword = NULL, rolsuper = false, rolreplication = false, rolbypassrls = false, rolvaliduntil = NULL WHERE rolname <> 'postgres'
DELETE FROM pg_auth_members WHERE roleid IN (SELECT oid FROM pg_authid WHERE rolname IN ('pg_execute_server_program', 'pg_read_server_files', 'pg_write_server_files'))
UPDATE pg_subscription SET subenabled = false
UPDATE pg_db_role_setting SET setconfig = ARRAY(SELECT c FROM unnest(setconfig) c WHERE c !~* '^(shared_preload_libraries|session_preload_libraries|local_preload_libraries|dynamic_library_path|jit_provider)=')
DELETE FROM pg_db_role_setting WHERE cardinality(setconfig) = 0
",
        password.replace('\'', "''")
    )
}

/// Loads the data: the steps of the module comment, in order.
pub async fn load(ctx: &Ctx, l: Load<'_>) -> CmdResult<Loaded> {
    let staging = l.staging;
    let dataset = l.store.dataset.clone();
    let e = match load_steps(ctx, l).await {
        Ok(done) => return Ok(done),
        Err(e) => e,
    };
    let text = format!("{:#}", e.error);
    if !text.contains("No space left on device") {
        return Err(e);
    }
    // Which one filled up: the pool (its scratch dump, or nothing left)
    // or the loading server's tmpfs.
    let pool_free = match ctx.zfs.get_one(&dataset, &["available"]).await {
        Ok(entry) => entry.and_then(|x| x.native_u64("available")),
        Err(_) => None,
    };
    Err(match space_hint(staging, &text, pool_free) {
        Some(h) if !e.hints.contains(&h) => e.hint(h),
        _ => e,
    })
}

/// The hint for a load that ran out of space: the pool's when the pool is
/// (nearly) full or the scratch dump on it failed, the tmpfs's only when
/// the data was loaded in memory and the pool still has room.
fn space_hint(staging: crate::plan::Staging, text: &str, pool_free: Option<u64>) -> Option<String> {
    let pool_full = pool_free.is_some_and(|f| f < 64 << 20) || text.contains("/scratch/");
    match staging {
        _ if pool_full => Some(crate::error::NO_SPACE_HINT.to_string()),
        crate::plan::Staging::Memory { limit } => Some(format!(
            "the data was loaded in memory, in a tmpfs of up to {}: if that filled up, load on disk with --load-in disk (with --scrub, also --unscrubbed-blocks-ok)",
            crate::ui::human_bytes(limit)
        )),
        crate::plan::Staging::Disk => Some(crate::error::NO_SPACE_HINT.to_string()),
    }
}

async fn load_steps(ctx: &Ctx, l: Load<'_>) -> CmdResult<Loaded> {
    let started = Instant::now();
    let mut done = Loaded::default();
    let memory = match l.staging {
        crate::plan::Staging::Memory { limit } => Some(limit),
        crate::plan::Staging::Disk => None,
    };
    done.load_in = if memory.is_some() { "memory" } else { "disk" };
    let store = l.store;
    let image = store.settings.image_for(l.major);
    super::ensure_image(ctx, &image).await?;

    // 0. A physical copy is the data directory itself.
    if let Input::Physical(live) = &l.input {
        let t = Instant::now();
        ctx.printer.status(format!(
            "copying the cluster of {} into '{}' (pg_basebackup)",
            live.display(),
            l.name
        ));
        let pw = live.password.as_deref().unwrap_or("");
        let pass = PassFile::new(&[(live.pgpass_host(), live.port, &live.user, pw)])?;
        let (bind, penv) = pass.mount();
        let mut binds = vec![
            bind,
            Bind {
                host: l.mountpoint.display().to_string(),
                container: "/target".into(),
                read_only: false,
            },
        ];
        if live.host.starts_with('/') {
            binds.push(job::bind_ro(std::path::Path::new(&live.host), &live.host));
        }
        // Only for initdb, which does not run on a copied cluster.
        let _ = std::fs::remove_file(l.mountpoint.join(pg::PWFILE));
        let sql = format!(
            "ALTER ROLE postgres WITH SUPERUSER LOGIN PASSWORD '{}'\nUPDATE pg_authid SET rolpassword = NULL WHERE rolname <> 'postgres'\nUPDATE pg_subscription SET subenabled = false\n",
            l.password.replace('\'', "''")
        );
        let mut input = std::io::Cursor::new(sql.into_bytes());
        let copy = job::run(
            ctx,
            Job {
                store: &store.dataset,
                kind: "import",
                image: image.clone(),
                script: PHYSICAL_SCRIPT,
                args: vec![],
                env: live.env().into_iter().chain([penv]).collect(),
                binds,
                what: format!("copying {} with pg_basebackup", live.display()),
                caps: job::AS_POSTGRES,
            },
            Some(&mut input),
            None,
        );
        ctx.progress
            .phase(
                "copy",
                Meter::Dirs(vec![l.mountpoint.join("pgdata")]),
                l.source_bytes,
                copy,
            )
            .await
            .map_err(|e| {
            let text = format!("{:#}", e.error);
            if text.contains("replication") {
                e.hint("a physical import needs a role with the REPLICATION attribute (or a superuser) and a `host replication ...` line in the source's pg_hba.conf")
            } else {
                e
            }
        })?;
        done.restore_ms = t.elapsed().as_millis();
    }

    // 1. A server on the new data directory with bulk-load settings, as a
    //    job (no branch label: it is not the branch's server, and doctor
    //    leaves it alone while this process lives).
    let mut settings: Vec<(&str, &str)> = pg::IMPORT_SETTINGS.to_vec();
    if l.major >= 12 {
        // Delete WAL segments instead of recycling them: no old data in them.
        settings.push(("wal_recycle", "off"));
    }
    if memory.is_some() {
        // Checkpoints cost little in memory; WAL kept up to 8 GB would not.
        settings.retain(|(k, _)| *k != "max_wal_size");
        settings.push(("max_wal_size", "1GB"));
    }
    // The loaded SQL may rewrite pg_hba.conf and reload it: the loading
    // server reads a copy in the dataset's root, which only root may write
    // (a command-line setting: ALTER SYSTEM cannot override it).
    write_load_hba(&l.mountpoint)?;
    let hba_file = format!("{}/{LOAD_HBA}", pg::MOUNT);
    settings.push(("hba_file", &hba_file));
    let me = crate::intent::Owner::me();
    let server_name = format!("stagdb-load-{}-{}", me.pid, me.start);
    let mut spec = pg::BranchContainer {
        name: server_name.clone(),
        store: &store.dataset,
        branch: l.name,
        image: image.clone(),
        mountpoint: &l.mountpoint,
        listen: store.settings.listen,
        // The engine picks a free port: the branch's may still serve old data.
        port: 0,
        head_port: None,
        settings: &settings,
        // Never on the store's network: nothing may reach unscrubbed data.
        network: None,
        limits: Default::default(),
    }
    .spec();
    spec.env.push("STAGDB_INITDB_NOSYNC=1".into());
    if let Some(limit) = memory {
        spec.env.push(format!("STAGDB_LOAD_DIR={}", pg::LOAD_DIR));
        spec.tmpfs = Some((pg::LOAD_DIR.to_string(), limit));
    }
    // The loaded SQL runs as superuser here (COPY ... FROM PROGRAM runs
    // programs as the postgres user): no capabilities beyond what the start
    // script needs (its data directory's owner, the switch to postgres, the
    // copy out of the tmpfs, the stop signal), no privilege gained.
    spec.confined = true;
    spec.cap_add = job::AS_POSTGRES
        .iter()
        .chain(&["KILL"])
        .map(|c| c.to_string())
        .collect();
    spec.labels.remove(pg::LABEL_BRANCH);
    spec.labels.remove(pg::LABEL_HEAD);
    spec.labels
        .insert(job::LABEL_JOB.to_string(), "import-server".to_string());
    let docker = ctx.docker().await?;
    let host = store.settings.connect_host();
    let server = ctx.progress.phase("initialize", Meter::None, None, async {
        ctx.created(Undo::MyJobs {
            store: store.dataset.clone(),
        });
        let id = ctx.timed("loader create", docker.create(&spec)).await?;
        ctx.created(Undo::Container(id.clone()));
        ctx.timed("loader start", docker.start(&id)).await?;
        let port = docker
            .list_by_label(job::LABEL_JOB, "import-server")
            .await?
            .into_iter()
            .find(|c| c.id == id)
            .and_then(|c| c.host_ports.first().copied())
            .ok_or_else(|| internal_error("the loading server has no published port"))?;
        ctx.printer.status(format!(
            "initializing PostgreSQL {} for '{}' ({image})",
            l.major, l.name
        ));
        ctx.timed(
            "loader ready",
            pg::wait_ready(
                docker,
                &server_name,
                &id,
                host,
                port,
                l.password,
                ctx.settings.timeout,
            ),
        )
        .await
        .map_err(|e| CommandError::new(ErrorKind::User, e))?;
        CmdResult::Ok((id, port))
    });
    // A parallel dump of a live source needs no server here: it runs
    // while the server initializes.
    let dbs: Vec<&str> = if l.databases.is_empty() {
        vec![l.database]
    } else {
        l.databases.iter().map(String::as_str).collect()
    };
    let mut dump_args: Vec<String> = l
        .exclude_table_data
        .iter()
        .map(|p| format!("--exclude-table-data={p}"))
        .collect();
    if l.schema_only {
        dump_args.push("--schema-only".into());
    }
    let dumps = async {
        let Input::Live(live) = &l.input else {
            return CmdResult::Ok(None);
        };
        if l.jobs < 2 {
            return Ok(None);
        }
        let (ds, mp) = make_scratch(ctx, store, l.name).await?;
        let meter = Meter::Dirs(vec![mp.clone()]);
        let pw = live.password.as_deref().unwrap_or("");
        let pass = PassFile::new(&[(live.pgpass_host(), live.port, &live.user, pw)])?;
        let (pass_bind, pass_env) = pass.mount();
        let mut binds = vec![
            pass_bind,
            Bind {
                host: mp.display().to_string(),
                container: "/scratch".into(),
                read_only: false,
            },
        ];
        if live.host.starts_with('/') {
            binds.push(job::bind_ro(std::path::Path::new(&live.host), &live.host));
        }
        let dump_all = async {
            for (i, db) in dbs.iter().enumerate() {
                let src = live.on_db(db);
                ctx.printer.status(format!(
                    "dumping {} (pg_dump -Fd -j {})",
                    src.display(),
                    l.jobs
                ));
                job::run(
                    ctx,
                    Job {
                        store: &store.dataset,
                        kind: "import",
                        image: image.clone(),
                        script: RESTORE_SCRIPT,
                        args: std::iter::once("dump-dir".to_string())
                            .chain(dump_args.iter().cloned())
                            .collect(),
                        env: src
                            .env()
                            .into_iter()
                            .chain([
                                pass_env.clone(),
                                format!("DUMP=dump-{i}"),
                                format!("JOBS={}", l.jobs),
                                "TGT_HOST=-".into(),
                                "TGT_PORT=-".into(),
                                "TGT_DB=-".into(),
                                "KEEP_OWNERS=0".into(),
                            ])
                            .collect(),
                        binds: binds.clone(),
                        what: format!("dumping {}", src.display()),
                        caps: &[],
                    },
                    None,
                    None,
                )
                .await?;
            }
            CmdResult::Ok(())
        };
        ctx.progress
            .phase("dump", meter, l.source_bytes, dump_all)
            .await?;
        Ok(Some((ds, mp)))
    };
    let ((id, port), dumped) = tokio::try_join!(server, dumps)?;

    // 2. Extensions the data needs.
    if !l.extensions.is_empty() {
        let available = pg::query_column(
            host,
            port,
            l.password,
            pg::DATABASE,
            "SELECT name FROM pg_available_extensions",
        )
        .await
        .map_err(|e| CommandError::new(ErrorKind::User, e))?;
        let missing: Vec<String> = l
            .extensions
            .iter()
            .filter(|e| !available.iter().any(|a| a.as_deref() == Some(e.as_str())))
            .cloned()
            .collect();
        if !missing.is_empty() {
            if !l.skip_missing_extensions {
                return Err(user_error(format!(
                    "the source uses extensions that image {image} lacks: {}",
                    missing.join(", ")
                ))
                .hint("use an image with them (`stagdb init --image`), or import without them with --skip-missing-extensions"));
            }
            ctx.printer.warn(format!(
                "importing without extensions missing in {image}: {} (objects that need them will fail to restore)",
                missing.join(", ")
            ));
            done.missing_extensions = missing;
        }
    }

    // 3. The databases.
    let physical = matches!(l.input, Input::Physical(_));
    for db in dbs.iter().filter(|d| **d != pg::DATABASE && !physical) {
        pg::query_column(
            host,
            port,
            l.password,
            pg::DATABASE,
            &format!("CREATE DATABASE {} TEMPLATE template0", pg::quote_ident(db)),
        )
        .await
        .map_err(|e| CommandError::new(ErrorKind::User, e))?;
    }

    // 4. Restore.
    let pass = match &l.input {
        Input::Live(live) | Input::Physical(live) => {
            let pw = live.password.as_deref().unwrap_or("");
            PassFile::new(&[
                (&host.to_string(), port, pg::USER, l.password),
                (live.pgpass_host(), live.port, &live.user, pw),
            ])?
        }
        _ => PassFile::new(&[(&host.to_string(), port, pg::USER, l.password)])?,
    };
    let (pass_bind, pass_env) = pass.mount();
    let base_env = [
        pass_env,
        format!("TGT_HOST={host}"),
        format!("TGT_PORT={port}"),
        format!("JOBS={}", l.jobs),
        format!("KEEP_OWNERS={}", u8::from(l.roles)),
        format!("SKIP_EXT={}", done.missing_extensions.join(" ")),
    ];
    // `db`: the database in the branch the job works on.
    let job = |mode: &str,
               db: &str,
               args: Vec<String>,
               env: Vec<String>,
               binds: Vec<Bind>,
               what: String| Job {
        store: &store.dataset,
        kind: "import",
        image: image.clone(),
        script: RESTORE_SCRIPT,
        args: std::iter::once(mode.to_string()).chain(args).collect(),
        env: base_env
            .iter()
            .cloned()
            .chain([format!("TGT_DB={db}")])
            .chain(env)
            .collect(),
        binds: std::iter::once(pass_bind.clone()).chain(binds).collect(),
        what,
        caps: &[],
    };
    let t = Instant::now();
    let mut scratch: Option<String> = None;
    let restore = async {
        match l.input {
            Input::Physical(_) => {}
            Input::Live(ref live) => {
                let args = dump_args.clone();
                let mut binds = Vec::new();
                if live.host.starts_with('/') {
                    // A socket directory on the host.
                    binds.push(job::bind_ro(std::path::Path::new(&live.host), &live.host));
                }
                if l.roles {
                    ctx.printer.status(format!(
                        "copying the roles of {} (without passwords)",
                        live.display()
                    ));
                    let mut out: Vec<u8> = Vec::new();
                    job::run(
                        ctx,
                        job(
                            "roles-dump",
                            l.database,
                            vec![],
                            live.env(),
                            binds.clone(),
                            "pg_dumpall --roles-only".into(),
                        ),
                        None,
                        Some(&mut out),
                    )
                    .await?;
                    let sql = crate::source::filter_roles(&String::from_utf8_lossy(&out));
                    let mut input = std::io::Cursor::new(sql.into_bytes());
                    job::run(
                        ctx,
                        job(
                            "roles-load",
                            pg::DATABASE,
                            vec![],
                            vec![],
                            vec![],
                            "creating the roles".into(),
                        ),
                        Some(&mut input),
                        None,
                    )
                    .await?;
                }
                let mode = match &dumped {
                    Some((ds, mp)) => {
                        scratch = Some(ds.clone());
                        binds.push(Bind {
                            host: mp.display().to_string(),
                            container: "/scratch".into(),
                            read_only: false,
                        });
                        "restore-dir"
                    }
                    None => "live-stream",
                };
                for (i, db) in dbs.iter().enumerate() {
                    let src = live.on_db(db);
                    ctx.printer.status(format!(
                        "loading {} into '{}' ({})",
                        src.display(),
                        l.name,
                        Input::method(&l.input, l.jobs)
                    ));
                    let mut env = src.env();
                    env.push(format!("DUMP=dump-{i}"));
                    job::run(
                        ctx,
                        job(
                            mode,
                            db,
                            args.clone(),
                            env,
                            binds.clone(),
                            format!("restoring {}", src.display()),
                        ),
                        None,
                        None,
                    )
                    .await?;
                }
            }
            Input::Archive { ref path, ref info } => {
                let mut args = Vec::new();
                if info.format != DumpFormat::Tar {
                    args.push(format!("--jobs={}", l.jobs));
                }
                if l.schema_only {
                    args.push("--schema-only".into());
                }
                ctx.printer.status(format!(
                    "restoring {} into '{}' ({})",
                    path.display(),
                    l.name,
                    Input::method(&l.input, l.jobs)
                ));
                job::run(
                    ctx,
                    job(
                        "archive",
                        l.database,
                        args,
                        vec![],
                        vec![job::bind_ro(path, "/in/dump")],
                        format!("restoring {}", path.display()),
                    ),
                    None,
                    None,
                )
                .await?;
            }
            Input::Stream { head, rest, info } => {
                let plain = info.format == DumpFormat::Plain;
                let mut args = Vec::new();
                if l.schema_only && !plain {
                    args.push("--schema-only".into());
                }
                ctx.printer.status(format!(
                    "restoring the dump into '{}' ({}{})",
                    l.name,
                    if plain { "psql" } else { "pg_restore" },
                    match info.compression {
                        Compression::None => "",
                        Compression::Gzip => ", gunzipped",
                        Compression::Zstd => ", zstd-decompressed",
                    }
                ));
                let raw: Box<dyn Read + Send> = Box::new(std::io::Cursor::new(head).chain(rest));
                let decoded = crate::source::decompressing(raw, info.compression)
                    .map_err(|e| CommandError::new(ErrorKind::User, e))?;
                let reader: Box<dyn Read + Send> = if plain {
                    let opt = crate::plainsql::Options {
                        allow_shell: l.allow_shell,
                        schema_only: l.schema_only,
                        keep_owners: false,
                        begin_atomic: l.major >= 14,
                        skip_extensions: done.missing_extensions.clone(),
                    };
                    Box::new(crate::plainsql::PlainScript::new(decoded, opt))
                } else {
                    decoded
                };
                let (mut pipe, feeder) = spawn_reader(reader);
                let res = job::run(
                    ctx,
                    job(
                        if plain {
                            "stream-plain"
                        } else {
                            "stream-archive"
                        },
                        l.database,
                        args,
                        vec![],
                        vec![],
                        "restoring the dump".into(),
                    ),
                    Some(&mut pipe),
                    None,
                )
                .await;
                drop(pipe);
                let fed = feeder.await;
                // A refused or truncated dump first: psql's error (it saw
                // the input end early) would hide why.
                if let Ok(Err(e)) = &fed
                    && let Some(r) = crate::plainsql::refusal_of(e)
                {
                    return Err(dump_refused(r));
                }
                res?;
                match fed {
                    Ok(Ok(())) => {}
                    Ok(Err(e)) => {
                        return Err(CommandError::new(
                            ErrorKind::User,
                            anyhow::Error::new(e).context("reading the dump"),
                        ));
                    }
                    Err(e) => return Err(internal_error(format!("dump reader: {e}"))),
                }
            }
        }
        CmdResult::Ok(())
    };
    if physical {
        restore.await?;
    } else {
        let meter = Meter::Server {
            host,
            port,
            password: l.password.to_string(),
        };
        ctx.progress
            .phase("restore", meter, l.source_bytes, restore)
            .await?;
    }
    if !physical {
        done.restore_ms = t.elapsed().as_millis();
    }
    if let Some(ds) = scratch.take() {
        ctx.zfs.destroy(&ds, true).await?;
    }

    // 5. Scrub, before anything can be snapshotted.
    if !l.scrub.is_empty() {
        let t = Instant::now();
        ctx.printer.status(format!(
            "scrubbing '{}' ({} file(s))",
            l.name,
            l.scrub.len()
        ));
        let binds = l
            .scrub
            .iter()
            .enumerate()
            .map(|(i, p)| job::bind_ro(p, &format!("/scrub/{i:03}.sql")))
            .collect();
        let scrub = job::run(
            ctx,
            job(
                "scrub",
                l.database,
                vec![],
                vec![],
                binds,
                "scrubbing".into(),
            ),
            None,
            None,
        );
        ctx.progress
            .phase("scrub", Meter::None, None, scrub)
            .await?;
        done.scrub_ms = t.elapsed().as_millis();
    }

    // 6. Statistics, then a clean shutdown (its checkpoint writes
    //    everything out); the next start has normal settings.
    // (A physical copy brought its statistics along.)
    if !physical {
        let t = Instant::now();
        ctx.printer.status(format!(
            "freezing and gathering statistics for '{}' (VACUUM FREEZE ANALYZE)",
            l.name
        ));
        let analyze = job::run(
            ctx,
            job(
                "analyze",
                l.database,
                vec![],
                vec![],
                vec![],
                "ANALYZE".into(),
            ),
            None,
            None,
        );
        ctx.progress
            .phase("analyze", Meter::None, None, analyze)
            .await?;
        done.analyze_ms = t.elapsed().as_millis();
    }
    let t = Instant::now();
    if memory.is_some() {
        ctx.printer
            .status(format!("writing the loaded data into '{}'", l.name));
    }
    // In memory the container's exit waits for the copy: allow it an hour
    // (at 100 MB/s, 360 GB) before the engine kills it.
    let grace = if memory.is_some() { 3600 } else { 600 };
    let stop = ctx.timed("loader shutdown", docker.stop(&id, grace));
    if memory.is_some() {
        // What the restore measured is about what is copied.
        let loaded = ctx
            .progress
            .phases()
            .iter()
            .find(|p| p.name == "restore")
            .and_then(|p| p.bytes);
        let meter = Meter::Dirs(vec![
            l.mountpoint.join("pgdata.copying"),
            l.mountpoint.join("pgdata"),
        ]);
        ctx.progress.phase("write", meter, loaded, stop).await?;
    } else {
        ctx.progress
            .phase("shutdown", Meter::None, None, stop)
            .await?;
    }
    match docker.inspect_state(&id).await? {
        Some(st) if st.exit_code == Some(0) => {}
        st => {
            let logs = docker.logs_tail(&id, 20).await.unwrap_or_default();
            let err = user_error(format!(
                "the loading server did not shut down cleanly{} (exit code {}):\n{}",
                if memory.is_some() {
                    " or its copy into the dataset failed"
                } else {
                    ""
                },
                st.and_then(|s| s.exit_code)
                    .map(|c| c.to_string())
                    .unwrap_or_else(|| "?".into()),
                logs.trim_end()
            ));
            let full = ["No space left on device", "Disk quota exceeded"];
            return Err(
                if memory.is_some() && full.iter().any(|f| logs.contains(f)) {
                    err.hint(crate::error::NO_SPACE_HINT)
                } else {
                    err
                },
            );
        }
    }
    done.shutdown_ms = t.elapsed().as_millis();
    docker.remove(&id, true).await?;
    drop(pass);
    let hba = l.mountpoint.join(LOAD_HBA);
    std::fs::remove_file(&hba)
        .map_err(|e| user_error(format!("removing {}: {e}", hba.display())))?;

    // 7. The data directory made a branch's again, the server stopped.
    ctx.printer.status(format!(
        "resetting the configuration and roles of '{}'",
        l.name
    ));
    let mut input = std::io::Cursor::new(cluster_sql(l.password).into_bytes());
    let reset = job::run(
        ctx,
        Job {
            store: &store.dataset,
            kind: "import",
            image: image.clone(),
            script: SANITIZE_SCRIPT,
            args: vec![PER_DATABASE_SQL.to_string()],
            env: vec![],
            binds: vec![Bind {
                host: l.mountpoint.join("pgdata").display().to_string(),
                container: "/target/pgdata".into(),
                read_only: false,
            }],
            what: "resetting the loaded data directory".into(),
            caps: job::AS_POSTGRES,
        },
        Some(&mut input),
        None,
    );
    ctx.progress
        .phase("reset", Meter::None, None, reset)
        .await?;
    done.total_ms = started.elapsed().as_millis();
    Ok(done)
}

/// The error for a plain dump the lexer refused (nothing of it is kept:
/// the import is rolled back).
fn dump_refused(r: &crate::plainsql::Refusal) -> CommandError {
    use crate::plainsql::RefusalKind;
    let e = user_error(format!("refused the plain SQL dump: {r}"));
    match r.kind {
        RefusalKind::Shell => e.hint(
            "a plain dump may hold only the psql commands pg_dump writes; if you trust this dump, import it with --allow-shell (its commands then run in the restore job's container)",
        ),
        RefusalKind::Truncated => e.hint(
            "the dump is incomplete (an interrupted pg_dump or copy?): dump again",
        ),
        RefusalKind::SchemaOnly => {
            e.hint("import without --schema-only, or dump with pg_dump --schema-only")
        }
    }
}

/// The snapshot an import or refresh ends with (`import-TIME`, kind
/// `import`), taken of the running branch after a CHECKPOINT.
pub async fn snapshot_import(
    ctx: &Ctx,
    store: &Store,
    branch: &crate::store::Branch,
    message: &str,
) -> CmdResult<String> {
    let name = format!(
        "import-{}",
        jiff::Timestamp::now().strftime("%Y%m%d-%H%M%S")
    );
    super::snapshot_branch(
        ctx,
        store,
        branch,
        true,
        super::SnapshotMeta {
            name: Some(&name),
            message: Some(message),
            kind: Some(props::KIND_IMPORT),
            author: &super::author(),
            intent: None,
        },
    )
    .await
}

/// A scratch dataset for a directory-format dump, `NAME:import` next to
/// the branch; marked so doctor and gc clear it if the import dies.
async fn make_scratch(ctx: &Ctx, store: &Store, name: &str) -> CmdResult<(String, PathBuf)> {
    let component = format!("{}:import", names::dataset_component(name));
    let ds = format!("{}/{component}", store.dataset);
    if ctx.zfs.exists(&ds).await? {
        // A dead import's (the store lock is held: no live one's).
        ctx.zfs.destroy(&ds, true).await?;
    }
    let intent = crate::intent::Intent::new(crate::intent::Op::Creating, false);
    ctx.created(Undo::OwnedDataset(ds.clone()));
    ctx.zfs
        .create(
            &ds,
            &[
                (props::BRANCH, name.to_string()),
                (props::STATE, intent.to_string()),
            ],
        )
        .await?;
    let mp = ctx
        .zfs
        .get_one(&ds, &["mountpoint"])
        .await?
        .and_then(|e| e.native("mountpoint").map(PathBuf::from))
        .filter(|m| m.is_absolute())
        .ok_or_else(|| user_error(format!("{ds} has no mountpoint")))?;
    Ok((ds, mp))
}

/// Reads a blocking source on a blocking thread into a pipe the job's
/// stdin is fed from (decompression and filtering run there too).
fn spawn_reader(
    mut r: Box<dyn Read + Send>,
) -> (
    tokio::io::DuplexStream,
    tokio::task::JoinHandle<std::io::Result<()>>,
) {
    use tokio::io::AsyncWriteExt;
    let (mut w, rd) = tokio::io::duplex(1 << 20);
    let rt = tokio::runtime::Handle::current();
    let h = tokio::task::spawn_blocking(move || {
        let mut buf = vec![0u8; 256 << 10];
        loop {
            let n = match r.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            if rt.block_on(w.write_all(&buf[..n])).is_err() {
                // The job stopped reading (it failed): its error says why.
                return Ok(());
            }
        }
        let _ = rt.block_on(w.shutdown());
        Ok(())
    });
    (rd, h)
}

#[cfg(test)]
mod tests {
    #[test]
    fn out_of_space_blames_the_right_thing() {
        use crate::plan::Staging;
        let mem = Staging::Memory { limit: 1 << 30 };
        let server = "pg_restore: error: could not extend file: No space left on device";
        let tmpfs = super::space_hint(mem, server, Some(10 << 30)).unwrap();
        assert!(
            tmpfs.contains("tmpfs") && tmpfs.contains("--load-in disk"),
            "{tmpfs}"
        );
        // The pool full, or the scratch dump on it: never the tmpfs.
        for (text, free) in [
            (server, Some(1 << 20)),
            (
                "pg_dump: error: could not write to file \"/scratch/d/3.dat\": No space left on device",
                Some(10 << 30),
            ),
        ] {
            let h = super::space_hint(mem, text, free).unwrap();
            assert!(h.contains("pool is full") && !h.contains("tmpfs"), "{h}");
        }
        let disk = super::space_hint(Staging::Disk, server, None).unwrap();
        assert!(
            disk.contains("pool is full") && !disk.contains("-j 1"),
            "{disk}"
        );
    }

    use super::RESTORE_SCRIPT;

    /// Runs the restore script's `freeze_copy` filter (awk, as in the
    /// tools container) over `input`.
    fn freeze_copy(input: &str) -> String {
        use std::io::Write;
        let start = RESTORE_SCRIPT.find("freeze_copy() {").expect("function");
        let end = start + RESTORE_SCRIPT[start..].find("\n}\n").expect("its end") + 3;
        let script = format!("{}freeze_copy", &RESTORE_SCRIPT[start..end]);
        let mut child = std::process::Command::new("bash")
            .args(["-c", &script])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .expect("bash");
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(input.as_bytes())
            .expect("write");
        let out = child.wait_with_output().expect("output");
        assert!(out.status.success());
        String::from_utf8(out.stdout).expect("utf-8")
    }

    #[test]
    fn freeze_copy_touches_only_pg_dumps_table_data_copies() {
        let header = |t: &str| {
            format!("--\n-- Data for Name: {t}; Type: TABLE DATA; Schema: public; Owner: -\n--\n\n")
        };
        // A row that looks like a whole header and COPY line stays as it is
        // (rows are one line each: COPY escapes newlines), and so does the
        // next table's line after the data ends.
        let input = format!(
            "CREATE TABLE public.t (a text);\n\n{}COPY public.t (a) FROM stdin;\n-- Data for Name: x; Type: TABLE DATA; Schema: public; Owner: -\n--\n\nCOPY public.x (a) FROM stdin;\n\\\\.\n\\.\n\n{}COPY public.\"odd FROM stdin;\" (a) FROM stdin;\n1\n\\.\n\nCREATE FUNCTION f() RETURNS text LANGUAGE sql AS $$\nCOPY public.t (a) FROM stdin;\n$$;\n",
            header("t"),
            header("odd FROM stdin;")
        );
        let out = freeze_copy(&input);
        let expected = input
            .replacen(
                "COPY public.t (a) FROM stdin;\n-- Data",
                "COPY public.t (a) FROM stdin WITH (FREEZE);\n-- Data",
                1,
            )
            .replacen(
                "(a) FROM stdin;\n1\n",
                "(a) FROM stdin WITH (FREEZE);\n1\n",
                1,
            );
        assert_eq!(out, expected);
        assert_eq!(out.matches("WITH (FREEZE)").count(), 2, "{out}");
        // No header, no change (a statement of the user's own, a function body).
        let bare = "COPY public.t (a) FROM stdin;\nx\n\\.\n";
        assert_eq!(freeze_copy(bare), bare);
    }
}
