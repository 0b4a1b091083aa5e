//! CLI fuzzing against the real testbed: thousands of random branch names and
//! refs (valid-looking, '@', '..', '/', ':', '%', spaces, control characters,
//! unicode, very long, leading '-', invalid UTF-8) go through the cheap
//! commands of one store. Every run must end with exit code 0, 1 or 2, no
//! panic, a message for every failure, no raw control characters on stderr
//! (for names after `--`), the documented usage error (2) for every invalid
//! name, success only for valid names, and afterwards nothing in ZFS or Docker
//! that stagdb would not have made.
//!
//! The seed is printed; `STAGDB_FUZZ_SEED=N cargo test --test fuzz -- --nocapture`
//! replays a run, and every failure prints the exact argument list.
//! `STAGDB_FUZZ_COUNT` sets the number of read-only invocations (default 1500).

mod common;

use std::collections::BTreeSet;
use std::ffi::{OsStr, OsString};
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::process::{Command, Output};
use std::time::Instant;

use common::TestStore;
use stagdb::names;

/// A small, stable PRNG (SplitMix64): the same seed gives the same run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }
    fn pick<'a, T: ?Sized>(&mut self, items: &[&'a T]) -> &'a T {
        items[self.below(items.len())]
    }
}

fn seed() -> u64 {
    match std::env::var("STAGDB_FUZZ_SEED") {
        Ok(s) => {
            let s = s.trim();
            let parsed = match s.strip_prefix("0x") {
                Some(hex) => u64::from_str_radix(hex, 16),
                None => s.parse(),
            };
            parsed.unwrap_or_else(|e| panic!("STAGDB_FUZZ_SEED={s:?}: {e}"))
        }
        Err(_) => {
            let t = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap();
            t.as_nanos() as u64 ^ u64::from(std::process::id()).rotate_left(32)
        }
    }
}

const WORDS: &[&str] = &[
    "main", "extra", "feature", "fix", "login", "db", "a", "x1", "release", "v1.2", "JIRA-12",
    "wip", "test_9", "HEAD", "head", "lock", "tmp",
];

/// Pieces that hit every rule of names and refs, and shell/URL/terminal specials.
const PIECES: &[&str] = &[
    "a",
    "Z",
    "0",
    "_",
    "-",
    ".",
    "/",
    "@",
    "..",
    "//",
    ":",
    "%",
    "%2F",
    " ",
    "\t",
    "\n",
    "\r",
    "\u{1}",
    "\u{1b}[31m",
    "\u{7f}",
    "\u{85}",
    "\u{a0}",
    "\u{200b}",
    "\u{202e}",
    "\u{feff}",
    "é",
    "e\u{301}",
    "日本",
    "🚀",
    "~",
    "^",
    "?",
    "*",
    "[",
    "]",
    "{",
    "}",
    "\\",
    "'",
    "\"",
    "$",
    "$(x)",
    "`x`",
    "!",
    "#",
    "&",
    ";",
    "|",
    "<",
    ">",
    "(",
    ")",
    "+",
    "=",
    ",",
    ".lock",
    "HEAD",
    "@{1}",
    "@{-1}",
    "main",
    "snap1",
    "-",
    "--",
];

const OPTION_LIKE: &[&str] = &[
    "-",
    "--",
    "-x",
    "-y",
    "-n",
    "-h",
    "--help",
    "--version",
    "--json",
    "--store",
    "--to",
    "--no-start",
    "-d",
    "--all",
    "--name",
    "-1",
    "--=x",
    "-@",
    "--\u{1b}",
];

