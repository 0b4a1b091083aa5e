//! Operations shared by several commands: finding the store and refs,
//! starting and stopping a branch, snapshotting, creating a branch.

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::time::Duration;

use crate::ctx::{Ctx, Undo};
use crate::docker::ContainerInfo;
use crate::error::{CmdResult, CommandError, ErrorKind, internal_error, usage_error, user_error};
use crate::names::{self, Ref};
use crate::pg;
use crate::ports;
use crate::props;
use crate::store::{Branch, LoadError, Snapshot, Store};
use crate::zfs;

/// The store named by --store/STAGDB_STORE/config, else the only one on the host.
pub fn open_store(ctx: &Ctx) -> CmdResult<Store> {
    load_store(ctx, &store_dataset(ctx)?)
}

/// The store's root dataset name, without reading the store.
fn store_dataset(ctx: &Ctx) -> CmdResult<String> {
    Ok(match &ctx.settings.store {
        Some(s) => s.clone(),
        None => {
            let stores: Vec<String> = ctx.zfs.find_stores()?.into_iter().map(|e| e.name).collect();
            match stores.as_slice() {
                [] => {
                    return Err(user_error("no stagdb store found on this host")
                        .hint("create one with `stagdb init --pool POOL` (or `--pool-file PATH --size 20G` without a spare disk)"));
                }
                [one] => one.clone(),
                many => {
                    return Err(usage_error(format!(
                        "{} stores found on this host: {}",
                        many.len(),
                        many.join(", ")
                    ))
                    .hint("pick one with --store DATASET or STAGDB_STORE"));
                }
            }
        }
    })
}

/// The store read only as far as one branch needs: the root, the branch
/// named by `reference` (default HEAD) with its snapshots, and with
/// `ancestry` its ancestors back to the root branch. Commands about one
/// branch stay fast however many branches the store has. Anything unusual
/// (the branch is not at its canonical dataset, a bad name) falls back to a
/// full read, which also gives errors their did-you-mean hints.
pub fn open_store_for(ctx: &Ctx, reference: Option<&str>, ancestry: bool) -> CmdResult<Store> {
    let root = store_dataset(ctx)?;
    let full = || load_store(ctx, &root);
    let mut entries = match ctx.zfs.get_props(&[root.as_str()], false) {
        Ok(e) => e,
        Err(_) => return full(),
    };
    let store = match Store::from_entries(&root, &entries) {
        Ok(s) => s,
        Err(_) => return full(),
    };
    let name = match reference.map(names::parse_ref) {
        None | Some(Ok(Ref::Head)) => store.head.clone(),
        Some(Ok(Ref::Branch(b))) => Some(b),
        Some(Ok(Ref::Snapshot { branch, .. })) => branch.or_else(|| store.head.clone()),
        Some(Err(_)) => None,
    };
    let Some(name) = name else { return full() };
    let mut next = Some(format!("{root}/{}", names::dataset_component(&name)));
    let mut loaded = Vec::new();
    while let Some(ds) = next.take() {
        if loaded.contains(&ds) {
            break;
        }
        match ctx.zfs.get_props(&[ds.as_str()], true) {
            Ok(e) => entries.extend(e),
            Err(_) => return full(),
        }
        loaded.push(ds.clone());
        if ancestry {
            // The parent's dataset is the origin's; it must be in the store.
            next = entries
                .iter()
                .find(|e| e.name == ds)
                .and_then(|e| e.native("origin"))
                .and_then(|o| o.split_once('@'))
                .map(|(parent, _)| parent.to_string())
                .filter(|p| p.starts_with(&format!("{root}/")));
        }
    }
    match Store::from_entries(&root, &entries) {
        Ok(s) if s.branch(&name).is_some() => Ok(s),
        _ => full(),
    }
}

pub fn load_store(ctx: &Ctx, dataset: &str) -> CmdResult<Store> {
    store_from_tree(dataset, ctx.zfs.get_tree(dataset))
}

