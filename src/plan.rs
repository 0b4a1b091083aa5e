//! Decisions as pure functions on the store model: what `rm` removes and in
//! which order, the reset target, the checkout steps, the problems `status`
//! and `doctor` see with their repairs, and what `gc` may remove. No zfs or
//! Docker calls here: commands read the store, ask for a plan, apply it.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use crate::docker::ContainerInfo;
use crate::error::{CmdResult, internal_error, usage_error, user_error};
use crate::intent::Op;
use crate::names;
use crate::ops;
use crate::pg;
use crate::props;
use crate::store::{Branch, Snapshot, Store};

// ---------------------------------------------------------------- rm

/// Branches to remove, children before parents.
#[derive(Debug)]
pub struct RmPlan<'a> {
    pub order: Vec<&'a Branch>,
}

pub fn rm_plan<'a>(store: &'a Store, names: &[String]) -> CmdResult<RmPlan<'a>> {
    let mut doomed: Vec<&Branch> = Vec::new();
    for n in names {
        let b = ops::find_branch(store, n)?;
        if !doomed.iter().any(|d| d.name == b.name) {
            doomed.push(b);
        }
    }
    let doomed_names: BTreeSet<&str> = doomed.iter().map(|b| b.name.as_str()).collect();
    for b in &doomed {
        if store.head.as_deref() == Some(b.name.as_str()) {
            return Err(
                user_error(format!("cannot remove '{}': it is HEAD", b.name))
                    .hint("check out another branch first with `stagdb checkout NAME`"),
            );
        }
        if b.protected {
            return Err(
                user_error(format!("cannot remove '{}': it is protected", b.name)).hint(format!(
                    "unprotect it first with `stagdb unprotect {}`",
                    b.name
                )),
            );
        }
        if let Some(i) = b.intent.filter(|i| i.owner.alive() && !i.mine()) {
            return Err(user_error(format!(
                "cannot remove '{}': another stagdb command (pid {}) is working on it",
                b.name, i.owner.pid
            ))
            .hint("wait for it to finish"));
        }
        let outside: Vec<&str> = store
            .children_of(b)
            .into_iter()
            .map(|c| c.name.as_str())
            .filter(|c| !doomed_names.contains(c))
            .collect();
        if !outside.is_empty() {
            return Err(user_error(format!(
                "cannot remove '{}': branches {} were created from it",
                b.name,
                outside.join(", ")
            ))
            .hint("remove those branches first (or in the same command)"));
        }
        ops::check_no_foreign_children(store, b)?;
        refuse_foreign_snapshots(store, b, &b.foreign_snapshots(), "remove")?;
    }
    let mut order: Vec<&Branch> = Vec::new();
    let mut left = doomed;
    while !left.is_empty() {
        let before = left.len();
        left.retain(|b| {
            let blocked = store
                .children_of(b)
                .iter()
                .any(|c| !order.iter().any(|o| o.name == c.name));
            if !blocked {
                order.push(b);
            }
            blocked
        });
        // Every doomed branch's children are doomed too (checked above), so
        // each pass removes at least one; this guards against a model bug.
        if left.len() == before {
            return Err(internal_error("no removal order for the branches"));
        }
    }
    Ok(RmPlan { order })
}

/// The branch-point snapshot that removing the branches in `gone` (dataset
/// names) leaves unused, if stagdb took it and nothing else uses it.
pub fn orphaned_branch_point<'a>(
    store: &'a Store,
    branch: &Branch,
    gone: &BTreeSet<&str>,
) -> Option<&'a Snapshot> {
    let (parent, snap) = store.parent_of(branch)?;
    let users = store
        .clones_of(&snap.full)
        .iter()
        .filter(|c| !gone.contains(c.dataset.as_str()))
        .count();
    (snap.is_branch_point()
        && users == 0
        && !store.retired_clone_of(&snap.full)
        && !gone.contains(parent.dataset.as_str()))
    .then_some(snap)
}

// ---------------------------------------------------------------- reset

/// Where a reset takes a branch and what it destroys on the way.
#[derive(Debug)]
pub struct ResetPlan<'a> {
    pub branch: &'a Branch,
    pub target_branch: &'a Branch,
    pub target: &'a Snapshot,
    /// A rollback of the branch's own snapshot (else a re-clone).
    pub own: bool,
    /// Snapshots that go away: newer own ones on rollback, all own ones on re-clone.
    pub doomed: Vec<&'a Snapshot>,
}

impl ResetPlan<'_> {
    pub fn to_ref(&self) -> String {
        format!("{}@{}", self.target_branch.name, self.target.name)
    }
}

