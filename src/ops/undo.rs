//! The undo log's steps and their rollback: what a failed or interrupted
//! command made is removed, and what it stopped is started again.

use crate::ctx::Ctx;
use crate::intent::{Intent, Owner};
use crate::pg;
use crate::props;
use crate::zfs::Entry;

/// Something a command created, to be taken away again if it fails.
#[derive(Debug, Clone)]
pub enum Undo {
    /// A dataset (destroyed with its snapshots).
    Dataset(String),
    /// A dataset this process was about to make with its own intent marker
    /// (recorded before the zfs call, which may still be running when the
    /// command is interrupted): destroyed only if it exists and its marker
    /// names this process, never another command's dataset of that name.
    OwnedDataset(String),
    /// Every container of a branch this command created, found by label
    /// (also one whose create call was cut short and returned no id).
    BranchContainers { store: String, branch: String },
    /// This process's containers of a branch (by the creator label), for a
    /// start whose create call may be cut short before it returns an id.
    MyContainers { store: String, branch: String },
    /// A snapshot this process was about to take with its own intent
    /// marker: destroyed only if it exists and the marker names this process.
    OwnedSnapshot(String),
    /// This process's job containers of a store (by label).
    MyJobs { store: String },
    /// A snapshot `dataset@name`.
    Snapshot(String),
    /// A container, by id.
    Container(String),
    /// A port this command added to the store's port index.
    ReleasePort { store: String, port: u16 },
    /// Take this process's intent marker off a dataset again.
    ClearMarker(String),
    /// Mount a filesystem the command unmounted.
    Mount(String),
    /// Park a branch again (see `Branch::parked`) that the command
    /// unparked to start it: `canmount=off`.
    Park(String),
    /// Promote `dataset` again after the command promoted its clone `of`:
    /// it gets its snapshots back, and the clone can be destroyed.
    Promote { dataset: String, of: String },
    /// A pool made on a sparse file by `init --pool-file`.
    Pool {
        name: String,
        file: std::path::PathBuf,
    },
    /// Put the store's HEAD back (None: it had none).
    Head { store: String, head: Option<String> },
    /// A temporary file or directory of this process (`ops::output`),
    /// removed if it is still there.
    TempPath(std::path::PathBuf),
    /// Start a branch again that the command stopped.
    Start {
        store: String,
        branch: String,
        head: bool,
    },
}

/// What a step undoes, for the warning when it cannot be.
impl std::fmt::Display for Undo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Undo::Dataset(d) | Undo::OwnedDataset(d) => write!(f, "destroy dataset {d}"),
            Undo::BranchContainers { branch, .. } | Undo::MyContainers { branch, .. } => {
                write!(f, "remove the new container of branch '{branch}'")
            }
            Undo::OwnedSnapshot(s) | Undo::Snapshot(s) => write!(f, "destroy snapshot {s}"),
            Undo::MyJobs { .. } => write!(f, "remove this command's job containers"),
            Undo::Container(id) => write!(f, "remove container {id}"),
            Undo::ReleasePort { port, .. } => write!(f, "release port {port}"),
            Undo::ClearMarker(d) => write!(f, "clear this command's marker on {d}"),
            Undo::Mount(d) => write!(f, "mount {d} again"),
            Undo::Park(d) => write!(f, "park {d} again (canmount=off)"),
            Undo::Promote { dataset, .. } => write!(f, "promote {dataset} back"),
            Undo::Pool { name, .. } => write!(f, "destroy pool {name}"),
            Undo::Head { head, .. } => match head {
                Some(h) => write!(f, "set HEAD back to '{h}'"),
                None => write!(f, "clear HEAD"),
            },
            Undo::Start { branch, .. } => write!(f, "start branch '{branch}' again"),
            Undo::TempPath(p) => write!(f, "remove {}", p.display()),
        }
    }
}

/// Removes what the command created, newest first. Best effort: every
/// step is tried, and what could not be undone is reported.
pub async fn rollback(ctx: &Ctx) {
    // A zfs command cut off from its caller still runs: let it finish, so
    // what it makes is there to be undone.
    ctx.zfs.idle().await;
    // Likewise a container create the engine was already working on.
    if let Some(d) = ctx.docker_if_connected() {
        d.idle().await;
    }
    let steps = ctx.take_undo();
    if steps.is_empty() {
        return;
    }
    // A preflight's probe jobs alone are no news (each is removed at its
    // end; the step only covers an interrupt): said when more was made.
    if steps.iter().any(|s| !matches!(s, Undo::MyJobs { .. })) {
        ctx.printer.status("rolling back what this command created");
    }
    let mut failed = std::collections::BTreeSet::new();
    for step in steps {
        if let Err(e) = undo(ctx, &step).await {
            // Two steps can name the same thing (a branch's containers by label, and by creator).
            let shown = format!("could not roll back ({step}): {e:#}");
            if failed.insert(shown.clone()) {
                ctx.printer.warn(shown);
            }
        }
    }
    if !failed.is_empty() {
        ctx.printer.status(
            "hint: what could not be rolled back is a problem `stagdb doctor --fix` repairs once its cause is gone (`stagdb status` lists it)",
        );
    }
}

