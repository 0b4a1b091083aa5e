//! `stagdb branch -m`: rename a branch, HEAD following, data, lineage and
//! port unchanged, a running branch running again under its new name.

mod common;

use common::TestStore;

/// (name, head, state) of every branch.
fn names(s: &TestStore) -> Vec<(String, bool, String)> {
    s.branch_rows()
        .into_iter()
        .map(|(name, state, head)| (name, head, state))
        .collect()
}

#[test]
fn rename_branches_like_git() {
    let s = TestStore::new("rename", 44560);
    s.init(15);
    s.sql("main", "create table t(x int); insert into t values (42)");
    let port = s.json(&["show", "main"])["port"].as_u64().unwrap();
    s.ok(&["branch", "child"]);

    // A running branch made from it keeps its clone busy: refused with
    // what to do, nothing changed.
    let err = s.fails(&["branch", "-m", "main", "trunk"], 1);
    assert!(err.contains("stagdb stop child"), "{err}");
    assert!(names(&s).contains(&("main".into(), true, "running".into())));
    let d = s.run(&["doctor"]);
    assert!(d.status.success(), "{}", String::from_utf8_lossy(&d.stderr));
    s.ok(&["stop", "child"]);
    s.ok(&["branch", "-m", "main", "trunk"]);
    let list = names(&s);
    assert!(
        list.contains(&("trunk".into(), true, "running".into())),
        "{list:?}"
    );
    assert!(!list.iter().any(|b| b.0 == "main"), "{list:?}");
    assert_eq!(s.sql("trunk", "select x from t"), "42");
    assert_eq!(s.sql_head_port("select x from t"), "42");
    let shown = s.json(&["show", "trunk"]);
    assert_eq!(shown["port"].as_u64(), Some(port), "same port");
    assert_eq!(shown["dataset"], format!("{}/trunk", s.dataset));
    assert!(
        shown["container"].as_str().unwrap().ends_with("-trunk"),
        "{shown}"
    );
    let child = s.json(&["show", "child"]);
    assert!(
        child["parent"].as_str().unwrap().starts_with("trunk@"),
        "{child}"
    );
    assert!(s.ok(&["log", "child"]).contains("trunk@"));

    // A stopped branch stays stopped; `-m NEW` renames HEAD.
    s.ok(&["stop", "child"]);
    let j = s.json(&["branch", "-m", "child", "feature/kid"]);
    assert_eq!(j["running"], false);
    assert_eq!(j["to"], "feature/kid");
    s.ok(&["branch", "-m", "stem"]);
    let list = names(&s);
    assert!(
        list.contains(&("stem".into(), true, "running".into())),
        "{list:?}"
    );
    assert!(
        list.contains(&("feature/kid".into(), false, "stopped".into())),
        "{list:?}"
    );
    s.ok(&["start", "feature/kid"]);
    assert_eq!(s.sql("feature/kid", "select x from t"), "42");

    // Refusals.
    let err = s.fails(&["branch", "-m", "stem", "feature/kid"], 1);
    assert!(err.contains("already exists"), "{err}");
    s.fails(&["branch", "-m", "stem", "a..b"], 2);
    let err = s.fails(&["branch", "-m", "stem", "HEAD"], 2);
    assert!(err.contains("reserved"), "{err}");
    s.fails(&["branch", "-m", "nope", "x"], 1);
    s.fails(&["branch", "-m", "stem", "x", "--no-start"], 2);

    let d = s.run(&["doctor"]);
    assert!(d.status.success(), "{}", String::from_utf8_lossy(&d.stderr));
}

