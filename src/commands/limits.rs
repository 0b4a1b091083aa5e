//! `stagdb config limits`: the memory and CPU limits a new branch gets
//! (the store's defaults, on its root), or one branch's own
//! (`--branch NAME`, applied at its next start), shown or changed.

use serde::Serialize;

use crate::cli::ConfigArgs;
use crate::ctx::Ctx;
use crate::docker::ContainerInfo;
use crate::error::{CmdResult, usage_error, user_error};
use crate::limits::{Change, Cpus, Limits};
use crate::ops;
use crate::plan::Problem;
use crate::props;
use crate::store::{Branch, Store};

/// `config limits --json`. Stable schema: add fields, never rename.
#[derive(Serialize)]
struct Shown {
    /// The branch whose limits these are; null: the store's defaults.
    branch: Option<String>,
    /// Bytes; null: unlimited.
    memory: Option<u64>,
    /// null: unlimited.
    cpus: Option<f64>,
}

pub async fn run(ctx: &Ctx, args: &ConfigArgs) -> CmdResult {
    if args.value.is_some() || args.unset {
        return Err(usage_error(
            "`config limits` takes --memory SIZE and --cpus N (none: unlimited), not a value or --unset",
        ));
    }
    let change =
        Change::parse(args.memory.as_deref(), args.cpus.as_deref()).map_err(usage_error)?;
    if change.is_empty() {
        let store = ops::open_store(ctx).await?;
        let limits = match &args.branch {
            Some(name) => ops::find_branch(&store, name)?.limits,
            None => store.settings.limits,
        };
        return print(ctx, args.branch.as_deref(), limits);
    }
    if let Some(Some(c)) = change.cpus {
        check_cpus(ctx, c).await?;
    }
    let dataset = ops::store_dataset(ctx).await?;
    // Not while a branch is being made: it would take the old defaults.
    ctx.hold_lock(&dataset).await?;
    let store = ops::load_store(ctx, &dataset).await?;
    let (target, old) = match &args.branch {
        Some(name) => {
            let b = ops::find_branch(&store, name)?;
            (b.dataset.clone(), b.limits)
        }
        None => (store.dataset.clone(), store.settings.limits),
    };
    let new = old.with(change);
    let mut wanted = new.props();
    let cleared: Vec<&str> = [
        (props::MEMORY, new.memory.is_none()),
        (props::CPUS, new.cpus.is_none()),
    ]
    .into_iter()
    .filter(|(_, gone)| *gone)
    .map(|(p, _)| p)
    .collect();
    // Properties only: nothing to roll back but the values themselves,
    // and each `zfs set` or `inherit` is whole.
    ctx.commit();
    for (p, v) in wanted.drain(..) {
        ctx.zfs.set(&target, p, &v).await?;
    }
    for p in cleared {
        ctx.zfs.inherit(&target, p).await?;
    }
    ctx.keep();
    match &args.branch {
        Some(name) => {
            ctx.printer.status(format!(
                "branch '{name}' has limits: {} (from its next start: `stagdb restart {name}` applies them now)",
                new.describe()
            ));
        }
        None => ctx.printer.status(format!(
            "new branches get limits: {} (existing branches keep theirs: `stagdb config limits --branch NAME` changes one)",
            new.describe()
        )),
    }
    print(ctx, args.branch.as_deref(), new)
}

fn print(ctx: &Ctx, branch: Option<&str>, l: Limits) -> CmdResult {
    if ctx.settings.json {
        return ctx.printer.json(&Shown {
            branch: branch.map(str::to_string),
            memory: l.memory,
            cpus: l.cpus.map(Cpus::as_f64),
        });
    }
    let p = &ctx.printer;
    p.line(format!(
        "memory: {}",
        l.memory
            .map(crate::limits::mib)
            .unwrap_or_else(|| "none".into())
    ))?;
    p.line(format!(
        "cpus:   {}",
        l.cpus
            .map(|c| c.to_string())
            .unwrap_or_else(|| "none".into())
    ))?;
    Ok(())
}

