//! `stagdb export REF`: pg_dump of a branch or a snapshot, to a file or
//! streamed to stdout. A running branch is dumped over its port; a
//! snapshot (or a stopped branch) is served by a temporary clone and a
//! one-shot server inside the dump job, removed afterwards.

use std::path::PathBuf;

use crate::cli::{ExportArgs, ExportFormat};
use crate::ctx::Ctx;
use crate::docker::Bind;
use crate::error::{CmdResult, CommandError, ErrorKind, usage_error, user_error};
use crate::intent::{Intent, Op};
use crate::names;
use crate::ops::output::Output;
use crate::ops::{self, Undo, job};
use crate::pg;
use crate::props;

/// Reaches a running branch over the network.
const FROM_RUNNING: &str = r#"set -euo pipefail
H="$TGT_HOST"; P="$TGT_PORT"
"#;

/// Starts PostgreSQL on the clone (socket only, no port); [`STOP_CLONE`]
/// stops it. The server's log goes to a file: stdout carries only output.
const FROM_CLONE: &str = concat!(
    r#"set -euo pipefail
D=/var/lib/stagdb/pgdata
"#,
    crate::pg::as_pg_prelude!(),
    r#"if [ "$(stat -c %u:%g "$D")" != "$u:$g" ]; then chown -R postgres:postgres "$D"; fi
chmod 700 "$D"
rm -f "$D/postmaster.pid"
mkdir -p /var/run/postgresql && chown postgres /var/run/postgresql
if ! as_pg pg_ctl -D "$D" -w -t 3600 -l /tmp/stagdb-export.log \
    -o "-c listen_addresses='' -c port=5432 -c fsync=off -c autovacuum=off" start >/dev/null; then
  cat /tmp/stagdb-export.log >&2; exit 1
fi
H=/var/run/postgresql; P=5432
"#
);

const STOP_CLONE: &str = r#"as_pg pg_ctl -D "$D" -m fast -w stop >/dev/null
"#;

/// What runs against the server: a dump, a dump of every database, or
/// (for `diff`) the schema, a marker line, and the tables' sizes.
const TOOL: &str = r#"case "$TOOL" in
  dumpall) pg_dumpall -h "$H" -p "$P" -U postgres "$@" ;;
  schema)
    pg_dump -h "$H" -p "$P" -U postgres -d "$TGT_DB" --schema-only --no-owner --no-privileges
    printf '%s\n' "$MARK"
    psql -h "$H" -p "$P" -U postgres -d "$TGT_DB" -X -q -A -t -F '|' -v ON_ERROR_STOP=1 -c "$STAT_SQL" ;;
  *) pg_dump -h "$H" -p "$P" -U postgres -d "$TGT_DB" "$@" ;;
esac
"#;

/// What [`dump`] runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Tool {
    /// `pg_dump` of one database with the given arguments.
    Dump,
    /// `pg_dumpall`.
    DumpAll,
    /// Schema-only dump, then [`SCHEMA_MARK`], then [`STAT_SQL`]'s rows.
    Schema,
}

/// Separates the schema from the table statistics in [`Tool::Schema`]'s output.
pub(crate) const SCHEMA_MARK: &str = "-- stagdb: table statistics follow";

/// Per table (and materialized view): name, row estimate (the planner's,
/// else the statistics collector's live rows, else -1) and total size.
pub(crate) const STAT_SQL: &str = "select n.nspname || '.' || c.relname, \
coalesce(nullif(greatest(c.reltuples, -1)::bigint, -1), s.n_live_tup, -1), \
pg_total_relation_size(c.oid) \
from pg_class c join pg_namespace n on n.oid = c.relnamespace \
left join pg_stat_user_tables s on s.relid = c.oid \
where c.relkind in ('r', 'p', 'm') and n.nspname not in ('pg_catalog', 'information_schema') \
and n.nspname not like 'pg_toast%' order by 1";

