//! The git post-checkout hook: install, uninstall, chaining, and git
//! switching the database HEAD without ever failing a git command.

mod common;

use std::path::Path;
use std::process::{Command, Output};

use common::TestStore;

fn git(repo: &Path, store: &str, args: &[&str]) -> Output {
    Command::new("git")
        .current_dir(repo)
        .args(args)
        .env("STAGDB_STORE", store)
        .env("STAGDB_CONFIG", "/nonexistent/stagdb-test-config.toml")
        .env("GIT_AUTHOR_NAME", "t")
        .env("GIT_AUTHOR_EMAIL", "t@example.com")
        .env("GIT_COMMITTER_NAME", "t")
        .env("GIT_COMMITTER_EMAIL", "t@example.com")
        .output()
        .expect("run git")
}

fn git_ok(repo: &Path, store: &str, args: &[&str]) -> String {
    let out = git(repo, store, args);
    assert!(
        out.status.success(),
        "git {args:?} failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// stagdb in `repo`; an empty `store` leaves STAGDB_STORE unset.
fn stagdb_in(repo: &Path, store: &str, args: &[&str]) -> Output {
    let mut c = Command::new(common::bin());
    c.current_dir(repo)
        .args(args)
        .env("STAGDB_CONFIG", "/nonexistent/stagdb-test-config.toml");
    if store.is_empty() {
        c.env_remove("STAGDB_STORE");
    } else {
        c.env("STAGDB_STORE", store);
    }
    c.output().expect("run stagdb")
}

fn head(s: &TestStore) -> String {
    s.json(&["status"])["head"]
        .as_str()
        .unwrap_or("")
        .to_string()
}

#[test]
fn git_switch_follows_database_branches() {
    let s = TestStore::new("hook", 44360);
    s.init(17);
    s.ok(&["branch", "feature-x", "--no-start"]);
    let repo = std::env::temp_dir().join(format!("stagdb-hook-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&repo);
    std::fs::create_dir_all(&repo).unwrap();
    let ds = s.dataset.as_str();
    git_ok(&repo, ds, &["init", "-q", "-b", "main"]);
    git_ok(&repo, ds, &["commit", "-q", "--allow-empty", "-m", "init"]);

    // A foreign hook: refused without --force, chained with it.
    let hook = repo.join(".git/hooks/post-checkout");
    std::fs::write(
        &hook,
        "#!/bin/sh\necho foreign >> \"$(git rev-parse --git-dir)/foreign.log\"\n",
    )
    .unwrap();
    Command::new("chmod")
        .args(["755"])
        .arg(&hook)
        .status()
        .unwrap();
    let refused = stagdb_in(&repo, ds, &["hook", "install"]);
    assert_eq!(refused.status.code(), Some(1), "{refused:?}");
    assert!(String::from_utf8_lossy(&refused.stderr).contains("--force"));
    let ok = stagdb_in(&repo, ds, &["hook", "install", "--force"]);
    assert!(ok.status.success(), "{ok:?}");
    // Idempotent.
    let again = stagdb_in(&repo, ds, &["hook", "install"]);
    assert!(again.status.success(), "{again:?}");
    assert!(String::from_utf8_lossy(&again.stderr).contains("installed already"));

    // git switch to a branch the store has: it becomes the database HEAD.
    git_ok(&repo, ds, &["switch", "-q", "-c", "feature-x"]);
    assert_eq!(head(&s), "feature-x");
    // The foreign hook still ran.
    let log = std::fs::read_to_string(repo.join(".git/foreign.log")).unwrap();
    assert_eq!(log.lines().count(), 1);
    // A git branch the store does not have: nothing changes, git succeeds
    // and prints nothing from stagdb.
    let err = git_ok(&repo, ds, &["switch", "-q", "-c", "no-such-db"]);
    assert!(!err.contains("stagdb"), "{err}");
    assert_eq!(head(&s), "feature-x");
    git_ok(&repo, ds, &["switch", "-q", "main"]);
    assert_eq!(head(&s), "main");

    // A broken store: git still succeeds, with one warning line.
    let out = git(&repo, "nosuchpool/nothing", &["switch", "-q", "feature-x"]);
    assert!(out.status.success(), "{out:?}");
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        err.lines().filter(|l| l.starts_with("stagdb: ")).count(),
        1,
        "{err}"
    );

    // With `.stagdb.toml`: a missing branch is created from `from`, and the
    // env file follows HEAD. The store comes from the project file too.
    std::fs::write(
        repo.join(".stagdb.toml"),
        format!(
            "store = \"{ds}\"\nfrom = \"main\"\nbranch-on-checkout = true\nenv-file = \".env\"\n"
        ),
    )
    .unwrap();
    let no_env = |args: &[&str]| {
        Command::new("git")
            .current_dir(&repo)
            .args(args)
            .env_remove("STAGDB_STORE")
            .env("STAGDB_CONFIG", "/nonexistent/stagdb-test-config.toml")
            .output()
            .unwrap()
    };
    let out = no_env(&["switch", "-q", "-c", "newfeat"]);
    assert!(out.status.success(), "{out:?}");
    assert_eq!(head(&s), "newfeat");
    let rows = s.json(&["branch"]);
    let row = rows
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == "newfeat")
        .unwrap();
    assert!(
        row["parent"].as_str().unwrap().starts_with("main@"),
        "{row}"
    );
    let env = std::fs::read_to_string(repo.join(".env")).unwrap();
    let url = s.ok(&["url", "newfeat"]).trim().to_string();
    assert!(env.contains(&format!("DATABASE_URL=\"{url}\"")), "{env}");
    let status = stagdb_in(&repo, "", &["status"]);
    assert!(
        String::from_utf8_lossy(&status.stdout).contains(".stagdb.toml"),
        "{status:?}"
    );
    // Unknown keys are errors naming the file and the key.
    std::fs::write(repo.join(".stagdb.toml"), "stor = \"x\"\n").unwrap();
    let bad = stagdb_in(&repo, ds, &["status"]);
    assert_eq!(bad.status.code(), Some(2), "{bad:?}");
    let err = String::from_utf8_lossy(&bad.stderr);
    assert!(
        err.contains(".stagdb.toml") && err.contains("stor"),
        "{err}"
    );
    std::fs::remove_file(repo.join(".stagdb.toml")).unwrap();
    git_ok(&repo, ds, &["switch", "-q", "main"]);

    // Uninstall restores the foreign hook.
    let un = stagdb_in(&repo, ds, &["hook", "uninstall"]);
    assert!(un.status.success(), "{un:?}");
    let text = std::fs::read_to_string(&hook).unwrap();
    assert!(
        text.contains("foreign") && !text.contains("stagdb-hook"),
        "{text}"
    );
    assert!(!repo.join(".git/hooks/post-checkout.pre-stagdb").exists());
    // Uninstalling a foreign hook is refused; outside a repository, install fails clearly.
    let un = stagdb_in(&repo, ds, &["hook", "uninstall"]);
    assert_eq!(un.status.code(), Some(1), "{un:?}");
    let outside = stagdb_in(Path::new("/"), ds, &["hook", "install"]);
    assert_eq!(outside.status.code(), Some(1), "{outside:?}");
    assert!(String::from_utf8_lossy(&outside.stderr).contains("not in a git repository"));
    std::fs::remove_dir_all(&repo).unwrap();
}

/// `hook install --store DS` records the store in the hook: git runs the
/// hook without the installer's flags, so it must not fall back to
/// whatever store the environment names (issue 17, item 16).
#[test]
fn hook_install_records_the_store_flag() {
    let s = TestStore::new("h5-hook", 46700);
    s.init(17);
    s.ok(&["branch", "feature-y", "--no-start"]);
    let repo = std::env::temp_dir().join(format!("stagdb-h5-hook-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&repo);
    std::fs::create_dir_all(&repo).unwrap();
    let ds = s.dataset.as_str();
    git_ok(&repo, ds, &["init", "-q", "-b", "main"]);
    git_ok(&repo, ds, &["commit", "-q", "--allow-empty", "-m", "init"]);
    let ok = stagdb_in(&repo, "", &["--store", ds, "hook", "install"]);
    assert!(ok.status.success(), "{ok:?}");
    assert!(
        String::from_utf8_lossy(&ok.stderr).contains(&format!("in store {ds}")),
        "{ok:?}"
    );
    let text = std::fs::read_to_string(repo.join(".git/hooks/post-checkout")).unwrap();
    assert!(text.contains(&format!("--store {ds} ")), "{text}");
    // git with no STAGDB_STORE and no project file: the hook's store.
    let out = Command::new("git")
        .current_dir(&repo)
        .args(["switch", "-q", "-c", "feature-y"])
        .env_remove("STAGDB_STORE")
        .env("STAGDB_CONFIG", "/nonexistent/stagdb-test-config.toml")
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    assert!(
        !String::from_utf8_lossy(&out.stderr).contains("stagdb"),
        "{out:?}"
    );
    assert_eq!(head(&s), "feature-y");
    // Installed again without --store: the hook names no store any more.
    let again = stagdb_in(&repo, ds, &["hook", "install"]);
    assert!(again.status.success(), "{again:?}");
    let text = std::fs::read_to_string(repo.join(".git/hooks/post-checkout")).unwrap();
    assert!(!text.contains("--store"), "{text}");
    std::fs::remove_dir_all(&repo).unwrap();
}

/// `env --write FILE` replaces only a file stagdb wrote (its first line
/// says so), or any with `--force`; never a hand-written one, a symlink
/// or a directory (issue 17, item 16).
#[test]
fn env_write_never_clobbers_a_hand_written_file() {
    let s = TestStore::new("h5-env", 46740);
    s.init(17);
    let dir = std::env::temp_dir().join(format!("stagdb-h5-env-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let env = dir.join(".env");
    let envs = env.to_str().unwrap();
    let mine = "# my settings\nSECRET_KEY=hunter2\n";
    std::fs::write(&env, mine).unwrap();
    let err = s.fails(&["env", "--write", envs], 1);
    assert!(err.contains("was not written by stagdb"), "{err}");
    assert!(err.contains("--force"), "{err}");
    assert_eq!(std::fs::read_to_string(&env).unwrap(), mine, "untouched");
    // A file that merely mentions the marker later on is still not ours.
    let sneaky = "A=1\n# written by `stagdb env --write`\n".to_string();
    std::fs::write(&env, &sneaky).unwrap();
    s.fails(&["env", "--write", envs], 1);
    assert_eq!(std::fs::read_to_string(&env).unwrap(), sneaky);
    // --force replaces it; then it is stagdb's, replaced without --force.
    s.ok(&["env", "--write", envs, "--force"]);
    let url = s.ok(&["url"]).trim().to_string();
    let text = std::fs::read_to_string(&env).unwrap();
    assert!(
        text.starts_with("# written by `stagdb env --write`\n"),
        "{text}"
    );
    assert!(text.contains(&format!("DATABASE_URL=\"{url}\"")), "{text}");
    s.ok(&["env", "--write", envs]);
    // A symlink is not replaced (nor followed) without --force.
    let target = dir.join("real.env");
    std::fs::write(&target, mine).unwrap();
    let link = dir.join("link.env");
    std::os::unix::fs::symlink(&target, &link).unwrap();
    let err = s.fails(&["env", "--write", link.to_str().unwrap()], 1);
    assert!(err.contains("symbolic link"), "{err}");
    assert_eq!(std::fs::read_to_string(&target).unwrap(), mine);
    // A directory or a FIFO (a device alike) never, even with --force; a
    // new file is simply written; --force needs --write.
    let err = s.fails(&["env", "--write", dir.to_str().unwrap(), "--force"], 1);
    assert!(err.contains("is a directory"), "{err}");
    let fifo = dir.join("fifo");
    assert!(
        Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success()
    );
    let err = s.fails(&["env", "--write", fifo.to_str().unwrap(), "--force"], 1);
    assert!(err.contains("is not a regular file"), "{err}");
    s.ok(&["env", "--write", dir.join("new.env").to_str().unwrap()]);
    s.fails(&["env", "--force"], 2);
    // Nothing left beside them.
    let mut left: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    left.sort();
    assert_eq!(left, [".env", "fifo", "link.env", "new.env", "real.env"]);
    std::fs::remove_dir_all(&dir).unwrap();
}
