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
    /// With --preserve-as: the branch the discarded state was kept in.
    preserved: Option<PreservedOut>,
}

#[derive(serde::Serialize)]
struct PreservedOut {
    branch: String,
    /// `BRANCH@SNAPSHOT` it was made from.
    snapshot: String,
    port: u16,
    started: bool,
    /// Without the password; only when started.
    url: Option<String>,
}

/// What `--preserve-as` made before the switch.
struct Preserved {
    name: String,
    dataset: String,
    /// `BRANCH@SNAPSHOT`.
    reference: String,
    port: u16,
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
/// `stopped` intent marker before it is stopped, and the new data (a clone
/// of the target at `NAME:gMILLIS`) is made with a `resetting` marker, so a
/// killed reset is finished or undone by `doctor --fix`; a failed or
/// interrupted one is rolled back.
pub async fn run(ctx: &Ctx, args: ResetArgs) -> CmdResult {
    let dataset = ops::store_dataset(ctx).await?;
    if let Some(n) = &args.preserve_as {
        crate::names::validate_new_branch_name(&dataset, n)
            .map_err(|e| CommandError::new(crate::error::ErrorKind::Usage, e))?;
    }
    // Without a prompt to wait for, lock first and read the store once.
    let prompts = !ctx.settings.yes && ctx.settings.interactive;
    if !prompts {
        ctx.hold_lock(&dataset).await?;
    }
    // Locked: the containers, too, can be listed at once (beside the read).
    let (first, early) = if prompts {
        let first = ctx.timed("read store", ops::load_store(ctx, &dataset));
        (first.await?, None)
    } else {
        let (first, listed) = ctx
            .timed("read store", async {
                tokio::join!(
                    ops::load_store(ctx, &dataset),
                    ops::containers_of(ctx, &dataset)
                )
            })
            .await;
        (first?, Some(listed))
    };
    let (question, first_key) = {
        let p = plan::reset_plan(&first, args.branch.as_deref(), args.to.as_deref())?;
        if let Some(n) = &args.preserve_as {
            check_free(&first, n)?;
        }
        let mut q = match &args.preserve_as {
            Some(n) => format!(
                "Reset branch '{}' to {}, keeping its current state as new branch '{n}'",
                p.branch.name,
                p.to_ref()
            ),
            None => format!(
                "Reset branch '{}' to {}, discarding its changes",
                p.branch.name,
                p.to_ref()
            ),
        };
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
    let containers = match early {
        Some(listed) => ops::by_branch(listed?),
        None => {
            ctx.timed("list containers", ops::containers(ctx, &store))
                .await?
        }
    };
    let running = ops::state_of(containers.get(&branch.name)) == "running";
    let preserved = match &args.preserve_as {
        Some(n) => {
            check_free(&store, n)?;
            Some(preserve(ctx, &store, branch, running, n, args.start).await?)
        }
        None => None,
    };
    // Any container (also paused or restarting) goes down before the data
    // changes. Its state is being thrown away, so no clean shutdown: killed
    // at once (were the reset then to fail, PostgreSQL recovers from the
    // kill like from a crash, losing nothing committed).
    // The new data goes to a generation dataset of its own (`NAME:gMILLIS`)
    // beside the old, which is retired at the switch and destroyed while the
    // new one starts: freeing a written GB (by rollback or destroy) takes
    // 0.2-1 s on zfs-fuse, and the branch no longer waits for it. Until the
    // switch the old data is the branch, so it is never without data.
    let component = crate::names::dataset_component(&branch.name);
    let new_ds = format!("{}/{component}:g{}", store.dataset, ui::now_millis());
    clear_leftovers(ctx, &store, branch).await?;
    let bprops: Vec<(String, String)> = if p.own {
        // The same branch, back in time: all its own facts carry over.
        let mut v = ctx.zfs.local_user_props(&branch.dataset).await?;
        v.retain(|(k, _)| k.starts_with("stagdb:") && k != props::STATE && k != props::RETIRED);
        v
    } else {
        reclone_props(&p, branch, &to_ref)
    };
    let mut bprops: Vec<(&str, String)> = bprops
        .iter()
        .map(|(k, v)| (k.as_str(), v.clone()))
        .collect();
    bprops.push((
        props::STATE,
        Intent::new(Op::Resetting, running).to_string(),
    ));
    if !running {
        // Stays stopped: parked until it starts (see `Branch::parked`).
        bprops.push(crate::zfs::parked_prop());
    }
    ctx.created(Undo::OwnedDataset(new_ds.clone()));
    let prepare = async {
        ctx.timed(
            "clone",
            ctx.zfs.clone_snapshot(&p.target.full, &new_ds, &bprops),
        )
        .await?;
        if p.own {
            // The branch's snapshots up to the target move to the new data;
            // the old keeps only the later ones, which go with it.
            ctx.created(Undo::Promote {
                dataset: branch.dataset.clone(),
                of: new_ds.clone(),
            });
            ctx.timed("promote", ctx.zfs.promote(&new_ds)).await?;
        }
        ctx.zfs.get_one(&new_ds, &["mountpoint", "mounted"]).await
    };
    // The old branch is marked, then killed, while the new data is made.
    let down = async {
        if running {
            // Marked before it goes down: if this process dies from here
            // on, `doctor` knows to start it again; a rollback does so itself.
            ctx.created(Undo::Start {
                store: store.dataset.clone(),
                branch: branch.name.clone(),
                head: ops::is_head(&store, branch),
            });
            let marker = Intent::new(Op::Stopped, true).to_string();
            ctx.timed("mark", ctx.zfs.set(&branch.dataset, props::STATE, &marker))
                .await?;
        }
        // Any container (also paused or restarting) goes down before the
        // data changes. Its state is being thrown away, so no clean
        // shutdown: killed at once (were the reset then to fail, PostgreSQL
        // recovers from the kill like from a crash, losing nothing committed).
        if containers.contains_key(&branch.name) {
            ctx.timed("kill", ops::kill_branch(ctx, &store, branch))
                .await?;
        }
        CmdResult::Ok(())
    };
    let (mount, killed) = tokio::join!(prepare, down);
    killed?;
    let mount = mount?;
    // The switch: one property on the old data makes the new the branch.
    ctx.commit();
    ctx.timed(
        "switch",
        ctx.zfs.set(&branch.dataset, props::RETIRED, &branch.name),
    )
    .await?;
    // From here on the new data is the branch: nothing to roll back (if
    // this command dies now, `doctor --fix` starts it, `gc` frees the old).
    ctx.keep();
    let mut b = branch.clone();
    b.dataset = new_ds.clone();
    b.mountpoint = mount
        .as_ref()
        .and_then(|e| e.native("mountpoint"))
        .filter(|m| m.starts_with('/'))
        .map(std::path::PathBuf::from);
    b.mounted = mount.as_ref().and_then(|e| e.native("mounted")) == Some("yes");
    // Made parked exactly when it stays stopped (above).
    b.parked = !running;
    b.origin = if p.own {
        branch.origin.clone()
    } else {
        Some(p.target.full.clone())
    };
    let b = &b;
    let start = async {
        if running {
            // The marker stays until PostgreSQL is ready: a reset whose
            // branch did not come up is finished by `doctor --fix`.
            ops::start_branch(ctx, &store, b, ops::is_head(&store, b))
                .await
                .map_err(|e| stopped_hint(e, running))?;
        }
        CmdResult::Ok(())
    };
    let free = async {
        let freed = match &preserved {
            // The old data stays (retired) while the preserved branch is
            // its clone; `gc` frees it after that branch is removed.
            Some(_) => destroy_doomed(ctx, &branch.dataset, &p.doomed).await,
            None => {
                ctx.timed("destroy old", ctx.zfs.destroy(&branch.dataset, true))
                    .await
            }
        };
        ops::note_generation(ctx, &store.dataset, &branch.name, Some(&new_ds)).await;
        freed
    };
    let (started, freed) = tokio::join!(start, free);
    if let Err(e) = freed {
        ctx.printer.warn(format!(
            "could not free the old data {}: {e:#} (`stagdb gc` frees it)",
            branch.dataset
        ));
    } else if preserved.is_none()
        && !p.own
        && branch.origin.as_deref() != Some(p.target.full.as_str())
    {
        // The old branch point may have lost its last user.
        let gone = std::collections::BTreeSet::from([branch.dataset.as_str()]);
        ops::drop_branch_point(ctx, &store, branch, &gone).await;
    }
    started?;
    ctx.keep();
    ctx.timed("clear marker", ops::clear_intent(ctx, &new_ds))
        .await?;
    let preserved_out = match &preserved {
        Some(pr) => Some(finish_preserved(ctx, &store.dataset, pr, args.start).await?),
        None => None,
    };
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
            preserved: preserved_out,
        })?;
    }
    Ok(())
}

