//! `stagdb import SOURCE [NAME]`: a new root branch holding a live
//! server's database or a dump, ready to branch from.

use std::path::PathBuf;

use crate::cli::{ImportArgs, LoadArgs};
use crate::ctx::Ctx;
use crate::error::{CmdResult, CommandError, ErrorKind, usage_error, user_error};
use crate::intent::{Intent, Op};
use crate::names;
use crate::ops::{self, Undo, job, load};
use crate::pg;
use crate::progress::{Meter, Phase};
use crate::props;
use crate::source::{self, DumpFormat, Live, Source};
use crate::store::Store;
use crate::ui;

/// What import recorded about its source (`stagdb:source`), for refresh.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub(crate) struct Recorded {
    /// A URL without password, or an absolute dump path.
    pub source: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jobs: Option<usize>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub exclude_table_data: Vec<String>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub schema_only: bool,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub all_databases: bool,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub roles: bool,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub physical: bool,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub scrub: Vec<PathBuf>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pg_version: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub load_in: Option<crate::cli::LoadIn>,
    /// Where the source's password was read from (never the password):
    /// refresh reads it again.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password_file: Option<PathBuf>,
}

/// What the preflight found: all `--dry-run` prints.
#[derive(Debug, serde::Serialize)]
pub(crate) struct Preflight {
    pub name: String,
    pub source: String,
    /// `server`, or the dump's format.
    pub kind: String,
    pub method: String,
    pub source_pg_version: Option<u32>,
    pub pg_version: u32,
    pub image: String,
    pub database: String,
    /// Every database copied (live sources).
    pub databases: Vec<String>,
    pub roles: bool,
    /// Bytes: the source database's size (live) or the dump's.
    pub source_bytes: Option<u64>,
    /// Bytes the pool needs at least.
    pub needed_bytes: Option<u64>,
    pub pool_available_bytes: Option<u64>,
    pub jobs: usize,
    pub dataset: String,
    pub extensions: Vec<String>,
    /// Extensions the source uses that the image lacks.
    pub missing_extensions: Vec<String>,
    pub scrub: Vec<PathBuf>,
    /// The file the source's password was read from.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub password_file: Option<PathBuf>,
    /// `memory` or `disk`: where the loading server keeps the data.
    pub load_in: &'static str,
    /// The tmpfs's limit when loading in memory.
    pub memory_limit_bytes: Option<u64>,
    /// Memory available when the preflight ran.
    pub memory_available_bytes: Option<u64>,
    #[serde(skip)]
    pub staging: crate::plan::Staging,
}

#[derive(serde::Serialize)]
struct Output<'a> {
    name: &'a str,
    dataset: &'a str,
    snapshot: String,
    database: &'a str,
    pg_version: u32,
    port: u16,
    url: String,
    source: &'a str,
    method: &'a str,
    #[serde(flatten)]
    timings: &'a load::Loaded,
    /// Each finished phase: name, milliseconds, bytes where measured.
    phases: Vec<Phase>,
}

