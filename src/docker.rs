//! A narrow async wrapper around the Docker Engine API (bollard): just the calls stagdb needs to run
//! one PostgreSQL container per branch, with errors that name the call and carry the engine's message.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::time::Duration;

use anyhow::Result;
use bollard::errors::Error as ApiError;
use bollard::models::{
    ContainerCreateBody, EndpointSettings, HostConfig, Mount, MountType, NetworkConnectRequest,
    NetworkCreateRequest, NetworkDisconnectRequest, NetworkingConfig,
    PortBinding as ApiPortBinding,
};
use bollard::query_parameters::{
    AttachContainerOptionsBuilder, CreateContainerOptionsBuilder, CreateImageOptionsBuilder,
    KillContainerOptionsBuilder, ListContainersOptionsBuilder, ListNetworksOptionsBuilder,
    LogsOptionsBuilder, RemoveContainerOptionsBuilder, StopContainerOptionsBuilder,
};
use futures_util::StreamExt;

/// A Docker network stagdb made (see [`Docker::stagdb_networks`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StagdbNetwork {
    pub name: String,
    /// The store's dataset it was made for; `true` when made by a stagdb
    /// that did not record the store.
    pub store: String,
    /// Some container (a branch's, or an application's) is on it.
    pub in_use: bool,
}

/// Where the engine is when `DOCKER_HOST` is not set.
pub const DEFAULT_HOST: &str = "unix:///var/run/docker.sock";

/// bollard's per-request timeout (it bounds the wait for response headers, not streamed bodies).
const REQUEST_TIMEOUT: Duration = Duration::from_secs(120);

/// Request timeout for calls that last as long as a job (attach, wait):
/// a restore of a large database takes hours, never days.
const LONG_JOB: Duration = Duration::from_secs(7 * 24 * 3600);

/// How long a read (list, inspect, version) may take before the engine counts as unreachable:
/// the first call of most commands is one, so a hung engine is reported within this.
const QUICK_TIMEOUT: Duration = Duration::from_secs(30);

/// The newest Engine API version stagdb's requests are written for (bollard's models).
const API_MAX: (u32, u32) = (1, 53);

/// The oldest it works with: Docker 20.10 (Debian 12's), Podman 3's compat API.
const API_MIN: (u32, u32) = (1, 41);

/// What the engine said about itself.
#[derive(Debug)]
struct Engine {
    version: String,
    /// The newest API version it speaks, as it reported it.
    api: String,
}

/// The API version to pin for an engine that reports `reported` as its newest: the newest
/// both speak; an error naming both when the engine's is too old or not a version.
fn pin_api_version(reported: &str) -> std::result::Result<(u32, u32), String> {
    let parsed = reported
        .trim()
        .split_once('.')
        .and_then(|(a, b)| Some((a.parse::<u32>().ok()?, b.parse::<u32>().ok()?)));
    let need = format!("stagdb needs API {}.{} or later", API_MIN.0, API_MIN.1);
    match parsed {
        None => Err(format!(
            "it reports API version '{reported}', which is not a version; {need}"
        )),
        Some(v) if v < API_MIN => Err(format!(
            "it speaks API {reported} at most; {need} (Docker 20.10, Podman 3): upgrade the engine"
        )),
        Some(v) => Ok(v.min(API_MAX)),
    }
}

/// Puts the pinned version (`prefix`, "/v1.NN") in front of a request's path.
fn versioned(req: &mut bollard::BollardRequest, prefix: &str) {
    let uri = req.uri();
    let Some(pq) = uri.path_and_query() else {
        return;
    };
    if pq.path().starts_with("/v1.") {
        return;
    }
    let rebuilt = format!(
        "{}://{}{prefix}{pq}",
        uri.scheme_str().unwrap_or("http"),
        uri.authority().map_or("", |a| a.as_str())
    );
    if let Ok(u) = rebuilt.parse() {
        *req.uri_mut() = u;
    }
}

/// Whether an engine's security options ("name=seccomp,profile=default", ...) include SELinux.
fn selinux_in(options: &[String]) -> bool {
    options
        .iter()
        .any(|o| o.split(',').any(|kv| kv.trim() == "name=selinux"))
}

/// A state as stagdb's callers know them. Podman 5 reports states of its own (podman#28359,
/// #28390, #26149) that bollard cannot decode: its "stopped" is an exited container,
/// "configured" and "initialized" ones are created, not started. Any other is carried as is.
fn normalize_state(s: &str) -> String {
    match s {
        "stopped" => "exited".to_string(),
        "configured" | "initialized" => "created".to_string(),
        other => other.to_string(),
    }
}

/// Takes the state string out of `field`, leaving one bollard decodes ("").
fn take_state(field: Option<&mut serde_json::Value>) -> String {
    match field {
        Some(f) => {
            let s = f.as_str().unwrap_or_default().to_string();
            *f = serde_json::Value::String(String::new());
            normalize_state(&s)
        }
        None => String::new(),
    }
}

/// A container list bollard could not decode, decoded with the states taken out.
fn lenient_list(contents: &str) -> Option<Vec<ContainerInfo>> {
    let mut v: serde_json::Value = serde_json::from_str(contents).ok()?;
    let states: Vec<String> = v
        .as_array_mut()?
        .iter_mut()
        .map(|c| take_state(c.get_mut("State")))
        .collect();
    let list: Vec<bollard::models::ContainerSummary> = serde_json::from_value(v).ok()?;
    Some(
        list.into_iter()
            .zip(states)
            .map(|(c, state)| ContainerInfo {
                state,
                ..container_info(c)
            })
            .collect(),
    )
}

/// An inspect bollard could not decode, decoded with the state's status taken out.
fn lenient_inspect(contents: &str) -> Option<(bollard::models::ContainerInspectResponse, String)> {
    let mut v: serde_json::Value = serde_json::from_str(contents).ok()?;
    let status = take_state(v.get_mut("State")?.get_mut("Status"));
    Some((serde_json::from_value(v).ok()?, status))
}

/// A host port published to a container's TCP port.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PortBinding {
    /// Host address to bind, e.g. "127.0.0.1".
    pub host_ip: String,
    /// Host port; 0 lets the engine pick a free one.
    pub host_port: u16,
    /// Container port (tcp).
    pub container_port: u16,
}

/// A host directory mounted into a container.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bind {
    pub host: String,
    pub container: String,
    pub read_only: bool,
}

/// Everything needed to create a container.
#[derive(Clone, Default)]
pub struct ContainerSpec {
    /// Container name.
    pub name: String,
    /// Image reference, e.g. "postgres:17".
    pub image: String,
    /// Labels to set on the container.
    pub labels: BTreeMap<String, String>,
    /// Environment as "KEY=VALUE" (values may be secrets: never printed).
    pub env: Vec<String>,
    /// Command; the image's entrypoint is cleared so it runs as given (empty: the image's CMD).
    pub cmd: Vec<String>,
    /// User (name or uid[:gid]) to run as.
    pub user: Option<String>,
    /// Bind mounts. Passed as structured mounts, not "SRC:DST" strings:
    /// host paths may contain ':' (stagdb's dataset names do).
    pub binds: Vec<Bind>,
    /// Published TCP ports.
    pub ports: Vec<PortBinding>,
    /// Signal sent by `stop`, e.g. "SIGINT".
    pub stop_signal: Option<String>,
    /// Default grace period before the engine kills the container on stop.
    pub stop_timeout_secs: Option<i64>,
    /// Size of /dev/shm in bytes.
    pub shm_size_bytes: Option<i64>,
    /// A tmpfs mounted at this path, of at most this many bytes; its
    /// memory is freed with the container.
    pub tmpfs: Option<(String, u64)>,
    /// Use the host's network stack: addresses mean what they mean on the
    /// host (`127.0.0.1:5433` is a server on the host).
    pub host_network: bool,
    /// Keep stdin open for [`Docker::run_attached`] to feed.
    pub stdin: bool,
    /// A user-defined network to join instead of the default bridge, and
    /// the names other containers on it reach this one by.
    pub network: Option<NetworkAttach>,
    /// Hardening: drop every capability but `cap_add`, and no process may
    /// gain privileges (setuid binaries, file capabilities). Off: the
    /// engine's defaults.
    pub confined: bool,
    /// Capabilities kept when `confined` (e.g. "CHOWN", "SETUID").
    pub cap_add: Vec<String>,
    /// Memory limit in bytes, swap included (the container never swaps).
    pub memory_bytes: Option<i64>,
    /// CPU limit in billionths of a CPU.
    pub nano_cpus: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NetworkAttach {
    pub name: String,
    pub aliases: Vec<String>,
}

// Hand-written so that env values (passwords) never end up in debug output or logs.
impl fmt::Debug for ContainerSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let env_keys: Vec<&str> = self
            .env
            .iter()
            .map(|kv| kv.split_once('=').map_or(kv.as_str(), |(k, _)| k))
            .collect();
        f.debug_struct("ContainerSpec")
            .field("name", &self.name)
            .field("image", &self.image)
            .field("labels", &self.labels)
            .field("env_keys", &env_keys)
            .field("cmd", &self.cmd)
            .field("user", &self.user)
            .field("binds", &self.binds)
            .field("ports", &self.ports)
            .field("stop_signal", &self.stop_signal)
            .field("stop_timeout_secs", &self.stop_timeout_secs)
            .field("shm_size_bytes", &self.shm_size_bytes)
            .field("tmpfs", &self.tmpfs)
            .field("host_network", &self.host_network)
            .field("stdin", &self.stdin)
            .field("network", &self.network)
            .field("confined", &self.confined)
            .field("cap_add", &self.cap_add)
            .field("memory_bytes", &self.memory_bytes)
            .field("nano_cpus", &self.nano_cpus)
            .finish()
    }
}

