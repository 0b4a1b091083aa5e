//! The store as stagdb sees it, built from one recursive `zfs get`: settings,
//! HEAD, branches, their snapshots and lineage. Pure: no zfs or Docker calls.

use std::collections::{BTreeMap, BTreeSet};
use std::net::IpAddr;
use std::path::PathBuf;

use crate::intent::Intent;
use crate::names;
use crate::ports::PortRange;
use crate::props;
use crate::zfs::Entry;
use crate::zfs::parse::unescape_value;

#[derive(Debug, Clone)]
pub struct Settings {
    /// Image template; `{major}` is replaced by the PostgreSQL major version.
    pub image: String,
    pub ports: PortRange,
    pub head_port: u16,
    pub listen: IpAddr,
    /// The Docker network branch containers join (`stagdb:network`).
    pub network: Option<String>,
    /// The limits a new branch gets (`stagdb:memory`, `stagdb:cpus` on the root).
    pub limits: crate::limits::Limits,
}

impl Settings {
    pub fn image_for(&self, major: u32) -> String {
        self.image.replace("{major}", &major.to_string())
    }

    /// Where a client on this host connects: a wildcard listen address is
    /// reachable on loopback.
    pub fn connect_host(&self) -> IpAddr {
        if self.listen.is_unspecified() {
            match self.listen {
                IpAddr::V4(_) => IpAddr::V4(std::net::Ipv4Addr::LOCALHOST),
                IpAddr::V6(_) => IpAddr::V6(std::net::Ipv6Addr::LOCALHOST),
            }
        } else {
            self.listen
        }
    }
}

#[derive(Debug, Clone)]
pub struct Snapshot {
    /// The part after `@`.
    pub name: String,
    /// `dataset@name`.
    pub full: String,
    pub created: i64,
    pub message: Option<String>,
    pub author: Option<String>,
    /// `branch-point` when stagdb took it to branch from.
    pub kind: Option<String>,
    pub used: u64,
    /// On a branch point: the `branch` command that took it, while it runs.
    pub intent: Option<Intent>,
    /// Taken by stagdb (see [`is_own_snapshot`]); else another tool's
    /// (zfs-auto-snapshot, sanoid...): shown, never a default target,
    /// never destroyed.
    pub own: bool,
}

impl Snapshot {
    pub fn is_branch_point(&self) -> bool {
        // A reset's preserve snapshot exists only for its preserved branch.
        matches!(
            self.kind.as_deref(),
            Some(props::KIND_BRANCH_POINT | props::KIND_PRESERVE)
        )
    }

    /// The tool that made a foreign snapshot, guessed from its name; `None`
    /// for stagdb's own.
    pub fn foreign_tool(&self) -> Option<&'static str> {
        (!self.own).then(|| snapshot_tool(&self.name))
    }
}

/// Whether a snapshot is stagdb's: every snapshot stagdb takes carries
/// `stagdb:author` (since the first version), a branch point or import
/// `stagdb:kind`, a temporary one `stagdb:state`. Set on the snapshot
/// itself (local, or received with a replicated store); inherited values
/// are the dataset's, which every snapshot shows.
pub fn is_own_snapshot(e: &Entry) -> bool {
    [props::AUTHOR, props::MESSAGE, props::KIND, props::STATE]
        .iter()
        .any(|p| e.local(p).is_some())
}

/// The tool a foreign snapshot's name says made it (each names its own).
pub fn snapshot_tool(name: &str) -> &'static str {
    const TOOLS: &[(&str, &str)] = &[
        ("zfs-auto-snap", "zfs-auto-snapshot"),
        ("autosnap_", "sanoid"),
        ("zrepl_", "zrepl"),
        ("syncoid_", "syncoid"),
        ("auto-", "TrueNAS"),
    ];
    TOOLS
        .iter()
        .find(|(prefix, _)| name.starts_with(prefix))
        .map_or("unknown tool", |(_, tool)| tool)
}

#[derive(Clone)]
pub struct Branch {
    pub name: String,
    pub dataset: String,
    pub port: Option<u16>,
    pub password: Option<String>,
    pub pg_version: Option<u32>,
    pub created: i64,
    /// The ZFS origin snapshot (`dataset@snap`) when the branch is a clone.
    pub origin: Option<String>,
    pub used: u64,
    pub referenced: u64,
    pub mountpoint: Option<PathBuf>,
    /// zfs-fuse after a restart, or an interrupted rename, can leave a
    /// branch unmounted: its mountpoint is then an empty directory.
    pub mounted: bool,
    /// Unmounted on purpose (`canmount=off`): made with `--no-start` (or
    /// reset while stopped), it is mounted at its first start. A stopped
    /// branch so costs no mount: zfs-fuse holds at most 1,000, and every
    /// mount makes its FUSE requests slower.
    pub parked: bool,
    /// Oldest first.
    pub snapshots: Vec<Snapshot>,
    /// An unfinished command's marker on this dataset.
    pub intent: Option<Intent>,
    /// Unix seconds after which `gc` may remove it.
    pub expires: Option<i64>,
    pub protected: bool,
    /// The database `url`, `env`, `psql` and `export` use (`postgres` when unset).
    pub database: Option<String>,
    /// An imported root's source (JSON, see `commands/import.rs`).
    pub source: Option<String>,
    /// Properties of this branch whose values are damaged (see `Store::corrupt`).
    pub damaged: BTreeSet<String>,
    /// Its memory and CPU limits, applied at each start.
    pub limits: crate::limits::Limits,
}

