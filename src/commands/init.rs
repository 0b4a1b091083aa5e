use std::net::IpAddr;

use crate::cli::InitArgs;
use crate::ctx::Ctx;
use crate::error::{CmdResult, CommandError, ErrorKind, usage_error, user_error};
use crate::names;
use crate::ops;
use crate::ops::Undo;
use crate::pg;
use crate::ports::{self, PortRange};
use crate::props;
use crate::zfs;

/// Host-wide lock name for `init` (store names always contain a `/`).
/// The host's lock: one `init` at a time; also taken, before the store's
/// lock, by `config network`, which checks that no other store has the
/// network (Docker's networks are one name space for the host's stores).
pub(crate) const HOST_LOCK: &str = "init";

#[derive(serde::Serialize)]
struct Output {
    store: String,
    branch: &'static str,
    pg_version: u32,
    image: String,
    port: u16,
    head_port: u16,
    url: String,
}

/// Two stores handing out the same ports would collide as soon as both run
/// a branch on one: refuse overlapping ranges up front.
async fn check_ports_free_of_other_stores(
    ctx: &Ctx,
    range: PortRange,
    head_port: u16,
) -> CmdResult {
    for other in ctx.zfs.find_stores().await? {
        let theirs: Option<PortRange> = other.local(props::PORTS).and_then(|p| p.parse().ok());
        let their_head: Option<u16> = other.local(props::HEAD_PORT).and_then(|p| p.parse().ok());
        let overlap = theirs
            .is_some_and(|t| t.low <= range.high && range.low <= t.high || t.contains(head_port))
            || their_head.is_some_and(|h| h == head_port || range.contains(h));
        if overlap {
            return Err(usage_error(format!(
                "ports {range} (head port {head_port}) overlap those of store {} ({}, head port {})",
                other.name,
                theirs.map(|t| t.to_string()).unwrap_or_else(|| "-".into()),
                their_head.map(|h| h.to_string()).unwrap_or_else(|| "-".into()),
            ))
            .hint("pick other ports with --ports LOW-HIGH and --head-port PORT"));
        }
    }
    Ok(())
}