pub async fn run(ctx: &Ctx, args: ImportArgs) -> CmdResult {
    let store = ops::open_store(ctx).await?;
    let preflight = async {
        let prepared = prepare(
            ctx,
            &store,
            &args.source,
            args.name.as_deref(),
            args.pg_version,
            &args.load,
        )
        .await?;
        let name = &prepared.0.name;
        if !args.load.dry_run
            && let Some(b) = store.branch(name)
        {
            return Err(exists_error(name, b.intent));
        }
        Ok(prepared)
    };
    let (pf, input, extensions) = if args.load.dry_run {
        preflight.await?
    } else {
        ctx.progress
            .phase("preflight", Meter::None, None, preflight)
            .await?
    };
    if args.load.dry_run {
        return print_plan(ctx, &pf);
    }
    let name = pf.name.clone();
    let (password, sealed) = ops::new_password(&ops::store_key(&store)?)?;
    let recorded = record(&args.source, &pf, &args.load, args.pg_version)?;

    // The dataset and its port, under the store lock; the long load runs
    // without it (the creating marker keeps others off the new branch).
    let port = {
        let _lock = ctx.lock(&store.dataset).await?;
        if let Some(e) = ctx.zfs.get_one(&pf.dataset, &[props::STATE]).await? {
            // Another import may have taken the name since the preflight.
            let intent = e.local(props::STATE).and_then(|v| v.parse().ok());
            if intent.is_some_and(|i: Intent| i.owner.alive() && !i.mine()) {
                return Err(exists_error(&name, intent));
            }
            return Err(user_error(format!(
                "dataset {} already exists; refusing to touch it",
                pf.dataset
            ))
            .hint("`stagdb doctor` says what it is"));
        }
        let (taken, indexed) = match ops::index::read(ctx, &store.dataset).await? {
            Some(t) => (t, true),
            None => (ops::index::from_branches(ctx, &store.dataset).await?, false),
        };
        let port = ops::take_port(ctx, &store, taken, indexed).await?;
        let mut bprops = root_props(
            &name,
            port,
            &sealed,
            &pf,
            Intent::new(Op::Creating, false),
            recorded.as_deref(),
        );
        // A new root takes the store's default limits, as a new branch does.
        bprops.extend(store.settings.limits.props());
        ctx.created(Undo::OwnedDataset(pf.dataset.clone()));
        ctx.created(Undo::BranchContainers {
            store: store.dataset.clone(),
            branch: name.clone(),
        });
        ctx.zfs.create(&pf.dataset, &bprops).await?;
        port
    };
    let branch = ops::reload_branch(ctx, &store, &name, &pf.dataset).await?;
    let mountpoint = branch
        .mountpoint
        .clone()
        .filter(|_| branch.mounted || branch.mountpoint.is_some())
        .ok_or_else(|| user_error(format!("{} has no mountpoint", pf.dataset)))?;
    pg::write_pwfile(&mountpoint, &password)?;

    let loaded = load::load(
        ctx,
        load::Load {
            store: &store,
            name: &name,
            mountpoint: mountpoint.clone(),
            major: pf.pg_version,
            password: &password,
            database: &pf.database,
            databases: &pf.databases,
            roles: pf.roles,
            input,
            jobs: pf.jobs,
            exclude_table_data: &args.load.exclude_table_data,
            schema_only: args.load.schema_only,
            scrub: &pf.scrub,
            extensions: &extensions,
            skip_missing_extensions: args.load.skip_missing_extensions,
            allow_shell: args.load.allow_shell,
            staging: pf.staging,
            source_bytes: pf.source_bytes,
        },
    )
    .await?;

    // The branch's own server, with normal settings; then the snapshot.
    let branch = ops::reload_branch(ctx, &store, &name, &pf.dataset).await?;
    let start = ops::start_branch(ctx, &store, &branch, ops::is_head(&store, &branch));
    ctx.progress
        .phase("start", Meter::None, None, start)
        .await?;
    let message = format!("import of {} ({})", pf.source, pf.method);
    let snap = load::snapshot_import(ctx, &store, &branch, &message);
    let snap = ctx
        .progress
        .phase("snapshot", Meter::None, None, snap)
        .await?;
    ops::clear_intent(ctx, &pf.dataset).await?;
    ctx.commit();
    ctx.keep();
    ctx.printer.status(format!(
        "imported {} into branch '{name}' (PostgreSQL {}, database {}) in {:.1}s; snapshot {name}@{snap}",
        pf.source,
        pf.pg_version,
        pf.database,
        loaded.total_ms as f64 / 1000.0
    ));
    let url = pg::public_url(store.settings.connect_host(), port, &pf.database);
    if ctx.settings.json {
        ctx.printer.json(&Output {
            name: &name,
            dataset: &pf.dataset,
            snapshot: format!("{name}@{snap}"),
            database: &pf.database,
            pg_version: pf.pg_version,
            port,
            url,
            source: &pf.source,
            method: &pf.method,
            timings: &loaded,
            phases: ctx.progress.phases(),
        })
    } else {
        ctx.printer.line(url)?;
        Ok(())
    }
}

/// The properties of a new root branch's dataset (import, refresh).
pub(crate) fn root_props(
    name: &str,
    port: u16,
    sealed_password: &str,
    pf: &Preflight,
    intent: Intent,
    recorded: Option<&str>,
) -> Vec<(&'static str, String)> {
    let mut v = vec![
        (props::BRANCH, name.to_string()),
        (props::PORT, port.to_string()),
        (props::PASSWORD, sealed_password.to_string()),
        (props::PG_VERSION, pf.pg_version.to_string()),
        (props::CREATED, ui::now().to_string()),
        (props::STATE, intent.to_string()),
        (
            props::DATABASE,
            crate::zfs::parse::escape_value(&pf.database),
        ),
    ];
    if let Some(r) = recorded {
        v.push((props::SOURCE, crate::zfs::parse::escape_value(r)));
    }
    v
}

/// The `stagdb:source` value: what refresh needs to do it again.
pub(crate) fn record(
    source: &str,
    pf: &Preflight,
    a: &LoadArgs,
    pg_version: Option<u32>,
) -> CmdResult<Option<String>> {
    if source == "-" {
        return Ok(None);
    }
    let r = Recorded {
        source: pf.source.clone(),
        jobs: a.jobs,
        exclude_table_data: a.exclude_table_data.clone(),
        schema_only: a.schema_only,
        all_databases: a.all_databases,
        roles: a.roles,
        physical: a.physical,
        scrub: pf.scrub.clone(),
        pg_version,
        load_in: a.load_in,
        password_file: pf.password_file.clone(),
    };
    serde_json::to_string(&r)
        .map(Some)
        .map_err(|e| crate::error::internal_error(format!("recording the source: {e}")))
}

