//! Lifetimes: branches with a TTL or an expiry time are collected by `gc`
//! once expired, unless protected, HEAD, or the parent of a living branch;
//! `gc` also takes unused branch points and half-made branches.

mod common;

use std::process::Command;

use common::TestStore;

fn names(s: &TestStore) -> Vec<String> {
    let mut v: Vec<String> = s
        .json(&["branch"])
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["name"].as_str().unwrap().to_string())
        .collect();
    v.sort();
    v
}

#[test]
fn gc_collects_expired_branches_and_leftovers() {
    let s = TestStore::new("lifetimes", 43240);
    s.init(17);
    s.ok(&["branch", "short", "--ttl", "1s", "--no-start"]);
    s.ok(&["branch", "kept", "--ttl", "1s", "--no-start"]);
    s.ok(&["protect", "kept"]);
    s.ok(&["branch", "parent", "--ttl", "1s", "--no-start"]);
    s.ok(&[
        "branch",
        "child",
        "parent",
        "--expires-at",
        "2999-01-01",
        "--no-start",
    ]);
    s.ok(&["branch", "later", "--ttl", "8h"]);
    let rows = s.json(&["branch"]);
    let later = rows
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["name"] == "later")
        .unwrap();
    assert!(later["expires"].as_str().unwrap().ends_with('Z'), "{later}");
    let kept = rows
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["name"] == "kept")
        .unwrap();
    assert_eq!(kept["protected"], true);
    // A bad duration is a usage error.
    s.fails(&["branch", "x", "--ttl", "soon"], 2);
    s.fails(
        &["branch", "x", "--ttl", "1h", "--expires-at", "2999-01-01"],
        2,
    );
    std::thread::sleep(std::time::Duration::from_millis(2100));

    // Removing a protected branch is refused, by rm too.
    let err = s.fails(&["-y", "rm", "kept"], 1);
    assert!(err.contains("protected"), "{err}");

    let dry = s.json(&["gc", "--dry-run"]);
    assert_eq!(
        dry["removed_branches"],
        serde_json::json!(["short"]),
        "{dry:#}"
    );
    assert_eq!(names(&s).len(), 6, "dry run removed nothing");
    let done = s.json(&["gc"]);
    assert_eq!(
        done["removed_branches"],
        serde_json::json!(["short"]),
        "{done:#}"
    );
    // short's branch point went with it.
    assert_eq!(
        done["dropped_snapshots"].as_array().unwrap().len(),
        1,
        "{done:#}"
    );
    assert_eq!(names(&s), ["child", "kept", "later", "main", "parent"]);

    // Once the child is gone the expired parent goes too; unprotected, kept goes.
    s.ok(&["-y", "rm", "child"]);
    s.ok(&["unprotect", "kept"]);
    let done = s.json(&["gc"]);
    let mut removed: Vec<String> = done["removed_branches"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect();
    removed.sort();
    assert_eq!(removed, ["kept", "parent"]);
    assert_eq!(names(&s), ["later", "main"]);

    // A half-made branch (its creator killed) is collected; `branch` with the
    // same name after a crash finishes the job instead of failing.
    let ds = format!("{}/half", s.dataset);
    let snap = format!("{}/main@gcbase", s.dataset);
    assert!(
        Command::new("zfs")
            .args(["snapshot", &snap])
            .status()
            .unwrap()
            .success()
    );
    let dead = "creating pid=4294967295 start=1 running=0";
    assert!(
        Command::new("zfs")
            .args([
                "clone",
                "-o",
                "stagdb:branch=half",
                "-o",
                &format!("stagdb:state={dead}"),
                &snap,
                &ds,
            ])
            .status()
            .unwrap()
            .success()
    );
    let st = s.json(&["status"]);
    assert!(
        st["details"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["code"] == "half-made-branch"),
        "{st:#}"
    );
    let out = s.ok(&["branch", "half", "--no-start"]);
    assert!(out.contains("half") || out.contains("postgres"), "{out}");
    assert!(
        s.json(&["status"])["problems"]
            .as_array()
            .unwrap()
            .iter()
            .all(|p| !p.as_str().unwrap().contains("half"))
    );
    s.ok(&["-y", "rm", "half"]);
    assert!(
        Command::new("zfs")
            .args(["destroy", &snap])
            .status()
            .unwrap()
            .success()
    );
    let done = s.json(&["gc"]);
    assert_eq!(
        done["removed_branches"].as_array().unwrap().len(),
        0,
        "{done:#}"
    );
    assert!(
        s.json(&["status"])["problems"]
            .as_array()
            .unwrap()
            .is_empty()
    );
}

/// A past `--expires-at` would let the next `gc` remove the branch at once:
/// refused as a usage error that says so and what to give instead (issue
/// 17, item 16). A future one still works.
#[test]
fn expires_at_in_the_past_is_refused() {
    let s = TestStore::new("h5-past", 46660);
    s.init(17);
    for past in ["2020-01-01", "2020-01-01T10:00:00Z"] {
        let err = s.fails(&["branch", "gone", "--expires-at", past, "--no-start"], 2);
        assert!(err.contains("is in the past"), "{err}");
        assert!(err.contains("--ttl"), "{err}");
    }
    assert_eq!(names(&s), ["main"], "nothing made");
    s.ok(&["branch", "kept", "--expires-at", "2999-01-01", "--no-start"]);
    assert_eq!(names(&s), ["kept", "main"]);
}
