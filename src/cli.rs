//! The command line, all in one place (clap derive). Commands get resolved
//! settings and their own args; nothing else in the crate parses argv.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

pub const DEFAULT_IMAGE: &str = "postgres:{major}";
pub const DEFAULT_PORTS: &str = "55433-55999";
pub const DEFAULT_HEAD_PORT: u16 = 55432;
pub const DEFAULT_PG_VERSION: u32 = 17;

const AFTER_HELP: &str = "\
Exit status: 0 on success, 1 when the operation failed, 2 on bad usage.

Environment: STAGDB_STORE (store dataset), STAGDB_TIMEOUT (readiness timeout, seconds),
STAGDB_CONFIG (config file), NO_COLOR, DOCKER_HOST.";

#[derive(Debug, Parser)]
#[command(
    name = "stagdb",
    version,
    about = "Git for PostgreSQL databases: instant copy-on-write branches on ZFS, one container per branch",
    long_about = "Git for PostgreSQL databases.\n\n\
        Each branch is a ZFS copy-on-write clone holding a PostgreSQL data directory, served by its own \
        container of the matching PostgreSQL major version on its own port. Branching a database of any \
        size takes about a second and costs no space until the branch diverges. All state lives in ZFS \
        user properties (stagdb:*) and container labels: there is no state file and no daemon.",
    after_help = AFTER_HELP,
    propagate_version = true,
    max_term_width = 100
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Clone, Args)]
pub struct GlobalArgs {
    /// The store's root dataset [default: the only store on this host]
    #[arg(long, global = true, env = "STAGDB_STORE", value_name = "DATASET", add = crate::complete::stores())]
    pub store: Option<String>,

    /// Print machine-readable JSON on stdout
    #[arg(long, global = true)]
    pub json: bool,

    /// Print nothing but data, warnings and errors (import and refresh: one line per finished phase)
    #[arg(short, long, global = true)]
    pub quiet: bool,

    /// Answer yes to confirmations (required for rm and reset without a terminal)
    #[arg(short = 'y', long, global = true)]
    pub yes: bool,

    /// When to use colors (NO_COLOR is honoured for auto)
    #[arg(long, global = true, value_enum, value_name = "WHEN")]
    pub color: Option<ColorChoice>,

    /// Show each zfs command and Docker call on stderr as it runs
    #[arg(short, long, global = true)]
    pub verbose: bool,

    /// Print how long each phase took (read store, snapshot, clone, container start, ready, ...)
    #[arg(long, global = true)]
    pub timings: bool,

    /// Seconds to wait for a branch to accept connections
    #[arg(long, global = true, env = "STAGDB_TIMEOUT", value_name = "SECONDS")]
    pub timeout: Option<u64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create a store and its first branch, main
    Init(InitArgs),
    /// List branches, or create one from HEAD, a branch or BRANCH@SNAPSHOT
    Branch(BranchArgs),
    /// Make a branch the HEAD (served on the store's head port too)
    Checkout(CheckoutArgs),
    /// Snapshot a branch (HEAD by default), also while it runs
    #[command(visible_alias = "commit")]
    Snapshot(SnapshotArgs),
    /// Show the snapshots of a branch and its ancestors, newest first
    Log(LogArgs),
    /// Everything about one branch or snapshot: lineage, space, state, container, version
    Show(ShowArgs),
    /// Throw away a branch's changes: back to a snapshot or its branch point
    Reset(ResetArgs),
    /// Remove branches: container, dataset and snapshots
    Rm(RmArgs),
    /// Start branches' containers
    Start(NamesArgs),
    /// Stop branches' containers
    Stop(NamesArgs),
    /// Restart branches' containers
    Restart(NamesArgs),
    /// Show the store, pool, HEAD, Docker engine and anything inconsistent
    Status,
    /// Check the store and its host; with --fix, repair what is safe to repair
    Doctor(DoctorArgs),
    /// Remove expired branches, unused branch points and leftovers of interrupted commands
    Gc(GcArgs),
    /// Keep branches from gc and rm
    Protect(ProtectArgs),
    /// Let gc and rm remove branches again
    Unprotect(ProtectArgs),
    /// Print a branch's connection URL
    Url(RefArgs),
    /// Print a branch's connection variables (DATABASE_URL, PGHOST, ...) for a shell or a dotenv file
    Env(EnvArgs),
    /// Run psql connected to a branch
    Psql(PsqlArgs),
    /// Make a new root branch from a live server or a dump
    Import(ImportArgs),
    /// Load a root branch's source again; branches of the old data keep it
    Refresh(RefreshArgs),
    /// Dump a branch or snapshot to a file or stdout
    Export(ExportArgs),
    /// Compare the schemas of two branches or snapshots (default: a branch and its branch point)
    Diff(DiffArgs),
    /// Print a docker compose override that points a service at a branch
    Compose(ComposeArgs),
    /// Show the store's settings, or change its Docker network
    Config(ConfigArgs),
    /// Git integration: a post-checkout hook that follows git branches
    Hook(HookArgs),
    /// Print a shell completion script
    Completions(CompletionsArgs),
}