/// By hand, so that no `{:?}` can ever print the password.
impl std::fmt::Debug for Branch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Branch")
            .field("name", &self.name)
            .field("dataset", &self.dataset)
            .field("port", &self.port)
            .field("password", &self.password.as_ref().map(|_| "<redacted>"))
            .field("pg_version", &self.pg_version)
            .field("origin", &self.origin)
            .field("mounted", &self.mounted)
            .field("parked", &self.parked)
            .field("intent", &self.intent)
            .field("snapshots", &self.snapshots.len())
            .finish_non_exhaustive()
    }
}

impl Branch {
    /// The database clients connect to by default.
    pub fn db(&self) -> &str {
        self.database.as_deref().unwrap_or(crate::pg::DATABASE)
    }

    pub fn snapshot(&self, name: &str) -> Option<&Snapshot> {
        self.snapshots.iter().find(|s| s.name == name)
    }

    /// The newest of stagdb's own snapshots: another tool's (an hourly
    /// autosnap) is never a default target.
    pub fn newest_snapshot(&self) -> Option<&Snapshot> {
        self.snapshots.iter().rev().find(|s| s.own)
    }

    /// Other tools' snapshots, oldest first.
    pub fn foreign_snapshots(&self) -> Vec<&Snapshot> {
        self.snapshots.iter().filter(|s| !s.own).collect()
    }

    pub fn expired(&self, now: i64) -> bool {
        self.expires.is_some_and(|e| e <= now)
    }
}

/// `COMPONENT:g<digits>`: a refreshed root's dataset (each refresh loads
/// into a new one; the old stays for the branches made from it).
pub fn is_generation(rest: &str, component: &str) -> bool {
    rest.strip_prefix(component)
        .and_then(|r| r.strip_prefix(":g"))
        .is_some_and(|d| !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit()))
}

/// Whether `dataset` (a child of the store root `root`) is a generation
/// dataset (`COMPONENT:gN`) rather than a branch's canonical one.
pub fn is_generation_dataset(root: &str, dataset: &str) -> bool {
    dataset
        .strip_prefix(root)
        .and_then(|d| d.strip_prefix('/'))
        .and_then(|c| c.rsplit_once(":g").map(|(comp, _)| is_generation(c, comp)))
        .unwrap_or(false)
}

/// The store root's hint property for a branch's dataset component
/// ([`props::GENERATION_PREFIX`] and an FNV-1a hash of the component: stable
/// across versions and hosts; a collision only costs a full read, since a
/// hint is checked against the dataset it names).
pub fn generation_hint_prop(component: &str) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in component.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{}{h:016x}", props::GENERATION_PREFIX)
}

/// The generation dataset component a hint value names for `component`:
/// only a well-formed generation of that very component, so a tampered
/// hint never names a dataset outside the store's own children.
pub fn hinted_generation<'h>(value: &'h str, component: &str) -> Option<&'h str> {
    Some(value).filter(|v| is_generation(v, component))
}

/// A property value stagdb could not have written (tampered or damaged):
/// never used, always reported with its dataset and property.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Corrupt {
    pub dataset: String,
    pub property: String,
    /// Escaped for display: control characters and quotes are visible.
    pub value: String,
    pub why: String,
}

/// A dataset under the store that is not (or not yet, or no longer) a
/// branch at its own name: reported, and touched only when its intent
/// marker says an interrupted stagdb command made it.
#[derive(Debug, Clone)]
pub struct Temp {
    pub dataset: String,
    /// The branch it claims (`stagdb:branch`), if any.
    pub branch: Option<String>,
    pub intent: Option<Intent>,
    /// Its ZFS origin: a reset's new data is a clone, a refresh's is not.
    pub origin: Option<String>,
}

/// An old generation of a refreshed root branch (`NAME:gen-TIME`, with
/// `stagdb:retired` = NAME): kept while branches made from its snapshots
/// exist, destroyed by refresh or gc once none does.
#[derive(Debug, Clone)]
pub struct Retired {
    pub dataset: String,
    /// The root branch it was.
    pub of: String,
    pub used: u64,
    /// Oldest first.
    pub snapshots: Vec<Snapshot>,
    /// Its ZFS origin: the old data of a reset (`--preserve-as` keeps it
    /// for the preserved branch) may be a clone of a branch point.
    pub origin: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Store {
    pub dataset: String,
    pub pool: String,
    pub mountpoint: Option<PathBuf>,
    /// Whether the root is mounted: a `zfs receive -u` copy is not, and
    /// its key (in the mountpoint) is then out of reach.
    pub mounted: bool,
    /// Bytes the store's datasets can still write (`available` of the root).
    pub available: Option<u64>,
    /// Bytes the store holds (`used` of the root, its branches and snapshots included).
    pub used: Option<u64>,
    pub settings: Settings,
    pub head: Option<String>,
    /// Sorted by name.
    pub branches: Vec<Branch>,
    /// Datasets under the store that carry no branch marker of their own, or
    /// claim a branch another dataset already holds: reported, never touched.
    pub strays: Vec<String>,
    /// Of the strays, those with a branch marker (e.g. `NAME:reset` left by
    /// an interrupted reset), with their intent markers.
    pub temps: Vec<Temp>,
    /// Values that fail validation, with where they are.
    pub corrupt: Vec<Corrupt>,
    /// The port index (`stagdb:taken`), when present and well-formed.
    pub port_index: Option<BTreeSet<u16>>,
    /// Old generations of refreshed roots.
    pub retired: Vec<Retired>,
}

/// One line of `stagdb log`.
#[derive(Debug, Clone)]
pub struct LogEntry<'a> {
    pub branch: &'a str,
    pub snapshot: &'a Snapshot,
    /// Of an old generation of a refreshed root (no longer reachable by ref).
    pub retired: bool,
}