pub async fn run(ctx: &Ctx, args: ExportArgs) -> CmdResult {
    let store = ops::open_store(ctx).await?;
    let target = ops::resolve_ref(&store, args.reference.as_deref().unwrap_or("HEAD"))?;
    let branch = target.branch;
    let db = args.db.clone().unwrap_or_else(|| branch.db().to_string());
    let jobs = args.jobs.unwrap_or(1);
    if !(1..=64).contains(&jobs) {
        return Err(usage_error(format!("-j {jobs}: use 1 to 64 jobs")));
    }
    if jobs > 1 && args.format != ExportFormat::Directory {
        return Err(usage_error(
            "-j needs --format directory (pg_dump dumps in parallel only into a directory)",
        ));
    }
    if args.all_databases && args.format != ExportFormat::Plain {
        return Err(usage_error(
            "--all-databases dumps plain SQL (pg_dumpall): add --format plain",
        ));
    }
    let mut dump_args: Vec<String> = match args.format {
        _ if args.all_databases => vec![],
        ExportFormat::Custom => vec!["-Fc".into()],
        ExportFormat::Plain => vec!["-Fp".into()],
        ExportFormat::Directory => vec!["-Fd".into(), format!("-j{jobs}")],
    };
    let mut binds: Vec<Bind> = Vec::new();
    // Where the dump goes: never over what is there until it is whole.
    let mut output = match (&args.output, args.format) {
        (None, ExportFormat::Directory) => {
            return Err(usage_error(
                "--format directory needs -o DIR (a directory cannot go to stdout)",
            ));
        }
        (Some(path), format) => Some(
            Output::open(
                ctx,
                path,
                format == ExportFormat::Directory,
                format == ExportFormat::Custom,
            )
            .await?,
        ),
        (None, ExportFormat::Custom) if std::io::IsTerminal::is_terminal(&std::io::stdout()) => {
            return Err(usage_error("refusing to write a binary dump to a terminal")
                .hint("redirect it (`> app.dump`), pipe it, use -o FILE, or --format plain"));
        }
        (None, _) => None,
    };
    if let Some((parent, name)) = output.as_ref().and_then(Output::dump_dir) {
        binds.push(Bind {
            host: parent.display().to_string(),
            container: "/out".into(),
            read_only: false,
        });
        dump_args.push(format!("--file=/out/{name}"));
    }

    let what = shown_ref(&target);
    let db_shown = if args.all_databases {
        "every database".to_string()
    } else {
        format!("database {db}")
    };
    ctx.printer.status(format!(
        "exporting {db_shown} of {what} ({} format)",
        match args.format {
            ExportFormat::Custom => "custom",
            ExportFormat::Plain => "plain",
            ExportFormat::Directory => "directory",
        }
    ));
    let t = std::time::Instant::now();
    let mut stdout = tokio::io::stdout();
    let out: Option<&mut (dyn tokio::io::AsyncWrite + Unpin + Send)> = match &mut output {
        Some(o) => o.writer().map(|w| w as _),
        None => Some(&mut stdout),
    };
    let tool = if args.all_databases {
        Tool::DumpAll
    } else {
        Tool::Dump
    };
    // On failure the rollback removes the temporary (Undo::TempPath).
    dump(ctx, &store, &target, &db, tool, dump_args, binds, out).await?;
    if let Some(o) = output {
        o.finish(ctx).await?;
    }
    ctx.keep();
    ctx.printer.status(format!(
        "exported {what} in {:.1}s",
        t.elapsed().as_secs_f64()
    ));
    Ok(())
}

/// `BRANCH` or `BRANCH@SNAPSHOT`.
pub(crate) fn shown_ref(t: &ops::Target<'_>) -> String {
    match t.snapshot {
        Some(s) => format!("{}@{}", t.branch.name, s.name),
        None => t.branch.name.clone(),
    }
}

