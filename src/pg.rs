//! What stagdb knows about PostgreSQL: how a branch's container runs it
//! (without relying on any image's entrypoint), readiness as an
//! authenticated connection, CHECKPOINT, and connection strings.

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

use crate::docker::{Bind, ContainerSpec, Docker, PortBinding};

/// Where the branch's dataset is mounted in its container. Our own path, so
/// every image version (PostgreSQL 18 moved the official PGDATA) looks alike.
pub const MOUNT: &str = "/var/lib/stagdb";
pub const PGDATA: &str = "/var/lib/stagdb/pgdata";
/// One-time password file for initdb, written by stagdb into the dataset and
/// deleted by the container right after use: the password never travels in
/// arguments or the container's environment.
pub const PWFILE: &str = ".stagdb-initdb-pwfile";
pub const USER: &str = "postgres";
pub const DATABASE: &str = "postgres";

pub const LABEL_STORE: &str = "io.stagdb.store";
pub const LABEL_BRANCH: &str = "io.stagdb.branch";
pub const LABEL_HEAD: &str = "io.stagdb.head";
/// The branch's port, for a container on the host's network: it publishes
/// nothing, so the engine's port list cannot say which port it serves.
pub const LABEL_PORT: &str = "io.stagdb.port";
/// `PID:START` of the stagdb process that created the container: a rollback
/// removes only its own containers, also one whose create call was cut short.
pub const LABEL_CREATOR: &str = "io.stagdb.creator";
/// On a Docker network stagdb created (`init --network`, `config network`).
pub const LABEL_NETWORK: &str = "io.stagdb.network";

/// Shell lines, shared by every script that runs in a branch's image as
/// root, that set `u` and `g` (the postgres user's ids) and define `as_pg`
/// (runs its arguments as that user) and `$AS_PG` (the same as words, for
/// `exec`). They use the first tool the image has: util-linux's setpriv
/// (Debian, the official `postgres:N`; BusyBox's has no --reuid, so it is
/// tried, not looked up), su-exec (`postgres:N-alpine`), gosu, runuser,
/// coreutils' chroot. None: exit 67, which [`wait_ready`] reports.
macro_rules! as_pg_prelude {
    () => {
        r#"u=$(id -u postgres); g=$(id -g postgres)
if setpriv --reuid="$u" --regid="$g" --init-groups true 2>/dev/null; then
  AS_PG="setpriv --reuid=$u --regid=$g --init-groups"
elif command -v su-exec >/dev/null 2>&1; then AS_PG="su-exec postgres"
elif command -v gosu >/dev/null 2>&1; then AS_PG="gosu postgres"
elif command -v runuser >/dev/null 2>&1; then AS_PG="runuser -u postgres --"
elif chroot --userspec="$u:$g" --skip-chdir / true 2>/dev/null; then
  AS_PG="chroot --userspec=$u:$g --skip-chdir /"
else
  echo "stagdb: the image has no tool to run PostgreSQL as the postgres user (util-linux setpriv, su-exec, gosu, runuser or chroot --userspec)" >&2
  exit 67
fi
# Word splitting is wanted: AS_PG holds a command and its options (no spaces in them).
as_pg() { $AS_PG "$@"; }
"#
    };
}
pub(crate) use as_pg_prelude;

/// The start script's exit code when the image has no way to drop to the
/// postgres user (see [`as_pg_prelude`]).
pub const EXIT_NO_USER_SWITCH: i64 = 67;

