//! What `import` reads from: a live server (URL or libpq keyword string),
//! a dump file or directory, or a dump on stdin; and what can be learnt
//! from a dump before restoring it (format, the source's PostgreSQL major).
//! Pure functions over bytes and strings, tested on fixtures.

use std::io::Read;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};

/// A live server to dump from. The password is kept apart and never shown.
#[derive(Clone, PartialEq, Eq)]
pub struct Live {
    /// Host name, IP address, or a Unix socket directory (starts with `/`).
    pub host: String,
    pub port: u16,
    pub user: String,
    pub dbname: String,
    pub sslmode: Option<String>,
    pub password: Option<String>,
}

impl std::fmt::Debug for Live {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.display())
    }
}

impl Live {
    /// `postgresql://USER@HOST:PORT/DB`: never the password. What import
    /// records (refresh reads it back) and prints.
    pub fn display(&self) -> String {
        let host = if self.host.starts_with('/') {
            // libpq's form for a socket directory: in the query string.
            format!("?host={}", crate::pg::percent_encode(&self.host))
        } else if self.host.contains(':') {
            format!("[{}]", self.host)
        } else {
            self.host.clone()
        };
        let ssl = self
            .sslmode
            .as_ref()
            .map(|m| {
                format!(
                    "{}sslmode={m}",
                    if host.starts_with('?') { "&" } else { "?" }
                )
            })
            .unwrap_or_default();
        if let Some(q) = host.strip_prefix('?') {
            format!(
                "postgresql://{}@:{}/{}?{q}{ssl}",
                crate::pg::percent_encode(&self.user),
                self.port,
                crate::pg::percent_encode(&self.dbname)
            )
        } else {
            format!(
                "postgresql://{}@{host}:{}/{}{ssl}",
                crate::pg::percent_encode(&self.user),
                self.port,
                crate::pg::percent_encode(&self.dbname)
            )
        }
    }

    /// The host a password file line names: for a socket, its directory
    /// (libpq matches `localhost` only for its default socket directory,
    /// and the directory's own path always).
    pub fn pgpass_host(&self) -> &str {
        &self.host
    }

    /// The same server, another database.
    pub fn on_db(&self, db: &str) -> Live {
        Live {
            dbname: db.to_string(),
            ..self.clone()
        }
    }

    /// libpq's environment for the dump tools (no password: that goes in a
    /// password file).
    pub fn env(&self) -> Vec<String> {
        let mut v = vec![
            format!("PGHOST={}", self.host),
            format!("PGPORT={}", self.port),
            format!("PGUSER={}", self.user),
            format!("PGDATABASE={}", self.dbname),
        ];
        if let Some(m) = &self.sslmode {
            v.push(format!("PGSSLMODE={m}"));
        }
        v
    }
}

/// How a dump is laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum DumpFormat {
    /// `pg_dump -Fc`.
    Custom,
    /// `pg_dump -Fd`: a directory with `toc.dat`.
    Directory,
    /// `pg_dump -Ft`.
    Tar,
    /// Plain SQL for psql.
    Plain,
}

/// How the dump's bytes are compressed on top of its format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Compression {
    None,
    Gzip,
    Zstd,
}

/// What `import` was asked to read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    Live(Live),
    Path(PathBuf),
    Stdin,
}

const KEYWORDS: &[&str] = &[
    "host", "hostaddr", "port", "dbname", "user", "password", "sslmode", "service",
];

/// Whether SOURCE is a connection string rather than a path.
pub fn is_connection_string(s: &str) -> bool {
    if s.starts_with("postgres://") || s.starts_with("postgresql://") {
        return true;
    }
    // A keyword string: `host=... dbname=...` (a path may contain '=' too,
    // but not as `KEYWORD=` at the start of a word).
    s.split_whitespace().any(|w| {
        w.split_once('=')
            .is_some_and(|(k, _)| KEYWORDS.contains(&k.trim()))
    })
}

/// Parses SOURCE as given on the command line.
pub fn parse(s: &str, env: &dyn Fn(&str) -> Option<String>) -> Result<Source> {
    if s == "-" {
        return Ok(Source::Stdin);
    }
    if is_connection_string(s) {
        return parse_live(s, env).map(Source::Live);
    }
    if s.is_empty() {
        bail!("SOURCE is empty");
    }
    Ok(Source::Path(PathBuf::from(s)))
}