pub(crate) fn print_plan(ctx: &Ctx, pf: &Preflight) -> CmdResult {
    if ctx.settings.json {
        return ctx.printer.json(pf);
    }
    let bytes = |b: Option<u64>| b.map(ui::human_bytes).unwrap_or_else(|| "unknown".into());
    ctx.printer.line(format!(
        "would import {} ({}) into new branch '{}'",
        pf.source, pf.kind, pf.name
    ))?;
    ctx.printer.line(format!(
        "  PostgreSQL {} (source: {}), image {}",
        pf.pg_version,
        pf.source_pg_version
            .map(|v| v.to_string())
            .unwrap_or_else(|| "unknown".into()),
        pf.image
    ))?;
    ctx.printer.line(format!(
        "  database {}, via {} ({} job{})",
        pf.database,
        pf.method,
        pf.jobs,
        if pf.jobs == 1 { "" } else { "s" }
    ))?;
    ctx.printer.line(format!(
        "  size {}, needs at least {} in the pool, {} free",
        bytes(pf.source_bytes),
        bytes(pf.needed_bytes),
        bytes(pf.pool_available_bytes)
    ))?;
    if !pf.databases.is_empty() {
        ctx.printer
            .line(format!("  databases: {}", pf.databases.join(", ")))?;
    }
    if pf.roles {
        ctx.printer.line(
            "  roles copied (without passwords, superuser or replication), owners and grants kept",
        )?;
    }
    ctx.printer.line(format!("  into dataset {}", pf.dataset))?;
    match pf.staging {
        crate::plan::Staging::Memory { limit } => ctx.printer.line(format!(
            "  loaded in memory (a tmpfs of up to {}; {} available), then copied into the dataset",
            ui::human_bytes(limit),
            bytes(pf.memory_available_bytes)
        ))?,
        crate::plan::Staging::Disk => ctx.printer.line(format!(
            "  loaded on disk ({} of memory available)",
            bytes(pf.memory_available_bytes)
        ))?,
    }
    if !pf.extensions.is_empty() {
        ctx.printer
            .line(format!("  extensions: {}", pf.extensions.join(", ")))?;
    }
    if !pf.missing_extensions.is_empty() {
        ctx.printer.line(format!(
            "  missing in image {}: {} (needs --skip-missing-extensions)",
            pf.image,
            pf.missing_extensions.join(", ")
        ))?;
    }
    for s in &pf.scrub {
        ctx.printer
            .line(format!("  scrubbed with {}", s.display()))?;
    }
    Ok(())
}

/// The default parallelism: the CPU count, except on hosts with one or
/// two, where a single-transaction stream (its rows and indexes skip the
/// WAL) beat `-j 2` by a third in the benchmark (README).
fn default_jobs() -> usize {
    match std::thread::available_parallelism().map_or(1, |n| n.get()) {
        n if n <= 2 => 1,
        n => n,
    }
}

/// A valid branch name made from a database name.
fn name_from(db: &str) -> String {
    let mut s: String = db
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "-_.".contains(c) {
                c
            } else {
                '-'
            }
        })
        .collect();
    while s.starts_with(['-', '.']) {
        s.remove(0);
    }
    loop {
        if let Some(t) = s.strip_suffix(".lock") {
            s = t.to_string();
        } else if s.ends_with(['.', '-']) {
            s.pop();
        } else {
            break;
        }
    }
    if names::validate_branch_name(&s).is_err() || s.is_empty() {
        "import".into()
    } else {
        s
    }
}