/// Default target: the branch's newest snapshot, else its branch point.
pub fn reset_plan<'a>(
    store: &'a Store,
    branch: Option<&str>,
    to: Option<&str>,
) -> CmdResult<ResetPlan<'a>> {
    let branch = ops::branch_or_head(store, branch)?;
    let (target_branch, target) = match to {
        Some(r) => {
            let t = ops::resolve_ref(store, r)?;
            match t.snapshot {
                Some(s) => (t.branch, s),
                // A branch: its newest snapshot (after a refresh, the fresh data).
                None => match t.branch.newest_snapshot() {
                    Some(s) => (t.branch, s),
                    None => {
                        return Err(usage_error(format!(
                            "--to {r}: branch '{}' has no snapshot",
                            t.branch.name
                        ))
                        .hint(format!(
                            "take one with `stagdb snapshot {}`, or use BRANCH@SNAPSHOT",
                            t.branch.name
                        )));
                    }
                },
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
    // By the snapshot's dataset: a root's snapshot of its old data (before
    // a refresh) is not on the root's dataset.
    let own = target.full.split_once('@').map(|(d, _)| d) == Some(branch.dataset.as_str());
    let doomed: Vec<&Snapshot> = if own {
        match branch.snapshots.iter().position(|s| s.full == target.full) {
            Some(i) => branch.snapshots[i + 1..].iter().collect(),
            None => Vec::new(),
        }
    } else {
        branch.snapshots.iter().collect()
    };
    for s in &doomed {
        let clones = store.clones_of(&s.full);
        if !clones.is_empty() {
            let names: Vec<&str> = clones.iter().map(|c| c.name.as_str()).collect();
            return Err(user_error(format!(
                "resetting '{}' would destroy snapshot '{}@{}', which branches {} were created from",
                branch.name,
                branch.name,
                s.name,
                names.join(", ")
            ))
            .hint("remove those branches first, or reset to a newer snapshot"));
        }
    }
    let foreign: Vec<&Snapshot> = doomed.iter().copied().filter(|s| !s.own).collect();
    refuse_foreign_snapshots(store, branch, &foreign, "reset")?;
    if !own {
        ops::check_no_foreign_children(store, branch)?;
    }
    Ok(ResetPlan {
        branch,
        target_branch,
        target,
        own,
        doomed,
    })
}

/// Refuses to `doing` (remove, reset) `branch` when that would destroy
/// `snaps`, snapshots another tool made (a backup's, a replication's):
/// stagdb never destroys what it did not make. Names each and its tool.
pub fn refuse_foreign_snapshots(
    store: &Store,
    branch: &Branch,
    snaps: &[&Snapshot],
    doing: &str,
) -> CmdResult {
    if snaps.is_empty() {
        return Ok(());
    }
    let listed: Vec<String> = snaps
        .iter()
        .map(|s| {
            format!(
                "{}@{} ({})",
                branch.name,
                s.name,
                s.foreign_tool().unwrap_or("unknown tool")
            )
        })
        .collect();
    let commands: Vec<String> = snaps
        .iter()
        .map(|s| format!("`zfs destroy {}`", s.full))
        .collect();
    Err(user_error(format!(
        "cannot {doing} '{}': it would destroy snapshots another tool made, which stagdb never destroys: {}",
        branch.name,
        listed.join(", ")
    ))
    .hint(format!(
        "if they are not needed, destroy them yourself ({}) and run this again; \
         `zfs set com.sun:auto-snapshot=false {}` keeps zfs-auto-snapshot off the store",
        commands.join(", "),
        store.dataset
    )))
}

/// The problem code and the words for what made a leftover temporary: its
/// name says an export's or diff's clone (`NAME:export-PID`); a marked new
/// data that is no clone is a refresh's, a clone a reset's.
pub fn temp_maker(t: &crate::store::Temp) -> (&'static str, &'static str) {
    let op = t.intent.map(|i| i.op);
    if t.dataset
        .rsplit('/')
        .next()
        .is_some_and(|c| c.contains(":export-"))
    {
        ("interrupted-export", "an interrupted export or diff")
    } else if op == Some(Op::Resetting) && t.origin.is_none() {
        ("interrupted-refresh", "an interrupted refresh")
    } else if op == Some(Op::Resetting) {
        ("interrupted-reset", "an interrupted reset")
    } else {
        ("interrupted-import", "an interrupted import")
    }
}

/// Whether `temp` (the new data of an interrupted reset of `branch` to its
/// own snapshot) took over the branch's snapshots: the branch is then its
/// clone, and destroying it would fail; `zfs promote` of the branch undoes it.
pub fn promoted_temp(branch: &Branch, temp: &str) -> bool {
    branch
        .origin
        .as_deref()
        .is_some_and(|o| o.strip_prefix(temp).is_some_and(|r| r.starts_with('@')))
}

/// Whether a branch still marked `creating` is the preserved state of a
/// `reset --preserve-as` that passed its switch: made from a preserve
/// snapshot whose dataset is now retired. It is then complete (the marker
/// alone is left); before the switch it is half-made and goes.
pub fn preserved_by_reset(store: &Store, b: &Branch) -> bool {
    store
        .retired_parent_of(b)
        .is_some_and(|(_, s)| s.kind.as_deref() == Some(crate::props::KIND_PRESERVE))
}

// ---------------------------------------------------------------- from-time

/// `branch --from-time`: of snapshots (`(REF, creation time)`, in any
/// order), the newest taken at or before `at`; among equal times the first
/// given. An error names the oldest when `at` is before every snapshot.
pub fn pick_at_time(snapshots: &[(String, i64)], at: i64, of: &str) -> CmdResult<usize> {
    let mut best: Option<usize> = None;
    for (i, (_, t)) in snapshots.iter().enumerate() {
        if *t <= at && best.is_none_or(|b| *t > snapshots[b].1) {
            best = Some(i);
        }
    }
    if let Some(b) = best {
        return Ok(b);
    }
    let oldest = snapshots
        .iter()
        .enumerate()
        .min_by_key(|(i, (_, t))| (*t, std::cmp::Reverse(*i)));
    Err(match oldest {
        Some((_, (r, t))) => user_error(format!(
            "no snapshot of '{of}' was taken at or before {}: the oldest is {r} (taken {})",
            crate::ui::rfc3339(at),
            crate::ui::rfc3339(*t)
        ))
        .hint(format!("give a time after {}", crate::ui::rfc3339(*t))),
        None => user_error(format!("branch '{of}' has no snapshot to branch from"))
            .hint(format!("take one with `stagdb snapshot {of}`")),
    })
}

// ---------------------------------------------------------------- checkout

/// The steps of a checkout, in order.
#[derive(Debug, PartialEq, Eq)]
pub struct CheckoutPlan {
    /// The old HEAD's container goes down (it holds the head port); `true`
    /// when it was running and comes back on its own port afterwards.
    pub stop_old: Option<(String, bool)>,
    /// The target's container goes down before it is recreated with the
    /// head port; `true` when it was running.
    pub stop_target: Option<bool>,
    pub move_head: bool,
    pub start_target: bool,
}

/// `present`: branches with a container; `running`: those running.
pub fn checkout_plan(
    store: &Store,
    target: &Branch,
    present: &BTreeSet<&str>,
    running: &BTreeSet<&str>,
) -> CheckoutPlan {
    let previous = store.head.as_deref().and_then(|h| store.branch(h));
    let is_head = previous.is_some_and(|p| p.name == target.name);
    if is_head {
        return CheckoutPlan {
            stop_old: None,
            stop_target: None,
            move_head: false,
            start_target: !running.contains(target.name.as_str()),
        };
    }
    CheckoutPlan {
        stop_old: previous
            .filter(|p| present.contains(p.name.as_str()))
            .map(|p| (p.name.clone(), running.contains(p.name.as_str()))),
        stop_target: present
            .contains(target.name.as_str())
            .then(|| running.contains(target.name.as_str())),
        move_head: true,
        start_target: true,
    }
}

// ---------------------------------------------------------------- problems

/// A repair `doctor --fix` may make: each is safe (it never destroys data
/// that a branch, a snapshot someone took, or a running command uses).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "action", rename_all = "kebab-case")]
pub enum Fix {
    /// Destroy a temporary dataset an interrupted command left (the branch it
    /// belonged to is intact).
    DestroyTemp {
        dataset: String,
    },
    /// An interrupted reset to the branch's own snapshot left its new data,
    /// which took over the branch's snapshots (`zfs promote`): promote the
    /// branch back, then destroy the new data.
    Unpromote {
        dataset: String,
        branch: String,
    },
    /// An interrupted reset destroyed the old data but did not rename the
    /// new clone into place: finish it.
    FinishReset {
        dataset: String,
        branch: String,
    },
    /// An interrupted rename moved the dataset to the new name's place but
    /// the branch still says its old name: give it the new one (and HEAD,
    /// when HEAD was the old name).
    FinishRename {
        dataset: String,
        from: String,
        to: String,
    },
    /// An import or refresh was killed after its data was loaded but
    /// before its import snapshot: take it (what `reset` goes back to).
    SnapshotImport {
        branch: String,
    },
    /// Remove a branch a killed `branch` command never finished.
    RemoveHalfMade {
        branch: String,
    },
    Mount {
        branch: String,
    },
    /// (Re)create the branch's container and wait until it is ready.
    Start {
        branch: String,
        head: bool,
    },
    RemoveContainer {
        id: String,
        name: String,
    },
    ClearIntent {
        dataset: String,
    },
    DropSnapshot {
        snapshot: String,
    },
    /// Give the branch a free port from the store's range.
    NewPort {
        branch: String,
    },
    SetHead {
        branch: String,
    },
    /// Write the port index anew from the branches' ports.
    RebuildPortIndex,
    /// Make the store's mountpoint root's alone (0700).
    MakePrivate {
        path: String,
    },
    /// Give the branch a new password (its sealed one cannot be opened);
    /// its next start sets it in the data.
    NewPassword {
        branch: String,
    },
    /// Remove a password file directory a killed command left in the
    /// temporary directory (it holds a source's password in clear).
    RemovePasswordFile {
        path: String,
    },
}

#[derive(Debug, Clone, Serialize)]
pub struct Problem {
    /// Stable identifier of the kind of problem.
    pub code: &'static str,
    pub message: String,
    /// What `doctor --fix` does about it.
    pub fix: Option<Fix>,
    /// Without a safe fix: what a person would run.
    pub manual: Option<String>,
}

impl Problem {
    pub fn new(code: &'static str, message: String) -> Problem {
        Problem {
            code,
            message,
            fix: None,
            manual: None,
        }
    }

    pub fn fix(mut self, f: Fix) -> Problem {
        self.fix = Some(f);
        self
    }

    pub fn manual(mut self, m: impl Into<String>) -> Problem {
        self.manual = Some(m.into());
        self
    }
}

/// Whether the store is nearly out of space: what its datasets can still
/// write is less than a tenth of what it could hold, the pool's size or, under
/// a quota, the store's own limit (`used + available`). Unknown: not low.
pub fn space_low(pool_size: Option<u64>, store: &Store) -> bool {
    let (Some(size), Some(avail)) = (pool_size, store.available) else {
        return false;
    };
    let limit = match store.used {
        Some(used) => size.min(used.saturating_add(avail)),
        None => size,
    };
    limit > 0 && avail.saturating_mul(10) < limit
}

/// Everything inconsistent in the store and its containers (`None`: Docker
/// is unreachable, container checks are skipped). Pure: the same store and
/// containers always give the same list, in the order fixes should run.
pub fn problems(store: &Store, containers: Option<&[ContainerInfo]>) -> Vec<Problem> {
    let mut out = Vec::new();
    let running: BTreeSet<&str> = containers
        .unwrap_or_default()
        .iter()
        .filter(|c| c.state == "running")
        .filter_map(|c| c.labels.get(pg::LABEL_BRANCH).map(String::as_str))
        .collect();

    // Damaged values first: they explain what follows.
    for c in &store.corrupt {
        let fixable = c.property == props::STATE || c.property == props::TAKEN;
        let mut p = Problem::new(
            "corrupt-value",
            format!(
                "{} on {} is \"{}\": {} (stagdb never writes such a value)",
                c.property, c.dataset, c.value, c.why
            ),
        );
        if c.property == props::TAKEN {
            p = p.fix(Fix::RebuildPortIndex);
        } else if fixable {
            p = p.fix(Fix::ClearIntent {
                dataset: c.dataset.clone(),
            });
        } else if c.property != props::PORT && c.property != props::HEAD {
            p = p.manual(format!(
                "zfs inherit {} {}   # or set it back to its old value",
                c.property, c.dataset
            ));
        }
        out.push(p);
    }

    // Leftovers of interrupted commands.
    for t in &store.temps {
        let Some(branch) = &t.branch else { continue };
        let canonical = format!("{}/{}", store.dataset, names::dataset_component(branch));
        match t.intent {
            Some(i) if i.owner.alive() => {}
            // Scratch space of an import (`NAME:import`), or an export's
            // or diff's clone (`NAME:export-PID`): only ever temporary.
            Some(i) if i.op == Op::Creating => {
                let (code, what) = temp_maker(t);
                out.push(
                    Problem::new(
                        code,
                        format!("{} was left by {what} of '{branch}'", t.dataset),
                    )
                    .fix(Fix::DestroyTemp {
                        dataset: t.dataset.clone(),
                    }),
                )
            }
            // A refresh's new data, not switched to (the branch is intact).
            Some(i) if i.op == Op::Resetting && store.branch(branch).is_some() && t.origin.is_none() => {
                let (code, what) = temp_maker(t);
                out.push(
                    Problem::new(
                        code,
                        format!("{} was left by {what} of '{branch}'", t.dataset),
                    )
                    .fix(Fix::DestroyTemp {
                        dataset: t.dataset.clone(),
                    }),
                )
            }
            Some(i) if i.op == Op::Resetting => {
                if let Some(b) = store.branch(branch)
                    && promoted_temp(b, &t.dataset)
                {
                    out.push(
                        Problem::new(
                            "interrupted-reset",
                            format!(
                                "{} was left by an interrupted reset of '{branch}' and holds its snapshots",
                                t.dataset
                            ),
                        )
                        .fix(Fix::Unpromote {
                            dataset: t.dataset.clone(),
                            branch: branch.clone(),
                        }),
                    );
                } else if store.branch(branch).is_some() {
                    out.push(
                        Problem::new(
                            "interrupted-reset",
                            format!("{} was left by an interrupted reset of '{branch}'", t.dataset),
                        )
                        .fix(Fix::DestroyTemp {
                            dataset: t.dataset.clone(),
                        }),
                    );
                } else {
                    out.push(
                        Problem::new(
                            "interrupted-reset",
                            format!(
                                "a reset of '{branch}' was interrupted after its old data was destroyed; the new data is in {}",
                                t.dataset
                            ),
                        )
                        .fix(Fix::FinishReset {
                            dataset: t.dataset.clone(),
                            branch: branch.clone(),
                        }),
                    );
                }
            }
            Some(i)
                if i.op == Op::Renaming
                    && let Some(to) = renamed_to(store, &t.dataset)
                    && store.branch(&to).is_none() =>
            {
                out.push(
                    Problem::new(
                        "interrupted-rename",
                        format!(
                            "a rename of branch '{branch}' to '{to}' was interrupted after its dataset moved to {}",
                            t.dataset
                        ),
                    )
                    .fix(Fix::FinishRename {
                        dataset: t.dataset.clone(),
                        from: branch.clone(),
                        to,
                    }),
                );
            }
            _ => out.push(
                Problem::new(
                    "misnamed-branch",
                    format!(
                        "{} says it is branch '{branch}' but that branch lives at {canonical} (left alone)",
                        t.dataset
                    ),
                )
                .manual(format!(
                    "zfs rename {} {canonical}   # or: zfs inherit {} {}",
                    t.dataset,
                    props::BRANCH,
                    t.dataset
                )),
            ),
        }
    }
    let temp_names: BTreeSet<&str> = store.temps.iter().map(|t| t.dataset.as_str()).collect();
    for s in store
        .strays
        .iter()
        .filter(|s| !temp_names.contains(s.as_str()))
    {
        out.push(
            Problem::new(
                "foreign-dataset",
                format!("dataset {s} is in the store but stagdb did not make it (left alone)"),
            )
            .manual(format!("zfs rename {s} ELSEWHERE   # or leave it")),
        );
    }

    // The port index must hold every port a branch has (else a new branch
    // could be given one in use); extra ports only wait for a rebuild.
    if let Some(index) = &store.port_index {
        let missing: Vec<String> = store
            .branches
            .iter()
            .filter_map(|b| b.port)
            .filter(|p| !index.contains(p))
            .map(|p| p.to_string())
            .collect();
        if !missing.is_empty() {
            out.push(
                Problem::new(
                    "port-index",
                    format!(
                        "the store's port index ({}) lacks port{} {} that branches hold",
                        props::TAKEN,
                        if missing.len() == 1 { "" } else { "s" },
                        missing.join(", ")
                    ),
                )
                .fix(Fix::RebuildPortIndex),
            );
        }
    }

    // HEAD.
    let head = store.head.as_deref().and_then(|h| store.branch(h));
    // HEAD names a branch in the middle of a rename: finishing the rename
    // moves HEAD with it.
    // (Its dataset may say the old name or sit at the new one's place,
    // and HEAD may already name the new one.)
    let renaming_head = store.temps.iter().any(|t| {
        t.intent.is_some_and(|i| i.op == Op::Renaming)
            && store.head.is_some()
            && (t.branch == store.head || renamed_to(store, &t.dataset) == store.head)
    });
    if head.is_none() && !renaming_head {
        let msg = match &store.head {
            Some(h) => format!("HEAD points to branch '{h}', which does not exist"),
            None => "the store has no HEAD".to_string(),
        };
        // The branch whose container holds the head port, else main.
        let holder = containers.unwrap_or_default().iter().find_map(|c| {
            (c.labels.get(pg::LABEL_HEAD).map(String::as_str) == Some("true"))
                .then(|| c.labels.get(pg::LABEL_BRANCH))
                .flatten()
                .filter(|b| store.branch(b).is_some())
        });
        let pick = holder
            .map(String::as_str)
            .or_else(|| store.branch("main").map(|b| b.name.as_str()));
        let p = Problem::new("head-missing", msg);
        out.push(match pick {
            Some(b) => p.fix(Fix::SetHead {
                branch: b.to_string(),
            }),
            None => p.manual("stagdb checkout NAME"),
        });
    }

    // Branches.
    let dups = store.duplicate_ports();
    let mut kept: BTreeSet<u16> = BTreeSet::new();
    let mut by_age: Vec<&Branch> = store.branches.iter().collect();
    by_age.sort_by_key(|b| (b.created, b.name.clone()));
    let mut new_port: BTreeSet<&str> = BTreeSet::new();
    for b in &by_age {
        match b.port {
            Some(p) if dups.contains_key(&p) => {
                // The oldest keeps the port (unless it is the head port).
                if p == store.settings.head_port || !kept.insert(p) {
                    out.push(
                        Problem::new(
                            "duplicate-port",
                            format!(
                                "branch '{}' has port {p}, which {} also uses",
                                b.name,
                                if p == store.settings.head_port {
                                    "the store's head port".to_string()
                                } else {
                                    format!(
                                        "branch{} {}",
                                        if dups[&p].len() > 2 { "es" } else { "" },
                                        dups[&p]
                                            .iter()
                                            .filter(|n| **n != b.name)
                                            .map(|n| format!("'{n}'"))
                                            .collect::<Vec<_>>()
                                            .join(", ")
                                    )
                                }
                            ),
                        )
                        .fix(Fix::NewPort {
                            branch: b.name.clone(),
                        }),
                    );
                    new_port.insert(&b.name);
                }
            }
            Some(_) => {}
            None => {
                out.push(
                    Problem::new("no-port", format!("branch '{}' has no valid port", b.name)).fix(
                        Fix::NewPort {
                            branch: b.name.clone(),
                        },
                    ),
                );
                new_port.insert(&b.name);
            }
        }
        if b.password.is_none() && !b.damaged.contains(props::PASSWORD) {
            out.push(
                Problem::new(
                    "no-password",
                    format!("branch '{}' has no password", b.name),
                )
                .manual(format!(
                    "zfs set {}=PASSWORD {}   # the postgres password its data was made with",
                    props::PASSWORD,
                    b.dataset
                )),
            );
        }
    }
    for b in &store.branches {
        let is_head = head.is_some_and(|h| h.name == b.name);
        if let Some(i) = b.intent.filter(|i| !i.owner.alive()) {
            // A root an import (once its server came up) or a refresh (once
            // switched to) made, still without its import snapshot.
            let unsnapshotted = b.origin.is_none()
                && b.snapshots.is_empty()
                && match i.op {
                    Op::Creating => running.contains(b.name.as_str()),
                    Op::Resetting => true,
                    _ => false,
                };
            if unsnapshotted {
                out.push(
                    Problem::new(
                        "unsnapshotted-import",
                        format!(
                            "branch '{}' was loaded by an import or refresh (pid {}) that was killed before its import snapshot",
                            b.name, i.owner.pid
                        ),
                    )
                    .fix(Fix::SnapshotImport {
                        branch: b.name.clone(),
                    }),
                );
            }
            match i.op {
                Op::Creating if preserved_by_reset(store, b) => {
                    out.push(
                        Problem::new(
                            "half-made-branch",
                            format!(
                                "branch '{}' is complete (kept by a reset that finished) but the reset (pid {}) was killed before it said so",
                                b.name, i.owner.pid
                            ),
                        )
                        .fix(Fix::ClearIntent {
                            dataset: b.dataset.clone(),
                        }),
                    );
                }
                Op::Creating if running.contains(b.name.as_str()) => {
                    // Killed after its server came up: the branch is
                    // complete (and may be in use); only the marker is left.
                    out.push(
                        Problem::new(
                            "half-made-branch",
                            format!(
                                "branch '{}' is complete but the command creating it (pid {}) was killed before it said so",
                                b.name, i.owner.pid
                            ),
                        )
                        .fix(Fix::ClearIntent {
                            dataset: b.dataset.clone(),
                        }),
                    );
                }
                Op::Creating => {
                    out.push(
                        Problem::new(
                            "half-made-branch",
                            format!(
                                "branch '{}' was never finished: the command creating it (pid {}) is gone",
                                b.name, i.owner.pid
                            ),
                        )
                        .fix(Fix::RemoveHalfMade {
                            branch: b.name.clone(),
                        }),
                    );
                    continue;
                }
                Op::Stopped | Op::Resetting | Op::Renaming => {
                    // Started afresh even if it looks up: the dead command's
                    // `docker stop` may still be taking it down.
                    let should_run = i.was_running;
                    let p = Problem::new(
                        "interrupted-command",
                        format!(
                            "branch '{}' was {} by a command that did not finish (pid {}){}",
                            b.name,
                            match i.op {
                                Op::Stopped => "stopped",
                                Op::Renaming => "renamed",
                                _ if unsnapshotted => "refreshed",
                                _ => "reset",
                            },
                            i.owner.pid,
                            if should_run {
                                "; it must run again"
                            } else {
                                ""
                            }
                        ),
                    );
                    out.push(if should_run {
                        p.fix(Fix::Start {
                            branch: b.name.clone(),
                            head: is_head,
                        })
                    } else {
                        p.fix(Fix::ClearIntent {
                            dataset: b.dataset.clone(),
                        })
                    });
                }
            }
        }
        // A parked branch is unmounted on purpose until it starts.
        if b.mountpoint.is_none() || !(b.mounted || b.parked) {
            out.push(
                Problem::new(
                    "unmounted",
                    format!("branch '{}' ({}) is not mounted", b.name, b.dataset),
                )
                .fix(Fix::Mount {
                    branch: b.name.clone(),
                }),
            );
        }
        for s in &b.snapshots {
            if s.is_branch_point()
                && store.clones_of(&s.full).is_empty()
                && !store.retired_clone_of(&s.full)
                && !s.intent.is_some_and(|i| i.owner.alive())
            {
                out.push(
                    Problem::new(
                        "unused-branch-point",
                        format!(
                            "snapshot {}@{} was taken to branch from, and no branch uses it",
                            b.name, s.name
                        ),
                    )
                    .fix(Fix::DropSnapshot {
                        snapshot: s.full.clone(),
                    }),
                );
            } else if s.name.starts_with("export-")
                && s.intent
                    .is_some_and(|i| i.op == Op::Creating && !i.owner.alive())
                && store.clones_of(&s.full).is_empty()
            {
                // Taken by an export of a stopped branch that was killed.
                out.push(
                    Problem::new(
                        "interrupted-export",
                        format!(
                            "snapshot {}@{} was left by an interrupted export",
                            b.name, s.name
                        ),
                    )
                    .fix(Fix::DropSnapshot {
                        snapshot: s.full.clone(),
                    }),
                );
            }
        }
    }

    // Containers.
    let Some(containers) = containers else {
        return out;
    };
    let mut seen: BTreeMap<&str, usize> = BTreeMap::new();
    let mut jobs = Vec::new();
    for c in containers {
        if let Some(kind) = c.labels.get(crate::ops::job::LABEL_JOB) {
            // A job (import, export) whose stagdb process is gone.
            let alive = c
                .labels
                .get(pg::LABEL_CREATOR)
                .and_then(|v| v.split_once(':'))
                .and_then(|(p, s)| {
                    Some(crate::intent::Owner {
                        pid: p.parse().ok()?,
                        start: s.parse().ok()?,
                    })
                })
                .is_some_and(|o| o.alive());
            if !alive {
                // First: it may hold a dataset other fixes destroy.
                jobs.push(
                    Problem::new(
                        "orphan-job",
                        format!("container {} is left from an interrupted {kind}", c.name),
                    )
                    .fix(Fix::RemoveContainer {
                        id: c.id.clone(),
                        name: c.name.clone(),
                    }),
                );
            }
            continue;
        }
        let Some(branch) = c.labels.get(pg::LABEL_BRANCH) else {
            continue;
        };
        *seen.entry(branch.as_str()).or_default() += 1;
        let Some(b) = store.branch(branch) else {
            let canonical = format!("{}/{}", store.dataset, names::dataset_component(branch));
            let msg = if store.strays.contains(&canonical) {
                format!(
                    "container {} belongs to branch '{branch}', but dataset {canonical} no longer carries that branch's marker",
                    c.name
                )
            } else {
                format!(
                    "container {} belongs to branch '{branch}', whose dataset is gone",
                    c.name
                )
            };
            out.push(
                Problem::new("orphan-container", msg).fix(Fix::RemoveContainer {
                    id: c.id.clone(),
                    name: c.name.clone(),
                }),
            );
            continue;
        };
        if b.intent.is_some_and(|i| i.owner.alive()) {
            continue; // a running command is working on it
        }
        let is_head = head.is_some_and(|h| h.name == b.name);
        match c.state.as_str() {
            "running" => {
                let port_ok = b.port.is_none_or(|p| c.host_ports.contains(&p));
                let has_head = c.labels.get(pg::LABEL_HEAD).map(String::as_str) == Some("true");
                let head_ok = is_head == has_head
                    && (!is_head || c.host_ports.contains(&store.settings.head_port));
                if (!port_ok || !head_ok) && !new_port.contains(b.name.as_str()) {
                    out.push(
                        Problem::new(
                            "wrong-ports",
                            format!(
                                "container {} of branch '{}' {}",
                                c.name,
                                b.name,
                                if !port_ok {
                                    format!(
                                        "does not publish the branch's port {}",
                                        b.port.unwrap_or(0)
                                    )
                                } else if has_head {
                                    "holds the head port but the branch is not HEAD".to_string()
                                } else {
                                    "lacks the head port although the branch is HEAD".to_string()
                                }
                            ),
                        )
                        .fix(Fix::Start {
                            branch: b.name.clone(),
                            head: is_head,
                        }),
                    );
                } else if let Some(n) = &store.settings.network
                    && !c.networks.iter().any(|x| x == n)
                {
                    // `config network` could not move it (Docker failed
                    // midway): made again, it joins at creation.
                    out.push(
                        Problem::new(
                            "off-network",
                            format!(
                                "container {} of branch '{}' is not on the store's network '{n}'",
                                c.name, b.name
                            ),
                        )
                        .fix(Fix::Start {
                            branch: b.name.clone(),
                            head: is_head,
                        }),
                    );
                }
            }
            "created" | "dead" | "removing" | "restarting" | "paused" => {
                out.push(
                    Problem::new(
                        "stuck-container",
                        format!(
                            "container {} of branch '{}' is stuck in state '{}'",
                            c.name, b.name, c.state
                        ),
                    )
                    .fix(Fix::RemoveContainer {
                        id: c.id.clone(),
                        name: c.name.clone(),
                    }),
                );
            }
            _ => {}
        }
    }
    if let Some(h) = head
        && !running.contains(h.name.as_str())
        && !h.intent.is_some_and(|i| i.owner.alive())
        && !out.iter().any(|p| {
            p.fix
                == Some(Fix::Start {
                    branch: h.name.clone(),
                    head: true,
                })
        })
    {
        out.push(
            Problem::new(
                "head-stopped",
                format!(
                    "HEAD branch '{}' is not running: the head port {} serves nothing",
                    h.name, store.settings.head_port
                ),
            )
            .fix(Fix::Start {
                branch: h.name.clone(),
                head: true,
            }),
        );
    }
    for (branch, n) in seen {
        if n > 1 && store.branch(branch).is_some() {
            out.push(
                Problem::new(
                    "duplicate-containers",
                    format!("branch '{branch}' has {n} containers"),
                )
                .fix(Fix::Start {
                    branch: branch.to_string(),
                    head: head.is_some_and(|h| h.name == branch),
                }),
            );
        }
    }
    // Leftover jobs first: they may hold datasets the other fixes destroy.
    jobs.extend(out);
    jobs
}

// ---------------------------------------------------------------- gc

/// What `gc` removes.
#[derive(Debug, Default)]
pub struct GcPlan<'a> {
    /// Expired branches, children before parents.
    pub branches: Vec<&'a Branch>,
    /// Branches a killed `branch` command never finished.
    pub half_made: Vec<&'a Branch>,
    /// Branch-point snapshots no branch uses (after the removals above).
    pub snapshots: Vec<&'a Snapshot>,
    /// Temporary datasets of interrupted resets whose branch is intact.
    pub temporaries: Vec<&'a str>,
    /// Old generations of refreshed roots that no branch uses any more.
    pub retired: Vec<&'a str>,
    /// Datasets (of expired branches, unused generations) kept because
    /// they hold snapshots other tools made, with those snapshots' names.
    pub kept_foreign: Vec<(&'a str, Vec<&'a str>)>,
}

/// Expired, unprotected branches that are not HEAD, have no children (other
/// than expired ones removed in the same run) and no command working on
/// them; unused branch points; leftovers of interrupted commands.
pub fn gc_plan<'a>(store: &'a Store, now: i64) -> GcPlan<'a> {
    let mut plan = GcPlan::default();
    let busy = |b: &Branch| b.intent.is_some_and(|i| i.owner.alive());
    let candidates: Vec<&Branch> = store
        .branches
        .iter()
        .filter(|b| {
            b.expired(now)
                && !b.protected
                && store.head.as_deref() != Some(b.name.as_str())
                && !busy(b)
                && b.snapshots.iter().all(|s| s.own)
                && !store
                    .strays
                    .iter()
                    .any(|s| s.starts_with(&format!("{}/", b.dataset)))
        })
        .collect();
    // Leaves first; a parent goes only once all its children go.
    let mut gone: BTreeSet<&str> = BTreeSet::new();
    loop {
        let before = plan.branches.len();
        for b in &candidates {
            if gone.contains(b.name.as_str()) {
                continue;
            }
            if store
                .children_of(b)
                .iter()
                .all(|c| gone.contains(c.name.as_str()))
            {
                gone.insert(&b.name);
                plan.branches.push(b);
            }
        }
        if plan.branches.len() == before {
            break;
        }
    }
    for b in &store.branches {
        if crate::ops::half_made(b)
            && !preserved_by_reset(store, b)
            && !gone.contains(b.name.as_str())
            && b.snapshots.iter().all(|s| s.own)
            && store.children_of(b).is_empty()
        {
            gone.insert(&b.name);
            plan.half_made.push(b);
        }
    }
    let gone_ds: BTreeSet<&str> = store
        .branches
        .iter()
        .filter(|b| gone.contains(b.name.as_str()))
        .map(|b| b.dataset.as_str())
        .collect();
    for b in &store.branches {
        if gone_ds.contains(b.dataset.as_str()) {
            continue; // its snapshots go with it
        }
        for s in &b.snapshots {
            let users = store
                .clones_of(&s.full)
                .iter()
                .filter(|c| !gone_ds.contains(c.dataset.as_str()))
                .count();
            if s.is_branch_point()
                && users == 0
                && !store.retired_clone_of(&s.full)
                && !s.intent.is_some_and(|i| i.owner.alive())
            {
                plan.snapshots.push(s);
            }
        }
    }
    for t in &store.temps {
        if let (Some(i), Some(b)) = (t.intent, &t.branch)
            && !i.owner.alive()
            && (i.op == Op::Creating
                || (i.op == Op::Resetting
                    && store
                        .branch(b)
                        .is_some_and(|b| !promoted_temp(b, &t.dataset))))
        {
            plan.temporaries.push(&t.dataset);
        }
    }
    let foreign = |snaps: &'a [Snapshot]| -> Vec<&'a str> {
        snaps
            .iter()
            .filter(|s| !s.own)
            .map(|s| s.full.as_str())
            .collect()
    };
    for r in &store.retired {
        if store.retired_users(r, &gone_ds) == 0 {
            match foreign(&r.snapshots) {
                f if f.is_empty() => plan.retired.push(&r.dataset),
                f => plan.kept_foreign.push((&r.dataset, f)),
            }
        }
    }
    // Never collected while another tool's snapshots are on them.
    for b in &store.branches {
        let f = foreign(&b.snapshots);
        if !f.is_empty() && (b.expired(now) || crate::ops::half_made(b)) {
            plan.kept_foreign.push((&b.dataset, f));
        }
    }
    plan
}

