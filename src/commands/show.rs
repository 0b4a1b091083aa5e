//! `stagdb show REF`: everything about one branch or one snapshot, like
//! `git show`. What is shown is worked out by a pure function of the store
//! and its containers; the command only reads and prints.

use serde::Serialize;

use crate::cli::ShowArgs;
use crate::ctx::Ctx;
use crate::docker::ContainerInfo;
use crate::error::CmdResult;
use crate::ops;
use crate::store::{Branch, Snapshot, Store};
use crate::ui;

/// `stagdb show --json`. Stable schema: add fields, never rename.
#[derive(Serialize, Debug, PartialEq)]
#[serde(tag = "kind", rename_all = "lowercase")]
// One value per command, printed and dropped: its size costs nothing.
#[allow(clippy::large_enum_variant)]
pub(crate) enum Shown {
    Branch(BranchView),
    Snapshot(SnapshotView),
}

#[derive(Serialize, Debug, PartialEq)]
pub(crate) struct BranchView {
    name: String,
    head: bool,
    dataset: String,
    /// `BRANCH@SNAPSHOT` it was made from (`(old data)` after a refresh).
    parent: Option<String>,
    /// The ZFS origin snapshot.
    origin: Option<String>,
    children: Vec<String>,
    snapshots: Vec<SnapshotLine>,
    used_bytes: u64,
    referenced_bytes: u64,
    port: Option<u16>,
    state: String,
    container: Option<String>,
    image: Option<String>,
    pg_version: Option<u32>,
    database: String,
    created: String,
    expires: Option<String>,
    protected: bool,
    /// An imported root's source (never a password).
    source: Option<String>,
    /// The store's Docker network and the names the branch has there.
    network: Option<NetworkView>,
    /// Memory limit in bytes; null: unlimited.
    memory: Option<u64>,
    /// CPU limit; null: unlimited.
    cpus: Option<f64>,
    #[serde(skip)]
    limits: crate::limits::Limits,
}

#[derive(Serialize, Debug, PartialEq)]
pub(crate) struct NetworkView {
    name: String,
    aliases: Vec<String>,
}

#[derive(Serialize, Debug, PartialEq)]
pub(crate) struct SnapshotLine {
    name: String,
    created: String,
    message: Option<String>,
    /// Another tool's snapshot: the tool its name says made it.
    #[serde(skip_serializing_if = "Option::is_none")]
    foreign: Option<&'static str>,
}

#[derive(Serialize, Debug, PartialEq)]
pub(crate) struct SnapshotView {
    reference: String,
    branch: String,
    name: String,
    full: String,
    created: String,
    author: Option<String>,
    message: Option<String>,
    /// `branch-point`, `import`, or none (taken by `snapshot`).
    taken_for: Option<String>,
    used_bytes: u64,
    /// Branches made from it.
    branches: Vec<String>,
    /// Another tool's snapshot: the tool its name says made it.
    #[serde(skip_serializing_if = "Option::is_none")]
    foreign: Option<&'static str>,
}

/// What `show` says about a branch or snapshot of the store.
pub(crate) fn view(
    store: &Store,
    branch: &Branch,
    snapshot: Option<&Snapshot>,
    container: Option<&ContainerInfo>,
) -> Shown {
    if let Some(s) = snapshot {
        return Shown::Snapshot(SnapshotView {
            reference: format!("{}@{}", branch.name, s.name),
            branch: branch.name.clone(),
            name: s.name.clone(),
            full: s.full.clone(),
            created: ui::rfc3339(s.created),
            author: s.author.clone(),
            message: s.message.clone(),
            taken_for: s.kind.clone(),
            used_bytes: s.used,
            branches: store
                .clones_of(&s.full)
                .iter()
                .map(|b| b.name.clone())
                .collect(),
            foreign: s.foreign_tool(),
        });
    }
    let source = branch.source.as_deref().map(|s| {
        serde_json::from_str::<serde_json::Value>(s)
            .ok()
            .and_then(|v| v.get("source").and_then(|x| x.as_str()).map(str::to_string))
            .unwrap_or_else(|| s.to_string())
    });
    Shown::Branch(BranchView {
        name: branch.name.clone(),
        head: ops::is_head(store, branch),
        dataset: branch.dataset.clone(),
        parent: store.parent_ref(branch),
        origin: branch.origin.clone(),
        children: store
            .children_of(branch)
            .iter()
            .map(|b| b.name.clone())
            .collect(),
        snapshots: branch
            .snapshots
            .iter()
            .rev()
            .map(|s| SnapshotLine {
                name: s.name.clone(),
                created: ui::rfc3339(s.created),
                message: s.message.clone(),
                foreign: s.foreign_tool(),
            })
            .collect(),
        used_bytes: branch.used,
        referenced_bytes: branch.referenced,
        port: branch.port,
        state: ops::state_of(container).to_string(),
        container: container.map(|c| c.name.clone()),
        image: container.map(|c| c.image.clone()),
        pg_version: branch.pg_version,
        database: branch.db().to_string(),
        created: ui::rfc3339(branch.created),
        expires: branch.expires.map(ui::rfc3339),
        protected: branch.protected,
        source,
        network: store.settings.network.as_ref().map(|n| NetworkView {
            name: n.clone(),
            aliases: crate::pg::aliases(&branch.name, ops::is_head(store, branch)),
        }),
        memory: branch.limits.memory,
        cpus: branch.limits.cpus.map(crate::limits::Cpus::as_f64),
        limits: branch.limits,
    })
}

