//! `stagdb refresh [NAME]`: loads an imported root branch's source again.
//! The new data is loaded next to the root (`NAME:refresh`) while the root
//! keeps serving; then the two swap under the store lock, so the root is
//! unavailable only for a container stop and start. The old data becomes
//! an old generation (`NAME:gen-TIME`) that branches made from it keep
//! using; it is destroyed once none does (here, or by gc).

use crate::cli::{LoadArgs, RefreshArgs};
use crate::ctx::Ctx;
use crate::error::{CmdResult, usage_error, user_error};
use crate::intent::{Intent, Op};
use crate::ops::{self, Undo, load};
use crate::pg;
use crate::progress::{Meter, Phase};
use crate::props;
use crate::store::{Branch, Store};
use crate::ui;

use super::import::{Recorded, prepare};

#[derive(serde::Serialize)]
struct Output<'a> {
    name: &'a str,
    snapshot: String,
    source: &'a str,
    /// How long the root refused connections during the swap.
    unavailable_ms: u128,
    /// The old data, when branches still use it.
    old_generation: Option<String>,
    freed_generations: Vec<String>,
    #[serde(flatten)]
    timings: &'a load::Loaded,
    /// Each finished phase: name, milliseconds, bytes where measured.
    phases: Vec<Phase>,
}

/// The root a branch descends from (itself for a root), also through a
/// root's old data (before a refresh) to the root itself.
fn root_of<'a>(store: &'a Store, mut b: &'a Branch) -> &'a Branch {
    // Bounded: a lineage never loops in ZFS, yet be safe.
    for _ in 0..=store.branches.len() {
        match store.parent_of(b) {
            Some((p, _)) => b = p,
            None => match store
                .retired_parent_of(b)
                .and_then(|(r, _)| store.branch(&r.of))
            {
                Some(root) if root.dataset != b.dataset => b = root,
                _ => return b,
            },
        }
    }
    b
}

