//! The phases of a long command (import, refresh): on a terminal a live
//! line per running phase (what it has done so far, elapsed time), else
//! one line per finished phase with its duration; the finished phases
//! also go into `--json`.

use std::future::Future;
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use indicatif::{MultiProgress, ProgressBar, ProgressStyle};
use serde::Serialize;

use crate::ui::{Printer, human_bytes};

/// A finished phase, for the summary and `--json`.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Phase {
    pub name: &'static str,
    pub ms: u128,
    /// What the phase made, where it can be measured (bytes on disk).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bytes: Option<u64>,
}

/// How much a phase has done so far.
pub(crate) enum Meter {
    None,
    /// Bytes of the files under these directories (those that exist).
    Dirs(Vec<PathBuf>),
    /// The size of every database of a server.
    Server {
        host: IpAddr,
        port: u16,
        password: String,
    },
}

impl Meter {
    async fn measure(&self) -> Option<u64> {
        match self {
            Meter::None => None,
            Meter::Dirs(dirs) => {
                let dirs = dirs.clone();
                tokio::task::spawn_blocking(move || {
                    let existing: Vec<&PathBuf> = dirs.iter().filter(|d| d.exists()).collect();
                    (!existing.is_empty()).then(|| existing.iter().map(|d| dir_bytes(d)).sum())
                })
                .await
                .ok()
                .flatten()
            }
            Meter::Server {
                host,
                port,
                password,
            } => crate::pg::query_column(
                *host,
                *port,
                password,
                crate::pg::DATABASE,
                "SELECT sum(pg_database_size(oid))::bigint FROM pg_database",
            )
            .await
            .ok()?
            .first()
            .cloned()
            .flatten()?
            .parse()
            .ok(),
        }
    }
}

/// Bytes of the regular files under `dir`; what vanishes while it is
/// read (a table dropped, a file renamed) counts as nothing.
fn dir_bytes(dir: &Path) -> u64 {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    entries
        .flatten()
        .map(|e| match e.file_type() {
            Ok(t) if t.is_dir() => dir_bytes(&e.path()),
            Ok(t) if t.is_file() => e.metadata().map(|m| m.len()).unwrap_or(0),
            _ => 0,
        })
        .sum()
}

/// `restore done in 9.9 s, 1.0 GiB`.
pub(crate) fn finished_line(p: &Phase) -> String {
    let secs = p.ms as f64 / 1000.0;
    match p.bytes {
        Some(b) => format!("{} done in {secs:.1} s, {}", p.name, human_bytes(b)),
        None => format!("{} done in {secs:.1} s", p.name),
    }
}

/// What a running phase shows after its name: `512.0 MiB of ~1.0 GiB`.
fn running_message(done: Option<u64>, expected: Option<u64>) -> String {
    match (done, expected) {
        (Some(d), Some(e)) => format!("{} of ~{}", human_bytes(d), human_bytes(e)),
        (Some(d), None) => human_bytes(d),
        (None, _) => String::new(),
    }
}

/// A phase's live line, taken off the screen when the phase ends, also
/// when its future is dropped (a failed sibling phase, an interrupt).
struct Bar(ProgressBar, MultiProgress);

impl Drop for Bar {
    fn drop(&mut self) {
        self.0.finish_and_clear();
        self.1.remove(&self.0);
    }
}

pub struct Progress {
    live: Option<MultiProgress>,
    printer: Printer,
    done: std::cell::RefCell<Vec<Phase>>,
}

impl Progress {
    pub fn new(printer: &Printer) -> Progress {
        Progress {
            live: printer.live.clone(),
            printer: printer.clone(),
            done: std::cell::RefCell::new(Vec::new()),
        }
    }

    /// Runs one phase: live on a terminal (measured every second), then
    /// its finished line (also with -q, without a terminal). A failed
    /// phase leaves no line: its error follows.
    pub(crate) async fn phase<T, E>(
        &self,
        name: &'static str,
        meter: Meter,
        expected: Option<u64>,
        fut: impl Future<Output = Result<T, E>>,
    ) -> Result<T, E> {
        let start = Instant::now();
        let bar = self.live.as_ref().map(|mp| {
            let pb = mp.add(ProgressBar::new_spinner());
            let style = ProgressStyle::with_template("{spinner} {prefix:<10} {elapsed:>4} {msg}")
                .unwrap_or_else(|_| ProgressStyle::default_spinner());
            pb.set_style(style);
            pb.set_prefix(name);
            pb.enable_steady_tick(Duration::from_millis(120));
            Bar(pb, mp.clone())
        });
        let mut fut = std::pin::pin!(fut);
        // Measured beside the phase, never in its way: the phase's future
        // is polled while a measurement waits.
        let out = {
            let show = async {
                match (&bar, &meter) {
                    (Some(Bar(pb, _)), Meter::Dirs(_) | Meter::Server { .. }) => loop {
                        // Every second, or less often when a measurement is slow
                        // (a walk of a large directory on zfs-fuse competes with
                        // the phase it measures): at most a fifth of the time.
                        let took = Instant::now();
                        if let now @ Some(_) = meter.measure().await {
                            pb.set_message(running_message(now, expected));
                        }
                        let pause = (took.elapsed() * 4).max(Duration::from_secs(1));
                        tokio::time::sleep(pause).await;
                    },
                    _ => std::future::pending::<()>().await,
                }
            };
            let mut show = std::pin::pin!(show);
            loop {
                tokio::select! {
                    out = &mut fut => break out,
                    () = &mut show => {}
                }
            }
        };
        drop(bar);
        if out.is_ok() {
            let phase = Phase {
                name,
                ms: start.elapsed().as_millis(),
                bytes: meter.measure().await,
            };
            self.printer.always(finished_line(&phase));
            self.done.borrow_mut().push(phase);
        }
        out
    }

    /// The finished phases, in the order they finished.
    pub fn phases(&self) -> Vec<Phase> {
        self.done.borrow().clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finished_lines() {
        let p = Phase {
            name: "restore",
            ms: 9_861,
            bytes: Some(1_100_000_000),
        };
        assert_eq!(finished_line(&p), "restore done in 9.9 s, 1.0 GiB");
        let p = Phase {
            name: "analyze",
            ms: 40,
            bytes: None,
        };
        assert_eq!(finished_line(&p), "analyze done in 0.0 s");
    }

    #[test]
    fn running_messages() {
        assert_eq!(running_message(None, Some(5)), "");
        assert_eq!(running_message(Some(2048), None), "2.0 KiB");
        assert_eq!(
            running_message(Some(512 << 20), Some(1 << 30)),
            "512.0 MiB of ~1.0 GiB"
        );
    }

    #[test]
    fn dir_bytes_counts_files_below() {
        let d = std::env::temp_dir().join(format!("stagdb-progress-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(d.join("a/b")).unwrap();
        std::fs::write(d.join("x"), [0u8; 10]).unwrap();
        std::fs::write(d.join("a/b/y"), [0u8; 32]).unwrap();
        assert_eq!(dir_bytes(&d), 42);
        assert_eq!(dir_bytes(&d.join("missing")), 0);
        std::fs::remove_dir_all(&d).unwrap();
    }
}
