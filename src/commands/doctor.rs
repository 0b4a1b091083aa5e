use std::collections::BTreeSet;

use serde::Serialize;

use crate::cli::DoctorArgs;
use crate::ctx::Ctx;
use crate::error::{CmdResult, user_error};
use crate::ops;
use crate::plan::{self, Fix, Problem};
use crate::props;
use crate::store::Store;
use crate::ui;

/// `stagdb doctor --json`. Stable schema: add fields, never rename.
#[derive(Serialize)]
struct Output {
    store: Option<String>,
    checks: Vec<Check>,
    /// Problems found first (before any fix).
    problems: Vec<Problem>,
    /// What --fix did (or, with --dry-run, would do).
    fixed: Vec<Done>,
    /// Problems left after the fixes; exit status 1 when not empty.
    remaining: Vec<Problem>,
    dry_run: bool,
}

/// A host or store check, with what it found.
#[derive(Serialize)]
struct Check {
    name: &'static str,
    ok: bool,
    detail: String,
}

#[derive(Serialize)]
struct Done {
    fix: Fix,
    ok: bool,
    detail: String,
}

/// The host's facts and the store's problems, read without changing anything.
async fn examine(ctx: &Ctx, checks: &mut Vec<Check>) -> CmdResult<(Store, Vec<Problem>)> {
    let dataset = ops::store_dataset(ctx).await?;
    let (store, listed) = ops::store_and_containers(ctx).await?;
    let containers = match listed {
        Ok(c) => Some(c),
        Err(e) => {
            checks.push(Check {
                name: "docker",
                ok: false,
                detail: format!("{:#}", e.error),
            });
            None
        }
    };
    let mut problems = ops::job::passfile_problems();
    problems.extend(plan::problems(&store, containers.as_deref()));
    problems.extend(super::limits::oom_problems(ctx, &store, containers.as_deref()).await);
    if let Some(mp) = &store.mountpoint {
        match ops::is_private(mp) {
            Ok(true) => {}
            Ok(false) => problems.push(
                Problem::new(
                    "store-not-private",
                    format!(
                        "{} (the store's mountpoint) can be entered by other users, who may then read branches' data",
                        mp.display()
                    ),
                )
                .fix(Fix::MakePrivate {
                    path: mp.display().to_string(),
                }),
            ),
            Err(e) => problems.push(Problem::new(
                "store-not-private",
                format!("cannot read {}: {e}", mp.display()),
            )),
        }
    }
    problems.extend(sealed_password_problems(&store));
    if let Ok(docker) = ctx.docker().await {
        let majors: BTreeSet<u32> = store.branches.iter().filter_map(|b| b.pg_version).collect();
        for m in majors {
            let image = store.settings.image_for(m);
            if !docker.image_present(&image).await.unwrap_or(false) {
                problems.push(
                    Problem::new(
                        "image-missing",
                        format!("image {image} (PostgreSQL {m}) is not on this host; branches of that version cannot start"),
                    )
                    .manual(format!("docker pull {image}   # or build it")),
                );
            }
        }
    }
    debug_assert_eq!(store.dataset, dataset);
    Ok((store, problems))
}

/// Branches whose sealed password the store's key does not open (a key
/// lost, replaced, or a store copied without it).
fn sealed_password_problems(store: &Store) -> Vec<Problem> {
    store
        .branches
        .iter()
        .filter(|b| b.password.as_deref().is_some_and(crate::vault::is_sealed))
        .filter_map(|b| ops::password(store, b).err().map(|e| (b, e)))
        .map(|(b, e)| {
            Problem::new("password-sealed", format!("{:#}", e.error)).fix(Fix::NewPassword {
                branch: b.name.clone(),
            })
        })
        .collect()
}