/// Checks the source and the store before anything is made, and works
/// out what the import will do.
pub(crate) async fn prepare(
    ctx: &Ctx,
    store: &Store,
    source_arg: &str,
    name: Option<&str>,
    pg_version: Option<u32>,
    a: &LoadArgs,
) -> CmdResult<(Preflight, load::Input, Vec<String>)> {
    let jobs = a.jobs.unwrap_or_else(default_jobs);
    if !(1..=64).contains(&jobs) {
        return Err(usage_error(format!("-j {jobs}: use 1 to 64 jobs")));
    }
    if let Some(v) = pg_version
        && v < 10
    {
        return Err(usage_error(format!(
            "PostgreSQL {v} is not supported; use 10 or later"
        )));
    }
    let mut scrub = Vec::new();
    for f in &a.scrub {
        let p = std::fs::canonicalize(f)
            .map_err(|e| usage_error(format!("--scrub {}: {e}", f.display())))?;
        if !p.is_file() {
            return Err(usage_error(format!("--scrub {}: not a file", f.display())));
        }
        scrub.push(p);
    }
    let env = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
    let src =
        source::parse(source_arg, &env).map_err(|e| CommandError::new(ErrorKind::Usage, e))?;
    if !matches!(src, Source::Live(_)) && a.password_file.is_some() {
        return Err(usage_error(
            "--password-file needs a live source (a dump needs no password)",
        ));
    }
    let mut password_file = None;
    if !matches!(src, Source::Live(_)) && !a.exclude_table_data.is_empty() {
        return Err(usage_error(
            "--exclude-table-data needs a live source (a dump has its rows already)",
        ));
    }
    if !matches!(src, Source::Live(_)) && (a.all_databases || a.roles || a.physical) {
        return Err(usage_error(
            "--all-databases, --roles and --physical need a live source (a dump holds one database and no roles)",
        ));
    }
    let mut databases: Vec<String> = Vec::new();
    let pool_available = ctx
        .zfs
        .get_one(&store.dataset, &["available"])
        .await?
        .and_then(|e| e.native_u64("available"));

    let (kind, source_major, source_bytes, needed, db_default, input, extensions, shown) = match src
    {
        Source::Live(mut live) => {
            if live.password.is_none() {
                password_file = source_password_file(a, &env)?;
                live.password = password_file
                    .as_deref()
                    .map(source::read_password_file)
                    .transpose()
                    .map_err(|e| {
                        CommandError::new(ErrorKind::User, e).hint(
                            "give the file again with --password-file FILE (refresh reads the file import recorded)",
                        )
                    })?;
            }
            if live.password.is_none() {
                live.password = env("PGPASSWORD").or_else(|| {
                    let file = env("PGPASSFILE")
                        .map(PathBuf::from)
                        .or_else(|| env("HOME").map(|h| PathBuf::from(h).join(".pgpass")))?;
                    source::pgpass_lookup(&std::fs::read_to_string(file).ok()?, &live)
                });
            }
            let facts = probe(ctx, store, &live, a.all_databases).await?;
            if a.physical {
                if let Some(v) = pg_version
                    && v != facts.major
                {
                    return Err(usage_error(format!(
                        "a physical import keeps the source's major ({}); --pg-version {v} needs a logical import",
                        facts.major
                    ))
                    .hint("drop --physical to upgrade while importing"));
                }
                if !facts.replication {
                    return Err(user_error(format!(
                        "{} is not allowed to replicate: a physical import needs a role with the REPLICATION attribute (or a superuser)",
                        live.display()
                    ))
                    .hint("connect as such a role, or drop --physical for a logical import"));
                }
            }
            let size = if a.all_databases || a.physical {
                if !a.physical {
                    databases = facts.databases.clone();
                }
                if !facts.databases.contains(&live.dbname) {
                    // The URL's database is not copied: default to postgres.
                    live.dbname = if facts.databases.iter().any(|d| d == pg::DATABASE) {
                        pg::DATABASE.to_string()
                    } else {
                        facts.databases.first().cloned().unwrap_or_default()
                    };
                }
                facts.total
            } else {
                facts.size
            };
            // A parallel dump is written out first, then restored.
            let needed = size.map(|s| {
                if jobs > 1 && !a.physical {
                    s.saturating_mul(2)
                } else {
                    s
                }
            });
            let shown = live.display();
            (
                "server".to_string(),
                Some(facts.major),
                size,
                needed,
                live.dbname.clone(),
                if a.physical {
                    load::Input::Physical(live)
                } else {
                    load::Input::Live(live)
                },
                facts.extensions,
                shown,
            )
        }
        Source::Path(path) if is_stream(&path) => {
            // A pipe (`import <(...)`, /dev/fd/N) or a named FIFO: opened
            // once and read as a stream (reopened, a FIFO would wait for a
            // writer that is gone; /dev/fd/N does not canonicalize).
            let shown = path.display().to_string();
            let mut f = std::fs::File::open(&path)
                .map_err(|e| user_error(format!("opening {shown}: {e}")))?;
            let head = source::read_head(&mut f)
                .map_err(|e| user_error(format!("reading {shown}: {e}")))?;
            let info = source::sniff(&head).map_err(|e| {
                CommandError::new(ErrorKind::User, e.context(format!("reading {shown}")))
            })?;
            if matches!(info.format, DumpFormat::Directory) {
                return Err(usage_error(format!(
                    "{shown}: a directory-format dump cannot come through a pipe"
                )));
            }
            let db = info
                .dbname
                .clone()
                .unwrap_or_else(|| name.unwrap_or("import").to_string());
            (
                format!("{:?} dump", info.format).to_lowercase(),
                info.major,
                None,
                None,
                db,
                load::Input::Stream {
                    head,
                    rest: Box::new(f),
                    info,
                },
                Vec::new(),
                shown,
            )
        }
        Source::Path(path) => {
            let path = std::fs::canonicalize(&path).map_err(|e| {
                usage_error(format!("{}: {e}", path.display())).hint(
                    "SOURCE is a postgres:// URL, a libpq keyword string (host=... dbname=...), a dump file or directory, or - for stdin",
                )
            })?;
            let info =
                source::inspect_path(&path).map_err(|e| CommandError::new(ErrorKind::User, e))?;
            let size = dir_or_file_size(&path);
            let shown = path.display().to_string();
            let extensions = dump_extensions(ctx, store, &path, &info, pg_version).await?;
            let db = info
                .dbname
                .clone()
                .unwrap_or_else(|| name.unwrap_or("import").to_string());
            let input = match (info.format, info.compression) {
                (
                    DumpFormat::Custom | DumpFormat::Directory | DumpFormat::Tar,
                    source::Compression::None,
                ) => load::Input::Archive {
                    path: path.clone(),
                    info: info.clone(),
                },
                _ => {
                    let f = std::fs::File::open(&path)
                        .map_err(|e| user_error(format!("opening {}: {e}", path.display())))?;
                    load::Input::Stream {
                        head: Vec::new(),
                        rest: Box::new(f),
                        info: info.clone(),
                    }
                }
            };
            (
                format!("{:?} dump", info.format).to_lowercase(),
                info.major,
                size,
                size,
                db,
                input,
                extensions,
                shown,
            )
        }
        Source::Stdin => {
            if std::io::IsTerminal::is_terminal(&std::io::stdin()) {
                return Err(usage_error("SOURCE is - but stdin is a terminal")
                    .hint("pipe a dump in, e.g. `pg_dump -Fc app | stagdb import - app`"));
            }
            let mut stdin = std::io::stdin();
            let head = source::read_head(&mut stdin)
                .map_err(|e| user_error(format!("reading stdin: {e}")))?;
            let info = source::sniff(&head).map_err(|e| {
                CommandError::new(ErrorKind::User, e.context("reading the dump on stdin"))
            })?;
            if matches!(info.format, DumpFormat::Directory) {
                return Err(usage_error("a directory-format dump cannot come on stdin"));
            }
            let db = info
                .dbname
                .clone()
                .unwrap_or_else(|| name.unwrap_or("import").to_string());
            let kind = format!("{:?} dump on stdin", info.format).to_lowercase();
            let major = info.major;
            (
                kind,
                major,
                None,
                None,
                db,
                load::Input::Stream {
                    head,
                    rest: Box::new(std::io::stdin()),
                    info,
                },
                Vec::new(),
                "stdin".to_string(),
            )
        }
    };
    let major =
        match (pg_version, source_major) {
            (Some(t), Some(s)) if t < s => {
                return Err(user_error(format!(
                "the source is PostgreSQL {s}; importing into an older major ({t}) is not possible"
            ))
            .hint(format!("import into PostgreSQL {s} or newer (--pg-version {s})")));
            }
            (Some(t), _) => t,
            (None, Some(s)) if s >= 10 => s,
            (None, Some(s)) => {
                return Err(user_error(format!(
                    "the source is PostgreSQL {s}; branches run PostgreSQL 10 or later"
                ))
                .hint("import into a newer major with --pg-version N"));
            }
            (None, None) => crate::cli::DEFAULT_PG_VERSION,
        };
    let name = match name {
        Some(n) => n.to_string(),
        None => name_from(&db_default),
    };
    // A new branch's name (also one made from the database's) must fit
    // ZFS like any other; `refresh` names the branch it reloads.
    if store.branch(&name).is_none() {
        names::validate_new_branch_name(&store.dataset, &name)
            .map_err(|e| CommandError::new(ErrorKind::Usage, e))?;
    } else {
        names::validate_branch_name(&name).map_err(|e| CommandError::new(ErrorKind::Usage, e))?;
    }
    let database = if db_default.is_empty() {
        pg::DATABASE.to_string()
    } else {
        db_default
    };
    if needed.is_some_and(|n| pool_available.is_some_and(|a| n > a)) && !a.force {
        return Err(user_error(format!(
            "the import needs about {} ({} of data{}), but pool {} has {} free",
            ui::human_bytes(needed.unwrap_or(0)),
            ui::human_bytes(source_bytes.unwrap_or(0)),
            if jobs > 1 && kind == "server" {
                ", twice: the parallel dump is written out before the restore"
            } else {
                ""
            },
            store.pool,
            ui::human_bytes(pool_available.unwrap_or(0)),
        ))
        .hint(pool_full_hint(jobs > 1 && kind == "server")));
    }
    let image = store.settings.image_for(major);
    let missing_extensions = if extensions.is_empty() {
        Vec::new()
    } else {
        ops::extensions::missing(
            &extensions,
            &ops::extensions::available(ctx, store, &image).await?,
        )
    };
    if !missing_extensions.is_empty() && !a.skip_missing_extensions && !a.dry_run {
        return Err(user_error(format!(
            "the source uses extensions that image {image} lacks: {}",
            missing_extensions.join(", ")
        ))
        .hint("use an image with them (`stagdb init --image`), or import without them with --skip-missing-extensions (objects that need them then fail to restore)"));
    }
    let method = input.method(jobs);
    let memory_available = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|m| crate::plan::parse_mem_available(&m));
    let staging = crate::plan::staging(
        scrubbed_load_in(a, !scrub.is_empty())?,
        matches!(input, load::Input::Live(_)),
        matches!(input, load::Input::Physical(_)),
        source_bytes,
        !scrub.is_empty(),
        memory_available,
    )?;
    if let (crate::plan::Staging::Memory { limit }, Some(b), false) = (
        staging,
        source_bytes,
        scrub.is_empty() || a.unscrubbed_blocks_ok,
    ) && crate::plan::staging_need(b, true) > limit
        && !a.force
    {
        return Err(user_error(format!(
            "a scrubbed import loads in memory, and this one needs about {} there; {} is free for it",
            ui::human_bytes(crate::plan::staging_need(b, true)),
            ui::human_bytes(limit)
        ))
        .hint("free memory, try anyway with --force, or load on disk with --load-in disk --unscrubbed-blocks-ok (the pool's freed blocks then keep the original values)"));
    }
    // Said in the import snapshot's message too: `log` shows how it was made.
    let method = match staging {
        crate::plan::Staging::Memory { .. } => format!("{method}, loaded in memory"),
        crate::plan::Staging::Disk => method,
    };
    Ok((
        Preflight {
            dataset: format!("{}/{}", store.dataset, names::dataset_component(&name)),
            name,
            source: shown,
            kind,
            method,
            source_pg_version: source_major,
            pg_version: major,
            image,
            database,
            databases,
            roles: a.roles,
            source_bytes,
            needed_bytes: needed,
            pool_available_bytes: pool_available,
            jobs,
            extensions: extensions.clone(),
            missing_extensions,
            scrub,
            password_file,
            load_in: match staging {
                crate::plan::Staging::Memory { .. } => "memory",
                crate::plan::Staging::Disk => "disk",
            },
            memory_limit_bytes: match staging {
                crate::plan::Staging::Memory { limit } => Some(limit),
                crate::plan::Staging::Disk => None,
            },
            memory_available_bytes: memory_available,
            staging,
        },
        input,
        extensions,
    ))
}