#[derive(Debug, Args)]
pub struct HookArgs {
    #[command(subcommand)]
    pub action: HookAction,
}

#[derive(Debug, Subcommand)]
pub enum HookAction {
    /// Install the git post-checkout hook in the repository here (`--store` is written into it)
    Install {
        /// Keep a foreign hook (as post-checkout.pre-stagdb, run first) instead of refusing
        #[arg(long)]
        force: bool,
    },
    /// Remove the hook (and restore a hook it had kept)
    Uninstall,
    /// What the hook runs: make BRANCH the HEAD if the store has it
    #[command(hide = true)]
    Run {
        /// The git branch just checked out
        branch: String,
    },
}

/// How to load data, shared by `import` and `refresh`.
#[derive(Debug, Clone, Args)]
pub struct LoadArgs {
    /// Parallel jobs for dump and restore [default: the number of CPUs; 1 on hosts with 1 or 2]
    #[arg(short = 'j', long = "jobs", value_name = "N")]
    pub jobs: Option<usize>,

    /// Leave out this table's rows (pg_dump pattern; repeatable; live sources)
    #[arg(long, value_name = "PATTERN")]
    pub exclude_table_data: Vec<String>,

    /// Only the schema, no rows
    #[arg(long)]
    pub schema_only: bool,

    /// Every database of the server, not just the URL's (live sources)
    #[arg(long)]
    pub all_databases: bool,

    /// Copy the whole cluster with pg_basebackup (live source, same major; needs REPLICATION)
    #[arg(long, conflicts_with_all = ["all_databases", "roles", "schema_only", "exclude_table_data"])]
    pub physical: bool,

    /// Copy the source's roles (no passwords, no superuser or replication) and keep owners and grants
    #[arg(long)]
    pub roles: bool,

    /// SQL file run on the data before the first snapshot, e.g. to mask personal data (repeatable)
    #[arg(long, value_name = "FILE.sql")]
    pub scrub: Vec<PathBuf>,

    /// Read the source's password from the first line of FILE (live sources; also STAGDB_SOURCE_PASSWORD_FILE)
    #[arg(long, value_name = "FILE")]
    pub password_file: Option<PathBuf>,

    /// Import even when the extensions the source uses are missing in the image
    #[arg(long)]
    pub skip_missing_extensions: bool,

    /// Try even when the preflight says the data will not fit in the pool
    #[arg(long)]
    pub force: bool,

    /// Only run the preflight and say what would be done
    #[arg(long)]
    pub dry_run: bool,

    /// Where the data is loaded before it is written into the branch [default: auto]
    #[arg(long, value_enum, value_name = "WHERE")]
    pub load_in: Option<LoadIn>,

    /// Let a plain SQL dump run psql's backslash commands (\!, \o |...): they run shell commands
    #[arg(long)]
    pub allow_shell: bool,

