//! A branch's container: its name and state, starting and stopping it, and
//! the dataset chores around removing a branch.

use std::collections::BTreeMap;
use std::time::Duration;

use super::Undo;
use crate::ctx::Ctx;
use crate::docker::ContainerInfo;
use crate::error::{CmdResult, CommandError, ErrorKind, internal_error, user_error};
use crate::names;
use crate::pg;
use crate::props;
use crate::store::{Branch, Store};

pub fn container_name(store: &Store, branch: &str) -> String {
    names::container_name(&names::container_prefix_for_store(&store.dataset), branch)
}

/// The store's containers by branch name: one Docker call.
pub async fn containers(ctx: &Ctx, store: &Store) -> CmdResult<BTreeMap<String, ContainerInfo>> {
    Ok(by_branch(containers_of(ctx, &store.dataset).await?))
}

/// Every container labelled with the store (a branch may have several).
pub async fn containers_of(ctx: &Ctx, store: &str) -> CmdResult<Vec<ContainerInfo>> {
    Ok(ctx
        .docker()
        .await?
        .list_by_label(pg::LABEL_STORE, store)
        .await?)
}

pub fn by_branch(list: Vec<ContainerInfo>) -> BTreeMap<String, ContainerInfo> {
    list.into_iter()
        .filter_map(|c| c.labels.get(pg::LABEL_BRANCH).cloned().map(|b| (b, c)))
        .collect()
}

pub fn state_of(c: Option<&ContainerInfo>) -> &'static str {
    match c.map(|c| c.state.as_str()) {
        Some("running") => "running",
        Some("restarting") => "restarting",
        Some("paused") => "paused",
        Some("dead") => "dead",
        Some("removing") => "removing",
        _ => "stopped",
    }
}

/// A missing or damaged property of a branch, as an error.
fn bad_property(branch: &Branch, prop: &str) -> CommandError {
    if branch.damaged.contains(prop) {
        user_error(format!(
            "branch '{}' has a damaged {prop} value on {} (stagdb never writes such a value)",
            branch.name, branch.dataset
        ))
        .hint("`stagdb doctor` shows the value; `stagdb doctor --fix` repairs what it safely can")
    } else {
        user_error(format!(
            "branch '{}' has no {prop} property ({})",
            branch.name, branch.dataset
        ))
        .hint("`stagdb doctor` checks the store")
    }
}

/// The `stagdb:password` value as stored: sealed, or plain in a store from
/// before sealing. [`super::password`] opens it.
pub(crate) fn raw_password(branch: &Branch) -> CmdResult<&str> {
    branch
        .password
        .as_deref()
        .ok_or_else(|| bad_property(branch, props::PASSWORD))
}

pub fn port(branch: &Branch) -> CmdResult<u16> {
    branch.port.ok_or_else(|| bad_property(branch, props::PORT))
}

/// The major version the branch's data directory was made with.
fn major_of(branch: &Branch) -> CmdResult<u32> {
    let mp = branch.mountpoint.as_deref().ok_or_else(|| {
        user_error(format!(
            "branch '{}' ({}) is not mounted",
            branch.name, branch.dataset
        ))
        .hint(format!("mount it with `zfs mount {}`", branch.dataset))
    })?;
    match pg::read_pg_version(mp)? {
        Some(v) => Ok(v),
        // Only a store's first branch starts empty; init recorded its version.
        None => branch.pg_version.ok_or_else(|| {
            user_error(format!(
                "branch '{}' has no PostgreSQL data directory ({}/pgdata/PG_VERSION is missing)",
                branch.name,
                mp.display()
            ))
        }),
    }
}

/// Makes sure the image exists locally, pulling it if needed.
pub async fn ensure_image(ctx: &Ctx, image: &str) -> CmdResult {
    let docker = ctx.docker().await?;
    if docker.image_present(image).await? {
        return Ok(());
    }
    ctx.printer.status(format!("pulling image {image}"));
    docker.pull(image).await.map_err(|e| {
        CommandError::new(ErrorKind::User, e.context(format!("image {image} is not available")))
            .hint("pull or build the image, or pick another with `stagdb init --image TEMPLATE` ({major} becomes the PostgreSQL major version)")
    })
}

/// (Re)creates the branch's container and waits until PostgreSQL accepts an
/// authenticated connection. Containers are disposable: data lives on ZFS.
/// `head` publishes the store's head port too.
pub async fn start_branch(
    ctx: &Ctx,
    store: &Store,
    branch: &Branch,
    head: bool,
) -> CmdResult<Duration> {
    start_branch_with(ctx, store, branch, head, &[]).await
}

