//! `url`, `env` and `psql`: the only commands that show a branch's password.

use std::collections::BTreeMap;

use crate::cli::{EnvArgs, EnvFormat, PsqlArgs, RefArgs};
use crate::ctx::Ctx;
use crate::error::{CmdResult, CommandError, ErrorKind, user_error};
use crate::ops;
use crate::pg;
use crate::store::{Branch, Store};

/// PG* variables for a branch, in the order they are printed.
fn vars(store: &Store, b: &Branch, db: Option<&str>) -> CmdResult<Vec<(&'static str, String)>> {
    let db = db.unwrap_or(b.db());
    let password = ops::password(store, b)?;
    Ok(vec![
        (
            "DATABASE_URL",
            pg::url(store.settings.connect_host(), ops::port(b)?, &password, db),
        ),
        ("PGHOST", store.settings.connect_host().to_string()),
        ("PGPORT", ops::port(b)?.to_string()),
        ("PGUSER", pg::USER.to_string()),
        ("PGPASSWORD", password),
        ("PGDATABASE", db.to_string()),
    ])
}

pub async fn url(ctx: &Ctx, args: RefArgs) -> CmdResult {
    let store = ops::open_store_for(ctx, args.reference.as_deref(), false).await?;
    let b = ops::branch_or_head(&store, args.reference.as_deref())?;
    let url = pg::url(
        store.settings.connect_host(),
        ops::port(b)?,
        &ops::password(&store, b)?,
        args.db.as_deref().unwrap_or(b.db()),
    );
    if ctx.settings.json {
        let mut m = BTreeMap::new();
        m.insert("branch", b.name.clone());
        m.insert("url", url);
        ctx.printer.json(&m)
    } else {
        ctx.printer.line(url)?;
        Ok(())
    }
}

pub async fn env(ctx: &Ctx, args: EnvArgs) -> CmdResult {
    let r = &args.target;
    let store = ops::open_store_for(ctx, r.reference.as_deref(), false).await?;
    let b = ops::branch_or_head(&store, r.reference.as_deref())?;
    let vars = vars(&store, b, r.db.as_deref())?;
    if let Some(path) = &args.write {
        write_dotenv(path, &vars, args.force)?;
        ctx.printer.status(format!(
            "wrote {} (branch '{}', mode 0600)",
            path.display(),
            b.name
        ));
        return Ok(());
    }
    if ctx.settings.json || args.format == EnvFormat::Json {
        let m: BTreeMap<&str, &String> = vars.iter().map(|(k, v)| (*k, v)).collect();
        return ctx.printer.json(&m);
    }
    for (k, v) in vars {
        let line = match args.format {
            EnvFormat::Dotenv => format!("{k}={}", dotenv_quote(&v)),
            _ => format!("export {k}={}", shell_quote(&v)),
        };
        ctx.printer.line(line)?;
    }
    Ok(())
}

/// Writes a branch's dotenv file (the git hook's `env-file`).
pub(crate) async fn write_env_file(ctx: &Ctx, path: &std::path::Path, branch: &str) -> CmdResult {
    let store = ops::open_store_for(ctx, Some(branch), false).await?;
    let b = ops::find_branch(&store, branch)?;
    write_dotenv(path, &vars(&store, b, None)?, false)
}

/// A dotenv value in double quotes, with `\`, `"`, `$` and newlines
/// escaped: read back verbatim by docker compose, direnv and python-dotenv.
pub(crate) fn dotenv_quote(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('"');
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '$' => out.push_str("\\$"),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// The first line of every dotenv file stagdb writes: only a file that
/// starts with it is replaced without `--force`.
const DOTENV_MARKER: &str = "# written by `stagdb env --write`";

/// Whether `path` is a file stagdb may replace: missing (`Ok(false)`), or a
/// regular file (not a symlink) starting with [`DOTENV_MARKER`]
/// (`Ok(true)`); anything else is refused unless `force`.
fn may_replace(path: &std::path::Path, force: bool) -> CmdResult<bool> {
    use std::io::Read;
    let meta = match std::fs::symlink_metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(false),
        Err(e) => {
            return Err(CommandError::new(
                ErrorKind::User,
                anyhow::Error::new(e).context(format!("reading {}", path.display())),
            ));
        }
    };
    let mut head = [0u8; DOTENV_MARKER.len()];
    let ours = meta.is_file()
        && std::fs::File::open(path)
            .and_then(|mut f| f.read_exact(&mut head))
            .is_ok()
        && head == DOTENV_MARKER.as_bytes();
    // --force replaces a file or a symlink (the link, not its target);
    // never a directory, device, FIFO or socket.
    let plain = meta.is_file() || meta.file_type().is_symlink();
    if ours || (force && plain) {
        return Ok(true);
    }
    let what = if meta.is_dir() {
        "is a directory"
    } else if meta.file_type().is_symlink() {
        "is a symbolic link"
    } else if !meta.is_file() {
        "is not a regular file"
    } else {
        "was not written by stagdb"
    };
    let err = user_error(format!(
        "{} exists and {what}; refusing to replace it",
        path.display()
    ));
    Err(if !plain {
        err.hint("give the path of a file")
    } else {
        err.hint(format!(
            "move it aside, write another file, or replace it anyway with `stagdb env --write {} --force`",
            path.display()
        ))
    })
}

