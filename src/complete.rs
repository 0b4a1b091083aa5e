//! Dynamic shell completion (`source <(COMPLETE=bash stagdb)`): branch
//! names, `BRANCH@SNAPSHOT` refs and stores, read straight from ZFS with
//! one narrow `zfs` call each. Completion must be fast and silent: any
//! failure (no store, no permission, zfs hung) completes nothing.

use std::ffi::OsStr;
use std::time::{Duration, Instant};

use clap_complete::engine::{ArgValueCompleter, CompletionCandidate};

/// How long a completion may wait for zfs before giving up.
const ZFS_TIMEOUT: Duration = Duration::from_millis(1500);

/// Completes branch names (for arguments that take a branch).
pub(crate) fn branches() -> ArgValueCompleter {
    ArgValueCompleter::new(|current: &OsStr| complete_ref(current, false))
}

/// Completes refs: branch names, `HEAD`, and `BRANCH@SNAPSHOT` after an `@`.
pub(crate) fn refs() -> ArgValueCompleter {
    ArgValueCompleter::new(|current: &OsStr| complete_ref(current, true))
}

/// Completes store datasets (for `--store`).
pub(crate) fn stores() -> ArgValueCompleter {
    ArgValueCompleter::new(|current: &OsStr| {
        let cur = current.to_string_lossy();
        all_stores()
            .into_iter()
            .filter(|s| s.starts_with(cur.as_ref()))
            .map(CompletionCandidate::new)
            .collect()
    })
}

fn complete_ref(current: &OsStr, snapshots: bool) -> Vec<CompletionCandidate> {
    let cur = current.to_string_lossy();
    let Some(store) = store() else {
        return Vec::new();
    };
    if snapshots && let Some((branch, snap)) = cur.split_once('@') {
        // A refreshed or reset branch is at the generation its store's hint names.
        let component = crate::names::dataset_component(branch);
        let prop = crate::store::generation_hint_prop(&component);
        let hint = zfs(&[
            "get",
            "-H",
            "-s",
            "local,received",
            "-o",
            "value",
            &prop,
            &store,
        ]);
        let ds = match crate::store::hinted_generation(hint.trim(), &component) {
            Some(g) => format!("{store}/{g}"),
            None => format!("{store}/{component}"),
        };
        return zfs(&["list", "-H", "-t", "snapshot", "-d", "1", "-o", "name", &ds])
            .lines()
            .filter_map(|l| l.split_once('@').map(|(_, s)| s))
            .filter(|s| s.starts_with(snap))
            .map(|s| CompletionCandidate::new(format!("{branch}@{s}")))
            .collect();
    }
    let mut out: Vec<CompletionCandidate> = branch_names(&store)
        .into_iter()
        .filter(|b| b.starts_with(cur.as_ref()))
        .map(CompletionCandidate::new)
        .collect();
    if snapshots && "HEAD".starts_with(cur.as_ref()) {
        out.push(CompletionCandidate::new("HEAD"));
    }
    out
}

/// The store to complete in: `STAGDB_STORE`, else the config file's, else
/// the only one on the host. (`--store` on the same line is not seen.)
fn store() -> Option<String> {
    if let Ok(s) = std::env::var("STAGDB_STORE")
        && !s.is_empty()
    {
        return Some(s);
    }
    if let Some(s) = crate::settings::configured_store() {
        return Some(s);
    }
    match all_stores().as_slice() {
        [one] => Some(one.clone()),
        _ => None,
    }
}

/// As `Zfs::find_stores` searches, level by level.
fn all_stores() -> Vec<String> {
    let mut search =
        crate::zfs::parse::StoreSearch::new(&run("zpool", &crate::zfs::parse::StoreSearch::POOLS));
    while let Some(args) = search.next_args() {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        if search.feed(&zfs(&args)).is_err() {
            return Vec::new();
        }
    }
    search.stores.into_iter().map(|e| e.name).collect()
}

/// Branch names: the `stagdb:branch` values set on the store's children.
fn branch_names(store: &str) -> Vec<String> {
    let mut v: Vec<String> = zfs(&[
        "get",
        "-H",
        "-r",
        "-d",
        "1",
        "-s",
        "local",
        "-o",
        "value",
        crate::props::BRANCH,
        store,
    ])
    .lines()
    .filter(|b| crate::names::validate_branch_name(b).is_ok())
    .map(str::to_string)
    .collect();
    v.sort();
    v.dedup();
    v
}

fn zfs(args: &[&str]) -> String {
    run("zfs", args)
}

/// Runs zfs or zpool and returns its stdout, or nothing on any failure or
/// timeout.
fn run(program: &str, args: &[&str]) -> String {
    let Ok(handle) = duct::cmd(program, args)
        .stdin_null()
        .stderr_null()
        .stdout_capture()
        .unchecked()
        .start()
    else {
        return String::new();
    };
    let start = Instant::now();
    loop {
        match handle.try_wait() {
            Ok(Some(out)) if out.status.success() => {
                return String::from_utf8_lossy(&out.stdout).into_owned();
            }
            Ok(Some(_)) | Err(_) => return String::new(),
            Ok(None) if start.elapsed() > ZFS_TIMEOUT => {
                let _ = handle.kill();
                return String::new();
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(2)),
        }
    }
}
