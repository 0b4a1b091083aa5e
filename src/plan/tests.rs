//! The plans against small stores built from `zfs get` lines, as zfs
//! prints them; no pool needed.

use super::*;
use crate::intent::{Intent, Owner};
use crate::zfs::parse::parse_get;

const ROOT: &str = "tank/s";

/// Lines of `zfs get -H -o name,property,value,source` output.
struct Fixture(String);

impl Fixture {
    /// A store with HEAD `main`, ports 6000-6010, head port 5999.
    fn new() -> Fixture {
        let mut f = Fixture(String::new());
        f.prop(ROOT, "mountpoint", "/tank/s", "default");
        f.prop(ROOT, props::STORE, "1", "local");
        f.prop(ROOT, props::PORTS, "6000-6010", "local");
        f.prop(ROOT, props::HEAD_PORT, "5999", "local");
        f.prop(ROOT, props::HEAD, "main", "local");
        f
    }

    fn prop(&mut self, ds: &str, p: &str, v: &str, src: &str) -> &mut Fixture {
        self.0.push_str(&format!("{ds}\t{p}\t{v}\t{src}\n"));
        self
    }

    /// A mounted branch at its canonical dataset; `origin` is `BRANCH@SNAP`.
    fn branch(
        &mut self,
        name: &str,
        port: u16,
        origin: Option<&str>,
        created: i64,
    ) -> &mut Fixture {
        let ds = format!("{ROOT}/{}", names::dataset_component(name));
        let origin = origin
            .map(|o| {
                let (b, s) = o.split_once('@').unwrap();
                format!("{ROOT}/{}@{s}", names::dataset_component(b))
            })
            .unwrap_or_else(|| "-".into());
        self.prop(&ds, "origin", &origin, "-")
            .prop(&ds, "mountpoint", &format!("/{ds}"), "default")
            .prop(&ds, "mounted", "yes", "-")
            .prop(&ds, props::BRANCH, name, "local")
            .prop(&ds, props::PORT, &port.to_string(), "local")
            .prop(&ds, props::PASSWORD, &"a".repeat(32), "local")
            .prop(&ds, props::CREATED, &created.to_string(), "local")
    }

    fn local(&mut self, branch: &str, p: &str, v: &str) -> &mut Fixture {
        let ds = format!("{ROOT}/{}", names::dataset_component(branch));
        self.prop(&ds, p, v, "local")
    }

    fn snapshot(
        &mut self,
        branch: &str,
        snap: &str,
        created: i64,
        branch_point: bool,
    ) -> &mut Fixture {
        let full = format!("{ROOT}/{}@{snap}", names::dataset_component(branch));
        self.prop(&full, "creation", &created.to_string(), "-");
        // stagdb marks every snapshot it takes with its author.
        self.prop(&full, props::AUTHOR, "tester", "local");
        if branch_point {
            self.prop(&full, props::KIND, props::KIND_BRANCH_POINT, "local");
        }
        self
    }

    fn store(&self) -> Store {
        Store::from_entries(ROOT, &parse_get(&self.0, &[], &[]).unwrap()).unwrap()
    }
}

fn dead(op: Op, running: bool) -> String {
    Intent {
        op,
        owner: Owner {
            pid: u32::MAX,
            start: 1,
        },
        was_running: running,
    }
    .to_string()
}

fn live(op: Op) -> String {
    Intent::new(op, true).to_string()
}

fn container(branch: &str, state: &str, ports: &[u16], head: bool) -> ContainerInfo {
    ContainerInfo {
        id: format!("id-{branch}-{state}"),
        name: format!("c-{branch}"),
        image: "postgres:17".into(),
        state: state.into(),
        status: String::new(),
        labels: [
            (pg::LABEL_STORE.to_string(), ROOT.to_string()),
            (pg::LABEL_BRANCH.to_string(), branch.to_string()),
            (pg::LABEL_HEAD.to_string(), head.to_string()),
        ]
        .into(),
        host_ports: ports.to_vec(),
        networks: vec!["bridge".to_string()],
        host_network: false,
    }
}

/// main (HEAD, snapshots s1 and bp, a branch point) with dev from main@s1
/// and feat from dev@d1.
fn tree() -> Fixture {
    let mut f = Fixture::new();
    f.branch("main", 6000, None, 1)
        .snapshot("main", "s1", 10, false)
        .snapshot("main", "bp", 20, true)
        .branch("dev", 6001, Some("main@s1"), 11)
        .snapshot("dev", "d1", 30, true)
        .branch("feat", 6002, Some("dev@d1"), 31);
    f
}

fn codes(ps: &[Problem]) -> Vec<&'static str> {
    ps.iter().map(|p| p.code).collect()
}

fn healthy_containers() -> Vec<ContainerInfo> {
    vec![
        container("main", "running", &[5999, 6000], true),
        container("dev", "running", &[6001], false),
        container("feat", "exited", &[], false),
    ]
}