/// `log --graph`: branches and snapshots as a tree, newest snapshots
/// first, each branch under the snapshot it was made from.
#[derive(Debug, Default, Serialize, PartialEq)]
pub struct Graph {
    pub nodes: Vec<GraphNode>,
    pub edges: Vec<GraphEdge>,
    /// The tree drawn as text, one line per node.
    #[serde(skip)]
    pub lines: Vec<String>,
}

#[derive(Debug, Serialize, PartialEq)]
pub struct GraphNode {
    /// `BRANCH` or `BRANCH@SNAPSHOT`.
    pub id: String,
    /// `branch` or `snapshot`.
    pub kind: &'static str,
    pub head: bool,
    pub message: Option<String>,
    pub created: i64,
}

#[derive(Debug, Serialize, PartialEq)]
pub struct GraphEdge {
    pub from: String,
    pub to: String,
}

/// The trees of the given roots (`None`: every root of the store).
pub fn graph(store: &Store, root: Option<&Branch>) -> Graph {
    let mut g = Graph::default();
    let roots: Vec<&Branch> = match root {
        Some(r) => vec![r],
        None => store
            .branches
            .iter()
            .filter(|b| store.parent_of(b).is_none())
            .collect(),
    };
    let mut seen = BTreeSet::new();
    for r in roots {
        graph_branch(store, r, "", "", &mut g, &mut seen);
    }
    g
}

