//! A per-store lock file, held while a command picks a port and creates a
//! dataset, and through the whole of checkout, reset, rm and doctor --fix.
//! ZFS's own atomic create/clone settles name races.
//!
//! The lock is polled (never a blocking `flock` on a thread the runtime
//! would have to wait for), so Ctrl-C while waiting exits at once. The
//! directory is created private (0700) and checked before use: a lock file
//! is never opened through a symlink or in a directory others can write.

use std::fs::File;
use std::os::unix::fs::{DirBuilderExt, MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};

/// Released when dropped (the OS drops flock locks with the file), unless
/// a child made by [`inherit_locks`] still runs: it shares the lock.
pub struct StoreLock {
    file: File,
}

/// The locks this process holds, as (fd, device, inode): what a child is
/// given. The device and inode let the child check the fd is still the
/// lock file (a dropped lock's number may be reused by then).
static HELD: std::sync::Mutex<Vec<(i32, u64, u64)>> = std::sync::Mutex::new(Vec::new());

fn held() -> std::sync::MutexGuard<'static, Vec<(i32, u64, u64)>> {
    HELD.lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl StoreLock {
    fn new(file: File) -> StoreLock {
        use std::os::fd::AsRawFd;
        if let Ok(m) = file.metadata() {
            held().push((file.as_raw_fd(), m.dev(), m.ino()));
        }
        StoreLock { file }
    }
}

impl Drop for StoreLock {
    fn drop(&mut self) {
        use std::os::fd::AsRawFd;
        let fd = self.file.as_raw_fd();
        held().retain(|(f, _, _)| *f != fd);
    }
}

/// Makes `cmd`'s child share every store lock this process holds, so the
/// lock outlives a killed stagdb for as long as the `zfs` it started still
/// runs: a `doctor` after a `kill -9` waits for that `zfs destroy` to end
/// instead of planning on a dataset it is still changing.
pub fn inherit_locks(cmd: &mut std::process::Command) {
    use std::os::unix::process::CommandExt;
    let fds = held().clone();
    if fds.is_empty() {
        return;
    }
    // SAFETY: the closure runs between fork and exec and calls only
    // async-signal-safe functions (fstat, fcntl) on a Vec allocated before
    // the fork; it neither allocates nor locks.
    unsafe {
        cmd.pre_exec(move || {
            for &(fd, dev, ino) in &fds {
                let mut st: libc::stat = std::mem::zeroed();
                if libc::fstat(fd, &mut st) == 0 && st.st_dev == dev && st.st_ino == ino {
                    libc::fcntl(fd, libc::F_SETFD, 0);
                }
            }
            Ok(())
        });
    }
}

/// `/run/lock/stagdb` (tmpfs, local to this host like the pool's datasets
/// it guards), else `$TMPDIR/stagdb-locks-UID`.
pub fn lock_dir() -> PathBuf {
    if Path::new("/run/lock").is_dir() {
        PathBuf::from("/run/lock/stagdb")
    } else {
        std::env::temp_dir().join(format!("stagdb-locks-{}", euid()))
    }
}

pub fn lock_path(store: &str) -> PathBuf {
    lock_dir().join(format!("{}.lock", store.replace('/', "%")))
}

fn euid() -> u32 {
    // SAFETY: geteuid has no preconditions and cannot fail.
    unsafe { libc::geteuid() }
}

/// Creates the lock directory (0700) if needed and refuses one that is a
/// symlink, not ours, or writable by others.
pub fn check_lock_dir(dir: &Path) -> Result<()> {
    match std::fs::DirBuilder::new().mode(0o700).create(dir) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
        Err(e) => return Err(e).with_context(|| format!("creating {}", dir.display())),
    }
    let meta =
        std::fs::symlink_metadata(dir).with_context(|| format!("reading {}", dir.display()))?;
    if meta.file_type().is_symlink() || !meta.is_dir() {
        bail!(
            "lock directory {} is not a plain directory (a symlink?); refusing to use it",
            dir.display()
        );
    }
    if meta.uid() != euid() {
        bail!(
            "lock directory {} belongs to uid {}, not to this user (uid {}); refusing to use it",
            dir.display(),
            meta.uid(),
            euid()
        );
    }
    if meta.permissions().mode() & 0o022 != 0 {
        bail!(
            "lock directory {} is writable by others (mode {:o}); refusing to use it",
            dir.display(),
            meta.permissions().mode() & 0o7777
        );
    }
    Ok(())
}

