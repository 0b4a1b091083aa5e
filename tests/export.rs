//! `stagdb export -o PATH` never destroys what it did not create: a failed,
//! interrupted or killed export leaves an existing dump (or a symlink's
//! target) byte for byte as it was, a FIFO or device stays what it is and is
//! written to, not replaced, and `--format directory` takes an existing empty
//! directory but refuses a non-empty one (issue 17, items 1 and 16).

mod common;

use std::os::unix::fs::{FileTypeExt, MetadataExt};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use common::TestStore;

struct TempDir(PathBuf);

impl TempDir {
    fn new(tag: &str) -> TempDir {
        let p =
            std::env::temp_dir().join(format!("stagdb-itest-export-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&p);
        std::fs::create_dir_all(&p).unwrap();
        TempDir(p)
    }

    fn join(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// A store on PostgreSQL 15 (the host's pg_restore reads its dumps) whose
/// main branch holds a table of `rows` rows.
fn store(name: &str, base: u16, rows: u32) -> TestStore {
    let st = TestStore::new(name, base);
    st.init(15);
    st.sql(
        "main",
        &format!(
            "create table t (x int primary key, pad text); \
             insert into t select g, repeat(md5(g::text), 4) from generate_series(1, {rows}) g"
        ),
    );
    st
}

/// Names in `dir` that look like an export's temporary file or directory.
fn temps(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains("stagdb"))
        .collect();
    v.sort();
    v
}

fn pg_restore_list(file: &Path) -> bool {
    Command::new("pg_restore")
        .arg("-l")
        .arg(file)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|st| st.success())
}

/// A failed export (`--db nosuchdb`) to an existing dump, through a symlink,
/// to a FIFO, to a char device and to a dangling symlink: each target is left
/// as it was, and no temporary file stays behind.
#[test]
fn export_failure_leaves_every_target_alone() {
    let st = store("exp-fail-keeps", 45000, 10);
    let d = TempDir::new("fail");
    let bad = |p: &Path| -> Vec<String> {
        ["export", "main", "--db", "nosuchdb", "-o", s(p)]
            .map(String::from)
            .to_vec()
    };
    let fails = |p: &Path| {
        let a = bad(p);
        let a: Vec<&str> = a.iter().map(String::as_str).collect();
        st.fails(&a, 1)
    };

    // An existing file, byte for byte.
    let keep = d.join("keep.dump");
    std::fs::write(&keep, b"precious\n").unwrap();
    fails(&keep);
    assert_eq!(std::fs::read(&keep).unwrap(), b"precious\n");

    // A symlink: the link and the file it points at.
    let real = d.join("real.dump");
    std::fs::write(&real, b"the real one\n").unwrap();
    let link = d.join("link.dump");
    std::os::unix::fs::symlink(&real, &link).unwrap();
    fails(&link);
    assert_eq!(std::fs::read(&real).unwrap(), b"the real one\n");
    assert!(std::fs::symlink_metadata(&link).unwrap().is_symlink());

    // A FIFO stays a FIFO (nothing reads it: the export fails before it opens it,
    // or a reader thread drains it).
    let fifo = d.join("pipe");
    assert!(
        Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success()
    );
    let reader = drain(&fifo);
    fails(&fifo);
    unblock(&fifo);
    let _ = reader.join();
    assert!(
        std::fs::symlink_metadata(&fifo)
            .unwrap()
            .file_type()
            .is_fifo()
    );

    // Ctrl-C while the open of a FIFO waits for a reader: it stops, the FIFO stays.
    let lonely = d.join("lonely");
    assert!(
        Command::new("mkfifo")
            .arg(&lonely)
            .status()
            .unwrap()
            .success()
    );
    let mut child = st
        .cmd(&["export", "main", "-o", s(&lonely)])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(1500));
    let _ = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status();
    let mut waited = 0;
    while child.try_wait().unwrap().is_none() {
        if waited == 300 {
            let _ = child.kill();
            panic!("export waiting for a FIFO's reader ignored Ctrl-C");
        }
        std::thread::sleep(Duration::from_millis(100));
        waited += 1;
    }
    assert!(
        std::fs::symlink_metadata(&lonely)
            .unwrap()
            .file_type()
            .is_fifo()
    );

    // A char device (a private copy of /dev/null, never the machine's).
    let null = d.join("null");
    assert!(
        Command::new("mknod")
            .args([s(&null), "c", "1", "3"])
            .status()
            .unwrap()
            .success()
    );
    fails(&null);
    let m = std::fs::symlink_metadata(&null).expect("the device node is still there");
    assert!(m.file_type().is_char_device());
    assert_eq!(m.rdev(), std::fs::metadata("/dev/null").unwrap().rdev());

    // A dangling symlink is refused up front and stays dangling.
    let dangling = d.join("dangling.dump");
    std::os::unix::fs::symlink(d.join("nowhere.dump"), &dangling).unwrap();
    let err = st.fails(&["export", "main", "-o", s(&dangling)], 2);
    assert!(err.contains("does not exist"), "{err}");
    assert!(!d.join("nowhere.dump").exists());
    assert!(std::fs::symlink_metadata(&dangling).unwrap().is_symlink());

    assert_eq!(temps(&d.0), Vec::<String>::new(), "temporary files left");
}

/// Reads a FIFO to its end on a thread (a writer never blocks on it).
fn drain(fifo: &Path) -> std::thread::JoinHandle<Vec<u8>> {
    let p = fifo.to_path_buf();
    std::thread::spawn(move || std::fs::read(&p).unwrap_or_default())
}

/// Lets a reader blocked in open() of a FIFO go (opens and closes its write end).
fn unblock(fifo: &Path) {
    use std::os::unix::fs::OpenOptionsExt;
    let _ = std::fs::OpenOptions::new()
        .write(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(fifo);
}

/// A successful export into a FIFO (read by a thread), a char device and
/// /dev/stdout: written into, never replaced; a regular file is replaced
/// whole, keeping its mode, and a symlink's target is replaced, the link kept.
#[test]
fn export_writes_into_fifos_devices_and_through_symlinks() {
    let st = store("exp-write-into", 45040, 10);
    let d = TempDir::new("into");

    let fifo = d.join("pipe");
    assert!(
        Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success()
    );
    let reader = drain(&fifo);
    st.ok(&["export", "main", "-o", s(&fifo)]);
    let got = reader.join().unwrap();
    assert!(got.starts_with(b"PGDMP"), "the FIFO's reader got no dump");
    assert!(
        std::fs::symlink_metadata(&fifo)
            .unwrap()
            .file_type()
            .is_fifo()
    );

    let null = d.join("null");
    assert!(
        Command::new("mknod")
            .args([s(&null), "c", "1", "3"])
            .status()
            .unwrap()
            .success()
    );
    st.ok(&["export", "main", "-o", s(&null)]);
    assert!(
        std::fs::symlink_metadata(&null)
            .unwrap()
            .file_type()
            .is_char_device()
    );

    // /dev/stdout is the caller's stdout (here a pipe), not a file to replace.
    let out = st.ok(&["export", "main", "--format", "plain", "-o", "/dev/stdout"]);
    assert!(out.contains("CREATE TABLE public.t"), "{out}");

    // A regular file is replaced, keeping its mode; a symlink's target likewise.
    let file = d.join("a.dump");
    std::fs::write(&file, b"old").unwrap();
    std::fs::set_permissions(&file, std::os::unix::fs::PermissionsExt::from_mode(0o640)).unwrap();
    let link = d.join("link.dump");
    std::os::unix::fs::symlink(&file, &link).unwrap();
    st.ok(&["export", "main", "-o", s(&link)]);
    assert!(std::fs::symlink_metadata(&link).unwrap().is_symlink());
    assert!(pg_restore_list(&file), "the symlink's target is no dump");
    assert_eq!(std::fs::metadata(&file).unwrap().mode() & 0o777, 0o640);
    // A new file gets the umask's mode (0666 less the umask), as before.
    let fresh = d.join("fresh.dump");
    st.ok(&["export", "main", "-o", s(&fresh)]);
    assert!(pg_restore_list(&fresh));
    assert_eq!(temps(&d.0), Vec::<String>::new(), "temporary files left");
}

/// `--format directory`: an existing empty directory is taken, a non-empty
/// one refused (its files untouched), and a failure leaves the empty
/// directory as it was, with no temporary directory beside it.
#[test]
fn export_directory_takes_an_empty_directory_only() {
    let st = store("exp-dir-empty", 45080, 10);
    let d = TempDir::new("dir");
    let empty = d.join("out");
    std::fs::create_dir(&empty).unwrap();

    st.fails(
        &[
            "export",
            "main",
            "--db",
            "nosuchdb",
            "--format",
            "directory",
            "-o",
            s(&empty),
        ],
        1,
    );
    assert!(empty.is_dir());
    assert_eq!(std::fs::read_dir(&empty).unwrap().count(), 0);
    assert_eq!(
        temps(&d.0),
        Vec::<String>::new(),
        "temporary directory left"
    );

    st.ok(&["export", "main", "--format", "directory", "-o", s(&empty)]);
    assert!(
        empty.join("toc.dat").is_file(),
        "no dump in {}",
        empty.display()
    );
    assert!(pg_restore_list(&empty));

    // A name that is not UTF-8 gets the dump under exactly that name.
    let odd =
        d.0.join(<std::ffi::OsStr as std::os::unix::ffi::OsStrExt>::from_bytes(b"odd\xffname"));
    let out = st
        .cmd(&["export", "main", "--format", "directory", "-o"])
        .arg(&odd)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(odd.join("toc.dat").is_file(), "no dump under the odd name");

    let full = d.join("full");
    std::fs::create_dir(&full).unwrap();
    std::fs::write(full.join("mine.txt"), b"mine").unwrap();
    let err = st.fails(
        &["export", "main", "--format", "directory", "-o", s(&full)],
        2,
    );
    assert!(err.contains("not empty"), "{err}");
    assert_eq!(std::fs::read(full.join("mine.txt")).unwrap(), b"mine");
    assert_eq!(std::fs::read_dir(&full).unwrap().count(), 1);
    assert_eq!(
        temps(&d.0),
        Vec::<String>::new(),
        "temporary directory left"
    );
}

/// xorshift64*, seeded (STAGDB_FAULT_SEED replays a run, as in tests/faults.rs).
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) % n
    }
}

