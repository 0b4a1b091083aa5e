use serde::Serialize;

use crate::cli::{ConfigArgs, ConfigKey};
use crate::ctx::Ctx;
use crate::error::{CmdResult, usage_error};
use crate::ops;
use crate::plan;
use crate::props;
use crate::store::Store;

#[derive(Serialize)]
struct Output {
    store: String,
    image: String,
    ports: String,
    head_port: u16,
    listen: String,
    network: Option<String>,
}

fn output(store: &Store) -> Output {
    let s = &store.settings;
    Output {
        store: store.dataset.clone(),
        image: s.image.clone(),
        ports: s.ports.to_string(),
        head_port: s.head_port,
        listen: s.listen.to_string(),
        network: s.network.clone(),
    }
}

/// `config` shows the store's settings (properties of its root dataset);
/// `config network NAME|--unset` moves the store's containers to another
/// Docker network, live: each joins the new one before it leaves the old,
/// so a running branch keeps serving on its ports throughout; one on the
/// host's network (which can join no other) is made again on the new one.
pub async fn run(ctx: &Ctx, args: ConfigArgs) -> CmdResult {
    let Some(key) = args.key else {
        let store = ops::open_store(ctx).await?;
        return print(ctx, &store);
    };
    match key {
        ConfigKey::Network => {}
    }
    let new = match (&args.value, args.unset) {
        (Some(_), true) => return Err(usage_error("give a network name or --unset, not both")),
        (None, false) => {
            let store = ops::open_store(ctx).await?;
            ctx.printer
                .line(store.settings.network.clone().unwrap_or_default())?;
            return Ok(());
        }
        (Some(v), false) => {
            crate::names::validate_network_name(v)
                .map_err(|why| usage_error(format!("network name '{v}' {why}")))?;
            Some(v.clone())
        }
        (None, true) => None,
    };
    let dataset = ops::store_dataset(ctx).await?;
    // Not while a branch starts: it would join the old network.
    ctx.hold_lock(&dataset).await?;
    let store = ops::load_store(ctx, &dataset).await?;
    let old = store.settings.network.clone();
    let docker = ctx.docker().await?;
    if let Some(n) = &new
        && docker.ensure_network(n).await?
    {
        ctx.printer.status(format!("created Docker network '{n}'"));
    }
    match &new {
        Some(n) => ctx.zfs.set(&dataset, props::NETWORK, n).await?,
        None => ctx.zfs.inherit(&dataset, props::NETWORK).await?,
    }
    ctx.keep();
    let containers = ops::containers_of(ctx, &dataset).await?;
    // What was just set, without reading the store again.
    let mut store = store;
    store.settings.network = new.clone();
    for m in plan::network_plan(&containers, old.as_deref(), new.as_deref()) {
        if m.restart {
            let branch = store.branch(&m.branch).ok_or_else(|| {
                crate::error::internal_error(format!("container of unknown branch '{}'", m.branch))
            })?;
            let head = store.head.as_deref() == Some(m.branch.as_str());
            ops::start_branch(ctx, &store, branch, head).await?;
            ctx.printer.status(format!(
                "branch '{}' was restarted to join network '{}' as {}",
                m.branch,
                new.as_deref().unwrap_or(""),
                crate::pg::aliases(&m.branch, head).join(", ")
            ));
            continue;
        }
        if let Some((net, aliases)) = &m.join {
            docker.connect_network(net, &m.container, aliases).await?;
        }
        if let Some(net) = &m.leave {
            docker.disconnect_network(net, &m.container).await?;
        }
        ctx.printer.status(match &m.join {
            Some((net, aliases)) if !aliases.is_empty() => format!(
                "branch '{}' is on network '{net}' as {}",
                m.branch,
                aliases.join(", ")
            ),
            _ => format!(
                "branch '{}' left network '{}'",
                m.branch,
                m.leave.as_deref().unwrap_or("")
            ),
        });
    }
    ctx.printer.status(match &new {
        Some(n) => format!(
            "the store's branches join Docker network '{n}'; HEAD also answers there as '{}'",
            crate::names::HEAD_ALIAS
        ),
        None => "the store's branches are on no network of their own".to_string(),
    });
    print(ctx, &store)
}

fn print(ctx: &Ctx, store: &Store) -> CmdResult {
    let o = output(store);
    if ctx.settings.json {
        return ctx.printer.json(&o);
    }
    ctx.printer.line(format!("store      {}", o.store))?;
    ctx.printer.line(format!("image      {}", o.image))?;
    ctx.printer.line(format!("ports      {}", o.ports))?;
    ctx.printer.line(format!("head-port  {}", o.head_port))?;
    ctx.printer.line(format!("listen     {}", o.listen))?;
    ctx.printer.line(format!(
        "network    {}",
        o.network.as_deref().unwrap_or("(none)")
    ))?;
    Ok(())
}