/// Runs `tool` against REF in a job of the branch's image, its stdout to
/// `out`: over the port of a running branch, else on a temporary clone (of
/// the snapshot, or of a snapshot of the stopped branch taken now) served
/// by a socket-only server inside the job. The temporaries are destroyed
/// before it returns, also when the tool failed.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn dump(
    ctx: &Ctx,
    store: &crate::store::Store,
    target: &ops::Target<'_>,
    db: &str,
    tool: Tool,
    args: Vec<String>,
    mut binds: Vec<Bind>,
    out: Option<&mut (dyn tokio::io::AsyncWrite + Unpin + Send)>,
) -> CmdResult {
    let branch = target.branch;
    let cs = ops::containers(ctx, store).await?;
    let running = target.snapshot.is_none() && ops::state_of(cs.get(&branch.name)) == "running";
    let what = shown_ref(target);
    let me = crate::intent::Owner::me();
    let image;
    let script;
    let mut env = vec![
        format!("TGT_DB={db}"),
        format!(
            "TOOL={}",
            match tool {
                Tool::Dump => "dump",
                Tool::DumpAll => "dumpall",
                Tool::Schema => "schema",
            }
        ),
        format!("MARK={SCHEMA_MARK}"),
        format!("STAT_SQL={STAT_SQL}"),
    ];
    let mut pass = None;
    let mut clone_ds = None;
    let mut temp_snap = None;
    if running {
        let host = store.settings.connect_host();
        let port = ops::port(branch)?;
        let pf = job::PassFile::new(&[(
            &host.to_string(),
            port,
            pg::USER,
            &ops::password(store, branch)?,
        )])?;
        let (b, e) = pf.mount();
        binds.push(b);
        env.extend([e, format!("TGT_HOST={host}"), format!("TGT_PORT={port}")]);
        pass = Some(pf);
        image = store.settings.image_for(major(branch)?);
        script = format!("{FROM_RUNNING}{TOOL}");
    } else {
        // A temporary clone: of the snapshot, or of the stopped branch as it is now.
        let snap_full = match target.snapshot {
            Some(s) => s.full.clone(),
            None => {
                let full = format!("{}@export-{}-{}", branch.dataset, me.pid, me.start);
                ctx.created(Undo::OwnedSnapshot(full.clone()));
                ctx.zfs
                    .snapshot(
                        &full,
                        &[(props::STATE, Intent::new(Op::Creating, false).to_string())],
                    )
                    .await?;
                temp_snap = Some(full.clone());
                full
            }
        };
        let ds = format!(
            "{}/{}:export-{}",
            store.dataset,
            names::dataset_component(&branch.name),
            me.pid
        );
        ctx.created(Undo::OwnedDataset(ds.clone()));
        ctx.zfs
            .clone_snapshot(
                &snap_full,
                &ds,
                &[
                    (props::BRANCH, branch.name.clone()),
                    (props::STATE, Intent::new(Op::Creating, false).to_string()),
                ],
            )
            .await?;
        clone_ds = Some(ds.clone());
        let mp = ctx
            .zfs
            .get_one(&ds, &["mountpoint"])
            .await?
            .and_then(|e| e.native("mountpoint").map(PathBuf::from))
            .filter(|m| m.is_absolute())
            .ok_or_else(|| user_error(format!("{ds} has no mountpoint")))?;
        let v = pg::read_pg_version(&mp)
            .map_err(|e| CommandError::new(ErrorKind::User, e))?
            .ok_or_else(|| user_error(format!("{what} holds no PostgreSQL data directory")))?;
        image = store.settings.image_for(v);
        binds.push(Bind {
            host: mp.display().to_string(),
            container: pg::MOUNT.into(),
            read_only: false,
        });
        script = format!("{FROM_CLONE}{TOOL}{STOP_CLONE}");
    }
    let res = job::run(
        ctx,
        job::Job {
            store: &store.dataset,
            kind: "export",
            image,
            script: &script,
            args,
            env,
            binds,
            what: format!("dumping {what}"),
            // A clone's server is started as its own user (chown, then as that user).
            caps: if clone_ds.is_some() {
                job::AS_POSTGRES
            } else {
                &[]
            },
        },
        None,
        out,
    )
    .await;
    drop(pass);
    // The temporaries go in every case (rollback would too, but a dump
    // that failed should not leave them to it).
    if let Some(ds) = &clone_ds {
        ctx.zfs.destroy(ds, true).await?;
    }
    if let Some(s) = &temp_snap {
        ctx.zfs.destroy(s, false).await?;
    }
    res.map(drop)
}

fn major(b: &crate::store::Branch) -> CmdResult<u32> {
    match b.mountpoint.as_deref().map(pg::read_pg_version) {
        Some(Ok(Some(v))) => Ok(v),
        _ => b
            .pg_version
            .ok_or_else(|| user_error(format!("branch '{}' has no PostgreSQL version", b.name))),
    }
}