async fn host_checks(ctx: &Ctx, checks: &mut Vec<Check>) {
    match ctx.zfs.version().await {
        Ok(v) => checks.push(Check {
            name: "zfs",
            ok: true,
            detail: v,
        }),
        Err(e) => checks.push(Check {
            name: "zfs",
            ok: false,
            detail: format!("{e:#}"),
        }),
    }
    match ctx.docker().await {
        Ok(d) => match d.server_version().await {
            Ok((v, api)) => checks.push(Check {
                name: "docker",
                ok: true,
                detail: format!("engine {v}, API {api}"),
            }),
            Err(e) => checks.push(Check {
                name: "docker",
                ok: false,
                detail: format!("{e:#}"),
            }),
        },
        Err(e) => checks.push(Check {
            name: "docker",
            ok: false,
            detail: format!("{:#}", e.error),
        }),
    }
    let dir = crate::lock::lock_dir();
    match crate::lock::check_lock_dir(&dir) {
        Ok(()) => checks.push(Check {
            name: "locks",
            ok: true,
            detail: format!("{} (private)", dir.display()),
        }),
        Err(e) => checks.push(Check {
            name: "locks",
            ok: false,
            detail: format!("{e:#}"),
        }),
    }
}

pub async fn run(ctx: &Ctx, args: DoctorArgs) -> CmdResult {
    let mut checks = Vec::new();
    host_checks(ctx, &mut checks).await;
    if args.fix && !args.dry_run {
        // Locked before the first look: a plan made while another command
        // (or the `zfs` step of a killed one) still changes the store would
        // be applied to a store that is no longer what it saw.
        let dataset = ops::store_dataset(ctx).await?;
        ctx.hold_lock(&dataset).await?;
    }
    let (store, first) = examine(ctx, &mut checks).await?;
    let mut pool_low = false;
    if let Ok((health, size, free)) = ctx.zfs.pool_status(&store.pool).await {
        let low = plan::space_low(size, &store);
        pool_low = low;
        checks.push(Check {
            name: "pool",
            ok: health == "ONLINE" && !low,
            detail: format!(
                "{} {health}, {} of {}{}",
                store.pool,
                ui::space_left(store.available, free),
                size.map(ui::human_bytes).unwrap_or_else(|| "?".into()),
                if low { " (less than 10% left)" } else { "" }
            ),
        });
    }
    let mut fixed = Vec::new();
    let mut remaining = first.clone();
    if args.fix {
        // A fix can reveal the next step (a finished reset must start
        // again): a few rounds, never the same fix twice.
        let mut tried: Vec<Fix> = Vec::new();
        let mut current = first.clone();
        for _round in 0..4 {
            let store = ops::load_store(ctx, &store.dataset).await?;
            let todo: Vec<Fix> = current
                .iter()
                .filter_map(|p| p.fix.clone())
                .filter(|f| !tried.contains(f))
                .collect();
            if todo.is_empty() {
                break;
            }
            for f in todo {
                tried.push(f.clone());
                let (ok, detail) = if args.dry_run {
                    (true, describe(&f))
                } else {
                    match apply(ctx, &store, &f).await {
                        Ok(()) => (true, describe(&f)),
                        Err(e) => (false, format!("{}: {:#}", describe(&f), e.error)),
                    }
                };
                ctx.printer.status(format!(
                    "{} {detail}",
                    match (args.dry_run, ok) {
                        (true, _) => "would fix:",
                        (false, true) => "fixed:",
                        (false, false) => "could not fix:",
                    }
                ));
                fixed.push(Done { fix: f, ok, detail });
            }
            if args.dry_run {
                break;
            }
            let mut scratch = Vec::new();
            current = examine(ctx, &mut scratch).await?.1;
        }
        remaining = if args.dry_run {
            first.iter().filter(|p| p.fix.is_none()).cloned().collect()
        } else {
            current
        };
    }
    let out = Output {
        store: Some(store.dataset.clone()),
        checks,
        problems: first,
        fixed,
        remaining,
        dry_run: args.dry_run,
    };
    let failed_checks = out.checks.iter().any(|c| !c.ok);
    if ctx.settings.json {
        ctx.printer.json(&out)?;
    } else {
        let p = &ctx.printer;
        p.line(format!("store:     {}", store.dataset))?;
        for c in &out.checks {
            p.line(format!(
                "{:<10} {} {}",
                format!("{}:", c.name),
                if c.ok {
                    p.paint("ok", "32")
                } else {
                    p.paint("FAILED", "31")
                },
                c.detail
            ))?;
        }
        if out.remaining.is_empty() {
            p.line("problems:  none")?;
        } else {
            p.line("problems:")?;
            for pr in &out.remaining {
                let what = match (&pr.fix, &pr.manual) {
                    (Some(f), _) if !args.fix => format!(" (--fix: {})", describe(f)),
                    (_, Some(m)) => format!("\n      by hand: {m}"),
                    _ => String::new(),
                };
                p.line(format!("  - {}{what}", pr.message))?;
            }
        }
    }
    if !out.remaining.is_empty() || failed_checks {
        let n = out.remaining.len();
        let mut err = user_error(if n > 0 {
            format!("{n} problem{} found", if n == 1 { "" } else { "s" })
        } else {
            "a host check failed".to_string()
        });
        if out.checks.iter().any(|c| c.name == "docker" && !c.ok) {
            err = err.hint(crate::error::DOCKER_DOWN_HINT);
        }
        if pool_low {
            err = err.hint(crate::error::NO_SPACE_HINT);
        }
        // --fix repairs the store's problems, never the host's.
        return Err(err.hint(if n == 0 {
            "--fix does not change the host: see the FAILED lines above"
        } else if args.fix {
            "what is left needs a person: see the lines above"
        } else {
            "`stagdb doctor --fix` repairs what is safe to repair"
        }));
    }
    Ok(())
}

