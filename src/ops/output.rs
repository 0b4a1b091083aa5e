//! Where `export -o PATH` writes, without destroying anything it did not
//! create. A regular file (also one reached through a symlink) is replaced
//! whole on success: the dump goes to a temporary file beside it, is synced
//! and renamed over it; a failure, Ctrl-C or kill leaves the old file as it
//! was. A FIFO, device or inherited descriptor (`/dev/stdout`, `/dev/fd/N`)
//! is written into, never replaced or removed. A dump directory is made as
//! a temporary directory beside DIR and renamed onto it (an existing empty
//! DIR is replaced, a non-empty one refused).
//!
//! Temporaries are named `.stagdb-export-PID-START-N.NAME`: the rollback
//! removes this process's ([`Undo::TempPath`]); those of killed processes are
//! swept by the next export into the same directory.

use std::fs::{File, Metadata};
use std::os::unix::fs::{MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use crate::ctx::Ctx;
use crate::error::{CmdResult, CommandError, ErrorKind, usage_error, user_error};
use crate::intent::Owner;
use crate::ops::Undo;

const PREFIX: &str = ".stagdb-export-";

/// An opened output, until [`Output::finish`].
pub enum Output {
    /// A regular file, written as `temp` and renamed onto `target`.
    File {
        file: tokio::fs::File,
        temp: PathBuf,
        target: PathBuf,
        /// The replaced file's mode and owner, else None (a new file).
        old: Option<Metadata>,
    },
    /// A FIFO, device or descriptor: written into as it is.
    Stream(tokio::fs::File),
    /// A directory `temp` (made empty here, filled by pg_dump), renamed onto `target`.
    Dir {
        temp: PathBuf,
        target: PathBuf,
        old: Option<Metadata>,
    },
}

impl Output {
    /// Opens `path` for a dump (a directory dump if `dir`). What it creates
    /// is recorded for the rollback before it is created.
    /// A `binary` dump is refused if the output is a terminal.
    pub async fn open(ctx: &Ctx, path: &Path, dir: bool, binary: bool) -> CmdResult<Output> {
        if !dir && let Some(fd) = descriptor(path)? {
            return stream(fd, path, binary);
        }
        let meta = match std::fs::metadata(path) {
            Ok(m) => Some(m),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                if let Ok(link) = std::fs::read_link(path) {
                    return Err(usage_error(format!(
                        "-o {}: a symlink to {}, which does not exist",
                        path.display(),
                        link.display()
                    ))
                    .hint("give the path it should point at, or remove the dangling link"));
                }
                None
            }
            Err(e) => return Err(io_err(e, format!("-o {}", path.display()))),
        };
        match meta {
            Some(m) if dir && !m.is_dir() => Err(usage_error(format!(
                "-o {}: exists and is not a directory",
                path.display()
            ))),
            Some(m) if dir => {
                let target = real(path)?;
                if std::fs::read_dir(&target)
                    .map_err(|e| io_err(e, format!("reading {}", target.display())))?
                    .next()
                    .is_some()
                {
                    return Err(usage_error(format!(
                        "-o {}: the directory is not empty",
                        path.display()
                    ))
                    .hint(
                        "give a new or an empty directory: a dump is never mixed into other files",
                    ));
                }
                make_dir(ctx, target, Some(m))
            }
            None if dir => make_dir(ctx, new_target(path, true)?, None),
            Some(m) if m.is_dir() => Err(usage_error(format!(
                "-o {}: is a directory",
                path.display()
            ))
            .hint("give a file name, or use --format directory")),
            Some(m) if m.is_file() => make_file(ctx, real(path)?, Some(m)),
            Some(_) => stream(open_stream(path).await?, path, binary),
            None => make_file(ctx, new_target(path, false)?, None),
        }
    }

    /// The writer of a file or stream output (None for a directory).
    pub fn writer(&mut self) -> Option<&mut tokio::fs::File> {
        match self {
            Output::File { file, .. } | Output::Stream(file) => Some(file),
            Output::Dir { .. } => None,
        }
    }

    /// Where pg_dump writes a directory dump: (parent directory, name in it).
    pub fn dump_dir(&self) -> Option<(&Path, String)> {
        match self {
            Output::Dir { temp, .. } => Some((
                temp.parent().unwrap_or(Path::new("/")),
                temp.file_name()?.to_string_lossy().into_owned(),
            )),
            _ => None,
        }
    }

    /// After a successful dump: syncs it and puts it in place.
    pub async fn finish(self, ctx: &Ctx) -> CmdResult {
        use tokio::io::AsyncWriteExt;
        match self {
            Output::Stream(mut f) => f
                .flush()
                .await
                .map_err(|e| io_err(e, "writing the dump".into())),
            Output::File {
                mut file,
                temp,
                target,
                old,
            } => {
                let what = format!("writing {}", temp.display());
                file.flush().await.map_err(|e| io_err(e, what.clone()))?;
                file.sync_all().await.map_err(|e| io_err(e, what.clone()))?;
                let file = file.into_std().await;
                take_over(&file, old.as_ref(), 0o666).map_err(|e| io_err(e, what))?;
                drop(file);
                put_in_place(ctx, &temp, &target)
            }
            Output::Dir { temp, target, old } => {
                // pg_dump's table of contents: without it the directory is no dump.
                if !temp.join("toc.dat").is_file() {
                    return Err(user_error(format!(
                        "the dump job left no toc.dat in {}",
                        temp.display()
                    )));
                }
                let f = File::open(&temp).map_err(|e| io_err(e, temp.display().to_string()))?;
                take_over(&f, old.as_ref(), 0o777)
                    .map_err(|e| io_err(e, temp.display().to_string()))?;
                put_in_place(ctx, &temp, &target)
            }
        }
    }
}

