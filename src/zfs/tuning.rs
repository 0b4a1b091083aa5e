//! The dataset properties a store gets for PostgreSQL's data, set once on
//! the store's root at `init` and inherited by every branch (clones keep
//! their origin's values). Each property lists the values to try, best
//! first; the first one this ZFS accepts is kept, and a property it does
//! not know at all is left at its default (zfs-fuse has no lz4 and no
//! `xattr=sa`). Measurements behind the choice: docs/zfs-properties.md.

use super::{Failure, Zfs, failure};
use anyhow::Result;

/// (property, values best first). Only what costs nothing to have: the
/// record size and compression stay as the pool has them, because pgbench
/// side by side in the OpenZFS guest showed no gain from `recordsize=8K
/// compression=lz4` (x 0.70 of ext4 against x 0.66, within the rounds'
/// spread) while loading took x 1.24 as long (docs/zfs-properties.md).
pub const PG_PROPERTIES: &[(&str, &[&str])] = &[
    // Reading a file must not write its access time (every query would).
    ("atime", &["off"]),
    // Extended attributes in the inode, not in hidden directories (a
    // SELinux label on every file is one).
    ("xattr", &["sa"]),
];

/// Sets [`PG_PROPERTIES`] on `dataset`, each to the first value this ZFS
/// accepts; returns what was set. Any failure other than "not supported"
/// is an error.
pub async fn tune_for_postgres(zfs: &Zfs, dataset: &str) -> Result<Vec<(String, String)>> {
    let mut set = Vec::new();
    for (prop, values) in PG_PROPERTIES {
        for value in *values {
            match zfs.set(dataset, prop, value).await {
                Ok(()) => {
                    set.push((prop.to_string(), value.to_string()));
                    break;
                }
                Err(e) if failure(&e) == Some(Failure::Unsupported) => continue,
                Err(e) => return Err(e),
            }
        }
    }
    Ok(set)
}