impl<'a> LogEntry<'a> {
    pub fn reference(&self) -> String {
        format!("{}@{}", self.branch, self.snapshot.name)
    }
}

/// Why a dataset could not be read as a store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LoadError {
    Missing,
    NotAStore,
    /// A store setting stagdb cannot work without is damaged.
    Corrupt(Vec<Corrupt>),
}

/// Shows a raw value with control characters and quotes escaped.
fn shown(v: &str) -> String {
    v.escape_debug().to_string()
}

/// Collects what fails validation while the model is built.
struct Checker {
    corrupt: Vec<Corrupt>,
}

impl Checker {
    fn flag(&mut self, e: &Entry, prop: &str, why: impl Into<String>) {
        let value = e.props.get(prop).map(|(v, _)| v.as_str()).unwrap_or("");
        self.corrupt.push(Corrupt {
            dataset: e.name.clone(),
            property: prop.to_string(),
            value: shown(value),
            why: why.into(),
        });
    }

    /// A local value, unless it holds a newline or another control
    /// character, which stagdb never writes raw (messages are escaped).
    fn text<'e>(&mut self, e: &'e Entry, prop: &str) -> Option<&'e str> {
        let v = e.local(prop)?;
        if v.chars().any(char::is_control) {
            self.flag(e, prop, "holds a control character (a newline?)");
            return None;
        }
        Some(v)
    }

    /// `stagdb:memory` and `stagdb:cpus`; a damaged one counts as unlimited
    /// (and is reported).
    fn limits(&mut self, e: &Entry) -> crate::limits::Limits {
        let memory = self.text(e, props::MEMORY).and_then(|v| {
            crate::limits::parse_memory(v)
                .map_err(|why| self.flag(e, props::MEMORY, why))
                .ok()
        });
        let cpus = self.text(e, props::CPUS).and_then(|v| {
            crate::limits::parse_cpus(v)
                .map_err(|why| self.flag(e, props::CPUS, why))
                .ok()
        });
        crate::limits::Limits { memory, cpus }
    }

    /// A local value that must be plain decimal digits.
    fn number<T: std::str::FromStr>(&mut self, e: &Entry, prop: &str) -> Option<T> {
        let v = self.text(e, prop)?;
        if v.is_empty() || !v.bytes().all(|b| b.is_ascii_digit()) {
            self.flag(e, prop, "is not a number");
            return None;
        }
        match v.parse() {
            Ok(n) => Some(n),
            Err(_) => {
                self.flag(e, prop, "is out of range");
                None
            }
        }
    }
}

/// Exactly what `secret::generate_password` makes: 32 ASCII alphanumerics.
pub fn valid_password(p: &str) -> bool {
    p.len() == 32 && p.bytes().all(|b| b.is_ascii_alphanumeric())
}

