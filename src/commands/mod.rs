//! One module per verb; `run` is the flat dispatch.

mod branch;
mod checkout;
mod completions;
mod compose;
mod config;
mod connect;
mod diff;
mod doctor;
mod export;
mod gc;
mod hook;
mod import;
mod init;
mod lifecycle;
mod limits;
mod log;
mod protect;
mod refresh;
mod rename;
mod reset;
mod rm;
mod show;
mod snapshot;
mod status;

use crate::cli::Command;
use crate::ctx::Ctx;
use crate::error::CmdResult;

pub async fn run(ctx: &Ctx, command: Command) -> CmdResult {
    // A killed command's source password goes at the next command, not the
    // next import: one readdir of the temporary directory (~30 µs for 60
    // entries). status reports them and doctor / gc remove them, visibly.
    if !matches!(
        command,
        Command::Status | Command::Doctor(_) | Command::Gc(_) | Command::Completions(_)
    ) {
        crate::ops::job::sweep_leftovers();
    }
    match command {
        Command::Init(args) => init::run(ctx, args).await,
        Command::Branch(args) => branch::run(ctx, args).await,
        Command::Checkout(args) => checkout::run(ctx, args).await,
        Command::Snapshot(args) => snapshot::run(ctx, args).await,
        Command::Log(args) => log::run(ctx, args).await,
        Command::Show(args) => show::run(ctx, args).await,
        Command::Reset(args) => reset::run(ctx, args).await,
        Command::Rm(args) => rm::run(ctx, &args.names).await,
        Command::Start(args) => lifecycle::start(ctx, args).await,
        Command::Stop(args) => lifecycle::stop(ctx, args).await,
        Command::Restart(args) => lifecycle::restart(ctx, args).await,
        Command::Status => status::run(ctx).await,
        Command::Doctor(args) => doctor::run(ctx, args).await,
        Command::Gc(args) => gc::run(ctx, args).await,
        Command::Protect(args) => protect::run(ctx, &args.names, true).await,
        Command::Unprotect(args) => protect::run(ctx, &args.names, false).await,
        Command::Url(args) => connect::url(ctx, args).await,
        Command::Env(args) => connect::env(ctx, args).await,
        Command::Psql(args) => connect::psql(ctx, args).await,
        Command::Import(args) => import::run(ctx, args).await,
        Command::Refresh(args) => refresh::run(ctx, args).await,
        Command::Export(args) => export::run(ctx, args).await,
        Command::Diff(args) => diff::run(ctx, args).await,
        Command::Compose(args) => compose::run(ctx, args).await,
        Command::Config(args) => config::run(ctx, args).await,
        Command::Hook(args) => hook::run(ctx, args).await,
        Command::Completions(args) => completions::run(args),
    }
}