    /// With --scrub and --load-in disk: accept that the pool's freed blocks keep the original values
    #[arg(long)]
    pub unscrubbed_blocks_ok: bool,
}

/// Where an import's loading server keeps the data while it loads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LoadIn {
    /// Memory when twice the source's size plus 512 MiB fits in half the free memory (live sources), and always with --scrub; else disk
    Auto,
    /// A tmpfs of half the free memory, written into the branch's dataset in one copy after a clean shutdown (a pool on FUSE pays per write)
    Memory,
    /// The branch's dataset itself
    Disk,
}

#[derive(Debug, Args)]
#[command(after_help = "\
SOURCE is a live server (postgres:// URL or libpq keyword string; the password comes from the URL,
else --password-file, else STAGDB_SOURCE_PASSWORD_FILE, else PGPASSWORD, else ~/.pgpass), a dump (custom, directory, tar, or plain SQL, also .gz/.zst), or - for a
dump on stdin. Addresses mean what they mean on this host.

Examples:
  stagdb import postgresql://app@db.internal/app              live server, parallel dump/restore
  stagdb import 'host=127.0.0.1 port=5433 dbname=shop' shop    keyword string
  stagdb import nightly.dump app --scrub mask.sql              custom-format dump, scrubbed
  ssh prod pg_dump -Fc app | stagdb import - app               dump streamed on stdin")]
pub struct ImportArgs {
    /// Where the data comes from
    #[arg(value_name = "SOURCE")]
    pub source: String,

    /// Name of the new root branch [default: the source database's name]
    #[arg(value_name = "NAME")]
    pub name: Option<String>,

    /// PostgreSQL major of the new branch [default: the source's]; a newer one upgrades
    #[arg(long, value_name = "N")]
    pub pg_version: Option<u32>,

    #[command(flatten)]
    pub load: LoadArgs,
}

#[derive(Debug, Args)]
pub struct RefreshArgs {
    /// Root branch to refresh [default: HEAD's root]
    #[arg(value_name = "NAME", add = crate::complete::branches())]
    pub name: Option<String>,

    /// Load from here this once; the recorded source stays for later refreshes
    #[arg(long, value_name = "SOURCE")]
    pub source: Option<String>,

    /// Record --source (and these load options) as what later refreshes load
    #[arg(long, requires = "source")]
    pub save_source: bool,

    #[command(flatten)]
    pub load: LoadArgs,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ExportFormat {
    /// pg_dump -Fc: compressed, restorable in parallel, selectively
    Custom,
    /// Plain SQL for psql
    Plain,
    /// pg_dump -Fd: a directory, dumped in parallel
    Directory,
}

#[derive(Debug, Args)]
#[command(after_help = "\
Examples:
  stagdb export main -o main.dump                   custom format file
  stagdb export main@import-20261123-101500 | gzip  a snapshot, streamed
  stagdb export feature | ssh other stagdb import - feature")]
pub struct ExportArgs {
    /// Branch or BRANCH@SNAPSHOT [default: HEAD]
    #[arg(value_name = "REF", add = crate::complete::refs())]
    pub reference: Option<String>,

    /// Write here instead of stdout (required for --format directory)
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,

    /// Dump format
    #[arg(long, value_enum, default_value = "custom")]
    pub format: ExportFormat,

    /// Parallel jobs (directory format only) [default: the number of CPUs]
    #[arg(short = 'j', long = "jobs", value_name = "N")]
    pub jobs: Option<usize>,

    /// Database to dump [default: the branch's default database]
    #[arg(long, value_name = "NAME")]
    pub db: Option<String>,

    /// Every database, roles included, as plain SQL (pg_dumpall)
    #[arg(long, conflicts_with_all = ["db", "jobs"])]
    pub all_databases: bool,
}

#[derive(Debug, Args)]
pub struct InitArgs {
    /// ZFS pool to create the store in [default: the only pool, or "stagdb" with --pool-file]
    #[arg(long, value_name = "POOL")]
    pub pool: Option<String>,

