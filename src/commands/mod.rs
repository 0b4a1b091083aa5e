//! One module per verb; `run` is the flat dispatch.

mod branch;
mod checkout;
mod completions;
mod connect;
mod init;
mod lifecycle;
mod log;
mod reset;
mod rm;
mod snapshot;
mod status;

use crate::cli::Command;
use crate::ctx::Ctx;
use crate::error::CmdResult;

pub async fn run(ctx: &Ctx, command: Command) -> CmdResult {
    match command {
        Command::Init(args) => init::run(ctx, args).await,
        Command::Branch(args) => branch::run(ctx, args).await,
        Command::Checkout(args) => checkout::run(ctx, args).await,
        Command::Snapshot(args) => snapshot::run(ctx, args).await,
        Command::Log(args) => log::run(ctx, args).await,
        Command::Reset(args) => reset::run(ctx, args).await,
        Command::Rm(args) => rm::run(ctx, &args.names).await,
        Command::Start(args) => lifecycle::start(ctx, args).await,
        Command::Stop(args) => lifecycle::stop(ctx, args).await,
        Command::Restart(args) => lifecycle::restart(ctx, args).await,
        Command::Status => status::run(ctx).await,
        Command::Url(args) => connect::url(ctx, args),
        Command::Env(args) => connect::env(ctx, args),
        Command::Psql(args) => connect::psql(ctx, args).await,
        Command::Completions(args) => completions::run(args),
    }
}