pub async fn run(ctx: &Ctx, args: InitArgs) -> CmdResult {
    // Check everything the user typed before touching anything.
    let range: PortRange = args
        .ports
        .parse()
        .map_err(|e| usage_error(format!("invalid --ports '{}': {e}", args.ports)))?;
    if range.low < 1024 || args.head_port < 1024 {
        return Err(usage_error(format!(
            "ports below 1024 are privileged: --ports {range} --head-port {}",
            args.head_port
        ))
        .hint("pick ports from 1024 up, e.g. the default --ports 55433-55999 --head-port 55432"));
    }
    if range.contains(args.head_port) {
        return Err(usage_error(format!(
            "--head-port {} lies inside --ports {range}",
            args.head_port
        ))
        .hint("the head port must be outside the branches' range"));
    }
    let listen: IpAddr = args
        .listen
        .parse()
        .map_err(|_| usage_error(format!("invalid --listen address '{}'", args.listen)))?;
    if args.pg_version < 10 {
        return Err(usage_error(format!(
            "PostgreSQL {} is not supported; use 10 or later",
            args.pg_version
        )));
    }
    if let Some(n) = &args.network {
        crate::names::validate_network_name(n)
            .map_err(|why| usage_error(format!("invalid --network: '{n}' {why}")))?;
    }
    if args.image.trim().is_empty() {
        return Err(usage_error("--image must not be empty"));
    }
    let size = match &args.size {
        Some(s) => Some(
            zfs::parse_size(s)
                .filter(|n| *n >= 64 << 20)
                .ok_or_else(|| {
                    usage_error(format!("invalid --size '{s}' (e.g. 20G; at least 64M)"))
                })?,
        ),
        None => None,
    };

    let pool = match (&args.pool, &args.pool_file, &args.dataset) {
        (Some(p), _, _) => p.clone(),
        (None, _, Some(d)) => d.split('/').next().unwrap_or(d).to_string(),
        (None, Some(_), None) => "stagdb".to_string(),
        (None, None, None) => {
            let pools = ctx.zfs.pools().await?;
            match pools.as_slice() {
                [one] => one.clone(),
                [] => {
                    return Err(user_error("there is no ZFS pool on this host")
                        .hint("create one on a sparse file with `stagdb init --pool-file /var/lib/stagdb/pool.img --size 20G`"));
                }
                many => {
                    return Err(
                        usage_error(format!("several ZFS pools: {}", many.join(", ")))
                            .hint("pick one with --pool POOL"),
                    );
                }
            }
        }
    };
    let dataset = args
        .dataset
        .clone()
        .unwrap_or_else(|| format!("{pool}/stagdb"));
    if !dataset.starts_with(&format!("{pool}/")) {
        return Err(usage_error(format!(
            "--dataset {dataset} is not in pool {pool}"
        )));
    }
    // The store's defaults, which main gets too.
    let limits = crate::limits::Limits::default().with(
        crate::limits::Change::parse(args.memory.as_deref(), args.cpus.as_deref())
            .map_err(usage_error)?,
    );
    if let Some(c) = limits.cpus {
        super::limits::check_cpus(ctx, c).await?;
    }

    // Refuse to touch anything that exists, ours or not.
    if let Some(e) = ctx.zfs.get_one(&dataset, &[props::STORE]).await? {
        return Err(if e.local(props::STORE).is_some() {
            user_error(format!("a stagdb store already exists at {dataset}"))
                .hint("use it (`stagdb --store ...`), or pick another --dataset")
        } else {
            user_error(format!("dataset {dataset} already exists and was not created by stagdb; refusing to touch it"))
                .hint("pick another --dataset")
        });
    }

    // One init at a time on this host: zfs-fuse can deadlock (every access
    // to the pool hangs) when two `zfs create`s mount new datasets at once,
    // and the port-overlap check above is only sound without a rival init.
    ctx.hold_lock(HOST_LOCK).await?;
    check_ports_free_of_other_stores(ctx, range, args.head_port).await?;
    if let Some(n) = &args.network {
        super::config::check_network_unshared(ctx, &dataset, n).await?;
    }

    if let (Some(file), Some(size)) = (&args.pool_file, size) {
        ctx.printer.status(format!(
            "creating pool {pool} on sparse file {}",
            file.display()
        ));
        ctx.zfs.create_file_pool(&pool, file, size).await.map_err(|e| {
            CommandError::new(ErrorKind::User, e)
                .hint("is the ZFS daemon running (zfs-fuse) or the kernel module loaded? Does the pool name exist already?")
        })?;
        ctx.created(Undo::Pool {
            name: pool.clone(),
            file: file.clone(),
        });
    }

    let image = args.image.replace("{major}", &args.pg_version.to_string());
    ops::ensure_image(ctx, &image).await?;

    ctx.printer.status(format!("creating store {dataset}"));
    let mut root_props = vec![
        (props::STORE, props::STORE_SCHEMA.to_string()),
        (props::IMAGE, args.image.clone()),
        (props::PORTS, range.to_string()),
        (props::HEAD_PORT, args.head_port.to_string()),
        (props::LISTEN, listen.to_string()),
        (props::HEAD, "main".to_string()),
        // A courtesy to zfs-auto-snapshot (inherited by every branch): its
        // snapshots would pin the space of data a reset throws away. stagdb
        // copes with them anyway (they are foreign: never chosen, never destroyed).
        ("com.sun:auto-snapshot", "false".to_string()),
    ];
    if let Some(n) = &args.network {
        root_props.push((props::NETWORK, n.clone()));
    }
    root_props.extend(limits.props());
    let res = ctx.zfs.create(&dataset, &root_props).await;
    ctx.track(res, Undo::Dataset(dataset.clone()))
        .map_err(|e| {
            if zfs::is_already_exists(&e) {
                user_error(format!(
                    "{dataset} was created concurrently; refusing to touch it"
                ))
            } else {
                e.into()
            }
        })?;

    // Before main is made, so that it and every branch inherit them.
    let tuned = zfs::tuning::tune_for_postgres(&ctx.zfs, &dataset).await?;
    if !tuned.is_empty() {
        let list: Vec<String> = tuned.iter().map(|(p, v)| format!("{p}={v}")).collect();
        ctx.printer.status(format!(
            "dataset properties for PostgreSQL: {}",
            list.join(" ")
        ));
    }

    // Private before anything secret goes below it; the key that seals the
    // branches' passwords lives there.
    let store_mp = store_mountpoint(ctx, &dataset).await?;
    ops::make_private(&store_mp)?;
    let key = crate::vault::Key::load_or_create(&store_mp)
        .map_err(|e| CommandError::new(ErrorKind::User, e))?;
    let (password, sealed) = ops::new_password(&key)?;
    let port = ports::choose_port(range, &[args.head_port].into(), |p| {
        ports::port_is_free(listen, p)
    })
    .ok_or_else(|| user_error(format!("no free port in {range}")))?;
    let main_ds = format!("{dataset}/{}", names::dataset_component("main"));
    let mut main_props = vec![
        (props::BRANCH, "main".to_string()),
        (props::PORT, port.to_string()),
        (props::PASSWORD, sealed),
        (props::PG_VERSION, args.pg_version.to_string()),
        (props::CREATED, crate::ui::now().to_string()),
    ];
    main_props.extend(limits.props());
    ctx.zfs.create(&main_ds, &main_props).await?;
    ops::index::write(ctx, &dataset, &[port].into()).await?;
    let store = ops::load_store(ctx, &dataset).await?;
    let main = ops::find_branch(&store, "main")?;
    let mp = main
        .mountpoint
        .as_deref()
        .ok_or_else(|| user_error(format!("{main_ds} has no mountpoint")))?;
    pg::write_pwfile(mp, &password)?;
    ctx.printer.status(format!(
        "initializing PostgreSQL {} in branch 'main' ({image})",
        args.pg_version
    ));
    let took = ops::start_branch(ctx, &store, main, true).await?;
    match pg::read_pg_version(mp)? {
        Some(v) if v == args.pg_version => {}
        other => {
            return Err(user_error(format!(
                "image {image} created a PostgreSQL {} data directory, not {}",
                other
                    .map(|v| v.to_string())
                    .unwrap_or_else(|| "unknown".into()),
                args.pg_version
            ))
            .hint("check --image: {major} must select the PostgreSQL major version"));
        }
    }
    ctx.keep();
    ctx.printer.status(format!(
        "store {dataset} ready: branch 'main' (HEAD) on port {port} and head port {}, in {:.1}s",
        args.head_port,
        took.as_secs_f64()
    ));
    let url = pg::public_url(store.settings.connect_host(), port, pg::DATABASE);
    if ctx.settings.json {
        ctx.printer.json(&Output {
            store: dataset,
            branch: "main",
            pg_version: args.pg_version,
            image,
            port,
            head_port: args.head_port,
            url,
        })
    } else {
        ctx.printer.line(url)?;
        Ok(())
    }
}

/// Where the store's root dataset is mounted.
async fn store_mountpoint(ctx: &Ctx, dataset: &str) -> CmdResult<std::path::PathBuf> {
    ctx.zfs
        .get_one(dataset, &["mountpoint"])
        .await?
        .and_then(|e| e.native("mountpoint").map(std::path::PathBuf::from))
        .filter(|m| m.is_absolute())
        .ok_or_else(|| user_error(format!("{dataset} has no mountpoint")))
}
