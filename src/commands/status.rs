use std::collections::BTreeSet;

use serde::Serialize;

use crate::ctx::Ctx;
use crate::error::CmdResult;
use crate::ops;
use crate::pg;
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
    problems: Vec<String>,
}

#[derive(Serialize)]
struct Pool {
    name: String,
    health: String,
    size_bytes: Option<u64>,
    free_bytes: Option<u64>,
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
    running: usize,
    stopped: usize,
    snapshots: usize,
    /// Of `snapshots`, those stagdb took to branch from.
    branch_points: usize,
}

pub async fn run(ctx: &Ctx) -> CmdResult {
    let (store, listed) = ops::store_and_containers(ctx).await?;
    let (health, size, free) = ctx.zfs.pool_status(&store.pool)?;
    let mut problems = Vec::new();

    // A status report must work while Docker is down: that is one of the things it reports.
    let (docker, containers) = match (ctx.docker().await, listed) {
        (Ok(d), Ok(cs)) => match d.server_version().await {
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
        },
        (Err(e), _) | (_, Err(e)) => (Docker::down(format!("{:#}", e.error)), None),
    };

    if health != "ONLINE" {
        problems.push(format!("pool {} is {health}", store.pool));
    }
    match &store.head {
        None => problems.push("the store has no HEAD".to_string()),
        Some(h) if store.branch(h).is_none() => {
            problems.push(format!("HEAD points to branch '{h}', which does not exist"))
        }
        _ => {}
    }
    for s in &store.strays {
        problems.push(format!(
            "dataset {s} is in the store but is not a branch (left alone)"
        ));
    }
    for b in &store.branches {
        if b.port.is_none() {
            problems.push(format!("branch '{}' has no port", b.name));
        }
        if b.password.is_none() {
            problems.push(format!("branch '{}' has no password", b.name));
        }
        if b.mountpoint.is_none() || !b.mounted {
            problems.push(format!(
                "branch '{}' ({}) is not mounted",
                b.name, b.dataset
            ));
        }
    }
    let mut running = 0;
    if let Some(cs) = &containers {
        let names: BTreeSet<&str> = store.branch_names().collect();
        for (branch, c) in cs {
            if !names.contains(branch.as_str()) {
                problems.push(format!(
                    "container {} belongs to branch '{branch}', whose dataset is gone (remove it with `docker rm -f {}`)",
                    c.name, c.name
                ));
                continue;
            }
            if c.state == "running" {
                running += 1;
                let b = store.branch(branch);
                if let Some(p) = b.and_then(|b| b.port)
                    && !c.host_ports.contains(&p)
                {
                    problems.push(format!(
                        "container {} does not publish branch '{branch}''s port {p} (restart it)",
                        c.name
                    ));
                }
                let is_head = store.head.as_deref() == Some(branch.as_str());
                let has_head = c.labels.get(pg::LABEL_HEAD).map(String::as_str) == Some("true");
                if is_head != has_head {
                    problems.push(format!(
                        "container {} {} the head port but '{branch}' {} HEAD (run `stagdb restart {branch}`)",
                        c.name,
                        if has_head { "holds" } else { "lacks" },
                        if is_head { "is" } else { "is not" }
                    ));
                }
            }
        }
    }
    let status = Status {
        store: store.dataset.clone(),
        pool: Pool {
            name: store.pool.clone(),
            health,
            size_bytes: size,
            free_bytes: free,
        },
        head: store.head.clone(),
        head_port: store.settings.head_port,
        ports: store.settings.ports.to_string(),
        image: store.settings.image.clone(),
        docker,
        branches: Counts {
            total: store.branches.len(),
            running,
            stopped: store.branches.len().saturating_sub(running),
            snapshots: store.branches.iter().map(|b| b.snapshots.len()).sum(),
            branch_points: store
                .branches
                .iter()
                .flat_map(|b| &b.snapshots)
                .filter(|s| s.is_branch_point())
                .count(),
        },
        problems,
    };
    if ctx.settings.json {
        return ctx.printer.json(&status);
    }
    let p = &ctx.printer;
    let bytes = |b: Option<u64>| b.map(ui::human_bytes).unwrap_or_else(|| "?".into());
    p.line(format!("store:     {}", status.store))?;
    p.line(format!(
        "pool:      {} {} ({} free of {})",
        status.pool.name,
        status.pool.health,
        bytes(status.pool.free_bytes),
        bytes(status.pool.size_bytes)
    ))?;
    p.line(format!(
        "HEAD:      {} (head port {})",
        status.head.as_deref().unwrap_or("-"),
        status.head_port
    ))?;
    p.line(format!("image:     {}", status.image))?;
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
    p.line(format!(
        "branches:  {} ({} running, {} stopped), {} snapshot{} ({} taken to branch from)",
        status.branches.total,
        status.branches.running,
        status.branches.stopped,
        status.branches.snapshots,
        if status.branches.snapshots == 1 {
            ""
        } else {
            "s"
        },
        status.branches.branch_points
    ))?;
    if status.problems.is_empty() {
        p.line("problems:  none")?;
    } else {
        p.line("problems:")?;
        for pr in &status.problems {
            p.line(format!("  - {pr}"))?;
        }
    }
    Ok(())
}