    /// Create the pool first, on a sparse file at PATH (no spare disk needed)
    #[arg(long, value_name = "PATH", requires = "size")]
    pub pool_file: Option<PathBuf>,

    /// Size of the sparse pool file, e.g. 20G
    #[arg(long, value_name = "SIZE", requires = "pool_file")]
    pub size: Option<String>,

    /// The store's root dataset [default: POOL/stagdb]
    #[arg(long, value_name = "DATASET")]
    pub dataset: Option<String>,

    /// PostgreSQL major version of main
    #[arg(long, value_name = "N", default_value_t = DEFAULT_PG_VERSION)]
    pub pg_version: u32,

    /// Container image template; {major} becomes the PostgreSQL major version
    #[arg(long, value_name = "TEMPLATE", default_value = DEFAULT_IMAGE)]
    pub image: String,

    /// Host ports handed out to branches
    #[arg(long, value_name = "LOW-HIGH", default_value = DEFAULT_PORTS)]
    pub ports: String,

    /// Host port that always serves the HEAD branch
    #[arg(long, value_name = "PORT", default_value_t = DEFAULT_HEAD_PORT)]
    pub head_port: u16,

    /// Host address the branches' ports are published (or listened) on
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1")]
    pub listen: String,

    /// Docker network the branches join (created if missing); containers on it reach a branch by its name, HEAD as stagdb-head
    #[arg(long, value_name = "NAME")]
    pub network: Option<String>,

    /// Memory limit every new branch (main too) gets, e.g. 2g; change with `stagdb config limits`
    #[arg(long, value_name = "SIZE")]
    pub memory: Option<String>,

    /// CPU limit every new branch (main too) gets, e.g. 1
    #[arg(long, value_name = "N")]
    pub cpus: Option<String>,
}

#[derive(Debug, Args)]
#[command(after_help = "\
Examples:
  stagdb branch                     list branches
  stagdb branch feature-x           branch from HEAD (snapshots it now) and start it
  stagdb branch hotfix main@v1      branch from a snapshot
  stagdb branch -d feature-x        remove a branch (same as stagdb rm)
  stagdb branch -m old-name new     rename a branch (HEAD follows)
  stagdb branch -m new              rename HEAD")]
pub struct BranchArgs {
    /// Name of the branch to create (Git ref-name rules); omit to list
    #[arg(value_name = "NAME", add = crate::complete::branches())]
    pub name: Option<String>,

    /// Where to branch from: BRANCH, BRANCH@SNAPSHOT or HEAD [default: HEAD]; with -m, the new name
    #[arg(value_name = "START", add = crate::complete::refs())]
    pub start: Option<String>,

    /// Remove the named branch instead (like stagdb rm)
    #[arg(
        short = 'd',
        long = "delete",
        requires = "name",
        conflicts_with = "start"
    )]
    pub delete: bool,

    /// Rename branch NAME to START's place: `-m OLD NEW` (or `-m NEW` for HEAD)
    #[arg(
        short = 'm',
        long = "move",
        requires = "name",
        conflicts_with_all = ["delete", "no_start", "ttl", "expires_at"]
    )]
    pub rename: bool,

    /// Only create the branch; do not start its container (nor mount its dataset, until it first starts)
    #[arg(long, conflicts_with = "delete")]
    pub no_start: bool,

    /// Let `stagdb gc` remove the branch after this long, e.g. 8h, 30m, 2d, 1w
    #[arg(long, value_name = "DURATION", conflicts_with_all = ["delete", "expires_at"])]
    pub ttl: Option<String>,

    /// Let `stagdb gc` remove the branch after this future time (RFC 3339, or local YYYY-MM-DD[ HH:MM])
    #[arg(long, value_name = "TIME", conflicts_with = "delete")]
    pub expires_at: Option<String>,

    /// Branch from the newest snapshot taken at or before TIME (RFC 3339, local YYYY-MM-DD[ HH:MM], yesterday, or N UNIT ago: 2h ago, 30 min ago, 3 days ago)
    #[arg(long, value_name = "TIME", requires = "name", conflicts_with_all = ["start", "delete", "rename"])]
    pub from_time: Option<String>,

    /// With --from-time: whose snapshots (its own and its ancestors') [default: HEAD]
    #[arg(long, value_name = "BRANCH", requires = "from_time", add = crate::complete::branches())]
    pub of: Option<String>,

    /// Memory limit of the new branch's container, e.g. 512m, 2g (no swap); none: unlimited [default: the store's, `stagdb config limits`]
    #[arg(long, value_name = "SIZE", conflicts_with_all = ["delete", "rename"])]
    pub memory: Option<String>,

    /// CPU limit of the new branch's container, e.g. 1, 0.5; none: unlimited [default: the store's]
    #[arg(long, value_name = "N", conflicts_with_all = ["delete", "rename"])]
    pub cpus: Option<String>,
}