/// One container as listed by the engine.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ContainerInfo {
    /// Full container id.
    pub id: String,
    /// Name without the leading '/'.
    pub name: String,
    /// Image reference the container was created from.
    pub image: String,
    /// running, exited, created, restarting, paused, dead (or removing).
    pub state: String,
    /// Human status, e.g. "Up 3 minutes".
    pub status: String,
    /// The container's labels.
    pub labels: BTreeMap<String, String>,
    /// Published host ports (sorted, deduplicated).
    pub host_ports: Vec<u16>,
    /// The networks it is on (sorted).
    pub networks: Vec<String>,
    /// On the host's network (no namespace of its own, publishes nothing).
    pub host_network: bool,
}

/// A container's run state, from inspect.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContainerState {
    /// Whether the container's process is running.
    pub running: bool,
    /// running, exited, created, restarting, paused, dead (or removing).
    pub status: String,
    /// Exit code of the last run, if it has exited.
    pub exit_code: Option<i64>,
    /// Whether the kernel OOM killer ended the last run.
    pub oom_killed: bool,
    /// The engine's error starting or running the container, if any.
    pub error: Option<String>,
}

/// An error from the Docker engine or from talking to it; its message is complete on its own.
#[derive(Debug)]
pub struct DockerError {
    kind: ErrorKind,
    message: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ErrorKind {
    Unreachable,
    Status(u16),
    Other,
}

impl DockerError {
    /// The HTTP status the engine answered with, if it answered.
    pub fn status(&self) -> Option<u16> {
        match self.kind {
            ErrorKind::Status(code) => Some(code),
            _ => None,
        }
    }

    /// Whether the engine could not be reached at all (not running, wrong DOCKER_HOST, no permission).
    pub fn is_unreachable(&self) -> bool {
        self.kind == ErrorKind::Unreachable
    }
}

impl fmt::Display for DockerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for DockerError {}

/// Finds our error in an anyhow chain, also below context callers added.
fn find(err: &anyhow::Error) -> Option<&DockerError> {
    err.chain().find_map(|e| e.downcast_ref::<DockerError>())
}

/// Whether `err` means the Docker engine could not be reached.
pub fn is_unreachable(err: &anyhow::Error) -> bool {
    find(err).is_some_and(DockerError::is_unreachable)
}

/// Whether `err` is the engine's 409 Conflict, e.g. a container name already in use.
pub fn is_conflict(err: &anyhow::Error) -> bool {
    find(err).and_then(DockerError::status) == Some(409)
}

/// Whether `err` is the engine's 404, e.g. no such container or image.
pub fn is_not_found(err: &anyhow::Error) -> bool {
    find(err).and_then(DockerError::status) == Some(404)
}

/// Whether `err` says the port a container publishes or listens on is taken: the engine's
/// "port is already allocated" or its proxy's "address already in use", or PostgreSQL's own
/// "Address already in use" in the logs of a container on the host's network.
pub fn is_port_in_use(err: &anyhow::Error) -> bool {
    let text = format!("{err:#}").to_ascii_lowercase();
    text.contains("address already in use") || text.contains("port is already allocated")
}

/// The innermost cause's message, e.g. "Connection refused (os error 111)" rather than hyper's "client error (Connect)".
fn root_cause(err: &ApiError) -> String {
    let mut cur: &dyn std::error::Error = err;
    while let Some(next) = cur.source() {
        cur = next;
    }
    cur.to_string()
}

/// A connection to one Docker (or Docker-compatible) engine.
#[derive(Clone)]
pub struct Docker {
    /// The client; use [`Docker::api`], which pins the API version first.
    raw: bollard::Docker,
    /// The engine, asked once (see [`Docker::engine`]).
    engine: std::sync::Arc<tokio::sync::OnceCell<Engine>>,
    /// The "/v1.NN" every request's path starts with once the engine is known.
    prefix: std::sync::Arc<std::sync::OnceLock<String>>,
    /// Whether the engine enforces SELinux labels (asked only to create a container).
    selinux: std::sync::Arc<tokio::sync::OnceCell<bool>>,
    host: String,
    verbose: bool,
    /// Container creates whose request was sent: they finish even when the
    /// caller is cancelled, and a rollback waits for them ([`Docker::idle`]).
    inflight: std::sync::Arc<std::sync::atomic::AtomicUsize>,
}

impl fmt::Debug for Docker {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Docker").field("host", &self.host).finish()
    }
}

impl Docker {
    /// Connects to `DOCKER_HOST` (unix://, tcp://, http://; default the local socket).
    pub async fn connect(verbose: bool) -> Result<Docker> {
        let host = std::env::var("DOCKER_HOST")
            .ok()
            .filter(|h| !h.is_empty())
            .unwrap_or_else(|| DEFAULT_HOST.to_string());
        Self::connect_to(&host, verbose).await
    }

    /// Connects to the engine at `host` (e.g. "unix:///var/run/docker.sock"). No request is
    /// made yet: an engine that does not answer fails the first call.
    pub async fn connect_to(host: &str, verbose: bool) -> Result<Docker> {
        if verbose {
            eprintln!("docker: connect {host}");
        }
        // bollard checks that a unix socket file exists here, before any request.
        let api = bollard::Docker::connect_with_host(host)
            .map_err(|e| api_error(host, "connecting", e))?;
        // Every request's path carries the API version stagdb pinned (bollard's own "/v1.53"
        // prefix is dropped by its URL join: unversioned paths, deprecated by Docker). Until
        // the engine is known, none: only GET /version goes out before that.
        let prefix: std::sync::Arc<std::sync::OnceLock<String>> = Default::default();
        let p = prefix.clone();
        let api = api.with_request_modifier(move |mut req| {
            if let Some(p) = p.get() {
                versioned(&mut req, p);
            }
            req
        });
        Ok(Docker {
            raw: api.with_timeout(REQUEST_TIMEOUT),
            host: host.to_string(),
            verbose,
            inflight: Default::default(),
            engine: Default::default(),
            prefix,
            selinux: Default::default(),
        })
    }

    /// The engine's address, as given by DOCKER_HOST or the default.
    pub fn host(&self) -> &str {
        &self.host
    }

    /// How many CPUs the engine's host has (it refuses a CPU limit above).
    pub async fn cpu_count(&self) -> Result<Option<i64>> {
        self.log(format_args!("info"));
        let info = self
            .quick()
            .await?
            .info()
            .await
            .map_err(|e| self.err("getting the engine's facts", e))?;
        Ok(info.ncpu.filter(|n| *n > 0))
    }

