//! Integration tests of `stagdb::docker` against the real Docker engine of this machine (see
//! scripts/testbed.sh). A missing engine or image is a failure, never a skip.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use anyhow::{Context, Result, bail, ensure};
use stagdb::docker::{self, ContainerSpec, Docker, PortBinding};

/// Label every test container carries; its value is unique per test run and test.
const LABEL: &str = "org.stagdb.test.docker-backend";

/// The PostgreSQL image the testbed builds (only its shell is used here).
fn test_image() -> String {
    std::env::var("STAGDB_TEST_IMAGE")
        .unwrap_or_else(|_| "stagdb-test/postgres:{major}".to_string())
        .replace("{major}", "17")
}

/// A unique name/label value per test: pid, time and a counter.
fn unique(test: &str) -> String {
    static N: AtomicU32 = AtomicU32::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    format!(
        "stagdb-test-dkb-{test}-{}-{nanos:x}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    )
}

/// Removes every container with this test's label when dropped, also when the test fails or panics.
struct Cleanup {
    value: String,
}

impl Drop for Cleanup {
    fn drop(&mut self) {
        let value = self.value.clone();
        // Drop cannot await and we may be inside the test's runtime: use a fresh runtime on a thread.
        let done = std::thread::spawn(move || -> Result<()> {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()?;
            rt.block_on(async {
                let d = Docker::connect(false).await?;
                for c in d.list_by_label(LABEL, &value).await? {
                    d.remove(&c.id, true).await?;
                }
                Ok(())
            })
        })
        .join();
        match done {
            Ok(Ok(())) => {}
            Ok(Err(e)) => eprintln!("cleanup of label {LABEL}={} failed: {e:#}", self.value),
            Err(_) => eprintln!("cleanup of label {LABEL}={} panicked", self.value),
        }
    }
}

/// A connection plus a unique name and label for one test, cleaned up on drop.
async fn setup(test: &str) -> Result<(Docker, String, Cleanup)> {
    let d = Docker::connect(true)
        .await
        .context("the Docker engine must be running for these tests (scripts/testbed.sh)")?;
    let image = test_image();
    ensure!(
        d.image_present(&image).await?,
        "test image {image} is missing: run scripts/testbed.sh"
    );
    let id = unique(test);
    Ok((d, id.clone(), Cleanup { value: id }))
}

fn spec(name: &str, label_value: &str, cmd: &[&str]) -> ContainerSpec {
    ContainerSpec {
        name: name.to_string(),
        image: test_image(),
        labels: BTreeMap::from([(LABEL.to_string(), label_value.to_string())]),
        cmd: cmd.iter().map(|s| s.to_string()).collect(),
        ..Default::default()
    }
}

fn free_port() -> Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

#[tokio::test]
async fn connect_negotiates_the_api_version() -> Result<()> {
    let d = Docker::connect(false)
        .await
        .context("the Docker engine must be running for these tests (scripts/testbed.sh)")?;
    let (engine, api) = d.server_version().await?;
    assert!(!engine.is_empty(), "empty engine version");
    let (major, minor) = api
        .split_once('.')
        .with_context(|| format!("API version {api:?} is not MAJOR.MINOR"))?;
    assert_eq!(major, "1", "API version {api}");
    assert!(minor.parse::<u32>()? >= 25, "API version {api} is too old");
    // A second call after negotiation works too (an un-negotiated client fails on old engines).
    d.list_by_label(LABEL, "nothing-has-this-label").await?;
    Ok(())
}

#[tokio::test]
async fn unreachable_engine_is_reported_as_such() -> Result<()> {
    let host = "unix:///nonexistent/stagdb-test/docker.sock";
    let err = Docker::connect_to(host, false)
        .await
        .err()
        .context("connecting to a missing socket succeeded")?;
    assert!(docker::is_unreachable(&err), "{err:#}");
    let msg = format!("{err:#}");
    assert!(
        msg.starts_with(&format!("cannot reach the Docker engine at {host}: ")),
        "{msg}"
    );

    // Nothing listens on a port we just freed: connecting makes no request,
    // the first call is refused.
    let host = format!("tcp://127.0.0.1:{}", free_port()?);
    let err = Docker::connect_to(&host, false)
        .await?
        .list_by_label("io.stagdb.store", "none")
        .await
        .err()
        .context("listing on a closed port succeeded")?;
    assert!(docker::is_unreachable(&err), "{err:#}");
    assert!(format!("{err}").contains(&host), "{err}");
    assert!(!docker::is_conflict(&err));
    Ok(())
}

#[tokio::test]
async fn container_lifecycle() -> Result<()> {
    let (d, id, _cleanup) = setup("life").await?;
    let port = free_port()?;
    let name = format!("{id}-main");
    let mut s = spec(
        &name,
        &id,
        // sh as PID 1 ignores SIGTERM unless trapped; exit 0 on it so stop is quick and clean.
        &[
            "sh",
            "-c",
            "trap 'exit 0' TERM; echo one; echo two >&2; sleep 0.5; echo three; echo ready; while :; do sleep 0.2; done",
        ],
    );
    s.env = vec!["STAGDB_TEST_SECRET=do-not-print".into()];
    s.ports = vec![PortBinding {
        host_ip: "127.0.0.1".into(),
        host_port: port,
        container_port: 5432,
    }];
    s.stop_signal = Some("SIGTERM".into());
    s.stop_timeout_secs = Some(5);
    s.shm_size_bytes = Some(64 << 20);

    let t0 = Instant::now();
    let cid = d.create(&s).await?;
    let created = t0.elapsed();
    d.start(&cid).await?;
    eprintln!(
        "timing: create {:?}, create+start {:?}",
        created,
        t0.elapsed()
    );

    // list_by_label finds exactly this container, running, with its published port.
    let list = d.list_by_label(LABEL, &id).await?;
    assert_eq!(list.len(), 1, "{list:?}");
    let c = &list[0];
    assert_eq!(c.id, cid);
    assert_eq!(c.name, name);
    assert_eq!(c.image, test_image());
    assert_eq!(c.state, "running", "{c:?}");
    assert!(c.status.starts_with("Up"), "{c:?}");
    assert_eq!(c.host_ports, vec![port], "{c:?}");
    assert_eq!(c.labels.get(LABEL), Some(&id));
    // The port is really bound on the host's loopback.
    tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .with_context(|| format!("nothing listens on published port {port}"))?;

    // Output of both streams, merged, last N lines.
    let deadline = Instant::now() + Duration::from_secs(10);
    let logs = loop {
        let logs = d.logs_tail(&cid, 100).await?;
        if logs.contains("ready") || Instant::now() > deadline {
            break logs;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert!(
        logs.contains("one") && logs.contains("two") && logs.contains("ready"),
        "{logs:?}"
    );
    // (The engine copies stdout and stderr separately: their relative order is only kept across a pause.)
    assert_eq!(d.logs_tail(&cid, 2).await?, "three\nready\n");
    assert_eq!(d.logs_tail(&cid, 0).await?, "");

    let st = d.inspect_state(&cid).await?.context("container vanished")?;
    assert!(st.running && st.status == "running", "{st:?}");
    assert_eq!(st.error, None);

    // A second container with the same name: a conflict, and the message says so.
    let err = d
        .create(&s)
        .await
        .err()
        .context("duplicate name accepted")?;
    assert!(docker::is_conflict(&err), "{err:#}");
    assert!(!docker::is_unreachable(&err));
    let msg = format!("{err}");
    assert!(
        msg.starts_with(&format!("docker: creating container '{name}' failed: ")),
        "{msg}"
    );
    assert!(msg.contains("already in use"), "{msg}");
    assert!(!msg.contains("do-not-print"), "{msg}");

    // Stop is idempotent.
    let t = Instant::now();
    d.stop(&cid, 10).await?;
    assert!(
        t.elapsed() < Duration::from_secs(8),
        "stop took {:?}",
        t.elapsed()
    );
    d.stop(&cid, 10).await?;
    let st = d.inspect_state(&cid).await?.context("container vanished")?;
    assert!(!st.running && st.status == "exited", "{st:?}");
    assert_eq!(st.exit_code, Some(0), "{st:?}");
    assert!(!st.oom_killed);
    let list = d.list_by_label(LABEL, &id).await?;
    assert_eq!(list.len(), 1, "{list:?}");
    assert_eq!(list[0].state, "exited");

    // It can be started again (stopped containers are kept), then force-removed while running.
    d.start(&cid).await?;
    assert!(d.inspect_state(&cid).await?.is_some_and(|s| s.running));
    d.remove(&cid, true).await?;
    d.remove(&cid, true).await?;
    d.remove(&cid, false).await?;
    assert_eq!(d.inspect_state(&cid).await?, None);
    assert!(d.list_by_label(LABEL, &id).await?.is_empty());

    // Operations on a missing container other than remove fail with a 404.
    let err = d
        .start(&cid)
        .await
        .err()
        .context("started a removed container")?;
    assert!(docker::is_not_found(&err), "{err:#}");
    Ok(())
}

#[tokio::test]
async fn non_forced_remove_of_a_running_container_fails() -> Result<()> {
    let (d, id, _cleanup) = setup("rmrun").await?;
    let cid = d
        .create(&spec(&id, &id, &["sh", "-c", "exec sleep 60"]))
        .await?;
    d.start(&cid).await?;
    let err = d
        .remove(&cid, false)
        .await
        .err()
        .context("removed a running container without force")?;
    assert!(
        format!("{err}").starts_with(&format!("docker: removing container '{cid}' failed: ")),
        "{err}"
    );
    d.remove(&cid, true).await?;
    Ok(())
}

#[tokio::test]
async fn run_to_completion_returns_exit_code_and_output() -> Result<()> {
    let (d, id, _cleanup) = setup("run").await?;
    let s = spec(
        &format!("{id}-job"),
        &id,
        &["sh", "-c", "echo hi; echo oops >&2; exit 3"],
    );
    let (code, logs) = d.run_to_completion(&s, Duration::from_secs(60)).await?;
    assert_eq!(code, 3, "{logs}");
    assert!(logs.contains("hi\n") && logs.contains("oops\n"), "{logs:?}");
    assert!(
        d.list_by_label(LABEL, &id).await?.is_empty(),
        "job container left behind"
    );

    // Exit 0, with the user and env as given (the same name is free again: it was removed).
    let mut s = spec(
        &format!("{id}-job"),
        &id,
        &["sh", "-c", "id -u; echo $GREETING"],
    );
    s.user = Some("postgres".into());
    s.env = vec!["GREETING=hello".into()];
    let (code, logs) = d.run_to_completion(&s, Duration::from_secs(60)).await?;
    assert_eq!(code, 0, "{logs}");
    let lines: Vec<&str> = logs.lines().collect();
    assert_eq!(lines.len(), 2, "{logs:?}");
    assert_ne!(lines[0], "0", "ran as root");
    assert_eq!(lines[1], "hello");

    // A bind mount is visible inside.
    let dir = std::env::temp_dir().join(&id);
    std::fs::create_dir_all(&dir)?;
    std::fs::write(dir.join("f"), "from the host\n")?;
    let mut s = spec(&format!("{id}-bind"), &id, &["cat", "/mnt/x/f"]);
    s.binds = vec![stagdb::docker::Bind {
        host: dir.display().to_string(),
        container: "/mnt/x".into(),
        read_only: true,
    }];
    let res = d.run_to_completion(&s, Duration::from_secs(60)).await;
    std::fs::remove_dir_all(&dir)?;
    assert_eq!(res?, (0, "from the host\n".to_string()));

    // A job that does not finish in time: an error, and the container is still removed.
    let s = spec(
        &format!("{id}-slow"),
        &id,
        &["sh", "-c", "echo started; exec sleep 60"],
    );
    let t = Instant::now();
    let err = d
        .run_to_completion(&s, Duration::from_secs(2))
        .await
        .err()
        .context("a 60 s job finished within 2 s")?;
    assert!(
        t.elapsed() < Duration::from_secs(20),
        "took {:?}",
        t.elapsed()
    );
    let msg = format!("{err:#}");
    assert!(msg.contains("did not finish within 2 s"), "{msg}");
    assert!(msg.contains("started"), "{msg}");
    assert!(d.list_by_label(LABEL, &id).await?.is_empty());

    // A job whose command does not exist: an error naming the call, nothing left behind.
    let s = spec(&format!("{id}-bad"), &id, &["/no/such/binary"]);
    let err = d
        .run_to_completion(&s, Duration::from_secs(60))
        .await
        .err()
        .context("a missing binary ran")?;
    eprintln!("missing binary: {err:#}");
    assert!(
        format!("{err}").starts_with("docker: starting container '"),
        "{err:#}"
    );
    assert!(d.list_by_label(LABEL, &id).await?.is_empty());
    Ok(())
}

#[tokio::test]
async fn image_present_and_pull() -> Result<()> {
    let (d, id, _cleanup) = setup("img").await?;
    assert!(d.image_present(&test_image()).await?);
    let missing = format!("stagdb-test/{id}:nope");
    assert!(!d.image_present(&missing).await?);

    // Creating from a missing image is a 404 the caller can act on (pull, then retry).
    let mut s = spec(&format!("{id}-noimg"), &id, &["true"]);
    s.image = missing.clone();
    let err = d
        .create(&s)
        .await
        .err()
        .context("created from a missing image")?;
    assert!(docker::is_not_found(&err), "{err:#}");

    // No registry is reachable here: the pull must fail (not hang) with the engine's message.
    let t = Instant::now();
    let res = tokio::time::timeout(Duration::from_secs(120), d.pull(&missing)).await;
    let Ok(res) = res else {
        bail!("pull of {missing} hung for {:?}", t.elapsed());
    };
    let err = res.err().context("pulled an image that does not exist")?;
    let msg = format!("{err:#}");
    eprintln!("pull failed after {:?}: {msg}", t.elapsed());
    let prefix = format!("docker: pulling image '{missing}' failed: ");
    assert!(msg.starts_with(&prefix), "{msg}");
    assert!(msg.len() > prefix.len() + 5, "no engine message: {msg}");
    assert!(!docker::is_unreachable(&err), "{msg}");
    Ok(())
}

#[tokio::test]
async fn run_attached_streams_stdin_to_stdout() -> Result<()> {
    let (d, id, _cleanup) = setup("attach").await?;
    // 3 MiB through `cat`: more than any pipe or frame buffer holds at once.
    let data: Vec<u8> = (0..3u32 << 20).map(|i| (i % 251) as u8).collect();
    let mut s = spec(
        &format!("{id}-cat"),
        &id,
        &["sh", "-c", "cat; echo done >&2"],
    );
    s.stdin = true;
    let cid = d.create(&s).await?;
    let mut input = std::io::Cursor::new(data.clone());
    let mut out: Vec<u8> = Vec::new();
    let (code, stderr) = d
        .run_attached(&cid, Some(&mut input), Some(&mut out))
        .await?;
    ensure!(code == 0, "exit code {code}, stderr {stderr}");
    ensure!(
        out == data,
        "stdout differs: {} bytes of {}",
        out.len(),
        data.len()
    );
    ensure!(stderr.trim() == "done", "stderr {stderr:?}");

    // A job that fails before reading its input: the exit code and stderr come
    // back, and feeding it does not hang.
    let mut s = spec(
        &format!("{id}-fail"),
        &id,
        &["sh", "-c", "echo broken >&2; exit 3"],
    );
    s.stdin = true;
    let cid = d.create(&s).await?;
    let mut input = std::io::Cursor::new(data);
    let started = Instant::now();
    let (code, stderr) = d.run_attached(&cid, Some(&mut input), None).await?;
    ensure!(code == 3, "exit code {code}");
    ensure!(stderr.contains("broken"), "stderr {stderr:?}");
    ensure!(
        started.elapsed() < Duration::from_secs(30),
        "took {:?}",
        started.elapsed()
    );
    Ok(())
}
