//! Snapshots and new branches.

use std::net::IpAddr;

use super::Undo;
use crate::ctx::Ctx;
use crate::error::{CmdResult, CommandError, ErrorKind, internal_error, usage_error, user_error};
use crate::names;
use crate::pg;
use crate::ports;
use crate::props;
use crate::store::{Branch, Store};
use crate::zfs;

use super::{containers, destroy_branch, is_head, load_store, resolve_ref, start_branch, state_of};
use crate::intent::{Intent, Op};

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
    /// Marks a branch point as in use by this process until its branch exists.
    pub intent: Option<Intent>,
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
        intent,
    } = meta;
    if let Some(n) = name {
        names::validate_snapshot_name(n).map_err(|e| CommandError::new(ErrorKind::Usage, e))?;
        // ZFS limits a full snapshot name to 255 bytes.
        let len = branch.dataset.len() + 1 + n.len();
        if len > 255 {
            return Err(usage_error(format!(
                "snapshot name is too long for ZFS: '{}@NAME' would be {len} bytes (at most 255)",
                branch.name
            ))
            .hint(format!(
                "use at most {} bytes for a snapshot of '{}'",
                255usize.saturating_sub(branch.dataset.len() + 1),
                branch.name
            )));
        }
    }
    if running
        && let (Some(port), Ok(pw)) = (branch.port, super::password(store, branch))
        && let Err(e) = ctx
            .timed(
                "checkpoint",
                pg::checkpoint(store.settings.connect_host(), port, &pw),
            )
            .await
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
    if let Some(i) = intent {
        sprops.push((props::STATE, i.to_string()));
    }
    // A snapshot made with this process's marker is recorded before the zfs
    // call (an interrupt may land during it); rollback checks the marker.
    // Others are recorded once made.
    let owned = intent.is_some_and(|i| i.mine());
    let sprops = &sprops;
    let take = |full: String| async move {
        if owned {
            ctx.created(Undo::OwnedSnapshot(full.clone()));
        }
        let res = ctx.timed("snapshot", ctx.zfs.snapshot(&full, sprops)).await;
        if res.is_ok() && !owned {
            ctx.created(Undo::Snapshot(full));
        }
        res
    };
    if let Some(n) = name {
        let full = format!("{}@{n}", branch.dataset);
        take(full).await.map_err(|e| {
            if zfs::is_already_exists(&e) {
                user_error(format!("snapshot '{}@{n}' already exists", branch.name))
                    .hint("pick another --name")
            } else {
                e.into()
            }
        })?;
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
        match take(full).await {
            Ok(()) => return Ok(n),
            Err(e) if zfs::is_already_exists(&e) => continue,
            Err(e) => return Err(e.into()),
        }
    }
    Err(user_error(format!(
        "could not find a free snapshot name for '{}'",
        branch.name
    )))
}

