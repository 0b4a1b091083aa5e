use std::collections::BTreeSet;

use crate::ctx::Ctx;
use crate::error::{CmdResult, user_error};
use crate::ops;
use crate::props;
use crate::store::Branch;
use crate::ui;

#[derive(serde::Serialize)]
struct Output {
    removed: Vec<String>,
    dropped_snapshots: Vec<String>,
}

pub async fn run(ctx: &Ctx, names: &[String]) -> CmdResult {
    let store = ops::open_store(ctx)?;
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
        // Never destroy datasets someone put under a branch.
        let prefix = format!("{}/", b.dataset);
        if let Some(s) = store.strays.iter().find(|s| s.starts_with(&prefix)) {
            return Err(user_error(format!(
                "cannot remove '{}': dataset {s} under it was not created by stagdb",
                b.name
            )));
        }
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
        if left.len() == before {
            return Err(user_error(
                "branches to remove depend on each other in a loop",
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
        // Drop the branch point stagdb took for this branch once unused.
        if let Some((parent, snap)) = store.parent_of(b) {
            let users = store
                .clones_of(&snap.full)
                .iter()
                .filter(|c| !gone.contains(c.dataset.as_str()))
                .count();
            if snap.is_branch_point() && users == 0 && !gone.contains(parent.dataset.as_str()) {
                match ctx.zfs.destroy(&snap.full, false) {
                    Ok(()) => dropped.push(format!("{}@{}", parent.name, snap.name)),
                    Err(e) => ctx.printer.warn(format!(
                        "could not drop branch point {}@{} ({}={}): {e:#}",
                        parent.name,
                        snap.name,
                        props::KIND,
                        props::KIND_BRANCH_POINT
                    )),
                }
            }
        }
    }
    if ctx.settings.json {
        ctx.printer.json(&Output {
            removed,
            dropped_snapshots: dropped,
        })?;
    }
    Ok(())
}
