//! `stagdb branch -m OLD NEW`: rename a branch, like `git branch -m`.
//! Its dataset moves to the new name's place (its snapshots and the
//! lineage of branches made from it move along: ZFS keeps clones' origins
//! by identity), HEAD follows, and a running branch is stopped cleanly and
//! started again under its new container name.
//!
//! Each step leaves a state `doctor --fix` can finish: a `renaming` marker
//! goes on first; the dataset moves; HEAD is set; only then does the
//! dataset say its new name (see `plan::problems`, "interrupted-rename").

use serde::Serialize;

use crate::ctx::Ctx;
use crate::error::{CmdResult, user_error};
use crate::intent::{Intent, Op};
use crate::ops::{self, Undo};
use crate::plan;
use crate::props;

#[derive(Serialize)]
struct Output {
    from: String,
    to: String,
    dataset: String,
    head: bool,
    running: bool,
}

pub async fn run(ctx: &Ctx, old: &str, new: &str) -> CmdResult {
    let dataset = ops::store_dataset(ctx).await?;
    ctx.hold_lock(&dataset).await?;
    let store = ops::load_store(ctx, &dataset).await?;
    let p = plan::rename_plan(&store, old, new)?;
    let b = p.branch;
    let containers = ops::containers(ctx, &store).await?;
    let running = ops::state_of(containers.get(&b.name)) == "running";
    // zfs unmounts the clones of a dataset it renames, and theirs (all
    // dependents, see `plan::RenamePlan::dependents`), and fails (zfs-fuse
    // has been seen to hang later) when one is in use: asked first, never
    // tried, whatever the ZFS.
    let busy: Vec<String> = p
        .dependents
        .iter()
        .filter(|c| ops::state_of(containers.get(&c.name)) != "stopped")
        .map(|c| c.name.clone())
        .collect();
    if !busy.is_empty() {
        return Err(user_error(format!(
            "branches made from '{}' (or from those) are running: {}",
            b.name,
            busy.join(", ")
        ))
        .hint(format!(
            "their data is a clone of this branch's, which must move: `stagdb stop {}`, rename, then start them again",
            busy.join(" ")
        )));
    }
    // The undo first: an interrupt may land while zfs sets the marker.
    if running {
        ctx.created(Undo::Start {
            store: store.dataset.clone(),
            branch: b.name.clone(),
            head: p.head,
        });
    } else {
        ctx.created(Undo::ClearMarker(b.dataset.clone()));
    }
    ctx.zfs
        .set(
            &b.dataset,
            props::STATE,
            &Intent::new(Op::Renaming, running).to_string(),
        )
        .await?;
    if containers.contains_key(&b.name) {
        // A clean shutdown: the data stays, under the new name.
        if running {
            ctx.timed("stop", ops::stop_branch(ctx, &store, b)).await?;
        }
        ops::remove_branch_containers(ctx, &store.dataset, &b.name).await?;
    }
    // zfs-fuse refuses ("busy") to rename a dataset whose clones are
    // mounted, even unused: the (stopped) branches made from it are
    // unmounted for the move and mounted again after it.
    let children: Vec<&crate::store::Branch> =
        p.dependents.iter().copied().filter(|c| c.mounted).collect();
    for c in &children {
        ctx.created(Undo::Mount(c.dataset.clone()));
        ctx.timed("unmount clone", ctx.zfs.unmount(&c.dataset))
            .await?;
    }
    // From here on an interrupt lets the rename finish.
    ctx.commit();
    ctx.timed("rename", ctx.zfs.rename(&b.dataset, &p.dataset))
        .await?;
    // The old data is at its new place: nothing may undo the move now.
    ctx.keep();
    let finish_hint = "`stagdb doctor --fix` finishes the rename";
    if p.head {
        ctx.zfs
            .set(&store.dataset, props::HEAD, &p.to)
            .await
            .map_err(|e| crate::error::CommandError::from(e).hint(finish_hint))?;
    }
    ctx.zfs
        .set(&p.dataset, props::BRANCH, &p.to)
        .await
        .map_err(|e| crate::error::CommandError::from(e).hint(finish_hint))?;
    for c in &children {
        if let Err(e) = ctx.zfs.mount(&c.dataset).await {
            ctx.printer.warn(format!(
                "could not mount branch '{}' again ({e:#}); `stagdb doctor --fix` mounts it",
                c.name
            ));
        }
    }
    let fresh = ops::load_store(ctx, &store.dataset).await?;
    let renamed = ops::find_branch(&fresh, &p.to)?;
    if running {
        ops::start_branch(ctx, &fresh, renamed, p.head)
            .await
            .map_err(|e| e.hint(finish_hint))?;
        ctx.keep();
    }
    ctx.timed("clear marker", ops::clear_intent(ctx, &p.dataset))
        .await?;
    ops::forget_generation(ctx, &store.dataset, b).await;
    ctx.printer.status(format!(
        "renamed branch '{}' to '{}'{}{}",
        b.name,
        p.to,
        if p.head { " (HEAD)" } else { "" },
        if running { ", running again" } else { "" }
    ));
    if ctx.settings.json {
        ctx.printer.json(&Output {
            from: b.name.clone(),
            to: p.to.clone(),
            dataset: p.dataset.clone(),
            head: p.head,
            running,
        })?;
    }
    Ok(())
}
