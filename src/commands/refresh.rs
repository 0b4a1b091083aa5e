//! `stagdb refresh [NAME]`: loads an imported root branch's source again.
//! The new data is loaded next to the root (`NAME:refresh`) while the root
//! keeps serving; then the two swap under the store lock, so the root is
//! unavailable only for a container stop and start. The old data becomes
//! an old generation (`NAME:gen-TIME`) that branches made from it keep
//! using; it is destroyed once none does (here, or by gc).

use crate::cli::{LoadArgs, RefreshArgs};
use crate::ctx::Ctx;
use crate::error::{CmdResult, user_error};
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

/// The root a branch descends from (itself for a root).
fn root_of<'a>(store: &'a Store, mut b: &'a Branch) -> &'a Branch {
    while let Some((p, _)) = store.parent_of(b) {
        b = p;
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
    let recorded = super::import::record(&source, &pf, &merged, rec.pg_version)?;

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
        if after.retired_in_use(r) {
            if r.dataset == old_ds {
                kept = Some(old_ds.clone());
            }
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

fn names_of(ds: &str) -> &str {
    ds.rsplit('/').next().unwrap_or(ds)
}
