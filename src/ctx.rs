//! What every command gets: resolved settings, the printer, the two backends,
//! the store locks it holds, and the undo log (its steps and their rollback
//! live in `ops::undo`).

use std::cell::{Cell, RefCell};

use tokio::sync::OnceCell;

use crate::docker::Docker;
use crate::error::{CmdResult, CommandError};
use crate::ops::undo::Undo;
use crate::settings::Settings;
use crate::ui::Printer;
use crate::zfs::Zfs;

pub struct Ctx {
    pub settings: Settings,
    pub printer: Printer,
    /// The phases of a long command, shown as they run (import, refresh).
    pub progress: crate::progress::Progress,
    pub zfs: Zfs,
    docker: OnceCell<Docker>,
    undo: RefCell<Vec<Undo>>,
    /// Phases and how long they took, for --timings.
    timings: RefCell<Vec<(&'static str, std::time::Duration)>>,
    /// Past the point of no return: an interrupt lets the command finish.
    committed: Cell<bool>,
    /// Store locks held until the command, and its rollback, are over.
    locks: RefCell<Vec<(String, crate::lock::StoreLock)>>,
}

impl Ctx {
    pub fn new(settings: Settings) -> Ctx {
        let printer = Printer::new(&settings);
        Ctx {
            progress: crate::progress::Progress::new(&printer),
            printer,
            zfs: Zfs::new(settings.verbose),
            settings,
            docker: OnceCell::new(),
            undo: RefCell::new(Vec::new()),
            committed: Cell::new(false),
            timings: RefCell::new(Vec::new()),
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

    /// Whether this command holds the store's lock (see [`Ctx::hold_lock`]).
    pub fn holds_lock(&self, store: &str) -> bool {
        self.locks.borrow().iter().any(|(s, _)| s == store)
    }

    /// The Docker engine, connected on first use.
    pub async fn docker(&self) -> CmdResult<&Docker> {
        self.docker
            .get_or_try_init(|| Docker::connect(self.settings.verbose))
            .await
            .map_err(CommandError::from)
    }

    /// The Docker engine if a connection was made (never connects).
    pub fn docker_if_connected(&self) -> Option<&Docker> {
        self.docker.get()
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

    /// Runs one phase of the command, noting how long it took.
    pub async fn timed<T>(
        &self,
        phase: &'static str,
        f: impl std::future::Future<Output = T>,
    ) -> T {
        let start = std::time::Instant::now();
        let out = f.await;
        self.timings.borrow_mut().push((phase, start.elapsed()));
        out
    }

    /// With --timings: one line on stderr, phases in order, then the total.
    pub fn print_timings(&self, total: std::time::Duration) {
        if !self.settings.timings {
            return;
        }
        let phases: Vec<String> = self
            .timings
            .borrow()
            .iter()
            .map(|(p, d)| format!("{p} {:.0} ms", d.as_secs_f64() * 1000.0))
            .collect();
        eprintln!(
            "timings: {}{}total {:.0} ms",
            phases.join(", "),
            if phases.is_empty() { "" } else { "; " },
            total.as_secs_f64() * 1000.0
        );
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

    /// A point in the undo log, for [`Ctx::take_undo_since`].
    pub fn mark(&self) -> usize {
        self.undo.borrow().len()
    }

    /// Takes the undo log, newest step first.
    pub(crate) fn take_undo(&self) -> Vec<Undo> {
        self.undo.borrow_mut().drain(..).rev().collect()
    }

    /// Takes the steps recorded after `mark`, in order.
    pub(crate) fn take_undo_since(&self, mark: usize) -> Vec<Undo> {
        self.undo.borrow_mut().drain(mark..).collect()
    }
}