/// The whole store and its containers, read at the same time (the zfs read
/// runs on a blocking thread while the Docker call is in flight): what
/// `branch` and `status` show. The Docker result is separate so they can
/// still show the store when the engine is down.
pub async fn store_and_containers(
    ctx: &Ctx,
) -> CmdResult<(Store, CmdResult<BTreeMap<String, ContainerInfo>>)> {
    let dataset = store_dataset(ctx)?;
    let zfs = ctx.zfs;
    let ds = dataset.clone();
    let tree = tokio::task::spawn_blocking(move || zfs.get_tree(&ds));
    let listed = containers_of(ctx, &dataset);
    let (tree, listed) = tokio::join!(tree, listed);
    let tree = tree.map_err(|e| internal_error(format!("zfs read task failed: {e}")))?;
    Ok((store_from_tree(&dataset, tree)?, listed))
}

fn store_from_tree(dataset: &str, tree: anyhow::Result<Vec<zfs::Entry>>) -> CmdResult<Store> {
    let entries = match tree {
        Ok(e) => e,
        Err(e) if zfs::is_missing(&e) => {
            return Err(
                user_error(format!("store dataset '{dataset}' does not exist")).hint(
                    "create it with `stagdb init --dataset DATASET`, or check --store/STAGDB_STORE",
                ),
            );
        }
        Err(e) => return Err(e.into()),
    };
    Store::from_entries(dataset, &entries).map_err(|e| match e {
        LoadError::Missing => user_error(format!("store dataset '{dataset}' does not exist")),
        LoadError::NotAStore => user_error(format!(
            "'{dataset}' is not a stagdb store (it has no local {} property)",
            props::STORE
        ))
        .hint("stagdb only works on datasets it created; use `stagdb init` for a new store"),
        LoadError::Corrupt(what) => {
            user_error(format!("store '{dataset}' has an invalid setting {what}"))
        }
    })
}

fn branch_not_found(store: &Store, name: &str) -> CommandError {
    let err = user_error(format!("branch '{name}' does not exist"));
    match names::did_you_mean(name, store.branch_names()) {
        Some(s) => err.hint(format!("did you mean '{s}'?")),
        None => err.hint("list branches with `stagdb branch`"),
    }
}

pub fn head(store: &Store) -> CmdResult<&Branch> {
    match &store.head {
        Some(h) => store.branch(h).ok_or_else(|| {
            user_error(format!("HEAD points to branch '{h}', which does not exist"))
                .hint("check out another branch with `stagdb checkout NAME`")
        }),
        None => Err(user_error("the store has no HEAD")
            .hint("check out a branch with `stagdb checkout NAME`")),
    }
}

pub fn find_branch<'a>(store: &'a Store, name: &str) -> CmdResult<&'a Branch> {
    if name == names::HEAD || name == "@" {
        return head(store);
    }
    names::validate_branch_name(name).map_err(|e| CommandError::new(ErrorKind::Usage, e))?;
    store
        .branch(name)
        .ok_or_else(|| branch_not_found(store, name))
}

/// A branch argument that defaults to HEAD.
pub fn branch_or_head<'a>(store: &'a Store, name: Option<&str>) -> CmdResult<&'a Branch> {
    match name {
        Some(n) => find_branch(store, n),
        None => head(store),
    }
}

/// What a REF names: a branch, or a snapshot of one.
pub struct Target<'a> {
    pub branch: &'a Branch,
    pub snapshot: Option<&'a Snapshot>,
}

pub fn resolve_ref<'a>(store: &'a Store, s: &str) -> CmdResult<Target<'a>> {
    let r = names::parse_ref(s).map_err(|e| CommandError::new(ErrorKind::Usage, e))?;
    match r {
        Ref::Head => Ok(Target {
            branch: head(store)?,
            snapshot: None,
        }),
        Ref::Branch(b) => Ok(Target {
            branch: find_branch(store, &b)?,
            snapshot: None,
        }),
        Ref::Snapshot { branch, snapshot } => {
            let b = match branch {
                Some(b) => find_branch(store, &b)?,
                None => head(store)?,
            };
            match b.snapshot(&snapshot) {
                Some(sn) => Ok(Target {
                    branch: b,
                    snapshot: Some(sn),
                }),
                None => {
                    let err =
                        user_error(format!("snapshot '{}@{snapshot}' does not exist", b.name));
                    let hint = match names::did_you_mean(
                        &snapshot,
                        b.snapshots.iter().map(|s| s.name.as_str()),
                    ) {
                        Some(m) => format!("did you mean '{}@{m}'?", b.name),
                        None => format!("list snapshots with `stagdb log {}`", b.name),
                    };
                    Err(err.hint(hint))
                }
            }
        }
    }
}

