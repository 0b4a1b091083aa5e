//! The ZFS backend: `zfs` and `zpool` run through duct. Every failure shows
//! the command line (with secrets redacted) and zfs's stderr.

pub mod parse;

use std::path::Path;

use anyhow::{Context, Result, bail};

pub use parse::{Entry, Source};

/// Properties read for a whole store in one `zfs get -r`. Only ones that
/// both OpenZFS and the zfs-fuse (0.7-era) CLI know.
pub const TREE_PROPS: &[&str] = &[
    "type",
    "origin",
    "used",
    "referenced",
    "creation",
    "mountpoint",
    "mounted",
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
    crate::props::HEAD,
];

#[derive(Debug, Clone, Copy)]
pub struct Zfs {
    pub verbose: bool,
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
        if shown.is_empty() || shown.contains([' ', '\t', '\'', '"']) {
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

/// A failed zfs command: callers can look at stderr (e.g. "dataset already exists").
#[derive(Debug)]
pub struct ZfsError {
    pub command: String,
    pub status: Option<i32>,
    pub stderr: String,
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

impl ZfsError {
    pub fn already_exists(&self) -> bool {
        self.stderr.contains("already exists")
    }
}

/// True when `err` is a zfs failure saying the target already exists.
pub fn is_already_exists(err: &anyhow::Error) -> bool {
    err.downcast_ref::<ZfsError>()
        .is_some_and(ZfsError::already_exists)
}

impl Zfs {
    fn run(&self, program: &str, args: Vec<String>) -> Result<String> {
        let shown = display_args(program, &args);
        if self.verbose {
            eprintln!("+ {shown}");
        }
        let out = duct::cmd(program, &args)
            // Own process group: a Ctrl-C reaches stagdb, which lets the
            // zfs step finish, records it, then rolls it back.
            .before_spawn(|c| {
                use std::os::unix::process::CommandExt;
                c.process_group(0);
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
            return Err(ZfsError {
                command: shown,
                status: out.status.code(),
                stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
            }
            .into());
        }
        String::from_utf8(out.stdout).with_context(|| format!("`{shown}` printed invalid UTF-8"))
    }

    fn zfs<I, S>(&self, args: I) -> Result<String>
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.run("zfs", args.into_iter().map(Into::into).collect())
    }

    /// Everything stagdb needs about a store: one recursive `zfs get`.
    pub fn get_tree(&self, root: &str) -> Result<Vec<Entry>> {
        self.get_props(&[root], true)
    }

    /// [`TREE_PROPS`] of the given datasets, with everything below them when
    /// `recursive` (their snapshots included).
    pub fn get_props(&self, datasets: &[&str], recursive: bool) -> Result<Vec<Entry>> {
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
        let out = self.run("zfs", args)?;
        parse::parse_get(&out).map_err(|e| anyhow::anyhow!(e))
    }

    /// Properties of one dataset (not recursive); `None` when it does not exist.
    pub fn get_one(&self, name: &str, props: &[&str]) -> Result<Option<Entry>> {
        match self.zfs([
            "get",
            "-H",
            "-p",
            "-o",
            "name,property,value,source",
            &props.join(","),
            name,
        ]) {
            Ok(out) => Ok(parse::parse_get(&out)
                .map_err(|e| anyhow::anyhow!(e))?
                .into_iter()
                .next()),
            Err(e) if is_missing(&e) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Every store root on the host (its own `stagdb:store` marker set),
    /// with its local port settings.
    pub fn find_stores(&self) -> Result<Vec<Entry>> {
        let props = [
            crate::props::STORE,
            crate::props::PORTS,
            crate::props::HEAD_PORT,
        ];
        let out = self.zfs([
            "get",
            "-H",
            "-p",
            "-s",
            "local",
            "-o",
            "name,property,value,source",
            &props.join(","),
        ])?;
        let entries = parse::parse_get(&out).map_err(|e| anyhow::anyhow!(e))?;
        Ok(entries
            .into_iter()
            .filter(|e| !e.is_snapshot() && e.local(crate::props::STORE).is_some())
            .collect())
    }

    pub fn create(&self, name: &str, props: &[(&str, String)]) -> Result<()> {
        let mut args = vec!["create".to_string()];
        args.extend(prop_args(props));
        args.push(name.to_string());
        self.run("zfs", args).map(drop)
    }

    pub fn clone_snapshot(
        &self,
        snapshot: &str,
        name: &str,
        props: &[(&str, String)],
    ) -> Result<()> {
        let mut args = vec!["clone".to_string()];
        args.extend(prop_args(props));
        args.push(snapshot.to_string());
        args.push(name.to_string());
        self.run("zfs", args).map(drop)
    }

    pub fn snapshot(&self, full_name: &str, props: &[(&str, String)]) -> Result<()> {
        let mut args = vec!["snapshot".to_string()];
        args.extend(prop_args(props));
        args.push(full_name.to_string());
        self.run("zfs", args).map(drop)
    }

    /// Destroys a dataset with its snapshots (`-r`), or one snapshot. Never `-R`:
    /// stagdb does not destroy clones it was not asked to.
    pub fn destroy(&self, name: &str, with_snapshots: bool) -> Result<()> {
        let args: &[&str] = if with_snapshots {
            &["destroy", "-r", name]
        } else {
            &["destroy", name]
        };
        self.retry_busy(args)
    }

    /// A dataset whose container just stopped can be briefly "busy" (open
    /// files draining from the FUSE mount; zfs-fuse says so on the first
    /// destroy almost every time): retry, 20 ms first, backing off to
    /// 500 ms, for about ten seconds in all.
    fn retry_busy(&self, args: &[&str]) -> Result<()> {
        let mut wait = std::time::Duration::from_millis(20);
        let mut waited = std::time::Duration::ZERO;
        loop {
            match self.zfs(args.iter().copied()) {
                Err(e) if is_busy(&e) && waited < std::time::Duration::from_secs(10) => {
                    std::thread::sleep(wait);
                    waited += wait;
                    wait = (wait * 2).min(std::time::Duration::from_millis(500));
                }
                other => return other.map(drop),
            }
        }
    }

    /// Rolls back to `snapshot`; `destroy_newer` allows destroying later snapshots (`-r`).
    pub fn rollback(&self, snapshot: &str, destroy_newer: bool) -> Result<()> {
        if destroy_newer {
            self.zfs(["rollback", "-r", snapshot]).map(drop)
        } else {
            self.zfs(["rollback", snapshot]).map(drop)
        }
    }

    /// Renames a dataset. zfs-fuse cannot rename a mounted filesystem
    /// ("dataset is busy"): then unmount, rename and mount again.
    pub fn rename(&self, from: &str, to: &str) -> Result<()> {
        match self.zfs(["rename", from, to]) {
            Err(e) if is_busy(&e) => {
                self.zfs(["unmount", from])?;
                // Even unmounted, zfs-fuse can stay "busy" for a moment.
                self.retry_busy(&["rename", from, to])?;
                self.mount(to)
            }
            other => other.map(drop),
        }
    }

    pub fn set(&self, name: &str, prop: &str, value: &str) -> Result<()> {
        self.zfs(["set", &format!("{prop}={value}"), name])
            .map(drop)
    }

    /// Removes a local property (`zfs inherit`).
    pub fn inherit(&self, name: &str, prop: &str) -> Result<()> {
        self.zfs(["inherit", prop, name]).map(drop)
    }

    pub fn mount(&self, name: &str) -> Result<()> {
        self.zfs(["mount", name]).map(drop)
    }

    /// Pool health and space: (health, size bytes, free bytes).
    pub fn pool_status(&self, pool: &str) -> Result<(String, Option<u64>, Option<u64>)> {
        // Human-readable sizes: older zpool (zfs-fuse) has no -p, and two
        // calls would double the cost of `status`.
        let out = self.run(
            "zpool",
            ["list", "-H", "-o", "health,size,free", pool]
                .iter()
                .map(|s| s.to_string())
                .collect(),
        )?;
        let cols: Vec<&str> = out.trim_end().split('\t').collect();
        match cols.as_slice() {
            [health, size, free, ..] => {
                Ok((health.to_string(), parse_size(size), parse_size(free)))
            }
            _ => bail!("unexpected `zpool list` output: {out:?}"),
        }
    }

    pub fn pools(&self) -> Result<Vec<String>> {
        let out = self.run(
            "zpool",
            ["list", "-H", "-o", "name"]
                .into_iter()
                .map(String::from)
                .collect(),
        )?;
        Ok(out
            .lines()
            .map(|l| l.trim().to_string())
            .filter(|l| !l.is_empty())
            .collect())
    }

    /// Creates a pool on a sparse file of `size` bytes (the no-spare-disk setup).
    pub fn create_file_pool(&self, pool: &str, file: &Path, size: u64) -> Result<()> {
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
        let res = self.run(
            "zpool",
            vec!["create".into(), pool.into(), path.display().to_string()],
        );
        if res.is_err() {
            let _ = std::fs::remove_file(&path);
        }
        res.map(drop)
    }
}

impl Zfs {
    /// Undoes [`Zfs::create_file_pool`].
    pub fn destroy_file_pool(&self, pool: &str, file: &Path) -> Result<()> {
        self.run("zpool", vec!["destroy".into(), pool.into()])?;
        std::fs::remove_file(file).with_context(|| format!("removing {}", file.display()))
    }
}

fn is_busy(err: &anyhow::Error) -> bool {
    err.downcast_ref::<ZfsError>()
        .is_some_and(|e| e.stderr.contains("busy"))
}

/// True when zfs created the dataset but failed a later step (mounting):
/// the dataset exists and is ours to roll back.
pub fn was_created(err: &anyhow::Error) -> bool {
    err.downcast_ref::<ZfsError>()
        .is_some_and(|e| e.stderr.contains("successfully created"))
}

/// True when the error says the dataset does not exist.
pub fn is_missing(err: &anyhow::Error) -> bool {
    err.downcast_ref::<ZfsError>()
        .is_some_and(|e| e.stderr.contains("does not exist") || e.stderr.contains("no such"))
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