#[derive(Debug, Args)]
#[command(after_help = "\
Exit status: 0 when the store is healthy (after the fixes, with --fix), 1 when problems remain.")]
pub struct DoctorArgs {
    /// Repair what is safe to repair, saying each thing done
    #[arg(long)]
    pub fix: bool,

    /// With --fix: only say what would be done
    #[arg(long, requires = "fix")]
    pub dry_run: bool,
}

#[derive(Debug, Args)]
pub struct GcArgs {
    /// Only say what would be removed
    #[arg(long)]
    pub dry_run: bool,
}

#[derive(Debug, Args)]
pub struct ProtectArgs {
    /// Branches
    #[arg(value_name = "NAME", required = true, add = crate::complete::branches())]
    pub names: Vec<String>,
}

#[derive(Debug, Args)]
pub struct CheckoutArgs {
    /// Branch to make HEAD
    #[arg(value_name = "NAME", add = crate::complete::branches())]
    pub name: String,

    /// Create the branch first (from START, default HEAD)
    #[arg(short = 'b')]
    pub create: bool,

    /// With -b: where to branch from
    #[arg(value_name = "START", requires = "create", add = crate::complete::refs())]
    pub start: Option<String>,
}

#[derive(Debug, Args)]
pub struct SnapshotArgs {
    /// Branch to snapshot [default: HEAD]
    #[arg(value_name = "BRANCH", add = crate::complete::branches())]
    pub branch: Option<String>,

    /// Message kept with the snapshot
    #[arg(short, long, value_name = "MESSAGE")]
    pub message: Option<String>,

    /// Snapshot name [default: a timestamp]
    #[arg(long, value_name = "NAME")]
    pub name: Option<String>,
}

#[derive(Debug, Args)]
pub struct LogArgs {
    /// Branch or BRANCH@SNAPSHOT to start from [default: HEAD]
    #[arg(value_name = "REF", add = crate::complete::refs())]
    pub reference: Option<String>,

    /// Show at most N entries
    #[arg(
        short = 'n',
        long = "max-count",
        value_name = "N",
        conflicts_with = "graph"
    )]
    pub max_count: Option<usize>,

    /// Branches and snapshots as a tree (REF's whole tree, from its root)
    #[arg(long)]
    pub graph: bool,

    /// With --graph: every tree of the store (every root, imported ones too)
    #[arg(long, requires = "graph")]
    pub all: bool,
}

#[derive(Debug, Args)]
pub struct ShowArgs {
    /// Branch or BRANCH@SNAPSHOT [default: HEAD]
    #[arg(value_name = "REF", add = crate::complete::refs())]
    pub reference: Option<String>,
}

#[derive(Debug, Args)]
pub struct ResetArgs {
    /// Branch to reset [default: HEAD]
    #[arg(value_name = "BRANCH", add = crate::complete::branches())]
    pub branch: Option<String>,