    /// The out-of-memory events still in the engine's event log (it keeps
    /// the last few hundred) of containers labelled `label=value`, as
    /// (container id, unix seconds).
    pub async fn oom_events(&self, label: &str, value: &str) -> Result<Vec<(String, i64)>> {
        self.log(format_args!("events oom {label}={value}"));
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default();
        let opts = bollard::query_parameters::EventsOptions {
            // Up to now: the answer ends instead of waiting for new events.
            // To the nanosecond: whole seconds would miss this second's.
            since: Some("0".into()),
            until: Some(format!("{}.{:09}", now.as_secs(), now.subsec_nanos())),
            filters: Some(HashMap::from([
                ("type".to_string(), vec!["container".to_string()]),
                ("event".to_string(), vec!["oom".to_string()]),
                ("label".to_string(), vec![format!("{label}={value}")]),
            ])),
        };
        let quick = self.quick().await?;
        let mut events = quick.events(Some(opts));
        let mut out = Vec::new();
        while let Some(ev) = events.next().await {
            let ev = ev.map_err(|e| self.err("reading the engine's events", e))?;
            if let Some(id) = ev.actor.and_then(|a| a.id) {
                out.push((id, ev.time.unwrap_or(0)));
            }
        }
        Ok(out)
    }

    /// The engine's version and the API version it reports.
    pub async fn server_version(&self) -> Result<(String, String)> {
        let e = self.engine().await?;
        Ok((e.version.clone(), e.api.clone()))
    }

    /// The engine, asked once per connection (GET /version, unversioned: the one call every
    /// engine serves so), and the API version every later request is pinned to: the newest
    /// both speak. An engine older than [`API_MIN`] is refused.
    async fn engine(&self) -> Result<&Engine> {
        self.engine
            .get_or_try_init(|| async {
                self.log(format_args!("version"));
                let v = self
                    .raw
                    .clone()
                    .with_timeout(QUICK_TIMEOUT)
                    .version()
                    .await
                    .map_err(|e| self.err("getting the engine version", e))?;
                let api = v.api_version.unwrap_or_default();
                let pinned = pin_api_version(&api).map_err(|message| DockerError {
                    kind: ErrorKind::Other,
                    message: format!("the Docker engine at {}: {message}", self.host),
                })?;
                self.log(format_args!("API version {}.{}", pinned.0, pinned.1));
                let _ = self.prefix.set(format!("/v{}.{}", pinned.0, pinned.1));
                Ok::<_, anyhow::Error>(Engine {
                    version: v.version.unwrap_or_default(),
                    api,
                })
            })
            .await
    }

    /// The client, once its requests carry the pinned API version.
    async fn api(&self) -> Result<bollard::Docker> {
        self.engine().await?;
        Ok(self.raw.clone())
    }

    /// Whether the engine enforces SELinux labels: its info lists "name=selinux" among its
    /// security options (Docker; Podman's compat API too). Asked once, when first needed.
    async fn selinux(&self) -> Result<bool> {
        let quick = self.quick().await?;
        let on = self
            .selinux
            .get_or_try_init(|| async {
                self.log(format_args!("info"));
                let opts = match quick.info().await {
                    Ok(i) => i.security_options.unwrap_or_default(),
                    // An info bollard cannot decode (an engine's own enum values) still says it.
                    Err(ApiError::JsonDataError { contents, .. }) => {
                        serde_json::from_str::<serde_json::Value>(&contents)
                            .ok()
                            .and_then(|v| {
                                serde_json::from_value(v.get("SecurityOptions")?.clone()).ok()
                            })
                            .unwrap_or_default()
                    }
                    Err(e) => return Err(self.err("getting the engine's info", e)),
                };
                Ok(selinux_in(&opts))
            })
            .await?;
        Ok(*on)
    }

    /// All containers (also stopped ones) that carry label `key=value`, in one API call.
    pub async fn list_by_label(&self, key: &str, value: &str) -> Result<Vec<ContainerInfo>> {
        self.log(format_args!("list containers (label {key}={value})"));
        let filters = HashMap::from([("label", vec![format!("{key}={value}")])]);
        let opts = ListContainersOptionsBuilder::default()
            .all(true)
            .filters(&filters)
            .build();
        let what = format!("listing containers with label {key}={value}");
        match self.quick().await?.list_containers(Some(opts)).await {
            Ok(list) => Ok(list.into_iter().map(container_info).collect()),
            // A state bollard does not know (Podman 5's): carried, not fatal.
            Err(ApiError::JsonDataError {
                contents,
                message,
                column,
            }) => lenient_list(&contents).ok_or_else(|| {
                let e = ApiError::JsonDataError {
                    contents,
                    message,
                    column,
                };
                self.err(what, e)
            }),
            Err(e) => Err(self.err(what, e)),
        }
    }

    /// Whether the image is in the engine's local store.
    pub async fn image_present(&self, image: &str) -> Result<bool> {
        self.log(format_args!("inspect image {image}"));
        match self.quick().await?.inspect_image(image).await {
            Ok(_) => Ok(true),
            Err(ApiError::DockerResponseServerError {
                status_code: 404, ..
            }) => Ok(false),
            Err(e) => Err(self.err(format!("inspecting image '{image}'"), e)),
        }
    }

    /// Pulls the image from its registry (":latest" when no tag or digest is given).
    pub async fn pull(&self, image: &str) -> Result<()> {
        self.log(format_args!("pull image {image}"));
        let (repo, tag) = split_tag(image);
        let mut opts = CreateImageOptionsBuilder::default().from_image(repo);
        // Without a tag the engine would pull every tag of the repository.
        if !image.contains('@') {
            opts = opts.tag(tag.unwrap_or("latest"));
        }
        let mut progress = self
            .api()
            .await?
            .create_image(Some(opts.build()), None, None);
        // Errors can arrive mid-stream (bollard turns errorDetail into an Err item).
        while let Some(item) = progress.next().await {
            item.map_err(|e| self.err(format!("pulling image '{image}'"), e))?;
        }
        Ok(())
    }

    /// Creates (does not start) a container and returns its id.
    pub async fn create(&self, spec: &ContainerSpec) -> Result<String> {
        self.log(format_args!(
            "create container {} (image {})",
            spec.name, spec.image
        ));
        let opts = CreateContainerOptionsBuilder::default()
            .name(&spec.name)
            .build();
        // On a task of its own: an interrupt that drops this future must not
        // leave the engine creating a container after the rollback looked.
        use std::sync::atomic::Ordering;
        let api = self.api().await?;
        let selinux = !spec.binds.is_empty() && self.selinux().await?;
        let body = create_body(spec, selinux);
        let inflight = self.inflight.clone();
        inflight.fetch_add(1, Ordering::SeqCst);
        let task = tokio::spawn(async move {
            let res = api.create_container(Some(opts), body).await;
            inflight.fetch_sub(1, Ordering::SeqCst);
            res
        });
        let resp = task
            .await
            .map_err(|e| anyhow::anyhow!("docker: creating container '{}': {e}", spec.name))?
            .map_err(|e| self.err(format!("creating container '{}'", spec.name), e))?;
        Ok(resp.id)
    }

