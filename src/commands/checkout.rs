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
        store = ops::load_store(ctx, &store.dataset)?;
    }
    let target = ops::find_branch(&store, &args.name)?;
    let previous = store.head.clone().filter(|h| store.branch(h).is_some());
    let containers = ops::containers(ctx, &store).await?;

    if previous.as_deref() != Some(target.name.as_str()) {
        // Free the head port first.
        let old_running = match previous.as_deref().and_then(|p| store.branch(p)) {
            Some(old) if ops::state_of(containers.get(&old.name)) == "running" => {
                ops::stop_branch(ctx, &store, old).await?;
                Some(old.name.clone())
            }
            _ => None,
        };
        ctx.zfs.set(&store.dataset, props::HEAD, &target.name)?;
        let store2 = ops::load_store(ctx, &store.dataset)?;
        let new_head = ops::find_branch(&store2, &target.name)?;
        ctx.printer.status(format!(
            "starting '{}' on port {} and head port {}",
            new_head.name,
            new_head.port.unwrap_or(0),
            store2.settings.head_port
        ));
        ops::start_branch(ctx, &store2, new_head).await?;
        if let Some(old) = old_running.as_deref().and_then(|o| store2.branch(o)) {
            ops::start_branch(ctx, &store2, old).await?;
        }
    } else if ops::state_of(containers.get(&target.name)) != "running" {
        ops::start_branch(ctx, &store, target).await?;
    }
    ctx.keep();
    ctx.printer.status(format!(
        "HEAD is now '{}' (port {}, head port {})",
        target.name,
        target.port.unwrap_or(0),
        store.settings.head_port
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
