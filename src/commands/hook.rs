//! `stagdb hook install|uninstall`: a git `post-checkout` hook that makes
//! the git branch's database branch the HEAD when it exists. The hook never
//! makes a git command fail or hang: stagdb's errors become one warning
//! line, under a timeout. A foreign hook is kept and chained (`--force`).

use std::path::{Path, PathBuf};

use crate::cli::{HookAction, HookArgs};
use crate::ctx::Ctx;
use crate::error::{CmdResult, CommandError, ErrorKind, user_error};
use crate::ops;

/// The line that marks the hook as stagdb's.
const MARKER: &str = "# stagdb-hook v1";
/// Where a foreign hook goes when stagdb's is chained in front of it.
const CHAINED: &str = "post-checkout.pre-stagdb";

/// The hook. `@STAGDB@` is the installing binary's path (quoted),
/// `@STORE@` the `--store` it was installed with (quoted) or nothing.
const HOOK: &str = r#"#!/bin/sh
# stagdb-hook v1: `git switch BRANCH` makes the database branch BRANCH the HEAD
# when it exists. Remove with `stagdb hook uninstall`.
hooks=$(dirname "$0")
status=0
if [ -x "$hooks/post-checkout.pre-stagdb" ]; then
  "$hooks/post-checkout.pre-stagdb" "$@" || status=$?
fi
# Branch checkouts only (not file checkouts), on a branch (not detached).
[ "${3:-0}" = 1 ] || exit $status
branch=$(git symbolic-ref --short -q HEAD 2>/dev/null) || exit $status
stagdb=@STAGDB@
[ -x "$stagdb" ] || stagdb=$(command -v stagdb) || exit $status
if ! out=$(timeout 60 "$stagdb"@STORE@ --quiet hook run "$branch" 2>&1 </dev/null); then
  printf 'stagdb: %s\n' "$(printf '%s\n' "$out" | grep -v '^hint:' | head -n 1)" >&2
fi
exit $status
"#;

pub async fn run(ctx: &Ctx, args: HookArgs) -> CmdResult {
    match args.action {
        HookAction::Install { force } => install(ctx, force),
        HookAction::Uninstall => uninstall(ctx),
        HookAction::Run { branch } => on_checkout(ctx, &branch).await,
    }
}

