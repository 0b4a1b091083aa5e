//! What every command gets: resolved settings, the printer, the two backends
//! and the undo log that rolls back a failed or interrupted command.

use std::cell::RefCell;

use tokio::sync::OnceCell;

use crate::docker::{self, Docker};
use crate::error::{CmdResult, CommandError, ErrorKind};
use crate::settings::Settings;
use crate::ui::Printer;
use crate::zfs::Zfs;

/// Something a command created, to be taken away again if it fails.
#[derive(Debug, Clone)]
pub enum Undo {
    /// A branch dataset (destroyed with its snapshots).
    Dataset(String),
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
    /// Store locks held until the command, and its rollback, are over.
    locks: RefCell<Vec<(String, crate::lock::StoreLock)>>,
}

impl Ctx {
    pub fn new(settings: Settings) -> Ctx {
        Ctx {
            printer: Printer::new(&settings),
            zfs: Zfs {
                verbose: settings.verbose,
            },
            settings,
            docker: OnceCell::new(),
            undo: RefCell::new(Vec::new()),
            locks: RefCell::new(Vec::new()),
        }
    }

    /// Takes the store's lock on a blocking thread (so Ctrl-C still works
    /// while waiting for another command).
    pub async fn lock(&self, store: &str) -> CmdResult<crate::lock::StoreLock> {
        let printer = self.printer.clone();
        let store = store.to_string();
        tokio::task::spawn_blocking(move || {
            crate::lock::lock_store(&store, || {
                printer.status("waiting for another stagdb command on this store")
            })
        })
        .await
        .map_err(|e| CommandError::new(ErrorKind::Internal, e))?
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

    /// Starts a branch the failed command had stopped.
    async fn restart(&self, store: &str, branch: &str, head: bool) -> anyhow::Result<()> {
        let s = crate::ops::load_store(self, store).map_err(|e| e.error)?;
        let b = crate::ops::find_branch(&s, branch).map_err(|e| e.error)?;
        let mark = self.mark();
        let res = Box::pin(crate::ops::start_branch(self, &s, b, head)).await;
        // What the restart itself created stays, or is gone already on failure.
        let created: Vec<Undo> = self.undo.borrow_mut().drain(mark..).collect();
        if res.is_err() {
            for u in created {
                if let Undo::Container(id) = u
                    && let Ok(d) = self.docker().await
                {
                    let _ = d.remove(&id, true).await;
                }
            }
        }
        res.map(drop).map_err(|e| e.error)
    }

    /// Removes what the command created, newest first. Best effort: every
    /// step is tried, and what could not be undone is reported.
    pub async fn rollback(&self) {
        let steps: Vec<Undo> = self.undo.borrow_mut().drain(..).rev().collect();
        if steps.is_empty() {
            return;
        }
        self.printer
            .status("rolling back what this command created");
        for step in steps {
            let res: anyhow::Result<()> = match &step {
                Undo::Dataset(ds) => self.zfs.destroy(ds, true),
                Undo::Snapshot(s) => self.zfs.destroy(s, false),
                Undo::Container(name) => match self.docker().await {
                    Ok(d) => d.remove(name, true).await,
                    Err(e) => Err(e.error),
                },
                Undo::Pool { name, file } => self.zfs.destroy_file_pool(name, file),
                Undo::Head { store, head } => match head {
                    Some(h) => self.zfs.set(store, crate::props::HEAD, h),
                    None => self.zfs.inherit(store, crate::props::HEAD),
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
}
