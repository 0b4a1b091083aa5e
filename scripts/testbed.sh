#!/usr/bin/env bash
# Brings up (idempotently) the testbed stagdb's tests run against, on a Debian 12 machine where we are
# root but nothing is running: a real ZFS pool (zfs-fuse on a sparse file), a real Docker engine
# (Debian's docker.io) and PostgreSQL images built from Debian packages (no registry needed):
# stagdb-test/postgres:13 (bullseye), :15 (bookworm), :17 (trixie) and :18 (forky), each built only
# when it is missing or its recipe changed (a label on the image holds the recipe's hash), so a run
# on a machine that has them up to date builds nothing.
# See shared/TESTBED.md. Works on a fresh machine, on a machine where the testbed is partly or fully up,
# and after a restart (daemons gone, pool file still there). Any failure exits non-zero: in CI a
# missing testbed is a failure, never a skip.
#
# Environment:
#   STAGDB_TEST_POOL      pool name                       (default: stagdbtest)
#   STAGDB_TESTBED_DIR    pool file, image cache, logs     (default: /var/lib/stagdb-testbed)
#   STAGDB_TESTBED_POOL_SIZE  size of the sparse pool file (default: 8G)
#   STAGDB_TESTBED_JOBS       how many image rootfs builds run at once (default: 2; a build is mostly
#                             dpkg unpacking, and these machines have 2 CPUs)
#   STAGDB_TESTBED_SERIAL=1   build the images one after the other (same as STAGDB_TESTBED_JOBS=1)
#   STAGDB_TESTBED_SKIP_VERIFY=1  skip the final end-to-end checks (not for CI)
#   STAGDB_TESTBED_NO_POOL=1  only the daemons and images: no test pool, no end-to-end checks
#                             (scripts/demo.sh uses this to get ZFS and Docker running)
#   STAGDB_TESTBED_IMAGES     PostgreSQL majors to build (default: "13 15 17 18"; "0" or "none": none)
#   STAGDB_TESTBED_PODMAN=0   no Podman engine (default: Debian's podman serving its Docker-compatible
#                             API on /run/podman/podman.sock, with the PostgreSQL 15 image, for
#                             tests/podman.rs; not with STAGDB_TESTBED_NO_POOL)
# A working ZFS (kernel module) or Docker engine that is already there is used as it is: zfs-fuse,
# docker.io and their dependencies are only installed when they are needed.
set -euo pipefail

export PATH="/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:${PATH:-}"
export DEBIAN_FRONTEND=noninteractive
export LC_ALL=C.UTF-8

POOL="${STAGDB_TEST_POOL:-stagdbtest}"
DIR="${STAGDB_TESTBED_DIR:-/var/lib/stagdb-testbed}"
POOL_SIZE="${STAGDB_TESTBED_POOL_SIZE:-8G}"
POOL_IMG="$DIR/pool.img"
IMAGE_DIR="$DIR/images"
LOG_DIR="$DIR/logs"
ZFS_PIDFILE=/run/zfs-fuse.pid
DOCKER_SOCK=/var/run/docker.sock
IMAGE_REPO="stagdb-test/postgres"
# major:suite
IMAGES=("13:bullseye" "15:bookworm" "17:trixie" "18:forky")
NO_POOL="${STAGDB_TESTBED_NO_POOL:-0}"
# Bump when the image recipe changes in a way the hash below does not see.
RECIPE_VERSION=2
RECIPE_LABEL="org.stagdb.testbed.recipe"

START=$SECONDS
log() { printf '[testbed %3ds] %s\n' "$((SECONDS - START))" "$*" >&2; }
die() {
    log "ERROR: $*"
    exit 1
}
# Print the end of a log file to stderr (used on failures).
show_log() {
    local f=$1 n=${2:-40}
    if [[ -s $f ]]; then
        echo "----- last $n lines of $f -----" >&2
        tail -n "$n" "$f" >&2 || true
        echo "-----" >&2
    fi
}

if [[ $(id -u) -ne 0 ]]; then
    die "must run as root (needs apt-get, zfs-fuse, dockerd)"
fi