/// A random branch name or ref, mostly hostile. Never contains NUL (an
/// argument cannot). `known` are names that exist in the store.
fn random_arg(rng: &mut Rng, known: &[&str]) -> OsString {
    let s: String = match rng.below(100) {
        // Valid-looking names.
        0..25 => {
            let parts = 1 + rng.below(3);
            let seps: &[&str] = &["-", "_", ".", "/", ""];
            let mut s = String::new();
            for i in 0..parts {
                if i > 0 {
                    s.push_str(rng.pick(seps));
                }
                s.push_str(rng.pick(WORDS));
                if rng.chance(30) {
                    s.push_str(&rng.below(1000).to_string());
                }
            }
            s
        }
        // Existing names and refs, as they are or with one edit.
        25..37 => {
            let mut s = rng.pick(known).to_string();
            if rng.chance(60) {
                let piece = rng.pick(PIECES);
                let mut chars: Vec<char> = s.chars().collect();
                let at = rng.below(chars.len() + 1);
                match rng.below(3) {
                    0 => drop(chars.splice(at..at, piece.chars())),
                    1 if at < chars.len() => drop(chars.splice(at..=at, piece.chars())),
                    _ if at < chars.len() => drop(chars.remove(at)),
                    _ => {}
                }
                s = chars.into_iter().collect();
            }
            s
        }
        // '@' in all its places.
        37..47 => {
            let b = rng.pick(&["main", "extra", "HEAD", "", "x", "a..b", "-x", "a b"]);
            let snap = rng.pick(&["snap1", "", "-s", ".s", "a/b", "x@y", "@", "2024:01", "é"]);
            let extra_at = if rng.chance(15) { "@" } else { "" };
            format!("{b}@{extra_at}{snap}")
        }
        // Concatenated tricky pieces.
        47..75 => {
            let n = 1 + rng.below(8);
            (0..n).map(|_| rng.pick(PIECES)).collect()
        }
        // Things that look like options.
        75..82 => {
            let mut s = rng.pick(OPTION_LIKE).to_string();
            if rng.chance(50) {
                s.push_str(rng.pick(WORDS));
            }
            s
        }
        // Very long, around the 200-byte name limit and the ZFS name limit.
        82..90 => {
            let len = *rng.pick(&[
                &199usize, &200, &201, &214, &215, &216, &255, &256, &1000, &4096, &100_000,
            ]);
            let unit = rng.pick(&["a", "é", "a/", "日", "-", ".", "a.", "🚀", "%"]);
            let mut s = String::new();
            while s.len() < len {
                s.push_str(unit);
            }
            s
        }
        // Random code points, controls and all.
        90..96 => {
            let n = 1 + rng.below(12);
            (0..n)
                .map(|_| {
                    let c = match rng.below(4) {
                        0 => rng.below(0x20) as u32,
                        1 => 0x80 + rng.below(0x80) as u32,
                        2 => rng.below(0x3000) as u32,
                        _ => rng.below(0x11_0000) as u32,
                    };
                    char::from_u32(c).unwrap_or('\u{fffd}')
                })
                .collect()
        }
        // Not UTF-8 at all.
        _ => {
            let mut bytes = b"main".to_vec();
            let n = 1 + rng.below(4);
            for _ in 0..n {
                bytes.insert(
                    rng.below(bytes.len() + 1),
                    *rng.pick(&[&0xffu8, &0xfe, &0xc3, &0x80, &0xed]),
                );
            }
            return OsString::from_vec(bytes);
        }
    };
    OsString::from(s.replace('\0', ""))
}

/// What a run must look like, beyond the rules every run follows.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Expect {
    /// Anything in 0, 1, 2.
    Any,
    /// A usage error: exit code 2.
    Usage,
    /// Must not succeed (1 or 2).
    Fails,
}

struct Fuzzer<'a> {
    s: &'a TestStore,
    seed: u64,
    runs: std::sync::atomic::AtomicUsize,
    /// How many runs ended with exit code 0, 1 and 2.
    codes: [std::sync::atomic::AtomicUsize; 3],
}

