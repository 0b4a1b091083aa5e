//! One-shot job containers: PostgreSQL's own tools (pg_dump, pg_restore,
//! psql, vacuumdb) run in a container of the branch's image, so the host
//! needs no PostgreSQL client and the tools always match the server.
//! Jobs use the host's network (an address means what it means on the
//! host), get passwords only from a password file mounted read-only, and
//! carry labels so a rollback (or `doctor`) removes them.

use std::path::{Path, PathBuf};

use super::Undo;
use crate::ctx::Ctx;
use crate::docker::{Bind, ContainerSpec};
use crate::error::{CmdResult, CommandError, ErrorKind, user_error};
use crate::pg;

/// Marks a job container (value: what it does, e.g. `import`).
pub const LABEL_JOB: &str = "io.stagdb.job";
/// Where a job finds its password file.
const PGPASS_IN_JOB: &str = "/run/stagdb-pgpass/pgpass";

/// What a job that sets up a data directory and runs PostgreSQL's server
/// as its own user keeps: ownership and modes of the files, and the
/// switch to that user.
pub const AS_POSTGRES: &[&str] = &["CHOWN", "DAC_OVERRIDE", "FOWNER", "SETUID", "SETGID"];

/// A job to run.
pub struct Job<'a> {
    pub store: &'a str,
    /// Label value and part of the container name: `import`, `export`...
    pub kind: &'a str,
    pub image: String,
    /// A bash script; its positional parameters are `args`.
    pub script: &'a str,
    pub args: Vec<String>,
    pub env: Vec<String>,
    pub binds: Vec<Bind>,
    /// Says what the job does, in errors.
    pub what: String,
    /// Capabilities the job keeps (every other one is dropped, and no
    /// process in it gains any): most jobs need none.
    pub caps: &'a [&'a str],
}

/// A private directory with a libpq password file, removed when dropped
/// (also when the command is interrupted and its future dropped).
pub struct PassFile {
    dir: PathBuf,
}

impl PassFile {
    /// `lines`: (host, port, user, password); the database is `*`.
    pub fn new(lines: &[(&str, u16, &str, &str)]) -> CmdResult<PassFile> {
        use std::io::Write;
        use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
        let base = passfile_base();
        sweep(&base);
        let me = crate::intent::Owner::me();
        let dir = base.join(format!(
            "stagdb-pgpass-{}-{}-{}",
            me.pid,
            me.start,
            unique()
        ));
        std::fs::DirBuilder::new()
            .mode(0o700)
            .create(&dir)
            .map_err(|e| io_err(e, format!("creating {}", dir.display())))?;
        let pf = PassFile { dir };
        let path = pf.dir.join("pgpass");
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .custom_flags(libc::O_NOFOLLOW)
            .open(&path)
            .map_err(|e| io_err(e, format!("creating {}", path.display())))?;
        for (host, port, user, pw) in lines {
            let f5 = crate::source::pgpass_field;
            // libpq matches a socket directory by its path, except its
            // default directory, which it matches as `localhost` only.
            let hosts: &[&str] = if host.starts_with('/') {
                &[host, "localhost"]
            } else {
                &[host]
            };
            for h in hosts {
                writeln!(f, "{}:{port}:*:{}:{}", f5(h), f5(user), f5(pw))
                    .map_err(|e| io_err(e, format!("writing {}", path.display())))?;
            }
        }
        Ok(pf)
    }

    /// The bind mount and environment that give a job the file.
    pub fn mount(&self) -> (Bind, String) {
        (
            Bind {
                host: self.dir.display().to_string(),
                container: "/run/stagdb-pgpass".into(),
                read_only: true,
            },
            format!("PGPASSFILE={PGPASS_IN_JOB}"),
        )
    }
}

/// Removes password files left by stagdb processes that were killed
/// (`stagdb-pgpass-PID-START-N`, the process gone).
fn sweep(base: &Path) {
    for dir in leftover_passfiles(base) {
        let _ = remove_passfile_dir(&dir);
    }
}

/// [`sweep`] of the temporary directory, at a command's start.
pub fn sweep_leftovers() {
    sweep(&passfile_base());
}

