use comfy_table::Cell;
use serde::Serialize;

use crate::cli::LogArgs;
use crate::ctx::Ctx;
use crate::error::CmdResult;
use crate::ops;
use crate::ui;

#[derive(Serialize)]
struct Entry {
    #[serde(rename = "ref")]
    reference: String,
    branch: String,
    snapshot: String,
    created: String,
    author: Option<String>,
    message: Option<String>,
    used_bytes: u64,
    branch_point: bool,
    /// Of an old generation of a refreshed root.
    retired: bool,
    /// Another tool's snapshot: the tool its name says made it.
    #[serde(skip_serializing_if = "Option::is_none")]
    foreign: Option<&'static str>,
}

pub async fn run(ctx: &Ctx, args: LogArgs) -> CmdResult {
    if args.graph {
        return graph(ctx, args).await;
    }
    let store = ops::open_store_for(ctx, args.reference.as_deref(), true).await?;
    let target = ops::resolve_ref(&store, args.reference.as_deref().unwrap_or("HEAD"))?;
    let mut entries = store.log(target.branch, target.snapshot.map(|s| s.name.as_str()));
    let has_history = !entries.is_empty();
    if let Some(n) = args.max_count {
        entries.truncate(n);
    }
    if ctx.settings.json {
        let out: Vec<Entry> = entries
            .iter()
            .map(|e| Entry {
                reference: e.reference(),
                branch: e.branch.to_string(),
                snapshot: e.snapshot.name.clone(),
                created: ui::rfc3339(e.snapshot.created),
                author: e.snapshot.author.clone(),
                message: e.snapshot.message.clone(),
                used_bytes: e.snapshot.used,
                branch_point: e.snapshot.is_branch_point(),
                retired: e.retired,
                foreign: e.snapshot.foreign_tool(),
            })
            .collect();
        return ctx.printer.json(&out);
    }
    if !has_history {
        ctx.printer.status(format!(
            "no snapshots yet in the history of '{}'; take one with `stagdb snapshot {} -m MESSAGE`",
            target.branch.name, target.branch.name
        ));
        return Ok(());
    }
    let rows = entries
        .iter()
        .map(|e| {
            let msg = match e.snapshot.foreign_tool() {
                Some(tool) => format!("(foreign: made by {tool}, not stagdb)"),
                None => e.snapshot.message.clone().unwrap_or_default(),
            };
            vec![
                Cell::new(if e.retired {
                    format!("{} (old data)", e.reference())
                } else {
                    ctx.printer.paint(&e.reference(), "33")
                }),
                Cell::new(ui::local_time(e.snapshot.created)),
                Cell::new(e.snapshot.author.as_deref().unwrap_or("-")),
                Cell::new(ui::human_bytes(e.snapshot.used)),
                Cell::new(msg.lines().next().unwrap_or("")),
            ]
        })
        .collect();
    ctx.printer
        .table(&["REF", "TIME", "AUTHOR", "SPACE", "MESSAGE"], rows)?;
    Ok(())
}

/// `log --graph [--all]`: the tree of REF's root, or of every root.
async fn graph(ctx: &Ctx, args: LogArgs) -> CmdResult {
    let store = ops::open_store(ctx).await?;
    let root = if args.all {
        None
    } else {
        let mut b = ops::resolve_ref(&store, args.reference.as_deref().unwrap_or("HEAD"))?.branch;
        while let Some((p, _)) = store.parent_of(b) {
            b = p;
        }
        Some(b)
    };
    let g = crate::plan::graph(&store, root);
    if ctx.settings.json {
        return ctx.printer.json(&g);
    }
    for l in &g.lines {
        ctx.printer.line(l)?;
    }
    Ok(())
}