impl Fuzzer<'_> {
    fn run(&self, args: &[OsString]) -> Output {
        self.runs.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let mut c: Command = self.s.cmd(&[]);
        c.args(args);
        c.output()
            .unwrap_or_else(|e| panic!("cannot run stagdb {args:?}: {e}"))
    }

    /// Runs and checks the rules every run follows, plus `expect`. Returns
    /// the output, or the failure as text (with what is needed to replay it).
    fn check(&self, args: &[OsString], expect: Expect) -> Result<Output, String> {
        let out = self.run(args);
        let stderr = String::from_utf8_lossy(&out.stderr);
        let code = out.status.code();
        if let Some(c @ 0..=2) = code {
            self.codes[c as usize].fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        }
        let mut problems = Vec::new();
        if !matches!(code, Some(0..=2)) {
            problems.push(format!("exit status {:?} is not 0, 1 or 2", out.status));
        }
        if stderr.contains("panicked at") || stderr.contains("RUST_BACKTRACE") {
            problems.push("it panicked".to_string());
        }
        // Names are echoed in messages: control characters must not reach
        // the terminal. Only checked for names after `--`: clap's own
        // "unexpected argument" errors pass '\r', '\t' and C1 controls through.
        if args.iter().any(|a| a == "--") && stderr.chars().any(|c| c.is_control() && c != '\n') {
            problems.push("stderr holds a raw control character".to_string());
        }
        if code != Some(0) && stderr.trim().is_empty() {
            problems.push("it failed without a message on stderr".to_string());
        }
        match expect {
            Expect::Usage if code != Some(2) => {
                problems.push(format!("expected a usage error (exit 2), got {code:?}"));
            }
            Expect::Fails if code == Some(0) => {
                problems.push("expected it to fail, it succeeded".to_string());
            }
            _ => {}
        }
        let json = args.iter().any(|a| a == "--json");
        if code == Some(0)
            && json
            // Without `--`, a random `-h...` asks clap for help text instead.
            && args.iter().any(|a| a == "--")
            && let Err(e) = serde_json::from_slice::<serde_json::Value>(&out.stdout)
        {
            problems.push(format!("--json printed invalid JSON ({e})"));
        }
        if problems.is_empty() {
            Ok(out)
        } else {
            Err(format!(
                "stagdb --store {} {args:?}\n  {}\n  exit: {:?}\n  stdout: {:?}\n  stderr: {:?}\n  replay the run: STAGDB_FUZZ_SEED={} cargo test --test fuzz -- --nocapture",
                self.s.dataset,
                problems.join("; "),
                out.status.code(),
                truncate(&String::from_utf8_lossy(&out.stdout)),
                truncate(&stderr),
                self.seed
            ))
        }
    }
}

fn truncate(s: &str) -> String {
    const MAX: usize = 600;
    if s.len() <= MAX {
        return s.to_string();
    }
    let mut end = MAX;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}... ({} bytes)", &s[..end], s.len())
}

fn os(s: &str) -> OsString {
    OsString::from(s)
}

fn utf8(a: &OsStr) -> Option<&str> {
    std::str::from_utf8(a.as_bytes()).ok()
}

fn valid_branch(a: &OsStr) -> bool {
    utf8(a).is_some_and(|s| names::validate_branch_name(s).is_ok())
}

fn valid_ref(a: &OsStr) -> bool {
    utf8(a).is_some_and(|s| names::parse_ref(s).is_ok())
}

fn valid_snapshot(a: &OsStr) -> bool {
    utf8(a).is_some_and(|s| names::validate_snapshot_name(s).is_ok())
}