pub async fn run(ctx: &Ctx, args: RefreshArgs) -> CmdResult {
    let store = ops::open_store(ctx).await?;
    let root = match &args.name {
        Some(n) => ops::find_branch(&store, n)?,
        None => root_of(&store, ops::head(&store)?),
    };
    if root.origin.is_some() {
        return Err(user_error(format!(
            "'{}' was branched from another branch; only a root branch (made by import) is refreshed",
            root.name
        ))
        .hint(format!(
            "refresh its root (`stagdb refresh {}`), then move it onto the new data with `stagdb reset {} --to ROOT`",
            root_of(&store, root).name,
            root.name
        )));
    }
    let rec: Recorded = match &root.source {
        Some(s) => serde_json::from_str(s).map_err(|e| {
            user_error(format!(
                "branch '{}' has a damaged {} value: {e}",
                root.name,
                props::SOURCE
            ))
            .hint("give the source again with --source")
        })?,
        None => Recorded::default(),
    };
    let source = match (&args.source, rec.source.as_str()) {
        (Some(s), _) => s.clone(),
        (None, "") => {
            return Err(user_error(format!(
                "branch '{}' has no recorded source (made by init, or imported from stdin)",
                root.name
            ))
            .hint("give one with --source SOURCE"));
        }
        (None, s) => s.to_string(),
    };
    if args.save_source && source == "-" {
        return Err(usage_error(
            "--save-source cannot record stdin: a later refresh could not read it again",
        ));
    }
    // The root's own changes since its newest snapshot are lost by a
    // refresh, as by a reset: the same rule (ask, or --yes).
    let agreed = args.load.dry_run || confirm_loss(ctx, root, &source).await?;
    let a = &args.load;
    let merged = LoadArgs {
        jobs: a.jobs.or(rec.jobs),
        exclude_table_data: if a.exclude_table_data.is_empty() {
            rec.exclude_table_data.clone()
        } else {
            a.exclude_table_data.clone()
        },
        schema_only: a.schema_only || rec.schema_only,
        all_databases: a.all_databases || rec.all_databases,
        roles: a.roles || rec.roles,
        physical: a.physical || rec.physical,
        scrub: if a.scrub.is_empty() {
            rec.scrub.clone()
        } else {
            a.scrub.clone()
        },
        skip_missing_extensions: a.skip_missing_extensions,
        force: a.force,
        dry_run: a.dry_run,
        load_in: a.load_in.or(rec.load_in),
        // Import's password file is read again: a rotated secret is seen.
        // (Not with another --source: the file was for the recorded one.)
        password_file: a.password_file.clone().or(if args.source.is_none() {
            rec.password_file.clone()
        } else {
            None
        }),
        // Never recorded: trusting a dump's shell commands is said each time.
        allow_shell: a.allow_shell,
        unscrubbed_blocks_ok: a.unscrubbed_blocks_ok,
    };
    let prepared = prepare(
        ctx,
        &store,
        &source,
        Some(&root.name),
        rec.pg_version,
        &merged,
    );
    let (mut pf, input, extensions) = if merged.dry_run {
        prepared.await?
    } else {
        ctx.progress
            .phase("preflight", Meter::None, None, prepared)
            .await?
    };
    let old_ds = root.dataset.clone();
    // The new data goes to a dataset of its own: the old one stays where
    // it is (its clones pin it; zfs-fuse cannot rename it while they run).
    let component = crate::names::dataset_component(&root.name);
    let new_ds = format!("{}/{component}:g{}", store.dataset, ui::now());
    pf.dataset = new_ds.clone();
    if merged.dry_run {
        return super::import::print_plan(ctx, &pf);
    }
    let password = ops::password(&store, root)?;
    let port = ops::port(root)?;
    // `--source` loads from elsewhere this once: the recorded source (and
    // options) stay what later refreshes load, unless --save-source.
    let recorded = match &args.source {
        Some(_) if !args.save_source => root.source.clone(),
        _ => super::import::record(&source, &pf, &merged, rec.pg_version)?,
    };

    {
        let _lock = ctx.lock(&store.dataset).await?;
        let fresh = ops::load_store(ctx, &store.dataset).await?;
        for t in fresh
            .temps
            .iter()
            .filter(|t| t.branch.as_deref() == Some(&root.name))
        {
            if t.intent.is_some_and(|i| i.owner.alive()) {
                return Err(user_error(format!(
                    "'{}' is being refreshed or reset by another command",
                    root.name
                )));
            }
        }
        if ctx.zfs.exists(&new_ds).await? {
            return Err(user_error(format!(
                "{new_ds} exists already; try again in a second"
            )));
        }
        // Until the switch it is a temporary (destroyed by doctor or gc if
        // the command dies); after it, a branch doctor starts.
        let mut bprops = super::import::root_props(
            &root.name,
            port,
            ops::raw_password(root)?,
            &pf,
            Intent::new(Op::Resetting, true),
            recorded.as_deref(),
        );
        if root.protected {
            bprops.push((props::PROTECTED, "1".into()));
        }
        bprops.extend(root.limits.props());
        ctx.created(Undo::OwnedDataset(new_ds.clone()));
        ctx.zfs.create(&new_ds, &bprops).await?;
    }
    let mountpoint = ctx
        .zfs
        .get_one(&new_ds, &["mountpoint"])
        .await?
        .and_then(|e| e.native("mountpoint").map(std::path::PathBuf::from))
        .filter(|m| m.is_absolute())
        .ok_or_else(|| user_error(format!("{new_ds} has no mountpoint")))?;
    pg::write_pwfile(&mountpoint, &password)?;
    let loaded = load::load(
        ctx,
        load::Load {
            store: &store,
            name: &root.name,
            mountpoint,
            major: pf.pg_version,
            password: &password,
            database: &pf.database,
            databases: &pf.databases,
            roles: pf.roles,
            input,
            jobs: pf.jobs,
            exclude_table_data: &merged.exclude_table_data,
            schema_only: merged.schema_only,
            scrub: &pf.scrub,
            extensions: &extensions,
            skip_missing_extensions: merged.skip_missing_extensions,
            allow_shell: merged.allow_shell,
            staging: pf.staging,
            source_bytes: pf.source_bytes,
        },
    )
    .await?;

    // The switch: one property on the old data makes the new the branch.
    let lock = ctx.lock(&store.dataset).await?;
    let fresh = ops::load_store(ctx, &store.dataset).await?;
    let old = ops::find_branch(&fresh, &root.name)?;
    if old.dataset != old_ds || old.origin.is_some() {
        return Err(user_error(format!(
            "branch '{}' changed during the refresh",
            root.name
        )));
    }
    // Checked again under the lock: written while the new data loaded (or
    // before, not yet counted by ZFS when first checked).
    let kept_changes = match unsnapshotted(ctx, old).await? {
        None => None,
        Some(bytes) if !agreed => {
            return Err(user_error(format!(
                "'{}' has changes since its newest snapshot ({}); refresh would discard them",
                root.name,
                ui::human_bytes(bytes)
            ))
            .hint(format!(
                "snapshot it (`stagdb snapshot {}`) to keep the changes, then refresh again, or pass --yes to discard them",
                root.name
            )));
        }
        // Agreed to: off the root, yet still reachable in the old data.
        Some(_) => Some(snapshot_changes(ctx, &fresh, old).await?),
    };
    let head = ops::is_head(&fresh, old);
    ctx.commit();
    ctx.printer
        .status(format!("switching '{}' to the new data", root.name));
    let down = std::time::Instant::now();
    let switch = async {
        ctx.zfs.set(&old_ds, props::RETIRED, &root.name).await?;
        // From here on the new data is the branch: nothing to roll back
        // (if this command dies now, `doctor --fix` starts it).
        ctx.keep();
        let branch = ops::reload_branch(ctx, &fresh, &root.name, &new_ds).await?;
        // Replaces the old data's container (same name and port).
        ops::start_branch(ctx, &fresh, &branch, head).await?;
        CmdResult::Ok(branch)
    };
    let branch = ctx
        .progress
        .phase("switch", Meter::None, None, switch)
        .await?;
    let unavailable = down.elapsed();
    ctx.keep();
    // Still under the lock: the root hint's read-modify-write.
    ops::note_generation(ctx, &store.dataset, &root.name, Some(&new_ds)).await;
    drop(lock);
    let message = format!("refresh from {} ({})", pf.source, pf.method);
    let snap = load::snapshot_import(ctx, &fresh, &branch, &message);
    let snap = ctx
        .progress
        .phase("snapshot", Meter::None, None, snap)
        .await?;
    ops::clear_intent(ctx, &new_ds).await?;

    // Old data no branch uses any more.
    let mut freed = Vec::new();
    let mut kept = None;
    let after = ops::load_store(ctx, &store.dataset).await?;
    for r in after.retired.iter().filter(|r| r.of == root.name) {
        if after.retired_in_use(r) || (r.dataset == old_ds && kept_changes.is_some()) {
            if r.dataset == old_ds {
                kept = Some(old_ds.clone());
            }
            continue;
        }
        // Another tool's snapshots (a backup's) are never destroyed by stagdb.
        let foreign: Vec<&str> = r
            .snapshots
            .iter()
            .filter(|s| !s.own)
            .map(|s| s.full.as_str())
            .collect();
        if !foreign.is_empty() {
            ctx.printer.warn(format!(
                "kept old data {}: it holds snapshots another tool made ({}), which stagdb never destroys",
                r.dataset,
                foreign.join(", ")
            ));
            continue;
        }
        match ctx.zfs.destroy(&r.dataset, true).await {
            Ok(()) => freed.push(r.dataset.clone()),
            Err(e) => ctx
                .printer
                .warn(format!("could not free old data {}: {e:#}", r.dataset)),
        }
    }
    ctx.keep();
    ctx.printer.status(format!(
        "refreshed '{}' from {} in {:.1}s (unavailable for {:.2}s); snapshot {}@{snap}{}",
        root.name,
        pf.source,
        loaded.total_ms as f64 / 1000.0 + unavailable.as_secs_f64(),
        unavailable.as_secs_f64(),
        root.name,
        match &kept {
            Some(g) => format!("; branches of the old data keep it in {}", names_of(g)),
            None => String::new(),
        }
    ));
    if ctx.settings.json {
        ctx.printer.json(&Output {
            name: &root.name,
            snapshot: format!("{}@{snap}", root.name),
            source: &pf.source,
            unavailable_ms: unavailable.as_millis(),
            old_generation: kept,
            freed_generations: freed,
            timings: &loaded,
            phases: ctx.progress.phases(),
        })
    } else {
        Ok(())
    }
}

