//! Where `export -o PATH` writes, without ever destroying what it did not
//! make: a regular file (new or existing, also behind a symlink) is written
//! under a temporary name beside it and renamed over it only once the dump
//! is whole; a device, FIFO or socket (`/dev/null`, `<(...)`) is written
//! to as it is, never created, truncated or replaced; `/dev/stdout` is
//! this process's standard output. A temporary file of a process that is
//! gone (killed with SIGKILL) is removed by the next export into the same
//! directory.

use std::ffi::OsString;
use std::os::unix::fs::{FileTypeExt, MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};

/// Marks a temporary file or directory of ours: `.NAME.stagdb-PID-START.tmp`.
const TAG: &str = ".stagdb-";

/// What `-o PATH` names.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Dest {
    /// This process's standard output (`/dev/stdout`, `/dev/fd/1`).
    Stdout,
    /// Written to as it is: a device, FIFO or socket.
    Stream(PathBuf),
    /// A regular file, new or to be replaced (the symlink's target, when PATH is one).
    File(PathBuf),
}

/// What kind of thing PATH is, following symlinks. A directory, or a
/// symlink to nothing, is refused.
pub(crate) fn classify(path: &Path) -> Result<Dest> {
    let shown = path.display();
    if matches!(
        path.to_str(),
        Some("/dev/stdout" | "/dev/fd/1" | "/proc/self/fd/1")
    ) {
        return Ok(Dest::Stdout);
    }
    match std::fs::metadata(path) {
        Ok(m) if m.is_dir() => bail!("{shown} is a directory"),
        Ok(m) if m.is_file() => Ok(Dest::File(
            std::fs::canonicalize(path).with_context(|| format!("resolving {shown}"))?,
        )),
        Ok(m) => {
            let t = m.file_type();
            if t.is_fifo() || t.is_char_device() || t.is_block_device() || t.is_socket() {
                Ok(Dest::Stream(path.to_path_buf()))
            } else {
                bail!("{shown} is neither a file nor a device")
            }
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            if std::fs::symlink_metadata(path).is_ok() {
                bail!("{shown} is a symlink to a file that does not exist");
            }
            Ok(Dest::File(absolute(path)?))
        }
        Err(e) => Err(e).with_context(|| format!("reading {shown}")),
    }
}

/// PATH made absolute through its (existing, resolved) parent directory.
pub(crate) fn absolute(path: &Path) -> Result<PathBuf> {
    let parent = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let name = path
        .file_name()
        .with_context(|| format!("{} names no file", path.display()))?;
    let dir =
        std::fs::canonicalize(&parent).with_context(|| format!("reading {}", parent.display()))?;
    Ok(dir.join(name))
}

/// The temporary name beside `dest` for this process.
pub(crate) fn temp_beside(dest: &Path) -> Result<PathBuf> {
    let name = dest
        .file_name()
        .with_context(|| format!("{} names no file", dest.display()))?;
    let me = crate::intent::Owner::me();
    let mut t = OsString::from(".");
    t.push(name);
    t.push(format!("{TAG}{}-{}.tmp", me.pid, me.start));
    Ok(dest.with_file_name(t))
}

/// A temporary file or directory of ours that goes when dropped, unless
/// it was renamed into place.
pub(crate) struct Temp {
    path: Option<PathBuf>,
}

impl Temp {
    pub(crate) fn new(path: PathBuf) -> Temp {
        Temp { path: Some(path) }
    }

    pub(crate) fn path(&self) -> &Path {
        self.path.as_deref().unwrap_or(Path::new(""))
    }

    /// Renames it over `dest` (a file, or an empty directory) and syncs
    /// the directory, so the new name survives a crash.
    pub(crate) fn commit(mut self, dest: &Path) -> Result<()> {
        let Some(tmp) = self.path.take() else {
            return Ok(());
        };
        if let Err(e) = std::fs::rename(&tmp, dest) {
            self.path = Some(tmp);
            return Err(e).with_context(|| format!("renaming the dump to {}", dest.display()));
        }
        if let Some(dir) = dest.parent()
            && let Ok(d) = std::fs::File::open(dir)
        {
            let _ = d.sync_all();
        }
        Ok(())
    }
}

impl Drop for Temp {
    fn drop(&mut self) {
        if let Some(p) = self.path.take() {
            let _ = match std::fs::symlink_metadata(&p) {
                Ok(m) if m.is_dir() => std::fs::remove_dir_all(&p),
                _ => std::fs::remove_file(&p),
            };
        }
    }
}