/// Where password files are made: this process's temporary directory
/// (`TMPDIR`, else /tmp), as import put them.
pub fn passfile_base() -> PathBuf {
    std::env::temp_dir()
}

/// Password file directories in `base` of stagdb processes that are gone
/// (SIGKILL skips the drop that removes them), this user's only.
pub fn leftover_passfiles(base: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(base) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for e in entries.flatten() {
        let name = e.file_name();
        let Some(rest) = name.to_str().and_then(|n| n.strip_prefix("stagdb-pgpass-")) else {
            continue;
        };
        let mut f = rest.split('-');
        let (Some(pid), Some(start)) = (
            f.next().and_then(|p| p.parse().ok()),
            f.next().and_then(|s| s.parse().ok()),
        ) else {
            continue;
        };
        if !(crate::intent::Owner { pid, start }).alive() && ours(&e.path()) {
            out.push(e.path());
        }
    }
    out.sort();
    out
}

/// A real directory (not a symlink) this user owns: another user's
/// look-alike in a shared /tmp is not stagdb's to remove.
fn ours(p: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    // SAFETY: geteuid has no preconditions and cannot fail.
    let me = unsafe { libc::geteuid() };
    std::fs::symlink_metadata(p).is_ok_and(|m| m.is_dir() && m.uid() == me)
}

/// Removes a leftover password file directory (doctor --fix, gc),
/// checked again: only what [`leftover_passfiles`] would list.
pub fn remove_passfile_dir(dir: &Path) -> std::io::Result<()> {
    let base = dir.parent().unwrap_or(Path::new("/"));
    if !leftover_passfiles(base).iter().any(|d| d == dir) {
        return Err(std::io::Error::other(format!(
            "{} is not a password file directory of a stagdb process that is gone",
            dir.display()
        )));
    }
    std::fs::remove_dir_all(dir)
}

/// The `leftover-password-file` problems of status and doctor.
pub fn passfile_problems() -> Vec<crate::plan::Problem> {
    leftover_passfiles(&passfile_base())
        .into_iter()
        .map(|d| {
            crate::plan::Problem::new(
                "leftover-password-file",
                format!(
                    "{} holds a source password of a stagdb command that was killed",
                    d.display()
                ),
            )
            .fix(crate::plan::Fix::RemovePasswordFile {
                path: d.display().to_string(),
            })
        })
        .collect()
}

impl Drop for PassFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn io_err(e: std::io::Error, what: String) -> CommandError {
    CommandError::new(ErrorKind::User, anyhow::Error::new(e).context(what))
}

fn unique() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    N.fetch_add(1, Ordering::Relaxed)
}

/// A bind mount of a host path, read-only.
pub fn bind_ro(host: &Path, container: &str) -> Bind {
    Bind {
        host: host.display().to_string(),
        container: container.to_string(),
        read_only: true,
    }
}

/// The capabilities a job keeps: its own, and, when stagdb runs as
/// another user than root, DAC_OVERRIDE: the password file and the
/// user's dumps belong to that user, mode 0600, and root in the container
/// reads them only with it.
fn job_caps(own: &[&str]) -> Vec<String> {
    // SAFETY: geteuid has no preconditions and cannot fail.
    let root = unsafe { libc::geteuid() } == 0;
    let mut caps: Vec<String> = own.iter().map(|c| c.to_string()).collect();
    if !root && !own.contains(&"DAC_OVERRIDE") {
        caps.push("DAC_OVERRIDE".into());
    }
    caps
}

