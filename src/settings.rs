//! Global settings, resolved once from flags, environment and the config file
//! (in that order of precedence), uv-style.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context;
use serde::Deserialize;

use crate::cli::{ColorChoice, GlobalArgs};

pub const DEFAULT_TIMEOUT_SECS: u64 = 120;

/// The optional config file (`$STAGDB_CONFIG`, else
/// `$XDG_CONFIG_HOME/stagdb/config.toml`, else `~/.config/stagdb/config.toml`).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfigFile {
    pub store: Option<String>,
    pub color: Option<ColorChoice>,
    pub timeout: Option<u64>,
}

#[derive(Debug, Clone)]
pub struct Settings {
    pub store: Option<String>,
    pub json: bool,
    pub quiet: bool,
    pub yes: bool,
    pub verbose: bool,
    /// Print how long each phase of the command took (stderr).
    pub timings: bool,
    /// Colors on stdout / stderr.
    pub color_out: bool,
    pub color_err: bool,
    pub timeout: Duration,
    /// Whether we may ask questions: stdin and stderr are terminals.
    pub interactive: bool,
}

fn config_path() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("STAGDB_CONFIG") {
        return Some(PathBuf::from(p));
    }
    let base = std::env::var_os("XDG_CONFIG_HOME")
        .map(PathBuf::from)
        .filter(|p| p.is_absolute())
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".config")))?;
    Some(base.join("stagdb").join("config.toml"))
}

pub fn load_config() -> anyhow::Result<ConfigFile> {
    let Some(path) = config_path() else {
        return Ok(ConfigFile::default());
    };
    match std::fs::read_to_string(&path) {
        Ok(text) => {
            toml::from_str(&text).with_context(|| format!("invalid config file {}", path.display()))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(ConfigFile::default()),
        Err(e) => Err(e).with_context(|| format!("reading config file {}", path.display())),
    }
}

/// The config file's store, if it names one (completion; errors ignored).
pub fn configured_store() -> Option<String> {
    load_config().ok()?.store.filter(|s| !s.is_empty())
}

/// `NO_COLOR` set to anything non-empty turns color off for `auto`.
fn color_for(choice: ColorChoice, is_tty: bool) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => is_tty && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()),
    }
}

impl Settings {
    pub fn resolve(args: &GlobalArgs, config: ConfigFile) -> Settings {
        let color = args.color.or(config.color).unwrap_or(ColorChoice::Auto);
        Settings {
            store: args.store.clone().or(config.store),
            json: args.json,
            quiet: args.quiet,
            yes: args.yes,
            verbose: args.verbose,
            timings: args.timings,
            color_out: color_for(color, std::io::stdout().is_terminal()),
            color_err: color_for(color, std::io::stderr().is_terminal()),
            timeout: Duration::from_secs(
                args.timeout
                    .or(config.timeout)
                    .unwrap_or(DEFAULT_TIMEOUT_SECS),
            ),
            interactive: std::io::stdin().is_terminal() && std::io::stderr().is_terminal(),
        }
    }

    /// Color for errors before settings could be resolved.
    pub fn early_color(args: Option<&GlobalArgs>) -> bool {
        let choice = args.and_then(|a| a.color).unwrap_or(ColorChoice::Auto);
        color_for(choice, std::io::stderr().is_terminal())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn config_parses_and_rejects_unknown_keys() {
        let c: ConfigFile =
            toml::from_str("store = \"tank/stagdb\"\ncolor = \"never\"\ntimeout = 5\n").unwrap();
        assert_eq!(c.store.as_deref(), Some("tank/stagdb"));
        assert_eq!(c.color, Some(ColorChoice::Never));
        assert_eq!(c.timeout, Some(5));
        assert!(toml::from_str::<ConfigFile>("stor = \"x\"").is_err());
    }

    #[test]
    fn flags_win_over_config() {
        let args = GlobalArgs {
            store: Some("a/b".into()),
            json: false,
            quiet: false,
            yes: false,
            color: Some(ColorChoice::Never),
            verbose: false,
            timings: false,
            timeout: None,
        };
        let s = Settings::resolve(
            &args,
            ConfigFile {
                store: Some("c/d".into()),
                color: Some(ColorChoice::Always),
                timeout: Some(7),
            },
        );
        assert_eq!(s.store.as_deref(), Some("a/b"));
        assert!(!s.color_out && !s.color_err);
        assert_eq!(s.timeout, Duration::from_secs(7));
    }
}
