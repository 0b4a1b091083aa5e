use serde::Serialize;

use crate::cli::NamesArgs;
use crate::ctx::Ctx;
use crate::error::CmdResult;
use crate::ops;
use crate::store::{Branch, Store};

#[derive(Serialize)]
struct Row {
    branch: String,
    state: &'static str,
    port: Option<u16>,
    ready_ms: Option<u128>,
}

fn targets<'a>(store: &'a Store, args: &NamesArgs) -> CmdResult<Vec<&'a Branch>> {
    if args.all {
        return Ok(store.branches.iter().collect());
    }
    if args.names.is_empty() {
        return Ok(vec![ops::head(store)?]);
    }
    args.names
        .iter()
        .map(|n| ops::find_branch(store, n))
        .collect()
}

fn report(ctx: &Ctx, rows: &[Row]) -> CmdResult {
    if ctx.settings.json {
        ctx.printer.json(rows)?;
    }
    Ok(())
}

pub async fn start(ctx: &Ctx, args: NamesArgs) -> CmdResult {
    let store = ops::open_store(ctx).await?;
    let branches = targets(&store, &args)?;
    let containers = ops::containers(ctx, &store).await?;
    let mut rows = Vec::new();
    for b in branches {
        if ops::state_of(containers.get(&b.name)) == "running" {
            ctx.printer.status(format!(
                "branch '{}' is already running on port {}",
                b.name,
                ops::port(b)?
            ));
            rows.push(Row {
                branch: b.name.clone(),
                state: "running",
                port: b.port,
                ready_ms: None,
            });
            continue;
        }
        let took = ops::start_branch(ctx, &store, b, ops::is_head(&store, b)).await?;
        ctx.keep();
        ctx.printer.status(format!(
            "started branch '{}' on port {} in {:.1}s",
            b.name,
            ops::port(b)?,
            took.as_secs_f64()
        ));
        rows.push(Row {
            branch: b.name.clone(),
            state: "running",
            port: b.port,
            ready_ms: Some(took.as_millis()),
        });
    }
    report(ctx, &rows)
}

pub async fn stop(ctx: &Ctx, args: NamesArgs) -> CmdResult {
    let store = ops::open_store(ctx).await?;
    let branches = targets(&store, &args)?;
    let mut rows = Vec::new();
    for b in branches {
        ops::stop_branch(ctx, &store, b).await?;
        ctx.printer.status(format!("stopped branch '{}'", b.name));
        rows.push(Row {
            branch: b.name.clone(),
            state: "stopped",
            port: b.port,
            ready_ms: None,
        });
    }
    report(ctx, &rows)
}

pub async fn restart(ctx: &Ctx, args: NamesArgs) -> CmdResult {
    let store = ops::open_store(ctx).await?;
    let branches = targets(&store, &args)?;
    let mut rows = Vec::new();
    for b in branches {
        ops::stop_branch(ctx, &store, b).await?;
        let took = ops::start_branch(ctx, &store, b, ops::is_head(&store, b)).await?;
        ctx.keep();
        ctx.printer.status(format!(
            "restarted branch '{}' on port {} in {:.1}s",
            b.name,
            ops::port(b)?,
            took.as_secs_f64()
        ));
        rows.push(Row {
            branch: b.name.clone(),
            state: "running",
            port: b.port,
            ready_ms: Some(took.as_millis()),
        });
    }
    report(ctx, &rows)
}
