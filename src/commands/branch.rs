use comfy_table::Cell;
use serde::Serialize;

use crate::cli::BranchArgs;
use crate::ctx::Ctx;
use crate::error::{CmdResult, usage_error};
use crate::ops;
use crate::pg;
use crate::ui;

/// One row of `stagdb branch --json`. Stable schema: add fields, never rename.
#[derive(Serialize)]
struct Row {
    name: String,
    head: bool,
    state: String,
    port: Option<u16>,
    pg_version: Option<u32>,
    parent: Option<String>,
    used_bytes: u64,
    referenced_bytes: u64,
    created: String,
    snapshots: usize,
    dataset: String,
    container: String,
    /// RFC 3339; absent when the branch does not expire.
    expires: Option<String>,
    protected: bool,
    /// Memory limit in bytes; null: unlimited.
    memory: Option<u64>,
    /// CPU limit; null: unlimited.
    cpus: Option<f64>,
}

pub async fn run(ctx: &Ctx, args: BranchArgs) -> CmdResult {
    if args.rename
        && let Some(name) = &args.name
    {
        // `-m NEW` renames HEAD, `-m OLD NEW` OLD.
        return match &args.start {
            None => {
                let store = ops::open_store(ctx).await?;
                let head = ops::head(&store)?.name.clone();
                super::rename::run(ctx, &head, name).await
            }
            Some(new) => super::rename::run(ctx, name, new).await,
        };
    }
    match (args.name, args.delete) {
        (Some(name), true) => super::rm::run(ctx, &[name]).await,
        (Some(name), false) => {
            let expires = match (&args.ttl, &args.expires_at) {
                (Some(t), _) => Some(ui::now() + ui::parse_duration(t).map_err(usage_error)?),
                (None, Some(at)) => Some(future_time(at)?),
                (None, None) => None,
            };
            let limits = crate::limits::Change::parse(args.memory.as_deref(), args.cpus.as_deref())
                .map_err(usage_error)?;
            if let Some(Some(c)) = limits.cpus {
                super::limits::check_cpus(ctx, c).await?;
            }
            let opts = ops::BranchOptions {
                no_start: args.no_start,
                park: args.no_start,
                expires,
                limits,
            };
            if let Some(at) = &args.from_time {
                return from_time(ctx, &name, at, args.of.as_deref(), opts).await;
            }
            create(ctx, &name, args.start.as_deref().unwrap_or("HEAD"), opts).await
        }
        (None, _) => list(ctx).await,
    }
}

/// `--expires-at`: a time already past would let the next `gc` remove
/// the new branch at once, so it is refused.
fn future_time(at: &str) -> CmdResult<i64> {
    let t = ui::parse_time(at).map_err(usage_error)?;
    let now = ui::now();
    if t <= now {
        return Err(usage_error(format!(
            "--expires-at {at} is in the past ({}): `stagdb gc` would remove the branch at once",
            match ui::age(t, now).as_str() {
                "just now" => "a moment ago".to_string(),
                ago => ago.to_string(),
            }
        ))
        .hint("give a future time, or a lifetime with --ttl (e.g. --ttl 8h)"));
    }
    Ok(t)
}

async fn create(ctx: &Ctx, name: &str, start: &str, opts: ops::BranchOptions) -> CmdResult {
    // Only the store's settings and the start branch: creating a branch
    // costs the same however many branches the store has.
    let store = ctx
        .timed("read store", ops::open_store_for(ctx, Some(start), false))
        .await?;
    let created = ops::create_branch(ctx, &store, name, start, opts).await?;
    ctx.keep();
    print_created(ctx, &created, None)
}

/// `branch NAME --from-time TIME [--of BRANCH]`: from the newest snapshot
/// taken at or before TIME among those `log BRANCH` lists (its own, then
/// its ancestors' up to its branch point; not old generations').
async fn from_time(
    ctx: &Ctx,
    name: &str,
    at: &str,
    of: Option<&str>,
    opts: ops::BranchOptions,
) -> CmdResult {
    let t = ui::parse_when(at, ui::now()).map_err(usage_error)?;
    let store = ctx.timed("read store", ops::open_store(ctx)).await?;
    let branch = ops::branch_or_head(&store, of)?;
    let snaps: Vec<(String, i64)> = store
        .log(branch, None)
        .iter()
        .filter(|e| !e.retired)
        .map(|e| (e.reference(), e.snapshot.created))
        .collect();
    let (from, taken) = &snaps[crate::plan::pick_at_time(&snaps, t, &branch.name)?];
    ctx.printer
        .status(format!("from {from} (taken {})", ui::rfc3339(*taken)));
    let created = ops::create_branch(ctx, &store, name, from, opts).await?;
    ctx.keep();
    print_created(ctx, &created, Some(from))
}

