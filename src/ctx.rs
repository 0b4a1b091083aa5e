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
}

pub struct Ctx {
    pub settings: Settings,
    pub printer: Printer,
    pub zfs: Zfs,
    docker: OnceCell<Docker>,
    undo: RefCell<Vec<Undo>>,
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
        }
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
            };
            if let Err(e) = res {
                self.printer
                    .warn(format!("could not roll back {step:?}: {e:#}"));
            }
        }
    }
}