/// `/dev/stdout`, `/dev/stderr`, `/dev/fd/N`, `/proc/self/fd/N` (also at the
/// end of a chain of symlinks): a copy of this process's descriptor N, so the
/// dump goes where N goes (at its offset, appending if it appends) instead
/// of reopening, truncating or replacing what it names.
fn descriptor(path: &Path) -> CmdResult<Option<File>> {
    let mut p = path.to_path_buf();
    for _ in 0..40 {
        if let Some(n) = fd_number(&p) {
            return dup(n)
                .map(Some)
                .map_err(|e| io_err(e, format!("-o {}: descriptor {n}", path.display())));
        }
        match std::fs::read_link(&p) {
            Ok(next) => p = p.parent().unwrap_or(Path::new("/")).join(next),
            Err(_) => return Ok(None),
        }
    }
    Ok(None)
}

/// The descriptor a path names lexically, if it names one of this process's.
fn fd_number(p: &Path) -> Option<i32> {
    let s = p.to_str()?;
    match s {
        "/dev/stdout" => return Some(1),
        "/dev/stderr" => return Some(2),
        _ => {}
    }
    let me = format!("/proc/{}/fd/", std::process::id());
    let n = ["/dev/fd/", "/proc/self/fd/", "/proc/thread-self/fd/", &me]
        .iter()
        .find_map(|pre| s.strip_prefix(pre))?;
    n.parse().ok().filter(|n| *n >= 0)
}

fn dup(n: i32) -> std::io::Result<File> {
    use std::os::fd::FromRawFd;
    // SAFETY: fcntl on any integer is safe; it returns a new descriptor
    // (or -1), which is then owned by the File alone.
    let fd = unsafe { libc::fcntl(n, libc::F_DUPFD_CLOEXEC, 3) };
    if fd < 0 {
        return Err(std::io::Error::last_os_error());
    }
    // SAFETY: `fd` is a fresh descriptor nothing else owns.
    Ok(unsafe { File::from_raw_fd(fd) })
}

fn stream(f: File, path: &Path, binary: bool) -> CmdResult<Output> {
    if binary && std::io::IsTerminal::is_terminal(&f) {
        return Err(usage_error(format!(
            "-o {}: refusing to write a binary dump to a terminal",
            path.display()
        ))
        .hint("use a file, a pipe, or --format plain"));
    }
    Ok(Output::Stream(tokio::fs::File::from_std(f)))
}