/// Runs as root in the container, then drops to the image's `postgres` user.
/// Uses only what official `postgres:N` images and plain Debian-built images
/// share: sh, id, stat, chown, initdb and postgres on PATH, and a tool to
/// switch user ([`as_pg_prelude`]). The image's entrypoint is cleared and its
/// PGDATA overridden (data in the dataset's `pgdata`, `-D` given): the
/// official images' layout (uid 999, PG 18's /var/lib/postgresql/18/docker)
/// plays no part.
const START_SCRIPT: &str = concat!(
    r#"set -eu
# This shell is the container's PID 1 until it execs the server: without a
# handler it would ignore a stop signal. 130, never 0: a loader's 0 means copied.
trap 'exit 130' INT TERM
# An import's loading server may keep its data in a tmpfs (STAGDB_LOAD_DIR).
D=${STAGDB_LOAD_DIR:-/var/lib/stagdb}/pgdata
# Names the sealed password the data's role has (see ops/secrets.rs).
M=/var/lib/stagdb/.stagdb-password-id
"#,
    as_pg_prelude!(),
    r#"mkdir -p "$D" /var/run/postgresql
chown postgres:postgres /var/run/postgresql
# A clone keeps its parent's owner; only a different image (uid) needs a chown.
if [ "$(stat -c %u:%g "$D")" != "$u:$g" ]; then chown -R postgres:postgres "$D"; fi
chmod 700 "$D"
if [ ! -s "$D/PG_VERSION" ]; then
  P=/var/lib/stagdb/.stagdb-initdb-pwfile
  [ -s "$P" ] || { echo "stagdb: empty data directory and no password file" >&2; exit 64; }
  chown postgres "$P"
  # An import's server syncs nothing (it shuts down cleanly before any snapshot).
  as_pg initdb -D "$D" -U postgres --pwfile="$P" -E UTF8 --locale=C \
    --auth-local=trust --auth-host=scram-sha-256 ${STAGDB_INITDB_NOSYNC:+--no-sync} >/dev/null
  rm -f "$P"
  echo "host all all all scram-sha-256" >> "$D/pg_hba.conf"
  [ ! -e "$M.new" ] || mv -f "$M.new" "$M"
fi
# A clone of a running branch carries its parent's lock file.
rm -f "$D/postmaster.pid"
# The branch's own password (a clone's data has its parent's), set by a
# single-user session before the server first listens: the statement
# comes on stdin, never in arguments. stagdb writes the file when the
# marker does not name the branch's sealed password (ops/secrets.rs).
P=/var/lib/stagdb/.stagdb-initdb-pwfile
if [ -s "$P" ]; then
  L=/tmp/stagdb-password.log
  { printf "ALTER ROLE postgres WITH LOGIN PASSWORD '"; tr -cd 'A-Za-z0-9' < "$P"; printf "';\n"; } |
    as_pg postgres --single -D "$D" -c password_encryption=scram-sha-256 -c log_statement=none \
      -c archive_mode=off "$@" template1 >"$L" 2>&1 || { cat "$L" >&2; rm -f "$L"; exit 66; }
  if grep -q 'ERROR' "$L"; then cat "$L" >&2; rm -f "$L"; exit 66; fi
  rm -f "$L" "$P"
  [ ! -e "$M.new" ] || mv -f "$M.new" "$M"
fi
# A marker whose password file was lost names no password the data has.
rm -f "$M.new"
[ -n "${STAGDB_LOAD_DIR:-}" ] || exec $AS_PG \
  postgres -D "$D" -c listen_addresses='*' -c port=5432 "$@"
# Loading in memory: the server is this shell's child, and stopping the
# container (SIGINT) stops it. Only after its clean shutdown is the data
# directory copied into the dataset, in large writes (a pool on FUSE pays
# per write; the server's own are 8 kB, and twice for every new page).
[ ! -e /var/lib/stagdb/pgdata ] || { echo "stagdb: the dataset holds a data directory already" >&2; exit 65; }
# The tool itself in the background, not the as_pg function: a function
# runs in a subshell, which ignores SIGINT, and the server would never stop.
$AS_PG postgres -D "$D" -c listen_addresses='*' -c port=5432 "$@" &
pid=$!
trap 'kill -INT "$pid" 2>/dev/null || true' INT TERM
rc=0
wait "$pid" || rc=$?
# A trapped signal ends the wait early: wait again for the server's own exit.
while kill -0 "$pid" 2>/dev/null; do rc=0; wait "$pid" || rc=$?; done
[ "$rc" -eq 0 ] || { echo "stagdb: the loading server exited with $rc; nothing copied" >&2; exit "$rc"; }
cp -a "$D" /var/lib/stagdb/pgdata.copying
mv /var/lib/stagdb/pgdata.copying /var/lib/stagdb/pgdata
"#
);

/// Where an import's loading server keeps its data when it loads in memory.
pub const LOAD_DIR: &str = "/var/lib/stagdb-load";

