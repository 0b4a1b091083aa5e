//! A per-store lock file, held while a command picks a port and creates a
//! dataset, so concurrent invocations never hand out the same port.
//! ZFS's own atomic create/clone settles name races.

use std::fs::File;
use std::path::PathBuf;

use anyhow::{Context, Result};

/// Released when dropped (the OS drops flock locks with the file).
pub struct StoreLock {
    _file: File,
}

/// `/run/lock/stagdb/<store>.lock`: on tmpfs, local to this host like the
/// pool's datasets it guards.
pub fn lock_path(store: &str) -> PathBuf {
    let base = if std::path::Path::new("/run/lock").is_dir() {
        PathBuf::from("/run/lock/stagdb")
    } else {
        std::env::temp_dir().join("stagdb-locks")
    };
    base.join(format!("{}.lock", store.replace('/', "%")))
}

pub fn lock_store(store: &str, on_wait: impl FnOnce()) -> Result<StoreLock> {
    let path = lock_path(store);
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    let file = File::options()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .with_context(|| format!("opening lock file {}", path.display()))?;
    match file.try_lock() {
        Ok(()) => {}
        Err(std::fs::TryLockError::WouldBlock) => {
            on_wait();
            file.lock()
                .with_context(|| format!("locking {}", path.display()))?;
        }
        Err(std::fs::TryLockError::Error(e)) => {
            return Err(e).with_context(|| format!("locking {}", path.display()));
        }
    }
    Ok(StoreLock { _file: file })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn second_lock_waits_for_the_first() {
        let store = format!("test/lock-{}", std::process::id());
        let first = lock_store(&store, || panic!("first lock must not wait")).unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        let s2 = store.clone();
        let t = std::thread::spawn(move || {
            let mut waited = false;
            let _l = lock_store(&s2, || waited = true).unwrap();
            tx.send(waited).unwrap();
        });
        std::thread::sleep(std::time::Duration::from_millis(100));
        assert!(rx.try_recv().is_err(), "second lock must block");
        drop(first);
        assert!(rx.recv().unwrap(), "second lock reported waiting");
        t.join().unwrap();
        let _ = std::fs::remove_file(lock_path(&store));
    }
}