#[test]
fn rm_removes_children_first_and_refuses_what_it_must() {
    let s = tree().store();
    let p = rm_plan(&s, &["dev".into(), "feat".into()]).unwrap();
    let order: Vec<&str> = p.order.iter().map(|b| b.name.as_str()).collect();
    assert_eq!(order, ["feat", "dev"]);
    let e = rm_plan(&s, &["dev".into()]).unwrap_err();
    assert!(
        e.error.to_string().contains("feat were created from it"),
        "{}",
        e.error
    );
    let e = rm_plan(&s, &["main".into(), "dev".into(), "feat".into()]).unwrap_err();
    assert!(e.error.to_string().contains("it is HEAD"));
    let mut f = tree();
    f.local("feat", props::PROTECTED, "1");
    let e = rm_plan(&f.store(), &["feat".into()]).unwrap_err();
    assert!(e.error.to_string().contains("protected"));
    let mut f = tree();
    f.local(
        "feat",
        props::STATE,
        &Intent {
            op: Op::Stopped,
            owner: Owner { pid: 1, start: 0 },
            was_running: true,
        }
        .to_string(),
    );
    // pid 1 with another start time is not alive: not busy.
    assert!(rm_plan(&f.store(), &["feat".into()]).is_ok());
}

#[test]
fn orphaned_branch_point_only_when_unused_and_ours() {
    let s = tree().store();
    let feat = s.branch("feat").unwrap();
    let gone = BTreeSet::from([feat.dataset.as_str()]);
    assert_eq!(
        orphaned_branch_point(&s, feat, &gone).map(|s| s.name.as_str()),
        Some("d1")
    );
    // main@s1 is a user's snapshot: never dropped.
    let dev = s.branch("dev").unwrap();
    let gone = BTreeSet::from([dev.dataset.as_str(), feat.dataset.as_str()]);
    assert!(orphaned_branch_point(&s, dev, &gone).is_none());
}

#[test]
fn reset_targets() {
    let s = tree().store();
    // Newest own snapshot.
    let p = reset_plan(&s, Some("main"), None).unwrap();
    assert_eq!(p.to_ref(), "main@bp");
    assert!(p.own && p.doomed.is_empty());
    // Back to s1 would destroy bp (unused) but s1 has a clone: fine, s1 stays.
    let p = reset_plan(&s, Some("main"), Some("main@s1")).unwrap();
    assert_eq!(
        p.doomed.iter().map(|s| s.name.as_str()).collect::<Vec<_>>(),
        ["bp"]
    );
    // No own snapshot: the branch point, by re-clone.
    let p = reset_plan(&s, Some("feat"), None).unwrap();
    assert_eq!(p.to_ref(), "dev@d1");
    assert!(!p.own);
    // Re-cloning dev would destroy d1, which feat was made from.
    let e = reset_plan(&s, Some("dev"), Some("main@bp")).unwrap_err();
    assert!(e.error.to_string().contains("feat"), "{}", e.error);
    // A branch as --to means its newest snapshot (after a refresh: the new
    // data); re-cloning dev still would destroy d1.
    let e = reset_plan(&s, Some("dev"), Some("main")).unwrap_err();
    assert!(e.error.to_string().contains("feat"), "{}", e.error);
}

#[test]
fn checkout_steps() {
    let s = tree().store();
    let dev = s.branch("dev").unwrap();
    let present = BTreeSet::from(["main", "dev"]);
    let running = BTreeSet::from(["main", "dev"]);
    assert_eq!(
        checkout_plan(&s, dev, &present, &running),
        CheckoutPlan {
            stop_old: Some(("main".into(), true)),
            stop_target: Some(true),
            move_head: true,
            start_target: true,
        }
    );
    let main = s.branch("main").unwrap();
    assert_eq!(
        checkout_plan(&s, main, &present, &BTreeSet::new()),
        CheckoutPlan {
            stop_old: None,
            stop_target: None,
            move_head: false,
            start_target: true,
        }
    );
    let feat = s.branch("feat").unwrap();
    let p = checkout_plan(&s, feat, &BTreeSet::new(), &BTreeSet::new());
    assert_eq!(p.stop_old, None);
    assert_eq!(p.stop_target, None);
}

#[test]
fn a_healthy_store_has_no_problems_but_unused_branch_points() {
    let s = tree().store();
    let ps = problems(&s, Some(&healthy_containers()));
    // main@bp was taken to branch from and nothing uses it.
    assert_eq!(codes(&ps), ["unused-branch-point"]);
    assert_eq!(
        ps[0].fix,
        Some(Fix::DropSnapshot {
            snapshot: "tank/s/main@bp".into()
        })
    );
}

