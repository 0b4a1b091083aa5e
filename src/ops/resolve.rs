//! Finding the store and what a command's arguments name in it.

use crate::ctx::Ctx;
use crate::docker::ContainerInfo;
use crate::error::{CmdResult, CommandError, ErrorKind, usage_error, user_error};
use crate::names::{self, Ref};
use crate::props;
use crate::store::{Branch, LoadError, Snapshot, Store};
use crate::zfs;

use super::run::containers_of;

/// The store named by --store/STAGDB_STORE/config, else the only one on the host.
pub async fn open_store(ctx: &Ctx) -> CmdResult<Store> {
    let dataset = store_dataset(ctx).await?;
    let store = load_store(ctx, &dataset).await?;
    if super::seal_legacy(ctx, &store).await {
        return load_store(ctx, &dataset).await;
    }
    Ok(store)
}

/// The store's root dataset name, without reading the store.
pub async fn store_dataset(ctx: &Ctx) -> CmdResult<String> {
    Ok(match &ctx.settings.store {
        Some(s) => s.clone(),
        None => {
            let stores: Vec<String> = ctx
                .zfs
                .find_stores()
                .await?
                .into_iter()
                .map(|e| e.name)
                .collect();
            match stores.as_slice() {
                [] => {
                    return Err(user_error("no stagdb store found on this host")
                        .hint("create one with `stagdb init --pool POOL` (or `--pool-file PATH --size 20G` without a spare disk)"));
                }
                [one] => one.clone(),
                many => {
                    return Err(usage_error(format!(
                        "{} stores found on this host: {}",
                        many.len(),
                        many.join(", ")
                    ))
                    .hint("pick one with --store DATASET or STAGDB_STORE"));
                }
            }
        }
    })
}

/// The store read only as far as one branch needs: the root, the branch
/// named by `reference` (default HEAD) with its snapshots, and with
/// `ancestry` its ancestors back to the root branch. Commands about one
/// branch stay fast however many branches the store has; a branch at a
/// generation dataset (after a refresh or reset) is found through the
/// store root's generations hint. A lineage through a
/// refresh (its history goes on in old generations), and anything unusual
/// (the branch is not at its canonical dataset, a bad name) falls back to a
/// full read, which also gives errors their did-you-mean hints.
pub async fn open_store_for(
    ctx: &Ctx,
    reference: Option<&str>,
    ancestry: bool,
) -> CmdResult<Store> {
    let store = read_store_for(ctx, reference, ancestry).await?;
    if super::seal_legacy(ctx, &store).await {
        return Box::pin(read_store_for(ctx, reference, ancestry)).await;
    }
    Ok(store)
}

