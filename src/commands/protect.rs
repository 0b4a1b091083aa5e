use crate::ctx::Ctx;
use crate::error::CmdResult;
use crate::ops;
use crate::props;

#[derive(serde::Serialize)]
struct Row {
    branch: String,
    protected: bool,
}

/// `protect` / `unprotect`: a local `stagdb:protected=1`, or none.
pub async fn run(ctx: &Ctx, names: &[String], protect: bool) -> CmdResult {
    let store = ops::open_store(ctx).await?;
    let branches = names
        .iter()
        .map(|n| ops::find_branch(&store, n))
        .collect::<CmdResult<Vec<_>>>()?;
    let mut rows = Vec::new();
    for b in branches {
        if protect {
            ctx.zfs.set(&b.dataset, props::PROTECTED, "1").await?;
        } else {
            ctx.zfs.inherit(&b.dataset, props::PROTECTED).await?;
        }
        ctx.printer.status(format!(
            "branch '{}' is {}",
            b.name,
            if protect {
                "protected from gc and rm"
            } else {
                "no longer protected"
            }
        ));
        rows.push(Row {
            branch: b.name.clone(),
            protected: protect,
        });
    }
    if ctx.settings.json {
        ctx.printer.json(&rows)?;
    }
    Ok(())
}