#[test]
fn head_stopped_or_missing() {
    let s = tree().store();
    let mut cs = healthy_containers();
    cs[0].state = "exited".into();
    let ps = problems(&s, Some(&cs));
    assert!(ps.iter().any(|p| p.code == "head-stopped"
        && p.fix
            == Some(Fix::Start {
                branch: "main".into(),
                head: true
            })));
    let mut f = tree();
    f.prop(ROOT, props::HEAD, "gone", "local");
    let ps = problems(&f.store(), Some(&healthy_containers()));
    let p = ps.iter().find(|p| p.code == "head-missing").unwrap();
    // The container holding the head port says which branch was HEAD.
    assert_eq!(
        p.fix,
        Some(Fix::SetHead {
            branch: "main".into()
        })
    );
}

#[test]
fn damaged_values_are_named_and_never_used() {
    let mut f = tree();
    f.local("dev", props::PORT, "70000")
        .local("feat", props::PASSWORD, "x'; touch pwned; echo '")
        .prop(ROOT, props::HEAD, "main\nevil", "local");
    let s = f.store();
    assert_eq!(s.branch("dev").unwrap().port, None);
    assert_eq!(s.branch("feat").unwrap().password, None);
    assert!(s.branch("feat").unwrap().damaged.contains(props::PASSWORD));
    assert_eq!(s.head, None);
    let ps = problems(&s, Some(&healthy_containers()));
    let corrupt: Vec<&str> = ps
        .iter()
        .filter(|p| p.code == "corrupt-value")
        .map(|p| p.message.as_str())
        .collect();
    assert_eq!(corrupt.len(), 3, "{corrupt:?}");
    assert!(
        corrupt
            .iter()
            .any(|m| m.contains("stagdb:port on tank/s/dev is \"70000\""))
    );
    assert!(corrupt.iter().any(|m| m.contains("main\\nevil")));
    assert!(ps.iter().any(|p| p.fix
        == Some(Fix::NewPort {
            branch: "dev".into()
        })));
    // A damaged password has no safe fix.
    let pw = ps
        .iter()
        .find(|p| p.message.contains(props::PASSWORD))
        .unwrap();
    assert!(pw.fix.is_none() && pw.manual.is_some());
}

#[test]
fn the_port_index_must_hold_every_port_in_use() {
    let mut f = tree();
    f.prop(ROOT, props::TAKEN, "6000-6002,6005", "local");
    assert!(
        problems(&f.store(), Some(&healthy_containers()))
            .iter()
            .all(|p| p.code != "port-index")
    );
    let mut f = tree();
    f.prop(ROOT, props::TAKEN, "6000,6002", "local");
    let ps = problems(&f.store(), Some(&healthy_containers()));
    let p = ps.iter().find(|p| p.code == "port-index").unwrap();
    assert!(p.message.contains("lacks port 6001"), "{}", p.message);
    assert_eq!(p.fix, Some(Fix::RebuildPortIndex));
    let mut f = tree();
    f.prop(ROOT, props::TAKEN, "6000-", "local");
    let ps = problems(&f.store(), Some(&healthy_containers()));
    assert!(
        ps.iter()
            .any(|p| p.code == "corrupt-value" && p.fix == Some(Fix::RebuildPortIndex))
    );
}

#[test]
fn duplicate_ports_move_the_younger_branch() {
    let mut f = tree();
    f.local("feat", props::PORT, "6001");
    let ps = problems(&f.store(), Some(&healthy_containers()));
    let dup: Vec<&Problem> = ps.iter().filter(|p| p.code == "duplicate-port").collect();
    assert_eq!(dup.len(), 1);
    assert_eq!(
        dup[0].fix,
        Some(Fix::NewPort {
            branch: "feat".into()
        })
    );
}

#[test]
fn leftovers_of_killed_commands() {
    let mut f = tree();
    f.local("feat", props::STATE, &dead(Op::Creating, false));
    f.local("dev", props::STATE, &dead(Op::Stopped, true));
    f.prop("tank/s/main:reset", props::BRANCH, "main", "local")
        .prop(
            "tank/s/main:reset",
            props::STATE,
            &dead(Op::Resetting, true),
            "local",
        );
    let mut cs = healthy_containers();
    cs[1].state = "exited".into();
    let s = f.store();
    assert!(
        s.branch("main").is_some(),
        "the temporary does not replace the branch"
    );
    let ps = problems(&s, Some(&cs));
    let fixes: Vec<&Fix> = ps.iter().filter_map(|p| p.fix.as_ref()).collect();
    assert!(fixes.contains(&&Fix::RemoveHalfMade {
        branch: "feat".into()
    }));
    assert!(fixes.contains(&&Fix::Start {
        branch: "dev".into(),
        head: false
    }));
    assert!(fixes.contains(&&Fix::DestroyTemp {
        dataset: "tank/s/main:reset".into()
    }));

    // Killed after its server came up: complete, only the marker goes.
    let mut f = tree();
    f.local("dev", props::STATE, &dead(Op::Creating, false));
    let ps = problems(&f.store(), Some(&healthy_containers()));
    assert!(ps.iter().any(|p| p.fix
        == Some(Fix::ClearIntent {
            dataset: "tank/s/dev".into()
        })));
    assert!(
        !ps.iter()
            .any(|p| matches!(p.fix, Some(Fix::RemoveHalfMade { .. })))
    );

    // The same markers with a live owner are a command at work: no problem.
    let mut f = tree();
    f.local("feat", props::STATE, &live(Op::Creating));
    f.local("dev", props::STATE, &live(Op::Stopped));
    cs[1].state = "exited".into();
    let ps = problems(&f.store(), Some(&cs));
    assert_eq!(codes(&ps), ["unused-branch-point"], "{ps:#?}");
}