# STAGDB_TESTBED_IMAGES: keep only the requested majors.
if [[ -n ${STAGDB_TESTBED_IMAGES:-} ]]; then
    want=" ${STAGDB_TESTBED_IMAGES//,/ } "
    if [[ $want == " 0 " || $want == " none " ]]; then
        IMAGES=()
    else
        selected=()
        for spec in "${IMAGES[@]}"; do
            if [[ $want == *" ${spec%%:*} "* ]]; then
                selected+=("$spec")
                want=${want/ ${spec%%:*} / }
            fi
        done
        [[ -z ${want// /} ]] || die "STAGDB_TESTBED_IMAGES: no recipe for PostgreSQL${want% } (known: ${IMAGES[*]%%:*})"
        IMAGES=("${selected[@]}")
    fi
fi

mkdir -p "$DIR" "$IMAGE_DIR" "$LOG_DIR"

# One testbed setup at a time on this machine.
exec 9>"$DIR/.lock"
if ! flock -n 9; then
    log "another testbed.sh is running; waiting for it"
    flock -w 1800 9 || die "timed out waiting for the testbed lock $DIR/.lock"
fi

CLEANUPS=()
on_exit() {
    local rc=$? c
    for c in "${CLEANUPS[@]}"; do
        eval "$c" >/dev/null 2>&1 || true
    done
    if [[ $rc -ne 0 ]]; then
        log "testbed setup FAILED (exit $rc)"
    fi
}
trap on_exit EXIT

# --------------------------------------------------------------------------------------------------
# Packages
# --------------------------------------------------------------------------------------------------

# The apt mirror this machine is configured with (never hard-coded here).
apt_mirror() {
    local m=""
    if [[ -r /etc/apt/sources.list.d/debian.sources ]]; then
        m=$(awk '/^URIs:/ && $2 !~ /security/ {print $2; exit}' /etc/apt/sources.list.d/debian.sources)
    fi
    if [[ -z $m ]]; then
        m=$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null |
            awk '$1 == "deb" {
                     for (i = 2; i <= NF; i++)
                         if ($i ~ /^(https?|file|ftp):/) { if ($i !~ /security/) { print $i; exit } else break }
                 }')
    fi
    if [[ -z $m ]]; then
        m=$(cat /etc/apt/sources.list.d/*.sources 2>/dev/null | awk '/^URIs:/ && $2 !~ /security/ {print $2; exit}')
    fi
    [[ -n $m ]] || return 1
    printf '%s\n' "${m%/}"
}

pkg_installed() {
    [[ $(dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null) == installed ]]
}

ensure_packages() {
    local missing=() p
    # command -> package
    local -A need=(
        [pg_isready]=postgresql-client
        [flock]=util-linux [setsid]=util-linux [mountpoint]=util-linux [umount]=mount [pgrep]=procps
        [timeout]=coreutils [sha256sum]=coreutils [truncate]=coreutils
        # tests/network.rs runs a compose project against a branch
        [docker-compose]=docker-compose
    )
    # A ZFS that works already (the kernel's) is used as it is: installing zfs-fuse next to
    # zfsutils-linux would conflict with it.
    if ! zfs_usable; then
        need+=([zfs-fuse]=zfs-fuse [zpool]=zfs-fuse [zfs]=zfs-fuse)
    fi
    # Likewise a running Docker engine (docker-ce, say, which conflicts with docker.io).
    if ! docker_answers; then
        need+=([dockerd]=docker.io [containerd]=containerd [runc]=runc [iptables]=iptables)
    fi
    if [[ ${#IMAGES[@]} -gt 0 ]]; then
        need+=([mmdebstrap]=mmdebstrap)
    fi
    if want_podman; then
        need+=([podman]=podman [curl]=curl)
    fi
    local c
    for c in "${!need[@]}"; do
        command -v "$c" >/dev/null 2>&1 || missing+=("${need[$c]}")
    done
    # psql is a wrapper from postgresql-client-common: make sure it actually runs.
    psql --version >/dev/null 2>&1 || missing+=(postgresql-client)
    # docker client: /usr/local/bin/docker may be a newer static client (fine); otherwise docker.io's.
    command -v docker >/dev/null 2>&1 || missing+=(docker.io)
    local pkgs=(ca-certificates)
    [[ ${#IMAGES[@]} -eq 0 ]] || pkgs+=(debian-archive-keyring)
    for p in "${pkgs[@]}"; do
        pkg_installed "$p" || missing+=("$p")
    done
    if [[ ${#missing[@]} -eq 0 ]]; then
        log "packages: all present"
        return
    fi
    mapfile -t missing < <(printf '%s\n' "${missing[@]}" | sort -u)
    log "packages: installing ${missing[*]}"
    # Do not let package scripts start daemons (zfs-fuse, docker): we start them ourselves.
    if [[ ! -e /usr/sbin/policy-rc.d ]]; then
        printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
        chmod 755 /usr/sbin/policy-rc.d
        CLEANUPS+=("rm -f /usr/sbin/policy-rc.d")
    fi
    local aptlog="$LOG_DIR/apt.log"
    : >"$aptlog"
    if ! apt-get update -q >>"$aptlog" 2>&1; then
        show_log "$aptlog"
        die "apt-get update failed"
    fi
    if ! apt-get install -y -q --no-install-recommends "${missing[@]}" >>"$aptlog" 2>&1; then
        show_log "$aptlog"
        die "apt-get install ${missing[*]} failed"
    fi
    if [[ " ${CLEANUPS[*]} " == *policy-rc.d* ]]; then
        rm -f /usr/sbin/policy-rc.d
    fi
    for c in "${!need[@]}"; do
        command -v "$c" >/dev/null 2>&1 || die "command $c still missing after installing packages"
    done
    psql --version >/dev/null 2>&1 || die "psql still not working after installing postgresql-client"
    log "packages: installed"
}

# --------------------------------------------------------------------------------------------------
# ZFS (zfs-fuse)
# --------------------------------------------------------------------------------------------------

zfs_answers() { timeout 10 zpool list -H -o name >/dev/null 2>&1; }
# ZFS works, or will once the kernel module is loaded (OpenZFS installed, module not loaded yet).
zfs_usable() {
    zfs_answers && return 0
    command -v zpool >/dev/null 2>&1 && ! command -v zfs-fuse >/dev/null 2>&1 &&
        modprobe zfs >/dev/null 2>&1 && zfs_answers
}

zfs_fuse_pid() {
    local pid
    if [[ -r $ZFS_PIDFILE ]]; then
        pid=$(cat "$ZFS_PIDFILE" 2>/dev/null || true)
        if [[ $pid =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null &&
            [[ $(cat "/proc/$pid/comm" 2>/dev/null) == zfs-fuse ]]; then
            echo "$pid"
            return 0
        fi
    fi
    pgrep -x zfs-fuse | head -n1
}

# After zfs-fuse died (killed, crashed) its FUSE mounts stay behind as dead mounts ("Transport
# endpoint is not connected") and would shadow or block the new daemon's mounts. Only called when no
# zfs-fuse process exists, so every zfs-fuse mount is dead. (stat(2) on a dead mount's root can still
# succeed from the kernel's attribute cache, so it is no test of liveness.)
unmount_stale_zfs_mounts() {
    local src mnt fstype rest m
    local stale=()
    while read -r src mnt fstype rest; do
        mnt=$(printf '%b' "$mnt") # /proc/mounts escapes spaces as \040
        # zfs-fuse's mounts: datasets are "fuse.zfs", its statistics are "kstat /zfs-kstat fuse".
        if [[ $fstype == fuse.zfs || ($fstype == fuse && $src == kstat && $mnt == /zfs-kstat) ]]; then
            stale+=("$mnt")
        fi
    done </proc/mounts
    [[ ${#stale[@]} -gt 0 ]] || return 0
    log "zfs: unmounting ${#stale[@]} dead zfs-fuse mount(s) left by a previous zfs-fuse"
    # Deepest first; the same path may be listed more than once (stacked mounts).
    while IFS= read -r m; do
        umount -l "$m" 2>/dev/null || umount -f "$m" 2>/dev/null || true
    done < <(printf '%s\n' "${stale[@]}" | awk '{print length($0) "\t" $0}' | sort -rn | cut -f2-)
}

# zfs-fuse answers "dataset is busy" for a moment after the last file in it was closed (FUSE releases
# files asynchronously): retry.
zfs_destroy() {
    local i err
    for i in $(seq 1 40); do
        err=$(zfs destroy "$@" 2>&1) && return 0
        [[ $err == *busy* ]] || break
        sleep 0.25
    done
    printf '%s\n' "$err" >&2
    return 1
}

# zfs-fuse can answer `zpool list` (its control socket) while its FUSE side is wedged: every file
# access under its mounts then hangs for good (seen after concurrent `zfs create`s following a
# forced restart). A directory listing of its mounts needs the FUSE side (attributes may come from
# the kernel's cache, a listing does not).
zfs_fuse_wedged() {
    local src mnt fstype rest
    while read -r src mnt fstype rest; do
        [[ $fstype == fuse.zfs ]] || continue
        mnt=$(printf '%b' "$mnt")
        timeout 10 ls -a "$mnt" >/dev/null 2>&1 || return 0
    done </proc/mounts
    return 1
}

ensure_zfs_fuse() {
    local pid i
    if zfs_answers && pid=$(zfs_fuse_pid) && [[ -n $pid ]] && zfs_fuse_wedged; then
        log "zfs-fuse: process $pid answers but its mounts hang; restarting it"
        kill -9 "$pid" 2>/dev/null || true
        for i in $(seq 1 50); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.2
        done
    fi
    if zfs_answers; then
        if pid=$(zfs_fuse_pid) && [[ -n $pid ]]; then
            log "zfs-fuse: running (pid $pid)"
        else
            log "zfs: answering (kernel module), not using zfs-fuse"
        fi
        return
    fi
    pid=$(zfs_fuse_pid || true)
    if [[ -n $pid ]]; then
        log "zfs-fuse: process $pid exists but does not answer yet; waiting"
        for i in $(seq 1 30); do
            zfs_answers && { log "zfs-fuse: answering"; return; }
            sleep 1
        done
        # Wedged, or still exiting after a stop: gone for good, then started anew.
        log "zfs-fuse: process $pid still does not answer after 30 s; killing it and starting anew"
        kill -9 "$pid" 2>/dev/null || true
        for i in $(seq 1 50); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.2
        done
        kill -0 "$pid" 2>/dev/null && die "zfs-fuse (pid $pid) survives kill -9; reboot the machine"
    fi
    unmount_stale_zfs_mounts
    rm -f "$ZFS_PIDFILE"
    log "zfs-fuse: starting"
    # zfs-fuse daemonizes itself.
    # 9>&-: the daemon must not inherit (and hold forever) the testbed lock.
    if ! zfs-fuse --pidfile "$ZFS_PIDFILE" >>"$LOG_DIR/zfs-fuse.log" 2>&1 9>&-; then
        show_log "$LOG_DIR/zfs-fuse.log"
        die "zfs-fuse failed to start"
    fi
    for i in $(seq 1 60); do
        if zfs_answers; then
            log "zfs-fuse: started (pid $(zfs_fuse_pid || echo '?'))"
            return
        fi
        sleep 0.5
    done
    show_log "$LOG_DIR/zfs-fuse.log"
    die "zfs-fuse started but 'zpool list' does not answer after 30 s"
}

pool_imported() { zpool list -H -o name "$POOL" >/dev/null 2>&1; }

create_pool() {
    log "zfs: creating pool $POOL on sparse file $POOL_IMG ($POOL_SIZE)"
    rm -f "$POOL_IMG"
    truncate -s "$POOL_SIZE" "$POOL_IMG"
    # A leftover empty mountpoint directory is fine; a non-empty one would make the mount fail.
    if [[ -d /$POOL ]] && ! mountpoint -q "/$POOL"; then
        rmdir "/$POOL" 2>/dev/null || true
    fi
    zpool create "$POOL" "$POOL_IMG" || die "zpool create $POOL $POOL_IMG failed"
}

ensure_pool() {
    if pool_imported; then
        local health
        health=$(zpool list -H -o health "$POOL" 2>/dev/null || echo UNKNOWN)
        if [[ $health == ONLINE ]]; then
            log "zfs: pool $POOL imported and ONLINE"
        else
            # E.g. zfs-fuse re-imported it from its cache file at start-up, but the backing file is
            # gone or was replaced.
            log "zfs: pool $POOL is $health; exporting it"
            zpool export -f "$POOL" >/dev/null 2>&1 || zpool destroy -f "$POOL" >/dev/null 2>&1 ||
                die "pool $POOL is $health and can be neither exported nor destroyed"
        fi
    fi
    if ! pool_imported; then
        if [[ -f $POOL_IMG ]]; then
            log "zfs: importing pool $POOL from $DIR"
            if ! timeout 120 zpool import -d "$DIR" "$POOL" >"$LOG_DIR/zpool-import.log" 2>&1; then
                cat "$LOG_DIR/zpool-import.log" >&2 || true
                log "zfs: import of $POOL failed; recreating it (its data is lost)"
                create_pool
            fi
        else
            create_pool
        fi
    fi
    pool_imported || die "pool $POOL is not imported"
    [[ $(zpool list -H -o health "$POOL") == ONLINE ]] || die "pool $POOL is not ONLINE: $(zpool status "$POOL" 2>&1)"
    # Mount whatever is not mounted (after an import from zfs-fuse's cache not everything is).
    if ! zfs mount -a >"$LOG_DIR/zfs-mount.log" 2>&1; then
        log "zfs: warning: 'zfs mount -a' reported: $(tr '\n' ' ' <"$LOG_DIR/zfs-mount.log")"
    fi
    local mnt
    mnt=$(zfs get -H -o value mountpoint "$POOL")
    [[ $(zfs get -H -o value mounted "$POOL") == yes ]] || die "dataset $POOL is not mounted (mountpoint $mnt)"
    timeout 5 stat -t "$mnt" >/dev/null 2>&1 || die "mountpoint $mnt of $POOL is not accessible"
}

# --------------------------------------------------------------------------------------------------
# Docker
# --------------------------------------------------------------------------------------------------

docker_answers() { [[ -S $DOCKER_SOCK ]] && timeout 15 docker info >/dev/null 2>&1; }

ensure_dockerd() {
    if docker_answers; then
        log "dockerd: running"
        return
    fi
    local i pid
    pid=$(pgrep -x dockerd | head -n1 || true)
    if [[ -n $pid ]]; then
        log "dockerd: process $pid exists but does not answer yet; waiting"
        for i in $(seq 1 60); do
            docker_answers && { log "dockerd: answering"; return; }
            # One that was shutting down: start a new one below.
            kill -0 "$pid" 2>/dev/null || { log "dockerd: process $pid exited"; break; }
            sleep 1
        done
        kill -0 "$pid" 2>/dev/null && die "dockerd (pid $pid) does not answer on $DOCKER_SOCK; kill it and rerun"
    fi
    # Under systemd, let it manage the engine.
    if [[ -d /run/systemd/system ]] && systemctl cat docker.service >/dev/null 2>&1; then
        log "dockerd: starting docker.service"
        systemctl start docker.service || die "systemctl start docker.service failed (journalctl -u docker)"
        for i in $(seq 1 120); do
            docker_answers && { log "dockerd: started (docker.service)"; return; }
            sleep 0.5
        done
        die "docker.service started but does not answer on $DOCKER_SOCK after 60 s"
    fi
    # No dockerd runs (checked above): a pid file left by a reboot or a
    # kill -9 would make the new one refuse to start. Only one whose process
    # is gone: a containerd that outlived a killed dockerd keeps its file, so
    # the new dockerd finds it instead of starting a second one.
    local stale spid comm
    for stale in /var/run/docker.pid:dockerd /var/run/docker/containerd/containerd.pid:containerd; do
        comm=${stale##*:} stale=${stale%:*}
        [[ -e $stale ]] || continue
        spid=$(cat "$stale" 2>/dev/null || true)
        if [[ $spid =~ ^[0-9]+$ ]] && [[ $(cat "/proc/$spid/comm" 2>/dev/null) == "$comm" ]]; then
            continue
        fi
        log "dockerd: removing stale $stale (pid ${spid:-?}, not a running $comm)"
        rm -f "$stale"
    done
    log "dockerd: starting (log $LOG_DIR/dockerd.log)"
    local dlog="$LOG_DIR/dockerd.log"
    printf '\n===== %s dockerd started by testbed.sh =====\n' "$(date -Is)" >>"$dlog"
    # Detached from this script (own session, no stdin/terminal) so it outlives it.
    # 9>&-: the daemon must not inherit (and hold forever) the testbed lock.
    setsid nohup dockerd >>"$dlog" 2>&1 </dev/null 9>&- &
    pid=$!
    for i in $(seq 1 120); do
        if docker_answers; then
            log "dockerd: started (pid $pid)"
            return
        fi
        if ! kill -0 "$pid" 2>/dev/null; then
            show_log "$dlog"
            die "dockerd exited during start-up"
        fi
        sleep 0.5
    done
    show_log "$dlog"
    die "dockerd does not answer on $DOCKER_SOCK after 60 s"
}

# --------------------------------------------------------------------------------------------------
# Test ports
# --------------------------------------------------------------------------------------------------

# The tests (41000-45999) and the benchmarks (45900-49999) publish servers on fixed ports, inside
# Linux's ephemeral range (32768-60999): an outgoing connection (pg_dump -j, psql) could hold one of
# them as its local port, also for a minute in TIME-WAIT after it closed, at the moment a server
# binds it ("address already in use": seen in CI, and twice in a row in bench-import). Reserved
# ports are never handed out as ephemeral ones.
TEST_PORTS=41000-49999
reserve_test_ports() {
    local f=/proc/sys/net/ipv4/ip_local_reserved_ports have
    [[ $NO_POOL == 1 ]] && return 0
    have=$(cat "$f" 2>/dev/null) || { log "ports: cannot read $f; test ports not reserved"; return 0; }
    if [[ ",$have," == *",$TEST_PORTS,"* ]]; then
        return 0
    fi
    if echo "${have:+$have,}$TEST_PORTS" >"$f" 2>/dev/null; then
        log "ports: reserved $TEST_PORTS from ephemeral use"
    else
        die "cannot reserve test ports $TEST_PORTS in $f (needed: fixtures bind fixed ports)"
    fi
}

# --------------------------------------------------------------------------------------------------
# Podman (its Docker-compatible API, for tests/podman.rs)
# --------------------------------------------------------------------------------------------------

PODMAN_SOCK=/run/podman/podman.sock
PODMAN_MAJOR=15
want_podman() {
    [[ ${STAGDB_TESTBED_PODMAN:-1} != 0 && $NO_POOL != 1 ]] && printf '%s\n' "${IMAGES[@]}" | grep -q "^$PODMAN_MAJOR:"
}
podman_answers() {
    [[ -S $PODMAN_SOCK ]] && [[ $(curl -s --max-time 10 --unix-socket "$PODMAN_SOCK" http://d/_ping 2>/dev/null) == OK ]]
}

ensure_podman() {
    want_podman || return 0
    if ! podman_answers; then
        # Podman raises every container's open-file and process limits to values above this
        # sandbox's hard limits, and runc then fails ("error setting rlimits ... operation not
        # permitted"): the service gets defaults within them, from a config of its own (the
        # host's /etc/containers stays untouched). 32768 processes is what runc accepted here.
        local conf="$DIR/podman-containers.conf" nofile nproc
        nofile=$(ulimit -Hn)
        [[ $nofile == unlimited || $nofile -gt 1048576 ]] && nofile=1048576
        nproc=$(ulimit -Hu)
        [[ $nproc == unlimited || $nproc -gt 32768 ]] && nproc=32768
        printf '[containers]\ndefault_ulimits = ["nofile=%s:%s", "nproc=%s:%s"]\n' \
            "$nofile" "$nofile" "$nproc" "$nproc" >"$conf"
        mkdir -p "$(dirname "$PODMAN_SOCK")"
        rm -f "$PODMAN_SOCK"
        local plog="$LOG_DIR/podman.log" i pid
        log "podman: starting its API service on $PODMAN_SOCK (log $plog)"
        CONTAINERS_CONF="$conf" setsid nohup podman system service --time=0 "unix://$PODMAN_SOCK" \
            >>"$plog" 2>&1 </dev/null 9>&- &
        pid=$!
        for i in $(seq 1 60); do
            podman_answers && break
            kill -0 "$pid" 2>/dev/null || { show_log "$plog"; die "podman system service exited"; }
            sleep 0.5
        done
        podman_answers || { show_log "$plog"; die "podman does not answer on $PODMAN_SOCK after 30 s"; }
    fi
    # The test image, copied from Docker's store when missing or of another recipe.
    local tag="$IMAGE_REPO:$PODMAN_MAJOR" want have
    want=$(docker image inspect -f "{{index .Config.Labels \"$RECIPE_LABEL\"}}" "$tag")
    have=$(podman image inspect -f "{{index .Labels \"$RECIPE_LABEL\"}}" "$tag" 2>/dev/null || true)
    if [[ $have != "$want" ]]; then
        log "podman: loading $tag from Docker"
        docker save "$tag" | podman load >/dev/null || die "podman load of $tag failed"
    fi
    log "podman: $(podman version -f '{{.Server.Version}}' 2>/dev/null || podman --version) answering on $PODMAN_SOCK with $tag"
}

# --------------------------------------------------------------------------------------------------
# PostgreSQL images (mmdebstrap + docker import)
# --------------------------------------------------------------------------------------------------

# Everything that defines an image's rootfs; its hash names the cached tarball.
rootfs_recipe() {
    local major=$1 suite=$2
    printf 'v=%s\nsuite=%s\ninclude=%s\nhook=%s\ndpkg=%s\n' \
        "$RECIPE_VERSION" "$suite" "$(image_includes "$major")" "$(image_hook "$major")" "$(image_dpkgopts | tr '\n' ' ')"
}
# Leave out documentation and message translations (smaller tarball, faster import).
image_dpkgopts() {
    echo 'path-exclude=/usr/share/doc/*'
    echo 'path-include=/usr/share/doc/*/copyright'
    echo 'path-exclude=/usr/share/man/*'
    echo 'path-exclude=/usr/share/locale/*/*'
}
image_includes() { echo "postgresql-$1,util-linux,coreutils,dash"; }
# Debian's postgresql package creates a default cluster at install time: drop it (the containers
# initdb their own data directory, like with the official image). And, like the official image, have
# the server's default unix socket directory (Debian's postgres uses /var/run/postgresql, which
# postgresql-common otherwise creates only when a cluster is started through its scripts; it lives
# in /run, which mmdebstrap empties unless told --skip=cleanup/run).
image_hook() {
    echo "rm -rf \"\$1\"/var/lib/postgresql/$1/main \"\$1\"/etc/postgresql/$1/main &&" \
        "chroot \"\$1\" install -d -o postgres -g postgres -m 3777 /var/run/postgresql"
}
# `docker import --change` accepts only some Dockerfile instructions (not STOPSIGNAL, for one).
image_changes() {
    echo "ENV PATH=/usr/lib/postgresql/$1/bin:/usr/sbin:/usr/bin:/sbin:/bin"
    echo "EXPOSE 5432"
}
rootfs_hash() { rootfs_recipe "$@" | sha256sum | cut -c1-12; }
# The image label: rootfs recipe + import changes.
image_hash() { { rootfs_hash "$@"; image_changes "$1"; } | sha256sum | cut -c1-12; }

image_current() {
    local tag=$1 hash=$2 have
    have=$(docker image inspect -f "{{index .Config.Labels \"$RECIPE_LABEL\"}}" "$tag" 2>/dev/null) || return 1
    [[ $have == "$hash" ]]
}

# Builds (or reuses) the rootfs tarball for one image. Runs in the background, logs to a file.
build_tarball() {
    local major=$1 suite=$2 tar=$3
    local part="${tar%.tar}.partial.tar"
    rm -f "$part"
    local dpkgopts=() o
    while IFS= read -r o; do dpkgopts+=(--dpkgopt="$o"); done < <(image_dpkgopts)
    mmdebstrap --variant=apt --format=tar \
        --include="$(image_includes "$major")" \
        --aptopt='Acquire::Check-Valid-Until "false"' \
        --aptopt='Acquire::Retries "3"' \
        "${dpkgopts[@]}" \
        --customize-hook="$(image_hook "$major")" \
        --skip=cleanup/run \
        "$suite" "$part" "deb $MIRROR $suite main" || return 1
    mv -f "$part" "$tar" || return 1
}

import_image() {
    local major=$1 tar=$2 tag=$3 hash=$4
    local changes=() c
    while IFS= read -r c; do changes+=(--change "$c"); done < <(image_changes "$major")
    changes+=(--change "LABEL $RECIPE_LABEL=$hash")
    docker import "${changes[@]}" "$tar" "$tag" >/dev/null
}

# Checks an image has what stagdb relies on; prints "postgres (PostgreSQL) N.M ...|uid=..".
check_image() {
    local tag=$1
    docker run --rm --network none "$tag" sh -c '
        for c in setpriv initdb postgres pg_ctl pg_dump psql stat id chown sh; do
            command -v "$c" >/dev/null || { echo "missing: $c" >&2; exit 1; }
        done
        [ -d /var/run/postgresql ] || { echo "missing: /var/run/postgresql" >&2; exit 1; }
        printf "%s|%s\n" "$(postgres --version)" "$(id postgres)"'
}

ensure_images() {
    local spec major suite tag hash tar
    local todo=()
    for spec in "${IMAGES[@]}"; do
        major=${spec%%:*} suite=${spec#*:}
        tag="$IMAGE_REPO:$major"
        hash=$(image_hash "$major" "$suite")
        if image_current "$tag" "$hash"; then
            log "image $tag: present"
        else
            todo+=("$spec")
        fi
    done
    [[ ${#todo[@]} -gt 0 ]] || return 0

    # Build the missing tarballs, at most $jobs at a time (one at a time with STAGDB_TESTBED_SERIAL=1).
    local jobs=${STAGDB_TESTBED_JOBS:-2}
    [[ ${STAGDB_TESTBED_SERIAL:-0} != 1 ]] || jobs=1
    [[ $jobs =~ ^[1-9][0-9]*$ ]] || die "STAGDB_TESTBED_JOBS must be a positive number, not '$jobs'"
    local pids=() names=() logs=() starts=() reaped=0 failed=0
    # Waits for the oldest build still running (builds take about the same time).
    reap_build() {
        local i=$reaped
        reaped=$((reaped + 1))
        if wait "${pids[$i]}"; then
            log "image $IMAGE_REPO:${names[$i]}: rootfs built in $((SECONDS - starts[i])) s"
        else
            show_log "${logs[$i]}"
            log "mmdebstrap for postgresql-${names[$i]} failed"
            failed=1
        fi
    }
    for spec in "${todo[@]}"; do
        major=${spec%%:*} suite=${spec#*:}
        tar="$IMAGE_DIR/postgres-$major-$suite-$(rootfs_hash "$major" "$suite").tar"
        if [[ -s $tar ]]; then
            log "image $IMAGE_REPO:$major: rootfs tarball cached ($tar)"
            continue
        fi
        # Older recipes' tarballs for this major are useless now.
        rm -f "$IMAGE_DIR/postgres-$major-"*.tar
        while [[ $((${#pids[@]} - reaped)) -ge $jobs ]]; do reap_build; done
        # One failed build fails the run: start no more (serial mode stops at the first failure).
        [[ $failed -eq 0 ]] || break
        local blog="$LOG_DIR/mmdebstrap-$major.log"
        log "image $IMAGE_REPO:$major: building rootfs with mmdebstrap ($suite, postgresql-$major; log $blog)"
        build_tarball "$major" "$suite" "$tar" >"$blog" 2>&1 &
        pids+=($!)
        names+=("$major")
        logs+=("$blog")
        starts+=("$SECONDS")
    done
    while [[ $reaped -lt ${#pids[@]} ]]; do reap_build; done
    [[ $failed -eq 0 ]] || die "building the PostgreSQL image rootfs failed"

    local out old_id
    for spec in "${todo[@]}"; do
        major=${spec%%:*} suite=${spec#*:}
        tag="$IMAGE_REPO:$major"
        hash=$(image_hash "$major" "$suite")
        tar="$IMAGE_DIR/postgres-$major-$suite-$(rootfs_hash "$major" "$suite").tar"
        old_id=$(docker image inspect -f '{{.Id}}' "$tag" 2>/dev/null || true)
        log "image $tag: docker import"
        import_image "$major" "$tar" "$tag" "$hash" || die "docker import of $tar as $tag failed"
        # Drop the image this one replaces, unless a container still uses it.
        if [[ -n $old_id ]]; then
            docker rmi "$old_id" >/dev/null 2>&1 || true
        fi
        if ! out=$(check_image "$tag" 2>&1); then
            docker rmi -f "$tag" >/dev/null 2>&1 || true
            rm -f "$tar"
            die "image $tag lacks something stagdb needs: $out"
        fi
        log "image $tag: built: ${out//|/, }"
    done
}

# Variants of stagdb-test/postgres:17 for tests/images.rs, built from it with no network inside:
#  :17-gosu   like the official Debian-based postgres image: no setpriv but gosu, postgres as uid/gid
#             999, PG 18's PGDATA layout, a VOLUME and an entrypoint (stagdb must clear/override them);
#  :17-nouser none of the tools stagdb can switch user with (setpriv, runuser, chroot), like a
#             BusyBox-only image without su-exec: stagdb must refuse it.
variant_dockerfile() {
    case $1 in
    gosu) cat <<'DOCKERFILE' ;;
FROM stagdb-test/postgres:17
COPY gosu /usr/bin/gosu
RUN rm -f /usr/bin/setpriv && groupmod -g 999 postgres && usermod -u 999 postgres \
    && find / -xdev \( -uid 100 -o -gid 102 \) -exec chown -h 999:999 {} + \
    && mkdir -p /var/lib/postgresql/17/docker && chown -R 999:999 /var/lib/postgresql \
    && printf '#!/bin/sh\necho "the image entrypoint ran: stagdb should have cleared it" >&2\nexit 99\n' \
       > /usr/bin/docker-entrypoint.sh && chmod 755 /usr/bin/docker-entrypoint.sh
ENV PGDATA=/var/lib/postgresql/17/docker
VOLUME /var/lib/postgresql
ENTRYPOINT ["docker-entrypoint.sh"]
CMD ["postgres"]
DOCKERFILE
    nouser) cat <<'DOCKERFILE' ;;
FROM stagdb-test/postgres:17
RUN rm -f /usr/bin/setpriv /usr/sbin/runuser /usr/sbin/chroot /usr/bin/chroot
DOCKERFILE
    esac
}

ensure_variant_images() {
    local base="$IMAGE_REPO:17" v tag hash deb ctx
    docker image inspect "$base" >/dev/null 2>&1 || return 0
    for v in gosu nouser; do
        tag="$IMAGE_REPO:17-$v"
        hash=$({ docker image inspect -f '{{.Id}}' "$base"; variant_dockerfile "$v"; } | sha256sum | cut -c1-12)
        if image_current "$tag" "$hash"; then
            log "image $tag: present"
            continue
        fi
        ctx=$(mktemp -d)
        if [[ $v == gosu ]]; then
            # gosu from this machine's Debian mirror (a static binary), cached beside the tarballs.
            local debs=("$IMAGE_DIR"/gosu_*.deb)
            if [[ ! -s ${debs[0]} ]]; then
                (cd "$IMAGE_DIR" && apt-get download -q gosu >/dev/null 2>&1) || die "apt-get download gosu failed"
                debs=("$IMAGE_DIR"/gosu_*.deb)
            fi
            deb=${debs[0]}
            dpkg-deb -x "$deb" "$ctx/deb" || die "dpkg-deb -x $deb failed"
            cp "$ctx/deb/usr/sbin/gosu" "$ctx/gosu" 2>/dev/null || cp "$ctx/deb/usr/bin/gosu" "$ctx/gosu" ||
                die "no gosu binary in $deb"
        fi
        { variant_dockerfile "$v"; echo "LABEL $RECIPE_LABEL=$hash"; } >"$ctx/Dockerfile"
        log "image $tag: docker build"
        if ! docker build -q --network none -t "$tag" "$ctx" >"$LOG_DIR/build-17-$v.log" 2>&1; then
            show_log "$LOG_DIR/build-17-$v.log"
            rm -rf "$ctx"
            die "docker build of $tag failed"
        fi
        rm -rf "$ctx"
    done
}

# --------------------------------------------------------------------------------------------------
# End-to-end verification
# --------------------------------------------------------------------------------------------------

verify() {
    local spec major tag out
    for spec in "${IMAGES[@]}"; do
        major=${spec%%:*}
        tag="$IMAGE_REPO:$major"
        out=$(check_image "$tag" 2>&1) || die "image $tag check failed: $out"
        [[ $out == "postgres (PostgreSQL) $major."* ]] || die "image $tag: unexpected version: $out"
        log "verify: $tag: ${out//|/, }"
    done

    # ZFS: create / user properties / snapshot / clone / destroy on a scratch dataset.
    local ds="$POOL/testbed-check-$$"
    CLEANUPS+=("zfs_destroy -R $ds")
    zfs create -o stagdb:testbed=origin "$ds" || die "zfs create $ds failed"
    local mnt
    mnt=$(zfs get -H -o value mountpoint "$ds")
    echo hello >"$mnt/file" || die "cannot write into $mnt"
    zfs snapshot -o stagdb:message=check "$ds@s1" || die "zfs snapshot -o failed"
    zfs clone -o stagdb:testbed=clone "$ds@s1" "$ds-clone" || die "zfs clone -o failed"
    CLEANUPS+=("zfs_destroy -R $ds-clone")
    [[ $(zfs get -H -o value stagdb:testbed "$ds-clone") == clone ]] || die "user property on clone not set"
    [[ $(zfs get -H -o value stagdb:message "$ds@s1") == check ]] || die "user property on snapshot not set"
    [[ $(zfs get -H -o value origin "$ds-clone") == "$ds@s1" ]] || die "clone origin wrong"
    [[ $(cat "$(zfs get -H -o value mountpoint "$ds-clone")/file") == hello ]] || die "clone content wrong"
    zfs_destroy "$ds-clone" || die "zfs destroy $ds-clone failed"
    log "verify: zfs create/snapshot/clone/user properties/destroy ok"

    # Docker + ZFS: a container from the newest image (17) runs postgres on a data directory inside the
    # (FUSE-mounted) dataset, as the image's postgres user via setpriv, and publishes its port on
    # 127.0.0.1; the host's psql connects to it.
    local name="stagdb-testbed-check-$$" port i
    major=${IMAGES[-1]%%:*}
    tag="$IMAGE_REPO:$major"
    CLEANUPS=("docker rm -f $name" "${CLEANUPS[@]}")
    docker run -d --name "$name" --label org.stagdb.testbed=check \
        -v "$mnt:/data" -p 127.0.0.1::5432 "$tag" sh -c '
            set -e
            mkdir -p /data/pg && chown postgres:postgres /data/pg && chmod 700 /data/pg
            setpriv --reuid=postgres --regid=postgres --init-groups \
                initdb -D /data/pg -U postgres --auth=trust --no-sync >/dev/null
            # initdb only lets in loopback; published ports arrive from the bridge gateway.
            echo "host all all all trust" >>/data/pg/pg_hba.conf
            exec setpriv --reuid=postgres --regid=postgres --init-groups \
                postgres -D /data/pg -c listen_addresses=* \
                -c fsync=off' >/dev/null || die "docker run of $tag with a bind-mounted zfs dataset failed"
    port=$(docker port "$name" 5432/tcp | awk -F: 'NR==1{print $NF}')
    [[ $port =~ ^[0-9]+$ ]] || die "container $name has no published port"
    for i in $(seq 1 120); do
        pg_isready -q -h 127.0.0.1 -p "$port" -t 1 && break
        if [[ $(docker inspect -f '{{.State.Running}}' "$name" 2>/dev/null) != true ]]; then
            docker logs "$name" >&2 2>&1 || true
            die "postgres container $name exited"
        fi
        sleep 0.25
    done
    out=$(psql -X -At -h 127.0.0.1 -p "$port" -U postgres -d postgres \
        -c "select current_setting('server_version_num')::int / 10000" 2>&1) || {
        docker logs "$name" >&2 2>&1 || true
        die "host psql could not query postgres in $name on 127.0.0.1:$port: $out"
    }
    [[ $out == "$major" ]] || die "unexpected answer from postgres in $name: $out"
    [[ $(stat -c %u "$mnt/pg/PG_VERSION") == "$(docker exec "$name" id -u postgres)" ]] ||
        die "data directory on zfs not owned by the container's postgres uid"
    docker rm -f "$name" >/dev/null || die "docker rm -f $name failed"
    zfs_destroy -R "$ds" || die "zfs destroy -R $ds failed"
    CLEANUPS=()
    log "verify: container with bind-mounted zfs dataset + port 127.0.0.1:$port -> postgres $major ok"
}

# --------------------------------------------------------------------------------------------------

ensure_packages
if [[ ${#IMAGES[@]} -gt 0 ]]; then
    MIRROR=$(apt_mirror) || die "cannot find this machine's Debian mirror in /etc/apt/sources.list(.d)"
fi
ensure_zfs_fuse
if [[ $NO_POOL != 1 ]]; then
    ensure_pool
fi
reserve_test_ports
ensure_dockerd
ensure_images
ensure_variant_images
ensure_podman
if [[ ${STAGDB_TESTBED_SKIP_VERIFY:-0} != 1 && $NO_POOL != 1 && ${#IMAGES[@]} -gt 0 ]]; then
    verify
fi

images=()
for spec in "${IMAGES[@]}"; do images+=("$IMAGE_REPO:${spec%%:*}"); done
if [[ $NO_POOL == 1 ]]; then
    log "testbed ready (no pool): zfs answering, images=$(
        IFS=,
        echo "${images[*]:-none}"
    ) docker=$(docker version -f '{{.Server.Version}} (API {{.Server.APIVersion}})' 2>/dev/null) in $((SECONDS - START)) s"
    exit 0
fi
log "testbed ready: pool=$POOL ($(zpool list -H -o size,health "$POOL" | tr '\t' ' '), mounted at $(zfs get -H -o value mountpoint "$POOL")) images=$(
    IFS=,
    echo "${images[*]:-none}"
) docker=$(docker version -f '{{.Server.Version}} (API {{.Server.APIVersion}})' 2>/dev/null) in $((SECONDS - START)) s"
