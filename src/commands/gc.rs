use std::collections::BTreeSet;

use crate::cli::GcArgs;
use crate::ctx::Ctx;
use crate::error::CmdResult;
use crate::ops;
use crate::plan;
use crate::ui;

/// `stagdb gc --json`. Stable schema: add fields, never rename.
#[derive(serde::Serialize, Default)]
struct Output {
    dry_run: bool,
    removed_branches: Vec<String>,
    removed_half_made: Vec<String>,
    dropped_snapshots: Vec<String>,
    removed_temporaries: Vec<String>,
    removed_generations: Vec<String>,
    /// Password file directories of killed commands (source passwords).
    removed_password_files: Vec<String>,
    /// Docker networks stagdb made that nothing is on and no store names.
    removed_networks: Vec<String>,
    /// Space the removed datasets and snapshots used (before removal).
    freed_bytes: u64,
}

/// Removes what `plan::gc_plan` says may go, under the store lock.
pub async fn run(ctx: &Ctx, args: GcArgs) -> CmdResult {
    let dataset = ops::store_dataset(ctx).await?;
    if !args.dry_run {
        ctx.hold_lock(&dataset).await?;
    }
    let store = ops::load_store(ctx, &dataset).await?;
    let plan = plan::gc_plan(&store, ui::now());
    let verb = if args.dry_run {
        "would remove"
    } else {
        "removed"
    };
    let mut out = Output {
        dry_run: args.dry_run,
        ..Output::default()
    };
    if !args.dry_run {
        // Removal is not undone: an interrupt from here on lets it finish.
        ctx.commit();
    }
    // First: a source password in clear goes even when a removal below fails.
    for d in ops::job::leftover_passfiles(&ops::job::passfile_base()) {
        if !args.dry_run {
            ops::job::remove_passfile_dir(&d)
                .map_err(|e| crate::error::user_error(format!("removing {}: {e}", d.display())))?;
        }
        ctx.printer.status(format!(
            "{verb} {} (a source password a killed command left)",
            d.display()
        ));
        out.removed_password_files.push(d.display().to_string());
    }
    let mut gone: BTreeSet<&str> = BTreeSet::new();
    for b in plan.half_made.iter().chain(&plan.branches) {
        let half = plan.half_made.iter().any(|h| h.name == b.name);
        if !args.dry_run {
            ops::remove_branch_containers(ctx, &store.dataset, &b.name).await?;
            ctx.zfs.destroy(&b.dataset, true).await?;
        }
        gone.insert(&b.dataset);
        out.freed_bytes += b.used;
        ctx.printer.status(format!(
            "{verb} branch '{}' ({}{})",
            b.name,
            if half {
                "never finished".to_string()
            } else {
                format!(
                    "expired {}",
                    b.expires.map(ui::local_time).unwrap_or_default()
                )
            },
            format_args!(", {}", ui::human_bytes(b.used))
        ));
        if half {
            out.removed_half_made.push(b.name.clone());
        } else {
            out.removed_branches.push(b.name.clone());
        }
    }
    if !args.dry_run {
        ops::index::release_removed(ctx, &store, &gone).await;
    }
    for t in &plan.temporaries {
        if !args.dry_run {
            ctx.zfs.destroy(t, true).await?;
        }
        let what = store
            .temps
            .iter()
            .find(|x| x.dataset == *t)
            .map_or("an interrupted command", |x| plan::temp_maker(x).1);
        ctx.printer.status(format!("{verb} {t} (left by {what})"));
        out.removed_temporaries.push(t.to_string());
    }
    for s in &plan.snapshots {
        let r = store
            .branch_of_dataset(s.full.split('@').next().unwrap_or(""))
            .map(|b| format!("{}@{}", b.name, s.name))
            .unwrap_or_else(|| s.full.clone());
        if !args.dry_run {
            ctx.zfs.destroy(&s.full, false).await?;
        }
        out.freed_bytes += s.used;
        ctx.printer.status(format!(
            "{verb} unused branch point {r} ({})",
            ui::human_bytes(s.used)
        ));
        out.dropped_snapshots.push(r);
    }
    for r in &plan.retired {
        let used = store
            .retired
            .iter()
            .find(|x| x.dataset == *r)
            .map_or(0, |x| x.used);
        if !args.dry_run {
            ctx.zfs.destroy(r, true).await?;
        }
        out.freed_bytes += used;
        ctx.printer.status(format!(
            "{verb} old generation {r} ({}): no branch uses it any more",
            ui::human_bytes(used)
        ));
        out.removed_generations.push(r.to_string());
    }
    for (ds, snaps) in &plan.kept_foreign {
        let tools: BTreeSet<&str> = snaps
            .iter()
            .map(|s| crate::store::snapshot_tool(s.rsplit('@').next().unwrap_or(s)))
            .collect();
        ctx.printer.status(format!(
            "kept {ds}: it holds snapshots another tool made ({}: {}), which stagdb never destroys",
            tools.into_iter().collect::<Vec<_>>().join(", "),
            snaps.join(", ")
        ));
    }
    out.removed_networks = left_networks(ctx, &store, args.dry_run, verb).await;
    let n = out.removed_branches.len()
        + out.removed_password_files.len()
        + out.removed_networks.len()
        + out.removed_generations.len()
        + out.removed_half_made.len()
        + out.dropped_snapshots.len()
        + out.removed_temporaries.len();
    if n == 0 {
        ctx.printer.status("nothing to collect");
    } else {
        ctx.printer.status(format!(
            "{} {n} item{}, {}",
            if args.dry_run { "would free" } else { "freed" },
            if n == 1 { "" } else { "s" },
            ui::human_bytes(out.freed_bytes)
        ));
    }
    if ctx.settings.json {
        ctx.printer.json(&out)?;
    }
    Ok(())
}

/// Removes the Docker networks stagdb made for this store (labelled with
/// its dataset) that it no longer uses and no container is on: left when a
/// move could not remove one (an application was still on it). Those of
/// other stores are theirs to collect. Without a reachable engine there is
/// nothing to remove.
async fn left_networks(
    ctx: &Ctx,
    store: &crate::store::Store,
    dry_run: bool,
    verb: &str,
) -> Vec<String> {
    let Ok(docker) = ctx.docker().await else {
        return Vec::new();
    };
    let networks = match docker.stagdb_networks().await {
        Ok(n) => n,
        Err(e) => {
            ctx.printer.warn(format!(
                "{e:#}; Docker networks left behind are not collected"
            ));
            return Vec::new();
        }
    };
    let mut removed = Vec::new();
    for n in networks {
        if n.in_use
            || n.store != store.dataset
            || store.settings.network.as_deref() == Some(n.name.as_str())
        {
            continue;
        }
        if !dry_run {
            match docker.remove_network(&n.name).await {
                Ok(true) => {}
                Ok(false) => continue,
                // E.g. a container joined it meanwhile: it stays.
                Err(e) => {
                    ctx.printer.warn(format!("{e:#}"));
                    continue;
                }
            }
        }
        ctx.printer.status(format!(
            "{verb} Docker network '{}' (made for this store, which no longer uses it; nothing is on it)",
            n.name
        ));
        removed.push(n.name);
    }
    removed
}