impl Store {
    /// Builds the model from `zfs get -r` entries of `root`. Never fails on
    /// a property's value: what stagdb could not have written is left out
    /// and listed in `corrupt`, naming dataset and property.
    pub fn from_entries(root: &str, entries: &[Entry]) -> Result<Store, LoadError> {
        let root_entry = entries
            .iter()
            .find(|e| e.name == root)
            .ok_or(LoadError::Missing)?;
        if root_entry.local(props::STORE).is_none() {
            return Err(LoadError::NotAStore);
        }
        let mut ck = Checker {
            corrupt: Vec::new(),
        };
        let ports = match ck.text(root_entry, props::PORTS) {
            None => crate::cli::DEFAULT_PORTS
                .parse()
                .expect("the default port range is valid"),
            Some(v) => match v.parse::<PortRange>() {
                Ok(r) if r.low >= 1024 => r,
                Ok(_) => {
                    ck.flag(
                        root_entry,
                        props::PORTS,
                        "includes privileged ports (< 1024)",
                    );
                    return Err(LoadError::Corrupt(ck.corrupt));
                }
                Err(e) => {
                    ck.flag(root_entry, props::PORTS, e.to_string());
                    return Err(LoadError::Corrupt(ck.corrupt));
                }
            },
        };
        let head_port = match root_entry.local(props::HEAD_PORT) {
            None => crate::cli::DEFAULT_HEAD_PORT,
            Some(_) => match ck.number::<u16>(root_entry, props::HEAD_PORT) {
                Some(p) if p >= 1024 && !ports.contains(p) => p,
                Some(_) => {
                    ck.flag(
                        root_entry,
                        props::HEAD_PORT,
                        "is privileged (< 1024) or inside the branch port range",
                    );
                    return Err(LoadError::Corrupt(ck.corrupt));
                }
                None => return Err(LoadError::Corrupt(ck.corrupt)),
            },
        };
        let listen = match root_entry.local(props::LISTEN) {
            None => IpAddr::V4(std::net::Ipv4Addr::LOCALHOST),
            Some(a) => match a.parse() {
                Ok(a) => a,
                Err(_) => {
                    ck.flag(root_entry, props::LISTEN, "is not an IP address");
                    return Err(LoadError::Corrupt(ck.corrupt));
                }
            },
        };
        let image = match root_entry.local(props::IMAGE) {
            None => crate::cli::DEFAULT_IMAGE.to_string(),
            Some(_) => match ck.text(root_entry, props::IMAGE) {
                Some(i) if !i.is_empty() => i.to_string(),
                Some(_) => {
                    ck.flag(root_entry, props::IMAGE, "is empty");
                    return Err(LoadError::Corrupt(ck.corrupt));
                }
                None => return Err(LoadError::Corrupt(ck.corrupt)),
            },
        };
        let network = match root_entry.local(props::NETWORK) {
            None => None,
            Some(_) => match ck.text(root_entry, props::NETWORK) {
                Some(n) => match crate::names::validate_network_name(n) {
                    Ok(()) => Some(n.to_string()),
                    Err(why) => {
                        ck.flag(root_entry, props::NETWORK, why);
                        return Err(LoadError::Corrupt(ck.corrupt));
                    }
                },
                None => return Err(LoadError::Corrupt(ck.corrupt)),
            },
        };
        let limits = ck.limits(root_entry);
        let settings = Settings {
            image,
            ports,
            head_port,
            listen,
            network,
            limits,
        };

        let prefix = format!("{root}/");
        let mut branches: BTreeMap<String, Branch> = BTreeMap::new();
        let mut strays = Vec::new();
        let mut temps = Vec::new();
        let mut retired: Vec<Retired> = Vec::new();
        // Snapshots come after their dataset in zfs output; collect by dataset.
        let mut snaps: BTreeMap<&str, Vec<Snapshot>> = BTreeMap::new();
        for e in entries {
            if let Some((ds, snap)) = e.name.split_once('@') {
                let created = e
                    .native("creation")
                    .and_then(|v| v.parse().ok())
                    .unwrap_or(0);
                let kind = ck.text(e, props::KIND).map(str::to_string);
                let message = ck.text(e, props::MESSAGE).map(unescape_value);
                let author = ck.text(e, props::AUTHOR).map(unescape_value);
                let intent = ck.text(e, props::STATE).and_then(|v| v.parse().ok());
                snaps.entry(ds).or_default().push(Snapshot {
                    own: is_own_snapshot(e),
                    intent,
                    name: snap.to_string(),
                    full: e.name.clone(),
                    created,
                    message,
                    author,
                    kind,
                    used: e.native_u64("used").unwrap_or(0),
                });
                continue;
            }
            let Some(rest) = e.name.strip_prefix(&prefix) else {
                continue; // the root itself
            };
            if let Some(of) = ck.text(e, props::RETIRED)
                && !rest.contains('/')
            {
                retired.push(Retired {
                    dataset: e.name.clone(),
                    of: of.to_string(),
                    used: e.native_u64("used").unwrap_or(0),
                    snapshots: Vec::new(),
                    origin: e.native("origin").map(str::to_string),
                });
                continue;
            }
            let intent = match ck.text(e, props::STATE) {
                Some(v) => match v.parse::<Intent>() {
                    Ok(i) => Some(i),
                    Err(why) => {
                        ck.flag(e, props::STATE, why);
                        None
                    }
                },
                None => None,
            };
            let Some(name) = ck.text(e, props::BRANCH) else {
                strays.push(e.name.clone());
                continue;
            };
            // Branches are direct children whose name encodes the branch.
            if rest.contains('/') || names::validate_branch_name(name).is_err() {
                strays.push(e.name.clone());
                continue;
            }
            let canonical = names::dataset_component(name) == rest
                || is_generation(rest, &names::dataset_component(name));
            if !canonical {
                // Not at its own name: a temporary (e.g. `NAME:reset`) or a
                // renamed or copied dataset. Never served as the branch.
                strays.push(e.name.clone());
                temps.push(Temp {
                    dataset: e.name.clone(),
                    branch: Some(name.to_string()),
                    intent,
                    origin: e.native("origin").map(str::to_string),
                });
                continue;
            }
            let port = match ck.number::<u16>(e, props::PORT) {
                Some(p) if settings.ports.contains(p) => Some(p),
                Some(p) => {
                    ck.flag(
                        e,
                        props::PORT,
                        format!("port {p} is outside the store's range {}", settings.ports),
                    );
                    None
                }
                None => None,
            };
            let password = match ck.text(e, props::PASSWORD) {
                Some(p) if valid_password(p) || crate::vault::is_sealed(p) => Some(p.to_string()),
                Some(_) => {
                    ck.flag(
                        e,
                        props::PASSWORD,
                        "is neither a sealed password nor 32 letters and digits",
                    );
                    None
                }
                None => None,
            };
            let branch = Branch {
                name: name.to_string(),
                dataset: e.name.clone(),
                port,
                password,
                pg_version: ck.number(e, props::PG_VERSION),
                created: ck
                    .number(e, props::CREATED)
                    .or_else(|| e.native("creation").and_then(|v| v.parse().ok()))
                    .unwrap_or(0),
                origin: e.native("origin").map(str::to_string),
                used: e.native_u64("used").unwrap_or(0),
                referenced: e.native_u64("referenced").unwrap_or(0),
                mountpoint: e
                    .native("mountpoint")
                    .filter(|m| m.starts_with('/'))
                    .map(PathBuf::from),
                mounted: e.native("mounted") == Some("yes"),
                parked: crate::zfs::is_parked(e),
                snapshots: Vec::new(),
                intent,
                expires: ck.number(e, props::EXPIRES),
                protected: match ck.text(e, props::PROTECTED) {
                    None => false,
                    Some("1") => true,
                    Some(_) => {
                        ck.flag(e, props::PROTECTED, "is not 1");
                        // Unknown means keep: never collect a branch by mistake.
                        true
                    }
                },
                database: ck.text(e, props::DATABASE).map(unescape_value),
                source: ck.text(e, props::SOURCE).map(unescape_value),
                damaged: BTreeSet::new(),
                limits: ck.limits(e),
            };
            if let Some(prev) = branches.get(name) {
                // Two datasets claim the branch: a refresh's new data (still
                // marked) next to the old. The finished one is the branch.
                let new_wins = prev.intent.is_some() && branch.intent.is_none();
                let (ds, i, origin) = if new_wins {
                    (prev.dataset.clone(), prev.intent, prev.origin.clone())
                } else {
                    (branch.dataset.clone(), branch.intent, branch.origin.clone())
                };
                strays.push(ds.clone());
                temps.push(Temp {
                    dataset: ds,
                    branch: Some(name.to_string()),
                    intent: i,
                    origin,
                });
                if !new_wins {
                    continue;
                }
            }
            branches.insert(name.to_string(), branch);
        }
        for b in branches.values_mut() {
            b.damaged = ck
                .corrupt
                .iter()
                .filter(|c| c.dataset == b.dataset)
                .map(|c| c.property.clone())
                .collect();
            if let Some(mut s) = snaps.remove(b.dataset.as_str()) {
                // Stable: snapshots taken within one second keep zfs's order.
                s.sort_by_key(|s| s.created);
                b.snapshots = s;
            }
        }
        for r in &mut retired {
            if let Some(mut s) = snaps.remove(r.dataset.as_str()) {
                s.sort_by_key(|s| s.created);
                r.snapshots = s;
            }
        }
        let port_index = match ck.text(root_entry, props::TAKEN) {
            Some(v) => match crate::ports::parse_set(v) {
                Some(s) => Some(s),
                None => {
                    ck.flag(root_entry, props::TAKEN, "is not a list of ports");
                    None
                }
            },
            None => None,
        };
        let head = match ck.text(root_entry, props::HEAD) {
            Some(h) if names::validate_branch_name(h).is_ok() => Some(h.to_string()),
            Some(_) => {
                ck.flag(root_entry, props::HEAD, "is not a valid branch name");
                None
            }
            None => None,
        };
        Ok(Store {
            dataset: root.to_string(),
            pool: root.split('/').next().unwrap_or(root).to_string(),
            mountpoint: root_entry
                .native("mountpoint")
                .filter(|m| m.starts_with('/'))
                .map(PathBuf::from),
            // zfs-fuse and OpenZFS both report it; unknown counts as mounted.
            mounted: root_entry.native("mounted") != Some("no"),
            available: root_entry.native_u64("available"),
            used: root_entry.native_u64("used"),
            settings,
            head,
            branches: branches.into_values().collect(),
            strays,
            temps,
            corrupt: ck.corrupt,
            port_index,
            retired,
        })
    }