/// Writes the variables as a dotenv file readable by its owner only, via
/// a temporary file renamed over it (a reader never sees half a file).
/// Only a file stagdb wrote is replaced, unless `force`.
fn write_dotenv(path: &std::path::Path, vars: &[(&str, String)], force: bool) -> CmdResult {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => std::path::PathBuf::from("."),
    };
    let name = path.file_name().ok_or_else(|| {
        crate::error::usage_error(format!("--write {}: not a file name", path.display()))
    })?;
    let tmp = dir.join(format!(
        ".{}.stagdb-{}",
        name.to_string_lossy(),
        std::process::id()
    ));
    let io = |e: std::io::Error, what: &str| {
        CommandError::new(
            ErrorKind::User,
            anyhow::Error::new(e).context(format!("{what} {}", path.display())),
        )
    };
    let replace = may_replace(path, force)?;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .custom_flags(libc::O_NOFOLLOW)
        .open(&tmp)
        .map_err(|e| io(e, "writing"))?;
    let mut text = format!("{DOTENV_MARKER}\n");
    for (k, v) in vars {
        text.push_str(&format!("{k}={}\n", dotenv_quote(v)));
    }
    let res = f.write_all(text.as_bytes()).and_then(|()| f.sync_all());
    // No file there when checked: a link, which fails if one appeared
    // meanwhile (a rename would replace it).
    let placed = res.and_then(|()| {
        if replace {
            return std::fs::rename(&tmp, path);
        }
        match std::fs::hard_link(&tmp, path) {
            Ok(()) => std::fs::remove_file(&tmp),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Err(e),
            // A filesystem without hard links: checked once more, renamed.
            Err(_) if std::fs::symlink_metadata(path).is_ok() => {
                Err(std::io::ErrorKind::AlreadyExists.into())
            }
            Err(_) => std::fs::rename(&tmp, path),
        }
    });
    if let Err(e) = placed {
        let _ = std::fs::remove_file(&tmp);
        if e.kind() == std::io::ErrorKind::AlreadyExists {
            return Err(user_error(format!(
                "{} was created by someone else meanwhile; refusing to replace it",
                path.display()
            )));
        }
        return Err(io(e, "writing"));
    }
    Ok(())
}

/// Quotes `value` as one word for any POSIX shell (`sh`, `dash`, `bash`,
/// `zsh`, `ksh`), so `eval "$(stagdb env)"` assigns it verbatim and never
/// runs any part of it.
///
/// Values made only of characters no shell treats specially (ASCII letters,
/// digits and `_@%+=:,./-`) are printed as they are, so ordinary values stay
/// readable; `~` is left out on purpose, since shells expand it after `=` and
/// `:` in assignments. Everything else goes inside single quotes, where no
/// character is special except `'` itself, which becomes `'\''` (end the
/// quoted part, an escaped quote, start a new quoted part).
pub(crate) fn shell_quote(value: &str) -> String {
    let plain = |c: char| c.is_ascii_alphanumeric() || "_@%+=:,./-".contains(c);
    if !value.is_empty() && value.chars().all(plain) {
        return value.to_owned();
    }
    let mut out = String::with_capacity(value.len() + 2);
    out.push('\'');
    for c in value.chars() {
        if c == '\'' {
            out.push_str(r"'\''");
        } else {
            out.push(c);
        }
    }
    out.push('\'');
    out
}

pub async fn psql(ctx: &Ctx, args: PsqlArgs) -> CmdResult {
    use std::os::unix::process::CommandExt;
    let store = ops::open_store_for(ctx, args.reference.as_deref(), false).await?;
    let b = ops::branch_or_head(&store, args.reference.as_deref())?;
    let containers = ops::containers(ctx, &store).await?;
    if ops::state_of(containers.get(&b.name)) != "running" {
        return Err(user_error(format!("branch '{}' is not running", b.name))
            .hint(format!("start it with `stagdb start {}`", b.name)));
    }
    let vars = vars(&store, b, args.db.as_deref())?;
    let mut cmd = if which("psql") {
        let mut c = std::process::Command::new("psql");
        // The password goes through the environment, never the arguments.
        for (k, v) in &vars {
            if *k != "DATABASE_URL" {
                c.env(k, v);
            }
        }
        c.args(&args.args);
        c
    } else if which("docker") {
        // No client on the host: use the one in the branch's container
        // (local socket, no password needed inside).
        let mut c = std::process::Command::new("docker");
        c.arg("exec").arg("-i");
        if std::io::IsTerminal::is_terminal(&std::io::stdin()) {
            c.arg("-t");
        }
        c.arg(ops::container_name(&store, &b.name))
            .args([
                "psql",
                "-U",
                pg::USER,
                "-d",
                args.db.as_deref().unwrap_or(b.db()),
            ])
            .args(&args.args);
        c
    } else {
        return Err(user_error("psql is not installed on this host")
            .hint("install the PostgreSQL client (e.g. `apt-get install postgresql-client`), or use `stagdb url`"));
    };
    let err = cmd.exec();
    Err(CommandError::new(ErrorKind::User, err).hint("could not run psql"))
}

