use std::collections::BTreeSet;

use crate::cli::CheckoutArgs;
use crate::ctx::Ctx;
use crate::error::CmdResult;
use crate::intent::{Intent, Op};
use crate::ops;
use crate::ops::Undo;
use crate::plan;
use crate::props;

#[derive(serde::Serialize)]
struct Output {
    head: String,
    previous: Option<String>,
    head_port: u16,
    port: Option<u16>,
}

/// Makes NAME the HEAD. The head port is a port binding of HEAD's container,
/// so the old HEAD's container is recreated without it and the new HEAD's
/// with it (containers are disposable; the data stays on ZFS).
///
/// Before a running branch is stopped it gets a `stopped` intent marker and
/// the undo log a step to start it again, so a failure or an interrupt
/// (rolled back newest first) restores HEAD and restarts what was running,
/// and a kill leaves markers that `doctor --fix` acts on. Once the new HEAD
/// serves, the change is committed and an interrupt lets it finish.
pub async fn run(ctx: &Ctx, args: CheckoutArgs) -> CmdResult {
    let mut store = ops::open_store(ctx).await?;
    if args.create {
        let start = args.start.as_deref().unwrap_or("HEAD");
        let created = ops::create_branch(
            ctx,
            &store,
            &args.name,
            start,
            ops::BranchOptions {
                no_start: true,
                park: false,
                expires: None,
                limits: Default::default(),
            },
        )
        .await?;
        ctx.printer.status(format!(
            "created branch '{}' from {}",
            created.name, created.parent
        ));
    }
    // One checkout at a time per store, held through a rollback: the head
    // port can only move once.
    ctx.hold_lock(&store.dataset).await?;
    store = ops::load_store(ctx, &store.dataset).await?;
    let target = ops::find_branch(&store, &args.name)?;
    let previous = store.head.clone();
    let containers = ops::containers(ctx, &store).await?;
    let port = ops::port(target)?;
    let present: BTreeSet<&str> = containers.keys().map(String::as_str).collect();
    let running: BTreeSet<&str> = containers
        .iter()
        .filter(|(_, c)| c.state == "running")
        .map(|(b, _)| b.as_str())
        .collect();
    let steps = plan::checkout_plan(&store, target, &present, &running);

    let mut old_running = None;
    if let Some((old, was_running)) = &steps.stop_old
        && let Some(old) = store.branch(old)
    {
        if *was_running {
            mark_stopped(ctx, &store, old, true).await?;
            old_running = Some(old);
        }
        ops::stop_branch(ctx, &store, old).await?;
    }
    if let Some(was_running) = steps.stop_target {
        if was_running {
            mark_stopped(ctx, &store, target, false).await?;
        }
        ops::stop_branch(ctx, &store, target).await?;
    }
    if steps.move_head {
        ctx.created(Undo::Head {
            store: store.dataset.clone(),
            head: previous.clone(),
        });
        ctx.zfs
            .set(&store.dataset, props::HEAD, &target.name)
            .await?;
    }
    if steps.start_target {
        ctx.printer.status(format!(
            "starting '{}' on port {port} and head port {}",
            target.name, store.settings.head_port
        ));
        ops::start_branch(ctx, &store, target, true).await?;
    }
    // The new HEAD serves: the checkout stands.
    ctx.keep();
    ctx.commit();
    ops::clear_intent(ctx, &target.dataset).await?;
    if let Some(old) = old_running {
        // The old HEAD comes back on its own port only.
        match ops::start_branch(ctx, &store, old, false).await {
            Ok(_) => {
                ctx.keep();
                ops::clear_intent(ctx, &old.dataset).await?;
            }
            Err(e) => {
                ctx.keep();
                ctx.printer.warn(format!(
                    "'{}' could not be restarted without the head port: {:#}; start it with `stagdb start {}`",
                    old.name, e.error, old.name
                ));
            }
        }
    }
    ctx.printer.status(format!(
        "HEAD is now '{}' (port {port}, head port {})",
        target.name, store.settings.head_port
    ));
    if ctx.settings.json {
        ctx.printer.json(&Output {
            head: target.name.clone(),
            previous: previous.filter(|p| store.branch(p).is_some()),
            head_port: store.settings.head_port,
            port: target.port,
        })?;
    }
    Ok(())
}

/// Marks a running branch as stopped by this command and records how to
/// start it again, both before it goes down.
async fn mark_stopped(
    ctx: &Ctx,
    store: &crate::store::Store,
    b: &crate::store::Branch,
    head: bool,
) -> CmdResult {
    // The undo step first: an interrupt may land while zfs sets the marker.
    ctx.created(Undo::Start {
        store: store.dataset.clone(),
        branch: b.name.clone(),
        head,
    });
    ctx.zfs
        .set(
            &b.dataset,
            props::STATE,
            &Intent::new(Op::Stopped, true).to_string(),
        )
        .await?;
    Ok(())
}