#[test]
fn a_reset_killed_after_destroying_the_old_data_is_finished() {
    let mut f = Fixture::new();
    f.branch("main", 6000, None, 1)
        .snapshot("main", "s1", 10, false);
    f.prop("tank/s/dev:reset", "origin", "tank/s/main@s1", "-")
        .prop("tank/s/dev:reset", props::BRANCH, "dev", "local")
        .prop(
            "tank/s/dev:reset",
            props::STATE,
            &dead(Op::Resetting, true),
            "local",
        );
    let ps = problems(&f.store(), None);
    assert!(ps.iter().any(|p| p.fix
        == Some(Fix::FinishReset {
            dataset: "tank/s/dev:reset".into(),
            branch: "dev".into()
        })));
}

#[test]
fn containers_orphaned_mislabelled_or_stuck() {
    let mut f = tree();
    // A dataset at feat's canonical name whose marker was changed.
    f.local("feat", props::BRANCH, "renamed");
    let mut cs = healthy_containers();
    cs.push(container("ghost", "running", &[6005], false));
    cs.push(container("dev", "created", &[], false));
    let ps = problems(&f.store(), Some(&cs));
    let orphan: Vec<&str> = ps
        .iter()
        .filter(|p| p.code == "orphan-container")
        .map(|p| p.message.as_str())
        .collect();
    assert_eq!(orphan.len(), 2, "{orphan:?}");
    assert!(
        orphan
            .iter()
            .any(|m| m.contains("'ghost', whose dataset is gone"))
    );
    assert!(
        orphan
            .iter()
            .any(|m| m.contains("no longer carries that branch's marker"))
    );
    assert!(ps.iter().any(|p| p.code == "stuck-container"));
    assert!(ps.iter().any(|p| p.code == "misnamed-branch"));
}

#[test]
fn wrong_head_port_is_restarted() {
    let s = tree().store();
    let mut cs = healthy_containers();
    cs[1].labels.insert(pg::LABEL_HEAD.into(), "true".into());
    cs[1].host_ports = vec![5999, 6001];
    let ps = problems(&s, Some(&cs));
    assert!(ps.iter().any(|p| p.code == "wrong-ports"
        && p.fix
            == Some(Fix::Start {
                branch: "dev".into(),
                head: false
            })));
}

#[test]
fn gc_takes_expired_leaves_first_and_keeps_what_it_must() {
    let now = 1000;
    let mut f = tree();
    f.local("feat", props::EXPIRES, "900")
        .local("dev", props::EXPIRES, "900");
    let s = f.store();
    let p = gc_plan(&s, now);
    let names: Vec<&str> = p.branches.iter().map(|b| b.name.as_str()).collect();
    assert_eq!(names, ["feat", "dev"]);
    // main@bp is unused; main@s1 loses its last user with dev but is a user's snapshot.
    let snaps: Vec<&str> = p.snapshots.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(snaps, ["bp"]);

    // Not yet expired, protected, or with a living child: kept.
    let mut f = tree();
    f.local("dev", props::EXPIRES, "900")
        .local("feat", props::EXPIRES, "2000");
    assert!(gc_plan(&f.store(), now).branches.is_empty());
    let mut f = tree();
    f.local("feat", props::EXPIRES, "900")
        .local("feat", props::PROTECTED, "1");
    assert!(gc_plan(&f.store(), now).branches.is_empty());
    // HEAD never goes.
    let mut f = tree();
    f.local("main", props::EXPIRES, "1");
    assert!(gc_plan(&f.store(), now).branches.is_empty());
    // A half-made branch of a dead command goes; one being made stays.
    let mut f = tree();
    f.local("feat", props::STATE, &dead(Op::Creating, false));
    assert_eq!(gc_plan(&f.store(), now).half_made.len(), 1);
    let mut f = tree();
    f.local("feat", props::STATE, &live(Op::Creating));
    assert!(gc_plan(&f.store(), now).half_made.is_empty());
}