    /// Makes sure a network exists: an existing one (whoever made it) is
    /// used as it is; a missing one is created as a bridge, labelled as
    /// stagdb's for `store` ([`crate::pg::LABEL_NETWORK`] names the store's
    /// dataset, so a network left behind can be told and removed: see
    /// [`Docker::stagdb_networks`]). Returns whether it was created.
    pub async fn ensure_network(&self, name: &str, store: &str) -> Result<bool> {
        self.log(format_args!("inspect network {name}"));
        match self.quick().await?.inspect_network(name, None).await {
            // Aliases need a user-defined network: not the engine's own
            // `bridge` (Podman: `podman`), `host` or `none`.
            Ok(n) => {
                let driver = n.driver.unwrap_or_default();
                let builtin = matches!(name, "bridge" | "host" | "none" | "podman")
                    || n.name
                        .as_deref()
                        .is_some_and(|x| matches!(x, "bridge" | "host" | "none"));
                if builtin
                    || !matches!(driver.as_str(), "bridge" | "overlay" | "macvlan" | "ipvlan")
                {
                    anyhow::bail!(
                        "network '{name}' (driver {driver}) is not a user-defined network, which name-based aliases need"
                    );
                }
                return Ok(false);
            }
            Err(ApiError::DockerResponseServerError {
                status_code: 404, ..
            }) => {}
            Err(e) => return Err(self.err(format!("inspecting network '{name}'"), e)),
        }
        self.log(format_args!("create network {name}"));
        let req = NetworkCreateRequest {
            name: name.to_string(),
            driver: Some("bridge".to_string()),
            attachable: Some(true),
            labels: Some(HashMap::from([(
                crate::pg::LABEL_NETWORK.to_string(),
                store.to_string(),
            )])),
            ..Default::default()
        };
        match self.api().await?.create_network(req).await {
            Ok(_) => Ok(true),
            // Made meanwhile by another command: as good.
            Err(ApiError::DockerResponseServerError {
                status_code: 409, ..
            }) => Ok(false),
            Err(e) => Err(self.err(format!("creating network '{name}'"), e)),
        }
    }

    /// The networks stagdb made (labelled [`crate::pg::LABEL_NETWORK`]),
    /// with the store each was made for and whether a container is on it.
    pub async fn stagdb_networks(&self) -> Result<Vec<StagdbNetwork>> {
        let label = crate::pg::LABEL_NETWORK;
        self.log(format_args!("list networks (label {label})"));
        let filters = HashMap::from([("label", vec![label.to_string()])]);
        let opts = ListNetworksOptionsBuilder::default()
            .filters(&filters)
            .build();
        let list = self
            .quick()
            .await?
            .list_networks(Some(opts))
            .await
            .map_err(|e| self.err(format!("listing networks with label {label}"), e))?;
        let mut out = Vec::new();
        for n in list {
            let Some(name) = n.name else { continue };
            // The list does not say which containers are on a network.
            self.log(format_args!("inspect network {name}"));
            let i = match self.quick().await?.inspect_network(&name, None).await {
                Ok(i) => i,
                // Removed meanwhile.
                Err(ApiError::DockerResponseServerError {
                    status_code: 404, ..
                }) => continue,
                Err(e) => return Err(self.err(format!("inspecting network '{name}'"), e)),
            };
            out.push(StagdbNetwork {
                store: i
                    .labels
                    .and_then(|mut l| l.remove(label))
                    .unwrap_or_default(),
                in_use: i.containers.is_some_and(|c| !c.is_empty()),
                name,
            });
        }
        out.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(out)
    }

    /// Removes a network; one already gone is no error (`Ok(false)`).
    pub async fn remove_network(&self, name: &str) -> Result<bool> {
        self.log(format_args!("remove network {name}"));
        match self.api().await?.remove_network(name).await {
            Ok(()) => Ok(true),
            Err(ApiError::DockerResponseServerError {
                status_code: 404, ..
            }) => Ok(false),
            Err(e) => Err(self.err(format!("removing network '{name}'"), e)),
        }
    }

    /// Joins a (running or stopped) container to a network under `aliases`.
    pub async fn connect_network(&self, network: &str, id: &str, aliases: &[String]) -> Result<()> {
        self.log(format_args!(
            "connect {id} to network {network} as {aliases:?}"
        ));
        let req = NetworkConnectRequest {
            container: id.to_string(),
            endpoint_config: Some(EndpointSettings {
                aliases: Some(aliases.to_vec()),
                ..Default::default()
            }),
        };
        self.api()
            .await?
            .connect_network(network, req)
            .await
            .map_err(|e| {
                self.err(
                    format!("connecting container {id} to network '{network}'"),
                    e,
                )
            })
    }

    /// Takes a container off a network; not being on it is no error.
    pub async fn disconnect_network(&self, network: &str, id: &str) -> Result<()> {
        self.log(format_args!("disconnect {id} from network {network}"));
        let req = NetworkDisconnectRequest {
            container: id.to_string(),
            force: Some(true),
        };
        match self.api().await?.disconnect_network(network, req).await {
            Ok(()) => Ok(()),
            Err(ApiError::DockerResponseServerError {
                status_code: 404, ..
            }) => Ok(()),
            Err(e) => Err(self.err(
                format!("disconnecting container {id} from network '{network}'"),
                e,
            )),
        }
    }

