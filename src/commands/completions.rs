use crate::cli::CompletionsArgs;
use crate::error::CmdResult;

pub fn run(args: CompletionsArgs) -> CmdResult {
    let mut cmd = crate::cli::command();
    let mut out = std::io::stdout().lock();
    clap_complete::generate(args.shell, &mut cmd, "stagdb", &mut out);
    Ok(())
}