/// The password file to read, absolute (recorded for refresh; symlinks
/// kept, so a rotated secret's new target is read): `--password-file`,
/// else `STAGDB_SOURCE_PASSWORD_FILE`.
fn source_password_file(
    a: &LoadArgs,
    env: &dyn Fn(&str) -> Option<String>,
) -> CmdResult<Option<PathBuf>> {
    let Some(p) = a
        .password_file
        .clone()
        .or_else(|| env("STAGDB_SOURCE_PASSWORD_FILE").map(PathBuf::from))
    else {
        return Ok(None);
    };
    std::path::absolute(&p)
        .map(Some)
        .map_err(|e| usage_error(format!("password file {}: {e}", p.display())))
}

/// What to do when the preflight finds the pool too small: `-j 1` only
/// where it helps (a parallel dump of a live source is written out first).
fn pool_full_hint(parallel_dump: bool) -> String {
    format!(
        "free space in the pool (`stagdb gc`, `stagdb rm`){}, or try anyway with --force",
        if parallel_dump {
            ", use -j 1 (streams, no dump on disk)"
        } else {
            ""
        }
    )
}

/// Branch NAME exists: made by a command still running (named, so a
/// losing concurrent import says whom it lost to), or finished.
fn exists_error(name: &str, intent: Option<Intent>) -> CommandError {
    match intent {
        Some(i) if i.owner.alive() && !i.mine() => user_error(format!(
            "branch '{name}' is being made right now by another command ({}, pid {})",
            command_of(i.owner.pid),
            i.owner.pid
        ))
        .hint("wait for it to finish, or import under another name (`stagdb import SOURCE NAME`)"),
        _ => user_error(format!("branch '{name}' already exists")).hint(format!(
            "import under another name (`stagdb import SOURCE NAME`), or refresh it with `stagdb refresh {name}`"
        )),
    }
}