    /// Branches sharing a port with another branch (or the head port).
    pub fn duplicate_ports(&self) -> BTreeMap<u16, Vec<&str>> {
        let mut by_port: BTreeMap<u16, Vec<&str>> = BTreeMap::new();
        for b in &self.branches {
            if let Some(p) = b.port {
                by_port.entry(p).or_default().push(&b.name);
            }
        }
        by_port.retain(|p, v| v.len() > 1 || *p == self.settings.head_port);
        by_port
    }

    pub fn branch(&self, name: &str) -> Option<&Branch> {
        self.branches.iter().find(|b| b.name == name)
    }

    pub fn branch_names(&self) -> impl Iterator<Item = &str> {
        self.branches.iter().map(|b| b.name.as_str())
    }

    pub fn branch_of_dataset(&self, dataset: &str) -> Option<&Branch> {
        self.branches.iter().find(|b| b.dataset == dataset)
    }

    /// The branch and snapshot a branch was cloned from, as `(branch, snapshot)`.
    pub fn parent_of(&self, branch: &Branch) -> Option<(&Branch, &Snapshot)> {
        let origin = branch.origin.as_deref()?;
        let (ds, snap) = origin.split_once('@')?;
        let parent = self.branch_of_dataset(ds)?;
        let s = parent.snapshot(snap)?;
        Some((parent, s))
    }

