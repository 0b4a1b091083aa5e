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

/// `.stagdb.toml`, found upward from the current directory (like `.git`)
/// and checked into the application's repository.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct ProjectConfig {
    pub store: Option<String>,
    /// Start point for branches the git hook creates, e.g. `main@nightly`.
    pub from: Option<String>,
    /// The git hook creates a missing database branch on checkout.
    #[serde(default)]
    pub branch_on_checkout: bool,
    /// A dotenv file the git hook rewrites for the new HEAD (relative to
    /// the project's directory).
    pub env_file: Option<PathBuf>,
}

/// A project config and where it was found.
#[derive(Debug, Clone)]
pub struct Project {
    pub path: PathBuf,
    pub config: ProjectConfig,
}

impl Project {
    /// The directory holding `.stagdb.toml`.
    pub fn dir(&self) -> &std::path::Path {
        self.path.parent().unwrap_or(std::path::Path::new("."))
    }
}

pub const PROJECT_FILE: &str = ".stagdb.toml";

/// The nearest `.stagdb.toml` at or above `start`. Unknown keys are
/// errors naming the file and the key.
pub fn find_project(start: &std::path::Path) -> anyhow::Result<Option<Project>> {
    for dir in start.ancestors() {
        let path = dir.join(PROJECT_FILE);
        match std::fs::read_to_string(&path) {
            Ok(text) => {
                let config: ProjectConfig = toml::from_str(&text)
                    .with_context(|| format!("invalid project config {}", path.display()))?;
                return Ok(Some(Project { path, config }));
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) if e.kind() == std::io::ErrorKind::NotADirectory => continue,
            Err(e) => {
                return Err(e).with_context(|| format!("reading {}", path.display()));
            }
        }
    }
    Ok(None)
}

#[derive(Debug, Clone)]
pub struct Settings {
    pub store: Option<String>,
    /// The store came from the `--store` flag (not from STAGDB_STORE,
    /// which clap merges into it, nor a config file).
    pub store_flag: bool,
    /// The project config in effect, if any.
    pub project: Option<Project>,
    /// Config files read, in order of precedence (highest first).
    pub config_files: Vec<PathBuf>,
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
    load_config_from().0
}

/// The user config and its path when it was read.
pub fn load_config_from() -> (anyhow::Result<ConfigFile>, Option<PathBuf>) {
    let Some(path) = config_path() else {
        return (Ok(ConfigFile::default()), None);
    };
    match std::fs::read_to_string(&path) {
        Ok(text) => (
            toml::from_str(&text)
                .with_context(|| format!("invalid config file {}", path.display())),
            Some(path),
        ),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => (Ok(ConfigFile::default()), None),
        Err(e) => (
            Err(e).with_context(|| format!("reading config file {}", path.display())),
            None,
        ),
    }
}

/// The store the project or user config names (completion; errors ignored).
pub fn configured_store() -> Option<String> {
    let cwd = std::env::current_dir().ok()?;
    if let Ok(Some(p)) = find_project(&cwd)
        && let Some(s) = p.config.store.filter(|s| !s.is_empty())
    {
        return Some(s);
    }
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
    /// Flags and environment (clap merges `STAGDB_STORE` into the flag),
    /// then the project config, then the user config, then defaults.
    pub fn resolve(
        args: &GlobalArgs,
        config: ConfigFile,
        project: Option<Project>,
        config_files: Vec<PathBuf>,
    ) -> Settings {
        let color = args.color.or(config.color).unwrap_or(ColorChoice::Auto);
        let project_store = project.as_ref().and_then(|p| p.config.store.clone());
        Settings {
            store: args.store.clone().or(project_store).or(config.store),
            store_flag: args.store.is_some() && std::env::var("STAGDB_STORE").ok() != args.store,
            project,
            config_files,
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
            None,
            Vec::new(),
        );
        assert_eq!(s.store.as_deref(), Some("a/b"));
        assert!(!s.color_out && !s.color_err);
        assert_eq!(s.timeout, Duration::from_secs(7));
    }
}

#[cfg(test)]
mod project_tests {
    use super::*;

    #[test]
    fn project_config_is_found_upward_and_strict() {
        let root = std::env::temp_dir().join(format!("stagdb-proj-{}", std::process::id()));
        let deep = root.join("a/b/c");
        std::fs::create_dir_all(&deep).unwrap();
        assert!(
            find_project(&deep)
                .unwrap()
                .is_none_or(|p| !p.path.starts_with(&root))
        );
        std::fs::write(
            root.join(PROJECT_FILE),
            "store = \"tank/s\"\nfrom = \"main@nightly\"\nbranch-on-checkout = true\nenv-file = \".env\"\n",
        )
        .unwrap();
        let p = find_project(&deep).unwrap().unwrap();
        assert_eq!(p.path, root.join(PROJECT_FILE));
        assert_eq!(p.config.store.as_deref(), Some("tank/s"));
        assert_eq!(p.config.from.as_deref(), Some("main@nightly"));
        assert!(p.config.branch_on_checkout);
        assert_eq!(p.dir(), root.as_path());
        std::fs::write(root.join(PROJECT_FILE), "stor = \"x\"\n").unwrap();
        let e = format!("{:#}", find_project(&deep).unwrap_err());
        assert!(e.contains(".stagdb.toml") && e.contains("stor"), "{e}");
        // Project beats user config; flags beat both.
        std::fs::write(root.join(PROJECT_FILE), "store = \"proj/s\"\n").unwrap();
        let project = find_project(&deep).unwrap();
        let args = GlobalArgs {
            store: None,
            json: false,
            quiet: false,
            yes: false,
            color: None,
            verbose: false,
            timings: false,
            timeout: None,
        };
        let user = || ConfigFile {
            store: Some("user/s".into()),
            ..Default::default()
        };
        let s = Settings::resolve(&args, user(), project.clone(), vec![]);
        assert_eq!(s.store.as_deref(), Some("proj/s"));
        let flagged = GlobalArgs {
            store: Some("flag/s".into()),
            ..args
        };
        let s = Settings::resolve(&flagged, user(), project, vec![]);
        assert_eq!(s.store.as_deref(), Some("flag/s"));
        std::fs::remove_dir_all(&root).unwrap();
    }
}