pub async fn run(ctx: &Ctx, args: ShowArgs) -> CmdResult {
    let store = ops::open_store(ctx).await?;
    let target = ops::resolve_ref(&store, args.reference.as_deref().unwrap_or("HEAD"))?;
    let containers = ops::containers(ctx, &store).await?;
    let shown = view(
        &store,
        target.branch,
        target.snapshot,
        containers.get(&target.branch.name),
    );
    if ctx.settings.json {
        return ctx.printer.json(&shown);
    }
    let p = &ctx.printer;
    let opt = |v: &Option<String>| v.clone().unwrap_or_else(|| "-".into());
    match shown {
        Shown::Snapshot(s) => {
            p.line(format!("snapshot {}", s.reference))?;
            p.line(format!("dataset:   {}", s.full))?;
            p.line(format!("created:   {}", s.created))?;
            p.line(format!("author:    {}", opt(&s.author)))?;
            let taken = match s.foreign {
                Some(tool) => format!("by another tool ({tool}), not stagdb: foreign"),
                None => s
                    .taken_for
                    .as_deref()
                    .map_or("by snapshot", |k| match k {
                        "branch-point" => "to branch from",
                        "import" => "by import or refresh",
                        other => other,
                    })
                    .to_string(),
            };
            p.line(format!("taken:     {taken}"))?;
            p.line(format!("space:     {}", ui::human_bytes(s.used_bytes)))?;
            p.line(format!(
                "branches:  {}",
                if s.branches.is_empty() {
                    "-".to_string()
                } else {
                    s.branches.join(", ")
                }
            ))?;
            if let Some(m) = &s.message {
                p.line("")?;
                for l in m.lines() {
                    p.line(format!("    {l}"))?;
                }
            }
        }
        Shown::Branch(b) => {
            p.line(format!(
                "branch {}{}",
                b.name,
                if b.head { " (HEAD)" } else { "" }
            ))?;
            p.line(format!("dataset:   {}", b.dataset))?;
            p.line(format!("parent:    {}", opt(&b.parent)))?;
            p.line(format!(
                "children:  {}",
                if b.children.is_empty() {
                    "-".to_string()
                } else {
                    b.children.join(", ")
                }
            ))?;
            p.line(format!(
                "state:     {} (container {}, image {})",
                b.state,
                opt(&b.container),
                opt(&b.image)
            ))?;
            p.line(format!(
                "port:      {}",
                b.port.map_or("-".to_string(), |p| p.to_string())
            ))?;
            if let Some(n) = &b.network {
                p.line(format!(
                    "network:   {} as {} (port 5432)",
                    n.name,
                    n.aliases.join(", ")
                ))?;
            }
            p.line(format!(
                "postgres:  {} (database {})",
                b.pg_version.map_or("?".to_string(), |v| v.to_string()),
                b.database
            ))?;
            p.line(format!(
                "space:     {} used, {} referenced",
                ui::human_bytes(b.used_bytes),
                ui::human_bytes(b.referenced_bytes)
            ))?;
            p.line(format!("created:   {}", b.created))?;
            p.line(format!("limits:    {}", b.limits.describe()))?;
            p.line(format!(
                "expires:   {}{}",
                opt(&b.expires),
                if b.protected { " (protected)" } else { "" }
            ))?;
            if let Some(s) = &b.source {
                p.line(format!("source:    {s}"))?;
            }
            p.line(format!("snapshots: {}", b.snapshots.len()))?;
            for s in &b.snapshots {
                let what = match s.foreign {
                    Some(tool) => format!("(foreign: made by {tool}, not stagdb)"),
                    None => s
                        .message
                        .as_deref()
                        .and_then(|m| m.lines().next())
                        .unwrap_or("")
                        .to_string(),
                };
                p.line(format!("  {}@{}  {}  {what}", b.name, s.name, s.created))?;
            }
        }
    }
    Ok(())
}
