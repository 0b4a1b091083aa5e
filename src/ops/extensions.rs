//! Which extensions a source needs and which the target image has, found
//! in the preflight: before anything is made or loaded, `--dry-run` can
//! say what is missing, and an import without `--skip-missing-extensions`
//! stops there (not after loading two databases of three).

use std::path::Path;

use super::job;
use crate::ctx::Ctx;
use crate::error::CmdResult;
use crate::store::Store;

/// Extension names (one per line) the image's PostgreSQL can install: its
/// control files, read in a job of the image (no server needed).
const AVAILABLE_SCRIPT: &str =
    "ls /usr/share/postgresql/*/extension/ 2>/dev/null | sed -n 's/\\.control$//p'";

/// The extensions `image` can install.
pub async fn available(ctx: &Ctx, store: &Store, image: &str) -> CmdResult<Vec<String>> {
    let out = run_probe(
        ctx,
        store,
        image,
        AVAILABLE_SCRIPT,
        vec![],
        &format!("listing the extensions of image {image}"),
    )
    .await?;
    Ok(out
        .lines()
        .map(|l| l.trim().to_string())
        .filter(|l| !l.is_empty())
        .collect())
}

/// The extensions an archive dump (custom, directory, tar) creates: its
/// table of contents, `pg_restore -l` in a job of `image`.
pub async fn in_archive(
    ctx: &Ctx,
    store: &Store,
    image: &str,
    path: &Path,
) -> CmdResult<Vec<String>> {
    let toc = run_probe(
        ctx,
        store,
        image,
        "pg_restore -l /in/dump",
        vec![job::bind_ro(path, "/in/dump")],
        &format!("reading the table of contents of {}", path.display()),
    )
    .await?;
    // plpgsql is in every image (the live probe leaves it out too).
    Ok(crate::source::toc_extensions(&toc)
        .into_iter()
        .filter(|e| e != "plpgsql")
        .collect())
}

/// Runs a short job printing to stdout; its output.
async fn run_probe(
    ctx: &Ctx,
    store: &Store,
    image: &str,
    script: &str,
    binds: Vec<crate::docker::Bind>,
    what: &str,
) -> CmdResult<String> {
    let mut out: Vec<u8> = Vec::new();
    job::run(
        ctx,
        job::Job {
            store: &store.dataset,
            kind: "import",
            image: image.to_string(),
            script,
            args: vec![],
            env: vec![],
            binds,
            what: what.to_string(),
            caps: &[],
        },
        None,
        Some(&mut out),
    )
    .await?;
    Ok(String::from_utf8_lossy(&out).into_owned())
}

/// The names in `needed` that `available` lacks, in order, once each.
pub fn missing(needed: &[String], available: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for n in needed {
        if !available.contains(n) && !out.contains(n) {
            out.push(n.clone());
        }
    }
    out
}
