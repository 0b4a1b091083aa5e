//! The store's port index (`stagdb:taken` on the root): a superset of the
//! ports branches hold, so a new branch gets a port without listing every
//! branch. Only changed under the store lock: a port is added before a
//! branch gets it and removed after the branch is gone, so the index never
//! misses a port in use; a missing or damaged index is rebuilt from the
//! branches, and `doctor` checks it against them.

use std::collections::BTreeSet;

use crate::ctx::Ctx;
use crate::error::CmdResult;
use crate::ports;
use crate::props;
use crate::store::Store;

/// ZFS user property values are limited to 8 KiB; past that the index is
/// dropped and ports are read from the branches.
const MAX_LEN: usize = 8000;

/// The index as stored, or `None` when it is missing or damaged.
pub async fn read(ctx: &Ctx, store: &str) -> CmdResult<Option<BTreeSet<u16>>> {
    let root = ctx.zfs.get_one(store, &[props::TAKEN]).await?;
    Ok(root
        .as_ref()
        .and_then(|e| e.local(props::TAKEN))
        .and_then(ports::parse_set))
}

/// Every port a branch holds, read from the branches themselves (one
/// `zfs list` of the whole store).
pub async fn from_branches(ctx: &Ctx, store: &str) -> CmdResult<BTreeSet<u16>> {
    Ok(ctx
        .zfs
        .list_values(store, props::PORT)
        .await?
        .iter()
        .filter_map(|v| v.parse().ok())
        .collect())
}

/// Writes the index (or removes it when it would not fit).
pub async fn write(ctx: &Ctx, store: &str, taken: &BTreeSet<u16>) -> CmdResult {
    let text = ports::format_set(taken);
    if text.len() > MAX_LEN {
        ctx.zfs.inherit(store, props::TAKEN).await?;
    } else {
        ctx.zfs.set(store, props::TAKEN, &text).await?;
    }
    Ok(())
}

/// Takes the ports of removed branches (by dataset) out of the index.
pub async fn release_removed(ctx: &Ctx, store: &Store, gone: &BTreeSet<&str>) {
    let freed: Vec<u16> = store
        .branches
        .iter()
        .filter(|b| gone.contains(b.dataset.as_str()))
        .filter_map(|b| b.port)
        .collect();
    release(ctx, &store.dataset, &freed).await;
}

/// Takes ports out of the index once their branches are gone. The caller
/// holds the store lock. Best effort: a port left in is only a port not
/// handed out again until `doctor --fix` or the next rebuild.
pub async fn release(ctx: &Ctx, store: &str, gone: &[u16]) {
    let res = async {
        if let Some(mut taken) = read(ctx, store).await? {
            let before = taken.len();
            for p in gone {
                taken.remove(p);
            }
            if taken.len() != before {
                write(ctx, store, &taken).await?;
            }
        }
        CmdResult::Ok(())
    }
    .await;
    if let Err(e) = res {
        ctx.printer
            .warn(format!("could not update the port index: {:#}", e.error));
    }
}
