//! `stagdb diff`: schema differences between branches and snapshots, with
//! running branches read over their port and snapshots / stopped branches
//! through temporary clones that are gone afterwards.

mod common;

use std::process::Command;

use common::TestStore;

fn datasets(s: &TestStore) -> Vec<String> {
    let o = Command::new("zfs")
        .args(["list", "-H", "-r", "-t", "all", "-o", "name", &s.dataset])
        .output()
        .unwrap();
    String::from_utf8_lossy(&o.stdout)
        .lines()
        .map(str::to_string)
        .collect()
}

fn jobs(s: &TestStore) -> String {
    let o = Command::new("docker")
        .args([
            "ps",
            "-aq",
            "--filter",
            &format!("label=io.stagdb.store={}", s.dataset),
            "--filter",
            "label=io.stagdb.job",
        ])
        .output()
        .unwrap();
    String::from_utf8_lossy(&o.stdout).trim().to_string()
}

#[test]
fn schema_diff_and_stat_between_refs() {
    let s = TestStore::new("diff", 44440);
    s.init(15);
    s.sql(
        "main",
        "create table t(x int primary key); insert into t select generate_series(1, 100); analyze t",
    );
    s.ok(&["snapshot", "main", "--name", "base"]);
    s.ok(&["branch", "feat", "main@base"]);
    s.sql(
        "feat",
        "alter table t add column y text; create index t_y on t(y); \
         create table u(id bigint); insert into t select generate_series(101, 150); analyze",
    );

    // Against its branch point by default, as a unified diff a -> b.
    let d = s.ok(&["diff", "feat"]);
    assert!(
        d.contains("--- a/main@base") && d.contains("+++ b/feat"),
        "{d}"
    );
    assert!(d.contains("+    y text"), "{d}");
    assert!(d.contains("+CREATE TABLE public.u ("), "{d}");
    assert!(
        d.contains("+CREATE INDEX t_y ON public.t USING btree (y);"),
        "{d}"
    );
    assert!(!d.contains("\\restrict") && !d.contains("-- Dumped"), "{d}");
    let err = s.fails(&["diff", "feat", "--exit-code"], 1);
    assert!(err.contains("differ") && !err.contains("error:"), "{err}");

    // Identical sides: no diff, exit 0 even with --exit-code.
    let out = s.run(&["diff", "main", "main@base", "--exit-code"]);
    assert!(out.status.success());
    assert!(out.stdout.is_empty());
    assert!(String::from_utf8_lossy(&out.stderr).contains("identical"));

    // Rows and sizes per table.
    let st = s.ok(&["diff", "feat", "main", "--stat"]);
    assert!(st.contains("public.t  rows 100 -> 150 (+50)"), "{st}");
    assert!(
        st.contains("public.u  rows") && st.contains("(new table)"),
        "{st}"
    );

    // A snapshot against a stopped branch: both through temporary clones,
    // gone afterwards, as are the jobs.
    s.ok(&["snapshot", "feat", "--name", "s1"]);
    s.sql("feat", "drop table u");
    s.ok(&["stop", "feat"]);
    let before = datasets(&s);
    let d = s.ok(&["diff", "feat", "feat@s1"]);
    assert!(
        d.contains("--- a/feat@s1") && d.contains("+++ b/feat"),
        "{d}"
    );
    assert!(d.contains("-CREATE TABLE public.u ("), "{d}");
    assert_eq!(datasets(&s), before, "temporaries left behind");
    assert_eq!(jobs(&s), "", "job containers left behind");

    let j = s.json(&["diff", "feat@s1"]);
    assert_eq!(j["from"], "main@base");
    assert_eq!(j["to"], "feat@s1");
    assert_eq!(j["identical"], false);
    assert!(j["diff"].as_str().unwrap().contains("+    y text"));
    assert!(
        j["tables"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t["table"] == "public.u")
    );

    // A root has no branch point: say what to do instead.
    let err = s.fails(&["diff", "main"], 1);
    assert!(
        err.contains("no parent") && err.contains("stagdb diff main OTHER_REF"),
        "{err}"
    );
    let err = s.fails(&["diff", "feat", "nope"], 1);
    assert!(err.contains("nope"), "{err}");
}
