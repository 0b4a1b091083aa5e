//! Errors that carry a kind (which picks the exit code) and hints, printed
//! jj-style as `error:` / `Caused by:` / `hint:` lines on stderr.

use std::fmt;
use std::io::Write;
use std::process::ExitCode;

/// What went wrong, from the user's point of view; decides the exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// The operation failed (missing branch, zfs or Docker failure, ...): exit 1.
    User,
    /// The command line was wrong (bad name, bad flag combination): exit 2.
    Usage,
    /// A bug or an impossible state in stagdb itself: exit 1, says so.
    Internal,
}

#[derive(Debug)]
pub struct CommandError {
    pub kind: ErrorKind,
    pub error: anyhow::Error,
    pub hints: Vec<String>,
}

pub type CmdResult<T = ()> = Result<T, CommandError>;

impl CommandError {
    /// Also gives the hint a classified backend failure always needs, whichever call met it
    /// first: the Docker engine down, the pool out of space.
    pub fn new(kind: ErrorKind, error: impl Into<anyhow::Error>) -> Self {
        let error = error.into();
        let mut hints = Vec::new();
        if crate::docker::is_unreachable(&error) {
            hints.push(DOCKER_DOWN_HINT.to_string());
        }
        let enospc = error.chain().any(|c| {
            c.downcast_ref::<std::io::Error>()
                .is_some_and(|io| io.raw_os_error() == Some(libc::ENOSPC))
        });
        if enospc || crate::zfs::failure(&error) == Some(crate::zfs::Failure::NoSpace) {
            hints.push(NO_SPACE_HINT.to_string());
        }
        // A context, found by anyhow's downcast (not in `chain()` as itself).
        if let Some(held) = error.downcast_ref::<crate::zfs::holders::HeldBy>() {
            hints.push(held.hint());
        }
        if error.downcast_ref::<crate::zfs::NotMounted>().is_some() {
            hints.push("the dataset's mountpoint directory must be empty (OpenZFS does not mount over files): see `zfs mount DATASET`'s error above, clear the directory, and run the command again".to_string());
        }
        CommandError { kind, error, hints }
    }

    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hints.push(hint.into());
        self
    }

    pub fn exit_code(&self) -> ExitCode {
        match self.kind {
            ErrorKind::Usage => ExitCode::from(2),
            ErrorKind::User | ErrorKind::Internal => ExitCode::from(1),
        }
    }

    /// Writes the error to stderr; a closed stderr is ignored (nothing left to tell).
    pub fn print(&self, color: bool) {
        if self.error.downcast_ref::<Answer>().is_some() {
            return; // not a failure: its exit code says it all
        }
        let mut err = std::io::stderr().lock();
        let (red, yellow, bold, reset) = if color {
            ("\x1b[1;31m", "\x1b[1;33m", "\x1b[1m", "\x1b[0m")
        } else {
            ("", "", "", "")
        };
        let prefix = match self.kind {
            ErrorKind::Internal => "internal error",
            _ => "error",
        };
        let _ = writeln!(err, "{red}{prefix}:{reset} {}", self.error);
        let causes: Vec<String> = self.error.chain().skip(1).map(|c| c.to_string()).collect();
        match causes.as_slice() {
            [] => {}
            [one] => {
                let _ = writeln!(err, "{bold}Caused by:{reset} {}", indent_rest(one, 11));
            }
            many => {
                let _ = writeln!(err, "{bold}Caused by:{reset}");
                for (i, c) in many.iter().enumerate() {
                    let _ = writeln!(err, "{}: {}", i + 1, indent_rest(c, 3));
                }
            }
        }
        for h in &self.hints {
            let _ = writeln!(err, "{yellow}hint:{reset} {}", indent_rest(h, 6));
        }
        if self.kind == ErrorKind::Internal {
            let _ = writeln!(
                err,
                "{yellow}hint:{reset} this is a bug in stagdb; please report it with the output of the command run with -v"
            );
        }
    }
}

/// Indents continuation lines so multi-line causes (a command's stderr) stay readable.
fn indent_rest(s: &str, n: usize) -> String {
    let pad = " ".repeat(n);
    s.trim_end()
        .lines()
        .collect::<Vec<_>>()
        .join(&format!("\n{pad}"))
}

impl fmt::Display for CommandError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:#}", self.error)
    }
}

/// Any plain error from a backend is an operation that failed (exit 1).
impl From<anyhow::Error> for CommandError {
    fn from(error: anyhow::Error) -> Self {
        CommandError::new(ErrorKind::User, error)
    }
}

pub const DOCKER_DOWN_HINT: &str = "start the Docker engine (e.g. `dockerd &` or `systemctl start docker`), or point DOCKER_HOST at it";

/// ZFS keeps a little space back for itself, so a full pool still lets stagdb remove what is
/// not needed; PostgreSQL in a branch of a full pool fails its writes (and may not start).
pub const NO_SPACE_HINT: &str = "the pool is full or nearly so: free space with `stagdb rm` of branches no longer needed and `stagdb gc`, or by deleting data in a branch (snapshots keep what they hold), or grow the pool (`zpool online -e POOL DEVICE` after growing its disk or file, or `zpool add`)";

impl From<std::io::Error> for CommandError {
    fn from(error: std::io::Error) -> Self {
        CommandError::new(ErrorKind::User, error)
    }
}

/// Not a failure but a command's answer given by its exit code alone (as
/// `git diff --exit-code`): exit 1, with no `error:` line.
#[derive(Debug)]
pub struct Answer;

impl fmt::Display for Answer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("(answered by the exit code)")
    }
}

impl std::error::Error for Answer {}

pub fn user_error(msg: impl fmt::Display) -> CommandError {
    CommandError::new(ErrorKind::User, anyhow::anyhow!("{msg}"))
}

pub fn usage_error(msg: impl fmt::Display) -> CommandError {
    CommandError::new(ErrorKind::Usage, anyhow::anyhow!("{msg}"))
}

pub fn internal_error(msg: impl fmt::Display) -> CommandError {
    CommandError::new(ErrorKind::Internal, anyhow::anyhow!("{msg}"))
}
