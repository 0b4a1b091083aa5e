//! Man pages (clap_mangen) and shell completions (clap_complete), generated
//! from the clap definitions. The committed copies under `man/` and
//! `completions/` are checked against these by `tests/generated.rs`.

use std::path::PathBuf;

use clap_complete::Shell;

/// Every generated file: (path relative to the repository root, contents).
pub fn generated_files() -> std::io::Result<Vec<(PathBuf, Vec<u8>)>> {
    let mut out = Vec::new();
    let cmd = crate::cli::command();
    let mut buf = Vec::new();
    clap_mangen::Man::new(cmd.clone()).render(&mut buf)?;
    out.push((PathBuf::from("man/stagdb.1"), buf));
    for sub in cmd.get_subcommands() {
        if sub.is_hide_set() {
            continue;
        }
        let name = format!("stagdb-{}", sub.get_name());
        let sub = sub.clone().name(name.clone());
        let mut buf = Vec::new();
        clap_mangen::Man::new(sub).render(&mut buf)?;
        out.push((PathBuf::from(format!("man/{name}.1")), buf));
    }
    for (shell, file) in [
        (Shell::Bash, "stagdb.bash"),
        (Shell::Zsh, "_stagdb"),
        (Shell::Fish, "stagdb.fish"),
        (Shell::Elvish, "stagdb.elv"),
        (Shell::PowerShell, "_stagdb.ps1"),
    ] {
        let mut c = crate::cli::command();
        let mut buf = Vec::new();
        clap_complete::generate(shell, &mut c, "stagdb", &mut buf);
        out.push((PathBuf::from(format!("completions/{file}")), buf));
    }
    Ok(out)
}