/// Refuses more CPUs than the engine's host has (the engine would refuse
/// to start the branch). Unchecked while the engine is unreachable.
pub(crate) async fn check_cpus(ctx: &Ctx, cpus: Cpus) -> CmdResult {
    let Ok(docker) = ctx.docker().await else {
        return Ok(());
    };
    if let Ok(Some(n)) = docker.cpu_count().await
        && cpus.as_f64() > n as f64
    {
        return Err(user_error(format!(
            "--cpus {cpus} is more than the {n} CPU{} of the container engine's host; the engine would refuse to start the branch",
            if n == 1 { "" } else { "s" }
        ))
        .hint(format!("give at most --cpus {n}, or none for no limit")));
    }
    Ok(())
}

/// Out-of-memory kills in the branches' current containers (a start makes
/// a new container, so a kill before it no longer counts), from the
/// engine's events and, for a stopped container, its state. A backend
/// killed by the memory limit is usually all that dies: PostgreSQL then
/// restarts itself (closing the branch's connections) and the branch runs
/// on; said so. When the server died of it (e.g. `restart_after_crash`
/// off), the branch was killed. Empty when the engine cannot tell.
pub(crate) async fn oom_problems(
    ctx: &Ctx,
    store: &Store,
    containers: Option<&[ContainerInfo]>,
) -> Vec<Problem> {
    let (Some(cs), Ok(docker)) = (containers, ctx.docker().await) else {
        return Vec::new();
    };
    let current: Vec<(&Branch, &ContainerInfo)> = cs
        .iter()
        .filter_map(|c| {
            let b = store.branch(c.labels.get(crate::pg::LABEL_BRANCH)?)?;
            (c.name == ops::container_name(store, &b.name)).then_some((b, c))
        })
        .collect();
    // Only limited branches are asked about (a limit removed since the
    // start counts from the next start): no engine call for a store
    // without limits.
    let current: Vec<(&Branch, &ContainerInfo)> = current
        .into_iter()
        .filter(|(b, _)| b.limits.memory.is_some())
        .collect();
    if current.is_empty() {
        return Vec::new();
    }
    let events = docker
        .oom_events(crate::pg::LABEL_STORE, &store.dataset)
        .await
        .unwrap_or_default();
    let mut problems = Vec::new();
    for (b, c) in current {
        let last = events
            .iter()
            .filter(|(id, _)| *id == c.id)
            .map(|(_, t)| *t)
            .max();
        let running = c.state == "running";
        // A stop someone asked for (exit 0, or the start
        // script's 130) after a survived kill is no kill of the branch.
        let killed = !running
            && docker
                .inspect_state(&c.id)
                .await
                .ok()
                .flatten()
                .is_some_and(|s| s.oom_killed && !matches!(s.exit_code, Some(0 | 130)));
        if let Some(p) = oom_problem(b, running, killed, last) {
            problems.push(p);
        }
    }
    problems
}

/// What [`oom_problems`] says of one branch.
fn oom_problem(b: &Branch, running: bool, killed: bool, last: Option<i64>) -> Option<Problem> {
    let limit = match b.limits.memory {
        Some(m) => format!("its {} memory limit", crate::limits::mib(m)),
        None => "the memory limit its container was started with".to_string(),
    };
    let raise = format!(
        "stagdb config limits --branch {} --memory {}",
        b.name,
        b.limits
            .memory
            .map_or("2g".to_string(), |m| format!("{}m", (m >> 20) * 2))
    );
    let when = last
        .map(|t| format!(" at {}", crate::ui::rfc3339(t)))
        .unwrap_or_default();
    if killed {
        return Some(
            Problem::new(
                "branch-oom",
                format!("branch '{}' was killed for exceeding {limit}{when}", b.name),
            )
            .manual(format!(
                "stagdb start {}   # or first raise the limit: {raise}",
                b.name
            )),
        );
    }
    if running && last.is_some() {
        return Some(
            Problem::new(
                "branch-oom",
                format!(
                    "a server process of branch '{}' was killed for exceeding {limit}{when}; PostgreSQL restarted itself, closing the branch's open connections",
                    b.name
                ),
            )
            .manual(format!("{raise} && stagdb restart {}", b.name)),
        );
    }
    None
}
