#!/usr/bin/env bash
# Opt-in benchmark of speed at scale (README "Performance"), side by side in one run on the
# local testbed (zfs-fuse pool + Docker + the stagdb-test/postgres images; see scripts/testbed.sh):
#
#   A. On a ~BENCH_LARGE_MB database (main, running):
#      - `stagdb branch NAME main` until an authenticated connection succeeds (median of BENCH_RUNS),
#        with one `--timings` breakdown; against the fastest thing users do instead, timed in the
#        same run on the same pool: `CREATE DATABASE ... TEMPLATE` and `pg_dump -Fc | pg_restore`
#        (PostgreSQL's own tools, inside main's container).
#      - `stagdb reset` of a written branch: back to its own snapshot (zfs rollback) and back to
#        its branch point (re-clone), medians of BENCH_RUNS, each with a `--timings` breakdown.
#   B. With BENCH_LEVELS branches in the store (default 10 100 500 1000): creating a branch
#      (`--no-start`: parked, unmounted), the branch list, `status`, `log`, `url`, `env`, `psql -c`
#      (medians of BENCH_RUNS), and
#      `zfs list -H -r -o name` of the same store, the floor any listing pays on zfs-fuse; and
#      the floors of stagdb's own zfs steps: `zfs clone -o canmount=off` alone (creation), and
#      status's reads side by side as it runs them, the `zfs get -r` of its properties (every
#      snapshot too; the branch list reads none, with `zfs get -d 1`) and `zpool list`.
#
# Usage: bash scripts/bench-scale.sh   (as root; sets up the testbed, builds the release binary)
# Environment: BENCH_LARGE_MB (1024), BENCH_RUNS (5), BENCH_LEVELS ("10 100 500 1000"),
#   BENCH_PORTS (48000-49499), BENCH_HEAD_PORT (47999), BENCH_DATASET ($STAGDB_TEST_POOL/bench-scale),
#   BENCH_SKIP_SETUP=1 (testbed already up), STAGDB_BIN (a prebuilt binary: nothing is built, e.g.
#   in the OpenZFS guest, scripts/bench-openzfs.sh). The report goes to stdout, progress to stderr; the store
#   and its containers are removed at the end, also on failure or interruption.
set -euo pipefail
export LC_ALL=C
export PATH="/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:${PATH:-}"

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
POOL=${STAGDB_TEST_POOL:-stagdbtest}
LARGE_MB=${BENCH_LARGE_MB:-1024}
RUNS=${BENCH_RUNS:-5}
# The branches are made with --no-start, so parked (unmounted): zfs-fuse holds at most 1,000
# mounted filesystems, which a store of running branches would reach.
LEVELS=${BENCH_LEVELS:-10 100 500 1000}
PORTS=${BENCH_PORTS:-48000-49499}
HEAD_PORT=${BENCH_HEAD_PORT:-47999}
DS=${BENCH_DATASET:-$POOL/bench-scale}
STAGDB=${STAGDB_BIN:-$ROOT/target/release/stagdb}
START=$SECONDS
log() { printf '[bench-scale %4ds] %s\n' "$((SECONDS - START))" "$*" >&2; }
die() {
    log "ERROR: $*"
    exit 1
}
[[ $(id -u) -eq 0 ]] || die "must run as root (zfs, docker)"

export STAGDB_STORE=$DS STAGDB_CONFIG=/nonexistent/stagdb-bench.toml STAGDB_TIMEOUT=120 NO_COLOR=1
unset PGHOST PGPORT PGUSER PGPASSWORD PGDATABASE DATABASE_URL

cleanup() {
    local ids d
    ids=$(docker ps -aq --filter "label=io.stagdb.store=$DS" 2>/dev/null || true)
    # shellcheck disable=SC2086
    [[ -z $ids ]] || docker rm -f $ids >/dev/null 2>&1 || true
    # zfs-fuse answers "busy" for a while after a dataset's files were closed, and one
    # `zfs destroy -R` of many datasets gives up at the first busy one: clones first, one by one.
    for _ in $(seq 1 120); do
        zfs list -H -o name "$DS" >/dev/null 2>&1 || return 0
        zfs destroy -R "$DS" >/dev/null 2>&1 && return 0
        while IFS= read -r d; do
            zfs destroy -r "$d" >/dev/null 2>&1 || true
        done < <(zfs list -H -r -o name -t filesystem "$DS" 2>/dev/null | tail -n +2 | tac)
        sleep 0.5
    done
    log "WARNING: could not remove $DS; remove it by hand: zfs destroy -R $DS"
}
trap 'rc=$?; trap - EXIT; log "cleaning up $DS"; cleanup; exit $rc' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

if [[ ${BENCH_SKIP_SETUP:-0} != 1 ]]; then
    log "testbed"
    bash "$ROOT/scripts/testbed.sh" >&2