fn seed() -> u64 {
    match std::env::var("STAGDB_FAULT_SEED") {
        Ok(v) => v.parse().expect("STAGDB_FAULT_SEED is a number"),
        Err(_) => {
            let t = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap();
            (t.as_nanos() as u64) | 1
        }
    }
}

/// An export killed (SIGKILL) or interrupted (SIGINT) at random points leaves
/// the previous good dump byte for byte; SIGINT leaves no temporary file, and
/// the next export sweeps those a killed one left.
#[test]
fn export_killed_or_interrupted_keeps_the_old_dump() {
    let st = store("exp-killed", 45120, 150_000);
    st.ok(&["snapshot", "main", "--name", "s1"]);
    let d = TempDir::new("killed");
    let dump = d.join("good.dump");
    let t0 = std::time::Instant::now();
    st.ok(&["export", "main@s1", "-o", s(&dump)]);
    // Signals land within what an export takes (clone, server start, dump).
    let took = t0.elapsed().as_millis() as u64;
    let good = std::fs::read(&dump).unwrap();
    assert!(pg_restore_list(&dump));

    let seed = seed();
    eprintln!("seed {seed} (STAGDB_FAULT_SEED={seed} replays it)");
    let mut rng = Rng(seed);
    let mut stopped = 0;
    for n in 0..8 {
        let signal = if n % 2 == 0 { "KILL" } else { "INT" };
        let delay = took / 10 + rng.below(took * 8 / 10);
        let mut child = st
            .cmd(&["export", "main@s1", "-o", s(&dump)])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(delay));
        let _ = Command::new("kill")
            .args([&format!("-{signal}"), &child.id().to_string()])
            .status();
        let st_ = child.wait().unwrap();
        let what = format!("trial {n}: SIG{signal} after {delay} ms ({st_:?}, seed {seed})");
        let now = std::fs::read(&dump).unwrap();
        if st_.success() {
            // It finished before the signal: a whole new dump.
            assert!(pg_restore_list(&dump), "{what}: not a dump");
            std::fs::write(&dump, &good).unwrap();
        } else {
            stopped += 1;
            assert!(now == good, "{what}: the old dump changed");
        }
        let left = temps(&d.0);
        eprintln!("{what}; temporaries: {left:?}");
        if signal == "INT" {
            assert!(
                !left.iter().any(|t| is_temp_of(t, child.id())),
                "{what}: temporary file left: {left:?}"
            );
        }
    }
    assert!(stopped > 0, "no export was stopped midway (seed {seed})");
    // A later export replaces the dump and sweeps what killed ones left.
    st.ok(&["export", "main@s1", "-o", s(&dump)]);
    assert!(pg_restore_list(&dump));
    assert_eq!(temps(&d.0), Vec::<String>::new(), "temporary files left");
}

/// Whether `name` is a temporary file of process `pid`.
fn is_temp_of(name: &str, pid: u32) -> bool {
    name.contains(&format!("-{pid}-"))
}
