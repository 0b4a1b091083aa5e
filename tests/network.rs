//! Applications in containers: the store's Docker network, its aliases
//! (per branch, and `stagdb-head` following checkout), moving live with
//! `config network`, and a real docker compose project using
//! `stagdb compose`'s override.

mod common;

use std::process::Command;

use common::TestStore;

fn sh(cmd: &str) -> (bool, String, String) {
    let o = Command::new("sh").args(["-c", cmd]).output().unwrap();
    (
        o.status.success(),
        String::from_utf8_lossy(&o.stdout).trim().to_string(),
        String::from_utf8_lossy(&o.stderr).trim().to_string(),
    )
}

/// Asks `host:5432` on `net` which branch it is, from a container of the
/// test image (the way an application container would connect).
fn who(net: &str, host: &str, password: &str) -> String {
    let image = common::image_template().replace("{major}", "15");
    let (ok, out, err) = sh(&format!(
        "docker run --rm --network {net} -e PGPASSWORD={password} --entrypoint '' {image} \
         psql -h {host} -p 5432 -U postgres -d postgres -Atc 'select v from who'"
    ));
    assert!(ok, "psql to {host} on {net} failed: {err}");
    out
}

fn networks_of(container: &str) -> String {
    sh(&format!(
        "docker inspect -f '{{{{range $k, $v := .NetworkSettings.Networks}}}}{{{{$k}}}}={{{{join $v.Aliases \",\"}}}} {{{{end}}}}' {container}"
    ))
    .1
}

struct Net(String);

impl Drop for Net {
    fn drop(&mut self) {
        let _ = sh(&format!(
            "docker ps -aq --filter network={0} | xargs -r docker rm -f >/dev/null 2>&1; docker network rm {0} >/dev/null 2>&1",
            self.0
        ));
    }
}