fn graph_branch<'a>(
    store: &'a Store,
    b: &'a Branch,
    first: &str,
    rest: &str,
    g: &mut Graph,
    seen: &mut BTreeSet<&'a str>,
) {
    if !seen.insert(b.dataset.as_str()) {
        return; // lineage loops cannot happen in ZFS; be safe anyway
    }
    let head = store.head.as_deref() == Some(b.name.as_str());
    let old = store
        .retired_parent_of(b)
        .map(|(r, s)| format!("  (from {}@{}, old data)", r.of, s.name))
        .unwrap_or_default();
    g.lines.push(format!(
        "{first}{}{}{old}",
        b.name,
        if head { "  (HEAD)" } else { "" }
    ));
    g.nodes.push(GraphNode {
        id: b.name.clone(),
        kind: "branch",
        head,
        message: None,
        created: b.created,
    });
    let snaps: Vec<&Snapshot> = b.snapshots.iter().rev().collect();
    for (i, s) in snaps.iter().enumerate() {
        let last = i + 1 == snaps.len();
        let id = format!("{}@{}", b.name, s.name);
        let msg = s
            .message
            .as_deref()
            .and_then(|m| m.lines().next())
            .unwrap_or("");
        g.lines.push(format!(
            "{rest}{}@{}{}",
            if last { "└─ " } else { "├─ " },
            s.name,
            if msg.is_empty() {
                String::new()
            } else {
                format!("  {msg}")
            }
        ));
        g.nodes.push(GraphNode {
            id: id.clone(),
            kind: "snapshot",
            head: false,
            message: s.message.clone(),
            created: s.created,
        });
        g.edges.push(GraphEdge {
            from: b.name.clone(),
            to: id.clone(),
        });
        let below = format!("{rest}{}", if last { "   " } else { "│  " });
        let children = store.clones_of(&s.full);
        for (j, c) in children.iter().enumerate() {
            let last_child = j + 1 == children.len();
            g.edges.push(GraphEdge {
                from: id.clone(),
                to: c.name.clone(),
            });
            graph_branch(
                store,
                c,
                &format!("{below}{}", if last_child { "└─ " } else { "├─ " }),
                &format!("{below}{}", if last_child { "   " } else { "│  " }),
                g,
                seen,
            );
        }
    }
}