/// Creates the temporary file for `dest`: never an existing name, never
/// through a symlink; with the mode of the file it will replace, if any.
pub(crate) fn create_temp_file(dest: &Path) -> Result<(std::fs::File, Temp)> {
    sweep(dest.parent().unwrap_or(Path::new(".")));
    let tmp = temp_beside(dest)?;
    let mode = std::fs::metadata(dest).map(|m| m.mode() & 0o7777).ok();
    let f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o666)
        .custom_flags(libc::O_NOFOLLOW)
        .open(&tmp)
        .with_context(|| format!("creating {}", tmp.display()))?;
    let guard = Temp::new(tmp);
    if let Some(m) = mode {
        f.set_permissions(std::fs::Permissions::from_mode(m))
            .with_context(|| format!("setting the mode of {}", guard.path().display()))?;
    }
    Ok((f, guard))
}

/// Opens a device, FIFO or socket for writing as it is.
pub(crate) fn open_stream(path: &Path) -> Result<std::fs::File> {
    std::fs::OpenOptions::new()
        .write(true)
        .open(path)
        .with_context(|| format!("opening {}", path.display()))
}

/// Removes temporary files and directories of ours in `dir` whose process
/// is gone.
pub(crate) fn sweep(dir: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let name = e.file_name();
        let Some(owner) = name.to_str().and_then(owner_of) else {
            continue;
        };
        if !owner.alive() {
            let p = e.path();
            let _ = match std::fs::symlink_metadata(&p) {
                Ok(m) if m.is_dir() => std::fs::remove_dir_all(&p),
                Ok(m) if m.is_file() => std::fs::remove_file(&p),
                _ => Ok(()),
            };
        }
    }
}

/// The process a temporary name belongs to.
fn owner_of(name: &str) -> Option<crate::intent::Owner> {
    let rest = name.strip_prefix('.')?.strip_suffix(".tmp")?;
    let (_, ids) = rest.rsplit_once(TAG)?;
    let (pid, start) = ids.split_once('-')?;
    Some(crate::intent::Owner {
        pid: pid.parse().ok()?,
        start: start.parse().ok()?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dir(tag: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("stagdb-outfile-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        d
    }

    #[test]
    fn classifies_files_links_devices_and_stdout() {
        let d = dir("classify");
        let f = d.join("keep.dump");
        std::fs::write(&f, "precious").unwrap();
        let link = d.join("link.dump");
        std::os::unix::fs::symlink(&f, &link).unwrap();
        let dangling = d.join("dangling.dump");
        std::os::unix::fs::symlink(d.join("nothing"), &dangling).unwrap();
        let real = std::fs::canonicalize(&f).unwrap();
        assert_eq!(classify(&f).unwrap(), Dest::File(real.clone()));
        assert_eq!(classify(&link).unwrap(), Dest::File(real));
        assert!(classify(&dangling).is_err());
        assert!(classify(&d).is_err());
        assert_eq!(
            classify(Path::new("/dev/null")).unwrap(),
            Dest::Stream("/dev/null".into())
        );
        assert_eq!(classify(Path::new("/dev/stdout")).unwrap(), Dest::Stdout);
        let new = d.join("new.dump");
        assert_eq!(
            classify(&new).unwrap(),
            Dest::File(std::fs::canonicalize(&d).unwrap().join("new.dump"))
        );
        assert!(classify(&d.join("no/such/dir.dump")).is_err());
    }

    #[test]
    fn a_temp_file_replaces_only_when_committed() {
        let d = dir("commit");
        let f = d.join("keep.dump");
        std::fs::write(&f, "precious").unwrap();
        std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o640)).unwrap();
        {
            let (_file, guard) = create_temp_file(&f).unwrap();
            assert!(guard.path().exists());
        }
        // Dropped uncommitted: gone, and the old file untouched.
        assert_eq!(std::fs::read_to_string(&f).unwrap(), "precious");
        assert_eq!(std::fs::read_dir(&d).unwrap().count(), 1);
        let (mut file, guard) = create_temp_file(&f).unwrap();
        std::io::Write::write_all(&mut file, b"new").unwrap();
        guard.commit(&f).unwrap();
        assert_eq!(std::fs::read_to_string(&f).unwrap(), "new");
        let mode = std::fs::metadata(&f).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o640, "the replaced file's mode is kept");
        assert_eq!(std::fs::read_dir(&d).unwrap().count(), 1);
    }

    #[test]
    fn sweeps_only_temps_of_gone_processes() {
        let d = dir("sweep");
        let gone = d.join(format!(".x.dump{TAG}999999999-1.tmp"));
        std::fs::write(&gone, "half").unwrap();
        let mine = temp_beside(&d.join("y.dump")).unwrap();
        std::fs::write(&mine, "mine").unwrap();
        let other = d.join(".x.dump.tmp");
        std::fs::write(&other, "not ours").unwrap();
        sweep(&d);
        assert!(!gone.exists());
        assert!(mine.exists());
        assert!(other.exists());
        assert_eq!(
            owner_of(".a.b-c.stagdb-12-34.tmp").map(|o| (o.pid, o.start)),
            Some((12, 34))
        );
        assert!(owner_of("a.stagdb-12-34.tmp").is_none());
    }
}