    /// Waits until no container create is in flight.
    pub async fn idle(&self) {
        while self.inflight.load(std::sync::atomic::Ordering::SeqCst) > 0 {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }

    /// Starts a created or stopped container.
    pub async fn start(&self, id: &str) -> Result<()> {
        self.log(format_args!("start container {id}"));
        self.api()
            .await?
            .start_container(id, None)
            .await
            .map_err(|e| self.err(format!("starting container '{id}'"), e))
    }

    /// Stops a container (its stop signal, then SIGKILL after `timeout_secs`); already stopped is Ok.
    pub async fn stop(&self, id: &str, timeout_secs: i64) -> Result<()> {
        self.log(format_args!(
            "stop container {id} (timeout {timeout_secs}s)"
        ));
        let t = i32::try_from(timeout_secs).unwrap_or(i32::MAX);
        let opts = StopContainerOptionsBuilder::default().t(t).build();
        // The engine answers only once the container is down: allow the grace period plus slack.
        let api = self.api().await?.with_timeout(
            REQUEST_TIMEOUT + Duration::from_secs(timeout_secs.max(0).unsigned_abs()),
        );
        // The engine signals once. A signal that lands before the container's process handles it
        // (the engine still starting it, or its shell not yet the server) is lost: PID 1 ignores
        // what it has no handler for, and the stop waited out the whole grace period (60 s, seen
        // with a stop racing a start). So the stop signal goes again every second while the
        // engine waits; PostgreSQL ignores a repeat once it is shutting down.
        // By the id found here: a name may meanwhile pass to another command's new container.
        let (id, signal) = match self.inspect(id).await? {
            Some((c, _)) => (
                c.id.unwrap_or_else(|| id.to_string()),
                c.config
                    .and_then(|c| c.stop_signal)
                    .unwrap_or_else(|| "SIGTERM".to_string()),
            ),
            None => return Ok(()),
        };
        let id = id.as_str();
        let resend = async {
            let kill = KillContainerOptionsBuilder::default()
                .signal(&signal)
                .build();
            loop {
                tokio::time::sleep(Duration::from_secs(1)).await;
                // Not running (409) or gone (404) by now: the stop call says how it ended.
                self.log(format_args!("signal container {id} again ({signal})"));
                if let Ok(api) = self.quick().await {
                    let _ = api.kill_container(id, Some(kill.clone())).await;
                }
            }
        };
        let stopped = tokio::select! {
            r = api.stop_container(id, Some(opts)) => r,
            never = resend => never,
        };
        // 304 Not Modified (already stopped) counts as success in bollard.
        match stopped {
            Ok(()) => Ok(()),
            // No container: nothing runs, which is what stop asks for.
            Err(ApiError::DockerResponseServerError {
                status_code: 404, ..
            }) => Ok(()),
            Err(e) => Err(self.err(format!("stopping container '{id}'"), e)),
        }
    }

    /// Removes a container (with its anonymous volumes); `force` kills it first if running. Not found is Ok.
    pub async fn remove(&self, id: &str, force: bool) -> Result<()> {
        self.log(format_args!(
            "remove container {id}{}",
            if force { " (force)" } else { "" }
        ));
        // v=true: anonymous volumes (e.g. an image's VOLUME) would otherwise leak, one per container.
        let opts = RemoveContainerOptionsBuilder::default()
            .force(force)
            .v(true)
            .build();
        let deadline = tokio::time::Instant::now() + REQUEST_TIMEOUT;
        loop {
            match self
                .api()
                .await?
                .remove_container(id, Some(opts.clone()))
                .await
            {
                Ok(())
                | Err(ApiError::DockerResponseServerError {
                    status_code: 404, ..
                }) => return Ok(()),
                // Another removal runs, e.g. one a killed command asked for: the engine finishes
                // it on its own. Callers rely on the container being gone: wait while it is
                // "removing", then ask again (a removal that failed leaves it "dead" or as it was).
                Err(ApiError::DockerResponseServerError {
                    status_code: 409,
                    message,
                }) if message.contains("already in progress") => {
                    self.log(format_args!(
                        "wait for the removal of container {id} under way"
                    ));
                    loop {
                        if tokio::time::Instant::now() >= deadline {
                            anyhow::bail!(DockerError {
                                kind: ErrorKind::Other,
                                message: format!(
                                    "docker: removing container '{id}' failed: a removal already under way did not end within {} s",
                                    REQUEST_TIMEOUT.as_secs()
                                ),
                            })
                        }
                        match self.inspect(id).await? {
                            None => return Ok(()),
                            Some((_, status)) if status != "removing" => break,
                            Some(_) => {}
                        }
                        tokio::time::sleep(Duration::from_millis(200)).await;
                    }
                }
                Err(e) => return Err(self.err(format!("removing container '{id}'"), e)),
            }
        }
    }

    /// Inspects a container (None: no such container), with its state's status as a string:
    /// one bollard does not know (Podman 5's) is carried, not fatal.
    async fn inspect(
        &self,
        id: &str,
    ) -> Result<Option<(bollard::models::ContainerInspectResponse, String)>> {
        let what = || format!("inspecting container '{id}'");
        match self.quick().await?.inspect_container(id, None).await {
            Ok(c) => {
                let status = c.state.as_ref().and_then(|s| s.status);
                Ok(Some((c, status.map(|s| s.to_string()).unwrap_or_default())))
            }
            Err(ApiError::DockerResponseServerError {
                status_code: 404, ..
            }) => Ok(None),
            Err(ApiError::JsonDataError {
                contents,
                message,
                column,
            }) => match lenient_inspect(&contents) {
                Some(found) => Ok(Some(found)),
                None => {
                    let e = ApiError::JsonDataError {
                        contents,
                        message,
                        column,
                    };
                    Err(self.err(what(), e))
                }
            },
            Err(e) => Err(self.err(what(), e)),
        }
    }

    /// The container's run state, or None when it does not exist.
    pub async fn inspect_state(&self, id: &str) -> Result<Option<ContainerState>> {
        self.log(format_args!("inspect container {id}"));
        let Some((resp, status)) = self.inspect(id).await? else {
            return Ok(None);
        };
        let s = resp.state.unwrap_or_default();
        Ok(Some(ContainerState {
            running: s.running.unwrap_or(false),
            status,
            exit_code: s.exit_code,
            oom_killed: s.oom_killed.unwrap_or(false),
            error: s.error.filter(|e| !e.is_empty()),
        }))
    }

    /// The last `lines` lines of the container's stdout and stderr, merged, as text.
    pub async fn logs_tail(&self, id: &str, lines: usize) -> Result<String> {
        if lines == 0 {
            return Ok(String::new());
        }
        self.log(format_args!("logs container {id} (last {lines} lines)"));
        self.logs(id, &lines.to_string()).await
    }

    /// Creates and starts a one-shot container, waits up to `timeout` for it to exit and returns its
    /// exit code and output; the container is removed in every case.
    pub async fn run_to_completion(
        &self,
        spec: &ContainerSpec,
        timeout: Duration,
    ) -> Result<(i64, String)> {
        let id = self.create(spec).await?;
        let outcome = match tokio::time::timeout(timeout, self.start_and_wait(&id, timeout)).await {
            Ok(Ok(code)) => self.logs(&id, "all").await.map(|logs| (code, logs)),
            Ok(Err(e)) => Err(e),
            Err(_) => {
                // Best effort: the output usually says why it hung.
                let tail = self.logs_tail(&id, 20).await.unwrap_or_default();
                let mut msg = format!(
                    "docker: container '{}' did not finish within {} s",
                    spec.name,
                    timeout.as_secs()
                );
                if !tail.trim().is_empty() {
                    msg.push_str("; its last output:\n");
                    msg.push_str(tail.trim_end());
                }
                Err(anyhow::anyhow!(msg))
            }
        };
        // One-shot containers must never pile up, whatever happened above; the job's error wins.
        let removed = self.remove(&id, true).await;
        let result = outcome?;
        removed?;
        Ok(result)
    }

    /// Starts a created container attached to it: `input` (if any) is fed
    /// to its stdin and closed at its end, its stdout goes to `output` (or,
    /// without one, is kept with stderr), and the exit code is returned with
    /// the end of stderr. Output is streamed, never held whole in memory.
    pub async fn run_attached(
        &self,
        id: &str,
        input: Option<&mut (dyn tokio::io::AsyncRead + Unpin + Send)>,
        mut output: Option<&mut (dyn tokio::io::AsyncWrite + Unpin + Send)>,
    ) -> Result<(i64, String)> {
        use bollard::container::LogOutput;
        use tokio::io::AsyncWriteExt;
        self.log(format_args!("attach container {id}"));
        let opts = AttachContainerOptionsBuilder::default()
            .stdin(input.is_some())
            .stdout(true)
            .stderr(true)
            .stream(true)
            .build();
        // No request timeout: a dump or restore runs as long as it needs.
        let api = self.api().await?.with_timeout(LONG_JOB);
        let bollard::container::AttachContainerResults {
            output: mut out,
            input: mut cin,
        } = api
            .attach_container(id, Some(opts))
            .await
            .map_err(|e| self.err(format!("attaching to container '{id}'"), e))?;
        self.start(id).await?;
        let feed = async {
            if let Some(r) = input {
                tokio::io::copy(r, &mut cin).await?;
                cin.shutdown().await?;
            }
            std::io::Result::Ok(())
        };
        let drain = async {
            let mut tail = Tail::default();
            while let Some(item) = out.next().await {
                match item.map_err(|e| self.err(format!("reading from container '{id}'"), e))? {
                    LogOutput::StdOut { message } => match output.as_mut() {
                        Some(w) => w.write_all(&message).await.map_err(|e| {
                            anyhow::Error::new(e).context("writing the container's output")
                        })?,
                        None => tail.push(&message),
                    },
                    LogOutput::StdErr { message } | LogOutput::Console { message } => {
                        tail.push(&message)
                    }
                    LogOutput::StdIn { .. } => {}
                }
            }
            if let Some(w) = output.as_mut() {
                w.flush()
                    .await
                    .map_err(|e| anyhow::Error::new(e).context("writing the container's output"))?;
            }
            Result::<Tail>::Ok(tail)
        };
        tokio::pin!(feed, drain);
        // The output ends when the container exits; feeding stops then too
        // (a job that failed early must not wait for the rest of stdin).
        let mut fed = false;
        let mut feed_err = None;
        let tail = loop {
            tokio::select! {
                r = &mut feed, if !fed => {
                    fed = true;
                    if let Err(e) = r {
                        feed_err = Some(e);
                    }
                }
                r = &mut drain => break r?,
            }
        };
        let code = self.wait_exit(id).await?;
        if code == 0
            && let Some(e) = feed_err
        {
            return Err(anyhow::Error::new(e).context(format!("feeding container '{id}'")));
        }
        Ok((code, tail.text()))
    }

    /// Waits for a started container to exit and returns its exit code.
    async fn wait_exit(&self, id: &str) -> Result<i64> {
        let api = self.api().await?.with_timeout(LONG_JOB);
        let mut waiting = api.wait_container(id, None);
        match waiting.next().await {
            Some(Ok(resp)) => Ok(resp.status_code),
            Some(Err(ApiError::DockerContainerWaitError { code, .. })) => Ok(code),
            Some(Err(e)) => Err(self.err(format!("waiting for container '{id}'"), e)),
            None => Err(anyhow::anyhow!(
                "docker: waiting for container '{id}' failed: the engine closed the stream without an exit status"
            )),
        }
    }

    async fn start_and_wait(&self, id: &str, timeout: Duration) -> Result<i64> {
        self.start(id).await?;
        self.log(format_args!("wait container {id}"));
        // Headers arrive at once on Docker, but let the caller's timeout be the one that fires.
        let api = self
            .api()
            .await?
            .clone()
            .with_timeout(timeout + Duration::from_secs(60));
        // Default condition "not-running": returns at once if the job already exited.
        let mut waiting = api.wait_container(id, None);
        match waiting.next().await {
            Some(Ok(resp)) => Ok(resp.status_code),
            // bollard reports a non-zero exit status as an error; for us it is a result.
            Some(Err(ApiError::DockerContainerWaitError { code, .. })) => Ok(code),
            Some(Err(e)) => Err(self.err(format!("waiting for container '{id}'"), e)),
            None => Err(anyhow::anyhow!(
                "docker: waiting for container '{id}' failed: the engine closed the stream without an exit status"
            )),
        }
    }

    /// Logs with `tail` being a line count or "all".
    async fn logs(&self, id: &str, tail: &str) -> Result<String> {
        let opts = LogsOptionsBuilder::default()
            .stdout(true)
            .stderr(true)
            .tail(tail)
            .build();
        let mut stream = self.api().await?.logs(id, Some(opts));
        let mut out = Vec::new();
        while let Some(chunk) = stream.next().await {
            let chunk =
                chunk.map_err(|e| self.err(format!("reading logs of container '{id}'"), e))?;
            out.extend_from_slice(chunk.as_ref());
        }
        Ok(String::from_utf8_lossy(&out).into_owned())
    }

    fn log(&self, what: fmt::Arguments<'_>) {
        if self.verbose {
            eprintln!("docker: {what}");
        }
    }

    /// The client for reads, which answer at once from a live engine.
    async fn quick(&self) -> Result<bollard::Docker> {
        Ok(self.api().await?.with_timeout(QUICK_TIMEOUT))
    }

    fn err(&self, what: impl fmt::Display, e: ApiError) -> anyhow::Error {
        api_error(&self.host, what, e)
    }
}

/// The last 64 KiB of a job's stderr: enough to say why it failed, never
/// unbounded (a restore can print a warning per object).
#[derive(Default)]
struct Tail(std::collections::VecDeque<u8>);

impl Tail {
    const MAX: usize = 64 << 10;