    /// `BRANCH@SNAPSHOT` of the branch point, or the raw origin when the
    /// parent is not a branch of this store.
    /// From the origin's name alone: a store read without its snapshots
    /// (the branch list) names the parent too.
    pub fn parent_ref(&self, branch: &Branch) -> Option<String> {
        let origin = branch.origin.as_deref()?;
        let Some((ds, snap)) = origin.split_once('@') else {
            return Some(origin.to_string());
        };
        if let Some(p) = self.branch_of_dataset(ds) {
            return Some(format!("{}@{snap}", p.name));
        }
        match self.retired.iter().find(|r| r.dataset == ds) {
            Some(r) => Some(format!("{}@{snap} (old data)", r.of)),
            None => Some(origin.to_string()),
        }
    }

    /// Whether old data that is kept (retired) is a clone of the snapshot:
    /// the snapshot cannot go while it is there.
    pub fn retired_clone_of(&self, snapshot_full: &str) -> bool {
        self.retired
            .iter()
            .any(|r| r.origin.as_deref() == Some(snapshot_full))
    }

    /// Branches cloned from the given snapshot (`dataset@snap`).
    pub fn clones_of(&self, snapshot_full: &str) -> Vec<&Branch> {
        self.branches
            .iter()
            .filter(|b| b.origin.as_deref() == Some(snapshot_full))
            .collect()
    }

    /// Whether a branch was made from a snapshot of an old generation.
    pub fn retired_in_use(&self, r: &Retired) -> bool {
        self.retired_users(r, &BTreeSet::new()) > 0
    }

    /// Branches made from an old generation's snapshots, but those at the
    /// datasets `gone` (removed in the same run): what `status` calls in
    /// use is exactly what `gc` keeps.
    pub fn retired_users(&self, r: &Retired, gone: &BTreeSet<&str>) -> usize {
        let prefix = format!("{}@", r.dataset);
        self.branches
            .iter()
            .filter(|b| !gone.contains(b.dataset.as_str()))
            .filter(|b| b.origin.as_deref().is_some_and(|o| o.starts_with(&prefix)))
            .count()
    }

    /// A snapshot of an old generation of root `of` by name (the newest
    /// generation's when names repeat).
    pub fn retired_snapshot(&self, of: &str, name: &str) -> Option<&Snapshot> {
        let first = |r: &Retired| r.snapshots.first().map_or(0, |s| s.created);
        let mut gens: Vec<&Retired> = self.retired.iter().filter(|r| r.of == of).collect();
        gens.sort_by_key(|r| std::cmp::Reverse(first(r)));
        gens.into_iter()
            .find_map(|r| r.snapshots.iter().find(|s| s.name == name))
    }

    /// The branch a branch was made from an old generation of, with that
    /// generation's snapshot.
    pub fn retired_parent_of(&self, branch: &Branch) -> Option<(&Retired, &Snapshot)> {
        let origin = branch.origin.as_deref()?;
        let (ds, _) = origin.split_once('@')?;
        let r = self.retired.iter().find(|r| r.dataset == ds)?;
        Some((r, r.snapshots.iter().find(|s| s.full == origin)?))
    }

    /// Branches cloned from any snapshot of `branch`.
    pub fn children_of(&self, branch: &Branch) -> Vec<&Branch> {
        self.branches
            .iter()
            .filter(|b| {
                b.origin
                    .as_deref()
                    .and_then(|o| o.split_once('@'))
                    .is_some_and(|(ds, _)| ds == branch.dataset)
            })
            .collect()
    }

    /// Ports held by branches; they stay with their branch for its lifetime.
    pub fn taken_ports(&self) -> BTreeSet<u16> {
        let mut taken: BTreeSet<u16> = self.branches.iter().filter_map(|b| b.port).collect();
        taken.insert(self.settings.head_port);
        taken
    }

    /// Snapshots from `branch` (from `from` inclusive, else its newest)
    /// back through its ancestors, newest first, like `git log`.
    pub fn log<'a>(&'a self, branch: &'a Branch, from: Option<&str>) -> Vec<LogEntry<'a>> {
        let mut out = Vec::new();
        let mut seen = BTreeSet::new();
        let mut cur = branch;
        let mut limit: Option<String> = from.map(str::to_string);
        loop {
            if !seen.insert(cur.dataset.as_str()) {
                break; // lineage loops cannot happen in ZFS; be safe anyway
            }
            let end = match &limit {
                Some(l) => match cur.snapshots.iter().position(|s| &s.name == l) {
                    Some(i) => i + 1,
                    None => 0,
                },
                None => cur.snapshots.len(),
            };
            for s in cur.snapshots[..end].iter().rev() {
                out.push(LogEntry {
                    branch: &cur.name,
                    snapshot: s,
                    retired: false,
                });
            }
            match self.parent_of(cur) {
                Some((p, s)) => {
                    limit = Some(s.name.clone());
                    cur = p;
                }
                None => {
                    self.log_retired(cur, &mut out);
                    break;
                }
            }
        }
        out
    }