/// Takes the lock if it is free; `None` when another process holds it.
pub fn try_lock_store(store: &str) -> Result<Option<StoreLock>> {
    let path = lock_path(store);
    if let Some(dir) = path.parent() {
        check_lock_dir(dir)?;
    }
    let file = File::options()
        .create(true)
        .truncate(false)
        .write(true)
        .mode(0o600)
        // Never follow a symlink planted in place of the lock file.
        .custom_flags(libc::O_NOFOLLOW)
        .open(&path)
        .with_context(|| format!("opening lock file {}", path.display()))?;
    match file.try_lock() {
        Ok(()) => Ok(Some(StoreLock::new(file))),
        Err(std::fs::TryLockError::WouldBlock) => Ok(None),
        Err(std::fs::TryLockError::Error(e)) => {
            Err(e).with_context(|| format!("locking {}", path.display()))
        }
    }
}

/// Waits for the lock, polling; `on_wait` runs once when it has to wait.
pub async fn lock_store(store: &str, on_wait: impl FnOnce()) -> Result<StoreLock> {
    let mut on_wait = Some(on_wait);
    loop {
        if let Some(l) = try_lock_store(store)? {
            return Ok(l);
        }
        if let Some(f) = on_wait.take() {
            f();
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rt() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
    }

    #[test]
    fn second_lock_waits_for_the_first() {
        let store = format!("test/lock-{}", std::process::id());
        let first = try_lock_store(&store).unwrap().expect("free");
        assert!(try_lock_store(&store).unwrap().is_none());
        let rt = rt();
        let mut waited = false;
        let s2 = store.clone();
        rt.block_on(async {
            let release = async {
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                drop(first);
            };
            let (_, l) = tokio::join!(release, lock_store(&s2, || waited = true));
            l.unwrap();
        });
        assert!(waited, "second lock reported waiting");
        let _ = std::fs::remove_file(lock_path(&store));
    }

    #[test]
    fn a_child_keeps_the_lock_after_the_parent_lets_go() {
        let store = format!("test/lock-child-{}", std::process::id());
        let lock = try_lock_store(&store).unwrap().expect("free");
        let mut cmd = std::process::Command::new("sleep");
        cmd.arg("1");
        inherit_locks(&mut cmd);
        let mut child = cmd.spawn().unwrap();
        // As after a `kill -9` of stagdb: its own fd is gone, the child's is not.
        drop(lock);
        assert!(
            try_lock_store(&store).unwrap().is_none(),
            "the running child holds the lock"
        );
        child.wait().unwrap();
        assert!(
            try_lock_store(&store).unwrap().is_some(),
            "free once it ends"
        );
        // A child made with no lock held gets no fd of it.
        let mut cmd = std::process::Command::new("sleep");
        cmd.arg("1");
        inherit_locks(&mut cmd);
        let mut child = cmd.spawn().unwrap();
        assert!(try_lock_store(&store).unwrap().is_some());
        child.kill().unwrap();
        child.wait().unwrap();
        let _ = std::fs::remove_file(lock_path(&store));
    }

    #[test]
    fn waiting_can_be_cancelled() {
        let store = format!("test/lock-cancel-{}", std::process::id());
        let _first = try_lock_store(&store).unwrap().expect("free");
        let started = std::time::Instant::now();
        rt().block_on(async {
            let r = tokio::time::timeout(
                std::time::Duration::from_millis(100),
                lock_store(&store, || {}),
            )
            .await;
            assert!(r.is_err(), "still waiting");
        });
        assert!(started.elapsed() < std::time::Duration::from_secs(1));
        let _ = std::fs::remove_file(lock_path(&store));
    }

    #[test]
    fn refuses_unsafe_directories() {
        let base = std::env::temp_dir().join(format!("stagdb-lockdir-test-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&base);
        std::fs::create_dir_all(&base).unwrap();
        let good = base.join("good");
        check_lock_dir(&good).unwrap();
        assert_eq!(
            std::fs::metadata(&good).unwrap().permissions().mode() & 0o777,
            0o700
        );
        let open = base.join("open");
        std::fs::create_dir(&open).unwrap();
        std::fs::set_permissions(&open, std::fs::Permissions::from_mode(0o777)).unwrap();
        assert!(check_lock_dir(&open).is_err());
        let link = base.join("link");
        std::os::unix::fs::symlink(&good, &link).unwrap();
        assert!(check_lock_dir(&link).is_err());
        // A symlink in place of a lock file is never followed.
        let target = base.join("victim");
        std::fs::write(&target, "keep").unwrap();
        std::os::unix::fs::symlink(&target, good.join("x.lock")).unwrap();
        let opened = File::options()
            .create(true)
            .truncate(false)
            .write(true)
            .custom_flags(libc::O_NOFOLLOW)
            .open(good.join("x.lock"));
        assert!(opened.is_err());
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "keep");
        std::fs::remove_dir_all(&base).unwrap();
    }
}