async fn undo(ctx: &Ctx, step: &Undo) -> anyhow::Result<()> {
    match step {
        Undo::Dataset(ds) => ctx.zfs.destroy(ds, true).await,
        Undo::OwnedDataset(ds) => match ctx.zfs.get_one(ds, &[props::STATE]).await? {
            Some(e) if owned_by_me(&e) => ctx.zfs.destroy(ds, true).await,
            _ => Ok(()),
        },
        Undo::Snapshot(s) => ctx.zfs.destroy(s, false).await,
        Undo::OwnedSnapshot(s) => match ctx.zfs.get_one(s, &[props::STATE]).await? {
            Some(e) if owned_by_me(&e) => ctx.zfs.destroy(s, false).await,
            _ => Ok(()),
        },
        Undo::MyContainers { store, branch } => remove_containers(ctx, store, branch, true).await,
        Undo::MyJobs { store } => super::job::remove_my_jobs(ctx, store).await,
        Undo::Container(id) => {
            ctx.docker()
                .await
                .map_err(|e| e.error)?
                .remove(id, true)
                .await
        }
        Undo::BranchContainers { store, branch } => {
            remove_containers(ctx, store, branch, false).await
        }
        Undo::ReleasePort { store, port } => {
            // The index only changes under the store lock.
            let _lock = if ctx.holds_lock(store) {
                None
            } else {
                Some(ctx.lock(store).await.map_err(|e| e.error)?)
            };
            // Not while a branch holds it: an interrupt during the last
            // step of `branch` (clearing its marker) leaves a finished
            // branch that the rollback keeps, and the index must keep its
            // port too.
            let held = super::index::from_branches(ctx, store)
                .await
                .map_err(|e| e.error)?;
            if !held.contains(port) {
                super::index::release(ctx, store, &[*port]).await;
            }
            Ok(())
        }
        Undo::ClearMarker(ds) => clear_intent(ctx, ds).await,
        Undo::Mount(ds) => ctx.zfs.mount(ds).await,
        // Not unmounted: another command may be starting the branch on this
        // mount (start takes no lock). It goes at the next reboot.
        // A dataset gone meanwhile (a concurrent rm) has nothing left to park.
        Undo::Park(ds) => match ctx.zfs.set_parked(ds, true).await {
            Err(e) if crate::zfs::is_missing(&e) => Ok(()),
            r => r,
        },
        Undo::Promote { dataset, of } => match ctx.zfs.get_one(dataset, &["origin"]).await? {
            // Only if the promote ran: `dataset` is then the clone of `of`.
            Some(e)
                if e.native("origin")
                    .is_some_and(|o| o.starts_with(&format!("{of}@"))) =>
            {
                ctx.zfs.promote(dataset).await
            }
            _ => Ok(()),
        },
        Undo::Pool { name, file } => ctx.zfs.destroy_file_pool(name, file).await,
        Undo::Head { store, head } => match head {
            Some(h) => ctx.zfs.set(store, props::HEAD, h).await,
            None => ctx.zfs.inherit(store, props::HEAD).await,
        },
        Undo::Start {
            store,
            branch,
            head,
        } => restart(ctx, store, branch, *head).await,
        Undo::TempPath(p) => super::output::remove_temp(p)
            .map_err(|e| anyhow::Error::new(e).context(format!("removing {}", p.display()))),
    }
}

/// Starts a branch the failed command had stopped, then clears the marker
/// that said it should run.
async fn restart(ctx: &Ctx, store: &str, branch: &str, head: bool) -> anyhow::Result<()> {
    let s = super::load_store(ctx, store).await.map_err(|e| e.error)?;
    let b = super::find_branch(&s, branch).map_err(|e| e.error)?;
    let mark = ctx.mark();
    let res = Box::pin(super::start_branch(ctx, &s, b, head)).await;
    // What the restart itself created stays, or is undone at once on failure.
    let created = ctx.take_undo_since(mark);
    if res.is_err() {
        for u in created.iter().rev() {
            let _ = Box::pin(undo(ctx, u)).await;
        }
    }
    res.map(drop).map_err(|e| e.error)?;
    clear_intent(ctx, &b.dataset).await
}

/// Removes this process's intent marker from a dataset (another command's
/// marker stays).
pub async fn clear_intent(ctx: &Ctx, dataset: &str) -> anyhow::Result<()> {
    match ctx.zfs.get_one(dataset, &[props::STATE]).await? {
        Some(e) if owned_by_me(&e) => ctx.zfs.inherit(dataset, props::STATE).await,
        _ => Ok(()),
    }
}

/// Removes every container labelled with this store and branch.
pub async fn remove_branch_containers(ctx: &Ctx, store: &str, branch: &str) -> anyhow::Result<()> {
    remove_containers(ctx, store, branch, false).await
}

/// Containers of a branch; with `mine_only`, just those this process made.
async fn remove_containers(
    ctx: &Ctx,
    store: &str,
    branch: &str,
    mine_only: bool,
) -> anyhow::Result<()> {
    let d = ctx.docker().await.map_err(|e| e.error)?;
    let me = Owner::me();
    let me = format!("{}:{}", me.pid, me.start);
    for c in d.list_by_label(pg::LABEL_STORE, store).await? {
        let label = |k: &str| c.labels.get(k).map(String::as_str);
        if label(pg::LABEL_BRANCH) == Some(branch)
            && (!mine_only || label(pg::LABEL_CREATOR) == Some(me.as_str()))
        {
            d.remove(&c.id, true).await?;
        }
    }
    Ok(())
}

/// Whether a dataset's intent marker was set by this very process.
fn owned_by_me(e: &Entry) -> bool {
    e.local(props::STATE)
        .and_then(|v| v.parse::<Intent>().ok())
        .is_some_and(|i| i.mine())
}