/// A connection string (URL or keyword form) with libpq's defaults from
/// the environment (`PGHOST`, `PGPORT`, `PGUSER`, `PGDATABASE`, `PGSSLMODE`).
pub fn parse_live(s: &str, env: &dyn Fn(&str) -> Option<String>) -> Result<Live> {
    use tokio_postgres::config::Host;
    let c: tokio_postgres::Config = s
        .parse()
        .map_err(|e| anyhow::anyhow!("invalid connection string: {e}"))?;
    let host = match c.get_hosts() {
        [] => env("PGHOST").unwrap_or_else(|| "localhost".into()),
        [Host::Tcp(h)] => h.clone(),
        [Host::Unix(p)] => p.display().to_string(),
        _ => bail!("connection strings with several hosts are not supported"),
    };
    // tokio-postgres fills in 5432 when no port is given: libpq takes PGPORT.
    let ports = if explicit_port(s) { c.get_ports() } else { &[] };
    let port = match ports {
        [] => match env("PGPORT") {
            Some(p) => p
                .parse()
                .with_context(|| format!("PGPORT={p} is not a port"))?,
            None => 5432,
        },
        [p] => *p,
        _ => bail!("connection strings with several ports are not supported"),
    };
    let user = match c.get_user() {
        Some(u) => u.to_string(),
        None => env("PGUSER")
            .or_else(|| env("USER"))
            .unwrap_or_else(|| "postgres".into()),
    };
    let dbname = match c.get_dbname() {
        Some(d) => d.to_string(),
        None => env("PGDATABASE").unwrap_or_else(|| user.clone()),
    };
    let sslmode = sslmode_of(s).or_else(|| env("PGSSLMODE"));
    let password = c
        .get_password()
        .map(|p| String::from_utf8_lossy(p).into_owned());
    Ok(Live {
        host,
        port,
        user,
        dbname,
        sslmode,
        password,
    })
}

/// Whether a connection string names a port (`port=` or `host:PORT`).
fn explicit_port(s: &str) -> bool {
    if let Some(rest) = s
        .strip_prefix("postgresql://")
        .or_else(|| s.strip_prefix("postgres://"))
    {
        let authority = rest.split(['/', '?']).next().unwrap_or("");
        let hostport = authority.rsplit('@').next().unwrap_or("");
        let after_bracket = hostport.rsplit(']').next().unwrap_or("");
        return after_bracket.contains(':') || rest.contains("port=");
    }
    s.split_whitespace()
        .any(|w| w.trim_start().starts_with("port="))
}

/// tokio-postgres only knows disable/prefer/require; libpq's tools know
/// more (verify-full, ...): pass what the user wrote on to them.
fn sslmode_of(s: &str) -> Option<String> {
    let s = s.split_once('?').map_or(s, |(_, q)| q);
    s.split(['&', ' '])
        .find_map(|kv| kv.trim().strip_prefix("sslmode="))
        .map(|v| v.trim_matches('\'').to_string())
        .filter(|v| !v.is_empty())
}

/// The password for `live` from `~/.pgpass` (or `PGPASSFILE`), libpq's rules:
/// the first line whose host, port, database and user match (`*` matches
/// anything; `\:` and `\\` are escapes).
pub fn pgpass_lookup(contents: &str, live: &Live) -> Option<String> {
    let port = live.port.to_string();
    // libpq: a socket connection matches its directory's path, and
    // `localhost` too when that is the default socket directory.
    let default_dir = DEFAULT_SOCKET_DIRS.contains(&live.host.trim_end_matches('/'));
    for line in contents.lines() {
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        let f = split_pgpass(line);
        if f.len() < 5 {
            continue;
        }
        let m = |pat: &str, v: &str| pat == "*" || pat == v;
        let host_ok = m(&f[0], &live.host) || (default_dir && f[0] == "localhost");
        if host_ok && m(&f[1], &port) && m(&f[2], &live.dbname) && m(&f[3], &live.user) {
            return Some(f[4..].join(":"));
        }
    }
    None
}

/// The extensions a `pg_restore -l` listing creates (`ID; OID OID
/// EXTENSION - NAME OWNER`).
pub fn toc_extensions(toc: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for l in toc.lines().filter(|l| !l.starts_with(';')) {
        let f: Vec<&str> = l.split_whitespace().collect();
        if f.get(3) == Some(&"EXTENSION")
            && let Some(name) = f.get(5)
            && !out.iter().any(|o| o == name)
        {
            out.push(name.to_string());
        }
    }
    out
}