pub fn container_name(store: &Store, branch: &str) -> String {
    names::container_name(&names::container_prefix_for_store(&store.dataset), branch)
}

/// The store's containers by branch name: one Docker call.
pub async fn containers(ctx: &Ctx, store: &Store) -> CmdResult<BTreeMap<String, ContainerInfo>> {
    containers_of(ctx, &store.dataset).await
}

async fn containers_of(ctx: &Ctx, store: &str) -> CmdResult<BTreeMap<String, ContainerInfo>> {
    let list = ctx
        .docker()
        .await?
        .list_by_label(pg::LABEL_STORE, store)
        .await?;
    Ok(list
        .into_iter()
        .filter_map(|c| c.labels.get(pg::LABEL_BRANCH).cloned().map(|b| (b, c)))
        .collect())
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

pub fn password(branch: &Branch) -> CmdResult<&str> {
    branch.password.as_deref().ok_or_else(|| {
        user_error(format!(
            "branch '{}' has no {} property",
            branch.name,
            props::PASSWORD
        ))
    })
}

pub fn port(branch: &Branch) -> CmdResult<u16> {
    branch.port.ok_or_else(|| {
        user_error(format!(
            "branch '{}' has no {} property",
            branch.name,
            props::PORT
        ))
    })
}

pub fn url(store: &Store, branch: &Branch) -> CmdResult<String> {
    Ok(pg::url(
        store.settings.connect_host(),
        port(branch)?,
        password(branch)?,
    ))
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
    if !branch.mounted {
        // Never bind-mount an empty mountpoint directory into PostgreSQL.
        ctx.printer.status(format!(
            "mounting {} (branch '{}')",
            branch.dataset, branch.name
        ));
        ctx.zfs.mount(&branch.dataset).map_err(|e| {
            CommandError::new(ErrorKind::User, e).hint(format!(
                "branch '{}' cannot start until its dataset is mounted",
                branch.name
            ))
        })?;
    }
    let major = major_of(branch)?;
    let image = store.settings.image_for(major);
    ensure_image(ctx, &image).await?;
    let name = container_name(store, &branch.name);
    let mountpoint = branch
        .mountpoint
        .as_deref()
        .ok_or_else(|| internal_error("mountpoint checked above"))?;
    let spec = pg::BranchContainer {
        name: name.clone(),
        store: &store.dataset,
        branch: &branch.name,
        image,
        mountpoint,
        listen: store.settings.listen,
        port: port(branch)?,
        head_port: head.then_some(store.settings.head_port),
    }
    .spec();
    let docker = ctx.docker().await?;
    docker.remove(&name, true).await?;
    let id = docker.create(&spec).await.map_err(|e| {
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
    docker.start(&id).await.map_err(|e| {
        CommandError::new(ErrorKind::User, e).hint(format!(
            "is port {} (or the head port) in use by another program?",
            port(branch).unwrap_or_default()
        ))
    })?;
    let took = pg::wait_ready(
        docker,
        &name,
        store.settings.connect_host(),
        port(branch)?,
        password(branch)?,
        ctx.settings.timeout,
    )
    .await?;
    Ok(took)
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
pub fn drop_branch_point(
    ctx: &Ctx,
    store: &Store,
    branch: &Branch,
    gone: &std::collections::BTreeSet<&str>,
) -> Option<String> {
    let (parent, snap) = store.parent_of(branch)?;
    let users = store
        .clones_of(&snap.full)
        .iter()
        .filter(|c| !gone.contains(c.dataset.as_str()))
        .count();
    if !snap.is_branch_point() || users > 0 || gone.contains(parent.dataset.as_str()) {
        return None;
    }
    match ctx.zfs.destroy(&snap.full, false) {
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

pub async fn stop_branch(ctx: &Ctx, store: &Store, branch: &Branch) -> CmdResult {
    let name = container_name(store, &branch.name);
    ctx.docker().await?.stop(&name, 60).await?;
    Ok(())
}

/// `user@host`, or STAGDB_AUTHOR.
pub fn author() -> String {
    if let Ok(a) = std::env::var("STAGDB_AUTHOR")
        && !a.is_empty()
    {
        return a;
    }
    let user = ["SUDO_USER", "USER", "LOGNAME"]
        .iter()
        .find_map(|v| std::env::var(v).ok().filter(|s| !s.is_empty()))
        .or_else(user_from_passwd)
        .unwrap_or_else(|| "unknown".into());
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|h| h.trim().to_string())
        .unwrap_or_default();
    if host.is_empty() {
        user
    } else {
        format!("{user}@{host}")
    }
}

/// The name of the process's uid in /etc/passwd (cron jobs and CI runners
/// often have no USER variable).
fn user_from_passwd() -> Option<String> {
    use std::os::unix::fs::MetadataExt;
    let uid = std::fs::metadata("/proc/self").ok()?.uid();
    let passwd = std::fs::read_to_string("/etc/passwd").ok()?;
    passwd.lines().find_map(|l| {
        let mut f = l.split(':');
        let name = f.next()?;
        let id: u32 = f.nth(1)?.parse().ok()?;
        (id == uid).then(|| name.to_string())
    })
}

/// What a snapshot records besides its data.
pub struct SnapshotMeta<'a> {
    /// None: a timestamp.
    pub name: Option<&'a str>,
    pub message: Option<&'a str>,
    /// `branch-point` for snapshots stagdb takes to branch from.
    pub kind: Option<&'a str>,
    pub author: &'a str,
}

/// Takes a snapshot, asking a running PostgreSQL for a CHECKPOINT first so a
/// branch of it needs little recovery (the snapshot itself is atomic, so it is
/// crash-consistent either way). Returns the snapshot's short name.
pub async fn snapshot_branch(
    ctx: &Ctx,
    store: &Store,
    branch: &Branch,
    running: bool,
    meta: SnapshotMeta<'_>,
) -> CmdResult<String> {
    let SnapshotMeta {
        name,
        message,
        kind,
        author,
    } = meta;
    if let Some(n) = name {
        names::validate_snapshot_name(n).map_err(|e| CommandError::new(ErrorKind::Usage, e))?;
    }
    if running
        && let (Some(port), Some(pw)) = (branch.port, branch.password.as_deref())
        && let Err(e) = pg::checkpoint(store.settings.connect_host(), port, pw).await
    {
        ctx.printer.warn(format!(
            "CHECKPOINT on '{}' failed ({e:#}); the snapshot is still crash-consistent",
            branch.name
        ));
    }
    let mut sprops: Vec<(&str, String)> =
        vec![(props::AUTHOR, crate::zfs::parse::escape_value(author))];
    if let Some(m) = message {
        sprops.push((props::MESSAGE, crate::zfs::parse::escape_value(m)));
    }
    if let Some(k) = kind {
        sprops.push((props::KIND, k.to_string()));
    }
    if let Some(n) = name {
        let full = format!("{}@{n}", branch.dataset);
        ctx.zfs.snapshot(&full, &sprops).map_err(|e| {
            if zfs::is_already_exists(&e) {
                user_error(format!("snapshot '{}@{n}' already exists", branch.name))
                    .hint("pick another --name")
            } else {
                e.into()
            }
        })?;
        ctx.created(Undo::Snapshot(full));
        return Ok(n.to_string());
    }
    let stamp = jiff::Timestamp::now().strftime("%Y%m%d-%H%M%S").to_string();
    // Names from the clock can meet within one second: let zfs decide.
    for i in 1..100 {
        let n = if i == 1 {
            stamp.clone()
        } else {
            format!("{stamp}-{i}")
        };
        let full = format!("{}@{n}", branch.dataset);
        match ctx.zfs.snapshot(&full, &sprops) {
            Ok(()) => {
                ctx.created(Undo::Snapshot(full));
                return Ok(n);
            }
            Err(e) if zfs::is_already_exists(&e) => continue,
            Err(e) => return Err(e.into()),
        }
    }
    Err(user_error(format!(
        "could not find a free snapshot name for '{}'",
        branch.name
    )))
}

/// What `branch` created.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Created {
    pub name: String,
    pub dataset: String,
    pub port: u16,
    pub parent: String,
    pub started: bool,
    pub ready_ms: Option<u128>,
    /// Without the password (`stagdb url NAME` prints the full one).
    pub url: String,
}

/// ZFS limits full names (with `@snapshot`) to 255 bytes; keep room for one.
const MAX_DATASET_LEN: usize = 255 - 40;

/// Creates branch `name` from `start` (HEAD, a branch, or BRANCH@SNAPSHOT)
/// and optionally starts it. Everything it creates is rolled back on failure.
pub async fn create_branch(
    ctx: &Ctx,
    store: &Store,
    name: &str,
    start: &str,
    no_start: bool,
) -> CmdResult<Created> {
    names::validate_branch_name(name).map_err(|e| CommandError::new(ErrorKind::Usage, e))?;
    if store.branch(name).is_some() {
        return Err(
            user_error(format!("branch '{name}' already exists")).hint(format!(
                "pick another name, or remove it with `stagdb rm {name}`"
            )),
        );
    }
    let dataset = format!("{}/{}", store.dataset, names::dataset_component(name));
    if dataset.len() > MAX_DATASET_LEN {
        return Err(usage_error(format!(
            "branch name '{name}' is too long for ZFS: its dataset name would be {} bytes (at most {MAX_DATASET_LEN})",
            dataset.len()
        )));
    }
    let target = resolve_ref(store, start)?;
    let parent = target.branch;
    let snap_name = match target.snapshot {
        Some(s) => s.name.clone(),
        None => {
            let running = {
                let cs = containers(ctx, store).await?;
                state_of(cs.get(&parent.name)) == "running"
            };
            let msg = format!("branch point of {name}");
            snapshot_branch(
                ctx,
                store,
                parent,
                running,
                SnapshotMeta {
                    name: None,
                    message: Some(&msg),
                    kind: Some(props::KIND_BRANCH_POINT),
                    author: &author(),
                },
            )
            .await?
        }
    };
    let origin = format!("{}@{snap_name}", parent.dataset);
    let parent_ref = format!("{}@{snap_name}", parent.name);

    // Port choice and clone under the store lock, against a fresh read of the
    // store, so concurrent branch commands never pick the same port.
    let port = {
        let _lock = crate::lock::lock_store(&store.dataset, || {
            ctx.printer
                .status("waiting for another stagdb command on this store")
        })?;
        let fresh = load_store(ctx, &store.dataset)?;
        if fresh.branch(name).is_some() {
            return Err(user_error(format!("branch '{name}' already exists")));
        }
        let listen: IpAddr = fresh.settings.listen;
        let port = ports::choose_port(fresh.settings.ports, &fresh.taken_ports(), |p| {
            ports::port_is_free(listen, p)
        })
        .ok_or_else(|| {
            user_error(format!(
                "no free port left in the store's range {}",
                fresh.settings.ports
            ))
            .hint("remove branches you no longer need with `stagdb rm`")
        })?;
        let mut bprops: Vec<(&str, String)> = vec![
            (props::BRANCH, name.to_string()),
            (props::PORT, port.to_string()),
            (props::CREATED, crate::ui::now().to_string()),
            (props::PARENT, parent_ref.clone()),
        ];
        if let Some(pw) = &parent.password {
            // The roles came with the data, so the password did too.
            bprops.push((props::PASSWORD, pw.clone()));
        }
        if let Some(v) = parent.pg_version {
            bprops.push((props::PG_VERSION, v.to_string()));
        }
        let res = ctx.zfs.clone_snapshot(&origin, &dataset, &bprops);
        ctx.track(res, Undo::Dataset(dataset.clone()))
            .map_err(|e| {
                if zfs::is_already_exists(&e) {
                    user_error(format!(
                        "dataset {dataset} already exists (another command just created branch '{name}', or something else holds the name)"
                    ))
                } else {
                    e.into()
                }
            })?;
        port
    };

    // Only the root and the new branch: the rest was read under the lock.
    let entries = [
        ctx.zfs.get_props(&[store.dataset.as_str()], false)?,
        ctx.zfs.get_props(&[dataset.as_str()], true)?,
    ]
    .concat();
    let fresh = Store::from_entries(&store.dataset, &entries)
        .map_err(|e| internal_error(format!("reading the new branch: {e:?}")))?;
    let branch = fresh.branch(name).ok_or_else(|| {
        internal_error(format!(
            "branch '{name}' vanished right after it was created"
        ))
    })?;
    let mut ready_ms = None;
    if !no_start {
        let took = start_branch(ctx, &fresh, branch, is_head(&fresh, branch)).await?;
        ready_ms = Some(took.as_millis());
    }
    Ok(Created {
        name: name.to_string(),
        dataset,
        port,
        parent: parent_ref,
        started: !no_start,
        ready_ms,
        url: pg::public_url(fresh.settings.connect_host(), port),
    })
}