/// `stagdb VERB` of a running process: its verb only (its other
/// arguments may hold a source password).
fn command_of(pid: u32) -> String {
    let argv = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
    verb_of(&argv)
}

fn verb_of(argv: &[u8]) -> String {
    use clap::CommandFactory;
    let cli = crate::cli::Cli::command();
    let verbs: Vec<&str> = cli.get_subcommands().map(|c| c.get_name()).collect();
    argv.split(|b| *b == 0)
        .skip(1)
        .filter_map(|a| std::str::from_utf8(a).ok())
        .find(|a| verbs.contains(a))
        .map_or_else(|| "stagdb".to_string(), |v| format!("`stagdb {v}`"))
}

/// The extensions a dump file creates: an uncompressed archive's table of
/// contents, or a plain file's first statements. Compressed dumps and
/// stdin are not read twice: none known (the load still checks).
async fn dump_extensions(
    ctx: &Ctx,
    store: &Store,
    path: &std::path::Path,
    info: &source::DumpInfo,
    pg_version: Option<u32>,
) -> CmdResult<Vec<String>> {
    if info.compression != source::Compression::None {
        return Ok(Vec::new());
    }
    if info.format == DumpFormat::Plain {
        let f = std::fs::File::open(path)
            .map_err(|e| user_error(format!("opening {}: {e}", path.display())))?;
        return Ok(source::plain_extensions(f));
    }
    // pg_restore reads dumps of its own major and older.
    let major = pg_version
        .or(info.major.filter(|m| *m >= 10))
        .unwrap_or(crate::cli::DEFAULT_PG_VERSION);
    ops::extensions::in_archive(ctx, store, &store.settings.image_for(major), path).await
}