fn sh(cmd: &mut Command) -> String {
    let out = cmd.output().expect("run a testbed command");
    assert!(
        out.status.success(),
        "{cmd:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn zfs_names(dataset: &str) -> BTreeSet<String> {
    sh(Command::new("zfs").args(["list", "-H", "-r", "-t", "all", "-o", "name", dataset]))
        .lines()
        .map(str::to_string)
        .collect()
}

fn branch_names(s: &TestStore) -> BTreeSet<String> {
    s.json(&["branch"])
        .as_array()
        .expect("branch --json is an array")
        .iter()
        .map(|b| b["name"].as_str().expect("branch name").to_string())
        .collect()
}

#[test]
fn random_names_and_refs_through_the_cli() {
    let started = Instant::now();
    let seed = seed();
    eprintln!("fuzz seed: {seed} (replay with STAGDB_FUZZ_SEED={seed})");
    let count: usize = std::env::var("STAGDB_FUZZ_COUNT")
        .ok()
        .map(|c| c.parse().expect("STAGDB_FUZZ_COUNT is a number"))
        .unwrap_or(1500);

    let s = TestStore::new("fuzz", 41500);
    s.init(17);
    s.ok(&["branch", "extra", "--no-start"]);
    s.ok(&["snapshot", "--name", "snap1", "main"]);
    let initial_zfs = zfs_names(&s.dataset);

    // `eval "$(stagdb env)"` in a POSIX shell gives exactly the values of
    // `stagdb --json env`.
    let exports = s.ok(&["env", "main"]);
    let json = s.json(&["env", "main"]);
    let vars = json.as_object().expect("env --json is an object");
    let script = vars
        .keys()
        .map(|k| format!("printf '%s\\0' \"${k}\""))
        .collect::<Vec<_>>()
        .join("; ");
    let evaluated = sh(Command::new("sh")
        .arg("-c")
        .arg(format!("eval \"$1\"; {script}"))
        .arg("sh")
        .arg(&exports));
    let got: Vec<&str> = evaluated.split_terminator('\0').collect();
    let want: Vec<&str> = vars.values().map(|v| v.as_str().unwrap()).collect();
    assert_eq!(got, want, "eval of `stagdb env main`:\n{exports}");
    let setup = started.elapsed();

    const NOSUCH: &str = "no-such-branch-fuzz";
    let known = [
        "main",
        "extra",
        "HEAD",
        "@",
        "main@snap1",
        "HEAD@snap1",
        "extra@snap1",
        NOSUCH,
    ];
    let fuzz = Fuzzer {
        s: &s,
        seed,
        runs: Default::default(),
        codes: Default::default(),
    };
    let mut rng = Rng(seed);
    let mut failures: Vec<String> = Vec::new();

    // Phase 1: read-only commands, on two threads (the store does not change,
    // so each failure replays on its own from its argument list).
    let mut jobs: Vec<(Vec<OsString>, Expect)> = Vec::with_capacity(count);
    for _ in 0..count {
        let arg = random_arg(&mut rng, &known);
        let cmd = rng.pick(&["url", "env", "log"]);
        let mut args = Vec::new();
        if rng.chance(25) {
            args.push(os("--json"));
        }
        args.push(os(cmd));
        // Mostly after `--`, so option-like names reach stagdb's own checks.
        let dashdash = rng.chance(80);
        if dashdash {
            args.push(os("--"));
        }
        args.push(arg.clone());
        let expect = if utf8(&arg).is_none() || (dashdash && !valid_ref(&arg)) {
            Expect::Usage
        } else {
            Expect::Any
        };
        jobs.push((args, expect));
    }
    let (a, b) = jobs.split_at(jobs.len() / 2);
    let worker = |part: &[(Vec<OsString>, Expect)]| {
        part.iter()
            .filter_map(|(args, expect)| fuzz.check(args, *expect).err())
            .collect::<Vec<_>>()
    };
    let phase1: Vec<String> = std::thread::scope(|scope| {
        let h1 = scope.spawn(move || worker(a));
        let h2 = scope.spawn(move || worker(b));
        let mut v = h1.join().expect("phase 1 worker");
        v.extend(h2.join().expect("phase 1 worker"));
        v
    });
    failures.extend(phase1);
    let phase1_took = started.elapsed() - setup;

    // Phase 2: commands that would change the store, one at a time.
    let existing: BTreeSet<String> = ["main", "extra"].map(String::from).into();
    let mut created_branches = 0;
    let mut created_snapshots: BTreeSet<String> = BTreeSet::new();
    const BRANCH_BUDGET: usize = 25;
    const SNAPSHOT_BUDGET: usize = 8;

    for _ in 0..150 {
        // rm of a branch that does not exist never succeeds.
        let name = random_arg(&mut rng, &known);
        if utf8(&name).is_some_and(|n| existing.contains(n) || n == "HEAD" || n == "@") {
            continue;
        }
        let expect = if valid_branch(&name) {
            Expect::Fails
        } else {
            Expect::Usage
        };
        let args = vec![os("-y"), os("rm"), os("--"), name];
        if let Err(e) = fuzz.check(&args, expect) {
            failures.push(e);
        }
    }
    for _ in 0..150 {
        // reset of a branch that does not exist never succeeds, whatever --to says.
        let to = random_arg(&mut rng, &known);
        let mut args = vec![
            os("-y"),
            os("reset"),
            os("--to"),
            to.clone(),
            os("--"),
            os(NOSUCH),
        ];
        if rng.chance(20) {
            // ... nor with the ref where the branch should be.
            args = vec![os("-y"), os("reset"), os("--"), to.clone()];
            if utf8(&to).is_some_and(|t| existing.contains(t) || t == "HEAD" || t == "@") {
                continue;
            }
        }
        let expect = if utf8(&to).is_none() {
            Expect::Usage
        } else {
            Expect::Fails
        };
        if let Err(e) = fuzz.check(&args, expect) {
            failures.push(e);
        }
    }
    for _ in 0..150 {
        // branch NAME START --no-start, and rm -y when it succeeded.
        let name = random_arg(&mut rng, &known);
        let start = if rng.chance(70) {
            os(rng.pick(&["main@snap1", "main@snap1", "main@snap1", "HEAD", "extra"]))
        } else {
            random_arg(&mut rng, &known)
        };
        let would_create = valid_branch(&name)
            && !utf8(&name).is_some_and(|n| existing.contains(n))
            && valid_ref(&start);
        if would_create && created_branches >= BRANCH_BUDGET {
            continue;
        }
        let expect = if utf8(&name).is_none() || !valid_branch(&name) {
            Expect::Usage
        } else {
            Expect::Any
        };
        let args = vec![
            os("branch"),
            os("--no-start"),
            os("--"),
            name.clone(),
            start.clone(),
        ];
        match fuzz.check(&args, expect) {
            Err(e) => failures.push(e),
            Ok(out) if out.status.success() => {
                created_branches += 1;
                let rm = vec![os("-y"), os("rm"), os("--"), name.clone()];
                match fuzz.check(&rm, Expect::Any) {
                    Ok(out) if out.status.success() => {}
                    Ok(out) => failures.push(format!(
                        "stagdb --store {} {rm:?}: could not remove a branch it had just created \
                         with {args:?} (exit {:?}): {}\n  replay the run: STAGDB_FUZZ_SEED={seed} cargo test --test fuzz -- --nocapture",
                        s.dataset,
                        out.status.code(),
                        String::from_utf8_lossy(&out.stderr)
                    )),
                    Err(e) => failures.push(e),
                }
            }
            Ok(_) => {}
        }
    }
    for _ in 0..100 {
        // snapshot --name X on a branch.
        let name = random_arg(&mut rng, &known);
        let fresh = valid_snapshot(&name)
            && !utf8(&name).is_some_and(|n| n == "snap1" || created_snapshots.contains(n));
        if fresh && created_snapshots.len() >= SNAPSHOT_BUDGET {
            continue;
        }
        let expect = if valid_snapshot(&name) {
            Expect::Any
        } else {
            Expect::Usage
        };
        let mut n = os("--name=");
        n.push(&name);
        let args = vec![os("snapshot"), n, os("--"), os("extra")];
        match fuzz.check(&args, expect) {
            Err(e) => failures.push(e),
            Ok(out) if out.status.success() => {
                created_snapshots.insert(utf8(&name).unwrap().to_string());
            }
            Ok(_) => {}
        }
    }
    let phase2_took = started.elapsed() - setup - phase1_took;

    // Afterwards: only what stagdb would have made.
    let branches = branch_names(&s);
    assert_eq!(
        branches,
        existing,
        "the store's branches changed (seed {seed}); failures so far:\n{}",
        failures.join("\n")
    );
    let expected_fs: BTreeSet<String> = std::iter::once(s.dataset.clone())
        .chain(
            branches
                .iter()
                .map(|b| format!("{}/{}", s.dataset, names::dataset_component(b))),
        )
        .collect();
    let mut expected_snaps: BTreeSet<String> = initial_zfs
        .iter()
        .filter(|n| n.contains('@'))
        .cloned()
        .collect();
    for snap in &created_snapshots {
        expected_snaps.insert(format!("{}/extra@{snap}", s.dataset));
    }
    for name in zfs_names(&s.dataset) {
        let ok = match name.split_once('@') {
            None => expected_fs.contains(&name),
            Some((fs, snap)) => {
                expected_fs.contains(fs)
                    && names::validate_snapshot_name(snap).is_ok()
                    && expected_snaps.contains(&name)
            }
        };
        if !ok {
            failures.push(format!(
                "ZFS holds {name:?}, which stagdb would not have left (seed {seed})"
            ));
        }
    }
    for name in &expected_fs {
        if !zfs_names(&s.dataset).contains(name) {
            failures.push(format!("dataset {name} is gone (seed {seed})"));
        }
    }
    let prefix = names::container_prefix_for_store(&s.dataset);
    let labelled = sh(Command::new("docker").args([
        "ps",
        "-a",
        "--filter",
        &format!("label=io.stagdb.store={}", s.dataset),
        "--format",
        "{{.Names}}\t{{.Label \"io.stagdb.branch\"}}",
    ]));
    for line in labelled.lines() {
        let (container, branch) = line.split_once('\t').unwrap_or((line, ""));
        if !branches.contains(branch) || container != names::container_name(&prefix, branch) {
            failures.push(format!(
                "container {container:?} (branch label {branch:?}) has no branch in the store (seed {seed})"
            ));
        }
    }
    let named = sh(Command::new("docker").args([
        "ps",
        "-a",
        "--filter",
        &format!("name={prefix}"),
        "--format",
        "{{.Names}}",
    ]));
    for container in named.lines() {
        if !branches
            .iter()
            .any(|b| names::container_name(&prefix, b) == container)
        {
            failures.push(format!(
                "container {container:?} is named like this store's but belongs to no branch (seed {seed})"
            ));
        }
    }
    let status = s.json(&["status"]);
    if status["problems"].as_array().is_none_or(|p| !p.is_empty()) {
        failures.push(format!(
            "status reports problems: {} (seed {seed})",
            status["problems"]
        ));
    }

    let runs = fuzz.runs.load(std::sync::atomic::Ordering::Relaxed);
    eprintln!(
        "fuzz seed {seed}: {runs} stagdb runs ({count} read-only in {:.1}s, the rest in {:.1}s; \
         exit codes 0/1/2: {}/{}/{}; {created_branches} branches and {} snapshots created), \
         setup {:.1}s, total {:.1}s",
        phase1_took.as_secs_f64(),
        phase2_took.as_secs_f64(),
        fuzz.codes[0].load(std::sync::atomic::Ordering::Relaxed),
        fuzz.codes[1].load(std::sync::atomic::Ordering::Relaxed),
        fuzz.codes[2].load(std::sync::atomic::Ordering::Relaxed),
        created_snapshots.len(),
        setup.as_secs_f64(),
        started.elapsed().as_secs_f64()
    );
    assert!(
        failures.is_empty(),
        "{} fuzz failure(s) with seed {seed}:\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}
