pub async fn run(_ctx: &crate::ctx::Ctx, _a: crate::cli::ExportArgs) -> crate::error::CmdResult {
    Err(crate::error::user_error("export: not yet"))
}
