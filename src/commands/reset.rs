use crate::cli::ResetArgs;
use crate::ctx::Ctx;
use crate::error::{CmdResult, CommandError, user_error};
use crate::intent::{Intent, Op};
use crate::ops;
use crate::ops::Undo;
use crate::plan;
use crate::props;
use crate::ui;

#[derive(serde::Serialize)]
struct Output {
    branch: String,
    to: String,
    destroyed_snapshots: Vec<String>,
    running: bool,
}

/// A reset that fails after the point of no return says what is left.
fn stopped_hint(e: CommandError, was_running: bool) -> CommandError {
    if was_running {
        e.hint("the branch was stopped for the reset; `stagdb doctor --fix` finishes the reset and starts it again")
    } else {
        e.hint("`stagdb doctor --fix` finishes an interrupted reset")
    }
}

/// Plans and asks without the lock, then locks, plans again on a fresh
/// read and goes on only if the plan is unchanged. A running branch gets a
/// `stopped` intent marker before it is stopped, and the temporary clone of
/// a re-clone reset is made with a `resetting` marker, so a killed reset is
/// finished by `doctor --fix`; a failed or interrupted one is rolled back.
pub async fn run(ctx: &Ctx, args: ResetArgs) -> CmdResult {
    let dataset = ops::store_dataset(ctx).await?;
    // Without a prompt to wait for, lock first and read the store once.
    let prompts = !ctx.settings.yes && ctx.settings.interactive;
    if !prompts {
        ctx.hold_lock(&dataset).await?;
    }
    let first = ctx
        .timed("read store", ops::load_store(ctx, &dataset))
        .await?;
    let (question, first_key) = {
        let p = plan::reset_plan(&first, args.branch.as_deref(), args.to.as_deref())?;
        let mut q = format!(
            "Reset branch '{}' to {}, discarding its changes",
            p.branch.name,
            p.to_ref()
        );
        let doomed: Vec<String> = p
            .doomed
            .iter()
            .map(|s| format!("{}@{}", p.branch.name, s.name))
            .collect();
        if !doomed.is_empty() {
            q.push_str(&format!(" and destroying snapshots {}", doomed.join(", ")));
        }
        q.push('?');
        (q, (p.branch.name.clone(), p.to_ref(), doomed))
    };
    ui::confirm(&ctx.settings, &question)?;

    // Held through the rollback: two resets of one branch must not meet.
    ctx.hold_lock(&dataset).await?;
    let store = if prompts {
        ctx.timed("read store", ops::load_store(ctx, &dataset))
            .await?
    } else {
        first.clone()
    };
    let p = plan::reset_plan(&store, Some(&first_key.0), args.to.as_deref())?;
    let to_ref = p.to_ref();
    let doomed: Vec<String> = p
        .doomed
        .iter()
        .map(|s| format!("{}@{}", p.branch.name, s.name))
        .collect();
    if (p.branch.name.clone(), to_ref.clone(), doomed.clone()) != first_key {
        return Err(
            user_error("the store changed while waiting for confirmation")
                .hint("run the command again"),
        );
    }
    let branch = p.branch;
    let containers = ctx
        .timed("list containers", ops::containers(ctx, &store))
        .await?;
    let running = ops::state_of(containers.get(&branch.name)) == "running";
    if running {
        // Marked before it goes down: if this process dies from here on,
        // `doctor` knows to start it again; a rollback does so itself.
        ctx.created(Undo::Start {
            store: store.dataset.clone(),
            branch: branch.name.clone(),
            head: ops::is_head(&store, branch),
        });
        let marker = Intent::new(Op::Stopped, true).to_string();
        ctx.timed("mark", ctx.zfs.set(&branch.dataset, props::STATE, &marker))
            .await?;
    }
    // Any container (also paused or restarting) goes down before the data
    // changes. Its state is being thrown away, so no clean shutdown: killed
    // at once (were the reset then to fail, PostgreSQL recovers from the
    // kill like from a crash, losing nothing committed).
    if containers.contains_key(&branch.name) {
        ctx.timed("kill", ops::kill_branch(ctx, &store, branch))
            .await?;
    }
    if p.own {
        ctx.timed(
            "rollback",
            ctx.zfs.rollback(&p.target.full, !p.doomed.is_empty()),
        )
        .await
        .map_err(|e| stopped_hint(e.into(), running))?;
        ctx.commit();
    } else {
        // Clone the target beside the branch, then swap: the branch is never
        // missing its data if a step fails.
        let tmp = format!("{}:reset", branch.dataset);
        // A leftover of an interrupted reset of this very branch (its
        // marker names a process that is gone) is ours to clear.
        if let Some(t) = store.temps.iter().find(|t| t.dataset == tmp) {
            match t.intent {
                Some(i) if i.op == Op::Resetting && !i.owner.alive() => {
                    ctx.printer
                        .status(format!("removing {tmp}, left by an interrupted reset"));
                    ctx.zfs.destroy(&tmp, true).await?;
                }
                _ => {
                    return Err(user_error(format!(
                        "{tmp} exists and is not a leftover of an interrupted reset; refusing to touch it"
                    ))
                    .hint("`stagdb doctor` says what it is"));
                }
            }
        }
        let mut bprops: Vec<(&str, String)> = vec![
            (props::BRANCH, branch.name.clone()),
            (props::CREATED, branch.created.to_string()),
            (props::PARENT, to_ref.clone()),
            (
                props::STATE,
                Intent::new(Op::Resetting, running).to_string(),
            ),
        ];
        if let Some(port) = branch.port {
            bprops.push((props::PORT, port.to_string()));
        }
        if let Some(pw) = p
            .target_branch
            .password
            .as_ref()
            .or(branch.password.as_ref())
        {
            bprops.push((props::PASSWORD, pw.clone()));
        }
        if let Some(v) = p.target_branch.pg_version.or(branch.pg_version) {
            bprops.push((props::PG_VERSION, v.to_string()));
        }
        if let Some(db) = p.target_branch.database.as_ref() {
            // The data it gets is the target's: so are its databases.
            bprops.push((props::DATABASE, crate::zfs::parse::escape_value(db)));
        }
        if let Some(t) = branch.expires {
            bprops.push((props::EXPIRES, t.to_string()));
        }
        if branch.protected {
            bprops.push((props::PROTECTED, "1".to_string()));
        }
        ctx.created(Undo::OwnedDataset(tmp.clone()));
        ctx.timed(
            "clone",
            ctx.zfs.clone_snapshot(&p.target.full, &tmp, &bprops),
        )
        .await?;
        // The point of no return: from here on the clone is the branch, and
        // an interrupt lets the command finish.
        ctx.commit();
        ctx.timed("destroy old", ctx.zfs.destroy(&branch.dataset, true))
            .await
            .map_err(|e| stopped_hint(e.into(), running))?;
        // The old data is gone: nothing may undo the clone now.
        ctx.keep();
        ctx.timed("rename", ctx.zfs.rename(&tmp, &branch.dataset))
            .await
            .map_err(|e| stopped_hint(e.into(), running))?;
        // The old branch point may have lost its last user.
        if branch.origin.as_deref() != Some(p.target.full.as_str()) {
            let gone = std::collections::BTreeSet::from([branch.dataset.as_str()]);
            ops::drop_branch_point(ctx, &store, branch, &gone).await;
        }
    }
    if running {
        // The same branch at the same place: its name, port, password and
        // mountpoint are unchanged, and it is mounted (rollback keeps it so,
        // rename mounts it).
        let mut b = branch.clone();
        b.mounted = true;
        let b = &b;
        // The marker stays until PostgreSQL is ready: a reset whose branch
        // did not come up is finished (started again) by `doctor --fix`.
        ops::start_branch(ctx, &store, b, ops::is_head(&store, b))
            .await
            .map_err(|e| stopped_hint(e, running))?;
    }
    ctx.keep();
    ctx.timed("clear marker", ops::clear_intent(ctx, &branch.dataset))
        .await?;
    ctx.printer.status(format!(
        "branch '{}' reset to {to_ref}{}",
        branch.name,
        if running { " and running again" } else { "" }
    ));
    if ctx.settings.json {
        ctx.printer.json(&Output {
            branch: branch.name.clone(),
            to: to_ref,
            destroyed_snapshots: doomed,
            running,
        })?;
    }
    Ok(())
}
