//! The ZFS backend: `zfs` and `zpool` run through duct. Every failure shows
//! the command line (with secrets redacted) and zfs's stderr.

pub mod holders;
pub mod parse;
pub mod tuning;

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use anyhow::{Context, Result, bail};

pub use parse::Entry;

/// `zfs get -d 1` of `props` (comma-separated): the datasets named and
/// the level below them, no deeper snapshot. The datasets follow.
pub fn get_depth1_args(props: &str) -> Vec<String> {
    [
        "get",
        "-d",
        "1",
        "-H",
        "-p",
        "-o",
        "name,property,value,source",
        props,
    ]
    .iter()
    .map(|s| s.to_string())
    .collect()
}

/// The native property that parks a dataset (`off`): not mounted, not
/// even by `zfs mount -a`, until set `on` again.
pub const CANMOUNT: &str = "canmount";

/// Set at creation (`zfs clone -o`): the new dataset is parked.
pub fn parked_prop() -> (&'static str, String) {
    (CANMOUNT, "off".to_string())
}

/// Whether an entry read with [`CANMOUNT`] is parked.
pub fn is_parked(e: &Entry) -> bool {
    e.native(CANMOUNT) == Some("off")
}

/// Properties read for a whole store in one `zfs get -r`. Only ones that
/// both OpenZFS and the zfs-fuse (0.7-era) CLI know. zfs prints them in this
/// order for every object, and the last one is native (`type`), so a line
/// forged inside a user property's value is always followed by a real line
/// of the same object, which gives it away (see `parse::parse_get`).
pub const TREE_PROPS: &[&str] = &[
    "origin",
    "used",
    "referenced",
    // Of the store root: what its branches can still write (a pool's "free" counts space ZFS
    // keeps back for itself; PostgreSQL fails at 0 available while that shows 10% free).
    "available",
    "creation",
    "mountpoint",
    "mounted",
    CANMOUNT,
    crate::props::STORE,
    crate::props::BRANCH,
    crate::props::PORT,
    crate::props::PASSWORD,
    crate::props::PG_VERSION,
    crate::props::CREATED,
    crate::props::PARENT,
    crate::props::MESSAGE,
    crate::props::AUTHOR,
    crate::props::KIND,
    crate::props::IMAGE,
    crate::props::PORTS,
    crate::props::HEAD_PORT,
    crate::props::LISTEN,
    crate::props::NETWORK,
    crate::props::HEAD,
    crate::props::STATE,
    crate::props::EXPIRES,
    crate::props::PROTECTED,
    crate::props::TAKEN,
    crate::props::DATABASE,
    crate::props::SOURCE,
    crate::props::RETIRED,
    crate::props::MEMORY,
    crate::props::CPUS,
    "type",
];

/// Runs `zfs`/`zpool` off the async runtime (signals and Docker I/O go on
/// meanwhile). A started command is never abandoned: it runs to its end on
/// a blocking thread even when the command that asked for it is
/// interrupted, and [`Zfs::idle`] waits for every such command, so a
/// rollback sees what they made.
#[derive(Debug, Clone)]
pub struct Zfs {
    pub verbose: bool,
    inflight: Arc<AtomicUsize>,
    /// `zfs set -u` was refused once: not tried again this run.
    no_set_u: Arc<std::sync::atomic::AtomicBool>,
}

/// Hides the value of any `stagdb:password=...` argument.
fn display_args(program: &str, args: &[String]) -> String {
    let mut out = String::from(program);
    for a in args {
        out.push(' ');
        let shown = if a.starts_with(&format!("{}=", crate::props::PASSWORD)) {
            format!("{}=<redacted>", crate::props::PASSWORD)
        } else {
            a.clone()
        };
        if shown.is_empty() || shown.contains([' ', '\t', '\'', '"', '\n']) {
            out.push_str(&format!("'{}'", shown.replace('\'', "'\\''")));
        } else {
            out.push_str(&shown);
        }
    }
    out
}

/// `-o key=value` pairs for create/clone/snapshot.
fn prop_args(props: &[(&str, String)]) -> Vec<String> {
    props
        .iter()
        .flat_map(|(k, v)| ["-o".to_string(), format!("{k}={v}")])
        .collect()
}