/// `--preserve-as NAME` makes a new branch: refused if NAME is taken.
fn check_free(store: &crate::store::Store, name: &str) -> CmdResult {
    if store.branch(name).is_some() {
        return Err(user_error(format!("branch '{name}' already exists"))
            .hint("pick another name for --preserve-as"));
    }
    Ok(())
}

/// Before the reset touches anything: a snapshot of the branch as it is
/// (with a CHECKPOINT if it runs, as `snapshot` takes it) and a clone of
/// it as branch NAME, with its own port and password. Both carry this
/// process's `creating` marker: a rollback removes them, and so does
/// `doctor --fix` after a kill before the switch; after the switch (the
/// snapshot's dataset is then retired) `doctor --fix` keeps NAME.
async fn preserve(
    ctx: &Ctx,
    store: &crate::store::Store,
    branch: &crate::store::Branch,
    running: bool,
    name: &str,
    start: bool,
) -> CmdResult<Preserved> {
    let dataset = format!(
        "{}/{}",
        store.dataset,
        crate::names::dataset_component(name)
    );
    if ctx.zfs.exists(&dataset).await? {
        return Err(user_error(format!(
            "dataset {dataset} already exists and is not a branch; refusing to touch it"
        ))
        .hint("`stagdb doctor` says what it is, or pick another name for --preserve-as"));
    }
    let msg = format!("preserved as {name} by a reset");
    let snap = ops::snapshot_branch(
        ctx,
        store,
        branch,
        running,
        ops::SnapshotMeta {
            name: None,
            message: Some(&msg),
            kind: Some(props::KIND_PRESERVE),
            author: &ops::author(),
            intent: Some(Intent::new(Op::Creating, false)),
        },
    )
    .await?;
    let full = format!("{}@{snap}", branch.dataset);
    let (taken, indexed) = match ops::index::read(ctx, &store.dataset).await? {
        Some(t) => (t, true),
        None => (ops::index::from_branches(ctx, &store.dataset).await?, false),
    };
    let port = ops::take_port(ctx, store, taken, indexed).await?;
    let (_, sealed) = ops::new_password(&ops::store_key(store)?)?;
    let reference = format!("{}@{snap}", branch.name);
    let mut bprops: Vec<(&str, String)> = vec![
        (props::BRANCH, name.to_string()),
        (props::PORT, port.to_string()),
        (props::CREATED, ui::now().to_string()),
        (props::PARENT, reference.clone()),
        (props::STATE, Intent::new(Op::Creating, false).to_string()),
        (props::PASSWORD, sealed),
    ];
    if !start {
        // Stays stopped: no mount until it first starts.
        bprops.push(crate::zfs::parked_prop());
    }
    if let Some(v) = branch.pg_version {
        bprops.push((props::PG_VERSION, v.to_string()));
    }
    if let Some(db) = &branch.database {
        bprops.push((props::DATABASE, crate::zfs::parse::escape_value(db)));
    }
    // Recorded first: an interrupt may land while zfs is still cloning.
    ctx.created(Undo::OwnedDataset(dataset.clone()));
    ctx.timed(
        "clone preserved",
        ctx.zfs.clone_snapshot(&full, &dataset, &bprops),
    )
    .await?;
    Ok(Preserved {
        name: name.to_string(),
        dataset,
        reference,
        port,
    })
}