/// One length rule for every way a branch name comes in (issue 17, item
/// 14): a name whose dataset would leave no room for the suffixes stagdb
/// adds is refused by `branch`, `branch -m` and `checkout -b` with one
/// message; a name at the maximum goes through everything that derives
/// names from it (snapshot, branch, reset, export of the reset data).
#[test]
fn too_long_names_are_refused_alike_and_the_longest_round_trips() {
    let s = TestStore::new("h5-longname", 46620);
    s.init(17);
    // ZFS's 255, less "STORE/", less the longest suffix (`:g` and 13
    // digits, then `@export-PID-START` with 7 + 20 digits).
    let max = 255 - 51 - (s.dataset.len() + 1);
    assert!(max < 200, "{max}");
    for len in [200, max + 1] {
        let long = "n".repeat(len);
        let made = s.fails(&["branch", &long, "--no-start"], 2);
        assert!(
            made.contains(&format!("the maximum in store {} is {max}", s.dataset)),
            "{made}"
        );
        let renamed = s.fails(&["branch", "-m", "main", &long], 2);
        assert_eq!(renamed, made, "branch -m and branch say the same");
        let checked_out = s.fails(&["checkout", "-b", &long], 2);
        assert_eq!(checked_out, made, "checkout -b and branch say the same");
    }
    assert_eq!(names(&s).len(), 1, "nothing made or renamed");

    // At the maximum: made by a rename, and everything after works.
    let top = "m".repeat(max);
    s.ok(&["branch", "scratch"]);
    s.ok(&["stop", "scratch"]);
    s.ok(&["branch", "-m", "scratch", &top]);
    s.ok(&["start", &top]);
    s.sql(&top, "create table t(x int); insert into t values (1)");
    s.ok(&["snapshot", &top, "--name", "one"]);
    s.sql(&top, "insert into t values (2)");
    s.ok(&["snapshot", &top]);
    s.ok(&["branch", "kid", &format!("{top}@one")]);
    assert_eq!(s.sql("kid", "select count(*) from t"), "1");
    s.ok(&["branch", "kid2", &top]);
    assert_eq!(s.sql("kid2", "select count(*) from t"), "2");
    s.ok(&["--yes", "rm", "kid2"]);
    s.ok(&["--yes", "reset", &top, "--to", &format!("{top}@one")]);
    assert_eq!(s.sql(&top, "select count(*) from t"), "1");
    // The reset data lives at `NAME:gMILLIS`; a stopped branch is exported
    // through a snapshot of it, the longest name stagdb makes.
    s.ok(&["stop", &top]);
    let dir = std::env::temp_dir().join(format!("stagdb-h5-longname-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("top.sql");
    s.ok(&[
        "export",
        &top,
        "--format",
        "plain",
        "-o",
        file.to_str().unwrap(),
    ]);
    let sql = std::fs::read_to_string(&file).unwrap_or_default();
    let _ = std::fs::remove_dir_all(&dir);
    assert!(sql.contains("CREATE TABLE public.t"), "{sql}");
    s.ok(&["snapshot", &top]);
    s.ok(&["stop", "kid"]);
    s.ok(&["branch", "-m", &top, "short"]);
    assert!(names(&s).iter().any(|b| b.0 == "short"));
}

/// zfs rename remounts every dependent, clones of clones too (issue 18,
/// point 7): a running grandchild is refused up front, like a child.
#[test]
fn h10_rename_refuses_a_running_grandchild() {
    let s = TestStore::new("h10-grandchild", 47921);
    s.init(15);
    s.ok(&["branch", "child"]);
    s.ok(&["branch", "grand", "child"]);
    s.ok(&["stop", "child"]);
    let err = s.fails(&["branch", "-m", "main", "trunk"], 1);
    assert!(err.contains("stagdb stop grand"), "{err}");
    assert!(!err.contains("stop child"), "{err}");
    assert!(names(&s).contains(&("main".into(), true, "running".into())));
    assert!(names(&s).contains(&("grand".into(), false, "running".into())));
    s.ok(&["stop", "grand"]);
    s.ok(&["branch", "-m", "main", "trunk"]);
    s.ok(&["start", "grand"]);
    assert_eq!(s.sql("grand", "select 1"), "1");
    assert_eq!(s.sql("trunk", "select 1"), "1");
}