/// Server settings for bulk loading into a new branch (import): nothing
/// survives a crash of the host anyway (the import is redone), so no
/// fsync, no full pages or archive-grade WAL, no autovacuum racing the
/// load. Never used for a branch that holds finished data.
pub const IMPORT_SETTINGS: &[(&str, &str)] = &[
    ("fsync", "off"),
    ("synchronous_commit", "off"),
    ("full_page_writes", "off"),
    ("wal_level", "minimal"),
    ("max_wal_senders", "0"),
    ("archive_mode", "off"),
    ("autovacuum", "off"),
    ("max_wal_size", "8GB"),
    ("checkpoint_timeout", "30min"),
    ("maintenance_work_mem", "512MB"),
    // A single-transaction restore locks every table and index it makes.
    ("max_locks_per_transaction", "1024"),
];

/// Server settings of every branch of a major version. A clone of a running
/// branch starts with crash recovery, whose first step makes sure every
/// file it reads is on disk: by default an fsync of each file of the data
/// directory, one by one (about 0.25 s of a 0.6 s branch on zfs-fuse);
/// `syncfs` (PostgreSQL 14 and later) does the same with one call per file
/// system. Equally safe: the clone's files come from a snapshot.
pub fn branch_settings(major: u32) -> Vec<(&'static str, &'static str)> {
    if major >= 14 {
        vec![("recovery_init_sync_method", "syncfs")]
    } else {
        Vec::new()
    }
}

/// What a branch's container looks like; built fresh on every start.
pub struct BranchContainer<'a> {
    pub name: String,
    pub store: &'a str,
    pub branch: &'a str,
    pub image: String,
    pub mountpoint: &'a Path,
    pub listen: IpAddr,
    pub port: u16,
    /// The store's head port, when this branch is HEAD.
    pub head_port: Option<u16>,
    /// Extra server settings (`-c NAME=VALUE`), e.g. [`IMPORT_SETTINGS`].
    pub settings: &'a [(&'a str, &'a str)],
    /// The store's Docker network, joined under the branch's alias (and
    /// [`crate::names::HEAD_ALIAS`] for HEAD).
    pub network: Option<&'a str>,
    /// The engine's memory and CPU limits of the container.
    pub limits: crate::limits::Limits,
}

/// The names a branch container answers to on the store's network.
pub fn aliases(branch: &str, head: bool) -> Vec<String> {
    let mut a = vec![crate::names::network_alias(branch)];
    if head {
        a.push(crate::names::HEAD_ALIAS.to_string());
    }
    a
}

impl BranchContainer<'_> {
    pub fn spec(&self) -> ContainerSpec {
        let mut labels = BTreeMap::new();
        labels.insert(LABEL_STORE.to_string(), self.store.to_string());
        labels.insert(LABEL_BRANCH.to_string(), self.branch.to_string());
        let me = crate::intent::Owner::me();
        labels.insert(
            LABEL_CREATOR.to_string(),
            format!("{}:{}", me.pid, me.start),
        );
        labels.insert(
            LABEL_HEAD.to_string(),
            if self.head_port.is_some() {
                "true"
            } else {
                "false"
            }
            .to_string(),
        );
        // On the host's network when nothing needs a network namespace of its
        // own: no head port (one server cannot listen on two ports), no store
        // network, and a known port (0 asks the engine to pick one). Docker
        // makes a namespace in about 130 ms here, a third of a branch's time.
        let host_network = self.network.is_none() && self.head_port.is_none() && self.port != 0;
        let mut ports = Vec::new();
        let mut settings: Vec<String> = Vec::new();
        if host_network {
            labels.insert(LABEL_PORT.to_string(), self.port.to_string());
            let listen = if self.listen.is_unspecified() {
                "*".to_string()
            } else {
                self.listen.to_string()
            };
            // After the start script's own listen_addresses/port: the last wins.
            settings.push(format!("listen_addresses={listen}"));
            settings.push(format!("port={}", self.port));
        } else {
            ports.push(PortBinding {
                host_ip: self.listen.to_string(),
                host_port: self.port,
                container_port: 5432,
            });
        }
        if let Some(hp) = self.head_port {
            ports.push(PortBinding {
                host_ip: self.listen.to_string(),
                host_port: hp,
                container_port: 5432,
            });
        }
        ContainerSpec {
            name: self.name.clone(),
            image: self.image.clone(),
            labels,
            env: vec![format!("PGDATA={PGDATA}")],
            cmd: ["sh", "-c", START_SCRIPT, "stagdb-start"]
                .into_iter()
                .map(String::from)
                .chain(
                    settings
                        .into_iter()
                        .chain(self.settings.iter().map(|(k, v)| format!("{k}={v}")))
                        .flat_map(|kv| ["-c".to_string(), kv]),
                )
                .collect(),
            user: Some("root".into()),
            binds: vec![Bind {
                host: self.mountpoint.display().to_string(),
                container: MOUNT.to_string(),
                read_only: false,
            }],
            ports,
            // SIGINT is PostgreSQL's fast shutdown: it does not wait for
            // clients to disconnect, so `stop` never ends in a SIGKILL.
            stop_signal: Some("SIGINT".into()),
            stop_timeout_secs: Some(60),
            shm_size_bytes: Some(256 << 20),
            tmpfs: None,
            host_network,
            stdin: false,
            network: self.network.map(|n| crate::docker::NetworkAttach {
                name: n.to_string(),
                aliases: aliases(self.branch, self.head_port.is_some()),
            }),
            memory_bytes: self.limits.memory.and_then(|m| i64::try_from(m).ok()),
            nano_cpus: self.limits.cpus.map(|c| c.nano()),
            // An import's loading server is confined by the loader (ops/load.rs).
            ..Default::default()
        }
    }
}