/// How much of a plain dump is scanned for its extensions: pg_dump puts
/// them first, before any table's data.
const PLAIN_SCAN_MAX: u64 = 64 << 20;

/// The extensions a plain dump creates: its `CREATE EXTENSION` statements
/// before the first `COPY` (pg_dump writes them first; data is never read).
pub fn plain_extensions(r: impl Read) -> Vec<String> {
    use std::io::BufRead;
    let mut out: Vec<String> = Vec::new();
    for line in std::io::BufReader::new(r.take(PLAIN_SCAN_MAX)).split(b'\n') {
        let Ok(line) = line else { break };
        let line = String::from_utf8_lossy(&line);
        if line.starts_with("COPY ") {
            break;
        }
        let Some(rest) = line.strip_prefix("CREATE EXTENSION ") else {
            continue;
        };
        let rest = rest.strip_prefix("IF NOT EXISTS ").unwrap_or(rest);
        let name = if let Some(q) = rest.strip_prefix('"') {
            // A quoted name: `""` is a quote.
            let mut n = String::new();
            let mut chars = q.chars().peekable();
            while let Some(c) = chars.next() {
                match c {
                    '"' if chars.peek() == Some(&'"') => {
                        chars.next();
                        n.push('"');
                    }
                    '"' => break,
                    c => n.push(c),
                }
            }
            n
        } else {
            rest.split([' ', ';']).next().unwrap_or("").to_lowercase()
        };
        if !name.is_empty() && !out.contains(&name) {
            out.push(name);
        }
    }
    out
}

/// Socket directories libpq builds may default to (Debian's, upstream's).
const DEFAULT_SOCKET_DIRS: &[&str] = &["/var/run/postgresql", "/run/postgresql", "/tmp"];

/// The largest password file read: a secret is a line, not a disk.
const PASSWORD_FILE_MAX: u64 = 64 * 1024;

/// The password in FILE (`--password-file`, `STAGDB_SOURCE_PASSWORD_FILE`):
/// its first line, the line end stripped. Errors name the file, never
/// its contents.
pub fn read_password_file(path: &Path) -> Result<String> {
    let f = std::fs::File::open(path)
        .with_context(|| format!("reading the password file {}", path.display()))?;
    let meta = f
        .metadata()
        .with_context(|| format!("reading the password file {}", path.display()))?;
    if meta.is_dir() {
        bail!("the password file {} is a directory", path.display());
    }
    let mut bytes = Vec::new();
    // Bounded: a FIFO or /dev/zero must not hang or fill memory.
    f.take(PASSWORD_FILE_MAX)
        .read_to_end(&mut bytes)
        .with_context(|| format!("reading the password file {}", path.display()))?;
    let text = String::from_utf8(bytes)
        .map_err(|_| anyhow::anyhow!("the password file {} is not UTF-8 text", path.display()))?;
    let line = text.split('\n').next().unwrap_or("");
    let line = line.strip_suffix('\r').unwrap_or(line);
    if line.is_empty() {
        bail!(
            "the password file {} is empty (its first line is the password)",
            path.display()
        );
    }
    if line.contains('\0') {
        // libpq cannot take it: say so rather than fail to authenticate.
        bail!("the password file {} holds a NUL byte", path.display());
    }
    Ok(line.to_string())
}

fn split_pgpass(line: &str) -> Vec<String> {
    let mut out = vec![String::new()];
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                if let (Some(n), Some(s)) = (chars.next(), out.last_mut()) {
                    s.push(n);
                }
            }
            ':' if out.len() < 5 => out.push(String::new()),
            c => {
                if let Some(s) = out.last_mut() {
                    s.push(c);
                }
            }
        }
    }
    out
}

/// One field of a password file line, escaped.
pub fn pgpass_field(s: &str) -> String {
    s.replace('\\', "\\\\").replace(':', "\\:")
}

/// What the first bytes of a dump say about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DumpInfo {
    pub format: DumpFormat,
    pub compression: Compression,
    /// The source server's major version, when the dump says.
    pub major: Option<u32>,
    /// The database it was dumped from, when the dump says.
    pub dbname: Option<String>,
}

/// How many bytes `sniff` wants to see (decompressed).
pub const SNIFF_LEN: usize = 64 << 10;

