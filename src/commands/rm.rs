use std::collections::BTreeSet;

use crate::ctx::Ctx;
use crate::error::{CmdResult, user_error};
use crate::ops;
use crate::plan;
use crate::ui;

#[derive(serde::Serialize)]
struct Output {
    removed: Vec<String>,
    dropped_snapshots: Vec<String>,
}

/// Plans on a first read, asks, then takes the store lock and plans again
/// on a fresh read: the lock is never held while a prompt waits, and what
/// is removed is what was confirmed (or the command stops).
pub async fn run(ctx: &Ctx, names: &[String]) -> CmdResult {
    let dataset = ops::store_dataset(ctx).await?;
    let first = ops::load_store(ctx, &dataset).await?;
    let confirmed: Vec<String> = plan::rm_plan(&first, names)?
        .order
        .iter()
        .map(|b| b.name.clone())
        .collect();
    let list: Vec<&str> = names.iter().map(String::as_str).collect();
    ui::confirm(
        &ctx.settings,
        &format!(
            "Remove branch{} {} with {} data and snapshots?",
            if list.len() == 1 { "" } else { "es" },
            list.join(", "),
            if list.len() == 1 { "its" } else { "their" }
        ),
    )?;

    ctx.hold_lock(&dataset).await?;
    let store = ops::load_store(ctx, &dataset).await?;
    let plan = plan::rm_plan(&store, names)?;
    let now: Vec<&str> = plan.order.iter().map(|b| b.name.as_str()).collect();
    if now != confirmed {
        return Err(user_error(format!(
            "the store changed while waiting for confirmation (now: {})",
            now.join(", ")
        ))
        .hint("run the command again"));
    }

    // Removal is not undone: an interrupt from here on lets it finish
    // (a destroy cut off between zfs-fuse's "busy" retries would leave a
    // branch unmounted).
    ctx.commit();
    let mut removed = Vec::new();
    let mut dropped = Vec::new();
    let mut gone: BTreeSet<&str> = BTreeSet::new();
    for b in plan.order {
        ops::remove_branch_containers(ctx, &store.dataset, &b.name).await?;
        ctx.zfs.destroy(&b.dataset, true).await?;
        gone.insert(b.dataset.as_str());
        ops::forget_generation(ctx, &store.dataset, b).await;
        ctx.printer.status(format!("removed branch '{}'", b.name));
        removed.push(b.name.clone());
        dropped.extend(ops::drop_branch_point(ctx, &store, b, &gone).await);
    }
    ops::index::release_removed(ctx, &store, &gone).await;
    if ctx.settings.json {
        ctx.printer.json(&Output {
            removed,
            dropped_snapshots: dropped,
        })?;
    }
    Ok(())
}
