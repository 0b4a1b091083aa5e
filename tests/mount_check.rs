//! OpenZFS 2.4's `zfs create`/`zfs clone` exit 0 when only the mount
//! failed (issue 18, point 6). A `zfs` wrapper first on PATH gives zfs-fuse
//! that exit code; the mount fails for real (files in the mountpoint
//! directory). Nothing may be written into the unmounted directory.

mod common;

use std::path::PathBuf;

use common::TestStore;

/// A `zfs` that puts a file in BLOCK_DIR before creating BLOCK_DS (so its
/// mount fails), and exits 0 when only the mount failed (the dataset exists).
fn wrapper_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("stagdb-{name}-bin"));
    std::fs::create_dir_all(&dir).unwrap();
    let script = r#"#!/bin/sh
if [ "$1" = create ] || [ "$1" = clone ]; then
  for last; do :; done
  if [ "$last" = "$BLOCK_DS" ]; then mkdir -p "$BLOCK_DIR" && echo x > "$BLOCK_DIR/junk"; fi
  err=$(/usr/sbin/zfs "$@" 2>&1 >/dev/null); rc=$?
  [ -n "$err" ] && printf '%s\n' "$err" >&2
  # Made, only its mount failed (create and clone word it differently).
  if [ $rc != 0 ] && /usr/sbin/zfs list -H -o name "$last" >/dev/null 2>&1; then exit 0; fi
  exit $rc
fi
exec /usr/sbin/zfs "$@"
"#;
    let path = dir.join("zfs");
    std::fs::write(&path, script).unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    dir
}

fn path_with(dir: &std::path::Path) -> String {
    format!(
        "{}:{}",
        dir.display(),
        std::env::var("PATH").unwrap_or_default()
    )
}

fn files_in(dir: &std::path::Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .map(|d| {
            d.filter_map(|e| Some(e.ok()?.file_name().to_string_lossy().into_owned()))
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

/// `stagdb init` of `s` with the wrapper first on PATH.
fn init_blocked(
    s: &TestStore,
    wrap: &std::path::Path,
    block_ds: &str,
    block_dir: &std::path::Path,
) -> std::process::Output {
    let ports = format!("{}-{}", s.low, s.high);
    let head = s.head_port.to_string();
    let image = common::image_template();
    std::process::Command::new(common::bin())
        .args([
            "init",
            "--dataset",
            &s.dataset,
            "--pg-version",
            "15",
            "--image",
            &image,
        ])
        .args(["--ports", &ports, "--head-port", &head])
        .env("STAGDB_CONFIG", "/nonexistent/stagdb-test-config.toml")
        .env("NO_COLOR", "1")
        .env("PATH", path_with(wrap))
        .env("BLOCK_DS", block_ds)
        .env("BLOCK_DIR", block_dir)
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap()
}

#[test]
fn h10_created_but_not_mounted_writes_nothing_and_rolls_back() {
    let s = TestStore::new("h10-mount", 47830);
    let wrap = wrapper_dir("h10-mount");
    // The store itself: its key would land in the directory below it, on
    // the pool's root filesystem, which outlives the rollback.
    let store_dir = PathBuf::from(format!("/{}", s.dataset));
    // The dataset is gone (TestStore::new): a directory there is an earlier
    // run's, on the pool's root filesystem.
    let _ = std::fs::remove_dir_all(&store_dir);
    let out = init_blocked(&s, &wrap, &s.dataset, &store_dir);
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    let left = files_in(&store_dir);
    let _ = std::fs::remove_dir_all(&store_dir);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("is not mounted"), "{err}");
    assert!(err.contains("hint:"), "{err}");
    assert_eq!(left, vec!["junk".to_string()], "{err}");
    let gone = std::process::Command::new("zfs")
        .args(["list", "-H", &s.dataset])
        .output()
        .unwrap();
    assert!(!gone.status.success(), "{} was not rolled back", s.dataset);

    s.init(15);
    let ds = format!("{}/feat", s.dataset);
    let dir = PathBuf::from(format!("/{ds}"));
    let out = s
        .cmd(&["branch", "feat"])
        .env("PATH", path_with(&wrap))
        .env("BLOCK_DS", &ds)
        .env("BLOCK_DIR", &dir)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("is not mounted"), "{err}");
    // Nothing but the file that blocked the mount, and no branch left.
    assert_eq!(files_in(&dir), vec!["junk".to_string()], "{err}");
    assert!(!s.branch_rows().iter().any(|b| b.0 == "feat"));
    let gone = std::process::Command::new("zfs")
        .args(["list", "-H", &ds])
        .output()
        .unwrap();
    assert!(!gone.status.success(), "{ds} was not rolled back");

    // Cleared, the same command works.
    std::fs::remove_dir_all(&dir).unwrap();
    s.ok(&["branch", "feat"]);
    assert_eq!(s.sql("feat", "select 1"), "1");
}
