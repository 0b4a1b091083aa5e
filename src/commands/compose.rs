use std::fmt::Write as _;

use serde::Serialize;

use crate::cli::ComposeArgs;
use crate::ctx::Ctx;
use crate::error::{CmdResult, usage_error, user_error};
use crate::names;
use crate::ops;
use crate::pg;

#[derive(Serialize)]
struct Output {
    /// The pinned branch; `None` when following HEAD.
    branch: Option<String>,
    /// Which branch that is now.
    resolves_to: String,
    network: String,
    host: String,
    services: Vec<String>,
    environment: std::collections::BTreeMap<String, String>,
}

/// Prints a compose override: the services join the store's network and
/// get DATABASE_URL / PG* pointing at the branch's alias there (HEAD's
/// fixed alias when no branch is given, so the app follows `checkout`).
/// Values are double-quoted YAML (JSON strings are YAML) with `$` doubled
/// for compose's interpolation.
pub async fn run(ctx: &Ctx, args: ComposeArgs) -> CmdResult {
    for s in &args.services {
        check_service_name(s)?;
    }
    let store = ops::open_store_for(ctx, args.reference.as_deref(), false).await?;
    let network = store.settings.network.clone().ok_or_else(|| {
        user_error("the store's branches are on no Docker network a compose service could join")
            .hint("give the store one: `stagdb config network NAME` (created if missing)")
    })?;
    let b = ops::branch_or_head(&store, args.reference.as_deref())?;
    let host = match &args.reference {
        Some(_) => names::network_alias(&b.name),
        None => names::HEAD_ALIAS.to_string(),
    };
    let db = args.db.as_deref().unwrap_or(b.db());
    let password = ops::password(&store, b)?;
    let env: Vec<(String, String)> = [
        ("DATABASE_URL", pg::url(&host, 5432, &password, db)),
        ("PGHOST", host.clone()),
        ("PGPORT", "5432".to_string()),
        ("PGUSER", pg::USER.to_string()),
        ("PGPASSWORD", password.to_string()),
        ("PGDATABASE", db.to_string()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    if ctx.settings.json {
        return ctx.printer.json(&Output {
            branch: args.reference.as_ref().map(|_| b.name.clone()),
            resolves_to: b.name.clone(),
            network,
            host,
            services: args.services,
            environment: env.into_iter().collect(),
        });
    }
    ctx.printer.line(render(
        &store.dataset,
        args.reference.is_some().then_some(b.name.as_str()),
        &b.name,
        &network,
        &args.services,
        &env,
    ))?;
    Ok(())
}

/// Compose's rule for a service name, `[a-zA-Z0-9][a-zA-Z0-9_.-]*`: a
/// name docker compose would refuse is refused here, where it was typed.
fn check_service_name(s: &str) -> CmdResult {
    let ok = s.chars().next().is_some_and(|c| c.is_ascii_alphanumeric())
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'));
    if ok {
        return Ok(());
    }
    let shown: String = s.chars().take(80).flat_map(char::escape_default).collect();
    Err(usage_error(format!(
        "invalid service name \"{shown}\": compose service names are letters, digits, '_', '.' and '-', starting with a letter or digit"
    ))
    .hint("give the names of services in your compose file, e.g. `stagdb compose app worker`"))
}

fn quote(s: &str) -> String {
    serde_json::Value::String(s.replace('$', "$$")).to_string()
}

fn render(
    store: &str,
    pinned: Option<&str>,
    now: &str,
    network: &str,
    services: &[String],
    env: &[(String, String)],
) -> String {
    let mut y = String::new();
    let what = match pinned {
        Some(b) => format!("branch '{b}'"),
        None => format!(
            "HEAD of the store (now '{now}'; `stagdb checkout` moves it, the password stays the one of '{now}')"
        ),
    };
    let _ = writeln!(y, "# stagdb compose: {what}, store {store}");
    let _ = writeln!(
        y,
        "# docker compose -f compose.yaml -f <(stagdb compose) up"
    );
    let _ = writeln!(y, "services:");
    for s in services {
        let _ = writeln!(y, "  {}:", quote(s));
        let _ = writeln!(y, "    environment:");
        for (k, v) in env {
            let _ = writeln!(y, "      {k}: {}", quote(v));
        }
        let _ = writeln!(y, "    networks:");
        let _ = writeln!(y, "      default: {{}}");
        let _ = writeln!(y, "      stagdb: {{}}");
    }
    let _ = writeln!(y, "networks:");
    let _ = writeln!(y, "  stagdb:");
    let _ = writeln!(y, "    name: {}", quote(network));
    let _ = write!(y, "    external: true");
    y
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn service_names_follow_compose() {
        for ok in ["app", "my-worker", "a", "0", "web.1", "A_b"] {
            assert!(check_service_name(ok).is_ok(), "{ok}");
        }
        for bad in [
            "",
            "-app",
            ".app",
            "_app",
            "my worker",
            "a:b",
            "a/b",
            "é",
            "a\nb",
        ] {
            let e = check_service_name(bad).unwrap_err();
            assert_eq!(e.kind, crate::error::ErrorKind::Usage, "{bad}");
        }
        let e = check_service_name("a\u{1b}[31m").unwrap_err().to_string();
        assert!(!e.contains('\u{1b}'), "{e}");
    }

    #[test]
    fn override_quotes_values_and_doubles_dollars() {
        let env = vec![
            (
                "DATABASE_URL".to_string(),
                "postgresql://postgres:p%24w@feature-x:5432/app".to_string(),
            ),
            ("PGPASSWORD".to_string(), "p$w\"q".to_string()),
        ];
        let y = render(
            "tank/s",
            Some("feature/x"),
            "feature/x",
            "devnet",
            &["app".into(), "my worker".into()],
            &env,
        );
        insta::assert_snapshot!(y, @r#"
        # stagdb compose: branch 'feature/x', store tank/s
        # docker compose -f compose.yaml -f <(stagdb compose) up
        services:
          "app":
            environment:
              DATABASE_URL: "postgresql://postgres:p%24w@feature-x:5432/app"
              PGPASSWORD: "p$$w\"q"
            networks:
              default: {}
              stagdb: {}
          "my worker":
            environment:
              DATABASE_URL: "postgresql://postgres:p%24w@feature-x:5432/app"
              PGPASSWORD: "p$$w\"q"
            networks:
              default: {}
              stagdb: {}
        networks:
          stagdb:
            name: "devnet"
            external: true
        "#);
    }
}
