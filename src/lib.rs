//! stagdb: Git for PostgreSQL databases on ZFS. The binary is a thin shell
//! around [`run`]. Modules are crate-private (so the compiler finds dead
//! code) except those the integration tests use.

pub(crate) mod cli;
pub(crate) mod commands;
pub(crate) mod complete;
pub(crate) mod ctx;
pub mod docker;
pub mod docs;
pub(crate) mod error;
pub(crate) mod intent;
pub(crate) mod limits;
pub(crate) mod lock;
pub mod names;
pub(crate) mod ops;
pub(crate) mod pg;
pub(crate) mod plainsql;
pub(crate) mod plan;
pub(crate) mod ports;
pub(crate) mod progress;
pub(crate) mod props;
pub(crate) mod secret;
pub(crate) mod settings;
pub(crate) mod source;
pub(crate) mod store;
pub(crate) mod ui;
pub(crate) mod vault;
pub(crate) mod zfs;

use std::process::ExitCode;

use clap::Parser;

use crate::error::{CommandError, ErrorKind};

/// Parses the command line, runs the command, prints any error and returns
/// the exit code (0 ok, 1 failed, 2 usage).
pub fn run() -> ExitCode {
    // `COMPLETE=bash stagdb ...`: the shell asks for completions. Never an
    // error on the shell line: a failed completion completes nothing.
    match clap_complete::CompleteEnv::with_factory(cli::command)
        .try_complete(std::env::args_os(), std::env::current_dir().ok().as_deref())
    {
        Ok(false) => {}
        Ok(true) | Err(_) => return ExitCode::SUCCESS,
    }
    let cli = match cli::Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            // clap prints help/version to stdout (exit 0) and errors to stderr
            // (exit 2). Errors quote what was typed: never echo raw control
            // characters (a carriage return, C1 codes) to the terminal.
            if e.use_stderr() {
                let text = e.render().to_string();
                let shown: String = text
                    .chars()
                    .map(|c| match c {
                        '\n' => "\n".to_string(),
                        c if c.is_control() => c.escape_default().to_string(),
                        c => c.to_string(),
                    })
                    .collect();
                eprint!("{shown}");
            } else {
                let _ = e.print();
            }
            // 0 for --help/--version, 2 for usage errors (also a missing subcommand).
            return ExitCode::from(u8::try_from(e.exit_code()).unwrap_or(2));
        }
    };
    let early = |e: anyhow::Error| {
        let err = CommandError::new(ErrorKind::Usage, e);
        err.print(settings::Settings::early_color(Some(&cli.global)));
        err.exit_code()
    };
    let (config, user_file) = settings::load_config_from();
    let config = match config {
        Ok(c) => c,
        Err(e) => return early(e),
    };
    let project = match std::env::current_dir() {
        Ok(cwd) => match settings::find_project(&cwd) {
            Ok(p) => p,
            Err(e) => return early(e),
        },
        Err(_) => None,
    };
    let files = project
        .iter()
        .map(|p| p.path.clone())
        .chain(user_file)
        .collect();
    let settings = settings::Settings::resolve(&cli.global, config, project, files);
    let color = settings.color_err;
    let ctx = ctx::Ctx::new(settings);
    let rt = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            let err = CommandError::new(ErrorKind::Internal, e);
            err.print(color);
            return err.exit_code();
        }
    };
    let code = rt.block_on(async {
        let started = std::time::Instant::now();
        let res = run_interruptible(&ctx, cli.command).await;
        ctx.print_timings(started.elapsed());
        match res {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) if is_broken_pipe(&e) => ExitCode::SUCCESS,
            Err(e) => {
                // The cause first, then what is being undone.
                e.print(color);
                ops::undo::rollback(&ctx).await;
                e.exit_code()
            }
        }
    });
    // A thread blocked reading stdin (an import whose restore failed) must
    // not keep the process alive; zfs calls were awaited by then.
    rt.shutdown_background();
    code
}

/// Runs the command until it ends or SIGINT/SIGTERM arrives. Before its
/// point of no return ([`ctx::Ctx::commit`]) a signal cancels it (and the
/// caller rolls back); after it, the command finishes (a second signal
/// stops it anyway, leaving `doctor --fix` to complete the change).
async fn run_interruptible(ctx: &ctx::Ctx, command: cli::Command) -> error::CmdResult {
    use tokio::signal::unix::{SignalKind, signal};
    let interrupted = || {
        Err(CommandError::new(
            ErrorKind::User,
            anyhow::anyhow!("interrupted"),
        ))
    };
    // Installed before the command runs its first step.
    let (Ok(mut int), Ok(mut term)) = (
        signal(SignalKind::interrupt()),
        signal(SignalKind::terminate()),
    ) else {
        // Without handlers the default action (exit) applies.
        return commands::run(ctx, command).await;
    };
    let cmd = commands::run(ctx, command);
    tokio::pin!(cmd);
    let mut deferred = false;
    loop {
        tokio::select! {
            biased;
            _ = int.recv() => {}
            _ = term.recv() => {}
            r = &mut cmd => return r,
        }
        if !ctx.is_committed() || deferred {
            return interrupted();
        }
        deferred = true;
        ctx.printer.warn(
            "interrupted past the point of no return: finishing the change (interrupt again to stop now; `stagdb doctor --fix` completes it)",
        );
    }
}

/// `stagdb branch | head -1` must not print an error.
fn is_broken_pipe(e: &CommandError) -> bool {
    e.error
        .chain()
        .filter_map(|c| c.downcast_ref::<std::io::Error>())
        .any(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
}
