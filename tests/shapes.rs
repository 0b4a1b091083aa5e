//! Snapshots (insta) of every `--json` shape and of human output, so that
//! "fields are only ever added" is checked: a renamed or removed field, or a
//! changed type, shows up as a snapshot diff. Values that vary from run to
//! run (ports, times, sizes, versions, ids) are reduced to their types in
//! the shapes and filtered out of the human output.
//! Update with: INSTA_UPDATE=always cargo test --test shapes

mod common;

use std::process::Output;

use common::TestStore;
use serde_json::Value;

/// A JSON value's shape: objects keep their keys, everything else becomes
/// its type; an array shows the union of its elements' shapes once.
fn shape(v: &Value) -> Value {
    match v {
        Value::Null => Value::String("null".into()),
        Value::Bool(_) => Value::String("bool".into()),
        Value::Number(_) => Value::String("number".into()),
        Value::String(_) => Value::String("string".into()),
        Value::Array(a) => {
            let mut merged = serde_json::Map::new();
            let mut scalar: Option<Value> = None;
            for e in a {
                match shape(e) {
                    Value::Object(o) => {
                        for (k, v) in o {
                            // A field that is null in one element and set in
                            // another is "T|null".
                            match merged.get(&k) {
                                Some(old) if old != &v => {
                                    let mut parts = vec![old.to_string(), v.to_string()];
                                    parts.sort();
                                    parts.dedup();
                                    merged
                                        .insert(k, Value::String(parts.join("|").replace('"', "")));
                                }
                                _ => {
                                    merged.insert(k, v);
                                }
                            }
                        }
                    }
                    other => scalar = Some(other),
                }
            }
            match scalar {
                _ if !merged.is_empty() => Value::Array(vec![Value::Object(merged)]),
                Some(s) => Value::Array(vec![s]),
                None => Value::Array(vec![]),
            }
        }
        Value::Object(o) => Value::Object(o.iter().map(|(k, v)| (k.clone(), shape(v))).collect()),
    }
}

fn json_shape(s: &TestStore, args: &[&str]) -> String {
    serde_json::to_string_pretty(&shape(&s.json(args))).unwrap()
}

/// Exit code, stdout and stderr of a run, as jj's tests show them.
fn transcript(out: &Output) -> String {
    format!(
        "exit: {}\n--- stdout\n{}--- stderr\n{}",
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

fn filtered<F: FnOnce()>(s: &TestStore, f: F) {
    let mut settings = insta::Settings::clone_current();
    settings.add_filter(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z", "[RFC3339]");
    settings.add_filter(r"stagdb-[a-z0-9-]+-[0-9a-f]{8}-", "[CONTAINER]-");
    settings.add_filter(&regex_escape(&s.dataset), "[STORE]");
    settings.add_filter(r"\b\d{4,5}\b", "[PORT]");
    settings.add_filter(r"\d+(\.\d+)? (B|KiB|MiB|GiB|TiB)", "[SIZE]");
    settings.add_filter(r"engine \S+, API \S+", "engine [VERSION]");
    settings.add_filter(r"zfs: +ok .*", "zfs:       ok [VERSION]");
    settings.add_filter(r"pid \d+", "pid [PID]");
    settings.add_filter(r"\d{8}-\d{6}(-\d+)?", "[TIME]");
    settings.add_filter(r"/run/lock/stagdb|/tmp/stagdb-locks-\d+", "[LOCKDIR]");
    settings.bind(f);
}

fn regex_escape(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' {
                c.to_string()
            } else {
                format!("\\{c}")
            }
        })
        .collect()
}