/// The major version a data directory was made with, from its `PG_VERSION`.
pub fn read_pg_version(mountpoint: &Path) -> Result<Option<u32>> {
    let path = mountpoint.join("pgdata").join("PG_VERSION");
    match std::fs::read_to_string(&path) {
        Ok(s) => {
            let v = s.trim();
            // "9.6" style before 10; stagdb supports 10 and later.
            let major = v.split('.').next().unwrap_or(v);
            major
                .parse()
                .map(Some)
                .with_context(|| format!("{} holds {v:?}, not a version", path.display()))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e).with_context(|| format!("reading {}", path.display())),
    }
}

/// Writes initdb's one-time password file into a new, empty dataset.
pub fn write_pwfile(mountpoint: &Path, password: &str) -> Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let path = mountpoint.join(PWFILE);
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&path)
        .with_context(|| format!("creating {}", path.display()))?;
    writeln!(f, "{password}").with_context(|| format!("writing {}", path.display()))
}

fn pg_config(host: IpAddr, port: u16, password: &str, timeout: Duration) -> tokio_postgres::Config {
    let mut c = tokio_postgres::Config::new();
    c.host(host.to_string())
        .port(port)
        .user(USER)
        .password(password)
        .dbname(DATABASE)
        .application_name("stagdb")
        .connect_timeout(timeout);
    c
}

async fn connect(
    host: IpAddr,
    port: u16,
    password: &str,
    timeout: Duration,
) -> Result<tokio_postgres::Client, tokio_postgres::Error> {
    let (client, conn) = pg_config(host, port, password, timeout)
        .connect(tokio_postgres::NoTls)
        .await?;
    tokio::spawn(async move {
        let _ = conn.await;
    });
    Ok(client)
}

/// Gives the running server's `postgres` role a new password (connected
/// with the old one; sessions already open stay).
pub async fn set_password(host: IpAddr, port: u16, old: &str, new: &str) -> Result<()> {
    if !new.bytes().all(|b| b.is_ascii_alphanumeric()) {
        bail!("refusing a password that is not letters and digits");
    }
    let client = connect(host, port, old, Duration::from_secs(10))
        .await
        .with_context(|| format!("connecting to port {port}"))?;
    client
        .batch_execute(&format!(
            "SET password_encryption = 'scram-sha-256'; ALTER ROLE postgres WITH PASSWORD '{new}'"
        ))
        .await
        .with_context(|| format!("changing the password on port {port}"))?;
    Ok(())
}

/// Waits until an authenticated `SELECT 1` succeeds. Fails early when the
/// container exits, and on timeout; both errors carry the container's last log lines.
/// Why a branch's container vanished while it started: another command removed it.
pub fn removed_while_starting(container: &str) -> String {
    format!(
        "container {container} was removed while starting: by another command (`stagdb rm`, `reset`, `start` or `restart` of this branch, `docker rm`)"
    )
}