/// What a failed zfs/zpool command means, decided once from its stderr
/// (the CLI has no machine-readable errors), so callers match on a kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failure {
    AlreadyExists,
    Missing,
    /// "busy": zfs-fuse says so while a FUSE mount drains; worth a retry.
    Busy,
    /// Created, but a later step (mounting) failed: it exists.
    CreatedNotMounted,
    AlreadyMounted,
    NoSpace,
    Denied,
    /// A property or value this ZFS does not know (zfs-fuse: no lz4, no xattr=sa).
    Unsupported,
    Other,
}

impl Failure {
    fn classify(stderr: &str) -> Failure {
        // zfs quotes names ('pool/t-busy'): only its own words are read.
        let s = unquoted(stderr).to_ascii_lowercase();
        if s.contains("successfully created") {
            Failure::CreatedNotMounted
        } else if s.contains("already mounted") {
            Failure::AlreadyMounted
        } else if s.contains("already exists") {
            Failure::AlreadyExists
        } else if s.contains("does not exist") || s.contains("no such") {
            Failure::Missing
        } else if s.contains("busy") {
            Failure::Busy
        } else if s.contains("out of space") || s.contains("no space") {
            Failure::NoSpace
        } else if s.contains("permission denied") || s.contains("not permitted") {
            Failure::Denied
        } else if s.contains("must be one of")
            || s.contains("invalid property")
            || s.contains("not supported")
            || s.contains("unsupported")
            || s.contains("upgrade")
        {
            Failure::Unsupported
        } else {
            Failure::Other
        }
    }
}

/// `text` without its single-quoted parts (names and values zfs quotes).
fn unquoted(text: &str) -> String {
    text.split('\'').step_by(2).collect::<Vec<_>>().join("''")
}

/// A failed zfs command, with its command line (secrets redacted) and stderr.
#[derive(Debug)]
pub struct ZfsError {
    pub command: String,
    pub status: Option<i32>,
    pub stderr: String,
    pub kind: Failure,
}

impl std::fmt::Display for ZfsError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let code = self
            .status
            .map(|c| format!("exit status {c}"))
            .unwrap_or_else(|| "killed by a signal".into());
        write!(f, "`{}` failed ({code})", self.command)?;
        if !self.stderr.trim().is_empty() {
            write!(f, ": {}", self.stderr.trim())?;
        }
        Ok(())
    }
}

impl std::error::Error for ZfsError {}

/// The kind of a zfs failure anywhere in the error's chain.
pub fn failure(err: &anyhow::Error) -> Option<Failure> {
    err.chain()
        .find_map(|c| c.downcast_ref::<ZfsError>())
        .map(|e| e.kind)
}

/// True when `err` is a zfs failure saying the target already exists.
pub fn is_already_exists(err: &anyhow::Error) -> bool {
    failure(err) == Some(Failure::AlreadyExists)
}

/// True when zfs created the dataset but failed a later step (mounting):
/// the dataset exists and is ours to roll back.
pub fn was_created(err: &anyhow::Error) -> bool {
    failure(err) == Some(Failure::CreatedNotMounted) || err.downcast_ref::<NotMounted>().is_some()
}

/// A dataset created (zfs exited 0) that could not be mounted.
#[derive(Debug)]
pub struct NotMounted(pub String);

impl std::fmt::Display for NotMounted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} was created but is not mounted, and mounting it failed (nothing was written to its mountpoint)",
            self.0
        )
    }
}

impl std::error::Error for NotMounted {}

/// True when the error says the dataset does not exist.
pub fn is_missing(err: &anyhow::Error) -> bool {
    failure(err) == Some(Failure::Missing)
}

/// zfs's usage error for a flag it does not know (zfs-fuse, older OpenZFS).
fn is_bad_option(err: &anyhow::Error) -> bool {
    err.chain()
        .find_map(|c| c.downcast_ref::<ZfsError>())
        .is_some_and(|e| e.stderr.contains("invalid option"))
}

fn is_busy(err: &anyhow::Error) -> bool {
    failure(err) == Some(Failure::Busy)
}

/// Decrements the in-flight count when the blocking command is over.
struct InflightGuard(Arc<AtomicUsize>);

