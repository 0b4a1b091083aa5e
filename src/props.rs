//! Names of the ZFS user properties that hold all of stagdb's state.
//!
//! On the store's root dataset: the marker and the store's settings.
//! On each branch dataset: the branch marker and the branch's own facts.
//! On snapshots: message, author and kind.
//! Only values whose source is `local` count (user properties are inherited).

/// Store marker (value: schema version) on the root dataset.
pub const STORE: &str = "stagdb:store";
/// Branch marker on a branch dataset: the branch's name.
pub const BRANCH: &str = "stagdb:branch";
pub const PORT: &str = "stagdb:port";
pub const PASSWORD: &str = "stagdb:password";
/// PostgreSQL major version the data directory was created with.
pub const PG_VERSION: &str = "stagdb:pg_version";
/// Creation time, unix seconds.
pub const CREATED: &str = "stagdb:created";
/// `BRANCH@SNAPSHOT` the branch was created from.
pub const PARENT: &str = "stagdb:parent";
pub const MESSAGE: &str = "stagdb:message";
pub const AUTHOR: &str = "stagdb:author";
/// `branch-point` on snapshots stagdb took itself to branch from.
pub const KIND: &str = "stagdb:kind";
pub const IMAGE: &str = "stagdb:image";
pub const PORTS: &str = "stagdb:ports";
pub const HEAD_PORT: &str = "stagdb:head_port";
pub const LISTEN: &str = "stagdb:listen";
/// On the store root: the Docker network branch containers join, reached
/// there by their branch's alias (see `names::network_alias`).
pub const NETWORK: &str = "stagdb:network";
pub const HEAD: &str = "stagdb:head";
/// On the store root: every port a branch holds (a superset: written before
/// a branch gets its port, pruned after it is gone), as `A-B,C`. Lets a new
/// branch get a port without listing every branch; rebuilt from the
/// branches whenever it is missing or damaged.
pub const TAKEN: &str = "stagdb:taken";
/// Intent marker of an unfinished command (see `intent.rs`).
pub const STATE: &str = "stagdb:state";
/// Unix seconds after which `gc` may remove the branch.
pub const EXPIRES: &str = "stagdb:expires";
/// `1`: `gc` and `rm` leave the branch alone.
pub const PROTECTED: &str = "stagdb:protected";

/// On a branch: the database `url`, `env`, `psql` and `export` use by
/// default (an imported database keeps its name). Copied to branches of it.
pub const DATABASE: &str = "stagdb:database";
/// On an imported root branch: where it was imported from and how (JSON,
/// never a password), for `refresh`.
pub const SOURCE: &str = "stagdb:source";
/// On the dataset of an old generation of a refreshed root: the root's name.
pub const RETIRED: &str = "stagdb:retired";
/// On the store root, one per branch whose data is at a generation dataset
/// (`NAME:gN`, after a refresh or a reset): `stagdb:gen:HASH` (a hash of the
/// branch's dataset component, as property names allow lowercase only) =
/// that dataset's component. Only a hint, so that a command about one such
/// branch reads just that branch and not the whole store; checked against
/// the dataset it names, and a missing, stale or damaged hint costs a full
/// read, nothing else.
pub const GENERATION_PREFIX: &str = "stagdb:gen:";

/// On a branch: its memory limit in bytes; on the store root: the limit a
/// new branch gets (see `limits.rs`).
pub const MEMORY: &str = "stagdb:memory";
/// On a branch: its CPU limit, a decimal (e.g. `1.5`); on the store root:
/// the limit a new branch gets.
pub const CPUS: &str = "stagdb:cpus";

/// `import` on the snapshot an import or refresh ends with.
pub const KIND_IMPORT: &str = "import";

pub const STORE_SCHEMA: &str = "1";
pub const KIND_BRANCH_POINT: &str = "branch-point";
/// The snapshot `reset --preserve-as NAME` keeps the discarded state in:
/// the branch point of NAME (counted as one, see `Snapshot::is_branch_point`).
pub const KIND_PRESERVE: &str = "preserve";
