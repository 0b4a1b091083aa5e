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