/// Runs a job to its end: `input` feeds its stdin, `output` gets its
/// stdout. A non-zero exit is an error showing what the job printed.
pub async fn run(
    ctx: &Ctx,
    job: Job<'_>,
    input: Option<&mut (dyn tokio::io::AsyncRead + Unpin + Send)>,
    output: Option<&mut (dyn tokio::io::AsyncWrite + Unpin + Send)>,
) -> CmdResult<String> {
    let docker = ctx.docker().await?;
    super::ensure_image(ctx, &job.image).await?;
    let me = crate::intent::Owner::me();
    let name = format!("stagdb-{}-{}-{}-{}", job.kind, me.pid, me.start, unique());
    let labels = [
        (pg::LABEL_STORE, job.store.to_string()),
        (LABEL_JOB, job.kind.to_string()),
        (pg::LABEL_CREATOR, format!("{}:{}", me.pid, me.start)),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    let spec = ContainerSpec {
        name: name.clone(),
        image: job.image.clone(),
        labels,
        env: job.env.clone(),
        cmd: ["bash", "-c", job.script, "stagdb-job"]
            .into_iter()
            .map(String::from)
            .chain(job.args.iter().cloned())
            .collect(),
        user: Some("root".into()),
        binds: job.binds.clone(),
        host_network: true,
        stdin: input.is_some(),
        // Restores and parallel dumps use shared memory for sorting.
        shm_size_bytes: Some(256 << 20),
        // A job runs what a dump or a source says (a plain dump is SQL for
        // psql): as root without capabilities, it cannot leave the
        // container's view of the host or gain privileges in it.
        confined: true,
        cap_add: job_caps(job.caps),
        ..Default::default()
    };
    // By label, recorded first: an interrupt may land during the create.
    ctx.created(Undo::MyJobs {
        store: job.store.to_string(),
    });
    let phase = match job.args.first().map(String::as_str) {
        Some("live-stream") => "dump and restore",
        Some("dump-dir") => "dump",
        Some("restore-dir" | "archive" | "stream-archive" | "stream-plain") => "restore",
        Some("scrub") => "scrub",
        Some("analyze") => "analyze",
        Some("roles-dump" | "roles-load") => "roles",
        _ if job.kind == "export" => "dump",
        _ => "probe",
    };
    let id = ctx.timed("job create", docker.create(&spec)).await?;
    let res = ctx
        .timed(phase, docker.run_attached(&id, input, output))
        .await;
    // Jobs never pile up: removed whatever happened.
    let removed = docker.remove(&id, true).await;
    let (code, stderr) =
        res.map_err(|e| CommandError::new(ErrorKind::User, e.context(job.what.clone())))?;
    removed?;
    if code != 0 {
        let text = strip_prompts(&stderr);
        let text = text.trim_end();
        let shown: Vec<&str> = text.lines().rev().take(25).collect();
        let shown: Vec<&str> = shown.into_iter().rev().collect();
        return Err(user_error(format!(
            "{} failed (exit code {code}){}",
            job.what,
            if shown.is_empty() {
                String::new()
            } else {
                format!(":\n{}", shown.join("\n"))
            }
        )));
    }
    Ok(stderr)
}

/// The tools' password prompts (`Password for user NAME: `, `Password: `)
/// out of their stderr: the job has no terminal, the prompt only says a
/// password was missing, which the error after it says better.
fn strip_prompts(stderr: &str) -> String {
    stderr
        .lines()
        .map(|l| {
            let rest = l
                .strip_prefix("Password for user ")
                .and_then(|r| r.split_once(": ").map(|(_, after)| after))
                .or_else(|| l.strip_prefix("Password: "));
            rest.unwrap_or(l)
        })
        .filter(|l| !l.trim().is_empty() && l.trim_end() != "Password:")
        .collect::<Vec<_>>()
        .join("\n")
}

/// Removes this process's job containers of a store (rollback).
pub async fn remove_my_jobs(ctx: &Ctx, store: &str) -> anyhow::Result<()> {
    let d = ctx.docker().await.map_err(|e| e.error)?;
    let me = crate::intent::Owner::me();
    let me = format!("{}:{}", me.pid, me.start);
    for c in d.list_by_label(pg::LABEL_STORE, store).await? {
        if c.labels.contains_key(LABEL_JOB)
            && c.labels.get(pg::LABEL_CREATOR).map(String::as_str) == Some(me.as_str())
        {
            d.remove(&c.id, true).await?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn password_prompts_left_out() {
        let e = "Password for user postgres: \npsql: error: fe_sendauth: no password supplied\n";
        assert_eq!(
            super::strip_prompts(e),
            "psql: error: fe_sendauth: no password supplied"
        );
        assert_eq!(
            super::strip_prompts("Password: pg_dump: error: x"),
            "pg_dump: error: x"
        );
        assert_eq!(super::strip_prompts("a\nb"), "a\nb");
    }
}