// ---------------------------------------------------------------- rename

/// The branch a dataset's place in the store names (`STORE/COMPONENT`).
fn renamed_to(store: &Store, dataset: &str) -> Option<String> {
    let rest = dataset.strip_prefix(&format!("{}/", store.dataset))?;
    names::branch_from_component(rest)
}

#[derive(Debug)]
pub struct RenamePlan<'a> {
    pub branch: &'a Branch,
    pub to: String,
    /// Where its dataset goes.
    pub dataset: String,
    /// HEAD follows.
    pub head: bool,
    /// Every branch whose data depends on this one's: its clones, their
    /// clones, and so on. `zfs rename` unmounts and mounts again all of
    /// them (libzfs's changelist takes "all dependents", recursively; seen
    /// on zfs-fuse: a grandchild in use fails the rename), so all must be
    /// stopped. A branch has no dataset below it in the namespace (a branch
    /// name is one dataset component, see `names::dataset_component`).
    pub dependents: Vec<&'a Branch>,
}

/// The branches made from `b`, from those, and so on (a clone's origin
/// is older than the clone, so the walk ends).
pub fn dependents_of<'a>(store: &'a Store, b: &Branch) -> Vec<&'a Branch> {
    let mut out: Vec<&Branch> = Vec::new();
    let mut todo = store.children_of(b);
    while let Some(c) = todo.pop() {
        if c.dataset == b.dataset || out.iter().any(|o| o.dataset == c.dataset) {
            continue; // a forged origin loop is not followed twice
        }
        todo.extend(store.children_of(c));
        out.push(c);
    }
    out.sort_by(|x, y| x.name.cmp(&y.name));
    out
}

