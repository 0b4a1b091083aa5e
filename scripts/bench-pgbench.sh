#!/usr/bin/env bash
# Opt-in benchmark: pgbench TPS on a stagdb branch against the same database on a plain ext4
# Docker volume, side by side in one run (README "Performance", docs/benchmarks-openzfs.md).
#
#   1. A store on BENCH_DATASET (its ZFS properties set first from BENCH_ZFS_PROPS, e.g.
#      "recordsize=8K compression=lz4 atime=off logbias=latency"; empty: the pool's defaults).
#   2. `pgbench -i -s BENCH_SCALE` in main, a checkpoint, then branch `pgb` of main.
#   3. main stopped (cleanly), its data directory copied into a named Docker volume (on the
#      Docker data-root: ext4 in the OpenZFS guest), served by a container made like the branch's
#      (same image, command, settings, user, shm size, host network), on BENCH_EXT4_PORT.
#   4. `pgbench -c BENCH_CLIENTS -j BENCH_CLIENTS -T BENCH_SECONDS` alternately against ext4 and the
#      branch, BENCH_ROUNDS rounds; pgbench runs in a container of the same image (host network).
#
# Usage: bash scripts/bench-pgbench.sh   (as root; zfs, docker; no build: STAGDB_BIN or
#   target/release/stagdb)
# Environment: STAGDB_BIN, BENCH_DATASET (benchpool/pgb), BENCH_PORTS (49000-49019),
#   BENCH_HEAD_PORT (48999), BENCH_EXT4_PORT (49020), BENCH_IMAGE (stagdb-test/postgres:17),
#   BENCH_SCALE (20), BENCH_CLIENTS (2), BENCH_SECONDS (60), BENCH_ROUNDS (2), BENCH_ZFS_PROPS ("").
# The report goes to stdout, progress to stderr; the store, its containers, the ext4 container
# and its volume are removed at the end, also on failure or interruption.
set -euo pipefail
export LC_ALL=C
export PATH="/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:${PATH:-}"

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
STAGDB=${STAGDB_BIN:-$ROOT/target/release/stagdb}
DS=${BENCH_DATASET:-benchpool/pgb}
PORTS=${BENCH_PORTS:-49000-49019}
HEAD_PORT=${BENCH_HEAD_PORT:-48999}
EXT4_PORT=${BENCH_EXT4_PORT:-49020}
IMAGE=${BENCH_IMAGE:-stagdb-test/postgres:17}
SCALE=${BENCH_SCALE:-20}
CLIENTS=${BENCH_CLIENTS:-2}
SECONDS_RUN=${BENCH_SECONDS:-60}
ROUNDS=${BENCH_ROUNDS:-2}
PROPS=${BENCH_ZFS_PROPS:-}
# Names of our own: the ext4 side is found and removed by them.
EXT4_NAME="stagdb-bench-ext4-${DS//\//-}"
VOLUME="$EXT4_NAME"
START=$SECONDS
log() { printf '[bench-pgbench %4ds] %s\n' "$((SECONDS - START))" "$*" >&2; }
die() {
    log "ERROR: $*"
    exit 1
}
for v in SCALE CLIENTS SECONDS_RUN ROUNDS EXT4_PORT HEAD_PORT; do
    [[ ${!v} =~ ^[1-9][0-9]*$ ]] || die "$v must be a positive integer (got '${!v}')"
done
[[ $(id -u) -eq 0 ]] || die "must run as root (zfs, docker)"
[[ -x $STAGDB ]] || die "no stagdb binary at $STAGDB (set STAGDB_BIN)"
command -v jq >/dev/null || die "needs jq (to copy the branch container's command)"

export STAGDB_STORE=$DS STAGDB_CONFIG=/nonexistent/stagdb-bench.toml STAGDB_TIMEOUT=600 NO_COLOR=1
unset PGHOST PGPORT PGUSER PGPASSWORD PGDATABASE DATABASE_URL

cleanup() {
    local ids
    docker rm -f "$EXT4_NAME" >/dev/null 2>&1 || true
    docker volume rm "$VOLUME" >/dev/null 2>&1 || true
    ids=$(docker ps -aq --filter "label=io.stagdb.store=$DS" 2>/dev/null || true)
    # shellcheck disable=SC2086
    [[ -z $ids ]] || docker rm -f $ids >/dev/null 2>&1 || true
    for _ in $(seq 1 20); do
        zfs list -H -o name "$DS" >/dev/null 2>&1 || return 0
        zfs destroy -R "$DS" >/dev/null 2>&1 && return 0
        sleep 1
    done
    log "WARNING: could not remove $DS; remove it by hand: zfs destroy -R $DS"
}
trap 'rc=$?; trap - EXIT; log "cleaning up"; cleanup; exit $rc' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
cleanup

sdb() { "$STAGDB" "$@"; }
# pgbench of the image, on the host's network (the guest has no pgbench of its own); the same
# client for both sides.
pgb() { docker run --rm --network host -e PGPASSWORD="$PW" "$IMAGE" pgbench "$@"; }

log "store $DS (ports $PORTS, head port $HEAD_PORT)"
sdb init --dataset "$DS" --ports "$PORTS" --head-port "$HEAD_PORT" --image "$IMAGE" -q >/dev/null
# Set on the store: main's and every branch's datasets inherit them (stagdb sets none of these).
# recordsize and compression apply to files written from now on: pgbench -i writes all its tables.
for p in $PROPS; do zfs set "$p" "$DS"; done
props_now=$(zfs get -H -o property,value recordsize,compression,atime,logbias,xattr,sync "$DS" | tr '\t\n' '= ')
log "store properties: $props_now"