/// [`open_store_for`] without sealing a store from before sealing.
async fn read_store_for(ctx: &Ctx, reference: Option<&str>, ancestry: bool) -> CmdResult<Store> {
    let root = store_dataset(ctx).await?;
    let full = || load_store(ctx, &root);
    // The branch's generation hint comes with the root's own properties.
    let hint_prop = match reference.map(names::parse_ref) {
        Some(Ok(
            Ref::Branch(b)
            | Ref::Snapshot {
                branch: Some(b), ..
            },
        )) => Some(crate::store::generation_hint_prop(
            &names::dataset_component(&b),
        )),
        _ => None,
    };
    let mut root_props = crate::zfs::TREE_PROPS.to_vec();
    root_props.extend(hint_prop.as_deref());
    let mut entries = match ctx.zfs.get_one(&root, &root_props).await {
        Ok(Some(e)) => vec![e],
        _ => return full().await,
    };
    let hint = hint_prop
        .as_deref()
        .and_then(|p| entries[0].local(p))
        .map(str::to_string);
    let store = match Store::from_entries(&root, &entries) {
        Ok(s) => s,
        Err(_) => return full().await,
    };
    let name = match reference.map(names::parse_ref) {
        None | Some(Ok(Ref::Head)) => store.head.clone(),
        Some(Ok(Ref::Branch(b))) => Some(b),
        Some(Ok(Ref::Snapshot { branch, .. })) => branch.or_else(|| store.head.clone()),
        Some(Err(_)) => None,
    };
    let Some(name) = name else {
        return full().await;
    };
    let component = names::dataset_component(&name);
    let canonical = format!("{root}/{component}");
    // A refreshed or reset branch lives at a generation dataset, which the
    // root's hint names; a dataset counts only if it is the branch.
    let is_branch = |e: &[zfs::Entry], ds: &str| {
        e.iter().any(|x| {
            x.name == ds
                && x.local(props::BRANCH) == Some(name.as_str())
                && x.local(props::RETIRED).is_none()
        })
    };
    let hinted = |h: Option<&str>| {
        h.and_then(|h| crate::store::hinted_generation(h, &component))
            .map(|g| format!("{root}/{g}"))
    };
    let mut first = None;
    if let Some(ds) = hinted(hint.as_deref())
        && let Ok(e) = ctx.zfs.get_props(&[ds.as_str()], true).await
        && is_branch(&e, &ds)
    {
        first = Some((ds, e));
    }
    if first.is_none() {
        match ctx.zfs.get_props(&[canonical.as_str()], true).await {
            Ok(e) if is_branch(&e, &canonical) => first = Some((canonical, e)),
            _ if hint_prop.is_none() => {
                // HEAD: its hint was not asked for with the root.
                let prop = crate::store::generation_hint_prop(&component);
                if let Ok(Some(r)) = ctx.zfs.get_one(&root, &[prop.as_str()]).await
                    && let Some(ds) = hinted(r.local(&prop))
                    && let Ok(e) = ctx.zfs.get_props(&[ds.as_str()], true).await
                    && is_branch(&e, &ds)
                {
                    first = Some((ds, e));
                }
            }
            _ => {}
        }
    }
    let Some((first_ds, first_entries)) = first else {
        return full().await;
    };
    let mut next = Some(first_ds);
    let mut prefetched = Some(first_entries);
    let mut loaded = Vec::new();
    while let Some(ds) = next.take() {
        if loaded.contains(&ds) {
            break;
        }
        let read = match prefetched.take() {
            Some(e) => Ok(e),
            None => ctx.zfs.get_props(&[ds.as_str()], true).await,
        };
        match read {
            Ok(e) => entries.extend(e),
            Err(_) => return full().await,
        }
        loaded.push(ds.clone());
        if ancestry {
            // The parent's dataset is the origin's; it must be in the store.
            next = entries
                .iter()
                .find(|e| e.name == ds)
                .and_then(|e| e.native("origin"))
                .and_then(|o| o.split_once('@'))
                .map(|(parent, _)| parent.to_string())
                .filter(|p| p.starts_with(&format!("{root}/")));
        }
    }
    // A lineage through a refresh goes on in the root's old generations,
    // which only the whole store names.
    let refreshed = entries.iter().any(|e| {
        e.local(props::RETIRED).is_some()
            || (!e.is_snapshot()
                && e.native("origin").is_none()
                && crate::store::is_generation_dataset(&root, &e.name))
    });
    // A snapshot the branch does not have may be one of its old
    // generations' (before a refresh), which only the whole store names.
    let has_snapshot = |b: &Branch| match reference.map(names::parse_ref) {
        Some(Ok(Ref::Snapshot { snapshot, .. })) => b.snapshot(&snapshot).is_some(),
        _ => true,
    };
    match Store::from_entries(&root, &entries) {
        Ok(s) if s.branch(&name).is_some_and(has_snapshot) && !(ancestry && refreshed) => Ok(s),
        _ => full().await,
    }
}

pub async fn load_store(ctx: &Ctx, dataset: &str) -> CmdResult<Store> {
    store_from_tree(dataset, ctx.zfs.get_tree(dataset).await)
}

/// The whole store and its containers, read at the same time (the zfs read
/// runs on a blocking thread while the Docker call is in flight): what
/// `branch` and `status` show. The Docker result is separate so they can
/// still show the store when the engine is down.
pub async fn store_and_containers(ctx: &Ctx) -> CmdResult<(Store, CmdResult<Vec<ContainerInfo>>)> {
    store_and_containers_at(ctx, &store_dataset(ctx).await?).await
}