/// A FIFO, device or socket, opened for writing as it is: no O_CREAT, no
/// O_TRUNC. Off the runtime's thread: a FIFO's open waits for its reader,
/// and Ctrl-C must still work meanwhile.
async fn open_stream(path: &Path) -> CmdResult<File> {
    let f = tokio::fs::OpenOptions::new()
        .write(true)
        .custom_flags(libc::O_CLOEXEC)
        .open(path)
        .await
        .map_err(|e| io_err(e, format!("opening {}", path.display())))?;
    let f = f.into_std().await;
    // Replaced by a regular file since it was looked at: that would be
    // overwritten in place, untruncated. Nothing is written yet.
    if f.metadata().is_ok_and(|m| m.is_file()) {
        return Err(user_error(format!(
            "-o {}: changed while it was opened (now a regular file); try again",
            path.display()
        )));
    }
    Ok(f)
}

/// The real path of an existing file or directory (symlinks followed).
fn real(path: &Path) -> CmdResult<PathBuf> {
    std::fs::canonicalize(path).map_err(|e| io_err(e, format!("-o {}", path.display())))
}

/// A path that does not exist yet: its real parent directory and name.
/// A file's name may not end in '/' (a directory's may).
fn new_target(path: &Path, dir: bool) -> CmdResult<PathBuf> {
    let name = match path.file_name() {
        Some(n) if dir || !path.as_os_str().to_string_lossy().ends_with('/') => n,
        _ => {
            return Err(usage_error(format!(
                "-o {}: not a file name",
                path.display()
            )));
        }
    };
    let parent = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let parent = std::fs::canonicalize(parent)
        .map_err(|e| usage_error(format!("-o {}: {}: {e}", path.display(), parent.display())))?;
    Ok(parent.join(name))
}

/// `.stagdb-export-PID-START-N.NAME` beside `target`: NAME is the target's
/// name as UTF-8 (so the sweep can read it and pg_dump gets it as written),
/// shortened so the whole stays within a file name's 255 bytes.
fn temp_beside(target: &Path) -> CmdResult<PathBuf> {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    let (Some(dir), Some(name)) = (target.parent(), target.file_name()) else {
        return Err(usage_error(format!(
            "-o {}: not a file name",
            target.display()
        )));
    };
    let me = Owner::me();
    let n = N.fetch_add(1, Ordering::Relaxed);
    let name = name.to_string_lossy();
    let mut end = name.len().min(180);
    while !name.is_char_boundary(end) {
        end -= 1;
    }
    Ok(dir.join(format!(
        "{PREFIX}{}-{}-{n}.{}",
        me.pid,
        me.start,
        &name[..end]
    )))
}

fn make_file(ctx: &Ctx, target: PathBuf, old: Option<Metadata>) -> CmdResult<Output> {
    let dir = target.parent().unwrap_or(Path::new("/"));
    sweep(dir);
    let temp = temp_beside(&target)?;
    ctx.created(Undo::TempPath(temp.clone()));
    // Private while it is written: it holds the database's data.
    let file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .custom_flags(libc::O_NOFOLLOW | libc::O_CLOEXEC)
        .open(&temp)
        .map_err(|e| io_err(e, format!("creating {}", temp.display())))?;
    Ok(Output::File {
        file: tokio::fs::File::from_std(file),
        temp,
        target,
        old,
    })
}

fn make_dir(ctx: &Ctx, target: PathBuf, old: Option<Metadata>) -> CmdResult<Output> {
    use std::os::unix::fs::DirBuilderExt;
    let dir = target.parent().unwrap_or(Path::new("/"));
    sweep(dir);
    let temp = temp_beside(&target)?;
    ctx.created(Undo::TempPath(temp.clone()));
    // pg_dump fills an existing empty directory.
    std::fs::DirBuilder::new()
        .mode(0o700)
        .create(&temp)
        .map_err(|e| io_err(e, format!("creating {}", temp.display())))?;
    Ok(Output::Dir { temp, target, old })
}