/// Picks a free port for a new branch and adds it to the port index
/// (recorded for rollback first). The caller holds the store lock and
/// passes the taken ports it read (`indexed`: from the index, which may
/// hold ports of branches that are gone).
pub async fn take_port(
    ctx: &Ctx,
    store: &Store,
    mut taken: std::collections::BTreeSet<u16>,
    indexed: bool,
) -> CmdResult<u16> {
    let listen: IpAddr = store.settings.listen;
    let range = store.settings.ports;
    let head_port = store.settings.head_port;
    let choose = |taken: &std::collections::BTreeSet<u16>| {
        ports::choose_port(range, taken, |p| {
            p != head_port && ports::port_is_free(listen, p)
        })
    };
    let port = match choose(&taken) {
        Some(p) => p,
        // The index may hold ports of branches that are gone (a command
        // killed before it pruned them): count again before giving up.
        None if indexed => {
            taken = ctx
                .timed(
                    "list ports",
                    super::index::from_branches(ctx, &store.dataset),
                )
                .await?;
            choose(&taken).ok_or_else(|| no_free_port(range))?
        }
        None => return Err(no_free_port(range)),
    };
    taken.insert(port);
    // Recorded first: the index never misses a port a branch holds.
    ctx.created(Undo::ReleasePort {
        store: store.dataset.clone(),
        port,
    });
    ctx.timed(
        "index port",
        super::index::write(ctx, &store.dataset, &taken),
    )
    .await?;
    Ok(port)
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

/// How a new branch is made.
#[derive(Debug, Clone, Copy, Default)]
pub struct BranchOptions {
    pub no_start: bool,
    /// Parked (see `Branch::parked`): for a branch no step of this command
    /// starts (`checkout -b` starts it right after, mounted by its clone).
    pub park: bool,
    /// Unix seconds after which `gc` may remove it.
    pub expires: Option<i64>,
    /// Its memory and CPU limits: the store's defaults (as they are now)
    /// with these changes.
    pub limits: crate::limits::Change,
}

fn no_free_port(range: ports::PortRange) -> CommandError {
    user_error(format!("no free port left in the store's range {range}"))
        .hint("remove branches you no longer need with `stagdb rm`")
}

/// Whether a branch is the half-made leftover of a `branch` command that
/// died (its creating marker names a process that is gone).
pub fn half_made(b: &Branch) -> bool {
    b.intent
        .is_some_and(|i| i.op == Op::Creating && !i.owner.alive())
}

/// Creates branch `name` from `start` (HEAD, a branch, or BRANCH@SNAPSHOT)
/// and optionally starts it. Everything it creates is rolled back on failure.
/// The new dataset carries a `creating` intent marker from the moment it
/// exists (set by `zfs clone -o`) until the branch is complete.
pub async fn create_branch(
    ctx: &Ctx,
    store: &Store,
    name: &str,
    start: &str,
    opts: BranchOptions,
) -> CmdResult<Created> {
    names::validate_new_branch_name(&store.dataset, name)
        .map_err(|e| CommandError::new(ErrorKind::Usage, e))?;
    if let Some(b) = store.branch(name)
        && !half_made(b)
    {
        return Err(
            user_error(format!("branch '{name}' already exists")).hint(format!(
                "pick another name, or remove it with `stagdb rm {name}`"
            )),
        );
    }
    let dataset = format!("{}/{}", store.dataset, names::dataset_component(name));
    let target = resolve_ref(store, start)?;
    let parent = target.branch;
    // Its own password, not the parent's: a URL leaked from one branch
    // opens no other. Set in the data by its first start.
    let (_, sealed) = super::new_password(&super::store_key(store)?)?;
    // The caller may have read only the start branch: is the name taken?
    // (Read at once with the containers; settled for good under the lock.)
    let (exists, cs) = ctx
        .timed("check name", async {
            tokio::join!(ctx.zfs.exists(&dataset), async {
                match target.snapshot {
                    Some(_) => Ok(Default::default()),
                    None => containers(ctx, store).await,
                }
            })
        })
        .await;
    if exists? {
        let full = load_store(ctx, &store.dataset).await?;
        match full.branch(name) {
            Some(b) if half_made(b) && !crate::plan::preserved_by_reset(&full, b) => {}
            Some(_) => {
                return Err(
                    user_error(format!("branch '{name}' already exists")).hint(format!(
                        "pick another name, or remove it with `stagdb rm {name}`"
                    )),
                );
            }
            None => {
                return Err(user_error(format!(
                    "dataset {dataset} already exists and is not a branch; refusing to touch it"
                ))
                .hint("`stagdb doctor` says what it is"));
            }
        }
    }
    let cs = cs?;
    let snap_name = match target.snapshot {
        Some(s) => s.name.clone(),
        None => {
            let running = state_of(cs.get(&parent.name)) == "running";
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
                    intent: Some(Intent::new(Op::Creating, false)),
                },
            )
            .await?
        }
    };
    // The snapshot's own dataset: a root's old data (before a refresh) is not
    // at the root's dataset.
    let origin = match target.snapshot {
        Some(s) => s.full.clone(),
        None => format!("{}@{snap_name}", parent.dataset),
    };
    let parent_ref = format!("{}@{snap_name}", parent.name);
    // Recorded on the branch: a later change of the defaults leaves it be.
    let limits = store.settings.limits.with(opts.limits);

    // Port choice and clone under the store lock, against a fresh read of
    // every port in the store (one narrow `zfs list`, not the whole store),
    // so concurrent branch commands never pick the same port.
    let port = {
        let _lock = ctx.timed("lock", ctx.lock(&store.dataset)).await?;
        let (index, existing) = ctx
            .timed("read ports", async {
                tokio::join!(
                    super::index::read(ctx, &store.dataset),
                    ctx.zfs.exists(&dataset)
                )
            })
            .await;
        let (mut taken, indexed) = match index? {
            Some(t) => (t, true),
            // Missing (a store from before the index) or damaged: rebuilt.
            None => (
                ctx.timed(
                    "list ports",
                    super::index::from_branches(ctx, &store.dataset),
                )
                .await?,
                false,
            ),
        };
        if existing? {
            let fresh = load_store(ctx, &store.dataset).await?;
            match fresh.branch(name) {
                Some(b) if half_made(b) && !crate::plan::preserved_by_reset(&fresh, b) => {
                    // A `branch` command that died left it: finish its job
                    // by clearing it, then make the branch anew.
                    ctx.printer.status(format!(
                        "removing the half-made branch '{name}' left by an interrupted command"
                    ));
                    destroy_branch(ctx, &fresh, b).await?;
                    taken.remove(&b.port.unwrap_or(0));
                }
                Some(_) => return Err(user_error(format!("branch '{name}' already exists"))),
                None => {
                    return Err(user_error(format!(
                        "dataset {dataset} already exists and is not a branch; refusing to touch it"
                    ))
                    .hint("`stagdb doctor` says what it is"));
                }
            }
        }
        let port = take_port(ctx, store, taken, indexed).await?;
        let mut bprops: Vec<(&str, String)> = vec![
            (props::BRANCH, name.to_string()),
            (props::PORT, port.to_string()),
            (props::CREATED, crate::ui::now().to_string()),
            (props::PARENT, parent_ref.clone()),
            (props::STATE, Intent::new(Op::Creating, false).to_string()),
        ];
        if let Some(t) = opts.expires {
            bprops.push((props::EXPIRES, t.to_string()));
        }
        bprops.extend(limits.props());
        if opts.park {
            // No mount until it first starts.
            bprops.push(crate::zfs::parked_prop());
        }
        bprops.push((props::PASSWORD, sealed.clone()));
        if let Some(v) = parent.pg_version {
            bprops.push((props::PG_VERSION, v.to_string()));
        }
        if let Some(db) = &parent.database {
            // The data came with its databases: point at the same one.
            bprops.push((props::DATABASE, crate::zfs::parse::escape_value(db)));
        }
        // Recorded first: an interrupt may land while zfs is still cloning.
        ctx.created(Undo::OwnedDataset(dataset.clone()));
        ctx.timed("clone", ctx.zfs.clone_snapshot(&origin, &dataset, &bprops))
            .await
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

    // The new branch is what was just set on it: no need to read it back,
    // unless its mountpoint is not simply below the store's.
    let mountpoint = store
        .mountpoint
        .as_ref()
        .map(|m| m.join(names::dataset_component(name)));
    let branch = match mountpoint {
        Some(mp) => Branch {
            name: name.to_string(),
            dataset: dataset.clone(),
            port: Some(port),
            password: Some(sealed.clone()),
            pg_version: parent.pg_version,
            created: crate::ui::now(),
            origin: Some(origin.clone()),
            used: 0,
            referenced: 0,
            // `zfs clone` mounts it, or fails ("created, but not mounted");
            // but zfs-fuse near 1,000 mounts silently leaves it unmounted.
            mounted: !opts.park && mp.join("pgdata").is_dir(),
            parked: opts.park,
            mountpoint: Some(mp),
            snapshots: Vec::new(),
            intent: None,
            expires: opts.expires,
            protected: false,
            database: parent.database.clone(),
            source: None,
            damaged: Default::default(),
            limits,
        },
        None => {
            let (root_ds, new_ds) = ([store.dataset.as_str()], [dataset.as_str()]);
            let entries = [
                ctx.zfs.get_props(&root_ds, false).await?,
                ctx.zfs.get_props(&new_ds, true).await?,
            ]
            .concat();
            let fresh = Store::from_entries(&store.dataset, &entries)
                .map_err(|e| internal_error(format!("reading the new branch: {e:?}")))?;
            fresh.branch(name).cloned().ok_or_else(|| {
                internal_error(format!(
                    "branch '{name}' vanished right after it was created"
                ))
            })?
        }
    };
    let branch = &branch;
    let mut ready_ms = None;
    ctx.created(Undo::BranchContainers {
        store: store.dataset.clone(),
        branch: name.to_string(),
    });
    if !opts.no_start {
        let took = start_branch(ctx, store, branch, is_head(store, branch)).await?;
        ready_ms = Some(took.as_millis());
    }
    // Complete: from here on it is a branch like any other. Not before
    // PostgreSQL is ready: the rollback of a branch that did not come up
    // removes only a dataset that still carries this process's marker.
    ctx.timed("clear marker", ctx.zfs.inherit(&dataset, props::STATE))
        .await?;
    let no_start = opts.no_start;
    Ok(Created {
        name: name.to_string(),
        dataset,
        port,
        parent: parent_ref,
        started: !no_start,
        ready_ms,
        url: pg::public_url(store.settings.connect_host(), port, branch.db()),
    })
}
