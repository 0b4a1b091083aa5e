use serde::Serialize;

use crate::cli::SnapshotArgs;
use crate::ctx::Ctx;
use crate::error::CmdResult;
use crate::ops;

#[derive(Serialize)]
struct Output {
    #[serde(rename = "ref")]
    reference: String,
    branch: String,
    snapshot: String,
    message: Option<String>,
    author: String,
}

pub async fn run(ctx: &Ctx, args: SnapshotArgs) -> CmdResult {
    let store = ops::open_store(ctx).await?;
    let branch = ops::branch_or_head(&store, args.branch.as_deref())?;
    let containers = ops::containers(ctx, &store).await?;
    let running = ops::state_of(containers.get(&branch.name)) == "running";
    let author = ops::author();
    let name = ops::snapshot_branch(
        ctx,
        &store,
        branch,
        running,
        ops::SnapshotMeta {
            name: args.name.as_deref(),
            message: args.message.as_deref(),
            kind: None,
            author: &author,
            intent: None,
        },
    )
    .await?;
    ctx.keep();
    let reference = format!("{}@{name}", branch.name);
    if ctx.settings.json {
        ctx.printer.json(&Output {
            reference,
            branch: branch.name.clone(),
            snapshot: name,
            message: args.message,
            author,
        })
    } else {
        ctx.printer.line(&reference)?;
        Ok(())
    }
}