/// `branch -m OLD NEW`: refuses a taken name (a branch, or any dataset at
/// the new name's place), an invalid one, and a refreshed root whose old
/// generations name it.
pub fn rename_plan<'a>(store: &'a Store, old: &str, new: &str) -> CmdResult<RenamePlan<'a>> {
    let b = ops::find_branch(store, old)?;
    names::validate_new_branch_name(&store.dataset, new).map_err(|e| usage_error(e.to_string()))?;
    if new == b.name {
        return Err(usage_error(format!("branch '{new}' already has that name")));
    }
    if store.branch(new).is_some() {
        return Err(
            user_error(format!("branch '{new}' already exists")).hint(format!(
                "remove it first (`stagdb rm {new}`) or pick another name"
            )),
        );
    }
    let dataset = format!("{}/{}", store.dataset, names::dataset_component(new));
    if store.strays.contains(&dataset) {
        return Err(user_error(format!(
            "{dataset} exists and is not a branch; refusing to touch it"
        ))
        .hint("`stagdb doctor` says what it is"));
    }
    if store.retired.iter().any(|r| r.of == b.name) {
        return Err(user_error(format!(
            "branch '{}' has old generations from refreshes, which name it",
            b.name
        ))
        .hint("`stagdb gc` removes the unused ones; branches made from them keep them"));
    }
    if b.intent.is_some() {
        return Err(user_error(format!(
            "branch '{}' is being changed by another command, or one that did not finish",
            b.name
        ))
        .hint("`stagdb doctor --fix` finishes an interrupted command"));
    }
    Ok(RenamePlan {
        branch: b,
        to: new.to_string(),
        dataset,
        head: store.head.as_deref() == Some(b.name.as_str()),
        dependents: dependents_of(store, b),
    })
}