#[test]
fn a_branch_point_being_branched_from_is_not_collected() {
    let mut f = tree();
    f.prop("tank/s/main@bp", props::STATE, &live(Op::Creating), "local");
    let s = f.store();
    assert!(gc_plan(&s, 0).snapshots.is_empty());
    assert!(!codes(&problems(&s, Some(&healthy_containers()))).contains(&"unused-branch-point"));
}

#[test]
fn graph_draws_the_tree() {
    let mut f = Fixture::new();
    f.branch("main", 6000, None, 1)
        .snapshot("main", "s1", 10, false)
        .snapshot("main", "bp", 20, true)
        .branch("dev", 6001, Some("main@bp"), 21)
        .snapshot("dev", "d1", 30, false)
        .branch("feat", 6002, Some("dev@d1"), 31)
        .branch("other", 6003, Some("main@s1"), 11)
        .branch("imported", 6004, None, 40);
    let s = f.store();
    let g = graph(&s, s.branch("main"));
    assert_eq!(
        g.lines,
        [
            "main  (HEAD)",
            "├─ @bp",
            "│  └─ dev",
            "│     └─ @d1",
            "│        └─ feat",
            "└─ @s1",
            "   └─ other",
        ]
    );
    assert_eq!(g.nodes.len(), 7);
    assert!(g.edges.contains(&GraphEdge {
        from: "main@bp".into(),
        to: "dev".into()
    }));
    assert!(g.edges.contains(&GraphEdge {
        from: "dev".into(),
        to: "dev@d1".into()
    }));
    // --all: every root, the imported one too.
    let all = graph(&s, None);
    assert_eq!(all.lines[0], "imported");
    assert_eq!(all.lines[1], "main  (HEAD)");
    assert_eq!(all.nodes.len(), 8);
}

#[test]
fn an_interrupted_exports_snapshot_is_dropped() {
    let mut f = Fixture::new();
    f.branch("main", 6000, None, 1)
        .snapshot("main", "export-1-2", 10, false)
        .snapshot("main", "export-3-4", 11, false)
        .snapshot("main", "export-by-hand", 12, false);
    let full = |n: &str| format!("{ROOT}/main@{n}");
    f.prop(
        &full("export-1-2"),
        props::STATE,
        &dead(Op::Creating, false),
        "local",
    );
    f.prop(
        &full("export-3-4"),
        props::STATE,
        &live(Op::Creating),
        "local",
    );
    let s = f.store();
    let ps = problems(&s, None);
    let drops: Vec<&Fix> = ps
        .iter()
        .filter(|p| p.code == "interrupted-export")
        .filter_map(|p| p.fix.as_ref())
        .collect();
    assert_eq!(
        drops,
        [&Fix::DropSnapshot {
            snapshot: full("export-1-2")
        }],
        "only the dead export's snapshot, never a live one's or one taken by hand"
    );
}

#[test]
fn network_plan_joins_before_leaving_and_skips_what_is_in_place() {
    let mut main = container("main", "running", &[6000, 5999], true);
    let mut dev = container("dev", "exited", &[], false);
    let mut job = container("x", "running", &[], false);
    job.labels.remove(pg::LABEL_BRANCH);
    // From none to devnet: both join with their aliases, HEAD's extra one.
    let p = network_plan(
        &[main.clone(), dev.clone(), job.clone()],
        None,
        Some("devnet"),
    );
    assert_eq!(
        p,
        [
            NetworkMove {
                branch: "main".into(),
                container: main.id.clone(),
                join: Some((
                    "devnet".into(),
                    vec!["main".into(), names::HEAD_ALIAS.into()]
                )),
                leave: None,
                restart: false,
            },
            NetworkMove {
                branch: "dev".into(),
                container: dev.id.clone(),
                join: Some(("devnet".into(), vec!["dev".into()])),
                leave: None,
                restart: false,
            },
        ]
    );
    // From devnet to other: join other, leave devnet; dev already moved.
    main.networks = vec!["devnet".into()];
    dev.networks = vec!["other".into()];
    let p = network_plan(&[main.clone(), dev.clone()], Some("devnet"), Some("other"));
    assert_eq!(p.len(), 1);
    assert_eq!(p[0].join.as_ref().map(|j| j.0.as_str()), Some("other"));
    assert_eq!(p[0].leave.as_deref(), Some("devnet"));
    // Unset: back on the bridge, no aliases.
    let p = network_plan(&[main.clone()], Some("devnet"), None);
    assert_eq!(p[0].join, Some(("bridge".into(), vec![])));
    assert_eq!(p[0].leave.as_deref(), Some("devnet"));
    // Set to what it is: nothing.
    assert!(network_plan(&[main], Some("devnet"), Some("devnet")).is_empty());
    // On the host's network: a running one is made again to join, a
    // stopped one waits for its next start; unset leaves both alone.
    let mut on_host = container("feat", "running", &[6002], false);
    on_host.networks = vec!["host".into()];
    on_host.host_network = true;
    let mut stopped = on_host.clone();
    stopped.state = "exited".into();
    let p = network_plan(&[on_host.clone(), stopped.clone()], None, Some("devnet"));
    assert_eq!(
        p,
        [NetworkMove {
            branch: "feat".into(),
            container: on_host.id.clone(),
            join: None,
            leave: None,
            restart: true,
        }]
    );
    assert!(network_plan(&[on_host, stopped], Some("devnet"), None).is_empty());
}