/// `.git/hooks/post-checkout` of the repository here (respects
/// `core.hooksPath` and worktrees: git says where).
fn hook_path() -> CmdResult<PathBuf> {
    let out = duct::cmd("git", ["rev-parse", "--git-path", "hooks/post-checkout"])
        .stderr_capture()
        .stdout_capture()
        .unchecked()
        .run()
        .map_err(|e| {
            CommandError::new(
                ErrorKind::User,
                anyhow::Error::new(e).context("running git"),
            )
        })?;
    if !out.status.success() {
        return Err(user_error(format!(
            "not in a git repository: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        ))
        .hint("run `stagdb hook install` inside the application's repository"));
    }
    Ok(PathBuf::from(String::from_utf8_lossy(&out.stdout).trim()))
}

fn is_ours(path: &Path) -> bool {
    std::fs::read_to_string(path).is_ok_and(|t| t.lines().any(|l| l.starts_with(MARKER)))
}

fn io(e: std::io::Error, what: String) -> CommandError {
    CommandError::new(ErrorKind::User, anyhow::Error::new(e).context(what))
}

fn install(ctx: &Ctx, force: bool) -> CmdResult {
    let path = hook_path()?;
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(|e| io(e, format!("creating {}", dir.display())))?;
    let chained = dir.join(CHAINED);
    if is_ours(&path) {
        ctx.printer.status(format!(
            "the stagdb hook is installed already: {}",
            path.display()
        ));
    } else if path.exists() {
        if !force {
            return Err(user_error(format!(
                "{} exists and is not stagdb's; refusing to overwrite it",
                path.display()
            ))
            .hint(format!(
                "`stagdb hook install --force` keeps it as {CHAINED} and runs it first"
            )));
        }
        if chained.exists() {
            return Err(user_error(format!(
                "{} exists already; refusing to overwrite it",
                chained.display()
            )));
        }
        std::fs::rename(&path, &chained)
            .map_err(|e| io(e, format!("moving {} aside", path.display())))?;
        ctx.printer
            .status(format!("kept the existing hook as {}", chained.display()));
    }
    let exe = std::env::current_exe()
        .map(|p| p.display().to_string())
        .unwrap_or_else(|_| "stagdb".into());
    let store = recorded_store(ctx);
    let text = hook_text(&exe, store);
    write_executable(&path, &text)?;
    ctx.printer.status(format!(
        "installed {}: `git switch BRANCH` now makes the database branch BRANCH the HEAD when it exists{}",
        path.display(),
        store
            .map(|s| format!(" in store {s}"))
            .unwrap_or_default()
    ));
    Ok(())
}

/// The store given to `hook install --store`: the hook names it, since
/// git runs the hook without the installer's flags. One from STAGDB_STORE
/// or a config file is left to them (read again by every hook run).
fn recorded_store(ctx: &Ctx) -> Option<&str> {
    ctx.settings
        .store
        .as_deref()
        .filter(|_| ctx.settings.store_flag)
}

fn hook_text(exe: &str, store: Option<&str>) -> String {
    let quote = super::connect::shell_quote;
    let store = store
        .map(|s| format!(" --store {}", quote(s)))
        .unwrap_or_default();
    HOOK.replace("@STAGDB@", &quote(exe))
        .replace("@STORE@", &store)
}

fn write_executable(path: &Path, text: &str) -> CmdResult {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let tmp = path.with_extension("stagdb-tmp");
    let _ = std::fs::remove_file(&tmp);
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o755)
        .open(&tmp)
        .map_err(|e| io(e, format!("writing {}", tmp.display())))?;
    f.write_all(text.as_bytes())
        .and_then(|()| std::fs::rename(&tmp, path))
        .map_err(|e| {
            let _ = std::fs::remove_file(&tmp);
            io(e, format!("writing {}", path.display()))
        })
}

fn uninstall(ctx: &Ctx) -> CmdResult {
    let path = hook_path()?;
    let chained = path.with_file_name(CHAINED);
    if !path.exists() {
        ctx.printer.status("no post-checkout hook is installed");
        return Ok(());
    }
    if !is_ours(&path) {
        return Err(user_error(format!(
            "{} is not stagdb's; leaving it alone",
            path.display()
        )));
    }
    std::fs::remove_file(&path).map_err(|e| io(e, format!("removing {}", path.display())))?;
    if chained.exists() {
        std::fs::rename(&chained, &path)
            .map_err(|e| io(e, format!("restoring {}", chained.display())))?;
        ctx.printer.status(format!(
            "removed the stagdb hook; restored the earlier hook {}",
            path.display()
        ));
    } else {
        ctx.printer.status(format!("removed {}", path.display()));
    }
    Ok(())
}

/// What the hook runs: checkout of the branch when the store has it (or,
/// with `branch-on-checkout` in `.stagdb.toml`, creates it from `from`),
/// then the project's `env-file` rewritten for the new HEAD.
async fn on_checkout(ctx: &Ctx, branch: &str) -> CmdResult {
    if crate::names::validate_branch_name(branch).is_err() {
        return Ok(());
    }
    let project = ctx.settings.project.as_ref();
    let store = ops::open_store_for(ctx, Some(branch), false).await?;
    let exists = store.branch(branch).is_some();
    let create = !exists && project.is_some_and(|p| p.config.branch_on_checkout);
    if !exists && !create {
        return Ok(()); // no database branch of that name: nothing to do
    }
    if store.head.as_deref() != Some(branch) {
        super::checkout::run(
            ctx,
            crate::cli::CheckoutArgs {
                name: branch.to_string(),
                create,
                start: create
                    .then(|| project.and_then(|p| p.config.from.clone()))
                    .flatten(),
            },
        )
        .await?;
    }
    if let Some(p) = project
        && let Some(file) = &p.config.env_file
    {
        let path = p.dir().join(file);
        super::connect::write_env_file(ctx, &path, branch).await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The recorded store is one shell word whatever it holds, and the
    /// hook is still valid `sh`.
    #[test]
    fn hook_names_the_store_quoted() {
        let text = hook_text("/opt/my tools/stagdb", Some("tank/it's $x"));
        assert!(
            text.contains(r#""$stagdb" --store 'tank/it'\''s $x' --quiet hook run"#),
            "{text}"
        );
        assert!(text.contains("stagdb='/opt/my tools/stagdb'"), "{text}");
        let plain = hook_text("stagdb", None);
        assert!(plain.contains(r#""$stagdb" --quiet hook run"#), "{plain}");
        for t in [text, plain] {
            let ok = std::process::Command::new("sh")
                .args(["-n", "-c", &t])
                .status()
                .expect("run sh");
            assert!(ok.success(), "{t}");
        }
    }
}