fn describe(f: &Fix) -> String {
    match f {
        Fix::DestroyTemp { dataset } => format!("destroy {dataset}"),
        Fix::FinishReset { dataset, branch } => {
            format!("finish the reset of '{branch}' (rename {dataset} into place)")
        }
        Fix::Unpromote { dataset, branch } => {
            format!("give '{branch}' its snapshots back from {dataset} and destroy {dataset}")
        }
        Fix::RemoveHalfMade { branch } => format!("remove the half-made branch '{branch}'"),
        Fix::SnapshotImport { branch } => format!("take the import snapshot of '{branch}'"),
        Fix::FinishRename { from, to, .. } => {
            format!("finish renaming branch '{from}' to '{to}'")
        }
        Fix::Mount { branch } => format!("mount branch '{branch}'"),
        Fix::Start { branch, head } => format!(
            "start branch '{branch}'{}",
            if *head { " with the head port" } else { "" }
        ),
        Fix::RemoveContainer { name, .. } => format!("remove container {name}"),
        Fix::ClearIntent { dataset } => format!("clear the stale marker on {dataset}"),
        Fix::DropSnapshot { snapshot } => format!("destroy unused snapshot {snapshot}"),
        Fix::NewPort { branch } => format!("give branch '{branch}' a free port"),
        Fix::SetHead { branch } => format!("make '{branch}' the HEAD"),
        Fix::MakePrivate { path } => format!("make {path} private (0700)"),
        Fix::RemovePasswordFile { path } => {
            format!("remove {path} (a killed command's source password)")
        }
        Fix::RebuildPortIndex => "rebuild the port index from the branches".to_string(),
        Fix::NewPassword { branch } => {
            format!("give branch '{branch}' a new password (and restart it if it runs)")
        }
    }
}