/// After the switch: the preserved branch is complete (its marker goes)
/// and, with --start, runs. A failure here leaves it stopped, not gone.
async fn finish_preserved(
    ctx: &Ctx,
    store_ds: &str,
    pr: &Preserved,
    start: bool,
) -> CmdResult<PreservedOut> {
    ctx.timed("clear marker", ops::clear_intent(ctx, &pr.dataset))
        .await?;
    let hint = |e: CommandError| {
        e.hint(format!(
            "the reset is done and branch '{}' exists; `stagdb start {}` starts it",
            pr.name, pr.name
        ))
    };
    let mut url = None;
    if start {
        let fresh = ops::load_store(ctx, store_ds).await.map_err(hint)?;
        let b = ops::find_branch(&fresh, &pr.name).map_err(hint)?;
        ops::start_branch(ctx, &fresh, b, false)
            .await
            .map_err(hint)?;
        ctx.keep();
        url = Some(crate::pg::public_url(
            fresh.settings.connect_host(),
            pr.port,
            b.db(),
        ));
    }
    ctx.printer.status(format!(
        "kept the state before the reset as branch '{}' (from {}){}",
        pr.name,
        pr.reference,
        if start { ", running" } else { ", stopped" }
    ));
    Ok(PreservedOut {
        branch: pr.name.clone(),
        snapshot: pr.reference.clone(),
        port: pr.port,
        started: start,
        url,
    })
}