/// [`store_and_containers`] of a store already found.
pub async fn store_and_containers_at(
    ctx: &Ctx,
    dataset: &str,
) -> CmdResult<(Store, CmdResult<Vec<ContainerInfo>>)> {
    let (tree, listed) = tokio::join!(ctx.zfs.get_tree(dataset), containers_of(ctx, dataset));
    let store = store_from_tree(dataset, tree)?;
    if super::seal_legacy(ctx, &store).await {
        return Ok((load_store(ctx, dataset).await?, listed));
    }
    Ok((store, listed))
}

/// Like [`store_and_containers`], without any snapshot (each branch's
/// list is empty): for what needs only the branches (the branch list).
pub async fn branches_and_containers(
    ctx: &Ctx,
) -> CmdResult<(Store, CmdResult<Vec<ContainerInfo>>)> {
    let dataset = store_dataset(ctx).await?;
    let (tree, listed) = tokio::join!(ctx.zfs.get_datasets(&dataset), containers_of(ctx, &dataset));
    let store = store_from_tree(&dataset, tree)?;
    if super::seal_legacy(ctx, &store).await {
        let again = ctx.zfs.get_datasets(&dataset).await;
        return Ok((store_from_tree(&dataset, again)?, listed));
    }
    Ok((store, listed))
}

fn store_from_tree(dataset: &str, tree: anyhow::Result<Vec<zfs::Entry>>) -> CmdResult<Store> {
    let entries = match tree {
        Ok(e) => e,
        Err(e) if zfs::is_missing(&e) => {
            return Err(
                user_error(format!("store dataset '{dataset}' does not exist")).hint(
                    "create it with `stagdb init --dataset DATASET`, or check --store/STAGDB_STORE",
                ),
            );
        }
        Err(e) => return Err(e.into()),
    };
    Store::from_entries(dataset, &entries).map_err(|e| match e {
        LoadError::Missing => user_error(format!("store dataset '{dataset}' does not exist")),
        LoadError::NotAStore => user_error(format!(
            "'{dataset}' is not a stagdb store (it has no {} property of its own, local or received)",
            props::STORE
        ))
        .hint("stagdb only works on datasets it created; use `stagdb init` for a new store"),
        LoadError::Corrupt(what) => {
            let list: Vec<String> = what
                .iter()
                .map(|c| format!("{} on {} is \"{}\": {}", c.property, c.dataset, c.value, c.why))
                .collect();
            // Every command (doctor too) needs the store's settings: say
            // the zfs command that repairs them, not a stagdb one.
            let fixes: Vec<String> = what
                .iter()
                .map(|c| {
                    format!(
                        "`zfs set {p}=VALUE {d}` (its old value) or `zfs inherit {p} {d}` (stagdb's default)",
                        p = c.property,
                        d = c.dataset
                    )
                })
                .collect();
            user_error(format!(
                "store '{dataset}' has a damaged setting: {}",
                list.join("; ")
            ))
            .hint(format!(
                "stagdb never writes such a value: someone changed it with `zfs set`; repair it with {}",
                fixes.join("; ")
            ))
        }
    })
}

fn branch_not_found(store: &Store, name: &str) -> CommandError {
    let err = user_error(format!("branch '{name}' does not exist"));
    match names::did_you_mean(name, store.branch_names()) {
        Some(s) => err.hint(format!("did you mean '{s}'?")),
        None => err.hint("list branches with `stagdb branch`"),
    }
}

pub fn head(store: &Store) -> CmdResult<&Branch> {
    match &store.head {
        Some(h) => store.branch(h).ok_or_else(|| {
            user_error(format!("HEAD points to branch '{h}', which does not exist"))
                .hint("check out another branch with `stagdb checkout NAME`")
        }),
        None => Err(user_error("the store has no HEAD")
            .hint("check out a branch with `stagdb checkout NAME`")),
    }
}

pub fn find_branch<'a>(store: &'a Store, name: &str) -> CmdResult<&'a Branch> {
    if name == names::HEAD || name == "@" {
        return head(store);
    }
    names::validate_branch_name(name).map_err(|e| CommandError::new(ErrorKind::Usage, e))?;
    store
        .branch(name)
        .ok_or_else(|| branch_not_found(store, name))
}