#[test]
fn branches_on_the_store_network_and_compose() {
    let s = TestStore::new("network", 44400);
    let net = Net(format!("stagdb-test-net-{}", std::process::id()));
    let net_name = net.0.clone();
    s.init(15);
    s.sql(
        "main",
        "create table who(v text); insert into who values ('main')",
    );
    let password = s.json(&["env", "--format", "json"])["PGPASSWORD"]
        .as_str()
        .unwrap()
        .to_string();
    // Every branch has its own password.
    let pw = |b: &str| {
        s.json(&["env", b, "--format", "json"])["PGPASSWORD"]
            .as_str()
            .unwrap()
            .to_string()
    };

    // No network yet: compose says what to do.
    let err = s.fails(&["compose"], 1);
    assert!(err.contains("stagdb config network NAME"), "{err}");
    let err = s.fails(&["config", "network", "bad name"], 2);
    assert!(err.contains("bad name"), "{err}");
    for builtin in ["bridge", "host", "none"] {
        let err = s.fails(&["config", "network", builtin], 1);
        assert!(err.contains("user-defined"), "{err}");
    }
    assert!(s.json(&["config"])["network"].is_null(), "unchanged");
    // Tampered: every command says so and how to repair it with zfs.
    sh(&format!("zfs set stagdb:network='bad name' {}", s.dataset));
    let err = s.fails(&["branch"], 1);
    assert!(
        err.contains("damaged setting")
            && err.contains(&format!("zfs inherit stagdb:network {}", s.dataset)),
        "{err}"
    );
    sh(&format!("zfs inherit stagdb:network {}", s.dataset));
    let err = s.fails(&["init", "--dataset", "x/y", "--network=.net"], 2);
    assert!(err.contains("invalid --network"), "{err}");

    // Without a store network a branch that is not HEAD runs on the host's
    // network (no namespace to make), serving on its port all the same.
    s.ok(&["branch", "early"]);
    let container_of = |b: &str| s.shown(b, "container");
    let early = container_of("early");
    assert!(
        networks_of(&early).starts_with("host="),
        "{}",
        networks_of(&early)
    );
    assert_eq!(s.sql("early", "select v from who"), "main");

    // Moved live: main keeps running (and serving on its host port) while
    // it joins the new network as `main` and `stagdb-head`.
    let main_container = s.shown("main", "container");
    let c = s.json(&["config", "network", &net_name]);
    assert_eq!(c["network"], net_name.as_str());
    assert_eq!(s.ok(&["config", "network"]).trim(), net_name);
    let on = networks_of(&main_container);
    assert!(on.contains(&format!("{net_name}=")), "{on}");
    assert!(on.contains("main") && on.contains("stagdb-head"), "{on}");
    assert_eq!(
        s.json(&["show", "main"])["container"].as_str(),
        Some(main_container.as_str()),
        "not recreated"
    );
    assert_eq!(s.sql("main", "select v from who"), "main");
    assert_eq!(who(&net_name, "main", &password), "main");
    assert_eq!(who(&net_name, "stagdb-head", &password), "main");
    // One on the host's network cannot join another: it was made again.
    let moved = container_of("early");
    assert!(
        networks_of(&moved).contains(&format!("{net_name}=")),
        "{}",
        networks_of(&moved)
    );
    assert_eq!(who(&net_name, "early", &pw("early")), "main");
    assert_eq!(s.sql("early", "select v from who"), "main");
    assert!(s.ok(&["doctor"]).contains("problems:  none"));

    // A branch made now joins at creation, under an escaped alias.
    s.ok(&["branch", "feature/X"]);
    s.sql("feature/X", "update who set v = 'feature'");
    let shown = s.json(&["show", "feature/X"]);
    let alias = shown["network"]["aliases"][0].as_str().unwrap().to_string();
    assert!(alias.starts_with("feature-x-"), "{shown}");
    assert_eq!(who(&net_name, &alias, &pw("feature/X")), "feature");

    // HEAD's alias follows checkout.
    s.ok(&["checkout", "feature/X"]);
    assert_eq!(who(&net_name, "stagdb-head", &pw("feature/X")), "feature");
    assert_eq!(who(&net_name, "main", &password), "main");

    // A compose project: the override puts `app` on the network with
    // DATABASE_URL at HEAD (following) or at a pinned branch.
    let dir = std::env::temp_dir().join(format!("stagdb-compose-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let image = common::image_template().replace("{major}", "15");
    std::fs::write(
        dir.join("compose.yaml"),
        format!(
            "services:\n  app:\n    image: {image}\n    entrypoint: [\"sh\", \"-c\", \"psql \\\"$$DATABASE_URL\\\" -Atc 'select v from who'\"]\n"
        ),
    )
    .unwrap();
    let project = format!("stagdbtest{}", std::process::id());
    let run_app = |override_yaml: &str| -> String {
        std::fs::write(dir.join("override.yaml"), override_yaml).unwrap();
        let (ok, out, err) = sh(&format!(
            "cd {} && docker-compose -p {project} -f compose.yaml -f override.yaml run --rm -T app",
            dir.display()
        ));
        assert!(ok, "docker-compose run failed:\n{err}\n{override_yaml}");
        out.lines().last().unwrap_or("").to_string()
    };
    let following = s.ok(&["compose"]);
    assert!(following.contains("stagdb-head:5432"), "{following}");
    assert_eq!(run_app(&following), "feature");
    let pinned = s.ok(&["compose", "main", "--service", "app"]);
    assert!(pinned.contains("@main:5432"), "{pinned}");
    assert_eq!(run_app(&pinned), "main");
    let j = s.json(&["compose", "main"]);
    assert_eq!(j["host"], "main");
    assert_eq!(j["network"], net_name.as_str());
    let _ = sh(&format!(
        "cd {} && docker-compose -p {project} -f compose.yaml down >/dev/null 2>&1",
        dir.display()
    ));
    let _ = std::fs::remove_dir_all(&dir);

    // The network removed behind stagdb's back: the next start makes it
    // again and joins it.
    s.ok(&["stop", "--all"]);
    sh(&format!(
        "docker ps -aq --filter label=io.stagdb.store={} | xargs -r docker rm -f >/dev/null",
        s.dataset
    ));
    let (ok, _, err) = sh(&format!("docker network rm {net_name}"));
    assert!(ok, "{err}");
    let out = s.run(&["start", "main"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert!(err.contains("created Docker network"), "{err}");
    assert_eq!(who(&net_name, "main", &password), "main");
    s.ok(&["start", "feature/X"]);

    // Unset: back on the default bridge, still serving on the host.
    s.ok(&["config", "network", "--unset"]);
    let main_container = s.shown("main", "container");
    let on = networks_of(&main_container);
    assert!(!on.contains(&net_name), "{on}");
    assert!(on.contains("bridge"), "{on}");
    assert_eq!(s.sql("main", "select v from who"), "main");
    assert_eq!(s.sql("feature/X", "select v from who"), "feature");
    assert!(s.json(&["show", "main"])["network"].is_null());
    // And a branch started now is on no network of the store's: HEAD on a
    // namespace of its own (it serves two ports), the others on the host's.
    s.ok(&["restart", "early"]);
    assert!(networks_of(&container_of("early")).starts_with("host="));
    assert_eq!(s.sql("early", "select v from who"), "main");
    s.ok(&["restart", "main"]);
    let main_container = s.shown("main", "container");
    assert!(!networks_of(&main_container).contains(&net_name));
}