url=$(sdb url main)
# postgresql://USER:PASSWORD@HOST:PORT/DB; the password goes by environment, not command line.
[[ $url =~ ^postgres(ql)?://([^:]+):([^@]+)@([^:/]+):([0-9]+)/([^?]+) ]] || die "unexpected url form"
USER_=${BASH_REMATCH[2]} PW=${BASH_REMATCH[3]} DB=${BASH_REMATCH[6]}
MAIN_PORT=${BASH_REMATCH[5]}
log "pgbench -i -s $SCALE in main (port $MAIN_PORT)"
t0=$SECONDS
pgb -i -q -s "$SCALE" -h 127.0.0.1 -p "$MAIN_PORT" -U "$USER_" "$DB" >&2
init_s=$((SECONDS - t0))
psql -X -q -d "$url" -c checkpoint
size=$(psql -X -A -t -d "$url" -c "select pg_size_pretty(pg_database_size(current_database()))")
log "main holds $size (init $init_s s)"

sdb -q branch pgb main >/dev/null
burl=$(sdb url pgb)
[[ $burl =~ ^postgres(ql)?://([^:]+):([^@]+)@([^:/]+):([0-9]+)/ ]] || die "unexpected url form"
BPW=${BASH_REMATCH[3]} BPORT=${BASH_REMATCH[5]}

log "main stopped, its data directory copied into the ext4 volume $VOLUME"
main_mnt=$(zfs list -H -o mountpoint -r "$DS" | grep '/main$' | head -1)
sdb -q stop main >/dev/null
docker volume create "$VOLUME" >/dev/null
vol_dir=$(docker volume inspect -f '{{.Mountpoint}}' "$VOLUME")
cp -a "$main_mnt/." "$vol_dir/"
# main's own password opens the copy: the branch has a password of its own.
fs_type=$(df --output=fstype "$vol_dir" | tail -1 | tr -d ' ')

bc=$(docker ps -q --filter "label=io.stagdb.store=$DS" --filter label=io.stagdb.branch=pgb)
[[ -n $bc ]] || die "no container for branch pgb"
dest=$(docker inspect "$bc" | jq -r '.[0].Mounts[0].Destination')
shm=$(docker inspect -f '{{.HostConfig.ShmSize}}' "$bc")
mapfile -t envs < <(docker inspect "$bc" | jq -r '.[0].Config.Env[] | select(startswith("PGDATA="))')
# The branch's command with its port setting changed to the ext4 side's.
mapfile -d '' -t cmd < <(docker inspect "$bc" | jq -j --arg p "port=$EXT4_PORT" \
    '.[0].Config.Cmd[] | (if startswith("port=") then $p else . end) + "\u0000"')
grep -q "port=$EXT4_PORT" <<<"${cmd[*]}" || die "branch container not on the host network (no port= setting)"
docker run -d --name "$EXT4_NAME" --network host --user root --shm-size "$shm" \
    --stop-signal SIGINT -e "${envs[0]}" -v "$VOLUME:$dest" "$IMAGE" "${cmd[@]}" >/dev/null
for _ in $(seq 1 300); do
    PGPASSWORD=$PW psql -X -q -h 127.0.0.1 -p "$EXT4_PORT" -U "$USER_" -d "$DB" -c 'select 1' >/dev/null 2>&1 && break
    sleep 1
done
PGPASSWORD=$PW psql -X -q -h 127.0.0.1 -p "$EXT4_PORT" -U "$USER_" -d "$DB" -c 'select 1' >/dev/null ||
    die "the ext4 copy did not come up: $(docker logs --tail 20 "$EXT4_NAME" 2>&1)"

# One timed run: its TPS (without initial connection time) on stdout.
run() {
    local port=$1 pw=$2 out
    out=$(PW=$pw pgb -c "$CLIENTS" -j "$CLIENTS" -T "$SECONDS_RUN" -h 127.0.0.1 -p "$port" -U "$USER_" "$DB" 2>&1) ||
        die "pgbench failed on port $port: $out"
    sed -n 's/^tps = \([0-9.]*\) .*/\1/p' <<<"$out" | tail -1
}
e=() b=()
for r in $(seq 1 "$ROUNDS"); do
    log "round $r: ext4"
    # Plain assignments: a failed run stops the benchmark (set -e).
    t=$(run "$EXT4_PORT" "$PW")
    e+=("$t")
    log "round $r: branch"
    t=$(run "$BPORT" "$BPW")
    b+=("$t")
    log "round $r: ext4 ${e[-1]} tps, branch ${b[-1]} tps"
done
sum() { tr ' ' '\n' | grep . | awk '{ s += $1 } END { printf "%.1f", s / NR }'; }
em=$(echo "${e[*]}" | sum)
bm=$(echo "${b[*]}" | sum)
echo "## pgbench: $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) CPUs, zfs $(zfs version | head -1), Docker $(docker version -f '{{.Server.Version}}'), $IMAGE"
echo "store $DS: $props_now"
echo "database $size (scale $SCALE, pgbench -i $init_s s); ext4 volume on $fs_type; pgbench -c $CLIENTS -j $CLIENTS -T $SECONDS_RUN, alternating ext4 then branch, $ROUNDS rounds"
echo "guest load average: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "| round | ext4 volume tps | stagdb branch tps | branch / ext4 |"
echo "|---|---|---|---|"
for i in "${!e[@]}"; do
    echo "| $((i + 1)) | ${e[$i]} | ${b[$i]} | x $(awk -v a="${b[$i]}" -v c="${e[$i]}" 'BEGIN { printf "%.2f", a / c }') |"
done
echo "| mean | $em | $bm | x $(awk -v a="$bm" -v c="$em" 'BEGIN { printf "%.2f", a / c }') |"
log "done"