/// Where a load goes, given --scrub: the loading server's own writes of
/// the original values are freed, not erased, so on disk the pool's free
/// blocks keep them; in memory (a tmpfs) they never reach the pool, and
/// only the scrubbed data is written into the dataset.
fn scrubbed_load_in(a: &LoadArgs, scrub: bool) -> CmdResult<crate::cli::LoadIn> {
    use crate::cli::LoadIn;
    let choice = a.load_in.unwrap_or(LoadIn::Auto);
    if !scrub || a.unscrubbed_blocks_ok {
        return Ok(choice);
    }
    if a.physical {
        return Err(usage_error(
            "--scrub with --physical leaves the original values in the pool's freed blocks: pg_basebackup writes them into the dataset before the scrub",
        )
        .hint("import logically (drop --physical), or accept it with --unscrubbed-blocks-ok"));
    }
    match choice {
        LoadIn::Disk => Err(usage_error(
            "--scrub with --load-in disk leaves the original values in the pool's freed blocks (the scrub rewrites the rows; the blocks of the old ones are freed, not erased)",
        )
        .hint("drop --load-in disk: a scrubbed import loads in memory, and only scrubbed data reaches the pool; or accept it with --unscrubbed-blocks-ok")),
        LoadIn::Auto | LoadIn::Memory => Ok(LoadIn::Memory),
    }
}

/// A path that is a pipe or a character device (what `<(...)` and a
/// named FIFO give), not a file or a directory.
fn is_stream(p: &std::path::Path) -> bool {
    std::fs::metadata(p).is_ok_and(|m| !m.is_file() && !m.is_dir())
}

fn dir_or_file_size(p: &std::path::Path) -> Option<u64> {
    let m = std::fs::metadata(p).ok()?;
    if m.is_file() {
        return Some(m.len());
    }
    Some(
        std::fs::read_dir(p)
            .ok()?
            .filter_map(|e| e.ok()?.metadata().ok())
            .filter(|m| m.is_file())
            .map(|m| m.len())
            .sum(),
    )
}

/// What the source server says about itself.
struct Facts {
    major: u32,
    size: Option<u64>,
    /// All databases together.
    total: Option<u64>,
    extensions: Vec<String>,
    /// Every database that takes connections, not a template.
    databases: Vec<String>,
    /// The user may stream a physical copy.
    replication: bool,
}

const PROBE_SQL: &str = "SELECT 'version=' || current_setting('server_version_num') \
UNION ALL SELECT 'size=' || pg_database_size(current_database()) \
UNION ALL SELECT 'ext=' || extname FROM pg_extension \
UNION ALL SELECT 'total=' || sum(pg_database_size(datname)) FROM pg_database WHERE datallowconn AND NOT datistemplate \
UNION ALL SELECT 'repl=' || (rolreplication OR rolsuper) FROM pg_roles WHERE rolname = current_user \
UNION ALL (SELECT 'db=' || datname FROM pg_database WHERE datallowconn AND NOT datistemplate ORDER BY datname)";

/// `$1`: PROBE_SQL; `$2` = `all`: the extensions of every database too
/// (each is loaded, each may need its own).
const PROBE_SCRIPT: &str = r#"set -eo pipefail
q() { psql -X -w -A -t -v ON_ERROR_STOP=1 "$@"; }
q -c "$1"
if [ "$2" = all ]; then
  q -c "SELECT datname FROM pg_database WHERE datallowconn AND NOT datistemplate" |
    while IFS= read -r db; do PGDATABASE="$db" q -c "SELECT 'ext=' || extname FROM pg_extension"; done
