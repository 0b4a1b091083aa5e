use crate::cli::ResetArgs;
use crate::ctx::{Ctx, Undo};
use crate::error::{CmdResult, CommandError, usage_error, user_error};
use crate::ops;
use crate::props;
use crate::store::{Branch, Snapshot, Store};
use crate::ui;

#[derive(serde::Serialize)]
struct Output {
    branch: String,
    to: String,
    destroyed_snapshots: Vec<String>,
    running: bool,
}

/// The branch's own snapshots newer than `snap`.
fn newer_than<'a>(b: &'a Branch, snap: &Snapshot) -> Vec<&'a Snapshot> {
    match b.snapshots.iter().position(|s| s.full == snap.full) {
        Some(i) => b.snapshots[i + 1..].iter().collect(),
        None => Vec::new(),
    }
}

/// Refuses to destroy snapshots other branches were created from.
fn check_no_clones(store: &Store, snaps: &[&Snapshot], branch: &str) -> CmdResult {
    for s in snaps {
        let clones = store.clones_of(&s.full);
        if !clones.is_empty() {
            let names: Vec<&str> = clones.iter().map(|c| c.name.as_str()).collect();
            return Err(user_error(format!(
                "resetting '{branch}' would destroy snapshot '{branch}@{}', which branches {} were created from",
                s.name,
                names.join(", ")
            ))
            .hint("remove those branches first, or reset to a newer snapshot"));
        }
    }
    Ok(())
}

/// A reset that fails after stopping the branch says so.
fn stopped_hint(e: CommandError, was_running: bool) -> CommandError {
    if was_running {
        e.hint("the branch was stopped for the reset and is still stopped; `stagdb status` shows the store's state, `stagdb start BRANCH` starts it")
    } else {
        e
    }
}

pub async fn run(ctx: &Ctx, args: ResetArgs) -> CmdResult {
    // Held through the rollback: two resets of one branch must not meet.
    let dataset = ops::store_dataset(ctx)?;
    ctx.hold_lock(&dataset).await?;
    let store = ops::load_store(ctx, &dataset)?;
    let branch = ops::branch_or_head(&store, args.branch.as_deref())?;
    let (target_branch, target) = match &args.to {
        Some(r) => {
            let t = ops::resolve_ref(&store, r)?;
            match t.snapshot {
                Some(s) => (t.branch, s),
                None => {
                    return Err(
                        usage_error(format!("--to {r} names a branch, not a snapshot"))
                            .hint(format!("use BRANCH@SNAPSHOT; `stagdb log {r}` lists them")),
                    );
                }
            }
        }
        None => match branch.newest_snapshot() {
            Some(s) => (branch, s),
            None => match store.parent_of(branch) {
                Some((p, s)) => (p, s),
                None => {
                    return Err(user_error(format!(
                        "branch '{}' has no snapshot and no branch point to reset to",
                        branch.name
                    ))
                    .hint(format!("take one with `stagdb snapshot {}`", branch.name)));
                }
            },
        },
    };
    let to_ref = format!("{}@{}", target_branch.name, target.name);
    let own = target_branch.dataset == branch.dataset;
    // Snapshots that go away: newer own ones on rollback, all own ones on re-clone.
    let doomed: Vec<&Snapshot> = if own {
        newer_than(branch, target)
    } else {
        branch.snapshots.iter().collect()
    };
    check_no_clones(&store, &doomed, &branch.name)?;
    if !own {
        ops::check_no_foreign_children(&store, branch)?;
    }
    let mut question = format!(
        "Reset branch '{}' to {to_ref}, discarding its changes",
        branch.name
    );
    if !doomed.is_empty() {
        let names: Vec<String> = doomed
            .iter()
            .map(|s| format!("{}@{}", branch.name, s.name))
            .collect();
        question.push_str(&format!(" and destroying snapshots {}", names.join(", ")));
    }
    question.push('?');
    ui::confirm(&ctx.settings, &question)?;

    let containers = ops::containers(ctx, &store).await?;
    let running = ops::state_of(containers.get(&branch.name)) == "running";
    // Any container (also paused or restarting) goes down before the data changes.
    if containers.contains_key(&branch.name) {
        ops::stop_branch(ctx, &store, branch).await?;
    }
    if own {
        ctx.zfs
            .rollback(&target.full, !doomed.is_empty())
            .map_err(|e| stopped_hint(e.into(), running))?;
    } else {
        // Clone the target beside the branch, then swap: the branch is never
        // missing its data if a step fails.
        let tmp = format!("{}:reset", branch.dataset);
        // A leftover of an interrupted reset of this very branch (our marker,
        // this branch's name, and the branch itself still intact) is ours to clear.
        let tmp_prefix = format!("{tmp}/");
        if store.strays.contains(&tmp)
            && !store.strays.iter().any(|s| s.starts_with(&tmp_prefix))
            && ctx
                .zfs
                .get_one(&tmp, &[props::BRANCH])?
                .is_some_and(|e| e.local(props::BRANCH) == Some(branch.name.as_str()))
        {
            ctx.printer
                .status(format!("removing {tmp}, left by an interrupted reset"));
            ctx.zfs.destroy(&tmp, true)?;
        }
        let mut bprops: Vec<(&str, String)> = vec![
            (props::BRANCH, branch.name.clone()),
            (props::CREATED, branch.created.to_string()),
            (props::PARENT, to_ref.clone()),
        ];
        if let Some(p) = branch.port {
            bprops.push((props::PORT, p.to_string()));
        }
        if let Some(pw) = target_branch.password.as_ref().or(branch.password.as_ref()) {
            bprops.push((props::PASSWORD, pw.clone()));
        }
        if let Some(v) = target_branch.pg_version.or(branch.pg_version) {
            bprops.push((props::PG_VERSION, v.to_string()));
        }
        let res = ctx.zfs.clone_snapshot(&target.full, &tmp, &bprops);
        ctx.track(res, Undo::Dataset(tmp.clone()))?;
        ctx.zfs
            .destroy(&branch.dataset, true)
            .map_err(|e| stopped_hint(e.into(), running))?;
        ctx.keep(); // from here the clone is the branch
        ctx.zfs
            .rename(&tmp, &branch.dataset)
            .map_err(|e| stopped_hint(e.into(), running))?;
        // The old branch point may have lost its last user.
        if branch.origin.as_deref() != Some(target.full.as_str()) {
            let gone = std::collections::BTreeSet::from([branch.dataset.as_str()]);
            ops::drop_branch_point(ctx, &store, branch, &gone);
        }
    }
    if running {
        let fresh = ops::load_store(ctx, &store.dataset)?;
        let b = ops::find_branch(&fresh, &branch.name)?;
        ops::start_branch(ctx, &fresh, b, ops::is_head(&fresh, b))
            .await
            .map_err(|e| stopped_hint(e, running))?;
        ctx.keep();
    }
    ctx.printer.status(format!(
        "branch '{}' reset to {to_ref}{}",
        branch.name,
        if running { " and running again" } else { "" }
    ));
    if ctx.settings.json {
        ctx.printer.json(&Output {
            branch: branch.name.clone(),
            to: to_ref,
            destroyed_snapshots: doomed
                .iter()
                .map(|s| format!("{}@{}", branch.name, s.name))
                .collect(),
            running,
        })?;
    }
    Ok(())
}
