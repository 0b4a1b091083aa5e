//! `stagdb config limits`: the memory and CPU limits a new branch gets
//! (the store's defaults, on its root), or one branch's own
//! (`--branch NAME`, applied at its next start), shown or changed.

use serde::Serialize;

use crate::cli::ConfigArgs;
use crate::ctx::Ctx;
use crate::error::{CmdResult, usage_error, user_error};
use crate::limits::{Change, Cpus, Limits};
use crate::ops;
use crate::props;

/// `config limits --json`. Stable schema: add fields, never rename.
#[derive(Serialize)]
struct Shown {
    /// The branch whose limits these are; null: the store's defaults.
    branch: Option<String>,
    /// Bytes; null: unlimited.
    memory: Option<u64>,
    /// null: unlimited.
    cpus: Option<f64>,
}

pub async fn run(ctx: &Ctx, args: &ConfigArgs) -> CmdResult {
    if args.value.is_some() || args.unset {
        return Err(usage_error(
            "`config limits` takes --memory SIZE and --cpus N (none: unlimited), not a value or --unset",
        ));
    }
    let change =
        Change::parse(args.memory.as_deref(), args.cpus.as_deref()).map_err(usage_error)?;
    if change.is_empty() {
        let store = ops::open_store(ctx).await?;
        let limits = match &args.branch {
            Some(name) => ops::find_branch(&store, name)?.limits,
            None => store.settings.limits,
        };
        return print(ctx, args.branch.as_deref(), limits);
    }
    if let Some(Some(c)) = change.cpus {
        check_cpus(ctx, c).await?;
    }
    let dataset = ops::store_dataset(ctx).await?;
    // Not while a branch is being made: it would take the old defaults.
    ctx.hold_lock(&dataset).await?;
    let store = ops::load_store(ctx, &dataset).await?;
    let (target, old) = match &args.branch {
        Some(name) => {
            let b = ops::find_branch(&store, name)?;
            (b.dataset.clone(), b.limits)
        }
        None => (store.dataset.clone(), store.settings.limits),
    };
    let new = old.with(change);
    let mut wanted = new.props();
    let cleared: Vec<&str> = [
        (props::MEMORY, new.memory.is_none()),
        (props::CPUS, new.cpus.is_none()),
    ]
    .into_iter()
    .filter(|(_, gone)| *gone)
    .map(|(p, _)| p)
    .collect();
    // Properties only: nothing to roll back but the values themselves,
    // and each `zfs set` or `inherit` is whole.
    ctx.commit();
    for (p, v) in wanted.drain(..) {
        ctx.zfs.set(&target, p, &v).await?;
    }
    for p in cleared {
        ctx.zfs.inherit(&target, p).await?;
    }
    ctx.keep();
    match &args.branch {
        Some(name) => {
            ctx.printer.status(format!(
                "branch '{name}' has limits: {} (from its next start: `stagdb restart {name}` applies them now)",
                new.describe()
            ));
        }
        None => ctx.printer.status(format!(
            "new branches get limits: {} (existing branches keep theirs: `stagdb config limits --branch NAME` changes one)",
            new.describe()
        )),
    }
    print(ctx, args.branch.as_deref(), new)
}

fn print(ctx: &Ctx, branch: Option<&str>, l: Limits) -> CmdResult {
    if ctx.settings.json {
        return ctx.printer.json(&Shown {
            branch: branch.map(str::to_string),
            memory: l.memory,
            cpus: l.cpus.map(Cpus::as_f64),
        });
    }
    let p = &ctx.printer;
    p.line(format!(
        "memory: {}",
        l.memory
            .map(crate::limits::mib)
            .unwrap_or_else(|| "none".into())
    ))?;
    p.line(format!(
        "cpus:   {}",
        l.cpus
            .map(|c| c.to_string())
            .unwrap_or_else(|| "none".into())
    ))?;
    Ok(())
}

/// Refuses more CPUs than the engine's host has (the engine would refuse
/// to start the branch). Unchecked while the engine is unreachable.
pub(crate) async fn check_cpus(ctx: &Ctx, cpus: Cpus) -> CmdResult {
    let Ok(docker) = ctx.docker().await else {
        return Ok(());
    };
    if let Ok(Some(n)) = docker.cpu_count().await
        && cpus.as_f64() > n as f64
    {
        return Err(user_error(format!(
            "--cpus {cpus} is more than the {n} CPU{} of the container engine's host; the engine would refuse to start the branch",
            if n == 1 { "" } else { "s" }
        ))
        .hint(format!("give at most --cpus {n}, or none for no limit")));
    }
    Ok(())
}
