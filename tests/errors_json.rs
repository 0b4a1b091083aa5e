//! Usage errors exit 2, failed operations exit 1, with clear messages and
//! hints; --json output parses and has the documented fields.

mod common;

use common::TestStore;

#[test]
fn errors_and_json() {
    let s = TestStore::new("errors", 41220);
    s.init(17);
    s.ok(&["branch", "feature", "--no-start"]);

    // Bad names: usage errors (2) that say why.
    for (name, why) in [
        ("-x", "'-'"),
        ("a..b", "'..'"),
        ("x.lock", ".lock"),
        ("has space", "space"),
        ("a@b", "'@'"),
        ("HEAD", "reserved"),
    ] {
        let err = s.fails(&["branch", "--", name], 2);
        assert!(err.contains("error:") && err.contains(why), "{name}: {err}");
    }
    let err = s.fails(&["branch", "ctl\u{7}x"], 2);
    assert!(err.contains("control"), "{err}");

    // Unknown refs: failed operations (1) with a hint.
    let err = s.fails(&["url", "featur"], 1);
    assert!(
        err.contains("error: branch 'featur' does not exist"),
        "{err}"
    );
    assert!(err.contains("hint: did you mean 'feature'?"), "{err}");
    let err = s.fails(&["branch", "x", "main@nosuch"], 1);
    assert!(
        err.contains("snapshot 'main@nosuch' does not exist"),
        "{err}"
    );
    let err = s.fails(&["log", "nothere"], 1);
    assert!(err.contains("does not exist"), "{err}");
    let err = s.fails(&["branch", "feature"], 1);
    assert!(err.contains("already exists"), "{err}");
    // clap usage errors are 2 as well.
    s.fails(&["frobnicate"], 2);
    s.fails(&["branch", "-d"], 2);
    // A store that does not exist.
    let out = std::process::Command::new(common::bin())
        .args(["--store", &format!("{}/nope", common::pool()), "branch"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    // Init refuses an existing store and datasets it did not create.
    let err = String::from_utf8_lossy(
        &std::process::Command::new(common::bin())
            .args([
                "init",
                "--dataset",
                &s.dataset,
                "--image",
                &common::image_template(),
            ])
            .output()
            .unwrap()
            .stderr,
    )
    .to_string();
    assert!(err.contains("already exists"), "{err}");
    let foreign = format!("{}/foreign", s.dataset);
    assert!(
        std::process::Command::new("zfs")
            .args(["create", &foreign])
            .status()
            .unwrap()
            .success()
    );
    let out = std::process::Command::new(common::bin())
        .args([
            "init",
            "--dataset",
            &foreign,
            "--image",
            &common::image_template(),
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not created by stagdb"));
    // The foreign dataset is reported, never touched.
    let st = s.json(&["status"]);
    let problems = st["problems"].to_string();
    assert!(problems.contains("foreign"), "{st}");

    // --json everywhere data is printed.
    let rows = s.json(&["branch"]);
    let main = rows
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == "main")
        .unwrap();
    for key in [
        "name",
        "head",
        "state",
        "port",
        "pg_version",
        "parent",
        "used_bytes",
        "created",
        "dataset",
        "container",
    ] {
        assert!(main.get(key).is_some(), "branch --json lacks {key}: {main}");
    }
    assert_eq!(main["head"], true);
    assert_eq!(main["state"], "running");
    let feature = rows
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == "feature")
        .unwrap();
    assert_eq!(feature["state"], "stopped");
    assert!(feature["parent"].as_str().unwrap().starts_with("main@"));
    // A branch that was never written to costs (almost) nothing.
    assert!(
        feature["used_bytes"].as_u64().unwrap() < 1 << 20,
        "{feature}"
    );

    let snap = s.json(&["snapshot", "-m", "json snap"]);
    assert_eq!(snap["branch"], "main");
    assert_eq!(snap["message"], "json snap");
    let r = snap["ref"].as_str().unwrap().to_string();
    let log = s.json(&["log", "-n", "1"]);
    assert_eq!(log[0]["ref"], r.as_str());
    assert!(log[0]["created"].as_str().unwrap().ends_with('Z'));

    let url = s.json(&["url", "main"]);
    assert!(
        url["url"]
            .as_str()
            .unwrap()
            .starts_with("postgresql://postgres:")
    );
    let env = s.json(&["env", "main"]);
    assert_eq!(env["PGUSER"], "postgres");
    assert_eq!(env["PGPASSWORD"].as_str().unwrap().len(), 32);

    let st = s.json(&["status"]);
    assert_eq!(st["store"], s.dataset.as_str());
    assert_eq!(st["docker"]["reachable"], true);
    assert_eq!(st["branches"]["total"], 2);
    assert_eq!(st["pool"]["health"], "ONLINE");
    assert_eq!(st["branches"]["running"], 1);
    assert_eq!(st["branches"]["states_known"], true);
    // With the engine down, which branches run is unknown: said, not guessed.
    let out = s
        .cmd(&["--json", "status"])
        .env("DOCKER_HOST", "unix:///nonexistent/docker.sock")
        .output()
        .unwrap();
    assert!(out.status.success());
    let st: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(st["docker"]["reachable"], false);
    assert_eq!(st["branches"]["total"], 2);
    assert_eq!(st["branches"]["states_known"], false, "{st:#}");
    assert_eq!(st["details"][0]["code"], "docker-unreachable", "{st:#}");
    assert!(st["problems"].to_string().contains("unreachable"), "{st:#}");
    assert!(String::from_utf8_lossy(&out.stderr).is_empty());

    let created = s.json(&["branch", "second"]);
    assert_eq!(created["name"], "second");
    assert_eq!(created["started"], true);
    let rm = s.json(&["-y", "rm", "second", "feature"]);
    assert_eq!(rm["removed"].as_array().unwrap().len(), 2);

    // A readiness timeout fails clearly and leaves nothing behind.
    let err = s.fails(&["--timeout", "0", "branch", "slowpoke"], 1);
    assert!(err.contains("did not accept connections"), "{err}");
    assert!(err.contains("rolling back"), "{err}");
    s.fails(&["url", "slowpoke"], 1);

    // A server that dies while starting (here: PostgreSQL 15 on a 17 data
    // directory, from a store image without {major}) fails with its log.
    let set_image = |img: &str| {
        assert!(
            std::process::Command::new("zfs")
                .args(["set", &format!("stagdb:image={img}"), &s.dataset])
                .status()
                .unwrap()
                .success()
        )
    };
    set_image(&common::image_template().replace("{major}", "15"));
    let err = s.fails(&["branch", "mismatch"], 1);
    assert!(err.contains("stopped while starting"), "{err}");
    assert!(err.contains("container log"), "{err}");
    assert!(err.contains("incompatible"), "{err}");
    set_image(&common::image_template());
    s.fails(&["url", "mismatch"], 1);

    // A container whose dataset was destroyed behind stagdb's back is reported.
    s.ok(&["branch", "third"]);
    s.ok(&["stop", "third"]);
    let third = format!("{}/third", s.dataset);
    let destroyed = (0..40).any(|_| {
        let ok = std::process::Command::new("zfs")
            .args(["destroy", &third])
            .output()
            .unwrap()
            .status
            .success();
        if !ok {
            std::thread::sleep(std::time::Duration::from_millis(250));
        }
        ok
    });
    assert!(destroyed, "could not destroy {third}");
    let st = s.json(&["status"]);
    let problems = st["problems"].to_string();
    assert!(
        problems.contains("third") && problems.contains("dataset is gone"),
        "{st}"
    );
    let human = s.ok(&["status"]);
    assert!(human.contains("dataset is gone"), "{human}");
    // Leave the foreign dataset and the orphan container for cleanup (Drop).
}

#[test]
fn psql_runs_against_the_branch() {
    let s = TestStore::new("psql", 41260);
    s.init(17);
    let out = s.ok(&["psql", "main", "--", "-Atc", "SELECT 40 + 2"]);
    assert_eq!(out.trim(), "42");
}
