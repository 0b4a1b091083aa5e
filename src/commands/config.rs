use serde::Serialize;

use crate::cli::{ConfigArgs, ConfigKey};
use crate::ctx::Ctx;
use crate::docker::ContainerInfo;
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
    /// The memory limit (bytes) a new branch gets; null: unlimited.
    memory: Option<u64>,
    /// The CPU limit a new branch gets; null: unlimited.
    cpus: Option<f64>,
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
        memory: s.limits.memory,
        cpus: s.limits.cpus.map(crate::limits::Cpus::as_f64),
    }
}

/// `config` shows the store's settings (properties of its root dataset);
/// `config network NAME|--unset` moves the store's containers to another
/// Docker network, live: each joins the new one before it leaves the old,
/// so a running branch keeps accepting connections on its ports
/// throughout; one on the host's network (which can join no other) is
/// made again on the new one. Connections open through the network a
/// container leaves (through its ports too when that network carried
/// them) are closed, and said so, branch by branch. One store per network:
/// a network another store uses is refused.
pub async fn run(ctx: &Ctx, args: ConfigArgs) -> CmdResult {
    let Some(key) = args.key else {
        let store = ops::open_store(ctx).await?;
        return print(ctx, &store);
    };
    match key {
        ConfigKey::Network => {}
        ConfigKey::Limits => return super::limits::run(ctx, &args).await,
    }
    if args.memory.is_some() || args.cpus.is_some() || args.branch.is_some() {
        return Err(usage_error(
            "--memory, --cpus and --branch go with `config limits`",
        ));
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
    // The host's lock first (as `init` takes it): no other store takes
    // the network between the check and the setting.
    ctx.hold_lock(super::init::HOST_LOCK).await?;
    // Not while a branch starts: it would join the old network.
    ctx.hold_lock(&dataset).await?;
    let store = ops::load_store(ctx, &dataset).await?;
    if let Some(n) = &new {
        check_network_unshared(ctx, &dataset, n).await?;
    }
    let old = store.settings.network.clone();
    let docker = ctx.docker().await?;
    if let Some(n) = &new
        && docker.ensure_network(n, &dataset).await?
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
    move_containers(ctx, &store, &containers, old.as_deref(), new.as_deref()).await?;
    if let Some(o) = old.as_deref().filter(|o| Some(*o) != new.as_deref()) {
        remove_if_left_behind(ctx, &dataset, o).await;
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

/// Refuses a Docker network another store on this host uses: both
/// stores' HEADs would answer there as `stagdb-head`, and one store's
/// `config network` would move clients of the other's.
pub(crate) async fn check_network_unshared(ctx: &Ctx, me: &str, network: &str) -> CmdResult {
    for other in ctx.zfs.find_stores().await? {
        if other.name != me && other.local(props::NETWORK) == Some(network) {
            return Err(usage_error(format!(
                "Docker network '{network}' is the network of store {}; two stores on one network would both answer there as '{}'",
                other.name,
                crate::names::HEAD_ALIAS
            ))
            .hint(format!(
                "give this store a network of its own (e.g. '{network}-2'), or first move store {} off it: `stagdb --store {} config network --unset`",
                other.name, other.name
            )));
        }
    }
    Ok(())
}

/// Moves the store's containers as [`plan::network_plan`] says, saying
/// for each running one whose open connections were closed.
async fn move_containers(
    ctx: &Ctx,
    store: &Store,
    containers: &[ContainerInfo],
    old: Option<&str>,
    new: Option<&str>,
) -> CmdResult {
    let docker = ctx.docker().await?;
    for m in plan::network_plan(containers, old, new) {
        let c = containers.iter().find(|c| c.id == m.container);
        let running = c.is_some_and(|c| c.state == "running");
        if m.restart {
            let branch = store.branch(&m.branch).ok_or_else(|| {
                crate::error::internal_error(format!("container of unknown branch '{}'", m.branch))
            })?;
            let head = store.head.as_deref() == Some(m.branch.as_str());
            ops::start_branch(ctx, store, branch, head).await?;
            ctx.printer.status(format!(
                "branch '{}' was restarted to join network '{}' as {}",
                m.branch,
                new.unwrap_or(""),
                crate::pg::aliases(&m.branch, head).join(", ")
            ));
            ctx.printer.warn(format!(
                "branch '{}': its open connections were closed by the restart; clients must reconnect",
                m.branch
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
        if let (Some(left), true) = (&m.leave, running) {
            // Docker carries a published port through the container's
            // first network: the default bridge when it was made before
            // the store had a network, else the store's, which it left.
            let ports_too = c.is_some_and(|c| !c.networks.iter().any(|n| n == "bridge"));
            ctx.printer.warn(format!(
                "branch '{}': connections open through network '{left}'{} were closed; clients must reconnect",
                m.branch,
                if ports_too { " and through its ports" } else { "" }
            ));
        }
    }
    Ok(())
}

/// Removes a network stagdb made for this store (or, unrecorded, for
/// some store) that the store just left, when nothing is on it any more
/// and no store names it. Best effort: `gc` removes one made for this
/// store later otherwise.
async fn remove_if_left_behind(ctx: &Ctx, me: &str, network: &str) {
    let Ok(docker) = ctx.docker().await else {
        return;
    };
    let ours = match docker.stagdb_networks().await {
        Ok(list) => list
            .into_iter()
            .any(|n| n.name == network && !n.in_use && (n.store == me || n.store == "true")),
        Err(_) => false,
    };
    if !ours || check_network_unshared(ctx, me, network).await.is_err() {
        return;
    }
    match docker.remove_network(network).await {
        Ok(true) => ctx.printer.status(format!(
            "removed Docker network '{network}', which stagdb had made and nothing uses any more"
        )),
        Ok(false) => {}
        Err(e) => ctx.printer.warn(format!(
            "could not remove Docker network '{network}' ({e:#}); `stagdb gc` removes it later"
        )),
    }
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