// ---------------------------------------------------------------- network

/// One container's move when the store's network changes.
#[derive(Debug, PartialEq, Eq)]
pub struct NetworkMove {
    pub branch: String,
    pub container: String,
    /// Joined first (with the branch's aliases; none on `bridge`), so the
    /// container is never on no network at all.
    pub join: Option<(String, Vec<String>)>,
    /// Then left.
    pub leave: Option<String>,
    /// Made again instead (a running container on the host's network can
    /// join no other): it joins at creation, after a short restart.
    pub restart: bool,
}

/// What `config network` does to the store's existing containers: each
/// joins the new network (the default bridge when unset) under its
/// branch's aliases, then leaves the old one. Containers already where they
/// belong are left alone; the HEAD alias goes by the container's label.
pub fn network_plan(
    containers: &[ContainerInfo],
    old: Option<&str>,
    new: Option<&str>,
) -> Vec<NetworkMove> {
    let mut out = Vec::new();
    for c in containers {
        let Some(branch) = c.labels.get(pg::LABEL_BRANCH) else {
            // Jobs and loading servers are never on the store's network.
            continue;
        };
        let head = c.labels.get(pg::LABEL_HEAD).map(String::as_str) == Some("true");
        if c.host_network {
            // Without a store network the host's is where it belongs; a
            // stopped one is made anew (on the network) when it starts.
            if new.is_some() && c.state == "running" {
                out.push(NetworkMove {
                    branch: branch.clone(),
                    container: c.id.clone(),
                    join: None,
                    leave: None,
                    restart: true,
                });
            }
            continue;
        }
        let target = new.unwrap_or("bridge");
        let join = (!c.networks.iter().any(|n| n == target)).then(|| {
            let aliases = if new.is_some() {
                pg::aliases(branch, head)
            } else {
                Vec::new()
            };
            (target.to_string(), aliases)
        });
        let leave = old
            .filter(|o| Some(*o) != new && c.networks.iter().any(|n| n == o))
            .map(str::to_string);
        if join.is_some() || leave.is_some() {
            out.push(NetworkMove {
                branch: branch.clone(),
                container: c.id.clone(),
                join,
                leave,
                restart: false,
            });
        }
    }
    out
}