    fn push(&mut self, b: &[u8]) {
        self.0.extend(b);
        let extra = self.0.len().saturating_sub(Self::MAX);
        self.0.drain(..extra);
    }

    fn text(&self) -> String {
        let (a, b) = self.0.as_slices();
        String::from_utf8_lossy(&[a, b].concat()).into_owned()
    }
}

/// Turns a bollard error into one message: the call, then the engine's words.
fn api_error(host: &str, what: impl fmt::Display, e: ApiError) -> anyhow::Error {
    let (kind, message) = match e {
        ApiError::DockerResponseServerError {
            status_code,
            message,
        } => (
            ErrorKind::Status(status_code),
            format!("docker: {what} failed: {}", message.trim()),
        ),
        ApiError::DockerStreamError { error } => {
            (ErrorKind::Other, format!("docker: {what} failed: {error}"))
        }
        ApiError::SocketNotFoundError(path) => (
            ErrorKind::Unreachable,
            format!("cannot reach the Docker engine at {host}: socket {path} does not exist"),
        ),
        ApiError::HyperLegacyError { ref err } if err.is_connect() => (
            ErrorKind::Unreachable,
            format!(
                "cannot reach the Docker engine at {host}: {}",
                root_cause(&e)
            ),
        ),
        ApiError::IOError { ref err }
            if matches!(
                err.kind(),
                std::io::ErrorKind::NotFound
                    | std::io::ErrorKind::ConnectionRefused
                    | std::io::ErrorKind::PermissionDenied
            ) =>
        {
            (
                ErrorKind::Unreachable,
                format!("cannot reach the Docker engine at {host}: {err}"),
            )
        }
        ApiError::RequestTimeoutError => (
            ErrorKind::Other,
            format!("docker: {what} failed: the engine at {host} did not answer in time"),
        ),
        ApiError::UnsupportedURISchemeError { uri } => (
            ErrorKind::Other,
            format!(
                "docker: {what} failed: unsupported engine address '{uri}' (expected unix://, tcp:// or http://)"
            ),
        ),
        other => (
            ErrorKind::Other,
            format!("docker: {what} failed: {}", root_cause(&other)),
        ),
    };
    DockerError { kind, message }.into()
}

/// Splits "repo[:tag]" at the tag's colon (a colon before the last '/' belongs to a registry port).
fn split_tag(image: &str) -> (&str, Option<&str>) {
    if image.contains('@') {
        return (image, None);
    }
    match image.rsplit_once(':') {
        Some((repo, tag)) if !tag.contains('/') => (repo, Some(tag)),
        _ => (image, None),
    }
}

/// How binds are passed: `(binds, mounts, label_disable)`. Structured mounts by default
/// (host paths may contain ':'). On an SELinux host a container is denied a directory
/// without its label, and mounts cannot ask for a relabel: a read-write bind (a dataset
/// stagdb made, used by one container at a time) goes as "SRC:DST:Z", relabelled private to
/// the container. One that cannot (a ':' in a path; read-only, i.e. the user's own files,
/// whose labels stagdb does not change) stays a mount, and the container runs unlabelled.
fn bind_mounts(binds: &[Bind], selinux: bool) -> (Vec<String>, Vec<Mount>, bool) {
    let mut relabelled = Vec::new();
    let mut mounts = Vec::new();
    for b in binds {
        if selinux && !b.read_only && !b.host.contains(':') && !b.container.contains(':') {
            relabelled.push(format!("{}:{}:Z", b.host, b.container));
        } else {
            mounts.push(Mount {
                typ: Some(MountType::BIND),
                source: Some(b.host.clone()),
                target: Some(b.container.clone()),
                read_only: Some(b.read_only),
                ..Default::default()
            });
        }
    }
    let label_disable = selinux && !mounts.is_empty();
    (relabelled, mounts, label_disable)
}

fn create_body(spec: &ContainerSpec, selinux: bool) -> ContainerCreateBody {
    let (binds, mounts, label_disable) = bind_mounts(&spec.binds, selinux);
    let mut security_opt = Vec::new();
    if spec.confined {
        security_opt.push("no-new-privileges:true".to_string());
    }
    if label_disable {
        security_opt.push("label=disable".to_string());
    }
    let mut port_bindings: HashMap<String, Option<Vec<ApiPortBinding>>> = HashMap::new();
    for p in &spec.ports {
        let binding = ApiPortBinding {
            host_ip: Some(p.host_ip.clone()),
            // An empty host port asks the engine for a free one.
            host_port: Some(match p.host_port {
                0 => String::new(),
                port => port.to_string(),
            }),
        };
        port_bindings
            .entry(format!("{}/tcp", p.container_port))
            .or_default()
            .get_or_insert_default()
            .push(binding);
    }
    let exposed: Vec<String> = port_bindings.keys().cloned().collect();
    ContainerCreateBody {
        image: Some(spec.image.clone()),
        labels: Some(spec.labels.clone().into_iter().collect()),
        env: Some(spec.env.clone()),
        cmd: (!spec.cmd.is_empty()).then(|| spec.cmd.clone()),
        // [""] (what `docker run --entrypoint ""` sends) clears the image's entrypoint, e.g. the
        // official postgres image's docker-entrypoint.sh, so cmd runs as given. Docker also accepts
        // [], but Podman's compat API treats [] as "not set" and keeps the image's.
        entrypoint: Some(vec![String::new()]),
        user: spec.user.clone(),
        exposed_ports: (!exposed.is_empty()).then_some(exposed),
        stop_signal: spec.stop_signal.clone(),
        stop_timeout: spec.stop_timeout_secs,
        open_stdin: spec.stdin.then_some(true),
        stdin_once: spec.stdin.then_some(true),
        attach_stdin: spec.stdin.then_some(true),
        host_config: Some(HostConfig {
            binds: (!binds.is_empty()).then_some(binds),
            mounts: (!mounts.is_empty()).then_some(mounts),
            port_bindings: (!port_bindings.is_empty()).then_some(port_bindings),
            shm_size: spec.shm_size_bytes,
            // mode 0711: the server's data directory inside is reached by
            // its own user, not only by root.
            tmpfs: spec.tmpfs.as_ref().map(|(path, size)| {
                HashMap::from([(path.clone(), format!("size={size},mode=0711"))])
            }),
            network_mode: if spec.host_network {
                Some("host".to_string())
            } else {
                spec.network.as_ref().map(|n| n.name.clone())
            },
            cap_drop: spec.confined.then(|| vec!["ALL".to_string()]),
            cap_add: (spec.confined && !spec.cap_add.is_empty()).then(|| spec.cap_add.clone()),
            security_opt: (!security_opt.is_empty()).then_some(security_opt),
            // Memory and swap alike: a limited branch is killed, never swaps.
            memory: spec.memory_bytes,
            memory_swap: spec.memory_bytes,
            nano_cpus: spec.nano_cpus,
            ..Default::default()
        }),
        networking_config: spec.network.as_ref().map(|n| NetworkingConfig {
            endpoints_config: Some(HashMap::from([(
                n.name.clone(),
                EndpointSettings {
                    aliases: Some(n.aliases.clone()),
                    ..Default::default()
                },
            )])),
        }),
        ..Default::default()
    }
}

fn container_info(c: bollard::models::ContainerSummary) -> ContainerInfo {
    let name = c
        .names
        .as_deref()
        .and_then(|names| names.first())
        .map(|n| n.trim_start_matches('/').to_string())
        .unwrap_or_default();
    // The engine lists a binding once per address family (0.0.0.0 and ::).
    let mut host_ports: Vec<u16> = c
        .ports
        .unwrap_or_default()
        .iter()
        .filter_map(|p| p.public_port)
        .collect();
    // A container on the host's network publishes nothing: its server's
    // port is the one its creator recorded.
    let host_network = c
        .host_config
        .as_ref()
        .and_then(|h| h.network_mode.as_deref())
        == Some("host");
    if host_network
        && let Some(p) = c
            .labels
            .as_ref()
            .and_then(|l| l.get(crate::pg::LABEL_PORT))
            .and_then(|p| p.parse().ok())
    {
        host_ports.push(p);
    }
    host_ports.sort_unstable();
    host_ports.dedup();
    let mut networks: Vec<String> = c
        .network_settings
        .and_then(|n| n.networks)
        .map(|n| n.into_keys().collect())
        .unwrap_or_default();
    networks.sort();
    ContainerInfo {
        id: c.id.unwrap_or_default(),
        name,
        image: c.image.unwrap_or_default(),
        state: c.state.map(|s| s.to_string()).unwrap_or_default(),
        status: c.status.unwrap_or_default(),
        labels: c.labels.unwrap_or_default().into_iter().collect(),
        host_ports,
        networks,
        host_network,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_tag_handles_registry_ports_and_digests() {
        assert_eq!(split_tag("postgres:17"), ("postgres", Some("17")));
        assert_eq!(split_tag("postgres"), ("postgres", None));
        assert_eq!(
            split_tag("localhost:5000/pg:15"),
            ("localhost:5000/pg", Some("15"))
        );
        assert_eq!(split_tag("localhost:5000/pg"), ("localhost:5000/pg", None));
        assert_eq!(split_tag("pg@sha256:abc"), ("pg@sha256:abc", None));
    }

    #[test]
    fn debug_never_shows_env_values() {
        let spec = ContainerSpec {
            env: vec!["POSTGRES_PASSWORD=hunter2".into()],
            ..Default::default()
        };
        let shown = format!("{spec:?}");
        assert!(shown.contains("POSTGRES_PASSWORD"));
        assert!(!shown.contains("hunter2"));
    }

    /// A fake engine on a unix socket: answers each connection with the next of `replies`
    /// (status line, JSON body) and returns the request lines it saw (each followed by its
    /// body, if any).
    fn fake_engine(
        name: &str,
        replies: Vec<(&'static str, &'static str)>,
    ) -> (std::path::PathBuf, std::thread::JoinHandle<Vec<String>>) {
        use std::io::{BufRead, BufReader, Write};
        let sock =
            std::env::temp_dir().join(format!("stagdb-engine-{name}-{}.sock", std::process::id()));
        let _ = std::fs::remove_file(&sock);
        let listener = std::os::unix::net::UnixListener::bind(&sock).unwrap();
        let engine = std::thread::spawn(move || {
            let mut seen = Vec::new();
            for (status, body) in replies {
                let (conn, _) = listener.accept().unwrap();
                let mut reader = BufReader::new(conn.try_clone().unwrap());
                let mut request_line = String::new();
                reader.read_line(&mut request_line).unwrap();
                let mut line = String::new();
                let mut length = 0;
                while reader.read_line(&mut line).unwrap() > 2 {
                    if let Some((k, v)) = line.split_once(':')
                        && k.eq_ignore_ascii_case("content-length")
                    {
                        length = v.trim().parse().unwrap();
                    }
                    line.clear();
                }
                let mut body_in = vec![0; length];
                std::io::Read::read_exact(&mut reader, &mut body_in).unwrap();
                let mut conn = conn;
                write!(
                    conn,
                    "HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                )
                .unwrap();
                let mut seen_line = request_line.trim_end().to_string();
                if length > 0 {
                    seen_line = format!("{seen_line} {}", String::from_utf8_lossy(&body_in));
                }
                seen.push(seen_line);
            }
            seen
        });
        (sock, engine)
    }

    fn block_on<T>(f: impl std::future::Future<Output = T>) -> T {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
            .block_on(f)
    }

    const VERSION_141: (&str, &str) = ("200 OK", r#"{"Version":"20.10.24","ApiVersion":"1.41"}"#);

    /// Every request but the first (GET /version) carries the API version pinned from the
    /// engine's answer: the engine's own when older than stagdb's, stagdb's when newer.
    #[test]
    fn requests_carry_the_pinned_api_version() {
        let newer = ("200 OK", r#"{"Version":"29.0.0","ApiVersion":"1.99"}"#);
        for (version, prefix) in [(VERSION_141, "/v1.41/"), (newer, "/v1.53/")] {
            let (sock, engine) =
                fake_engine("pin", vec![version, ("200 OK", "[]"), ("200 OK", "[]")]);
            let listed = block_on(async {
                let docker =
                    Docker::connect_to(&format!("unix://{}", sock.display()), false).await?;
                docker.list_by_label("io.stagdb.store", "t").await?;
                docker.list_by_label("io.stagdb.store", "t").await
            });
            let _ = std::fs::remove_file(&sock);
            assert!(listed.unwrap().is_empty());
            let seen = engine.join().unwrap();
            assert!(seen[0].starts_with("GET /version "), "{seen:?}");
            for s in &seen[1..] {
                assert!(
                    s.starts_with(&format!("GET {prefix}containers/json?")),
                    "{seen:?}"
                );
            }
        }
    }

    /// An engine older than API 1.41 is refused by a message naming both versions, before
    /// any other request.
    #[test]
    fn an_engine_with_an_old_api_is_refused() {
        let old = ("200 OK", r#"{"Version":"1.12.6","ApiVersion":"1.24"}"#);
        let (sock, engine) = fake_engine("old", vec![old]);
        let listed = block_on(async {
            let docker = Docker::connect_to(&format!("unix://{}", sock.display()), false).await?;
            docker.list_by_label("io.stagdb.store", "t").await
        });
        let _ = std::fs::remove_file(&sock);
        let e = format!("{:#}", listed.unwrap_err());
        assert!(e.contains("1.24") && e.contains("1.41"), "{e}");
        assert_eq!(engine.join().unwrap().len(), 1);
        assert!(pin_api_version("").is_err());
        assert!(pin_api_version("x.y").is_err());
        assert_eq!(pin_api_version("1.45"), Ok((1, 45)));
        assert_eq!(pin_api_version("2.0"), Ok(API_MAX));
    }

    /// Podman 5's states (stopped, initialized, configured) and any unknown one are carried:
    /// list and inspect succeed, and stop and remove see them.
    #[test]
    fn unknown_container_states_are_carried() {
        let list = r#"[
            {"Id":"a","Names":["/a"],"Image":"i","State":"stopped","Status":"Exited (0)"},
            {"Id":"b","Names":["/b"],"Image":"i","State":"initialized","Status":""},
            {"Id":"c","Names":["/c"],"Image":"i","State":"configured","Status":""},
            {"Id":"d","Names":["/d"],"Image":"i","State":"frobbed","Status":""},
            {"Id":"e","Names":["/e"],"Image":"i","State":"running","Status":"Up"}]"#;
        let stopped = r#"{"Id":"a","State":{"Status":"stopped","Running":false,"ExitCode":0}}"#;
        let configured = r#"{"Id":"c","State":{"Status":"configured","Running":false}}"#;
        let (sock, engine) = fake_engine(
            "podman",
            vec![
                VERSION_141,
                ("200 OK", list),
                ("200 OK", stopped),
                ("200 OK", configured),
                ("304 Not Modified", ""),
            ],
        );
        let got = block_on(async {
            let docker = Docker::connect_to(&format!("unix://{}", sock.display()), false).await?;
            let l = docker.list_by_label("io.stagdb.store", "t").await?;
            let st = docker.inspect_state("a").await?;
            docker.stop("c", 1).await?;
            anyhow::Ok((l, st))
        });
        let _ = std::fs::remove_file(&sock);
        let (l, st) = got.unwrap();
        let states: Vec<&str> = l.iter().map(|c| c.state.as_str()).collect();
        assert_eq!(
            states,
            ["exited", "created", "created", "frobbed", "running"]
        );
        assert_eq!(l[0].name, "a");
        let st = st.unwrap();
        assert_eq!(
            (st.status.as_str(), st.running, st.exit_code),
            ("exited", false, Some(0))
        );
        let seen = engine.join().unwrap();
        assert!(
            seen[4].starts_with("POST /v1.41/containers/c/stop"),
            "{seen:?}"
        );
    }

    /// On an SELinux engine the branch's data directory is bound with a private relabel
    /// (":Z"); read-only binds (the user's files) and paths with ':' are not relabelled, and
    /// then the container runs with label=disable. Without SELinux: mounts, as always.
    #[test]
    fn selinux_engines_get_relabelled_binds() {
        let data = Bind {
            host: "/p/s/main".into(),
            container: "/var/lib/stagdb".into(),
            read_only: false,
        };
        let dump = Bind {
            host: "/home/u".into(),
            container: "/dump".into(),
            read_only: true,
        };
        let colon = Bind {
            host: "/p/s/x:y".into(),
            ..data.clone()
        };
        let (b, m, off) = bind_mounts(std::slice::from_ref(&data), true);
        assert_eq!(
            (b, m.len(), off),
            (vec!["/p/s/main:/var/lib/stagdb:Z".to_string()], 0, false)
        );
        let (b, m, off) = bind_mounts(&[data.clone(), dump, colon], true);
        assert_eq!((b.len(), m.len(), off), (1, 2, true));
        let (b, m, off) = bind_mounts(std::slice::from_ref(&data), false);
        assert_eq!((b.len(), m.len(), off), (0, 1, false));
        assert!(selinux_in(&[
            "name=seccomp,profile=default".into(),
            "name=selinux".into()
        ]));
        assert!(!selinux_in(&["name=seccomp,profile=default".into()]));

        let info = r#"{"SecurityOptions":["name=seccomp,profile=default","name=selinux"]}"#;
        let (sock, engine) = fake_engine(
            "selinux",
            vec![
                VERSION_141,
                ("200 OK", info),
                ("201 Created", r#"{"Id":"abc","Warnings":[]}"#),
            ],
        );
        let spec = ContainerSpec {
            name: "x".into(),
            image: "i".into(),
            binds: vec![data],
            ..Default::default()
        };
        let id = block_on(async {
            let docker = Docker::connect_to(&format!("unix://{}", sock.display()), false).await?;
            docker.create(&spec).await
        });
        let _ = std::fs::remove_file(&sock);
        assert_eq!(id.unwrap(), "abc");
        let seen = engine.join().unwrap();
        assert!(seen[1].starts_with("GET /v1.41/info "), "{seen:?}");
        assert!(
            seen[2].starts_with("POST /v1.41/containers/create?"),
            "{seen:?}"
        );
        assert!(
            seen[2].contains(r#""Binds":["/p/s/main:/var/lib/stagdb:Z"]"#),
            "{seen:?}"
        );
        assert!(!seen[2].contains("label=disable"), "{seen:?}");
    }

    /// A killed command can leave the engine removing its container; the next removal of it
    /// (doctor's restart, a retried rm) waits for that one instead of failing on its 409.
    #[test]
    fn a_removal_under_way_is_waited_for() {
        let in_progress = r#"{"message":"removal of container x is already in progress"}"#;
        let removing = r#"{"State":{"Status":"removing","Running":false}}"#;
        let gone = r#"{"message":"No such container: x"}"#;
        let (sock, engine) = fake_engine(
            "remove",
            vec![
                VERSION_141,
                ("409 Conflict", in_progress),
                ("200 OK", removing),
                ("404 Not Found", gone),
            ],
        );
        let removed = block_on(async {
            let docker = Docker::connect_to(&format!("unix://{}", sock.display()), false).await?;
            docker.remove("x", true).await
        });
        // Checked before the join: a regression (one request, then an error) would leave the
        // engine waiting for a connection that never comes.
        let _ = std::fs::remove_file(&sock);
        removed.unwrap();
        let seen = engine.join().unwrap();
        assert!(
            seen[1].starts_with("DELETE /v1.41/containers/x?"),
            "{seen:?}"
        );
        assert!(
            seen[2].starts_with("GET /v1.41/containers/x/json"),
            "{seen:?}"
        );
        assert_eq!(seen.len(), 4);
    }

    /// A removal under way that the engine gave up on leaves the container "dead": it is
    /// removed once more. Any other conflict is an error, not a wait.
    #[test]
    fn a_failed_removal_under_way_is_retried_and_other_conflicts_fail() {
        let in_progress = r#"{"message":"removal of container x is already in progress"}"#;
        let dead = r#"{"State":{"Status":"dead","Running":false,"Dead":true}}"#;
        let (sock, engine) = fake_engine(
            "dead",
            vec![
                VERSION_141,
                ("409 Conflict", in_progress),
                ("200 OK", dead),
                ("204 No Content", ""),
                (
                    "409 Conflict",
                    r#"{"message":"You cannot remove a paused container"}"#,
                ),
            ],
        );
        let (first, second) = block_on(async {
            let docker = Docker::connect_to(&format!("unix://{}", sock.display()), false)
                .await
                .unwrap();
            (
                docker.remove("x", true).await,
                docker.remove("x", true).await,
            )
        });
        let _ = std::fs::remove_file(&sock);
        first.unwrap();
        let second = second.unwrap_err();
        assert!(is_conflict(&second), "{second:#}");
        assert!(second.to_string().contains("paused"), "{second:#}");
        let seen = engine.join().unwrap();
        assert!(
            seen[3].starts_with("DELETE /v1.41/containers/x?"),
            "{seen:?}"
        );
    }

    #[test]
    fn error_helpers_see_through_context() {
        let e: anyhow::Error = DockerError {
            kind: ErrorKind::Status(409),
            message: "docker: creating container 'x' failed: Conflict.".into(),
        }
        .into();
        let e = e.context("creating branch main");
        assert!(is_conflict(&e));
        assert!(!is_unreachable(&e));
        assert!(!is_not_found(&e));
        assert!(!is_port_in_use(&e));
    }

    #[test]
    fn a_taken_port_is_told_apart_from_other_start_failures() {
        let taken = [
            "docker: starting container 'x' failed: driver failed programming external connectivity on endpoint x: Error starting userland proxy: listen tcp4 127.0.0.1:5433: bind: address already in use",
            "docker: starting container 'x' failed: Bind for 127.0.0.1:5433 failed: port is already allocated",
            "container x exited (code 1): LOG:  could not bind IPv4 address \"127.0.0.1\": Address already in use",
        ];
        for t in taken {
            assert!(is_port_in_use(&anyhow::anyhow!(t.to_string())), "{t}");
        }
        let other = "docker: starting container 'x' failed: error mounting \"/p/s/b\" to rootfs at \"/var/lib/stagdb\": stat /p/s/b: no such file or directory: unknown";
        assert!(!is_port_in_use(&anyhow::anyhow!(other)));
    }
}