    /// The history before a root's refreshes: its old generations'
    /// snapshots, newest first (from the one `cur` was made from, if so).
    fn log_retired<'a>(&'a self, cur: &'a Branch, out: &mut Vec<LogEntry<'a>>) {
        let (root, from) = match self.retired_parent_of(cur) {
            Some((r, s)) => (r.of.as_str(), Some((r, s))),
            None if cur.origin.is_none() => (cur.name.as_str(), None),
            None => return,
        };
        let first = |r: &Retired| r.snapshots.first().map_or(0, |s| s.created);
        let mut gens: Vec<&Retired> = self.retired.iter().filter(|r| r.of == root).collect();
        gens.sort_by_key(|r| std::cmp::Reverse(first(r)));
        if let Some((r, _)) = from {
            gens.retain(|g| first(g) <= first(r));
        }
        for g in gens {
            let end = match from {
                Some((r, s)) if r.dataset == g.dataset => g
                    .snapshots
                    .iter()
                    .position(|x| x.full == s.full)
                    .map_or(0, |i| i + 1),
                _ => g.snapshots.len(),
            };
            for s in g.snapshots[..end].iter().rev() {
                out.push(LogEntry {
                    branch: &g.of,
                    snapshot: s,
                    retired: true,
                });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::zfs::parse::parse_get;

    #[test]
    fn generation_hints_name_only_well_formed_generations_of_the_branch() {
        assert_eq!(hinted_generation("main:g17", "main"), Some("main:g17"));
        assert_eq!(
            hinted_generation("feature:2Flogin:g5", "feature:2Flogin"),
            Some("feature:2Flogin:g5")
        );
        assert_eq!(hinted_generation("feature:2Flogin:g5", "feature"), None);
        assert_eq!(hinted_generation("main:g17", "ma"), None);
        // Tampered: never a path out of the store's children, never a non-generation.
        for bad in [
            "main:g1/x",
            "main:g",
            "main:gx",
            "../main:g1",
            "main:g1@s",
            "main",
            "-",
        ] {
            assert_eq!(hinted_generation(bad, "main"), None, "{bad}");
        }
    }

    #[test]
    fn generation_datasets_are_told_from_canonical_ones() {
        assert!(is_generation_dataset("tank/s", "tank/s/main:g17"));
        assert!(is_generation_dataset(
            "tank/s",
            "tank/s/feature:2Fx:g1795494223572"
        ));
        assert!(!is_generation_dataset("tank/s", "tank/s/main"));
        assert!(!is_generation_dataset("tank/s", "tank/s/main:reset"));
        assert!(!is_generation_dataset("tank/s", "tank/s/main:gx"));
        assert!(!is_generation_dataset("tank/s", "tank/other/main:g1"));
        assert!(!is_generation_dataset("tank/s", "tank/s/main:g1@snap"));
    }

    #[test]
    fn generation_hint_props_are_valid_user_property_names_and_stable() {
        let p = generation_hint_prop("feature:2Flogin");
        assert!(
            p.starts_with("stagdb:gen:") && p.len() == "stagdb:gen:".len() + 16,
            "{p}"
        );
        assert!(
            p.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b':')
        );
        assert_eq!(p, generation_hint_prop("feature:2Flogin"));
        assert_ne!(p, generation_hint_prop("feature:2flogin"));
        // FNV-1a 64 of "main": fixed, so hints written by one version are read by the next.
        assert_eq!(generation_hint_prop("main"), "stagdb:gen:1f5962a2ce9803c8");
    }

    /// Builds `zfs get` output lines for a small store:
    /// main (snapshots s1, s2), dev cloned from main@s1 (snapshot d1),
    /// feat cloned from dev@d1, and a stray dataset.
    fn sample() -> String {
        let mut o = String::new();
        let mut line = |n: &str, p: &str, v: &str, s: &str| {
            o.push_str(&format!("{n}\t{p}\t{v}\t{s}\n"));
        };
        line("tank/sdb", "type", "filesystem", "-");
        line("tank/sdb", "mountpoint", "/tank/sdb", "default");
        line("tank/sdb", props::STORE, "1", "local");
        line("tank/sdb", props::HEAD, "dev", "local");
        line("tank/sdb", props::PORTS, "6000-6010", "local");
        line("tank/sdb", props::HEAD_PORT, "5999", "local");
        line("tank/sdb/main", "type", "filesystem", "-");
        line("tank/sdb/main", "origin", "-", "-");
        line(
            "tank/sdb/main",
            props::STORE,
            "1",
            "inherited from tank/sdb",
        );
        line("tank/sdb/main", props::BRANCH, "main", "local");
        line("tank/sdb/main", props::PORT, "6000", "local");
        line(
            "tank/sdb/main",
            props::HEAD,
            "dev",
            "inherited from tank/sdb",
        );
        line("tank/sdb/main@s1", "creation", "100", "-");
        line("tank/sdb/main@s1", props::MESSAGE, "one", "local");
        line(
            "tank/sdb/main@s1",
            props::BRANCH,
            "main",
            "inherited from tank/sdb/main",
        );
        line("tank/sdb/main@s2", "creation", "200", "-");
        line("tank/sdb/dev", "origin", "tank/sdb/main@s1", "-");
        line("tank/sdb/dev", props::BRANCH, "dev", "local");
        line("tank/sdb/dev", props::PORT, "6001", "local");
        line("tank/sdb/dev@d1", "creation", "150", "-");
        line("tank/sdb/dev@d1", props::KIND, "branch-point", "local");
        line("tank/sdb/feat:2Fx", "origin", "tank/sdb/dev@d1", "-");
        line("tank/sdb/feat:2Fx", props::BRANCH, "feat/x", "local");
        line("tank/sdb/feat:2Fx", props::PORT, "6002", "local");
        line("tank/sdb/other", "type", "filesystem", "-");
        line(
            "tank/sdb/other",
            props::BRANCH,
            "main",
            "inherited from tank/sdb/main",
        );
        o
    }

    fn store() -> Store {
        Store::from_entries("tank/sdb", &parse_get(&sample(), &[], &[]).unwrap()).unwrap()
    }

    #[test]
    fn loads_settings_branches_and_strays() {
        let s = store();
        assert_eq!(s.pool, "tank");
        assert_eq!(s.head.as_deref(), Some("dev"));
        assert_eq!(s.settings.head_port, 5999);
        assert_eq!(s.settings.ports.low, 6000);
        assert_eq!(
            s.branch_names().collect::<Vec<_>>(),
            ["dev", "feat/x", "main"]
        );
        assert_eq!(s.strays, ["tank/sdb/other"]);
        assert_eq!(s.branch("main").unwrap().snapshots.len(), 2);
        assert_eq!(s.branch("main").unwrap().origin, None);
        assert_eq!(
            s.taken_ports().into_iter().collect::<Vec<_>>(),
            [5999, 6000, 6001, 6002]
        );
    }

    #[test]
    fn not_a_store() {
        let e = parse_get("tank/x\ttype\tfilesystem\t-\n", &[], &[]).unwrap();
        assert_eq!(
            Store::from_entries("tank/x", &e).unwrap_err(),
            LoadError::NotAStore
        );
        assert_eq!(
            Store::from_entries("tank/y", &e).unwrap_err(),
            LoadError::Missing
        );
    }

    #[test]
    fn debug_never_shows_the_password() {
        let mut b = store().branch("main").unwrap().clone();
        b.password = Some("s3cretpassw0rd".into());
        assert!(!format!("{b:?}").contains("s3cret"));
    }

    #[test]
    fn parent_without_reading_snapshots() {
        // What `zfs get -d 1` returns: the datasets, none of their snapshots.
        let shallow: String = sample()
            .lines()
            .filter(|l| !l.split('\t').next().unwrap_or("").contains('@'))
            .map(|l| format!("{l}\n"))
            .collect();
        let s = Store::from_entries("tank/sdb", &parse_get(&shallow, &[], &[]).unwrap()).unwrap();
        assert!(s.branches.iter().all(|b| b.snapshots.is_empty()));
        let feat = s.branch("feat/x").unwrap();
        assert_eq!(s.parent_ref(feat).as_deref(), Some("dev@d1"));
        assert_eq!(s.parent_ref(s.branch("main").unwrap()), None);
    }

    #[test]
    fn lineage() {
        let s = store();
        let feat = s.branch("feat/x").unwrap();
        assert_eq!(s.parent_ref(feat).as_deref(), Some("dev@d1"));
        let main = s.branch("main").unwrap();
        let children: Vec<&str> = s
            .children_of(main)
            .iter()
            .map(|b| b.name.as_str())
            .collect();
        assert_eq!(children, ["dev"]);
        assert_eq!(s.clones_of("tank/sdb/main@s2").len(), 0);
        assert_eq!(s.clones_of("tank/sdb/main@s1").len(), 1);
    }

    #[test]
    fn log_follows_ancestry_from_the_branch_point() {
        let s = store();
        let refs = |b: &str, from: Option<&str>| -> Vec<String> {
            s.log(s.branch(b).unwrap(), from)
                .iter()
                .map(LogEntry::reference)
                .collect()
        };
        // main@s2 was taken after dev branched off at s1: not in dev's history.
        assert_eq!(refs("feat/x", None), ["dev@d1", "main@s1"]);
        assert_eq!(refs("dev", None), ["dev@d1", "main@s1"]);
        assert_eq!(refs("main", None), ["main@s2", "main@s1"]);
        assert_eq!(refs("main", Some("s1")), ["main@s1"]);
        assert_eq!(refs("main", Some("nope")), Vec::<String>::new());
    }

    #[test]
    fn image_template_and_connect_host() {
        let s = store();
        assert_eq!(s.settings.image_for(17), "postgres:17");
        let mut set = s.settings.clone();
        set.listen = "0.0.0.0".parse().unwrap();
        assert_eq!(set.connect_host().to_string(), "127.0.0.1");
    }
}
