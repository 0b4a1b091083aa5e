use serde::Serialize;

use crate::ctx::Ctx;
use crate::error::CmdResult;
use crate::ops;
use crate::pg;
use crate::plan;
use crate::ui;

/// `stagdb status --json`. Stable schema: add fields, never rename.
#[derive(Serialize)]
struct Status {
    store: String,
    pool: Pool,
    head: Option<String>,
    head_port: u16,
    ports: String,
    image: String,
    docker: Docker,
    branches: Counts,
    /// Old data of refreshed roots that branches still use.
    old_generations: Vec<OldGeneration>,
    /// Config files read (project `.stagdb.toml`, then the user's).
    config_files: Vec<String>,
    problems: Vec<String>,
    /// The same problems with a stable code and what `doctor --fix` does.
    details: Vec<plan::Problem>,
}

#[derive(Serialize)]
struct OldGeneration {
    of: String,
    dataset: String,
    used_bytes: u64,
    /// Whether a branch was made from it (else `gc` frees it).
    in_use: bool,
}

#[derive(Serialize)]
struct Pool {
    name: String,
    health: String,
    size_bytes: Option<u64>,
    /// The pool's free space, counting what ZFS keeps back for itself.
    free_bytes: Option<u64>,
    /// What the store's branches can still write.
    available_bytes: Option<u64>,
}

#[derive(Serialize)]
struct Docker {
    reachable: bool,
    version: Option<String>,
    api_version: Option<String>,
    error: Option<String>,
}

impl Docker {
    fn down(error: String) -> Docker {
        Docker {
            reachable: false,
            version: None,
            api_version: None,
            error: Some(error),
        }
    }
}

#[derive(Serialize)]
struct Counts {
    total: usize,
    /// Whether `running` and `stopped` are known: false while the Docker
    /// engine is unreachable (both are then 0).
    states_known: bool,
    running: usize,
    stopped: usize,
    snapshots: usize,
    /// Of `snapshots`, those stagdb took to branch from.
    branch_points: usize,
}

