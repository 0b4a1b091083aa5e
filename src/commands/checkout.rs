use crate::cli::CheckoutArgs;
use crate::ctx::Ctx;
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
    // One checkout at a time per store: the head port can only move once.
    let _lock = crate::lock::lock_store(&store.dataset, || {
        ctx.printer
            .status("waiting for another stagdb command on this store")
    })?;
    store = ops::load_store(ctx, &store.dataset)?;
    let target = ops::find_branch(&store, &args.name)?;
    let previous = store.head.clone().filter(|h| store.branch(h).is_some());
    let containers = ops::containers(ctx, &store).await?;
    let port = ops::port(target)?;

    if previous.as_deref() != Some(target.name.as_str()) {
        // Free the head port first.
        let old_running = match previous.as_deref().and_then(|p| store.branch(p)) {
            Some(old) if ops::state_of(containers.get(&old.name)) == "running" => {
                ops::stop_branch(ctx, &store, old).await?;
                Some(old)
            }
            _ => None,
        };
        ctx.zfs.set(&store.dataset, props::HEAD, &target.name)?;
        ctx.printer.status(format!(
            "starting '{}' on port {port} and head port {}",
            target.name, store.settings.head_port
        ));
        if let Err(e) = ops::start_branch(ctx, &store, target, true).await {
            // Put HEAD and the old HEAD's container back as they were.
            if let Some(prev) = &previous
                && let Err(e2) = ctx.zfs.set(&store.dataset, props::HEAD, prev)
            {
                ctx.printer
                    .warn(format!("could not restore HEAD to '{prev}': {e2:#}"));
            }
            if let Some(old) = old_running {
                let mark = ctx.mark();
                match ops::start_branch(ctx, &store, old, true).await {
                    Ok(_) => ctx.keep_since(mark),
                    Err(e2) => ctx
                        .printer
                        .warn(format!("could not restart '{}': {:#}", old.name, e2.error)),
                }
            }
            return Err(e);
        }
        ctx.keep();
        if let Some(old) = old_running {
            // The new HEAD is up; the old one comes back on its own port only.
            if let Err(e) = ops::start_branch(ctx, &store, old, false).await {
                ctx.keep();
                ctx.printer.warn(format!(
                    "'{}' could not be restarted without the head port: {:#}; start it with `stagdb start {}`",
                    old.name, e.error, old.name
                ));
            }
        }
    } else if ops::state_of(containers.get(&target.name)) != "running" {
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
            previous,
            head_port: store.settings.head_port,
            port: target.port,
        })?;
    }
    Ok(())
}
