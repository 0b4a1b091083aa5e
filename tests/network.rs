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

/// `stagdb init --dataset DS --network NET` in the test environment.
fn init_on_network(dataset: &str, base: u16, net: &str) -> std::process::Output {
    Command::new(common::bin())
        .args(["init", "--dataset", dataset, "--pg-version", "17"])
        .args(["--image", &common::image_template()])
        .args(["--ports", &format!("{base}-{}", base + 19)])
        .args(["--head-port", &(base - 1).to_string()])
        .args(["--network", net])
        .env("STAGDB_CONFIG", "/nonexistent/stagdb-test-config.toml")
        .env("NO_COLOR", "1")
        .stdin(std::process::Stdio::null())
        .output()
        .expect("run stagdb init")
}

/// Issue 17, item 15: one store per network (refused at `init --network`
/// and `config network`, naming the store that has it); a move says which
/// branches' open connections it closed (checked against a real open
/// session); networks stagdb makes are labelled with their store, removed
/// when the store leaves them, and `gc` removes one of its own left
/// behind. Compose
/// service names follow compose's rule (item 16).
#[test]
fn one_store_per_network_and_moves_say_what_they_closed() {
    use std::io::{BufRead, Write};
    let a = TestStore::new("h5-net-a", 46820);
    let b = TestStore::new("h5-net-b", 46860);
    let c = TestStore::new("h5-net-c", 46900);
    let pid = std::process::id();
    let n1 = Net(format!("h5-net1-{pid}"));
    let n2 = Net(format!("h5-net2-{pid}"));
    let left = Net(format!("h5-left-{pid}"));
    let (n1s, n2s) = (n1.0.as_str(), n2.0.as_str());
    a.init(17);
    b.init(17);
    a.ok(&["config", "network", n1s]);
    let (_, label, _) = sh(&format!(
        "docker network inspect -f '{{{{index .Labels \"io.stagdb.network\"}}}}' {n1s}"
    ));
    assert_eq!(label, a.dataset, "labelled with its store");

    // Another store may not join it, by config or by init.
    let err = b.fails(&["config", "network", n1s], 2);
    assert!(
        err.contains(&format!("is the network of store {}", a.dataset)),
        "{err}"
    );
    assert!(b.json(&["config"])["network"].is_null(), "unchanged");
    let out = init_on_network(&c.dataset, c.low, n1s);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains(&format!("store {}", a.dataset)), "{err}");
    assert!(!sh(&format!("zfs list {}", c.dataset)).0, "no store made");

    // A branch made on the network is on it alone: its port goes through
    // it. A session open on that port when the store moves is closed, and
    // the move says so; main (on the default bridge too) keeps its port's.
    a.ok(&["branch", "side"]);
    let url = a.ok(&["url", "side"]).trim().to_string();
    let mut psql = Command::new("psql")
        .args(["-X", "-A", "-t", "-d", &url])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("run psql");
    let mut to = psql.stdin.take().unwrap();
    let mut from = std::io::BufReader::new(psql.stdout.take().unwrap());
    writeln!(to, "select 'open';").unwrap();
    let mut line = String::new();
    from.read_line(&mut line).unwrap();
    assert_eq!(line.trim(), "open");
    let moved = a.run(&["config", "network", n2s]);
    let said = String::from_utf8_lossy(&moved.stderr);
    assert!(moved.status.success(), "{said}");
    assert!(
        said.contains(&format!(
            "branch 'side': connections open through network '{n1s}' and through its ports were closed"
        )),
        "{said}"
    );
    assert!(
        said.contains(&format!(
            "branch 'main': connections open through network '{n1s}' were closed"
        )),
        "{said}"
    );
    writeln!(to, "select 'still';").unwrap();
    drop(to);
    let out = psql.wait_with_output().unwrap();
    let mut rest = String::new();
    let _ = std::io::Read::read_to_string(&mut from, &mut rest);
    assert!(
        !rest.contains("still"),
        "the session was really closed: {rest}"
    );
    assert!(!out.status.success(), "{out:?}");

    // The network it left was stagdb's, for this store, and empty: gone;
    // so another store may have it now.
    assert!(
        said.contains(&format!("removed Docker network '{n1s}'")),
        "{said}"
    );
    assert!(!sh(&format!("docker network inspect {n1s}")).0);
    b.ok(&["config", "network", n1s]);

    // gc removes a network stagdb made for the store and left behind (an
    // application was on it at the move), not one a store uses, another
    // store's, nor one stagdb did not make.
    assert!(
        sh(&format!(
            "docker network create --label io.stagdb.network={} {}",
            a.dataset, left.0
        ))
        .0
    );
    let theirs = Net(format!("h5-theirs-{pid}"));
    assert!(
        sh(&format!(
            "docker network create --label io.stagdb.network=stagdbtest/t-h5-gone-{pid} {}",
            theirs.0
        ))
        .0
    );
    let unlabelled = Net(format!("h5-mine-{pid}"));
    assert!(sh(&format!("docker network create {}", unlabelled.0)).0);
    let dry = a.json(&["gc", "--dry-run"]);
    assert!(
        dry["removed_networks"]
            .as_array()
            .unwrap()
            .contains(&left.0.as_str().into()),
        "{dry}"
    );
    assert!(
        sh(&format!("docker network inspect {}", left.0)).0,
        "dry run"
    );
    let gc = a.json(&["gc"]);
    let removed = gc["removed_networks"].as_array().unwrap();
    assert!(removed.contains(&left.0.as_str().into()), "{gc}");
    for kept in [n1s, n2s, unlabelled.0.as_str(), theirs.0.as_str()] {
        assert!(!removed.contains(&kept.into()), "{kept}: {gc}");
        assert!(sh(&format!("docker network inspect {kept}")).0, "{kept}");
    }

    // Compose service names: compose's rule, refused where typed.
    for bad in ["my worker", "--service=-app", "a:b", "é"] {
        let arg = if bad.starts_with("--") {
            bad.to_string()
        } else {
            format!("--service={bad}")
        };
        let err = a.fails(&["compose", &arg], 2);
        assert!(err.contains("invalid service name"), "{bad}: {err}");
    }
    let y = a.ok(&["compose", "-s", "app", "-s", "web.1"]);
    assert!(y.contains("\"web.1\":"), "{y}");
}