/// With --preserve-as the old data is kept for the preserved branch: only
/// the snapshots the reset discards go (those on the old data; the
/// preserve snapshot is not among them).
async fn destroy_doomed(
    ctx: &Ctx,
    old_ds: &str,
    doomed: &[&crate::store::Snapshot],
) -> anyhow::Result<()> {
    let prefix = format!("{old_ds}@");
    for s in doomed.iter().filter(|s| s.full.starts_with(&prefix)) {
        ctx.timed("destroy snapshot", ctx.zfs.destroy(&s.full, false))
            .await?;
    }
    Ok(())
}

/// Properties of the new data of a reset to another branch's snapshot: the
/// branch's name, port, own password and lifetime, the target's data facts.
fn reclone_props(
    p: &plan::ResetPlan,
    branch: &crate::store::Branch,
    to_ref: &str,
) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = vec![
        (props::BRANCH.into(), branch.name.clone()),
        (props::CREATED.into(), branch.created.to_string()),
        (props::PARENT.into(), to_ref.to_string()),
    ];
    if let Some(port) = branch.port {
        v.push((props::PORT.into(), port.to_string()));
    }
    // The branch keeps its own password (its start sets it in the new data).
    if let Some(pw) = branch
        .password
        .as_ref()
        .or(p.target_branch.password.as_ref())
    {
        v.push((props::PASSWORD.into(), pw.clone()));
    }
    if let Some(pg) = p.target_branch.pg_version.or(branch.pg_version) {
        v.push((props::PG_VERSION.into(), pg.to_string()));
    }
    if let Some(db) = p.target_branch.database.as_ref() {
        // The data it gets is the target's: so are its databases.
        v.push((props::DATABASE.into(), crate::zfs::parse::escape_value(db)));
    }
    if let Some(t) = branch.expires {
        v.push((props::EXPIRES.into(), t.to_string()));
    }
    if branch.protected {
        v.push((props::PROTECTED.into(), "1".to_string()));
    }
    // The branch's own limits, not the target's.
    v.extend(
        branch
            .limits
            .props()
            .into_iter()
            .map(|(k, x)| (k.into(), x)),
    );
    v
}

/// Removes what interrupted resets of this very branch left (their marker
/// names a process that is gone). One whose clone took over the branch's
/// snapshots (the branch is now its clone) is for `doctor --fix`.
async fn clear_leftovers(
    ctx: &Ctx,
    store: &crate::store::Store,
    branch: &crate::store::Branch,
) -> CmdResult {
    for t in store
        .temps
        .iter()
        .filter(|t| t.branch.as_deref() == Some(branch.name.as_str()))
    {
        let Some(i) = t.intent else { continue };
        if i.op != Op::Resetting || i.owner.alive() {
            continue;
        }
        if plan::promoted_temp(branch, &t.dataset) {
            return Err(user_error(format!(
                "{} holds snapshots of '{}' since an interrupted reset",
                t.dataset, branch.name
            ))
            .hint("`stagdb doctor --fix` gives them back"));
        }
        ctx.printer.status(format!(
            "removing {}, left by {}",
            t.dataset,
            plan::temp_maker(t).1
        ));
        ctx.zfs.destroy(&t.dataset, true).await?;
    }
    Ok(())
}