    /// Snapshot to go back to [default: the branch's newest snapshot, else its branch point]
    #[arg(long, value_name = "REF", add = crate::complete::refs())]
    pub to: Option<String>,

    /// Keep the current state first as new branch NAME (a snapshot and a branch of it; both or neither)
    #[arg(long, value_name = "NAME")]
    pub preserve_as: Option<String>,

    /// With --preserve-as: start the preserved branch too [default: it stays stopped]
    #[arg(long, requires = "preserve_as")]
    pub start: bool,
}

#[derive(Debug, Args)]
pub struct RmArgs {
    /// Branches to remove
    #[arg(value_name = "NAME", required = true, add = crate::complete::branches())]
    pub names: Vec<String>,
}

#[derive(Debug, Args)]
pub struct NamesArgs {
    /// Branches [default: HEAD]
    #[arg(value_name = "NAME", add = crate::complete::branches())]
    pub names: Vec<String>,

    /// Every branch of the store (e.g. after a reboot, or before maintenance)
    #[arg(long, conflicts_with = "names")]
    pub all: bool,
}

#[derive(Debug, Args)]
pub struct RefArgs {
    /// Branch [default: HEAD]
    #[arg(value_name = "BRANCH", add = crate::complete::branches())]
    pub reference: Option<String>,

    /// Database [default: the branch's default database: an imported one's own, else postgres]
    #[arg(long, value_name = "NAME")]
    pub db: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum EnvFormat {
    /// `export NAME='value'` lines for `eval "$(stagdb env)"`
    Shell,
    /// `NAME="value"` lines for docker compose's `env_file:`, direnv's `dotenv`, ...
    Dotenv,
    /// One JSON object (same as --json)
    Json,
}

#[derive(Debug, Args)]
#[command(after_help = "\
Examples:
  eval \"$(stagdb env feature-x)\"          into this shell
  stagdb env --write .env                  a dotenv file (mode 0600) for docker compose or direnv")]
pub struct EnvArgs {
    #[command(flatten)]
    pub target: RefArgs,

    /// Output format
    #[arg(long, value_enum, default_value = "shell")]
    pub format: EnvFormat,

    /// Write a dotenv file (mode 0600, replaced atomically; an existing one only if stagdb wrote it) instead of printing
    #[arg(long, value_name = "FILE", conflicts_with = "format")]
    pub write: Option<PathBuf>,

    /// With --write: replace FILE even if stagdb did not write it
    #[arg(long, requires = "write")]
    pub force: bool,
}

#[derive(Debug, Args)]
pub struct PsqlArgs {
    /// Branch [default: HEAD]
    #[arg(value_name = "BRANCH", add = crate::complete::branches())]
    pub reference: Option<String>,

    /// Database [default: the branch's default database]
    #[arg(long, value_name = "NAME")]
    pub db: Option<String>,

    /// Arguments passed to psql (after --)
    #[arg(last = true, value_name = "ARGS")]
    pub args: Vec<String>,
}

#[derive(Debug, Args)]
#[command(after_help = "\
Examples:
  docker compose -f compose.yaml -f <(stagdb compose) up          app follows HEAD (stagdb checkout)
  stagdb compose feature-x --service api --service worker > compose.stagdb.yaml

The store needs a Docker network (stagdb config network NAME): the override
puts the services on it and points DATABASE_URL, PGHOST, ... at the branch's
alias there, port 5432.")]
pub struct ComposeArgs {
    /// Branch, pinned [default: follow HEAD through its network alias]
    #[arg(value_name = "BRANCH", add = crate::complete::branches())]
    pub reference: Option<String>,

    /// Compose service to point at the branch (repeatable)
    #[arg(
        long = "service",
        short = 's',
        value_name = "NAME",
        default_value = "app"
    )]
    pub services: Vec<String>,

    /// Database [default: the branch's default database]
    #[arg(long, value_name = "NAME")]
    pub db: Option<String>,
}