fi
if [[ -z ${STAGDB_BIN:-} ]]; then
    command -v cargo >/dev/null 2>&1 || source "${CARGO_HOME:-$HOME/.cargo}/env"
    log "building the release binary"
    (cd "$ROOT" && cargo build --release --locked --quiet)
fi
[[ -x $STAGDB ]] || die "no stagdb binary at $STAGDB"
cleanup

sdb() { "$STAGDB" "$@"; }
# Wall time of a command in milliseconds (its output discarded).
ms() {
    local t0=$EPOCHREALTIME
    "$@" >/dev/null 2>&1 || die "failed: $*"
    awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.0f", (b - a) * 1000 }'
}
median() { tr ' ' '\n' | grep . | sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : int((v[NR / 2] + v[NR / 2 + 1]) / 2) }'; }
sql() { psql -X -q -A -t -v ON_ERROR_STOP=1 -d "$(sdb url "$1")" -c "$2"; }
in_main() { docker exec "$(docker ps -q --filter "label=io.stagdb.store=$DS" --filter label=io.stagdb.branch=main)" "$@"; }

log "store $DS (ports $PORTS, head port $HEAD_PORT)"
sdb init --dataset "$DS" --ports "$PORTS" --head-port "$HEAD_PORT" --image 'stagdb-test/postgres:{major}' -q >/dev/null
log "loading ~$LARGE_MB MB into main"
sql main "create table t (id bigint primary key, payload text not null)"
rows=$((LARGE_MB * 1024 * 1024 / 300))
step=$((rows / 8 + 1))
for ((i = 1; i <= rows; i += step)); do
    sql main "insert into t select g, repeat(md5(g::text), 6) from generate_series($i, $((i + step - 1 < rows ? i + step - 1 : rows))) g"
done
sql main "checkpoint"
size=$(sql main "select pg_size_pretty(pg_database_size('postgres'))")
log "main holds $size"

# ---------------------------------------------------------------- A: one large database
log "A: branch of the running database, $RUNS runs"
b=()
for r in $(seq 1 "$RUNS"); do
    b+=("$(ms sdb branch "a$r" main)")
    sdb -q -y rm "a$r"
done
branch_ms=$(echo "${b[*]}" | median)
branch_timings=$(sdb --timings -q branch a0 main 2>&1 >/dev/null | sed 's/^timings: //')
sdb -q -y rm a0

log "A: peers, once each: CREATE DATABASE ... TEMPLATE, pg_dump -Fc | pg_restore"
template_ms=$(ms in_main psql -U postgres -q -c "create database tcopy template postgres")
dump_ms=$(ms in_main sh -c "createdb -U postgres dcopy && pg_dump -U postgres -Fc postgres | pg_restore -U postgres -d dcopy")
in_main psql -U postgres -q -c "drop database tcopy" -c "drop database dcopy"
in_main psql -U postgres -q -c "checkpoint"

log "A: reset of a written branch, $RUNS runs per path"
sdb -q branch r1 main >/dev/null
sdb -q snapshot --name s r1 >/dev/null
sdb -q branch r2 main >/dev/null
write() { sql "$1" "update t set payload = md5(payload) where id % 100 = 0" >/dev/null; }
own=() clone=()
for r in $(seq 1 "$RUNS"); do
    write r1
    own+=("$(ms sdb -y reset r1 --to r1@s)")
    write r2
    clone+=("$(ms sdb -y reset r2)")
done
own_ms=$(echo "${own[*]}" | median)
clone_ms=$(echo "${clone[*]}" | median)
write r1
own_timings=$(sdb --timings -q -y reset r1 --to r1@s 2>&1 >/dev/null | sed 's/^timings: //')
write r2
clone_timings=$(sdb --timings -q -y reset r2 2>&1 >/dev/null | sed 's/^timings: //')
sdb -q -y rm r1 r2

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
first=${LEVELS%% *}
# OpenZFS answers `zfs version`; zfs-fuse has no such command.
zfs_kind=$(zfs version 2>/dev/null | head -1) || zfs_kind=zfs-fuse
echo "## stagdb at scale: $(date -u +%Y-%m-%d), $(nproc) CPUs, ${zfs_kind:-zfs-fuse}, load $(cut -d' ' -f1-3 /proc/loadavg), Docker $(docker version -f '{{.Server.Version}}'), PostgreSQL 17, main $size"
echo
echo "| measure | stagdb | compared with | ratio |"
echo "|---|---|---|---|"
echo "| branch of the running database until ready (median of $RUNS) | $branch_ms ms | CREATE DATABASE TEMPLATE $template_ms ms, pg_dump -Fc \\| pg_restore $dump_ms ms | fastest peer x $(ratio "$(( template_ms < dump_ms ? template_ms : dump_ms ))" "$branch_ms") slower |"
echo "| reset of a written branch to its own snapshot | $own_ms ms | | |"
echo "| reset of a written branch to its branch point | $clone_ms ms | | |"
echo
echo "Phases (--timings): branch: $branch_timings"
echo "reset to own snapshot: $own_timings"
echo "reset to branch point: $clone_timings"
echo