pub async fn run(ctx: &Ctx) -> CmdResult {
    // The reads are independent: all at once.
    let dataset = ops::store_dataset(ctx).await?;
    let pool = dataset.split('/').next().unwrap_or(&dataset);
    let (read, pool_status, version) = tokio::join!(
        ops::store_and_containers_at(ctx, &dataset),
        ctx.zfs.pool_status(pool),
        async {
            match ctx.docker().await {
                Ok(d) => Some(d.server_version().await),
                Err(_) => None,
            }
        }
    );
    let (store, listed) = read?;
    let (health, size, free) = pool_status?;
    let mut problems = Vec::new();

    // A status report must work while Docker is down: that is one of the things it reports.
    let (docker, containers) = match (ctx.docker().await, listed) {
        (Ok(_), Ok(cs)) => {
            match version.unwrap_or_else(|| Err(anyhow::anyhow!("no Docker engine"))) {
                Ok((v, api)) => (
                    Docker {
                        reachable: true,
                        version: Some(v),
                        api_version: Some(api),
                        error: None,
                    },
                    Some(cs),
                ),
                Err(e) => (Docker::down(format!("{e:#}")), None),
            }
        }
        (Err(e), _) | (_, Err(e)) => (Docker::down(format!("{:#}", e.error)), None),
    };

    // The host's problems first (no fix of doctor's), then the store's.
    let mut details = Vec::new();
    if health != "ONLINE" {
        details.push(plan::Problem::new(
            "pool-unhealthy",
            format!("pool {} is {health}", store.pool),
        ));
    }
    if plan::space_low(size, &store) {
        details.push(plan::Problem::new(
            "pool-low",
            format!(
                "pool {} is nearly full: {} left for the store's data",
                store.pool,
                ui::human_bytes(store.available.unwrap_or(0)),
            ),
        ));
    }
    if containers.is_none() {
        details.push(plan::Problem::new(
            "docker-unreachable",
            "the Docker engine is unreachable: which branches run is unknown, and container problems are not checked"
                .to_string(),
        ));
    }
    details.extend(crate::ops::job::passfile_problems());
    details.extend(plan::problems(&store, containers.as_deref()));
    details.extend(super::limits::oom_problems(ctx, &store, containers.as_deref()).await);
    problems.extend(details.iter().map(|p| p.message.clone()));
    let running = containers.as_deref().map(|cs| {
        cs.iter()
            .filter(|c| {
                c.state == "running"
                    && c.labels
                        .get(pg::LABEL_BRANCH)
                        .is_some_and(|b| store.branch(b).is_some())
            })
            .count()
    });
    let status = Status {
        store: store.dataset.clone(),
        pool: Pool {
            name: store.pool.clone(),
            health,
            size_bytes: size,
            free_bytes: free,
            available_bytes: store.available,
        },
        head: store.head.clone(),
        head_port: store.settings.head_port,
        ports: store.settings.ports.to_string(),
        image: store.settings.image.clone(),
        docker,
        branches: Counts {
            total: store.branches.len(),
            states_known: running.is_some(),
            running: running.unwrap_or(0),
            stopped: running.map_or(0, |r| store.branches.len().saturating_sub(r)),
            snapshots: store.branches.iter().map(|b| b.snapshots.len()).sum(),
            branch_points: store
                .branches
                .iter()
                .flat_map(|b| &b.snapshots)
                .filter(|s| s.is_branch_point())
                .count(),
        },
        config_files: ctx
            .settings
            .config_files
            .iter()
            .map(|p| p.display().to_string())
            .collect(),
        old_generations: store
            .retired
            .iter()
            .map(|r| OldGeneration {
                of: r.of.clone(),
                dataset: r.dataset.clone(),
                used_bytes: r.used,
                in_use: store.retired_in_use(r),
            })
            .collect(),
        problems,
        details,
    };
    if ctx.settings.json {
        return ctx.printer.json(&status);
    }
    let p = &ctx.printer;
    let bytes = |b: Option<u64>| b.map(ui::human_bytes).unwrap_or_else(|| "?".into());
    p.line(format!("store:     {}", status.store))?;
    p.line(format!(
        "pool:      {} {} ({} of {})",
        status.pool.name,
        status.pool.health,
        ui::space_left(status.pool.available_bytes, status.pool.free_bytes),
        bytes(status.pool.size_bytes)
    ))?;
    p.line(format!(
        "HEAD:      {} (head port {})",
        status.head.as_deref().unwrap_or("-"),
        status.head_port
    ))?;
    p.line(format!("image:     {}", status.image))?;
    if !status.config_files.is_empty() {
        p.line(format!("config:    {}", status.config_files.join(", ")))?;
    }
    p.line(format!("ports:     {}", status.ports))?;
    match (&status.docker.version, &status.docker.error) {
        (Some(v), _) => p.line(format!(
            "docker:    engine {v}, API {}",
            status.docker.api_version.as_deref().unwrap_or("?")
        ))?,
        (None, e) => p.line(format!(
            "docker:    unreachable: {}",
            e.as_deref().unwrap_or("?")
        ))?,
    }
    let states = if status.branches.states_known {
        format!(
            "{} running, {} stopped",
            status.branches.running, status.branches.stopped
        )
    } else {
        "states unknown".to_string()
    };
    p.line(format!(
        "branches:  {} ({states}), {} snapshot{} ({} taken to branch from)",
        status.branches.total,
        status.branches.snapshots,
        if status.branches.snapshots == 1 {
            ""
        } else {
            "s"
        },
        status.branches.branch_points
    ))?;
    // The same test as gc's (`Store::retired_in_use`): what status calls
    // kept, gc keeps; what gc would free, status says so.
    for in_use in [true, false] {
        let gens: Vec<&OldGeneration> = status
            .old_generations
            .iter()
            .filter(|g| g.in_use == in_use)
            .collect();
        if gens.is_empty() {
            continue;
        }
        let total: u64 = gens.iter().map(|g| g.used_bytes).sum();
        let of: std::collections::BTreeSet<&str> = gens.iter().map(|g| g.of.as_str()).collect();
        p.line(format!(
            "old data:  {} generation{} of {}, {}, {}",
            gens.len(),
            if gens.len() == 1 { "" } else { "s" },
            of.into_iter().collect::<Vec<_>>().join(", "),
            crate::ui::human_bytes(total),
            if in_use {
                "kept for branches made from them"
            } else {
                "used by no branch (`stagdb gc` frees them)"
            }
        ))?;
    }
    if status.problems.is_empty() {
        p.line("problems:  none")?;
    } else {
        p.line("problems:")?;
        for pr in &status.problems {
            p.line(format!("  - {pr}"))?;
        }
        if status.details.iter().any(|d| d.fix.is_some()) {
            ctx.printer
                .status("hint: `stagdb doctor --fix` repairs what is safe to repair");
        }
        if !status.docker.reachable {
            ctx.printer
                .status(format!("hint: {}", crate::error::DOCKER_DOWN_HINT));
        }
        if status.details.iter().any(|d| d.code == "pool-low") {
            ctx.printer
                .status(format!("hint: {}", crate::error::NO_SPACE_HINT));
        }
    }
    Ok(())
}