/// Bytes PostgreSQL writes on its own to an idle branch (a checkpoint,
/// its statistics and pid files at a stop or start): not the user's changes.
const IDLE_WRITES: u64 = 1 << 20;

/// What the root changed since its newest snapshot (all its data when it
/// has none), when more than PostgreSQL's own idle writes. Measured as what
/// only that snapshot still holds (overwritten or deleted since) plus what
/// the data grew by: zfs-fuse has no `written` property.
async fn unsnapshotted(ctx: &Ctx, b: &Branch) -> CmdResult<Option<u64>> {
    let referenced = |e: Option<crate::zfs::Entry>| {
        e.and_then(|e| e.native("referenced").and_then(|v| v.parse::<u64>().ok()))
    };
    let live = referenced(ctx.zfs.get_one(&b.dataset, &["referenced"]).await?).unwrap_or(0);
    let changed = match b.snapshots.last() {
        None => live,
        Some(s) => {
            let e = ctx.zfs.get_one(&s.full, &["used", "referenced"]).await?;
            let used = e
                .as_ref()
                .and_then(|e| e.native("used").and_then(|v| v.parse::<u64>().ok()))
                .unwrap_or(s.used);
            used + live.saturating_sub(referenced(e).unwrap_or(live))
        }
    };
    Ok(Some(changed).filter(|&w| w > IDLE_WRITES))
}

