//! Branch passwords: each branch has its own, sealed in `stagdb:password`
//! with the store's key (see `vault.rs`), and set in the branch's data by
//! its container before the server first listens (see `pg::START_SCRIPT`).
//!
//! The data directory does not say which password its `postgres` role
//! has, so the dataset keeps a marker: the sealed value the role's
//! password was last set from. A start whose branch's sealed value differs
//! (a new clone carries its parent's marker, a reset its target's, a
//! store from before sealing none) hands the container the password to
//! set, once.

use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

use crate::ctx::Ctx;
use crate::error::{CmdResult, CommandError, ErrorKind, user_error};
use crate::props;
use crate::store::{Branch, Store};
use crate::vault::{self, Key};

/// In the dataset, beside `pgdata`: the sealed value the role's password
/// was set from.
pub(crate) const PASSWORD_MARK: &str = ".stagdb-password-id";

/// Refuses an unmounted store root (a `zfs receive -u` copy): its key is
/// in the mountpoint, and one made in the bare directory there would seal
/// new passwords with a key the mounted store hides.
fn check_mounted(store: &Store) -> CmdResult {
    if store.mounted {
        return Ok(());
    }
    Err(user_error(format!(
        "store {} is not mounted: its key, which seals the branches' passwords, is in its mountpoint",
        store.dataset
    ))
    .hint(format!(
        "mount it with `zfs mount {}` (a store copied with `zfs receive -u` is not)",
        store.dataset
    )))
}

/// The store's key, made on first use.
pub fn store_key(store: &Store) -> CmdResult<Key> {
    check_mounted(store)?;
    let mp = store.mountpoint.as_deref().ok_or_else(|| {
        user_error(format!(
            "store {} has no mountpoint: its key (which seals the branches' passwords) lives there",
            store.dataset
        ))
    })?;
    Key::load_or_create(mp).map_err(|e| {
        CommandError::new(ErrorKind::User, e)
            .hint("the store's key is root's: run stagdb as root (or with sudo)")
    })
}

/// The store's key, to open passwords: never made here (a key made now
/// would open none of them, and a key put back later would no longer be
/// the one new passwords are sealed with).
fn open_key(store: &Store) -> CmdResult<Key> {
    check_mounted(store)?;
    let mp = store
        .mountpoint
        .as_deref()
        .ok_or_else(|| user_error(format!("store {} has no mountpoint", store.dataset)))?;
    let path = vault::key_path(mp);
    Key::load(&path).map_err(|e| {
        let missing = !path.exists();
        CommandError::new(ErrorKind::User, e).hint(if missing {
            "the store's key is missing: put back the .stagdb-key it came with, or `stagdb doctor --fix` gives the branches new passwords"
        } else {
            "the store's key is root's: run stagdb as root (or with sudo)"
        })
    })
}

/// A new password for a branch, and its sealed value for `stagdb:password`.
pub fn new_password(key: &Key) -> CmdResult<(String, String)> {
    let pw = crate::secret::generate_password()?;
    let sealed = key.seal(&pw)?;
    Ok((pw, sealed))
}

/// The branch's password in clear.
pub fn password(store: &Store, branch: &Branch) -> CmdResult<String> {
    let raw = super::run::raw_password(branch)?;
    if !vault::is_sealed(raw) {
        // A store from before sealing (sealed on its next use).
        return Ok(raw.to_string());
    }
    open_key(store)?.open(raw).map_err(|e| {
        user_error(format!(
            "the password of branch '{}' cannot be opened: {e}",
            branch.name
        ))
        .hint(format!(
            "the store's key is {}; a store copied without it cannot open its passwords",
            store
                .mountpoint
                .as_deref()
                .map(|m| vault::key_path(m).display().to_string())
                .unwrap_or_else(|| "in the store's mountpoint".into())
        ))
    })
}

/// Before a branch's container starts: when its data's role password was
/// not set from the branch's sealed value, writes the password for the
/// container to set (and the marker it moves into place once it did).
pub fn prepare_start(mountpoint: &Path, raw: &str, password: &str) -> CmdResult {
    let mark = mountpoint.join(PASSWORD_MARK);
    if std::fs::read_to_string(&mark).is_ok_and(|m| m.trim_end() == raw) {
        return Ok(());
    }
    write_private(&mountpoint.join(crate::pg::PWFILE), password)?;
    if !vault::is_sealed(raw) {
        // A plain value is no name for a password to keep on disk; the
        // password is set again at each start until the store is sealed.
        return Ok(());
    }
    write_private(&mountpoint.join(format!("{PASSWORD_MARK}.new")), raw)
}

/// Written under a temporary name and renamed: a file left by a copied
/// snapshot is replaced, never written through (it may be a link). Not
/// synced: one lost in a crash is written again at the next start (the
/// container moves the marker only after it set the password), and an
/// fsync here holds back zfs-fuse's write-out of the new data directory.
fn write_private(path: &Path, text: &str) -> CmdResult {
    let tmp = path.with_extension(format!("tmp-{}", std::process::id()));
    let res = (|| -> std::io::Result<()> {
        let _ = std::fs::remove_file(&tmp);
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .custom_flags(libc::O_NOFOLLOW)
            .open(&tmp)?;
        writeln!(f, "{text}")?;
        std::fs::rename(&tmp, path)
    })();
    res.map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        CommandError::new(
            ErrorKind::User,
            anyhow::Error::new(e).context(format!("writing {}", path.display())),
        )
    })
}