#[test]
fn a_container_off_the_store_network_is_made_again() {
    let mut f = tree();
    f.prop(ROOT, props::NETWORK, "devnet", "local");
    let s = f.store();
    assert_eq!(s.settings.network.as_deref(), Some("devnet"));
    let mut cs = healthy_containers();
    for c in &mut cs {
        c.networks = vec!["devnet".into()];
    }
    assert!(
        problems(&s, Some(&cs))
            .iter()
            .all(|p| p.code != "off-network")
    );
    cs[1].networks = vec!["bridge".into()];
    let ps = problems(&s, Some(&cs));
    let off: Vec<&Problem> = ps.iter().filter(|p| p.code == "off-network").collect();
    assert_eq!(off.len(), 1, "{ps:?}");
    assert_eq!(
        off[0].fix,
        Some(Fix::Start {
            branch: "dev".into(),
            head: false
        })
    );
    // Without a store network, the bridge is where they belong.
    assert!(
        problems(&tree().store(), Some(&cs))
            .iter()
            .all(|p| p.code != "off-network")
    );
}

#[test]
fn rename_plan_refuses_what_it_must() {
    let s = tree().store();
    let p = rename_plan(&s, "main", "trunk").unwrap();
    assert!(p.head);
    assert_eq!(p.dataset, format!("{ROOT}/trunk"));
    assert!(!rename_plan(&s, "dev", "dev2").unwrap().head);
    assert!(rename_plan(&s, "dev", "feat").is_err(), "taken");
    assert!(rename_plan(&s, "dev", "dev").is_err(), "same");
    assert!(rename_plan(&s, "dev", "a..b").is_err(), "invalid");
    assert!(rename_plan(&s, "nope", "x").is_err(), "missing");
    let mut f = tree();
    f.local("dev", props::STATE, &live(Op::Stopped));
    assert!(rename_plan(&f.store(), "dev", "x").is_err(), "busy");
}

#[test]
fn rename_plan_names_grandchildren_among_the_dependents() {
    let s = tree().store();
    let names = |b: &str| -> Vec<String> {
        rename_plan(&s, b, "x")
            .unwrap()
            .dependents
            .iter()
            .map(|d| d.name.clone())
            .collect()
    };
    // main -> dev -> feat: zfs rename of main remounts feat too.
    assert_eq!(names("main"), vec!["dev", "feat"]);
    assert_eq!(names("dev"), vec!["feat"]);
    assert!(names("feat").is_empty());
}

/// A store where `main` (HEAD) was being renamed to `trunk` and the
/// command died after its dataset moved: the dataset sits at trunk's place
/// still saying `main`.
fn half_renamed(head: &str) -> Fixture {
    let mut f = Fixture(String::new());
    f.prop(ROOT, "mountpoint", "/tank/s", "default")
        .prop(ROOT, props::STORE, "1", "local")
        .prop(ROOT, props::PORTS, "6000-6010", "local")
        .prop(ROOT, props::HEAD_PORT, "5999", "local")
        .prop(ROOT, props::HEAD, head, "local");
    let ds = format!("{ROOT}/trunk");
    f.prop(&ds, "origin", "-", "-")
        .prop(&ds, "mountpoint", &format!("/{ds}"), "default")
        .prop(&ds, "mounted", "yes", "-")
        .prop(&ds, props::BRANCH, "main", "local")
        .prop(&ds, props::PORT, "6000", "local")
        .prop(&ds, props::PASSWORD, &"a".repeat(32), "local")
        .prop(&ds, props::STATE, &dead(Op::Renaming, true), "local");
    f
}

#[test]
fn an_interrupted_rename_is_finished_and_head_not_moved_elsewhere() {
    for head in ["main", "trunk"] {
        let s = half_renamed(head).store();
        let ps = problems(&s, Some(&[]));
        assert!(!codes(&ps).contains(&"head-missing"), "HEAD {head}: {ps:?}");
        let fixes: Vec<&Fix> = ps.iter().filter_map(|p| p.fix.as_ref()).collect();
        assert!(
            fixes.contains(&&Fix::FinishRename {
                dataset: format!("{ROOT}/trunk"),
                from: "main".into(),
                to: "trunk".into()
            }),
            "HEAD {head}: {ps:?}"
        );
    }
    // Once it says its new name: started again, as a stopped branch is.
    let mut f = tree();
    f.local("dev", props::STATE, &dead(Op::Renaming, true));
    let ps = problems(&f.store(), Some(&healthy_containers()[..1]));
    assert!(
        ps.iter().any(|p| p.fix
            == Some(Fix::Start {
                branch: "dev".into(),
                head: false
            })),
        "{ps:?}"
    );
}