/// A branch argument that defaults to HEAD.
pub fn branch_or_head<'a>(store: &'a Store, name: Option<&str>) -> CmdResult<&'a Branch> {
    match name {
        Some(n) => find_branch(store, n),
        None => head(store),
    }
}

/// What a REF names: a branch, or a snapshot of one.
pub struct Target<'a> {
    pub branch: &'a Branch,
    pub snapshot: Option<&'a Snapshot>,
}

pub fn resolve_ref<'a>(store: &'a Store, s: &str) -> CmdResult<Target<'a>> {
    let r = names::parse_ref(s).map_err(|e| CommandError::new(ErrorKind::Usage, e))?;
    match r {
        Ref::Head => Ok(Target {
            branch: head(store)?,
            snapshot: None,
        }),
        Ref::Branch(b) => Ok(Target {
            branch: find_branch(store, &b)?,
            snapshot: None,
        }),
        Ref::Snapshot { branch, snapshot } => {
            let b = match branch {
                Some(b) => find_branch(store, &b)?,
                None => head(store)?,
            };
            // The branch's own snapshot, else (a root after a refresh) one
            // of its old data, by the name `log` shows it with.
            match b
                .snapshot(&snapshot)
                .or_else(|| store.retired_snapshot(&b.name, &snapshot))
            {
                Some(sn) => Ok(Target {
                    branch: b,
                    snapshot: Some(sn),
                }),
                None => {
                    let err =
                        user_error(format!("snapshot '{}@{snapshot}' does not exist", b.name));
                    let hint = match names::did_you_mean(
                        &snapshot,
                        b.snapshots.iter().map(|s| s.name.as_str()),
                    ) {
                        Some(m) => format!("did you mean '{}@{m}'?", b.name),
                        None => format!("list snapshots with `stagdb log {}`", b.name),
                    };
                    Err(err.hint(hint))
                }
            }
        }
    }
}

/// One branch read fresh (the store root's settings and the branch's
/// dataset with its snapshots), e.g. right after it was made.
pub async fn reload_branch(
    ctx: &Ctx,
    store: &Store,
    name: &str,
    dataset: &str,
) -> CmdResult<Branch> {
    let entries = [
        ctx.zfs.get_props(&[store.dataset.as_str()], false).await?,
        ctx.zfs.get_props(&[dataset], true).await?,
    ]
    .concat();
    let fresh = Store::from_entries(&store.dataset, &entries)
        .map_err(|e| crate::error::internal_error(format!("reading branch '{name}': {e:?}")))?;
    fresh
        .branch(name)
        .cloned()
        .ok_or_else(|| user_error(format!("branch '{name}' vanished")))
}

/// Records in the store root's hint that branch `name`'s data is at the
/// generation dataset `dataset` (or, with `None`, forgets it). Best effort:
/// a hint that could not be written costs later commands about the branch
/// a full read, nothing else.
pub async fn note_generation(ctx: &Ctx, root: &str, name: &str, dataset: Option<&str>) {
    let component = names::dataset_component(name);
    let prop = crate::store::generation_hint_prop(&component);
    let generation = dataset
        .and_then(|d| d.strip_prefix(root))
        .and_then(|d| d.strip_prefix('/'))
        .filter(|g| crate::store::is_generation(g, &component));
    let update = match generation {
        Some(g) => ctx.zfs.set(root, &prop, g).await,
        None => ctx.zfs.inherit(root, &prop).await,
    };
    if let Err(e) = update {
        ctx.printer.warn(format!(
            "could not update {prop} on {root} (commands about '{name}' read the whole store meanwhile): {e:#}"
        ));
    }
}

/// Forgets the hint of a branch that is leaving its generation dataset
/// (removed or renamed); nothing to do for one at its canonical dataset.
pub async fn forget_generation(ctx: &Ctx, root: &str, b: &Branch) {
    if crate::store::is_generation_dataset(root, &b.dataset) {
        note_generation(ctx, root, &b.name, None).await;
    }
}
