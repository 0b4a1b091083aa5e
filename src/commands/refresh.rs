pub async fn run(_ctx: &crate::ctx::Ctx, _a: crate::cli::RefreshArgs) -> crate::error::CmdResult {
    Err(crate::error::user_error("refresh: not yet"))
}