// ---------------------------------------------------------------- import staging

#[test]
fn staging_auto_takes_memory_only_for_a_live_logical_source_that_fits() {
    use crate::cli::LoadIn::*;
    const G: u64 = 1 << 30;
    let mem = Some(16 * G);
    // 1 GiB needs 2.5 GiB: fits in half of 16.
    assert_eq!(
        staging(Auto, true, false, Some(G), false, mem).unwrap(),
        Staging::Memory { limit: 8 * G }
    );
    // 3.5 GiB needs 7.5 GiB: fits; with a scrub 11 GiB: does not.
    assert!(matches!(
        staging(Auto, true, false, Some(7 * G / 2), false, mem).unwrap(),
        Staging::Memory { .. }
    ));
    assert_eq!(
        staging(Auto, true, false, Some(7 * G / 2), true, mem).unwrap(),
        Staging::Disk
    );
    // Unknown size, unknown memory, a dump, a physical copy: disk.
    assert_eq!(
        staging(Auto, true, false, None, false, mem).unwrap(),
        Staging::Disk
    );
    assert_eq!(
        staging(Auto, true, false, Some(G), false, None).unwrap(),
        Staging::Disk
    );
    assert_eq!(
        staging(Auto, false, false, Some(G), false, mem).unwrap(),
        Staging::Disk
    );
    assert_eq!(
        staging(Auto, true, true, Some(G), false, mem).unwrap(),
        Staging::Disk
    );
    // An enormous size does not overflow.
    assert_eq!(
        staging(Auto, true, false, Some(u64::MAX), true, mem).unwrap(),
        Staging::Disk
    );
}

#[test]
fn staging_by_choice() {
    use crate::cli::LoadIn::*;
    const G: u64 = 1 << 30;
    assert_eq!(
        staging(Disk, true, false, Some(1), false, Some(16 * G)).unwrap(),
        Staging::Disk
    );
    // Forced: any logical source, whatever its size, up to half the memory.
    assert_eq!(
        staging(Memory, false, false, None, false, Some(16 * G)).unwrap(),
        Staging::Memory { limit: 8 * G }
    );
    assert_eq!(
        staging(Memory, true, false, Some(100 * G), false, Some(16 * G)).unwrap(),
        Staging::Memory { limit: 8 * G }
    );
    assert!(staging(Memory, true, false, Some(G), false, None).is_err());
    assert!(staging(Memory, true, true, Some(G), false, Some(16 * G)).is_err());
}

#[test]
fn mem_available_from_proc_meminfo() {
    let m = "MemTotal:       24567892 kB\nMemFree:        20000000 kB\nMemAvailable:   22000000 kB\nBuffers: 1 kB\n";
    assert_eq!(parse_mem_available(m), Some(22_000_000 * 1024));
    assert_eq!(parse_mem_available("MemTotal: 5 kB\n"), None);
    assert_eq!(parse_mem_available("MemAvailable: lots kB\n"), None);
    assert_eq!(parse_mem_available("MemAvailable: 5 MB\n"), None);
    assert_eq!(parse_mem_available(""), None);
}

#[test]
fn a_parked_branch_is_unmounted_on_purpose() {
    let mut f = tree();
    f.prop("tank/s/dev", "mounted", "no", "-")
        .prop("tank/s/dev", "canmount", "off", "local")
        .prop("tank/s/feat", "mounted", "no", "-")
        .prop("tank/s/feat", "canmount", "on", "default");
    let s = f.store();
    assert!(s.branch("dev").unwrap().parked);
    assert!(!s.branch("feat").unwrap().parked);
    let ps = problems(&s, Some(&healthy_containers()));
    let unmounted: Vec<&Problem> = ps.iter().filter(|p| p.code == "unmounted").collect();
    assert_eq!(unmounted.len(), 1, "{ps:?}");
    assert_eq!(
        unmounted[0].fix,
        Some(Fix::Mount {
            branch: "feat".into()
        })
    );
}

