use std::collections::BTreeSet;

use crate::ctx::Ctx;
use crate::error::{CmdResult, user_error};
use crate::ops;
use crate::store::Branch;
use crate::ui;

#[derive(serde::Serialize)]
struct Output {
    removed: Vec<String>,
    dropped_snapshots: Vec<String>,
}

pub async fn run(ctx: &Ctx, names: &[String]) -> CmdResult {
    let dataset = ops::store_dataset(ctx)?;
    ctx.hold_lock(&dataset).await?;
    let store = ops::load_store(ctx, &dataset)?;
    let mut doomed: Vec<&Branch> = Vec::new();
    for n in names {
        let b = ops::find_branch(&store, n)?;
        if !doomed.iter().any(|d| d.name == b.name) {
            doomed.push(b);
        }
    }
    let doomed_names: BTreeSet<&str> = doomed.iter().map(|b| b.name.as_str()).collect();
    for b in &doomed {
        if store.head.as_deref() == Some(b.name.as_str()) {
            return Err(
                user_error(format!("cannot remove '{}': it is HEAD", b.name))
                    .hint("check out another branch first with `stagdb checkout NAME`"),
            );
        }
        let outside: Vec<&str> = store
            .children_of(b)
            .into_iter()
            .map(|c| c.name.as_str())
            .filter(|c| !doomed_names.contains(c))
            .collect();
        if !outside.is_empty() {
            return Err(user_error(format!(
                "cannot remove '{}': branches {} were created from it",
                b.name,
                outside.join(", ")
            ))
            .hint("remove those branches first (or in the same command)"));
        }
        ops::check_no_foreign_children(&store, b)?;
    }
    let list: Vec<&str> = doomed.iter().map(|b| b.name.as_str()).collect();
    ui::confirm(
        &ctx.settings,
        &format!(
            "Remove branch{} {} with {} data and snapshots?",
            if list.len() == 1 { "" } else { "es" },
            list.join(", "),
            if list.len() == 1 { "its" } else { "their" }
        ),
    )?;

    // Children before parents.
    let mut order: Vec<&Branch> = Vec::new();
    let mut left = doomed.clone();
    while !left.is_empty() {
        let before = left.len();
        left.retain(|b| {
            let blocked = store
                .children_of(b)
                .iter()
                .any(|c| !order.iter().any(|o| o.name == c.name));
            if !blocked {
                order.push(b);
            }
            blocked
        });
        // Every doomed branch's children are doomed too (checked above), so
        // each pass removes at least one; this guards against a model bug.
        if left.len() == before {
            return Err(crate::error::internal_error(
                "no removal order for the branches",
            ));
        }
    }

    let docker = ctx.docker().await?;
    let mut removed = Vec::new();
    let mut dropped = Vec::new();
    let mut gone: BTreeSet<&str> = BTreeSet::new();
    for b in order {
        docker
            .remove(&ops::container_name(&store, &b.name), true)
            .await?;
        ctx.zfs.destroy(&b.dataset, true)?;
        gone.insert(b.dataset.as_str());
        ctx.printer.status(format!("removed branch '{}'", b.name));
        removed.push(b.name.clone());
        dropped.extend(ops::drop_branch_point(ctx, &store, b, &gone));
    }
    if ctx.settings.json {
        ctx.printer.json(&Output {
            removed,
            dropped_snapshots: dropped,
        })?;
    }
    Ok(())
}