/// `branch --json`'s shape for a new branch: `Created`, with
/// `from_snapshot` after `--from-time`.
#[derive(Serialize)]
struct CreatedOut<'a> {
    #[serde(flatten)]
    created: &'a ops::Created,
    #[serde(skip_serializing_if = "Option::is_none")]
    from_snapshot: Option<&'a str>,
}

pub fn print_created(ctx: &Ctx, c: &ops::Created, from: Option<&str>) -> CmdResult {
    match c.ready_ms {
        Some(ms) => ctx.printer.status(format!(
            "created branch '{}' from {} on port {}, ready in {:.1}s",
            c.name,
            c.parent,
            c.port,
            ms as f64 / 1000.0
        )),
        None => ctx.printer.status(format!(
            "created branch '{}' from {} (not started; `stagdb start {}`)",
            c.name, c.parent, c.name
        )),
    }
    if ctx.settings.json {
        ctx.printer.json(&CreatedOut {
            created: c,
            from_snapshot: from,
        })
    } else {
        ctx.printer.line(&c.url)?;
        Ok(())
    }
}

async fn list(ctx: &Ctx) -> CmdResult {
    // The table needs no snapshot; --json counts them (`snapshots`).
    let (store, containers) = if ctx.settings.json {
        ops::store_and_containers(ctx).await?
    } else {
        ops::branches_and_containers(ctx).await?
    };
    // Listing must work while Docker is down; states are then unknown.
    let containers = match containers {
        Ok(c) => Some(ops::by_branch(c)),
        Err(e) => {
            ctx.printer
                .warn(format!("{:#}; branch states are unknown", e.error));
            None
        }
    };
    let rows: Vec<Row> = store
        .branches
        .iter()
        .map(|b| {
            // Recorded from PG_VERSION when the data was made (a clone has
            // its origin's); the file itself is read only when missing.
            let pg_version = b.pg_version.or_else(|| {
                b.mountpoint
                    .as_deref()
                    .and_then(|m| pg::read_pg_version(m).ok().flatten())
            });
            Row {
                name: b.name.clone(),
                head: store.head.as_deref() == Some(b.name.as_str()),
                state: match &containers {
                    Some(cs) => ops::state_of(cs.get(&b.name)).to_string(),
                    None => "unknown".to_string(),
                },
                port: b.port,
                pg_version,
                parent: store.parent_ref(b),
                used_bytes: b.used,
                referenced_bytes: b.referenced,
                created: ui::rfc3339(b.created),
                snapshots: b.snapshots.len(),
                dataset: b.dataset.clone(),
                container: ops::container_name(&store, &b.name),
                expires: b.expires.map(ui::rfc3339),
                protected: b.protected,
                memory: b.limits.memory,
                cpus: b.limits.cpus.map(crate::limits::Cpus::as_f64),
            }
        })
        .collect();
    if ctx.settings.json {
        return ctx.printer.json(&rows);
    }
    let now = ui::now();
    let table_rows = rows
        .iter()
        .zip(&store.branches)
        .map(|(r, b)| {
            let state = match r.state.as_str() {
                "running" => ctx.printer.paint(&r.state, "32"),
                "stopped" => r.state.clone(),
                other => ctx.printer.paint(other, "31"),
            };
            vec![
                Cell::new(if r.head { "*" } else { " " }),
                Cell::new(if r.head {
                    ctx.printer.paint(&r.name, "1;32")
                } else {
                    r.name.clone()
                }),
                Cell::new(state),
                Cell::new(r.port.map(|p| p.to_string()).unwrap_or_else(|| "-".into())),
                Cell::new(
                    r.pg_version
                        .map(|v| v.to_string())
                        .unwrap_or_else(|| "-".into()),
                ),
                Cell::new(r.parent.as_deref().unwrap_or("-")),
                Cell::new(ui::human_bytes(r.used_bytes)),
                Cell::new(ui::age(b.created, now)),
                Cell::new(match (b.protected, b.expires) {
                    (true, _) => "protected".to_string(),
                    (false, Some(t)) => ui::until(t, now),
                    (false, None) => "-".to_string(),
                }),
            ]
        })
        .collect();
    ctx.printer.table(
        &[
            "", "NAME", "STATE", "PORT", "PG", "PARENT", "USED", "CREATED", "EXPIRES",
        ],
        table_rows,
    )?;
    Ok(())
}