/// Seals the passwords of a store from before sealing (plain values in
/// `stagdb:password`), under the store lock, and gives each branch that
/// shared its password with an older one a password of its own (a running
/// one by `ALTER ROLE`, a stopped one at its next start). Best effort: a
/// store that cannot be sealed now (not root, no mountpoint) still works
/// and is sealed by a later command.
pub async fn seal_legacy(ctx: &Ctx, store: &Store) -> bool {
    if !store
        .branches
        .iter()
        .any(|b| b.password.as_deref().is_some_and(|p| !vault::is_sealed(p)))
    {
        return false;
    }
    let Ok(key) = store_key(store) else {
        return false;
    };
    let Ok(_lock) = ctx.lock(&store.dataset).await else {
        return false;
    };
    // Every dataset right under the store: branches, and the old
    // generations and leftovers that carry a password too.
    let Ok(entries) = ctx.zfs.get_datasets(&store.dataset).await else {
        return false;
    };
    let Ok(fresh) = super::load_store(ctx, &store.dataset).await else {
        return false;
    };
    let running = super::containers(ctx, &fresh).await.unwrap_or_default();
    let keep = keepers(&fresh);
    let (mut sealed, mut rotated) = (0, 0);
    for e in &entries {
        let Some(plain) = e
            .local(props::PASSWORD)
            .filter(|p| crate::store::valid_password(p))
        else {
            continue;
        };
        let branch = fresh
            .branches
            .iter()
            .find(|b| b.dataset == e.name && !keep.contains(b.name.as_str()));
        let mut value = key.seal(plain).ok();
        if let Some(b) = branch {
            match own_password(&fresh, b, plain, &key, &running).await {
                Ok(Some(s)) => {
                    value = Some(s);
                    rotated += 1;
                }
                Ok(None) => {}
                Err(err) => ctx.printer.warn(format!(
                    "branch '{}' keeps the password it shares with other branches: {err:#}",
                    b.name
                )),
            }
        }
        let Some(value) = value else { continue };
        match ctx.zfs.set(&e.name, props::PASSWORD, &value).await {
            Ok(()) => sealed += 1,
            Err(err) => ctx.printer.warn(format!(
                "could not seal the password on {}: {err:#}",
                e.name
            )),
        }
    }
    if sealed > 0 {
        ctx.printer.status(format!(
            "sealed {sealed} password{} of store {} with its key{}",
            if sealed == 1 { "" } else { "s" },
            store.dataset,
            if rotated > 0 {
                format!(
                    "; {rotated} branch{} that shared a password got one of {} own (`stagdb url` prints it)",
                    if rotated == 1 { "" } else { "es" },
                    if rotated == 1 { "its" } else { "their" }
                )
            } else {
                String::new()
            }
        ));
    }
    sealed > 0
}

/// Of the branches that share a plain password, the one that keeps it:
/// HEAD, else the oldest. A branch with a password of its own keeps it too.
fn keepers(store: &Store) -> std::collections::BTreeSet<&str> {
    let mut by_pw: std::collections::BTreeMap<&str, Vec<&Branch>> = Default::default();
    for b in &store.branches {
        if let Some(p) = b.password.as_deref().filter(|p| !vault::is_sealed(p)) {
            by_pw.entry(p).or_default().push(b);
        }
    }
    by_pw
        .values()
        .filter_map(|bs| {
            bs.iter()
                .find(|b| store.head.as_deref() == Some(b.name.as_str()))
                .or_else(|| bs.iter().min_by_key(|b| (b.created, &b.name)))
                .map(|b| b.name.as_str())
        })
        .collect()
}

/// A new password for a branch that shared one: set now in a running
/// server, or at the next start of a stopped one. The sealed value to
/// record, or `None` when the branch cannot be given one now.
async fn own_password(
    store: &Store,
    b: &Branch,
    plain: &str,
    key: &Key,
    running: &std::collections::BTreeMap<String, crate::docker::ContainerInfo>,
) -> CmdResult<Option<String>> {
    let (pw, sealed) = new_password(key)?;
    match super::state_of(running.get(&b.name)) {
        "running" => {
            let port = super::port(b)?;
            crate::pg::set_password(store.settings.connect_host(), port, plain, &pw)
                .await
                .map_err(|e| CommandError::new(ErrorKind::User, e))?;
            if let Some(mp) = &b.mountpoint {
                write_private(&mp.join(PASSWORD_MARK), &sealed)?;
            }
            Ok(Some(sealed))
        }
        "stopped" => Ok(Some(sealed)),
        // Starting, stopping, paused: left as it is, sealed.
        _ => Ok(None),
    }
}
