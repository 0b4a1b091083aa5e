//! stagdb: Git for PostgreSQL databases on ZFS. The binary is a thin shell
//! around [`run`]; the modules are public for the integration tests.

pub mod cli;
pub mod commands;
pub mod ctx;
pub mod docker;
pub mod docs;
pub mod error;
pub mod lock;
pub mod names;
pub mod ops;
pub mod pg;
pub mod ports;
pub mod props;
pub mod secret;
pub mod settings;
pub mod store;
pub mod ui;
pub mod zfs;

use std::process::ExitCode;

use clap::Parser;

use crate::error::{CommandError, ErrorKind};

/// Parses the command line, runs the command, prints any error and returns
/// the exit code (0 ok, 1 failed, 2 usage).
pub fn run() -> ExitCode {
    let cli = match cli::Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            // clap prints help/version to stdout (exit 0) and errors to stderr (exit 2).
            let _ = e.print();
            // 0 for --help/--version, 2 for usage errors (also a missing subcommand).
            return ExitCode::from(u8::try_from(e.exit_code()).unwrap_or(2));
        }
    };
    let config = match settings::load_config() {
        Ok(c) => c,
        Err(e) => {
            let err = CommandError::new(ErrorKind::Usage, e);
            err.print(settings::Settings::early_color(Some(&cli.global)));
            return err.exit_code();
        }
    };
    let settings = settings::Settings::resolve(&cli.global, config);
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
    rt.block_on(async {
        // Handlers are installed before the command runs its first step.
        let interrupt = interrupted();
        let res = tokio::select! {
            biased;
            _ = interrupt => Err(CommandError::new(
                ErrorKind::User,
                anyhow::anyhow!("interrupted"),
            )),
            r = commands::run(&ctx, cli.command) => r,
        };
        match res {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) if is_broken_pipe(&e) => ExitCode::SUCCESS,
            Err(e) => {
                // The cause first, then what is being undone.
                e.print(color);
                ctx.rollback().await;
                e.exit_code()
            }
        }
    })
}

/// SIGINT or SIGTERM: stop and roll back what the command created. The
/// handlers are registered when this is called, not when first polled.
fn interrupted() -> impl std::future::Future<Output = ()> {
    use tokio::signal::unix::{SignalKind, signal};
    let handlers = (
        signal(SignalKind::interrupt()),
        signal(SignalKind::terminate()),
    );
    async move {
        let (Ok(mut int), Ok(mut term)) = handlers else {
            // Without handlers the default action (exit) applies; never resolve.
            return std::future::pending().await;
        };
        tokio::select! {
            _ = int.recv() => {}
            _ = term.recv() => {}
        }
    }
}

/// `stagdb branch | head -1` must not print an error.
fn is_broken_pipe(e: &CommandError) -> bool {
    e.error
        .chain()
        .filter_map(|c| c.downcast_ref::<std::io::Error>())
        .any(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
}