/// Gives the finished temporary the replaced file's mode and owner (as far
/// as this process may), or a new file's mode under the umask.
fn take_over(f: &File, old: Option<&Metadata>, new_mode: u32) -> std::io::Result<()> {
    use std::os::unix::fs::fchown;
    let mode = match old {
        // Permission bits only: no set-id bits on a dump.
        Some(m) => m.mode() & 0o777,
        None => new_mode & !umask(),
    };
    if let Some(m) = old {
        // Best effort: only root may give a file away.
        let _ = fchown(f, Some(m.uid()), Some(m.gid()));
    }
    f.set_permissions(std::fs::Permissions::from_mode(mode))
}

/// The process's umask, from /proc (umask(2) cannot read it without setting it).
fn umask() -> u32 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("Umask:"))
                .and_then(|v| u32::from_str_radix(v.trim(), 8).ok())
        })
        .unwrap_or(0o022)
}

/// The rename that replaces the target, then a sync of its directory so the
/// rename survives a crash.
fn put_in_place(ctx: &Ctx, temp: &Path, target: &Path) -> CmdResult {
    std::fs::rename(temp, target).map_err(|e| {
        let hint = if e.kind() == std::io::ErrorKind::DirectoryNotEmpty {
            " (it is no longer empty)"
        } else {
            ""
        };
        io_err(
            e,
            format!("moving the dump into place as {}{hint}", target.display()),
        )
    })?;
    let dir = target.parent().unwrap_or(Path::new("/"));
    if let Err(e) = File::open(dir).and_then(|d| d.sync_all()) {
        ctx.printer
            .warn(format!("could not sync directory {}: {e}", dir.display()));
    }
    Ok(())
}

/// Removes temporaries of exports that were killed (their process is gone).
fn sweep(dir: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let name = e.file_name();
        let Some(owner) = name.to_str().and_then(temp_owner) else {
            continue;
        };
        if owner.start == 0 || owner.alive() {
            continue;
        }
        // file_type() does not follow symlinks: a link is not ours to follow.
        let _ = match e.file_type() {
            Ok(t) if t.is_dir() => std::fs::remove_dir_all(e.path()),
            Ok(t) if t.is_file() => std::fs::remove_file(e.path()),
            _ => continue,
        };
    }
}

/// The process that made a temporary, from its name.
fn temp_owner(name: &str) -> Option<Owner> {
    let mut f = name.strip_prefix(PREFIX)?.split('-');
    let pid = f.next()?.parse().ok()?;
    let start = f.next()?.parse().ok()?;
    let rest = f.next()?;
    rest.split_once('.')?.0.parse::<u64>().ok()?;
    Some(Owner { pid, start })
}

/// Rollback of [`Undo::TempPath`]: the temporary, if it is still there.
pub fn remove_temp(path: &Path) -> std::io::Result<()> {
    let res = match std::fs::symlink_metadata(path) {
        Ok(m) if m.is_dir() => std::fs::remove_dir_all(path),
        Ok(_) => std::fs::remove_file(path),
        Err(e) => Err(e),
    };
    match res {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        r => r,
    }
}

fn io_err(e: std::io::Error, what: String) -> CommandError {
    CommandError::new(ErrorKind::User, anyhow::Error::new(e).context(what))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn descriptors_are_recognised_by_name() {
        assert_eq!(fd_number(Path::new("/dev/stdout")), Some(1));
        assert_eq!(fd_number(Path::new("/dev/fd/7")), Some(7));
        assert_eq!(fd_number(Path::new("/proc/self/fd/3")), Some(3));
        assert_eq!(fd_number(Path::new("/dev/fd/x")), None);
        assert_eq!(fd_number(Path::new("/tmp/dev/stdout")), None);
    }

    #[test]
    fn temp_names_carry_their_owner() {
        let t = temp_beside(Path::new("/x/a-b.dump")).unwrap();
        let n = t.file_name().unwrap().to_str().unwrap();
        assert_eq!(temp_owner(n), Some(Owner::me()));
        assert!(n.ends_with(".a-b.dump"), "{n}");
        assert_eq!(temp_owner(".stagdb-export-12-x-0.a"), None);
        assert_eq!(temp_owner("stagdb-export-12-34-0.a"), None);
        let long = "é".repeat(127);
        let t = temp_beside(&Path::new("/x").join(&long)).unwrap();
        assert!(t.file_name().unwrap().len() <= 255);
        assert!(t.to_str().is_some());
    }
}