fn which(program: &str) -> bool {
    std::env::var_os("PATH").is_some_and(|paths| {
        std::env::split_paths(&paths).any(|d| {
            let p = d.join(program);
            std::fs::metadata(&p).is_ok_and(|m| {
                use std::os::unix::fs::PermissionsExt;
                m.is_file() && m.permissions().mode() & 0o111 != 0
            })
        })
    })
}

#[cfg(test)]
mod tests {
    use super::shell_quote;
    use std::process::Command;

    #[test]
    fn dotenv_values_are_escaped() {
        use super::dotenv_quote;
        assert_eq!(dotenv_quote("plain"), "\"plain\"");
        assert_eq!(dotenv_quote("a\"b$c\\d\ne"), "\"a\\\"b\\$c\\\\d\\ne\"");
    }

    #[test]
    fn plain_values_stay_readable() {
        for v in [
            "postgres",
            "5432",
            "127.0.0.1",
            "::1",
            "postgresql://postgres:pw@127.0.0.1:5432/postgres",
            "a%2Fb",
            "x=y,z+w",
        ] {
            assert_eq!(shell_quote(v), v);
        }
        assert_eq!(shell_quote(""), "''");
        assert_eq!(shell_quote("a b"), "'a b'");
        assert_eq!(shell_quote("~/x"), "'~/x'");
        assert_eq!(shell_quote("é"), "'é'");
        assert_eq!(
            shell_quote("postgresql://postgres@[::1]:5/postgres"),
            "'postgresql://postgres@[::1]:5/postgres'"
        );
        assert_eq!(shell_quote("it's"), r"'it'\''s'");
        assert_eq!(shell_quote("'"), r"''\'''");
    }

    /// Values that would run commands, expand, split or glob if quoted badly.
    const HOSTILE: &[&str] = &[
        "x'; touch pwned; echo '",
        "'",
        "''",
        r"'\''",
        "a\nb",
        "\n",
        "trailing newline\n",
        "\n\nleading newlines",
        "$HOME",
        "${PATH}",
        "$",
        "$(touch pwned-subst)",
        "`touch pwned-backtick`",
        "\\",
        r"back\slash\",
        r"\'",
        r"\n\t\\",
        "\"double\" quotes \"",
        "tab\there",
        "*",
        "[a-z]*",
        "~",
        "~/x:~/y",
        "!!",
        "-n",
        r"-e \n",
        "a;b|c&d>e<f",
        "#comment",
        "{a,b}",
        "ünïcödé 功能 🚀",
        "\u{1b}[31mred",
        " leading and trailing spaces ",
        "",
    ];

    /// Evaluates `export VAR=<quoted>` in `shell` (in `dir`) the way
    /// `eval "$(stagdb env)"` would, and returns what `$VAR` holds afterwards.
    fn round_trip(shell: &str, dir: &std::path::Path, value: &str) -> String {
        let line = format!("export VAR={}", shell_quote(value));
        let out = Command::new(shell)
            .arg("-c")
            .arg(r#"eval "$1"; printf %s "$VAR""#)
            .arg(shell)
            .arg(&line)
            .current_dir(dir)
            .env_remove("VAR")
            .output()
            .unwrap_or_else(|e| panic!("cannot run {shell}: {e}"));
        assert!(
            out.status.success() && out.stderr.is_empty(),
            "{shell} failed on {line:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).expect("utf-8 output")
    }

    #[test]
    fn shells_read_back_exactly_what_was_quoted() {
        let dir = std::env::temp_dir().join(format!("stagdb-shq-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        // `sh` always; other shells users eval in, where installed.
        let mut shells = vec!["sh"];
        for extra in ["bash", "dash", "zsh", "ksh", "mksh"] {
            let found = Command::new(extra)
                .args(["-c", "true"])
                .output()
                .is_ok_and(|o| o.status.success());
            if found {
                shells.push(extra);
            }
        }
        let files_in = |dir: &std::path::Path| -> Vec<_> {
            std::fs::read_dir(dir)
                .unwrap()
                .map(|e| e.unwrap().file_name())
                .collect()
        };
        for shell in &shells {
            for value in HOSTILE {
                let got = round_trip(shell, &dir, value);
                let made = files_in(&dir);
                assert!(
                    made.is_empty(),
                    "{shell}: {:?} ran a command (it made {made:?})",
                    shell_quote(value)
                );
                assert_eq!(got, *value, "{shell}: {:?}", shell_quote(value));
            }
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