/// Asks before the root's unsnapshotted changes are thrown away (or needs
/// --yes), like `reset`. True when the loss was agreed to, false when there
/// was nothing to lose (checked again at the switch).
async fn confirm_loss(ctx: &Ctx, root: &Branch, source: &str) -> CmdResult<bool> {
    if ctx.settings.yes {
        return Ok(true);
    }
    let Some(bytes) = unsnapshotted(ctx, root).await? else {
        return Ok(false);
    };
    let newest = root
        .snapshots
        .last()
        .map_or("no snapshot".to_string(), |s| {
            format!("{}@{}", root.name, s.name)
        });
    let question = format!(
        "Refresh {}branch '{}' from {source}, discarding its changes since {newest} ({})?",
        if root.protected { "protected " } else { "" },
        root.name,
        ui::human_bytes(bytes)
    );
    ui::confirm(&ctx.settings, &question).map_err(|e| {
        e.hint(format!(
            "to keep the changes, snapshot them first: `stagdb snapshot {}`",
            root.name
        ))
    })?;
    Ok(true)
}

/// A snapshot of the root's changes the user agreed to discard from it,
/// taken just before the switch: it stays with the old data (as
/// `NAME@before-refresh-TIME (old data)` in `log`) until `gc` frees that.
async fn snapshot_changes(ctx: &Ctx, store: &Store, root: &Branch) -> CmdResult<String> {
    let name = format!(
        "before-refresh-{}",
        jiff::Timestamp::now().strftime("%Y%m%d-%H%M%S")
    );
    let snap = ops::snapshot_branch(
        ctx,
        store,
        root,
        // Crash-consistent (atomic), as any snapshot of a running server.
        false,
        ops::SnapshotMeta {
            name: Some(&name),
            message: Some("its changes, discarded by a refresh"),
            kind: None,
            author: &ops::author(),
            intent: None,
        },
    )
    .await?;
    ctx.printer.status(format!(
        "its changes stay reachable as {}@{snap} (old data) until `stagdb gc` frees it",
        root.name
    ));
    Ok(snap)
}

fn names_of(ds: &str) -> &str {
    ds.rsplit('/').next().unwrap_or(ds)
}
