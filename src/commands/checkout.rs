use crate::cli::CheckoutArgs;
use crate::ctx::{Ctx, Undo};
use crate::error::CmdResult;
use crate::ops;
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
/// Every step that changes something records how to put it back, so a
/// failure or an interrupt (rolled back newest first) removes the new
/// container, restores HEAD, and restarts what was running as it was.
pub async fn run(ctx: &Ctx, args: CheckoutArgs) -> CmdResult {
    let mut store = ops::open_store(ctx)?;
    if args.create {
        let start = args.start.as_deref().unwrap_or("HEAD");
        let created = ops::create_branch(ctx, &store, &args.name, start, true).await?;
        ctx.printer.status(format!(
            "created branch '{}' from {}",
            created.name, created.parent
        ));
    }
    // One checkout at a time per store, held through a rollback: the head
    // port can only move once.
    ctx.hold_lock(&store.dataset).await?;
    store = ops::load_store(ctx, &store.dataset)?;
    let target = ops::find_branch(&store, &args.name)?;
    let previous = store.head.clone();
    let containers = ops::containers(ctx, &store).await?;
    let port = ops::port(target)?;
    let running = |name: &str| ops::state_of(containers.get(name)) == "running";

    if previous.as_deref() != Some(target.name.as_str()) {
        // Free the head port, and stop the target gracefully before its
        // container is recreated with the head port.
        if let Some(old) = previous.as_deref().and_then(|p| store.branch(p))
            && containers.contains_key(&old.name)
        {
            ops::stop_branch(ctx, &store, old).await?;
            if running(&old.name) {
                ctx.created(Undo::Start {
                    store: store.dataset.clone(),
                    branch: old.name.clone(),
                    head: true,
                });
            }
        }
        if containers.contains_key(&target.name) {
            ops::stop_branch(ctx, &store, target).await?;
            if running(&target.name) {
                ctx.created(Undo::Start {
                    store: store.dataset.clone(),
                    branch: target.name.clone(),
                    head: false,
                });
            }
        }
        ctx.created(Undo::Head {
            store: store.dataset.clone(),
            head: previous.clone(),
        });
        ctx.zfs.set(&store.dataset, props::HEAD, &target.name)?;
        ctx.printer.status(format!(
            "starting '{}' on port {port} and head port {}",
            target.name, store.settings.head_port
        ));
        ops::start_branch(ctx, &store, target, true).await?;
        ctx.keep();
        if let Some(old) = previous.as_deref().and_then(|p| store.branch(p))
            && running(&old.name)
        {
            // The new HEAD is up; the old one comes back on its own port only.
            if let Err(e) = ops::start_branch(ctx, &store, old, false).await {
                ctx.keep();
                ctx.printer.warn(format!(
                    "'{}' could not be restarted without the head port: {:#}; start it with `stagdb start {}`",
                    old.name, e.error, old.name
                ));
            }
        }
    } else if !running(&target.name) {
        ops::start_branch(ctx, &store, target, true).await?;
    }
    ctx.keep();
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