impl Drop for InflightGuard {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

fn run_sync(verbose: bool, program: &str, args: &[String]) -> Result<String> {
    let shown = display_args(program, args);
    if verbose {
        eprintln!("+ {shown}");
    }
    let out = duct::cmd(program, args)
        // Own process group: a Ctrl-C reaches stagdb only, which lets the
        // zfs step finish and then rolls it back.
        .before_spawn(|c| {
            use std::os::unix::process::CommandExt;
            c.process_group(0);
            crate::lock::inherit_locks(c);
            Ok(())
        })
        .stdout_capture()
        .stderr_capture()
        .stdin_null()
        .unchecked()
        .run()
        .map_err(|e| {
            let hint = if e.kind() == std::io::ErrorKind::NotFound {
                format!(" ({program} is not installed or not on PATH)")
            } else {
                String::new()
            };
            anyhow::anyhow!("could not run `{shown}`{hint}: {e}")
        })?;
    if !out.status.success() {
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        return Err(ZfsError {
            command: shown,
            status: out.status.code(),
            kind: Failure::classify(&stderr),
            stderr,
        }
        .into());
    }
    // User properties may hold any bytes; never fail a whole read on them.
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

impl Zfs {
    pub fn new(verbose: bool) -> Zfs {
        Zfs {
            verbose,
            inflight: Arc::new(AtomicUsize::new(0)),
            no_set_u: Arc::default(),
        }
    }

    async fn run(&self, program: &'static str, args: Vec<String>) -> Result<String> {
        self.inflight.fetch_add(1, Ordering::SeqCst);
        let guard = InflightGuard(self.inflight.clone());
        let verbose = self.verbose;
        tokio::task::spawn_blocking(move || {
            let _guard = guard;
            run_sync(verbose, program, &args)
        })
        .await
        .map_err(|e| anyhow::anyhow!("{program} task failed: {e}"))?
    }

    /// Waits until no zfs/zpool command started by this process is running.
    pub async fn idle(&self) {
        while self.inflight.load(Ordering::SeqCst) > 0 {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }

    async fn zfs<I, S>(&self, args: I) -> Result<String>
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.run("zfs", args.into_iter().map(Into::into).collect())
            .await
    }

    /// Everything stagdb needs about a store: one recursive `zfs get`.
    pub async fn get_tree(&self, root: &str) -> Result<Vec<Entry>> {
        self.get_props(&[root], true).await
    }

    /// The store root and the datasets right under it (every branch and
    /// generation), without snapshots: `zfs get -d 1`. On zfs-fuse a
    /// recursive read walks every snapshot (so does `zfs list -r -o name`);
    /// with 100 branches this read took 30 ms, `zfs get -r` 120 ms.
    pub async fn get_datasets(&self, root: &str) -> Result<Vec<Entry>> {
        let mut args = get_depth1_args(&TREE_PROPS.join(","));
        args.push(root.to_string());
        let out = self.run("zfs", args).await?;
        parse::parse_get(&out, TREE_PROPS, &[root]).map_err(|e| anyhow::anyhow!(e))
    }

    /// [`TREE_PROPS`] of the given datasets, with everything below them when
    /// `recursive` (their snapshots included).
    pub async fn get_props(&self, datasets: &[&str], recursive: bool) -> Result<Vec<Entry>> {
        let mut args = vec!["get".to_string()];
        if recursive {
            args.push("-r".into());
        }
        args.extend(
            ["-H", "-p", "-o", "name,property,value,source"]
                .iter()
                .map(|s| s.to_string()),
        );
        args.push(TREE_PROPS.join(","));
        args.extend(datasets.iter().map(|d| d.to_string()));
        let out = self.run("zfs", args).await?;
        parse::parse_get(&out, TREE_PROPS, datasets).map_err(|e| anyhow::anyhow!(e))
    }

    /// Properties of one dataset (not recursive); `None` when it does not exist.
    pub async fn get_one(&self, name: &str, props: &[&str]) -> Result<Option<Entry>> {
        match self
            .zfs([
                "get",
                "-H",
                "-p",
                "-o",
                "name,property,value,source",
                &props.join(","),
                name,
            ])
            .await
        {
            Ok(out) => Ok(parse::parse_get(&out, props, &[name])
                .map_err(|e| anyhow::anyhow!(e))?
                .into_iter()
                .next()),
            Err(e) if is_missing(&e) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// The user properties set on this very dataset, as (name, value):
    /// local or received (a `zfs receive`d store's, see `Entry::local`).
    pub async fn local_user_props(&self, name: &str) -> Result<Vec<(String, String)>> {
        let out = self
            .zfs([
                "get",
                "-H",
                "-p",
                "-s",
                "local,received",
                "-o",
                "property,value",
                "all",
                name,
            ])
            .await?;
        Ok(out
            .lines()
            .filter_map(|l| l.split_once('\t'))
            .filter(|(k, _)| k.contains(':'))
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect())
    }

    /// Every store root on the host (its own `stagdb:store` marker set),
    /// with its local port settings: searched pool by pool, level by
    /// level (see [`parse::store_search_step`]).
    pub async fn find_stores(&self) -> Result<Vec<Entry>> {
        // A level names the datasets the one above found: one destroyed in
        // between (e.g. by Docker's zfs storage driver) fails that read, so
        // the search starts over; a few times, then the error stands.
        let mut attempt = 0;
        loop {
            attempt += 1;
            match self.search_stores().await {
                Err(e) if attempt < 3 && is_missing(&e) => continue,
                other => return other,
            }
        }
    }

    async fn search_stores(&self) -> Result<Vec<Entry>> {
        let pools = self
            .run(
                "zpool",
                parse::StoreSearch::POOLS
                    .iter()
                    .map(|s| s.to_string())
                    .collect(),
            )
            .await?;
        let mut search = parse::StoreSearch::new(&pools);
        while let Some(args) = search.next_args() {
            let out = self.run("zfs", args).await?;
            search.feed(&out).map_err(|e| anyhow::anyhow!(e))?;
        }
        Ok(search.stores)
    }

    /// One property's values on every filesystem under `root` (snapshots
    /// excluded), inherited ones too: `zfs list -H -r -o PROP`, the cheapest
    /// read that sees every dataset. `-` (unset) values are left out.
    pub async fn list_values(&self, root: &str, prop: &str) -> Result<Vec<String>> {
        let out = self.zfs(["list", "-H", "-r", "-o", prop, root]).await?;
        Ok(out
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && *l != "-")
            .map(str::to_string)
            .collect())
    }

    /// Whether a dataset (or snapshot) exists.
    pub async fn exists(&self, name: &str) -> Result<bool> {
        match self.zfs(["list", "-H", "-o", "name", name]).await {
            Ok(_) => Ok(true),
            Err(e) if is_missing(&e) => Ok(false),
            Err(e) => Err(e),
        }
    }

    pub async fn create(&self, name: &str, props: &[(&str, String)]) -> Result<()> {
        let mut args = vec!["create".to_string()];
        args.extend(prop_args(props));
        args.push(name.to_string());
        self.run("zfs", args).await?;
        self.ensure_mounted(name).await
    }

    pub async fn clone_snapshot(
        &self,
        snapshot: &str,
        name: &str,
        props: &[(&str, String)],
    ) -> Result<()> {
        let mut args = vec!["clone".to_string()];
        args.extend(prop_args(props));
        args.push(snapshot.to_string());
        args.push(name.to_string());
        self.run("zfs", args).await?;
        self.ensure_mounted(name).await
    }

    /// OpenZFS 2.4's `zfs create`/`clone` exit 0 when only the mount failed
    /// (older ones and zfs-fuse say "successfully created, but not mounted"
    /// and exit 1): a file written to the mountpoint then lands in the
    /// directory below it, on another filesystem. So a dataset meant to be
    /// mounted (not parked) is checked, mounted once more if need be, else
    /// the error is one [`was_created`] knows: the caller rolls it back.
    async fn ensure_mounted(&self, name: &str) -> Result<()> {
        let out = self
            .zfs(["get", "-H", "-o", "value", "canmount,mounted", name])
            .await?;
        let vals: Vec<&str> = out.lines().map(str::trim).collect();
        match vals.as_slice() {
            ["off", ..] | [_, "yes"] => return Ok(()),
            _ => {}
        }
        if let Err(e) = self.mount(name).await {
            return Err(e.context(NotMounted(name.to_string())));
        }
        Ok(())
    }

    /// `zfs promote`: the clone takes over its origin's snapshots up to the
    /// one it was made from (and their clones); the origin becomes its clone.
    pub async fn promote(&self, clone: &str) -> Result<()> {
        self.retry_busy("zfs", &["promote", clone]).await
    }

    pub async fn snapshot(&self, full_name: &str, props: &[(&str, String)]) -> Result<()> {
        let mut args = vec!["snapshot".to_string()];
        args.extend(prop_args(props));
        args.push(full_name.to_string());
        self.run("zfs", args).await.map(drop)
    }

    /// Destroys a dataset with its snapshots (`-r`), or one snapshot. Never `-R`:
    /// stagdb does not destroy clones it was not asked to.
    pub async fn destroy(&self, name: &str, with_snapshots: bool) -> Result<()> {
        let args: &[&str] = if with_snapshots {
            &["destroy", "-r", name]
        } else {
            &["destroy", name]
        };
        let res = self.retry_busy("zfs", args).await;
        self.explain_busy(res, name).await
    }

    /// A "busy" that outlived the retries: names what holds `name` (see
    /// [`holders`]) so the error says what to stop; `error::CommandError`
    /// turns it into a hint.
    async fn explain_busy(&self, res: Result<()>, name: &str) -> Result<()> {
        let err = match res {
            Err(e) if is_busy(&e) => e,
            other => return other,
        };
        let user_holds = self.user_holds(name).await;
        let ds = name.to_string();
        let holders = tokio::task::spawn_blocking(move || holders::scan(&ds))
            .await
            .unwrap_or_default();
        Err(err.context(holders::HeldBy {
            dataset: name.to_string(),
            holders,
            user_holds,
        }))
    }

    /// `zfs holds` of `name`'s snapshots (or of the snapshot `name`). zfs-fuse
    /// has no working `zfs holds` (it needs pyzfs): nothing found then.
    async fn user_holds(&self, name: &str) -> Vec<String> {
        let snaps = if name.contains('@') {
            vec![name.to_string()]
        } else {
            match self
                .zfs(["list", "-H", "-r", "-t", "snapshot", "-o", "name", name])
                .await
            {
                Ok(out) => out.lines().map(str::to_string).collect(),
                Err(_) => return Vec::new(),
            }
        };
        if snaps.is_empty() {
            return Vec::new();
        }
        let mut args = vec!["holds".to_string(), "-H".to_string()];
        args.extend(snaps);
        match self.run("zfs", args).await {
            Ok(out) => holders::parse_holds(&out),
            Err(_) => Vec::new(),
        }
    }

    /// A dataset whose container just stopped can be briefly "busy" (open
    /// files draining from the FUSE mount; zfs-fuse says so on the first
    /// destroy almost every time): retry, 20 ms first, backing off to
    /// 500 ms, for about ten seconds in all. The waits are async: an
    /// interrupt is acted on between tries.
    async fn retry_busy(&self, program: &'static str, args: &[&str]) -> Result<()> {
        let mut wait = Duration::from_millis(20);
        let mut waited = Duration::ZERO;
        loop {
            let res = self
                .run(program, args.iter().map(|s| s.to_string()).collect())
                .await;
            match res {
                Err(e) if is_busy(&e) && waited < Duration::from_secs(10) => {
                    tokio::time::sleep(wait).await;
                    waited += wait;
                    wait = (wait * 2).min(Duration::from_millis(500));
                }
                other => return other.map(drop),
            }
        }
    }

    /// Renames a dataset. zfs-fuse cannot rename a mounted filesystem
    /// ("dataset is busy"): then unmount, rename and mount again.
    pub async fn rename(&self, from: &str, to: &str) -> Result<()> {
        match self.zfs(["rename", from, to]).await {
            Err(e) if is_busy(&e) => {
                self.zfs(["unmount", from]).await?;
                // Even unmounted, zfs-fuse can stay "busy" for a moment.
                self.retry_busy("zfs", &["rename", from, to]).await?;
                self.mount(to).await
            }
            other => other.map(drop),
        }
    }

    /// Parks a branch's dataset (`canmount=off`, see `store::Branch::parked`)
    /// or makes it mountable again; mounting stays the caller's.
    pub async fn set_parked(&self, name: &str, parked: bool) -> Result<()> {
        if !parked {
            return self.set(name, CANMOUNT, "on").await;
        }
        // OpenZFS unmounts a mounted dataset set `canmount=off` at once (and
        // the set fails if that is busy); a park never means "unmount now"
        // (see `Undo::Park`), so `-u` (OpenZFS 2.2+) sets it alone. zfs-fuse
        // (which never unmounts on this set) and older OpenZFS refuse `-u`:
        // learnt once per run, then plain `set`.
        let arg = format!("{CANMOUNT}=off");
        if !self.no_set_u.load(Ordering::Relaxed) {
            match self.zfs(["set", "-u", &arg, name]).await {
                Err(e) if is_bad_option(&e) => self.no_set_u.store(true, Ordering::Relaxed),
                other => return other.map(drop),
            }
        }
        self.set(name, CANMOUNT, "off").await
    }

    pub async fn set(&self, name: &str, prop: &str, value: &str) -> Result<()> {
        self.zfs(["set", &format!("{prop}={value}"), name])
            .await
            .map(drop)
    }

    /// Removes a local property (`zfs inherit`).
    pub async fn inherit(&self, name: &str, prop: &str) -> Result<()> {
        self.zfs(["inherit", prop, name]).await.map(drop)
    }

    /// Unmounts a filesystem, retrying while zfs-fuse says "busy" (for a
    /// moment after a container using it went away).
    pub async fn unmount(&self, name: &str) -> Result<()> {
        let res = self.retry_busy("zfs", &["unmount", name]).await;
        self.explain_busy(res, name).await
    }

    /// Mounted afterwards: one already mounted is not an error (a plan
    /// read before another step mounted it may ask again), and zfs-fuse's
    /// passing "busy" (right after a container or a killed command's
    /// unmount let go of it; seen in CI) is waited out.
    pub async fn mount(&self, name: &str) -> Result<()> {
        match self.retry_busy("zfs", &["mount", name]).await {
            Err(e) if failure(&e) == Some(Failure::AlreadyMounted) => Ok(()),
            r => r,
        }
    }

    /// `zfs version` / the zfs-fuse banner: what `doctor` shows.
    pub async fn version(&self) -> Result<String> {
        // OpenZFS has `zfs version`; zfs-fuse's zfs has none, its pools report v23+.
        match self.zfs(["version"]).await {
            Ok(out) => Ok(out.lines().next().unwrap_or("").trim().to_string()),
            Err(_) => {
                let out = self
                    .run(
                        "zpool",
                        ["upgrade", "-v"].iter().map(|s| s.to_string()).collect(),
                    )
                    .await?;
                Ok(out
                    .lines()
                    .find(|l| l.contains("version"))
                    .unwrap_or("zfs (version unknown)")
                    .trim()
                    .to_string())
            }
        }
    }

    /// Pool health and space: (health, size bytes, free bytes).
    pub async fn pool_status(&self, pool: &str) -> Result<(String, Option<u64>, Option<u64>)> {
        // Human-readable sizes: older zpool (zfs-fuse) has no -p, and two
        // calls would double the cost of `status`.
        let out = self
            .run(
                "zpool",
                ["list", "-H", "-o", "health,size,free", pool]
                    .iter()
                    .map(|s| s.to_string())
                    .collect(),
            )
            .await?;
        let cols: Vec<&str> = out.trim_end().split('\t').collect();
        match cols.as_slice() {
            [health, size, free, ..] => {
                Ok((health.to_string(), parse_size(size), parse_size(free)))
            }
            _ => bail!("unexpected `zpool list` output: {out:?}"),
        }
    }

    pub async fn pools(&self) -> Result<Vec<String>> {
        let out = self
            .run(
                "zpool",
                ["list", "-H", "-o", "name"]
                    .into_iter()
                    .map(String::from)
                    .collect(),
            )
            .await?;
        Ok(out
            .lines()
            .map(|l| l.trim().to_string())
            .filter(|l| !l.is_empty())
            .collect())
    }

    /// Creates a pool on a sparse file of `size` bytes (the no-spare-disk setup).
    pub async fn create_file_pool(&self, pool: &str, file: &Path, size: u64) -> Result<()> {
        if file.exists() {
            bail!(
                "{} already exists; stagdb will not overwrite it",
                file.display()
            );
        }
        if let Some(dir) = file.parent() {
            std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        }
        let f = std::fs::File::create_new(file)
            .with_context(|| format!("creating {}", file.display()))?;
        f.set_len(size)
            .with_context(|| format!("sizing {}", file.display()))?;
        drop(f);
        let path = std::fs::canonicalize(file)?;
        let res = self
            .run(
                "zpool",
                vec!["create".into(), pool.into(), path.display().to_string()],
            )
            .await;
        if res.is_err() {
            let _ = std::fs::remove_file(&path);
        }
        res.map(drop)
    }

    /// Undoes [`Zfs::create_file_pool`]. zfs-fuse can answer "busy" right
    /// after the pool's datasets were destroyed: retried like destroys.
    pub async fn destroy_file_pool(&self, pool: &str, file: &Path) -> Result<()> {
        self.retry_busy("zpool", &["destroy", pool]).await?;
        std::fs::remove_file(file).with_context(|| format!("removing {}", file.display()))
    }
}

/// Parses `10G`, `512M`, `1.5T`, `4096` (bytes) into bytes.
pub fn parse_size(s: &str) -> Option<u64> {
    let s = s.trim();
    let (num, mult) = match s.char_indices().find(|(_, c)| c.is_ascii_alphabetic()) {
        Some((i, _)) => {
            let unit = s[i..]
                .trim_end_matches(['B', 'b', 'i'])
                .to_ascii_uppercase();
            let mult: u64 = match unit.as_str() {
                "" => 1,
                "K" => 1 << 10,
                "M" => 1 << 20,
                "G" => 1 << 30,
                "T" => 1 << 40,
                "P" => 1 << 50,
                _ => return None,
            };
            (&s[..i], mult)
        }
        None => (s, 1),
    };
    let n: f64 = num.trim().parse().ok()?;
    if !n.is_finite() || n < 0.0 {
        return None;
    }
    Some((n * mult as f64) as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_properties_and_values_are_unsupported() {
        // zfs-fuse's and OpenZFS's words for a value or property they lack.
        for stderr in [
            "cannot set property for 'p/s': 'compression' must be one of 'on | off | lzjb | gzip | gzip-[1-9] | zle'",
            "cannot set property for 'p/s': invalid property 'redundant_metadata'",
            "cannot set property for 'p/s': pool and or dataset must be upgraded to set this property or value",
        ] {
            assert_eq!(Failure::classify(stderr), Failure::Unsupported, "{stderr}");
        }
        assert_eq!(
            Failure::classify("cannot set property for 'p/s': dataset is busy"),
            Failure::Busy
        );
        // A name is not a word of zfs's: a store called t-busy is not busy.
        assert_eq!(
            Failure::classify(
                "cannot set property for 'p/t-busy': 'xattr' must be one of 'on | off'"
            ),
            Failure::Unsupported
        );
        assert_eq!(
            Failure::classify("cannot open 'p/already exists': dataset does not exist"),
            Failure::Missing
        );
    }

    #[test]
    fn sizes() {
        assert_eq!(parse_size("4096"), Some(4096));
        assert_eq!(parse_size("10G"), Some(10 << 30));
        assert_eq!(parse_size("512M"), Some(512 << 20));
        assert_eq!(parse_size("1.5K"), Some(1536));
        assert_eq!(parse_size("2GiB"), Some(2 << 30));
        assert_eq!(parse_size("x"), None);
        assert_eq!(parse_size("5Q"), None);
    }

    #[test]
    fn passwords_are_redacted_from_shown_commands() {
        let args = prop_args(&[
            (crate::props::PASSWORD, "s3cret".to_string()),
            (crate::props::MESSAGE, "two words".to_string()),
        ]);
        let shown = display_args("zfs", &args);
        assert!(!shown.contains("s3cret"), "{shown}");
        assert!(shown.contains("stagdb:password=<redacted>"));
        assert!(shown.contains("'stagdb:message=two words'"));
    }
}