#[derive(Debug, Args)]
#[command(after_help = "\
Examples:
  stagdb diff feature-x                 what feature-x changed in the schema since it was branched
  stagdb diff feature-x main            feature-x against main as it is now
  stagdb diff main@v1 main@v2 --stat    rows and sizes per table between two snapshots
  stagdb diff feature-x --exit-code     in CI: exit 1 when the schema changed")]
pub struct DiffArgs {
    /// Branch or BRANCH@SNAPSHOT to show (b)
    #[arg(value_name = "REF", add = crate::complete::refs())]
    pub reference: String,

    /// What to compare it with (a) [default: REF's branch point]
    #[arg(value_name = "BASE", add = crate::complete::refs())]
    pub base: Option<String>,

    /// Per table: row estimates and sizes on both sides, instead of the schema diff
    #[arg(long)]
    pub stat: bool,

    /// Database [default: REF's default database]
    #[arg(long, value_name = "NAME")]
    pub db: Option<String>,

    /// Exit with 1 when the schemas differ (like git diff --exit-code)
    #[arg(long)]
    pub exit_code: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ConfigKey {
    /// The Docker network the branches join (store property stagdb:network)
    Network,
    /// Memory and CPU limits new branches get (stagdb:memory, stagdb:cpus), or one branch's with --branch
    Limits,
}

#[derive(Debug, Args)]
#[command(after_help = "\
Examples:
  stagdb config                        all settings of the store
  stagdb config network devnet         branches join devnet (live; those on the host's
                                       network restart), created if missing
  stagdb config network --unset        back to Docker's default bridge (HEAD) and the
                                       host's network (the others, at their next start)
  stagdb config limits --memory 2g --cpus 1
                                       limits new branches get (none: unlimited)
  stagdb config limits --branch dev --memory 512m
                                       dev's own limit, from its next start")]
pub struct ConfigArgs {
    /// Setting to show or change; omit to show all
    #[arg(value_enum, value_name = "KEY")]
    pub key: Option<ConfigKey>,

    /// New value
    #[arg(value_name = "VALUE", requires = "key")]
    pub value: Option<String>,

    /// Remove the setting
    #[arg(long, requires = "key")]
    pub unset: bool,

    /// With limits: the memory limit, e.g. 512m, 2g (memory and swap alike); none: unlimited
    #[arg(long, value_name = "SIZE", requires = "key")]
    pub memory: Option<String>,

    /// With limits: the CPU limit, e.g. 1, 0.5; none: unlimited
    #[arg(long, value_name = "N", requires = "key")]
    pub cpus: Option<String>,

    /// With limits: this branch's own limits (applied at its next start), not the store's defaults
    #[arg(long, value_name = "NAME", requires = "key", add = crate::complete::branches())]
    pub branch: Option<String>,
}

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// Shell to generate completions for
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

/// The clap command, for completions and man pages.
pub fn command() -> clap::Command {
    <Cli as clap::CommandFactory>::command()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clap_definition_is_consistent() {
        command().debug_assert();
    }

    #[test]
    fn branch_forms_parse() {
        let cli = Cli::try_parse_from(["stagdb", "branch", "x", "main@s1", "--no-start"]).unwrap();
        match cli.command {
            Command::Branch(b) => {
                assert_eq!(b.name.as_deref(), Some("x"));
                assert_eq!(b.start.as_deref(), Some("main@s1"));
                assert!(b.no_start);
            }
            other => panic!("unexpected {other:?}"),
        }
        assert!(Cli::try_parse_from(["stagdb", "branch", "-d"]).is_err());
        assert!(Cli::try_parse_from(["stagdb", "commit", "-m", "x"]).is_ok());
    }

    #[test]
    fn psql_passes_trailing_args() {
        let cli = Cli::try_parse_from(["stagdb", "psql", "dev", "--", "-c", "select 1"]).unwrap();
        match cli.command {
            Command::Psql(p) => assert_eq!(p.args, ["-c", "select 1"]),
            other => panic!("unexpected {other:?}"),
        }
    }
}
