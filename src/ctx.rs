//! What every command gets: resolved settings, the printer, the two backends
//! and the undo log that rolls back a failed or interrupted command.

use std::cell::{Cell, RefCell};

use tokio::sync::OnceCell;

use crate::docker::{self, Docker};
use crate::error::{CmdResult, CommandError, ErrorKind};
use crate::settings::Settings;
use crate::ui::Printer;
use crate::zfs::Zfs;

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
    /// Clear this process's intent marker on a dataset.
    ClearIntent(String),
    /// A snapshot `dataset@name`.
    Snapshot(String),
    /// A container, by id.
    Container(String),
    /// A pool made on a sparse file by `init --pool-file`.
    Pool {
        name: String,
        file: std::path::PathBuf,
    },
    /// Put the store's HEAD back (None: it had none).
    Head { store: String, head: Option<String> },
    /// Start a branch again that the command stopped.
    Start {
        store: String,
        branch: String,
        head: bool,
    },
}

pub struct Ctx {
    pub settings: Settings,
    pub printer: Printer,
    pub zfs: Zfs,
    docker: OnceCell<Docker>,
    undo: RefCell<Vec<Undo>>,
    /// Past the point of no return: an interrupt lets the command finish.
    committed: Cell<bool>,
    /// Store locks held until the command, and its rollback, are over.
    locks: RefCell<Vec<(String, crate::lock::StoreLock)>>,
}

impl Ctx {
    pub fn new(settings: Settings) -> Ctx {
        Ctx {
            printer: Printer::new(&settings),
            zfs: Zfs::new(settings.verbose),
            settings,
            docker: OnceCell::new(),
            undo: RefCell::new(Vec::new()),
            committed: Cell::new(false),
            locks: RefCell::new(Vec::new()),
        }
    }

    /// Takes the store's lock, polling, so Ctrl-C still works while
    /// waiting for another command.
    pub async fn lock(&self, store: &str) -> CmdResult<crate::lock::StoreLock> {
        let printer = self.printer.clone();
        crate::lock::lock_store(store, || {
            printer.status("waiting for another stagdb command on this store")
        })
        .await
        .map_err(CommandError::from)
    }

    /// Holds the store's lock until the command and its rollback are done.
    /// Taking it twice is a no-op.
    pub async fn hold_lock(&self, store: &str) -> CmdResult {
        if self.locks.borrow().iter().any(|(s, _)| s == store) {
            return Ok(());
        }
        let lock = self.lock(store).await?;
        self.locks.borrow_mut().push((store.to_string(), lock));
        Ok(())
    }

    /// The Docker engine, connected on first use.
    pub async fn docker(&self) -> CmdResult<&Docker> {
        self.docker
            .get_or_try_init(|| Docker::connect(self.settings.verbose))
            .await
            .map_err(|e| {
                let unreachable = docker::is_unreachable(&e);
                let err = CommandError::new(ErrorKind::User, e);
                if unreachable {
                    err.hint("start the Docker engine (e.g. `dockerd &` or `systemctl start docker`), or point DOCKER_HOST at it")
                } else {
                    err
                }
            })
    }

    /// Records something to remove if the command does not complete.
    pub fn created(&self, what: Undo) {
        self.undo.borrow_mut().push(what);
    }

    /// Records what a zfs create/clone made, also when zfs made it but then
    /// failed (e.g. could not mount it): it exists and is ours to roll back.
    pub fn track(&self, res: anyhow::Result<()>, what: Undo) -> anyhow::Result<()> {
        match &res {
            Ok(()) => self.created(what),
            Err(e) if crate::zfs::was_created(e) => self.created(what),
            Err(_) => {}
        }
        res
    }

    /// Marks the point of no return: from here on an interrupt does not
    /// cancel the command (it would leave a half-done change), it finishes.
    pub fn commit(&self) {
        self.committed.set(true);
    }

    pub fn is_committed(&self) -> bool {
        self.committed.get()
    }

    /// Forgets recorded steps: what they created is now meant to stay.
    pub fn keep(&self) {
        self.undo.borrow_mut().clear();
    }

    /// A point in the undo log, for [`Ctx::keep_since`].
    pub fn mark(&self) -> usize {
        self.undo.borrow().len()
    }

    /// Keeps what was created after `mark`, leaving earlier steps to roll back.
    pub fn keep_since(&self, mark: usize) {
        self.undo.borrow_mut().truncate(mark);
    }