// ---------------------------------------------------------------- import

/// Where an import's loading server keeps the data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Staging {
    /// The new branch's dataset.
    Disk,
    /// A tmpfs of this many bytes, copied into the dataset after the
    /// loading server's clean shutdown.
    Memory { limit: u64 },
}

/// What a loaded copy of `source_bytes` of data may need in the tmpfs: the
/// data, its indexes built anew, the WAL of a parallel restore and sort
/// files (twice the source), a scrub's rewrite of every table on top (three
/// times), and the empty cluster.
pub fn staging_need(source_bytes: u64, scrub: bool) -> u64 {
    source_bytes
        .saturating_mul(if scrub { 3 } else { 2 })
        .saturating_add(512 << 20)
}

/// Where to load: `auto` picks memory for a live, logical source whose
/// need ([`staging_need`]) fits in half the memory available now; the
/// tmpfs may then grow to that half (the estimate is no promise). A
/// physical copy is written by `pg_basebackup` straight into the dataset.
pub fn staging(
    choice: crate::cli::LoadIn,
    live: bool,
    physical: bool,
    source_bytes: Option<u64>,
    scrub: bool,
    mem_available: Option<u64>,
) -> CmdResult<Staging> {
    use crate::cli::LoadIn;
    let budget = mem_available.map(|m| m / 2);
    match choice {
        LoadIn::Disk => Ok(Staging::Disk),
        _ if physical => match choice {
            LoadIn::Memory => Err(usage_error(
                "--load-in memory does not apply to --physical (pg_basebackup writes into the branch's dataset)",
            )),
            _ => Ok(Staging::Disk),
        },
        LoadIn::Memory => match budget {
            Some(limit) if limit > 0 => Ok(Staging::Memory { limit }),
            _ => Err(
                user_error("--load-in memory: the free memory is unknown (no /proc/meminfo)")
                    .hint("load on disk with --load-in disk"),
            ),
        },
        LoadIn::Auto => Ok(match (live, source_bytes, budget) {
            (true, Some(b), Some(limit)) if staging_need(b, scrub) <= limit => {
                Staging::Memory { limit }
            }
            _ => Staging::Disk,
        }),
    }
}

/// `MemAvailable` of `/proc/meminfo`, in bytes.
pub fn parse_mem_available(meminfo: &str) -> Option<u64> {
    meminfo.lines().find_map(|l| {
        let rest = l.strip_prefix("MemAvailable:")?;
        let mut it = rest.split_whitespace();
        let n: u64 = it.next()?.parse().ok()?;
        match it.next() {
            Some("kB") => n.checked_mul(1024),
            None => Some(n),
            Some(_) => None,
        }
    })
}

#[cfg(test)]
mod tests;