# ---------------------------------------------------------------- B: scale
sdb -q snapshot --name base main >/dev/null
have=0
declare -A create list status zlist zget zclone logm url env psqlm compl complz
# The one read of the whole store that status makes (from -v).
read -r -a GET_CMD < <(sdb -v status 2>&1 >/dev/null | sed -n 's/^+ \(zfs get -r .*\)$/\1/p' | head -1)
[[ ${#GET_CMD[@]} -gt 0 ]] || die "could not find the store read in 'stagdb -v status'"
read -r -a POOL_CMD < <(sdb -v status 2>&1 >/dev/null | sed -n 's/^+ \(zpool list .*\)$/\1/p' | head -1)
[[ ${#POOL_CMD[@]} -gt 0 ]] || die "could not find the pool read in 'stagdb -v status'"
# status's zfs reads as it runs them, side by side: the store and the pool.
status_reads() {
    "${GET_CMD[@]}" >/dev/null 2>&1 &
    "${POOL_CMD[@]}" >/dev/null 2>&1 &
    wait
}
MAIN_DS=$(zfs list -H -o name -r "$DS" | grep '/main$' | head -1)
for level in $LEVELS; do
    log "B: filling the store to $level branches"
    while ((have < level)); do
        have=$((have + 1))
        sdb -q branch "b$have" main@base --no-start >/dev/null
    done
    c=() l=() s=() z=() zg=() zc=() g=() u=() e=() q=() k=() kz=()
    for r in $(seq 1 "$RUNS"); do
        c+=("$(ms sdb branch "x$r" main@base --no-start)")
        # The floor of a creation: `zfs clone` alone, of the same snapshot, parked like it.
        zc+=("$(ms zfs clone -o canmount=off "$MAIN_DS@base" "${DS}-floor$r")")
    done
    # The reads apart from the creations (whose writes zfs-fuse syncs for a while after), each
    # right after its floor.
    for r in $(seq 1 "$RUNS"); do
        z+=("$(ms zfs list -H -r -o name "$DS")")
        l+=("$(ms sdb branch)")
        zg+=("$(ms status_reads)")
        s+=("$(ms sdb status)")
        g+=("$(ms sdb log "b$level")")
        u+=("$(ms sdb url "b$level")")
        e+=("$(ms sdb env "b$level")")
        q+=("$(ms sdb psql main -- -c 'select 1')")
        # Shell completion of a branch name, and its one zfs call alone (tests/completion.rs
        # asserts it makes just that call; the time is measured here, not there).
        k+=("$(ms env COMPLETE=bash _CLAP_COMPLETE_INDEX=2 STAGDB_STORE="$DS" "$STAGDB" -- stagdb checkout b)")
        kz+=("$(ms zfs get -H -r -d 1 -s local -o value stagdb:branch "$DS")")
    done
    for r in $(seq 1 "$RUNS"); do
        sdb -q -y rm "x$r"
        for _ in $(seq 1 60); do zfs destroy "${DS}-floor$r" 2>/dev/null && break; sleep 0.5; done
    done
    zget[$level]=$(echo "${zg[*]}" | median)
    zclone[$level]=$(echo "${zc[*]}" | median)
    create[$level]=$(echo "${c[*]}" | median)
    list[$level]=$(echo "${l[*]}" | median)
    status[$level]=$(echo "${s[*]}" | median)
    zlist[$level]=$(echo "${z[*]}" | median)
    logm[$level]=$(echo "${g[*]}" | median)
    url[$level]=$(echo "${u[*]}" | median)
    env[$level]=$(echo "${e[*]}" | median)
    psqlm[$level]=$(echo "${q[*]}" | median)
    compl[$level]=$(echo "${k[*]}" | median)
    complz[$level]=$(echo "${kz[*]}" | median)
done

echo "| branches | create (--no-start) | vs $first | zfs clone alone | branch list | status | zfs list -o name | list / zfs list | status / zfs list | zfs get -r and zpool list side by side (status's reads) | status / its reads | log | url | env | psql -c | completion | its zfs call | completion / its call |"
echo "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"
for level in $LEVELS; do
    echo "| $level | ${create[$level]} ms | x $(ratio "${create[$level]}" "${create[$first]}") | ${zclone[$level]} ms | ${list[$level]} ms | ${status[$level]} ms | ${zlist[$level]} ms | x $(ratio "${list[$level]}" "${zlist[$level]}") | x $(ratio "${status[$level]}" "${zlist[$level]}") | ${zget[$level]} ms | x $(ratio "${status[$level]}" "${zget[$level]}") | ${logm[$level]} ms | ${url[$level]} ms | ${env[$level]} ms | ${psqlm[$level]} ms | ${compl[$level]} ms | ${complz[$level]} ms | x $(ratio "${compl[$level]}" "${complz[$level]}") |"
done
log "done"