async fn apply(ctx: &Ctx, store: &Store, f: &Fix) -> CmdResult {
    match f {
        Fix::DestroyTemp { dataset } => {
            if store
                .strays
                .iter()
                .any(|s| s.starts_with(&format!("{dataset}/")))
            {
                return Err(user_error(format!(
                    "{dataset} holds datasets stagdb did not make"
                )));
            }
            ctx.zfs.destroy(dataset, true).await?;
        }
        Fix::Unpromote { dataset, branch } => {
            let b = ops::find_branch(store, branch)?;
            ctx.zfs.promote(&b.dataset).await?;
            ctx.zfs.destroy(dataset, true).await?;
        }
        Fix::FinishReset { dataset, branch } => {
            let canonical = format!(
                "{}/{}",
                store.dataset,
                crate::names::dataset_component(branch)
            );
            ctx.zfs.rename(dataset, &canonical).await?;
        }
        Fix::FinishRename { dataset, from, to } => {
            // HEAD first: were this cut short here, the dataset still says
            // the old name and the plan still knows what HEAD is.
            if store.head.as_deref() == Some(from.as_str()) {
                ctx.zfs.set(&store.dataset, props::HEAD, to).await?;
            }
            ctx.zfs.set(dataset, props::BRANCH, to).await?;
        }
        Fix::RemoveHalfMade { branch } => {
            let b = ops::find_branch(store, branch)?;
            ops::destroy_branch(ctx, store, b).await?;
            ops::index::release(ctx, &store.dataset, &b.port.into_iter().collect::<Vec<_>>()).await;
        }
        Fix::SnapshotImport { branch } => {
            let b = ops::find_branch(store, branch)?;
            let name = format!(
                "import-{}",
                jiff::Timestamp::now().strftime("%Y%m%d-%H%M%S")
            );
            let meta = ops::SnapshotMeta {
                name: Some(&name),
                message: Some("import, finished by `stagdb doctor --fix`"),
                kind: Some(props::KIND_IMPORT),
                author: &ops::author(),
                intent: None,
            };
            // Crash-consistent (atomic), whether its server runs or not.
            ops::snapshot_branch(ctx, store, b, false, meta).await?;
            ctx.keep();
        }
        Fix::Mount { branch } => {
            let b = ops::find_branch(store, branch)?;
            ctx.zfs.mount(&b.dataset).await?;
        }
        Fix::Start { branch, head } => {
            let b = ops::find_branch(store, branch)?;
            ops::start_branch(ctx, store, b, *head).await?;
            ctx.keep();
            ctx.zfs.inherit(&b.dataset, props::STATE).await?;
        }
        Fix::RemoveContainer { id, .. } => {
            ctx.docker().await?.remove(id, true).await?;
        }
        Fix::ClearIntent { dataset } => ctx.zfs.inherit(dataset, props::STATE).await?,
        Fix::DropSnapshot { snapshot } => ctx.zfs.destroy(snapshot, false).await?,
        Fix::NewPort { branch } => {
            let b = ops::find_branch(store, branch)?;
            let mut taken = store.taken_ports();
            // Ports other branches hold stay theirs; this branch's is given up.
            if let Some(p) = b.port
                && store
                    .branches
                    .iter()
                    .all(|o| o.name == b.name || o.port != Some(p))
                && p != store.settings.head_port
            {
                taken.remove(&p);
            }
            let listen = store.settings.listen;
            let port = crate::ports::choose_port(store.settings.ports, &taken, |p| {
                crate::ports::port_is_free(listen, p)
            })
            .ok_or_else(|| user_error("no free port left in the store's range"))?;
            // Into the index first: it never misses a port in use.
            if let Some(mut index) = ops::index::read(ctx, &store.dataset).await? {
                index.insert(port);
                ops::index::write(ctx, &store.dataset, &index).await?;
            }
            ctx.zfs
                .set(&b.dataset, props::PORT, &port.to_string())
                .await?;
            let containers = ops::containers(ctx, store).await?;
            if ops::state_of(containers.get(&b.name)) == "running" {
                let fresh = ops::load_store(ctx, &store.dataset).await?;
                let fb = ops::find_branch(&fresh, &b.name)?;
                ops::start_branch(ctx, &fresh, fb, ops::is_head(&fresh, fb)).await?;
                ctx.keep();
            }
        }
        Fix::SetHead { branch } => ctx.zfs.set(&store.dataset, props::HEAD, branch).await?,
        Fix::MakePrivate { path } => ops::make_private(std::path::Path::new(path))?,
        Fix::RemovePasswordFile { path } => {
            ops::job::remove_passfile_dir(std::path::Path::new(path))
                .map_err(|e| user_error(format!("removing {path}: {e}")))?
        }
        Fix::RebuildPortIndex => {
            let taken = ops::index::from_branches(ctx, &store.dataset).await?;
            ops::index::write(ctx, &store.dataset, &taken).await?;
        }
        Fix::NewPassword { branch } => {
            let b = ops::find_branch(store, branch)?;
            let (_, sealed) = ops::new_password(&ops::store_key(store)?)?;
            ctx.zfs.set(&b.dataset, props::PASSWORD, &sealed).await?;
            let containers = ops::containers(ctx, store).await?;
            if ops::state_of(containers.get(&b.name)) == "running" {
                // The server has a password no one knows: its start sets the new one.
                let fresh = ops::load_store(ctx, &store.dataset).await?;
                let fb = ops::find_branch(&fresh, &b.name)?;
                ops::start_branch(ctx, &fresh, fb, ops::is_head(&fresh, fb)).await?;
                ctx.keep();
            }
        }
    }
    Ok(())
}