/// [`start_branch`] with extra server settings (import's bulk-load ones).
pub async fn start_branch_with(
    ctx: &Ctx,
    store: &Store,
    branch: &Branch,
    head: bool,
    settings: &[(&str, &str)],
) -> CmdResult<Duration> {
    if branch.parked {
        // Mountable again first, so that a branch that runs is mounted
        // after a reboot like any other (`zfs mount -a`). Parked again if
        // this command fails: a branch that never ran takes no mount then.
        if !branch.mounted {
            ctx.created(Undo::Park(branch.dataset.clone()));
        }
        ctx.timed("unpark", ctx.zfs.set_parked(&branch.dataset, false))
            .await?;
    }
    if !branch.mounted {
        // Never bind-mount an empty mountpoint directory into PostgreSQL.
        if !branch.parked {
            ctx.printer.status(format!(
                "mounting {} (branch '{}')",
                branch.dataset, branch.name
            ));
        }
        ctx.timed("mount", ctx.zfs.mount(&branch.dataset))
            .await
            .map_err(|e| {
                CommandError::new(ErrorKind::User, e).hint(format!(
                    "branch '{}' cannot start until its dataset is mounted",
                    branch.name
                ))
            })?;
    }
    let port = port(branch)?;
    let password = super::password(store, branch)?;
    if let Some(sharing) = store.duplicate_ports().get(&port) {
        let others: Vec<String> = sharing
            .iter()
            .filter(|o| **o != branch.name)
            .map(|o| format!("branch '{o}'"))
            .chain((port == store.settings.head_port).then(|| "the store's head port".to_string()))
            .collect();
        return Err(user_error(format!(
            "branch '{}' shares port {port} with {}; refusing to start it",
            branch.name,
            others.join(", ")
        ))
        .hint("`stagdb doctor --fix` gives it a free port"));
    }
    let major = major_of(branch)?;
    let image = store.settings.image_for(major);
    ensure_image(ctx, &image).await?;
    let name = container_name(store, &branch.name);
    let mountpoint = branch
        .mountpoint
        .as_deref()
        .ok_or_else(|| internal_error("mountpoint checked above"))?;
    super::secrets::prepare_start(mountpoint, raw_password(branch)?, &password)?;
    // Sized for the branch's memory limit, not for the host; before the
    // caller's own settings, which win (the last `-c` counts).
    let sized = branch.limits.pg_settings();
    let mut all_settings = pg::branch_settings(major);
    all_settings.extend(sized.iter().map(|(k, v)| (*k, v.as_str())));
    all_settings.extend_from_slice(settings);
    let spec = pg::BranchContainer {
        name: name.clone(),
        store: &store.dataset,
        branch: &branch.name,
        image,
        mountpoint,
        listen: store.settings.listen,
        port,
        head_port: head.then_some(store.settings.head_port),
        settings: &all_settings,
        network: store.settings.network.as_deref(),
        limits: branch.limits,
    }
    .spec();
    let docker = ctx.docker().await?;
    if let Some(net) = &store.settings.network {
        // Removed by someone since it was set: made again, not a failure.
        if ctx
            .timed("network", docker.ensure_network(net, &store.dataset))
            .await?
        {
            ctx.printer.status(format!(
                "created Docker network '{net}' (the store's network)"
            ));
        }
    }
    ctx.timed("remove old container", docker.remove(&name, true))
        .await?;
    // Recorded first: an interrupt can land while the engine creates it.
    ctx.created(Undo::MyContainers {
        store: store.dataset.clone(),
        branch: branch.name.clone(),
    });
    let id = ctx
        .timed("create container", docker.create(&spec))
        .await
        .map_err(|e| {
            let conflict = crate::docker::is_conflict(&e);
            let err = CommandError::new(ErrorKind::User, e);
            if conflict {
                err.hint("another stagdb command is starting this branch; try again")
            } else {
                err
            }
        })?;
    // By id: a name may by then belong to another invocation's container.
    ctx.created(Undo::Container(id.clone()));
    ctx.timed("start container", docker.start(&id))
        .await
        .map_err(|e| {
            if crate::docker::is_not_found(&e) {
                user_error(pg::removed_while_starting(&name))
            } else {
                start_error(e, port)
            }
        })?;
    ctx.timed(
        "ready",
        pg::wait_ready(
            docker,
            &name,
            &id,
            store.settings.connect_host(),
            port,
            &password,
            ctx.settings.timeout,
        ),
    )
    .await
    .map_err(|e| start_error(e, port))
}