#[test]
fn json_shapes_and_human_output() {
    let s = TestStore::new("shapes", 43280);
    s.init(17);
    s.sql("main", "create table t(x int)");

    insta::assert_snapshot!(
        "branch_create",
        json_shape(&s, &["branch", "dev", "--ttl", "8h"])
    );
    insta::assert_snapshot!("branch_list", json_shape(&s, &["branch"]));
    insta::assert_snapshot!(
        "snapshot",
        json_shape(&s, &["snapshot", "dev", "-m", "msg"])
    );
    insta::assert_snapshot!("log", json_shape(&s, &["log", "dev"]));
    insta::assert_snapshot!("url", json_shape(&s, &["url", "dev"]));
    insta::assert_snapshot!("env", json_shape(&s, &["env", "dev"]));
    insta::assert_snapshot!("status", json_shape(&s, &["status"]));
    insta::assert_snapshot!("protect", json_shape(&s, &["protect", "dev"]));
    s.ok(&["unprotect", "dev"]);
    insta::assert_snapshot!("checkout", json_shape(&s, &["checkout", "dev"]));
    insta::assert_snapshot!("checkout_back", json_shape(&s, &["checkout", "main"]));
    insta::assert_snapshot!("stop", json_shape(&s, &["stop", "dev"]));
    insta::assert_snapshot!("start", json_shape(&s, &["start", "dev"]));
    insta::assert_snapshot!("reset", json_shape(&s, &["-y", "reset", "dev"]));
    insta::assert_snapshot!("gc", json_shape(&s, &["gc", "--dry-run"]));
    insta::assert_snapshot!("doctor", json_shape(&s, &["doctor"]));
    insta::assert_snapshot!("config", json_shape(&s, &["config"]));
    s.ok(&[
        "config", "limits", "--branch", "dev", "--memory", "256m", "--cpus", "1",
    ]);
    insta::assert_snapshot!(
        "config_limits",
        json_shape(&s, &["config", "limits", "--branch", "dev"])
    );
    insta::assert_snapshot!("rename", json_shape(&s, &["branch", "-m", "dev", "dev2"]));
    s.ok(&["branch", "-m", "dev2", "dev"]);
    {
        // The store's network, for compose and show; removed again.
        let net = format!("stagdb-test-shapes-{}", std::process::id());
        insta::assert_snapshot!(
            "config_network",
            json_shape(&s, &["config", "network", &net])
        );
        insta::assert_snapshot!("compose", json_shape(&s, &["compose", "dev"]));
        insta::assert_snapshot!("show_on_network", json_shape(&s, &["show", "dev"]));
        s.ok(&["config", "network", "--unset"]);
        let _ = std::process::Command::new("docker")
            .args(["network", "rm", &net])
            .output();
    }

    // A problem with a fix, in status and doctor, human and JSON.
    s.ok(&["stop", "main"]);
    insta::assert_snapshot!("status_with_problem", json_shape(&s, &["status"]));
    let doctor = s.run(&["--json", "doctor"]);
    let v: Value = serde_json::from_slice(&doctor.stdout).unwrap();
    insta::assert_snapshot!(
        "doctor_with_problem",
        serde_json::to_string_pretty(&shape(&v)).unwrap()
    );
    filtered(&s, || {
        insta::assert_snapshot!("status_human", transcript(&s.run(&["status"])));
        insta::assert_snapshot!("doctor_human", transcript(&s.run(&["doctor"])));
        insta::assert_snapshot!("doctor_fix_human", transcript(&s.run(&["doctor", "--fix"])));
        insta::assert_snapshot!("rm_head_refused", transcript(&s.run(&["-y", "rm", "main"])));
        insta::assert_snapshot!("branch_typo", transcript(&s.run(&["url", "dvv"])));
    });
    insta::assert_snapshot!("rm", json_shape(&s, &["-y", "rm", "dev"]));

    // Data in and out: main exported to a file, imported, refreshed from it.
    // No digits in the path: the snapshots must not depend on a pid.
    let dir = std::env::temp_dir().join("stagdb-shapes-dumps");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let dump = dir.join("main.dump");
    let dump = dump.to_str().unwrap();
    s.ok(&["export", "main", "-o", dump]);
    insta::assert_snapshot!(
        "import_dry_run",
        json_shape(&s, &["import", "--dry-run", dump, "shop"])
    );
    insta::assert_snapshot!("import", json_shape(&s, &["import", dump, "shop"]));
    insta::assert_snapshot!("refresh", json_shape(&s, &["refresh", "shop"]));
    insta::assert_snapshot!("log_after_refresh", json_shape(&s, &["log", "shop"]));
    insta::assert_snapshot!("show_branch", json_shape(&s, &["show", "shop"]));
    insta::assert_snapshot!("log_graph", json_shape(&s, &["log", "--graph", "--all"]));
    let newest = s.json(&["log", "shop"])[0]["ref"]
        .as_str()
        .unwrap()
        .to_string();
    insta::assert_snapshot!("show_snapshot", json_shape(&s, &["show", &newest]));
    filtered(&s, || {
        let mut settings = insta::Settings::clone_current();
        settings.add_filter(&regex_escape(dump), "[DUMP]");
        // The default parallelism is the machine's CPU count.
        settings.add_filter(r"-j \d+", "-j [N]");
        settings.add_filter(r"\d+ jobs?\b", "[N] jobs");
        settings.bind(|| {
            insta::assert_snapshot!(
                "import_dry_run_human",
                transcript(&s.run(&["import", "--dry-run", dump, "shop2"]))
            );
            insta::assert_snapshot!("show_human", transcript(&s.run(&["show", "main"])));
            insta::assert_snapshot!(
                "log_graph_human",
                transcript(&s.run(&["log", "--graph", "--all"]))
            );
            insta::assert_snapshot!(
                "import_exists",
                transcript(&s.run(&["import", dump, "shop"]))
            );
        });
    });
    std::fs::remove_dir_all(&dir).unwrap();
}

/// `reset --preserve-as` and `branch --from-time` (issue 21).
#[test]
fn json_shapes_of_preserve_and_from_time() {
    let s = TestStore::new("shapes-preserve", 47327);
    s.init(15);
    s.ok(&["branch", "dev"]);
    s.ok(&["snapshot", "--name", "s", "dev"]);
    insta::assert_snapshot!(
        "reset_preserve_as",
        json_shape(
            &s,
            &["-y", "reset", "dev", "--preserve-as", "kept", "--start"]
        )
    );
    insta::assert_snapshot!(
        "branch_from_time",
        json_shape(&s, &["branch", "then", "--from-time", "now", "--of", "dev"])
    );
}
