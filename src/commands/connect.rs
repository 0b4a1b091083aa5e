//! `url`, `env` and `psql`: the only commands that show a branch's password.

use std::collections::BTreeMap;

use crate::cli::{PsqlArgs, RefArgs};
use crate::ctx::Ctx;
use crate::error::{CmdResult, CommandError, ErrorKind, user_error};
use crate::ops;
use crate::pg;
use crate::store::{Branch, Store};

/// PG* variables for a branch, in the order they are printed.
fn vars(store: &Store, b: &Branch) -> CmdResult<Vec<(&'static str, String)>> {
    Ok(vec![
        ("DATABASE_URL", ops::url(store, b)?),
        ("PGHOST", store.settings.connect_host().to_string()),
        ("PGPORT", ops::port(b)?.to_string()),
        ("PGUSER", pg::USER.to_string()),
        ("PGPASSWORD", ops::password(b)?.to_string()),
        ("PGDATABASE", pg::DATABASE.to_string()),
    ])
}

pub async fn url(ctx: &Ctx, args: RefArgs) -> CmdResult {
    let store = ops::open_store_for(ctx, args.reference.as_deref(), false).await?;
    let b = ops::branch_or_head(&store, args.reference.as_deref())?;
    let url = ops::url(&store, b)?;
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

pub async fn env(ctx: &Ctx, args: RefArgs) -> CmdResult {
    let store = ops::open_store_for(ctx, args.reference.as_deref(), false).await?;
    let b = ops::branch_or_head(&store, args.reference.as_deref())?;
    let vars = vars(&store, b)?;
    if ctx.settings.json {
        let m: BTreeMap<&str, &String> = vars.iter().map(|(k, v)| (*k, v)).collect();
        return ctx.printer.json(&m);
    }
    for (k, v) in vars {
        // Values are URLs, addresses, numbers and alphanumerics: single
        // quotes are enough for every POSIX shell.
        ctx.printer.line(format!("export {k}='{v}'"))?;
    }
    Ok(())
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
    let vars = vars(&store, b)?;
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
            .args(["psql", "-U", pg::USER, "-d", pg::DATABASE])
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