#[test]
fn space_is_low_below_a_tenth_of_what_the_store_could_hold() {
    let g = 1u64 << 30;
    let store = |used: Option<u64>, available: Option<u64>| {
        let mut s = Fixture::new().store();
        s.used = used;
        s.available = available;
        s
    };
    // A pool of its own: against the pool's size.
    assert!(space_low(Some(10 * g), &store(Some(9 * g), Some(0))));
    assert!(space_low(Some(10 * g), &store(Some(9 * g), Some(g - 1))));
    assert!(!space_low(Some(10 * g), &store(Some(9 * g), Some(g))));
    // A quota of 10 GiB on a 1 TiB pool: against the quota, not the pool.
    assert!(!space_low(Some(1024 * g), &store(Some(5 * g), Some(5 * g))));
    assert!(space_low(
        Some(1024 * g),
        &store(Some(9 * g + g / 2), Some(g / 2))
    ));
    // Unknown figures are not a problem.
    assert!(!space_low(None, &store(Some(g), Some(0))));
    assert!(!space_low(Some(10 * g), &store(Some(g), None)));
    assert!(!space_low(Some(0), &store(Some(0), Some(0))));
    assert!(!space_low(
        Some(u64::MAX),
        &store(Some(u64::MAX), Some(u64::MAX))
    ));
}

#[test]
fn from_time_picks_the_newest_at_or_before() {
    let snaps: Vec<(String, i64)> = [("b@s3", 300), ("b@s2", 200), ("a@bp", 150), ("a@s1", 100)]
        .iter()
        .map(|(r, t)| (r.to_string(), *t))
        .collect();
    assert_eq!(pick_at_time(&snaps, 100, "b").unwrap(), 3);
    assert_eq!(pick_at_time(&snaps, 149, "b").unwrap(), 3);
    assert_eq!(pick_at_time(&snaps, 150, "b").unwrap(), 2);
    assert_eq!(pick_at_time(&snaps, 250, "b").unwrap(), 1);
    assert_eq!(pick_at_time(&snaps, 300, "b").unwrap(), 0);
    assert_eq!(pick_at_time(&snaps, 10_000, "b").unwrap(), 0);
    let e = pick_at_time(&snaps, 99, "b").unwrap_err();
    let msg = format!("{e:#}");
    assert!(msg.contains("the oldest is a@s1"), "{msg}");
    // Two within one second: the first given (the newer in log order).
    let same = vec![("b@x-2".to_string(), 5), ("b@x".to_string(), 5)];
    assert_eq!(pick_at_time(&same, 5, "b").unwrap(), 0);
    assert!(pick_at_time(&[], 5, "b").is_err());
}

/// `tree()` with another tool's snapshot on feat, newer than feat's own f1.
fn tree_with_autosnap() -> Fixture {
    let mut f = tree();
    f.snapshot("feat", "f1", 40, false);
    let full = format!("{ROOT}/feat@zfs-auto-snap_hourly-2026-12-07-2300");
    // A snapshot shows its dataset's user properties as inherited: not its own.
    f.prop(&full, "creation", "50", "-").prop(
        &full,
        props::BRANCH,
        "feat",
        &format!("inherited from {ROOT}/feat"),
    );
    f
}

#[test]
fn foreign_snapshots_are_never_targets_nor_destroyed() {
    let s = tree_with_autosnap().store();
    let feat = s.branch("feat").unwrap();
    assert_eq!(feat.snapshots.len(), 2);
    assert_eq!(feat.snapshots[1].foreign_tool(), Some("zfs-auto-snapshot"));
    assert_eq!(feat.snapshots[0].foreign_tool(), None);
    // The default target is the newest of stagdb's own; resetting to it
    // would destroy the autosnap: refused, naming it and its tool.
    let e = reset_plan(&s, Some("feat"), None).unwrap_err();
    let msg = e.error.to_string();
    assert!(
        msg.contains("feat@zfs-auto-snap_hourly-2026-12-07-2300 (zfs-auto-snapshot)"),
        "{msg}"
    );
    // rm refuses the same way.
    let e = rm_plan(&s, &["feat".into()]).unwrap_err();
    assert!(
        e.error.to_string().contains("zfs-auto-snapshot"),
        "{}",
        e.error
    );
    // gc keeps an expired branch that holds one, and says why.
    let mut f = tree_with_autosnap();
    f.local("feat", props::EXPIRES, "900");
    let s = f.store();
    let p = gc_plan(&s, 1000);
    assert!(p.branches.is_empty());
    assert_eq!(p.kept_foreign.len(), 1);
    assert_eq!(p.kept_foreign[0].0, format!("{ROOT}/feat"));
}

#[test]
fn foreign_tools_are_guessed_from_names() {
    use crate::store::snapshot_tool;
    assert_eq!(
        snapshot_tool("zfs-auto-snap_daily-2026"),
        "zfs-auto-snapshot"
    );
    assert_eq!(snapshot_tool("autosnap_2026-12-07_hourly"), "sanoid");
    assert_eq!(snapshot_tool("zrepl_20261207_1"), "zrepl");
    assert_eq!(snapshot_tool("syncoid_host_2026"), "syncoid");
    assert_eq!(snapshot_tool("auto-2026-12-07_23-00"), "TrueNAS");
    assert_eq!(snapshot_tool("before-upgrade"), "unknown tool");
}