/// How long one readiness attempt may wait for an answer: 2 s at first,
/// doubled after each attempt that got no answer in time, up to 30 s. A
/// fixed 2 s failed on slow or loaded hosts (OpenZFS under emulation): the
/// server was up but never answered a probe within one attempt's time.
fn attempt_timeout(unanswered: u32) -> Duration {
    Duration::from_secs(2u64.saturating_mul(1u64 << unanswered.min(4)).min(30))
}

pub async fn wait_ready(
    docker: &Docker,
    container: &str,
    id: &str,
    host: IpAddr,
    port: u16,
    password: &str,
    timeout: Duration,
) -> Result<Duration> {
    let start = Instant::now();
    let mut last_err = String::new();
    let mut next_state_check = Instant::now();
    let mut unanswered = 0u32;
    loop {
        // Never much past the overall timeout.
        let left = timeout.saturating_sub(start.elapsed());
        let per_attempt = attempt_timeout(unanswered).min(left.max(Duration::from_secs(2)));
        // A connection to a port nothing listens on yet can connect to
        // itself (TCP simultaneous open, when the kernel picks that very port
        // as the local end: the branch ports lie in the ephemeral range). It
        // would hold the port a server on the host's network is about to
        // bind, so it is dropped at once and counts as refused.
        let stream =
            match tokio::time::timeout(per_attempt, tokio::net::TcpStream::connect((host, port)))
                .await
            {
                Ok(Ok(s)) if s.local_addr().ok() != s.peer_addr().ok() => Some(s),
                Ok(Ok(_)) => {
                    last_err = format!("nothing listens on port {port} yet");
                    None
                }
                Ok(Err(e)) => {
                    last_err = e.to_string();
                    None
                }
                Err(_) => {
                    last_err = format!("connecting to port {port} timed out");
                    unanswered += 1;
                    None
                }
            };
        // Bounded as a whole: whatever listens may not be PostgreSQL at all
        // (a program holding the port while the server failed to bind it),
        // and the container's state must still be looked at.
        let attempt = match stream {
            Some(s) => {
                let handshake = async {
                    let (client, conn) = pg_config(host, port, password, per_attempt)
                        .connect_raw(s, tokio_postgres::NoTls)
                        .await?;
                    tokio::spawn(async move {
                        let _ = conn.await;
                    });
                    client.simple_query("SELECT 1").await.map(|_| ())
                };
                match tokio::time::timeout(per_attempt, handshake).await {
                    Ok(r) => Some(r),
                    Err(_) => {
                        last_err = format!(
                            "no answer from port {port} within {} s",
                            per_attempt.as_secs()
                        );
                        unanswered += 1;
                        None
                    }
                }
            }
            None => None,
        };
        match attempt {
            None => {}
            Some(Ok(())) => return Ok(start.elapsed()),
            Some(Err(e)) => {
                let msg = e.to_string();
                // A wrong password will not get better by waiting.
                if let Some(db) = e.as_db_error()
                    && db.code() == &tokio_postgres::error::SqlState::INVALID_PASSWORD
                {
                    bail!("PostgreSQL on port {port} rejected the branch's password: {db}");
                }
                last_err = msg;
            }
        }
        if Instant::now() >= next_state_check {
            next_state_check = Instant::now() + Duration::from_millis(500);
            // By id: the name may by then belong to another command's new container.
            match docker.inspect_state(id).await? {
                Some(st) if st.running => {}
                // Exit 0 (or 130, the start script's on a stop signal): a shutdown someone asked for.
                Some(st) if st.status == "exited" && matches!(st.exit_code, Some(0 | 130)) => {
                    let logs = docker.logs_tail(id, 30).await.unwrap_or_default();
                    bail!(
                        "container {container} was stopped while starting: by another command (`stagdb stop` or `restart` of this branch, `docker stop`), or its image's command ended{}",
                        log_block(&logs)
                    );
                }
                // A forced removal under way (`rm`, `reset`) shows as removing, or killed.
                Some(st) if matches!(st.status.as_str(), "removing" | "dead") => {
                    bail!("{}", removed_while_starting(container))
                }
                Some(st) if st.exit_code == Some(137) && !st.oom_killed => bail!(
                    "container {container} was killed while starting: by another command (`stagdb rm` or `reset` of this branch, `docker rm -f` or `docker kill`)"
                ),
                Some(st) if st.status == "exited" && st.exit_code == Some(EXIT_NO_USER_SWITCH) => {
                    bail!(
                        "container {container}: its image cannot run PostgreSQL as the postgres user: it has none of util-linux's setpriv, su-exec, gosu, runuser or chroot --userspec; use an image that has one (the official postgres:N and postgres:N-alpine images do)"
                    )
                }
                // The start script's own refusal to make a new database in an empty directory.
                Some(st) if st.status == "exited" && st.exit_code == Some(64) => bail!(
                    "container {container} found the branch's data directory empty: its dataset is not mounted, or it was removed while starting by another command (`stagdb rm` or `reset` of this branch)"
                ),
                Some(st) => {
                    let logs = docker.logs_tail(id, 30).await.unwrap_or_default();
                    bail!(
                        "container {container} stopped while starting (status {}, exit code {}){}",
                        st.status,
                        st.exit_code
                            .map(|c| c.to_string())
                            .unwrap_or_else(|| "?".into()),
                        log_block(&logs)
                    );
                }
                None => bail!("{}", removed_while_starting(container)),
            }
        }
        if start.elapsed() >= timeout {
            let logs = docker.logs_tail(id, 30).await.unwrap_or_default();
            bail!(
                "PostgreSQL in {container} did not accept connections on port {port} within {}s (last error: {last_err}){}",
                timeout.as_secs(),
                log_block(&logs)
            );
        }
        // A refused or "starting up" connection costs well under a millisecond.
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

fn log_block(logs: &str) -> String {
    let logs = logs.trim_end();
    if logs.is_empty() {
        String::new()
    } else {
        format!("\ncontainer log (last lines):\n{logs}")
    }
}

/// Runs SQL on a branch's database and returns the first column of every
/// row (simple query protocol: several statements may be given).
pub async fn query_column(
    host: IpAddr,
    port: u16,
    password: &str,
    db: &str,
    sql: &str,
) -> Result<Vec<Option<String>>> {
    let (client, conn) = pg_config(host, port, password, Duration::from_secs(10))
        .dbname(db)
        .connect(tokio_postgres::NoTls)
        .await
        .with_context(|| format!("connecting to database {db:?} on port {port}"))?;
    tokio::spawn(async move {
        let _ = conn.await;
    });
    let msgs = client
        .simple_query(sql)
        .await
        .with_context(|| format!("running {sql:?}"))?;
    Ok(msgs
        .iter()
        .filter_map(|m| match m {
            tokio_postgres::SimpleQueryMessage::Row(r) => Some(r.get(0).map(str::to_string)),
            _ => None,
        })
        .collect())
}

/// `"name"`: an SQL identifier, quoted.
pub fn quote_ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// Asks a running branch to flush dirty pages so a snapshot of it recovers fast.
pub async fn checkpoint(host: IpAddr, port: u16, password: &str) -> Result<()> {
    let client = connect(host, port, password, Duration::from_secs(5))
        .await
        .context("connecting for CHECKPOINT")?;
    client
        .simple_query("CHECKPOINT")
        .await
        .context("CHECKPOINT failed")?;
    Ok(())
}

/// A host for the authority part of a URL: IPv6 addresses (anything with a
/// `:`) go in brackets unless they already are, with a zone's `%` written as
/// `%25` (RFC 6874); names and IPv4 addresses are used as they are.
fn host_for_url(host: &str) -> String {
    if host.starts_with('[') || !host.contains(':') {
        host.to_string()
    } else {
        format!("[{}]", host.replace('%', "%25"))
    }
}

/// Percent-encodes everything outside RFC 3986's unreserved characters
/// (`A-Z a-z 0-9 - . _ ~`), byte by byte in UTF-8, so the result is safe as
/// the user or password of a URL's userinfo and as a path segment.
pub fn percent_encode(s: &str) -> String {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let mut out = String::with_capacity(s.len());
    for &b in s.as_bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push('%');
            out.push(char::from(HEX[usize::from(b >> 4)]));
            out.push(char::from(HEX[usize::from(b & 0x0f)]));
        }
    }
    out
}