/// Recognizes a dump from its first bytes (as stored: compressed or not).
pub fn sniff(head: &[u8]) -> Result<DumpInfo> {
    if head.starts_with(&[0x1f, 0x8b]) {
        let inner = decompress_prefix(Box::new(flate2::read::GzDecoder::new(head)))?;
        let mut info = sniff_plain_or_archive(&inner)?;
        info.compression = Compression::Gzip;
        return Ok(info);
    }
    if head.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
        let dec = ruzstd::decoding::StreamingDecoder::new(head)
            .map_err(|e| anyhow::anyhow!("not a valid zstd stream: {e}"))?;
        let inner = decompress_prefix(Box::new(dec))?;
        let mut info = sniff_plain_or_archive(&inner)?;
        info.compression = Compression::Zstd;
        return Ok(info);
    }
    sniff_plain_or_archive(head)
}

/// The decompressed start of a stream (an early end is fine: the input
/// was only a prefix).
fn decompress_prefix(mut r: Box<dyn Read + '_>) -> Result<Vec<u8>> {
    let mut out = vec![0u8; SNIFF_LEN];
    let mut n = 0;
    while n < out.len() {
        match r.read(&mut out[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(_) if n > 0 => break,
            Err(e) => return Err(e).context("decompressing the dump"),
        }
    }
    out.truncate(n);
    Ok(out)
}

fn sniff_plain_or_archive(b: &[u8]) -> Result<DumpInfo> {
    if b.starts_with(b"PGDMP") {
        let h = parse_archive_header(b)?;
        return Ok(DumpInfo {
            format: if h.format == 5 {
                DumpFormat::Directory
            } else {
                DumpFormat::Custom
            },
            compression: Compression::None,
            major: h.major,
            dbname: Some(h.dbname),
        });
    }
    if b.len() > 262 && &b[257..262] == b"ustar" {
        return Ok(DumpInfo {
            format: DumpFormat::Tar,
            compression: Compression::None,
            major: None,
            dbname: None,
        });
    }
    if b.is_empty() {
        bail!("the dump is empty");
    }
    // Plain SQL is text: refuse binary garbage up front.
    let text = String::from_utf8_lossy(b);
    if b.iter().take(4096).any(|&c| c == 0) {
        bail!("not a PostgreSQL dump: neither a custom, directory or tar archive nor SQL text");
    }
    // pg_dumpall's output makes its own databases and connects to them:
    // it is loaded from the cluster's own database.
    let cluster = text
        .lines()
        .take(20)
        .any(|l| l.trim_end() == "-- PostgreSQL database cluster dump");
    Ok(DumpInfo {
        format: DumpFormat::Plain,
        compression: Compression::None,
        major: plain_major(&text),
        dbname: cluster.then(|| "postgres".to_string()),
    })
}

/// `-- Dumped from database version 15.4 (Debian 15.4-1)` in pg_dump's
/// plain output.
fn plain_major(text: &str) -> Option<u32> {
    text.lines().take(200).find_map(|l| {
        let v = l.strip_prefix("-- Dumped from database version ")?;
        major_of_version(v)
    })
}

/// `15.4 (Debian ...)` -> 15; `9.6.3` -> 9.
pub fn major_of_version(v: &str) -> Option<u32> {
    let digits: String = v
        .trim()
        .chars()
        .take_while(|c| c.is_ascii_digit())
        .collect();
    digits.parse().ok()
}

#[derive(Debug, PartialEq, Eq)]
struct ArchiveHeader {
    format: u8,
    dbname: String,
    major: Option<u32>,
}

/// pg_dump's archive header (pg_backup_archiver.c, WriteHead): "PGDMP",
/// version (3 bytes), int size, offset size, format, compression, the
/// dump time (7 ints), then the database name, the server's version and
/// pg_dump's version as length-prefixed strings.
fn parse_archive_header(b: &[u8]) -> Result<ArchiveHeader> {
    let bad = || anyhow::anyhow!("damaged or unsupported archive header");
    let mut pos = 5;
    let byte = |pos: &mut usize| -> Result<u8> {
        let v = *b.get(*pos).ok_or_else(bad)?;
        *pos += 1;
        Ok(v)
    };
    let (vmaj, vmin) = (byte(&mut pos)?, byte(&mut pos)?);
    let _vrev = byte(&mut pos)?;
    let version = (u32::from(vmaj) << 8) | u32::from(vmin);
    if vmaj != 1 || vmin < 10 {
        bail!(
            "archive format {vmaj}.{vmin} is too old (made by pg_dump before 9.x); dump it again with a newer pg_dump"
        );
    }
    let int_size = usize::from(byte(&mut pos)?);
    if !(1..=8).contains(&int_size) {
        return Err(bad());
    }
    let _off_size = byte(&mut pos)?;
    let format = byte(&mut pos)?;
    let int = |pos: &mut usize| -> Result<i64> {
        let sign = byte(pos)?;
        let mut v: i64 = 0;
        for i in 0..int_size {
            v |= i64::from(byte(pos)?) << (8 * i);
        }
        Ok(if sign != 0 { -v } else { v })
    };
    // 1.15 (PostgreSQL 16) stores the compression algorithm as one byte;
    // earlier versions an int.
    if version >= (1 << 8) | 15 {
        byte(&mut pos)?;
    } else {
        int(&mut pos)?;
    }
    for _ in 0..7 {
        int(&mut pos)?;
    }
    let string = |pos: &mut usize| -> Result<String> {
        let len = int(pos)?;
        if len < 0 {
            return Ok(String::new());
        }
        let len = usize::try_from(len).map_err(|_| bad())?;
        let s = b.get(*pos..*pos + len).ok_or_else(bad)?;
        *pos += len;
        Ok(String::from_utf8_lossy(s).into_owned())
    };
    let dbname = string(&mut pos)?;
    let server = string(&mut pos)?;
    Ok(ArchiveHeader {
        format,
        dbname,
        major: major_of_version(&server),
    })
}

/// Reads up to [`SNIFF_LEN`] bytes (less at the end of the input).
pub fn read_head(r: &mut dyn Read) -> std::io::Result<Vec<u8>> {
    let mut out = vec![0u8; SNIFF_LEN];
    let mut n = 0;
    while n < out.len() {
        match r.read(&mut out[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        }
    }
    out.truncate(n);
    Ok(out)
}

/// Looks at a dump on disk: a directory dump's `toc.dat`, or a file's start.
pub fn inspect_path(path: &Path) -> Result<DumpInfo> {
    let meta = std::fs::metadata(path).with_context(|| format!("reading {}", path.display()))?;
    if meta.is_dir() {
        let toc = path.join("toc.dat");
        let mut f = std::fs::File::open(&toc).with_context(|| {
            format!(
                "{} is a directory without toc.dat: not a directory-format dump (pg_dump -Fd)",
                path.display()
            )
        })?;
        let head = read_head(&mut f).with_context(|| format!("reading {}", toc.display()))?;
        let mut info = sniff(&head).with_context(|| format!("reading {}", toc.display()))?;
        info.format = DumpFormat::Directory;
        return Ok(info);
    }
    let mut f = std::fs::File::open(path).with_context(|| format!("opening {}", path.display()))?;
    let head = read_head(&mut f).with_context(|| format!("reading {}", path.display()))?;
    sniff(&head).with_context(|| format!("reading {}", path.display()))
}

/// A reader that decompresses as the dump says.
pub fn decompressing(r: Box<dyn Read + Send>, c: Compression) -> Result<Box<dyn Read + Send>> {
    Ok(match c {
        Compression::None => r,
        Compression::Gzip => Box::new(flate2::read::MultiGzDecoder::new(r)),
        Compression::Zstd => Box::new(
            ruzstd::decoding::StreamingDecoder::new(r)
                .map_err(|e| anyhow::anyhow!("not a valid zstd stream: {e}"))?,
        ),
    })
}

/// Roles a cloud provider or PostgreSQL itself manages: never copied.
pub(crate) fn system_role(name: &str) -> bool {
    let n = name.trim_matches('"');
    n == "postgres"
        || n.starts_with("pg_")
        || n.starts_with("rds")
        || n.starts_with("cloudsql")
        || n.starts_with("azure")
        || n.starts_with("alloydb")
        || n == "replication"
}

/// `pg_dumpall --roles-only --no-role-passwords` output made safe to
/// replay into a branch: no system or cloud roles, no superuser,
/// replication or RLS-bypass attribute, no password, no settings.
pub fn filter_roles(sql: &str) -> String {
    let mut out = String::new();
    for line in sql.lines() {
        let l = line.trim();
        let role_of = |rest: &str| rest.split([' ', ';']).next().unwrap_or("").to_string();
        if let Some(rest) = l.strip_prefix("CREATE ROLE ") {
            if !system_role(&role_of(rest)) {
                out.push_str(l);
                out.push('\n');
            }
        } else if let Some(rest) = l.strip_prefix("ALTER ROLE ") {
            let name = role_of(rest);
            if system_role(&name) || l.contains(" SET ") {
                continue;
            }
            let words: Vec<&str> = l
                .trim_end_matches(';')
                .split(' ')
                .map(|w| match w {
                    "SUPERUSER" => "NOSUPERUSER",
                    "REPLICATION" => "NOREPLICATION",
                    "BYPASSRLS" => "NOBYPASSRLS",
                    w => w,
                })
                .collect();
            // --no-role-passwords leaves none, but a PASSWORD clause never passes.
            if words.iter().any(|w| w.eq_ignore_ascii_case("PASSWORD")) {
                continue;
            }
            out.push_str(&words.join(" "));
            out.push_str(";\n");
        } else if let Some(rest) = l.strip_prefix("GRANT ") {
            // Memberships: `GRANT a TO b [WITH ...] [GRANTED BY c];`
            let names: Vec<&str> = rest
                .split([' ', ';', ','])
                .filter(|w| !w.is_empty() && !w.chars().all(|c| c.is_ascii_uppercase()))
                .collect();
            if !names.iter().any(|n| system_role(n)) {
                out.push_str(l);
                out.push('\n');
            }
        }
    }
    out
}

/// Whether a plain dump's statement is one import leaves out: ownership
/// and grants (roles of the source need not exist here), and publications
/// and subscriptions (a subscription would connect to the source).
pub(crate) fn skipped_statement(line: &str) -> bool {
    let l = line.trim_start();
    (l.starts_with("ALTER ") && l.contains(" OWNER TO "))
        || l.starts_with("GRANT ")
        || l.starts_with("REVOKE ")
        || l.starts_with("SET SESSION AUTHORIZATION ")
        || l.starts_with("CREATE PUBLICATION ")
        || l.starts_with("ALTER PUBLICATION ")
        || l.starts_with("CREATE SUBSCRIPTION ")
        || l.starts_with("ALTER SUBSCRIPTION ")
        || l.starts_with("COMMENT ON PUBLICATION ")
        || l.starts_with("COMMENT ON SUBSCRIPTION ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn no_env(_: &str) -> Option<String> {
        None
    }

    #[test]
    fn connection_strings() {
        let l = parse_live(
            "postgres://u:p%40ss@db.example:6543/app?sslmode=require",
            &no_env,
        )
        .unwrap();
        assert_eq!(l.host, "db.example");
        assert_eq!(l.port, 6543);
        assert_eq!(l.user, "u");
        assert_eq!(l.dbname, "app");
        assert_eq!(l.password.as_deref(), Some("p@ss"));
        assert_eq!(l.sslmode.as_deref(), Some("require"));
        assert_eq!(
            l.display(),
            "postgresql://u@db.example:6543/app?sslmode=require"
        );
        assert!(!format!("{l:?}").contains("p@ss"));

        let l = parse_live(
            "host=127.0.0.1 port=5433 dbname=x user=me password=secret",
            &no_env,
        )
        .unwrap();
        assert_eq!(
            (l.host.as_str(), l.port, l.dbname.as_str()),
            ("127.0.0.1", 5433, "x")
        );
        assert_eq!(l.display(), "postgresql://me@127.0.0.1:5433/x");

        let env = |k: &str| match k {
            "PGUSER" => Some("envuser".to_string()),
            "PGPORT" => Some("7000".to_string()),
            _ => None,
        };
        let l = parse_live("postgresql://h", &env).unwrap();
        assert_eq!(
            (l.user.as_str(), l.port, l.dbname.as_str()),
            ("envuser", 7000, "envuser")
        );
        assert!(parse_live("postgresql://a,b/x", &no_env).is_err());

        assert!(matches!(parse("-", &no_env).unwrap(), Source::Stdin));
        assert!(matches!(
            parse("dump.sql.gz", &no_env).unwrap(),
            Source::Path(_)
        ));
        assert!(matches!(
            parse("host=x dbname=y", &no_env).unwrap(),
            Source::Live(_)
        ));
        assert!(matches!(
            parse("./a=b.sql", &no_env).unwrap(),
            Source::Path(_)
        ));
        let l = parse_live("host=/var/run/postgresql dbname=app user=u", &no_env).unwrap();
        assert_eq!(
            l.display(),
            "postgresql://u@:5432/app?host=%2Fvar%2Frun%2Fpostgresql"
        );
    }

    #[test]
    fn pgpass() {
        let live = parse_live("postgresql://u@h:5433/db", &no_env).unwrap();
        let file =
            "# comment\nother:5433:*:u:no\nh:5432:*:u:wrongport\nh:5433:*:u:pa\\:ss\\\\w:rd\n";
        assert_eq!(pgpass_lookup(file, &live).as_deref(), Some("pa:ss\\w:rd"));
        assert_eq!(
            pgpass_lookup("*:*:*:*:any\n", &live).as_deref(),
            Some("any")
        );
        assert_eq!(pgpass_lookup("h:5433:otherdb:u:x\n", &live), None);
        assert_eq!(pgpass_field("a:b\\c"), "a\\:b\\\\c");
    }

    #[test]
    fn extensions_of_dumps() {
        let toc = ";\n; Archive created\n;\n3; 3079 16385 EXTENSION - hstore \n4224; 0 0 COMMENT - EXTENSION hstore \n2; 3079 1 EXTENSION - h4fake \n215; 1259 16390 TABLE public t postgres\n";
        assert_eq!(toc_extensions(toc), ["hstore", "h4fake"]);
        let plain = "SET x = 1;\nCREATE EXTENSION IF NOT EXISTS hstore WITH SCHEMA public;\nCOMMENT ON EXTENSION hstore IS 'x';\nCREATE EXTENSION \"My\"\"Ext\";\nCREATE EXTENSION Plain;\nCOPY t (x) FROM stdin;\nCREATE EXTENSION indata;\n\\.\n";
        assert_eq!(
            plain_extensions(plain.as_bytes()),
            ["hstore", "My\"Ext", "plain"]
        );
    }

    #[test]
    fn pgpass_socket_directory() {
        let live = parse_live("host=/srv/pg port=5433 dbname=db user=u", &no_env).unwrap();
        // A non-default socket directory is matched by its path only.
        assert_eq!(pgpass_lookup("localhost:5433:*:u:no\n", &live), None);
        assert_eq!(
            pgpass_lookup("/srv/pg:5433:*:u:yes\n", &live).as_deref(),
            Some("yes")
        );
        let live = parse_live("host=/var/run/postgresql port=5433 user=u", &no_env).unwrap();
        assert_eq!(
            pgpass_lookup("localhost:5433:*:u:yes\n", &live).as_deref(),
            Some("yes")
        );
    }

    #[test]
    fn password_files() {
        let dir = std::env::temp_dir().join(format!("stagdb-unit-pwfile-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let f = dir.join("pw");
        std::fs::write(&f, "s3cr:et\r\nsecond line\n").unwrap();
        assert_eq!(read_password_file(&f).unwrap(), "s3cr:et");
        std::fs::write(&f, "no newline").unwrap();
        assert_eq!(read_password_file(&f).unwrap(), "no newline");
        std::fs::write(&f, "\nafter an empty line").unwrap();
        let e = format!("{:#}", read_password_file(&f).unwrap_err());
        assert!(e.contains("is empty") && !e.contains("after"), "{e}");
        std::fs::write(&f, b"a\0b\n").unwrap();
        assert!(read_password_file(&f).is_err());
        std::fs::write(&f, [0xff, 0xfe, b'\n']).unwrap();
        assert!(read_password_file(&f).is_err());
        let e = format!("{:#}", read_password_file(&dir).unwrap_err());
        assert!(e.contains("directory"), "{e}");
        let e = format!("{:#}", read_password_file(&dir.join("gone")).unwrap_err());
        assert!(e.contains(&dir.join("gone").display().to_string()), "{e}");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    /// The header of a real `pg_dump -Fc` (PostgreSQL 15, archive 1.14).
    fn header_v114() -> Vec<u8> {
        let mut b = b"PGDMP".to_vec();
        b.extend([1, 14, 0, 4, 8, 1]);
        // compression int: sign + 4 bytes
        b.extend([0, 0xff, 0xff, 0xff, 0xff]);
        for _ in 0..7 {
            b.extend([0, 1, 0, 0, 0]);
        }
        for s in ["app", "15.14 (Debian 15.14-0+deb12u1)", "15.14"] {
            b.extend([0, s.len() as u8, 0, 0, 0]);
            b.extend(s.as_bytes());
        }
        b
    }

    #[test]
    fn archive_headers() {
        let info = sniff(&header_v114()).unwrap();
        assert_eq!(info.format, DumpFormat::Custom);
        assert_eq!(info.major, Some(15));
        assert_eq!(info.dbname.as_deref(), Some("app"));
        // 1.15+: compression is one byte.
        let mut b = b"PGDMP".to_vec();
        b.extend([1, 16, 0, 4, 8, 5, 0]);
        for _ in 0..7 {
            b.extend([0, 1, 0, 0, 0]);
        }
        for s in ["shop", "18.1 (Debian 18.1-1)", "18.1"] {
            b.extend([0, s.len() as u8, 0, 0, 0]);
            b.extend(s.as_bytes());
        }
        let info = sniff(&b).unwrap();
        assert_eq!(info.format, DumpFormat::Directory);
        assert_eq!(info.major, Some(18));
        // Truncated or garbage headers are errors, never panics.
        for n in 0..b.len() {
            let _ = sniff(&b[..n]);
        }
        assert!(sniff(b"PGDMP\x01\x05\x00").is_err());
        assert!(sniff(b"\x00\x01binary").is_err());
        assert!(sniff(b"").is_err());
    }

    #[test]
    fn plain_and_compressed() {
        let sql = b"--\n-- PostgreSQL database dump\n--\n\n-- Dumped from database version 13.22 (Debian 13.22-0+deb11u1)\n-- Dumped by pg_dump version 13.22\n";
        let info = sniff(sql).unwrap();
        assert_eq!((info.format, info.major), (DumpFormat::Plain, Some(13)));
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        std::io::Write::write_all(&mut gz, sql).unwrap();
        let gz = gz.finish().unwrap();
        let info = sniff(&gz).unwrap();
        assert_eq!(
            (info.format, info.compression, info.major),
            (DumpFormat::Plain, Compression::Gzip, Some(13))
        );
        // A prefix of the compressed stream is enough.
        assert!(sniff(&gz[..gz.len() - 4]).is_ok());
        let info = sniff(b"CREATE TABLE t (a int);\n").unwrap();
        assert_eq!((info.format, info.major), (DumpFormat::Plain, None));
    }

    #[test]
    fn roles_are_tamed() {
        let dump = "SET default_transaction_read_only = off;\n\
CREATE ROLE app_owner;\n\
ALTER ROLE app_owner WITH SUPERUSER INHERIT NOCREATEROLE NOCREATEDB LOGIN REPLICATION BYPASSRLS;\n\
CREATE ROLE postgres;\n\
ALTER ROLE postgres WITH SUPERUSER INHERIT CREATEROLE CREATEDB LOGIN REPLICATION BYPASSRLS;\n\
CREATE ROLE rds_superuser;\n\
ALTER ROLE app_owner SET search_path TO x;\n\
GRANT rds_superuser TO app_owner GRANTED BY rdsadmin;\n\
GRANT reader TO app_owner GRANTED BY postgres;\n\
GRANT reader TO app_owner;\n";
        let out = filter_roles(dump);
        assert_eq!(
            out,
            "CREATE ROLE app_owner;\n\
ALTER ROLE app_owner WITH NOSUPERUSER INHERIT NOCREATEROLE NOCREATEDB LOGIN NOREPLICATION NOBYPASSRLS;\n\
GRANT reader TO app_owner;\n"
        );
    }

    #[test]
    fn plain_script_drops_ownership_and_subscriptions_outside_copy() {
        let dump = "CREATE TABLE public.t (a text);\n\
ALTER TABLE public.t OWNER TO app_owner;\n\
COPY public.t (a) FROM stdin;\n\
ALTER TABLE x OWNER TO y;\n\
GRANT all\n\
\\.\n\
GRANT SELECT ON TABLE public.t TO reader;\n\
CREATE SUBSCRIPTION s CONNECTION 'host=prod' PUBLICATION p WITH (connect = false, slot_name = 's');\n\
CREATE PUBLICATION p FOR ALL TABLES;\n\
SELECT 1;\n";
        let mut out = String::new();
        let opt = |keep_owners| crate::plainsql::Options {
            keep_owners,
            ..Default::default()
        };
        crate::plainsql::PlainScript::new(dump.as_bytes(), opt(false))
            .read_to_string(&mut out)
            .unwrap();
        assert_eq!(
            out,
            "CREATE TABLE public.t (a text);\nCOPY public.t (a) FROM stdin;\nALTER TABLE x OWNER TO y;\nGRANT all\n\\.\nSELECT 1;\n"
        );
        let mut kept = String::new();
        crate::plainsql::PlainScript::new(dump.as_bytes(), opt(true))
            .read_to_string(&mut kept)
            .unwrap();
        assert!(kept.contains("OWNER TO app_owner"));
        assert!(!kept.contains("SUBSCRIPTION"));
    }
}