    /// Starts a branch the failed command had stopped, then clears the
    /// marker that said it should run.
    async fn restart(&self, store: &str, branch: &str, head: bool) -> anyhow::Result<()> {
        let s = crate::ops::load_store(self, store)
            .await
            .map_err(|e| e.error)?;
        let b = crate::ops::find_branch(&s, branch).map_err(|e| e.error)?;
        let mark = self.mark();
        let res = Box::pin(crate::ops::start_branch(self, &s, b, head)).await;
        // What the restart itself created stays, or is gone already on failure.
        let created: Vec<Undo> = self.undo.borrow_mut().drain(mark..).collect();
        if res.is_err() {
            for u in created {
                match u {
                    Undo::Container(id) => {
                        if let Ok(d) = self.docker().await {
                            let _ = d.remove(&id, true).await;
                        }
                    }
                    Undo::MyContainers { store, branch } => {
                        let _ = self.remove_containers(&store, &branch, true).await;
                    }
                    _ => {}
                }
            }
        }
        res.map(drop).map_err(|e| e.error)?;
        self.clear_intent(&b.dataset).await
    }

    /// Removes this process's intent marker from a dataset (another
    /// command's marker stays).
    pub async fn clear_intent(&self, dataset: &str) -> anyhow::Result<()> {
        match self.zfs.get_one(dataset, &[crate::props::STATE]).await? {
            Some(e) if owned_by_me(&e) => self.zfs.inherit(dataset, crate::props::STATE).await,
            _ => Ok(()),
        }
    }

    /// Removes what the command created, newest first. Best effort: every
    /// step is tried, and what could not be undone is reported.
    pub async fn rollback(&self) {
        // A zfs command cut off from its caller still runs: let it finish,
        // so what it makes is there to be undone.
        self.zfs.idle().await;
        let steps: Vec<Undo> = self.undo.borrow_mut().drain(..).rev().collect();
        if steps.is_empty() {
            return;
        }
        self.printer
            .status("rolling back what this command created");
        for step in steps {
            let res: anyhow::Result<()> = match &step {
                Undo::Dataset(ds) => self.zfs.destroy(ds, true).await,
                Undo::OwnedDataset(ds) => {
                    match self.zfs.get_one(ds, &[crate::props::STATE]).await {
                        Ok(Some(e)) if owned_by_me(&e) => self.zfs.destroy(ds, true).await,
                        Ok(_) => Ok(()),
                        Err(e) => Err(e),
                    }
                }
                Undo::Snapshot(s) => self.zfs.destroy(s, false).await,
                Undo::OwnedSnapshot(s) => match self.zfs.get_one(s, &[crate::props::STATE]).await {
                    Ok(Some(e)) if owned_by_me(&e) => self.zfs.destroy(s, false).await,
                    Ok(_) => Ok(()),
                    Err(e) => Err(e),
                },
                Undo::MyContainers { store, branch } => {
                    self.remove_containers(store, branch, true).await
                }
                Undo::Container(name) => match self.docker().await {
                    Ok(d) => d.remove(name, true).await,
                    Err(e) => Err(e.error),
                },
                Undo::BranchContainers { store, branch } => {
                    self.remove_containers(store, branch, false).await
                }
                Undo::ClearIntent(ds) => self.clear_intent(ds).await,
                Undo::Pool { name, file } => self.zfs.destroy_file_pool(name, file).await,
                Undo::Head { store, head } => match head {
                    Some(h) => self.zfs.set(store, crate::props::HEAD, h).await,
                    None => self.zfs.inherit(store, crate::props::HEAD).await,
                },
                Undo::Start {
                    store,
                    branch,
                    head,
                } => self.restart(store, branch, *head).await,
            };
            if let Err(e) = res {
                self.printer
                    .warn(format!("could not roll back {step:?}: {e:#}"));
            }
        }
    }

    /// Removes every container labelled with this store and branch.
    pub async fn remove_branch_containers(&self, store: &str, branch: &str) -> anyhow::Result<()> {
        self.remove_containers(store, branch, false).await
    }

    /// Containers of a branch, with `mine_only` just those this process made.
    async fn remove_containers(
        &self,
        store: &str,
        branch: &str,
        mine_only: bool,
    ) -> anyhow::Result<()> {
        let d = self.docker().await.map_err(|e| e.error)?;
        let me = crate::intent::Owner::me();
        let me = format!("{}:{}", me.pid, me.start);
        for c in d.list_by_label(crate::pg::LABEL_STORE, store).await? {
            let label = |k: &str| c.labels.get(k).map(String::as_str);
            if label(crate::pg::LABEL_BRANCH) == Some(branch)
                && (!mine_only || label(crate::pg::LABEL_CREATOR) == Some(me.as_str()))
            {
                d.remove(&c.id, true).await?;
            }
        }
        Ok(())
    }
}

/// Whether a dataset's intent marker was set by this very process.
fn owned_by_me(e: &crate::zfs::Entry) -> bool {
    e.local(crate::props::STATE)
        .and_then(|v| v.parse::<crate::intent::Intent>().ok())
        .is_some_and(|i| i.mine())
}