fi"#;

/// Asks the source (with psql in a job, so TLS and every libpq option work
/// as they will for pg_dump): reachable, credentials valid, version, size.
async fn probe(ctx: &Ctx, store: &Store, live: &Live, all: bool) -> CmdResult<Facts> {
    let major = ops::head(store)
        .ok()
        .and_then(|b| b.pg_version)
        .unwrap_or(crate::cli::DEFAULT_PG_VERSION);
    let pw = live.password.as_deref().unwrap_or("");
    let pass = job::PassFile::new(&[(live.pgpass_host(), live.port, &live.user, pw)])?;
    let (bind, penv) = pass.mount();
    let mut binds = vec![bind];
    if live.host.starts_with('/') {
        binds.push(job::bind_ro(std::path::Path::new(&live.host), &live.host));
    }
    let out = job::run(
        ctx,
        job::Job {
            store: &store.dataset,
            kind: "import",
            image: store.settings.image_for(major),
            script: PROBE_SCRIPT,
            args: vec![PROBE_SQL.into(), if all { "all" } else { "one" }.into()],
            env: live.env().into_iter().chain([penv, "PGCONNECT_TIMEOUT=10".into()]).collect(),
            binds,
            what: format!("connecting to {}", live.display()),
            caps: &[],
        },
        None,
        None,
    )
    .await
    .map_err(|e| {
        let text = format!("{:#}", e.error);
        let hint = if text.contains("password authentication failed") || text.contains("no password supplied") {
            "give the password in the URL, with --password-file FILE, in PGPASSWORD, or in ~/.pgpass"
        } else {
            "is the server running and reachable from this host? (127.0.0.1 and localhost mean this host)"
        };
        e.hint(hint)
    })?;
    let mut major = None;
    let mut size = None;
    let mut extensions = Vec::new();
    let mut total = None;
    let mut databases = Vec::new();
    let mut replication = false;
    for l in out.lines() {
        if let Some(v) = l.strip_prefix("version=") {
            major = v
                .trim()
                .parse::<u32>()
                .ok()
                .map(|n| if n >= 100_000 { n / 10_000 } else { n / 100 });
        } else if let Some(v) = l.strip_prefix("size=") {
            size = v.trim().parse().ok();
        } else if let Some(v) = l.strip_prefix("total=") {
            total = v.trim().parse().ok();
        } else if let Some(v) = l.strip_prefix("repl=") {
            replication = v.trim() == "true";
        } else if let Some(v) = l.strip_prefix("db=") {
            databases.push(v.to_string());
        } else if let Some(v) = l.strip_prefix("ext=")
            && v != "plpgsql"
            && !extensions.iter().any(|e| e == v.trim())
        {
            extensions.push(v.trim().to_string());
        }
    }
    let major = major.ok_or_else(|| {
        user_error(format!(
            "{} did not say its version:\n{out}",
            live.display()
        ))
    })?;
    Ok(Facts {
        major,
        size,
        total,
        extensions,
        databases,
        replication,
    })
}

#[cfg(test)]
mod tests {
    use super::name_from;

    #[test]
    fn messages() {
        assert!(!super::pool_full_hint(false).contains("-j 1"));
        assert!(super::pool_full_hint(true).contains("-j 1"));
        let argv = b"/usr/bin/stagdb\0--store\0p/s\0import\0postgresql://u:secret@h/db\0x\0";
        assert_eq!(super::verb_of(argv), "`stagdb import`");
        assert_eq!(super::verb_of(b"stagdb\0"), "stagdb");
        let other = crate::intent::Intent {
            op: crate::intent::Op::Creating,
            // pid 1 runs (it is not this test).
            owner: crate::intent::Owner {
                pid: 1,
                start: std::fs::read_to_string("/proc/1/stat")
                    .ok()
                    .and_then(|s| {
                        s[s.rfind(')').unwrap() + 1..]
                            .split_whitespace()
                            .nth(19)?
                            .parse()
                            .ok()
                    })
                    .unwrap_or(0),
            },
            was_running: false,
        };
        let e = format!("{:#}", super::exists_error("app", Some(other)).error);
        assert!(
            e.contains("being made right now") && e.contains("pid 1"),
            "{e}"
        );
        let e = format!("{:#}", super::exists_error("app", None).error);
        assert!(e.contains("already exists"), "{e}");
    }

    #[test]
    fn names_from_databases() {
        assert_eq!(name_from("app"), "app");
        assert_eq!(name_from("my app$"), "my-app");
        assert_eq!(name_from(".x"), "x");
        assert_eq!(name_from("a.lock"), "a");
        assert_eq!(name_from("日本"), "import");
        assert_eq!(name_from(""), "import");
    }
}
