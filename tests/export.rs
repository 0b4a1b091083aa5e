//! `export -o PATH` never destroys what it did not make: a failed, killed
//! or interrupted export leaves PATH as it was (a file, a symlink's
//! target, a FIFO, a device), and a finished one replaces a file whole.

mod common;

use std::os::unix::fs::FileTypeExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use common::TestStore;

/// A store whose main holds enough rows that a dump takes a while.
fn store(name: &str, base: u16) -> TestStore {
    let s = TestStore::new(name, base);
    s.init(17);
    s.sql(
        "main",
        "create table t as select g as id, md5(g::text) || md5((g * 7)::text) as v \
         from generate_series(1, 300000) g",
    );
    s
}

fn dir(tag: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("stagdb-export-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// Names in `d`, sorted.
fn names(d: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(d)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

fn path_arg(p: &Path) -> &str {
    p.to_str().unwrap()
}

#[test]
fn a_failed_export_leaves_its_target_as_it_was() {
    let s = store("export-keep", 47080);
    let d = dir("keep");
    // An existing dump, and a symlink to another.
    let keep = d.join("keep.dump");
    std::fs::write(&keep, "precious\n").unwrap();
    let target = d.join("target.dump");
    std::fs::write(&target, "precious too\n").unwrap();
    let link = d.join("link.dump");
    std::os::unix::fs::symlink(&target, &link).unwrap();
    for out in [&keep, &link] {
        let err = s.fails(
            &["export", "main", "--db", "nosuchdb", "-o", path_arg(out)],
            1,
        );
        assert!(err.contains("nosuchdb"), "{err}");
    }
    assert_eq!(std::fs::read_to_string(&keep).unwrap(), "precious\n");
    assert_eq!(std::fs::read_to_string(&target).unwrap(), "precious too\n");
    assert!(
        std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert_eq!(names(&d), ["keep.dump", "link.dump", "target.dump"]);

    // A finished export through the link replaces the file it points at,
    // and the link stays a link.
    s.ok(&["export", "main", "--format", "plain", "-o", path_arg(&link)]);
    assert!(
        std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    let dumped = std::fs::read_to_string(&target).unwrap();
    assert!(dumped.contains("PostgreSQL database dump complete"));
    assert_eq!(names(&d), ["keep.dump", "link.dump", "target.dump"]);
    // A symlink to nothing is refused, and stays as it was.
    let dangling = d.join("dangling.dump");
    std::os::unix::fs::symlink(d.join("nothing"), &dangling).unwrap();
    let err = s.fails(&["export", "main", "-o", path_arg(&dangling)], 2);
    assert!(err.contains("symlink"), "{err}");
    assert!(!d.join("nothing").exists());

    // Devices and FIFOs are written to, never replaced: a FIFO read by
    // another process, through a failure and a success.
    let fifo = d.join("pipe");
    assert!(
        Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success()
    );
    for (db, ok) in [("nosuchdb", false), ("postgres", true)] {
        let reader = {
            let fifo = fifo.clone();
            std::thread::spawn(move || std::fs::read(&fifo).unwrap())
        };
        let out = s.run(&[
            "export",
            "main",
            "--db",
            db,
            "--format",
            "plain",
            "-o",
            path_arg(&fifo),
        ]);
        assert_eq!(out.status.success(), ok, "{out:?}");
        let got = reader.join().unwrap();
        if ok {
            assert!(String::from_utf8_lossy(&got).contains("CREATE TABLE public.t"));
        }
        let t = std::fs::symlink_metadata(&fifo).unwrap().file_type();
        assert!(t.is_fifo(), "the FIFO was replaced: {t:?}");
    }
    s.ok(&["export", "main", "--format", "plain", "-o", "/dev/null"]);
    assert!(
        std::fs::metadata("/dev/null")
            .unwrap()
            .file_type()
            .is_char_device()
    );
    // /dev/stdout is this process's standard output (here a file).
    let via_stdout = d.join("stdout.sql");
    let out = s
        .cmd(&["export", "main", "--format", "plain", "-o", "/dev/stdout"])
        .stdout(std::fs::File::create(&via_stdout).unwrap())
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    assert!(
        std::fs::read_to_string(&via_stdout)
            .unwrap()
            .contains("PostgreSQL database dump complete")
    );
    let _ = std::fs::remove_dir_all(&d);
}

#[test]
fn a_directory_export_takes_an_empty_directory_and_nothing_else() {
    let s = store("export-dir", 47120);
    let d = dir("dir");
    let empty = d.join("empty");
    std::fs::create_dir(&empty).unwrap();
    // A failure leaves the empty directory empty, and nothing beside it.
    s.fails(
        &[
            "export",
            "main",
            "--db",
            "nosuchdb",
            "--format",
            "directory",
            "-o",
            path_arg(&empty),
        ],
        1,
    );
    assert!(names(&empty).is_empty());
    assert_eq!(names(&d), ["empty"]);
    // A success fills it.
    s.ok(&[
        "export",
        "main",
        "--format",
        "directory",
        "-o",
        path_arg(&empty),
    ]);
    assert!(
        names(&empty).contains(&"toc.dat".to_string()),
        "{:?}",
        names(&empty)
    );
    assert_eq!(names(&d), ["empty"]);
    // A directory that holds something is refused and left alone.
    let err = s.fails(
        &[
            "export",
            "main",
            "--format",
            "directory",
            "-o",
            path_arg(&empty),
        ],
        2,
    );
    assert!(err.contains("not empty"), "{err}");
    assert!(names(&empty).contains(&"toc.dat".to_string()));
    let _ = std::fs::remove_dir_all(&d);
}

/// xorshift64*, seeded from the clock (printed) or STAGDB_FAULT_SEED.
fn rng() -> impl FnMut(u64) -> u64 {
    let mut x = match std::env::var("STAGDB_FAULT_SEED") {
        Ok(s) => s.parse().expect("STAGDB_FAULT_SEED is a number"),
        Err(_) => {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_nanos() as u64
                | 1
        }
    };
    eprintln!("seed {x} (replay with STAGDB_FAULT_SEED={x})");
    move |n| {
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        x.wrapping_mul(0x2545_f491_4f6c_dd1d) % n
    }
}

#[test]
fn a_killed_or_interrupted_export_keeps_the_previous_dump() {
    let s = store("export-kill", 47160);
    let d = dir("kill");
    let keep = d.join("keep.sql");
    // How long one takes here, to kill inside it.
    let t = std::time::Instant::now();
    s.ok(&["export", "main", "--format", "plain", "-o", path_arg(&keep)]);
    let took = t.elapsed().as_millis() as u64;
    let good = std::fs::read(&keep).unwrap();
    assert!(String::from_utf8_lossy(&good).contains("PostgreSQL database dump complete"));
    let mut below = rng();
    let mut left_temp = false;
    for (n, signal) in ["KILL", "INT", "KILL", "TERM", "KILL", "INT"]
        .iter()
        .enumerate()
    {
        let delay = 100 + below(took.max(200));
        let mut child = s
            .cmd(&["export", "main", "--format", "plain", "-o", path_arg(&keep)])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(delay));
        let _ = Command::new("kill")
            .args([&format!("-{signal}"), &child.id().to_string()])
            .status();
        let status = child.wait().unwrap();
        eprintln!("trial {n}: SIG{signal} after {delay} ms: {status:?}");
        let now = std::fs::read(&keep).unwrap();
        assert!(
            now == good,
            "trial {n}: SIG{signal} after {delay} ms changed the previous dump ({} bytes, was {})",
            now.len(),
            good.len()
        );
        let temps: Vec<String> = names(&d).into_iter().filter(|n| n != "keep.sql").collect();
        if *signal == "KILL" {
            left_temp |= !temps.is_empty();
        } else {
            // Interrupted, it removes its own temporary file.
            assert!(temps.is_empty(), "trial {n}: SIG{signal} left {temps:?}");
        }
    }
    // What a killed export left is swept by the next one.
    s.ok(&["export", "main", "--format", "plain", "-o", path_arg(&keep)]);
    assert_eq!(names(&d), ["keep.sql"]);
    assert!(
        left_temp || took < 300,
        "no SIGKILL landed while the dump was written (an export takes {took} ms)"
    );
    let _ = std::fs::remove_dir_all(&d);
}