/// A failed start, with the hint a taken port needs (published by the engine,
/// or bound by PostgreSQL itself on the host's network).
fn start_error(e: anyhow::Error, port: u16) -> CommandError {
    let in_use = crate::docker::is_port_in_use(&e);
    let err = CommandError::new(ErrorKind::User, e);
    if in_use {
        err.hint(port_in_use_hint(port))
    } else {
        err
    }
}

/// The port is held by another socket: a program, or an outgoing
/// connection that took it as its local port (for a minute after it closed,
/// in TIME-WAIT) because the store's ports lie in the ephemeral range.
fn port_in_use_hint(port: u16) -> String {
    format!(
        "port {port} is held by another socket: a program (`ss -tanp | grep :{port}` says which), or an outgoing connection that took it as its local port, held for a minute after it closes; start the branch again later, and reserve the store's ports from that use: `sysctl -w net.ipv4.ip_local_reserved_ports=LOW-HIGH` (README: Ports and the ephemeral range)"
    )
}

/// Refuses when someone put datasets under a branch: `zfs destroy -r` would take them too.
pub fn check_no_foreign_children(store: &Store, branch: &Branch) -> CmdResult {
    let prefix = format!("{}/", branch.dataset);
    match store.strays.iter().find(|s| s.starts_with(&prefix)) {
        Some(s) => Err(user_error(format!(
            "branch '{}' holds dataset {s}, which stagdb did not create; refusing to destroy it",
            branch.name
        ))
        .hint(format!("move or destroy {s} yourself first"))),
        None => Ok(()),
    }
}

/// Destroys the branch-point snapshot stagdb took for `branch` once no other
/// branch uses it (datasets in `gone` are already destroyed). Returns its ref.
pub async fn drop_branch_point(
    ctx: &Ctx,
    store: &Store,
    branch: &Branch,
    gone: &std::collections::BTreeSet<&str>,
) -> Option<String> {
    let snap = crate::plan::orphaned_branch_point(store, branch, gone)?;
    let (parent, _) = store.parent_of(branch)?;
    match ctx.zfs.destroy(&snap.full, false).await {
        Ok(()) => Some(format!("{}@{}", parent.name, snap.name)),
        Err(e) => {
            ctx.printer.warn(format!(
                "could not drop branch point {}@{}: {e:#}",
                parent.name, snap.name
            ));
            None
        }
    }
}

pub fn is_head(store: &Store, branch: &Branch) -> bool {
    store.head.as_deref() == Some(branch.name.as_str())
}

/// Kills and removes the branch's container at once (no clean shutdown):
/// only for a branch whose current data is about to be thrown away. One
/// call instead of a stop and, at the next start, a removal.
pub async fn kill_branch(ctx: &Ctx, store: &Store, branch: &Branch) -> CmdResult {
    let name = container_name(store, &branch.name);
    ctx.docker().await?.remove(&name, true).await?;
    Ok(())
}

pub async fn stop_branch(ctx: &Ctx, store: &Store, branch: &Branch) -> CmdResult {
    let name = container_name(store, &branch.name);
    ctx.docker().await?.stop(&name, 60).await?;
    Ok(())
}

/// Removes a branch for good: its containers (by label), its dataset with
/// its snapshots, then its branch point if nothing else uses it. The
/// caller has checked it may (no children, no foreign datasets below it).
pub async fn destroy_branch(
    ctx: &Ctx,
    store: &Store,
    branch: &Branch,
) -> CmdResult<Option<String>> {
    check_no_foreign_children(store, branch)?;
    super::remove_branch_containers(ctx, &store.dataset, &branch.name).await?;
    ctx.zfs.destroy(&branch.dataset, true).await?;
    let gone = std::collections::BTreeSet::from([branch.dataset.as_str()]);
    Ok(drop_branch_point(ctx, store, branch, &gone).await)
}

/// The store's mountpoint directory is root's alone (0700): the branches'
/// data directories below it belong to the image's postgres uid, which on
/// the host may be any account (on Debian, `messagebus`); without this,
/// that account could read and write every branch.
pub fn make_private(mountpoint: &std::path::Path) -> CmdResult {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(mountpoint, std::fs::Permissions::from_mode(0o700)).map_err(|e| {
        CommandError::new(
            ErrorKind::User,
            anyhow::Error::new(e).context(format!("making {} private", mountpoint.display())),
        )
    })
}

/// Whether others can enter the store's mountpoint directory.
pub fn is_private(mountpoint: &std::path::Path) -> std::io::Result<bool> {
    use std::os::unix::fs::PermissionsExt;
    Ok(std::fs::metadata(mountpoint)?.permissions().mode() & 0o077 == 0)
}