fn connection_url(
    host: impl std::fmt::Display,
    port: u16,
    password: Option<&str>,
    db: &str,
) -> String {
    let password = password
        .map(|p| format!(":{}", percent_encode(p)))
        .unwrap_or_default();
    format!(
        "postgresql://{}{password}@{}:{port}/{}",
        percent_encode(USER),
        host_for_url(&host.to_string()),
        percent_encode(db)
    )
}

/// `postgresql://postgres@HOST:PORT/postgres`: what commands other than
/// `url`, `env` and `psql` print, so passwords stay out of logs.
pub fn public_url(host: impl std::fmt::Display, port: u16, db: &str) -> String {
    connection_url(host, port, None, db)
}

/// `postgresql://postgres:PASSWORD@HOST:PORT/postgres`, with the user and
/// password percent-encoded (stagdb's own passwords are alphanumeric, but a
/// password set by hand on the dataset need not be).
pub fn url(host: impl std::fmt::Display, port: u16, password: &str, db: &str) -> String {
    connection_url(host, port, Some(password), db)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn readiness_attempts_wait_longer_after_each_unanswered_one() {
        let waits: Vec<u64> = (0..7).map(|n| attempt_timeout(n).as_secs()).collect();
        assert_eq!(waits, [2, 4, 8, 16, 30, 30, 30]);
        assert_eq!(attempt_timeout(u32::MAX).as_secs(), 30);
    }

    #[test]
    fn urls() {
        let v4: IpAddr = "127.0.0.1".parse().unwrap();
        let v6: IpAddr = "::1".parse().unwrap();
        assert_eq!(
            url(v4, 5, "pw", DATABASE),
            "postgresql://postgres:pw@127.0.0.1:5/postgres"
        );
        assert_eq!(
            url(v6, 5, "pw", DATABASE),
            "postgresql://postgres:pw@[::1]:5/postgres"
        );
        assert_eq!(
            public_url(v4, 5, DATABASE),
            "postgresql://postgres@127.0.0.1:5/postgres"
        );
        assert_eq!(
            public_url(v6, 5, DATABASE),
            "postgresql://postgres@[::1]:5/postgres"
        );
        // Hosts given as text: bracketed once, zones encoded (RFC 6874).
        assert_eq!(
            public_url("::1", 5, DATABASE),
            "postgresql://postgres@[::1]:5/postgres"
        );
        assert_eq!(
            public_url("[::1]", 5, DATABASE),
            "postgresql://postgres@[::1]:5/postgres"
        );
        assert_eq!(
            public_url("fe80::1%eth0", 5, DATABASE),
            "postgresql://postgres@[fe80::1%25eth0]:5/postgres"
        );
        assert_eq!(
            public_url("db.example.com", 5, DATABASE),
            "postgresql://postgres@db.example.com:5/postgres"
        );
    }

    #[test]
    fn percent_encoding_keeps_only_unreserved() {
        assert_eq!(percent_encode("aZ09-._~"), "aZ09-._~");
        assert_eq!(percent_encode(""), "");
        assert_eq!(percent_encode("p@ss:w/rd"), "p%40ss%3Aw%2Frd");
        assert_eq!(percent_encode("100%"), "100%25");
        assert_eq!(percent_encode("a b+c"), "a%20b%2Bc");
        assert_eq!(percent_encode("é"), "%C3%A9");
        assert_eq!(percent_encode("\n\0"), "%0A%00");
        assert_eq!(
            percent_encode("?#[]!$&'()*,;="),
            "%3F%23%5B%5D%21%24%26%27%28%29%2A%2C%3B%3D"
        );
        for b in 0..=255u8 {
            let c = char::from(b);
            let enc = percent_encode(&c.to_string());
            if c.is_ascii_alphanumeric() || "-._~".contains(c) {
                assert_eq!(enc, c.to_string());
            } else {
                assert!(enc.starts_with('%'), "{c:?} -> {enc}");
                assert!(
                    enc.bytes()
                        .all(|x| x == b'%' || x.is_ascii_digit() || x.is_ascii_uppercase()),
                    "{c:?} -> {enc}"
                );
            }
        }
    }

    #[test]
    fn hostile_passwords_survive_a_real_url_parser() {
        // tokio-postgres parses libpq-style URLs and percent-decodes userinfo.
        let v4: IpAddr = "127.0.0.1".parse().unwrap();
        let v6: IpAddr = "2001:db8::7".parse().unwrap();
        for pw in [
            "plain",
            "p@ss",
            "a:b",
            "a/b?c#d",
            "[x]",
            "100%",
            "%41",
            "sp ace",
            "é功🚀",
            "'\"`$\\",
            "@:/?#[]!$&'()*+,;=%",
        ] {
            for host in [v4, v6] {
                let u = url(host, 6000, pw, DATABASE);
                let rest = u.strip_prefix("postgresql://").unwrap();
                let (userinfo, after) = rest.rsplit_once('@').unwrap();
                assert!(!userinfo.contains(['@', '/', '?', '#', '[', ']']), "{u}");
                assert_eq!(userinfo.matches(':').count(), 1, "{u}");
                assert!(after.ends_with(":6000/postgres"), "{u}");
                let c: tokio_postgres::Config = u.parse().unwrap_or_else(|e| panic!("{u}: {e}"));
                assert_eq!(c.get_password(), Some(pw.as_bytes()), "{u}");
                assert_eq!(c.get_user(), Some(USER), "{u}");
                assert_eq!(c.get_ports(), [6000], "{u}");
                assert_eq!(c.get_dbname(), Some(DATABASE), "{u}");
                assert_eq!(
                    c.get_hosts(),
                    [tokio_postgres::config::Host::Tcp(host.to_string())],
                    "{u}"
                );
            }
        }
    }

    #[test]
    fn spec_networking_follows_head_port_and_store_network() {
        let mp = Path::new("/tank/s/main");
        let mut c = BranchContainer {
            name: "stagdb-tank-s-main".into(),
            store: "tank/s",
            branch: "main",
            image: "postgres:17".into(),
            mountpoint: mp,
            listen: "127.0.0.1".parse().unwrap(),
            port: 6000,
            head_port: None,
            settings: &[],
            network: None,
            limits: Default::default(),
        };
        // Not HEAD, no store network: the host's network, PostgreSQL on the
        // branch's port and address, which a label records.
        let s = c.spec();
        assert!(s.host_network);
        assert!(s.ports.is_empty());
        assert_eq!(s.labels[LABEL_PORT], "6000");
        let tail: Vec<&str> = s.cmd.iter().rev().take(4).map(String::as_str).collect();
        assert_eq!(
            tail,
            ["port=6000", "-c", "listen_addresses=127.0.0.1", "-c"]
        );
        c.listen = "0.0.0.0".parse().unwrap();
        assert!(c.spec().cmd.iter().any(|a| a == "listen_addresses=*"));
        c.listen = "127.0.0.1".parse().unwrap();
        // Port 0 (the engine picks one) needs a published port.
        c.port = 0;
        assert!(!c.spec().host_network);
        assert_eq!(c.spec().ports.len(), 1);
        c.port = 6000;
        assert_eq!(s.labels[LABEL_HEAD], "false");
        assert_eq!(s.binds[0].host, "/tank/s/main");
        assert_eq!(s.binds[0].container, MOUNT);
        assert!(s.env.iter().all(|e| !e.to_lowercase().contains("password")));
        c.head_port = Some(5999);
        let s = c.spec();
        assert_eq!(
            s.ports.iter().map(|p| p.host_port).collect::<Vec<_>>(),
            [6000, 5999]
        );
        assert_eq!(s.labels[LABEL_HEAD], "true");
        assert!(!s.host_network && !s.labels.contains_key(LABEL_PORT));
        assert_eq!(s.network, None);
        c.network = Some("devnet");
        let net = c.spec().network.expect("on the network");
        assert_eq!(net.name, "devnet");
        assert_eq!(net.aliases, ["main", crate::names::HEAD_ALIAS]);
        c.head_port = None;
        let s = c.spec();
        assert!(!s.host_network);
        assert_eq!(s.ports.len(), 1);
        assert_eq!(s.network.expect("on the network").aliases, ["main"]);
    }

    #[test]
    fn pg_version_file() {
        let dir = std::env::temp_dir().join(format!("stagdb-pgv-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("pgdata")).unwrap();
        assert_eq!(read_pg_version(&dir).unwrap(), None);
        std::fs::write(dir.join("pgdata/PG_VERSION"), "17\n").unwrap();
        assert_eq!(read_pg_version(&dir).unwrap(), Some(17));
        std::fs::write(dir.join("pgdata/PG_VERSION"), "garbage\n").unwrap();
        assert!(read_pg_version(&dir).is_err());
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn script_uses_the_pwfile_constant() {
        assert!(START_SCRIPT.contains(PWFILE));
        assert!(START_SCRIPT.contains(PGDATA));
    }
}
