//! Intent markers: what an unfinished command was doing, recorded in ZFS
//! itself (`stagdb:state` on the dataset concerned), atomically with the
//! object where it can be (`zfs clone -o`), and cleared when the command
//! is done. With them `doctor`, `gc` and a retried command can tell an
//! interrupted command's leftovers from finished work without any state
//! file, and never touch what a still-running command is making.

use std::fmt;
use std::str::FromStr;

/// What the command that set the marker was doing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    /// A new branch, not yet complete (set at `zfs clone -o` time).
    Creating,
    /// The temporary clone of a reset (`NAME:reset`), or a reset branch
    /// that has not been started again yet.
    Resetting,
    /// A running branch that a command (checkout, reset) stopped and means
    /// to start again.
    Stopped,
    /// A branch being renamed (`branch -m`): at its old name, or already
    /// at its new dataset but still saying its old name.
    Renaming,
}

impl Op {
    fn as_str(self) -> &'static str {
        match self {
            Op::Creating => "creating",
            Op::Resetting => "resetting",
            Op::Stopped => "stopped",
            Op::Renaming => "renaming",
        }
    }
}

/// A process on this host, told apart from a later one with the same pid
/// by its start time (clock ticks since boot, /proc/PID/stat field 22).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Owner {
    pub pid: u32,
    pub start: u64,
}

impl Owner {
    /// This process.
    pub fn me() -> Owner {
        let pid = std::process::id();
        Owner {
            pid,
            start: start_time(pid).unwrap_or(0),
        }
    }

    /// Whether the process still runs (a reused pid has another start time).
    pub fn alive(&self) -> bool {
        start_time(self.pid).is_some_and(|s| s == self.start)
    }
}

/// Field 22 of /proc/PID/stat; the command name (field 2) may hold spaces
/// and parentheses, so fields are counted after its last ')'.
fn start_time(pid: u32) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let rest = &stat[stat.rfind(')')? + 1..];
    rest.split_whitespace().nth(19)?.parse().ok()
}

/// The value of `stagdb:state`: `OP pid=PID start=TICKS running=0|1`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Intent {
    pub op: Op,
    pub owner: Owner,
    /// The branch ran before the command stopped it: start it again.
    pub was_running: bool,
}

impl Intent {
    pub fn new(op: Op, was_running: bool) -> Intent {
        Intent {
            op,
            owner: Owner::me(),
            was_running,
        }
    }

    pub fn mine(&self) -> bool {
        self.owner == Owner::me()
    }
}

impl fmt::Display for Intent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} pid={} start={} running={}",
            self.op.as_str(),
            self.owner.pid,
            self.owner.start,
            u8::from(self.was_running)
        )
    }
}

impl FromStr for Intent {
    type Err = String;

    fn from_str(s: &str) -> Result<Intent, String> {
        let bad = || format!("not an intent marker: {:?}", s.escape_debug().to_string());
        let mut words = s.split(' ');
        let op = match words.next() {
            Some("creating") => Op::Creating,
            Some("resetting") => Op::Resetting,
            Some("stopped") => Op::Stopped,
            Some("renaming") => Op::Renaming,
            _ => return Err(bad()),
        };
        let (mut pid, mut start, mut running) = (None, None, None);
        for w in words {
            let (k, v) = w.split_once('=').ok_or_else(bad)?;
            if !v.bytes().all(|b| b.is_ascii_digit()) || v.is_empty() {
                return Err(bad());
            }
            match k {
                "pid" => pid = v.parse().ok(),
                "start" => start = v.parse().ok(),
                "running" => running = Some(v == "1"),
                _ => return Err(bad()),
            }
        }
        match (pid, start, running) {
            (Some(pid), Some(start), Some(was_running)) => Ok(Intent {
                op,
                owner: Owner { pid, start },
                was_running,
            }),
            _ => Err(bad()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips() {
        for op in [Op::Creating, Op::Resetting, Op::Stopped, Op::Renaming] {
            for r in [false, true] {
                let i = Intent::new(op, r);
                assert_eq!(i.to_string().parse::<Intent>(), Ok(i));
            }
        }
    }

    #[test]
    fn rejects_garbage() {
        for s in [
            "",
            "creating",
            "creating pid=1 start=2",
            "creating pid=x start=2 running=1",
            "creating pid=1 start=2 running=1 extra=3",
            "deleting pid=1 start=2 running=0",
            "creating pid=1\nstart=2 running=0",
            "creating pid=-1 start=2 running=0",
        ] {
            assert!(s.parse::<Intent>().is_err(), "{s:?}");
        }
    }

    #[test]
    fn liveness() {
        let me = Owner::me();
        assert!(me.start > 0);
        assert!(me.alive());
        assert!(
            !Owner {
                pid: me.pid,
                start: me.start + 1
            }
            .alive()
        );
        // Not a pid Linux hands out (pid_max is at most 2^22).
        assert!(
            !Owner {
                pid: u32::MAX,
                start: 1
            }
            .alive()
        );
    }
}
