#!/usr/bin/env bash
# Opt-in benchmark: measures stagdb's design targets on the local testbed (zfs-fuse pool + Docker +
# the stagdb-test/postgres images, see shared/TESTBED.md and scripts/testbed.sh) and prints a short
# report of figures, each with its target and PASS/MISS, plus a markdown table for the README.
#
#   1. `stagdb branch NAME main` (main running) until the branch accepts authenticated connections:
#      median, min and max wall time over BENCH_RUNS runs, for a ~BENCH_SMALL_MB and a ~BENCH_LARGE_MB
#      database.                       Target: median <= 2 s, and the two medians within 20 %.
#   2. Pool space used by a new branch until it is written to (`used_bytes`): after `--no-start`,
#      right after creation+start, and after 10 s of idling.            Target: < 1 MiB.
#   3. With BENCH_BRANCHES branches in the store: wall time of `stagdb branch` (list), `stagdb log`,
#      `stagdb status` and `stagdb url bNNN` (median of BENCH_RUNS).    Target: < 100 ms each.
#   Plus a timed trace of one `stagdb -v branch` on the large database (where the time goes).
#
# Usage: scripts/bench.sh                (as root; sets up the testbed and builds the release binary)
#
# Environment:
#   BENCH_SMALL_MB    size of the small database, MB                  (default: 10)
#   BENCH_LARGE_MB    size of the large database, MB                  (default: 1024)
#   BENCH_RUNS        timed runs per figure                           (default: 10)
#   BENCH_BRANCHES    branches in the store for figure 3              (default: 100)
#   BENCH_PORTS       host port range of the benchmark store          (default: 47000-47199)
#   BENCH_HEAD_PORT   head port of the benchmark store                (default: 46999)
#   BENCH_PG_VERSION  PostgreSQL major version                        (default: 17)
#   BENCH_IMAGE       image template                                  (default: stagdb-test/postgres:{major})
#   BENCH_DATASET     store dataset                                   (default: $STAGDB_TEST_POOL/bench-store)
#   BENCH_MARKDOWN=0  do not print the markdown table
#   BENCH_SKIP_SETUP=1  do not run scripts/testbed.sh (the testbed must already be up)
#   STAGDB_TEST_POOL  pool                                            (default: stagdbtest)
#
# The report goes to stdout, progress to stderr. Everything the benchmark creates (the store dataset
# and its containers, found by the label io.stagdb.store=<dataset>) is removed at the end, also on
# failure or interruption.
set -euo pipefail

export LC_ALL=C # EPOCHREALTIME with a '.' and C number formatting
export PATH="/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:${PATH:-}"

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
POOL=${STAGDB_TEST_POOL:-stagdbtest}
SMALL_MB=${BENCH_SMALL_MB:-10}
LARGE_MB=${BENCH_LARGE_MB:-1024}
RUNS=${BENCH_RUNS:-10}
NBRANCHES=${BENCH_BRANCHES:-100}
PORTS=${BENCH_PORTS:-47000-47199}
HEAD_PORT=${BENCH_HEAD_PORT:-46999}
PG_VERSION=${BENCH_PG_VERSION:-17}
IMAGE=${BENCH_IMAGE:-stagdb-test/postgres:\{major\}}
DS=${BENCH_DATASET:-$POOL/bench-store}
MARKDOWN=${BENCH_MARKDOWN:-1}
STAGDB="$ROOT/target/release/stagdb"

BENCH_START=$SECONDS
log() { printf '[bench %4ds] %s\n' "$((SECONDS - BENCH_START))" "$*" >&2; }
die() {
    log "ERROR: $*"
    exit 1
}

# ------------------------------------------------------------------------------------------------
# Checks of the settings
# ------------------------------------------------------------------------------------------------
for v in SMALL_MB LARGE_MB RUNS NBRANCHES HEAD_PORT PG_VERSION; do
    [[ ${!v} =~ ^[1-9][0-9]*$ ]] || die "$v must be a positive integer (got '${!v}')"
done
[[ $PORTS =~ ^([0-9]+)-([0-9]+)$ ]] || die "BENCH_PORTS must be LOW-HIGH (got '$PORTS')"
PORT_LOW=${BASH_REMATCH[1]} PORT_HIGH=${BASH_REMATCH[2]}
# main + the figure-3 branches + the branches of figures 1, 2 and the trace, with some slack.
((PORT_HIGH - PORT_LOW + 1 >= NBRANCHES + 8)) ||
    die "BENCH_PORTS $PORTS holds $((PORT_HIGH - PORT_LOW + 1)) ports; BENCH_BRANCHES=$NBRANCHES needs $((NBRANCHES + 8))"
((HEAD_PORT < PORT_LOW || HEAD_PORT > PORT_HIGH)) || die "BENCH_HEAD_PORT must lie outside BENCH_PORTS"
[[ $DS == "$POOL"/* && $DS != */ ]] || die "BENCH_DATASET must be a dataset under the pool $POOL (got '$DS')"
[[ $(id -u) -eq 0 ]] || die "must run as root (zfs, docker)"
[[ -n ${EPOCHREALTIME:-} ]] || die "needs bash >= 5 (EPOCHREALTIME)"

# ------------------------------------------------------------------------------------------------
# Scratch directory, lock, cleanup
# ------------------------------------------------------------------------------------------------
WORK=$(mktemp -d /tmp/stagdb-bench.XXXXXX)
exec 8>"/tmp/stagdb-bench-${DS//\//_}.lock"
flock -n 8 || die "another bench.sh is using $DS (lock /tmp/stagdb-bench-${DS//\//_}.lock)"

export STAGDB_STORE=$DS
export STAGDB_CONFIG=$WORK/no-config.toml # defaults only: no user config file
export STAGDB_TIMEOUT=${STAGDB_TIMEOUT:-120}
export NO_COLOR=1
unset PGHOST PGPORT PGUSER PGPASSWORD PGDATABASE PGSERVICE DATABASE_URL

dataset_exists() { zfs get -H -o value type "$DS" >/dev/null 2>&1; }

destroy_store() {
    local ids d deadline=$((SECONDS + 300))
    ids=$(docker ps -aq --filter "label=io.stagdb.store=$DS" 2>/dev/null || true)
    if [[ -n $ids ]]; then
        # shellcheck disable=SC2086
        docker rm -f $ids >/dev/null 2>&1 || true
    fi
    # zfs-fuse answers "dataset is busy" for a while after a dataset's last file was closed, and a
    # `zfs destroy -R` of many datasets gives up at the first busy one: destroy the branches one by
    # one (clones before the branches they were cloned from), retrying, then the store.
    while dataset_exists; do
        zfs destroy -r "$DS" 2>/dev/null && return 0
        while IFS= read -r d; do
            zfs destroy -r "$d" 2>/dev/null || true
        done < <(zfs list -H -r -o name -t filesystem "$DS" 2>/dev/null | tail -n +2 | tac)
        ((SECONDS < deadline)) || break
        sleep 0.25
    done
    dataset_exists || return 0
    zfs destroy -R "$DS"
}

on_exit() {
    local rc=$?
    trap - EXIT INT TERM
    if [[ ${CLEANED:-0} != 1 ]]; then
        log "cleaning up: containers labelled io.stagdb.store=$DS, zfs destroy -R $DS"
        destroy_store || log "WARNING: could not remove $DS; remove it by hand: zfs destroy -R $DS"
    fi
    rm -rf "$WORK"
    if [[ $rc -ne 0 ]]; then
        log "benchmark FAILED (exit $rc)"
    fi
    exit "$rc"
}
trap on_exit EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ------------------------------------------------------------------------------------------------
# Helpers
# ------------------------------------------------------------------------------------------------

# Runs a command with stdout to $WORK/out and stderr to $WORK/err; sets ELAPSED_US to its wall time.
# On failure prints the command's stderr and fails.
ELAPSED_US=0
timed() {
    local t0 t1 rc=0
    t0=${EPOCHREALTIME/./}
    "$@" >"$WORK/out" 2>"$WORK/err" || rc=$?
    t1=${EPOCHREALTIME/./}
    ELAPSED_US=$((t1 - t0))
    if [[ $rc -ne 0 ]]; then
        log "command failed (exit $rc): ${*/#$STAGDB/stagdb}"
        sed 's/^/    /' "$WORK/err" >&2 || true
        return "$rc"
    fi
}

# Runs stagdb; output as for `timed`.
sdb() { timed "$STAGDB" "$@"; }

# median min max (ms, one decimal) of a file of microsecond values, one a line.
stats_ms() {
    sort -n "$1" | awk '{ a[NR] = $1 }
        END {
            if (NR == 0) { print "nan nan nan"; exit }
            m = (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2
            printf "%.1f %.1f %.1f\n", m / 1000, a[1] / 1000, a[NR] / 1000
        }'
}

# "12.3 MiB" from bytes.
human() {
    awk -v b="$1" 'BEGIN {
        split("B KiB MiB GiB TiB", u, " "); i = 1
        while (b >= 1024 && i < 5) { b /= 1024; i++ }
        fmt = (i == 1) ? "%d %s" : "%.1f %s"
        printf fmt, b, u[i]
    }'
}

# PASS or MISS for "value <= limit" (floats).
le() { awk -v a="$1" -v b="$2" 'BEGIN { print (a <= b) ? "PASS" : "MISS" }'; }
lt() { awk -v a="$1" -v b="$2" 'BEGIN { print (a < b) ? "PASS" : "MISS" }'; }

branch_url() {
    sdb url "$1"
    cat "$WORK/out"
}

psql_q() { # URL SQL
    PGOPTIONS='-c client_min_messages=warning' PGCONNECT_TIMEOUT=10 \
        psql -X -q -A -t -v ON_ERROR_STOP=1 -d "$1" -c "$2"
}

# JSON field of a branch row from `stagdb --json branch`.
branch_field() { # NAME FIELD
    sdb --json branch
    jq -r --arg n "$1" --arg f "$2" '.[] | select(.name == $n) | .[$f]' "$WORK/out"
}

# Grows table bench_fill in the database at URL until pg_database_size reaches TARGET_MB (never
# shrinks). Rows of ~240 bytes that do not compress; autovacuum is off on the table so the loaded
# database stays quiet during the timed runs.
fill_to_mb() { # URL TARGET_MB
    local url=$1 target=$(($2 * 1024 * 1024)) cur rows batch=$((256 * 1024 * 1024 / 240)) next=1
    psql_q "$url" "create table if not exists bench_fill (id bigint not null, payload text not null)
                   with (autovacuum_enabled = off, toast.autovacuum_enabled = off)" >/dev/null
    cur=$(psql_q "$url" "select pg_database_size(current_database())")
    while ((cur < target - target / 100)); do
        rows=$(((target - cur) / 240 + 1))
        ((rows <= batch)) || rows=$batch
        next=$(psql_q "$url" "select coalesce(max(id), 0) + 1 from bench_fill")
        psql_q "$url" "insert into bench_fill
                       select g, repeat(md5(g::text), 6) from generate_series($next, $((next + rows - 1))) g" >/dev/null
        cur=$(psql_q "$url" "select pg_database_size(current_database())")
        log "  database at $(human "$cur") of $(human "$target")"
    done
    # Not timed: flush what the load left dirty, so the timed runs measure branching, not the load.
    psql_q "$url" "checkpoint" >/dev/null
}

# ------------------------------------------------------------------------------------------------
# Set-up: testbed, binary, store
# ------------------------------------------------------------------------------------------------
if [[ ${BENCH_SKIP_SETUP:-0} != 1 && -x $ROOT/scripts/testbed.sh ]]; then
    log "testbed: scripts/testbed.sh (log $WORK/testbed.log)"
    if ! STAGDB_TEST_POOL=$POOL "$ROOT/scripts/testbed.sh" >"$WORK/testbed.log" 2>&1; then
        tail -n 40 "$WORK/testbed.log" >&2
        die "scripts/testbed.sh failed"
    fi
    tail -n 1 "$WORK/testbed.log" >&2
elif [[ ${BENCH_SKIP_SETUP:-0} != 1 && -f $ROOT/scripts/testbed.sh ]]; then
    log "testbed: bash scripts/testbed.sh (log $WORK/testbed.log)"
    if ! STAGDB_TEST_POOL=$POOL bash "$ROOT/scripts/testbed.sh" >"$WORK/testbed.log" 2>&1; then
        tail -n 40 "$WORK/testbed.log" >&2
        die "scripts/testbed.sh failed"
    fi
fi
for c in zfs zpool docker psql; do
    command -v "$c" >/dev/null || die "$c not found (is the testbed up? scripts/testbed.sh)"
done
if ! command -v jq >/dev/null; then
    log "installing jq"
    { apt-get install -y -q jq || { apt-get update -q && apt-get install -y -q jq; }; } >"$WORK/apt.log" 2>&1 ||
        { tail -n 20 "$WORK/apt.log" >&2; die "apt-get install jq failed"; }
fi
zpool list -H -o name "$POOL" >/dev/null 2>&1 || die "pool $POOL not found (run scripts/testbed.sh)"

log "building: cargo build --release"
(cd "$ROOT" && cargo build --release --quiet) || die "cargo build --release failed"
[[ -x $STAGDB ]] || die "$STAGDB not built"

if dataset_exists; then
    log "removing $DS left behind by an earlier run"
    destroy_store
fi

# Room for the large database, its WAL and some slack.
avail=$(zfs get -H -p -o value available "$POOL")
need=$(((LARGE_MB * 2 + 512) * 1024 * 1024))
((avail >= need)) || die "pool $POOL has $(human "$avail") free; BENCH_LARGE_MB=$LARGE_MB needs about $(human "$need")"

log "creating store $DS (PostgreSQL $PG_VERSION, ports $PORTS, head port $HEAD_PORT)"
sdb init --dataset "$DS" --pg-version "$PG_VERSION" --image "$IMAGE" --ports "$PORTS" --head-port "$HEAD_PORT"
MAIN_URL=$(branch_url main)
psql_q "$MAIN_URL" "select 1" >/dev/null || die "cannot connect to main"

ENV_STAGDB=$("$STAGDB" --version 2>/dev/null || echo '?')
ENV_GIT=$(cd "$ROOT" && git describe --always --dirty 2>/dev/null || echo '?')
ENV_DOCKER=$(docker version -f '{{.Server.Version}} (API {{.Server.APIVersion}})' 2>/dev/null || echo '?')
ENV_PG=$(psql_q "$MAIN_URL" "select current_setting('server_version')")
ENV_CPU=$(nproc)
read -r _ LOAD_START _ < /proc/loadavg
ENV_MEM=$(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo)

# ------------------------------------------------------------------------------------------------
# Figure 1: branch a running branch until it is ready
# ------------------------------------------------------------------------------------------------
CONNECT_FAILURES=0

# Times RUNS x `stagdb branch NAME main`, removing each branch after timing it (not timed).
# Sets BR_MED BR_MIN BR_MAX (s), BR_READY_MED (ms, stagdb's own ready_ms).
time_branching() { # LABEL
    local label=$1 i name url ready
    : >"$WORK/wall-$label"
    : >"$WORK/ready-$label"
    for ((i = 1; i <= RUNS; i++)); do
        name="bench-$label-$i"
        sdb --json branch "$name" main
        echo "$ELAPSED_US" >>"$WORK/wall-$label"
        ready=$(jq -r '.ready_ms // empty' "$WORK/out")
        [[ -n $ready ]] && echo "$((ready * 1000))" >>"$WORK/ready-$label"
        # (Not timed. The url in branch's JSON may leave the password out; `stagdb url` has it.)
        url=$(branch_url "$name")
        # Ready means: accepts authenticated connections, and it has main's data.
        if ! psql_q "$url" "select to_regclass('bench_fill') is not null" 2>"$WORK/psql.err" | grep -qx t; then
            CONNECT_FAILURES=$((CONNECT_FAILURES + 1))
            log "  WARNING: $name not usable right after 'stagdb branch' returned: $(tr '\n' ' ' <"$WORK/psql.err")"
        fi
        log "  $label run $i/$RUNS: $((ELAPSED_US / 1000)) ms (ready_ms ${ready:-?})"
        sdb -y rm "$name"
    done
    read -r BR_MED BR_MIN BR_MAX < <(stats_ms "$WORK/wall-$label")
    read -r BR_READY_MED _ _ < <(stats_ms "$WORK/ready-$label")
}

db_size() { psql_q "$MAIN_URL" "select pg_database_size(current_database())"; }
datadir_size() { branch_field main referenced_bytes; }

log "figure 1: loading the small database (~$SMALL_MB MB)"
fill_to_mb "$MAIN_URL" "$SMALL_MB"
SMALL_BYTES=$(db_size)
SMALL_DIR=$(datadir_size)
log "figure 1: timing $RUNS branches of the small database ($(human "$SMALL_BYTES"))"
time_branching small
S_MED=$BR_MED S_MIN=$BR_MIN S_MAX=$BR_MAX S_READY=$BR_READY_MED

log "figure 1: loading the large database (~$LARGE_MB MB)"
t_load=$SECONDS
fill_to_mb "$MAIN_URL" "$LARGE_MB"
LOAD_S=$((SECONDS - t_load))
LARGE_BYTES=$(db_size)
LARGE_DIR=$(datadir_size)
log "figure 1: timing $RUNS branches of the large database ($(human "$LARGE_BYTES"), loaded in ${LOAD_S}s)"
time_branching large
L_MED=$BR_MED L_MIN=$BR_MIN L_MAX=$BR_MAX L_READY=$BR_READY_MED

# ------------------------------------------------------------------------------------------------
# Where the time goes: one `stagdb -v branch` of the large database, each line time-stamped
# ------------------------------------------------------------------------------------------------
log "trace: stagdb -v branch bench-trace main"
TRACE=$WORK/trace
{
    t0=${EPOCHREALTIME/./}
    prev=$t0
    # stderr (the -v lines) into the loop, stdout away; a line is printed as its step starts.
    "$STAGDB" -v --color never branch bench-trace main 2>&1 >/dev/null |
        while IFS= read -r line; do
            now=${EPOCHREALTIME/./}
            line=${line//\/postgres:*@/\/postgres:<redacted>@}
            printf '%6d ms  (+%5d)  %s\n' "$(((now - t0) / 1000))" "$(((now - prev) / 1000))" "$line"
            prev=$now
        done
    now=${EPOCHREALTIME/./}
    printf '%6d ms            (exit)\n' "$(((now - t0) / 1000))"
} >"$TRACE"
sdb -y rm bench-trace

# ------------------------------------------------------------------------------------------------
# Figure 2: space used by a new branch until it is written to
# ------------------------------------------------------------------------------------------------
log "figure 2: space of new branches"
sdb branch bench-space-nostart main --no-start
SPACE_NOSTART=$(branch_field bench-space-nostart used_bytes)
sdb branch bench-space-started main
SPACE_STARTED=$(branch_field bench-space-started used_bytes)
sleep 10
SPACE_IDLE=$(branch_field bench-space-started used_bytes)
sdb -y rm bench-space-nostart bench-space-started
MIB=$((1024 * 1024))

# ------------------------------------------------------------------------------------------------
# Figure 3: read-only commands with many branches in the store
# ------------------------------------------------------------------------------------------------
width=3
((${#NBRANCHES} <= width)) || width=${#NBRANCHES}
bname() { printf "b%0${width}d" "$1"; }
log "figure 3: creating $NBRANCHES branches from main@base (--no-start)"
sdb snapshot main --name base -m "bench base"
: >"$WORK/create"
for ((i = 1; i <= NBRANCHES; i++)); do
    sdb -q branch "$(bname "$i")" main@base --no-start
    echo "$ELAPSED_US" >>"$WORK/create"
done
read -r CREATE_MED CREATE_MIN CREATE_MAX < <(stats_ms "$WORK/create")
URL_BRANCH=$(bname $(((NBRANCHES + 1) / 2)))
((NBRANCHES < 50)) || URL_BRANCH=$(bname 50)
sdb --json branch
COUNT=$(jq length "$WORK/out")
[[ $COUNT -eq $((NBRANCHES + 1)) ]] || die "stagdb branch lists $COUNT branches, expected $((NBRANCHES + 1))"

LIST_CMDS=("branch" "log" "status" "url $URL_BRANCH")
declare -A CMD_MED CMD_MIN CMD_MAX CMD_ZFS CMD_DOCKER
ZFS_GET=
for cmd in "${LIST_CMDS[@]}"; do
    # shellcheck disable=SC2206
    args=($cmd)
    # The calls it makes, as `stagdb -v` shows them (not timed; also a warm-up).
    sdb -v "${args[@]}"
    CMD_ZFS[$cmd]=$(grep -cE '^\+ (zfs|zpool) ' "$WORK/err" || true)
    CMD_DOCKER[$cmd]=$(grep -c '^docker: ' "$WORK/err" || true)
    # status reads the whole store, snapshots too (the list reads only the datasets).
    if [[ $cmd == status ]]; then
        ZFS_GET=$(grep -m1 '^+ zfs get -r ' "$WORK/err" || true)
        ZFS_GET=${ZFS_GET#+ }
    fi
    : >"$WORK/cmd-${args[0]}"
done
# The floor of status on this pool: its `zfs get -r`, run on its own.
FLOOR=
if [[ $ZFS_GET =~ ^zfs\ get\ [-A-Za-z0-9_,:./\ ]+$ ]]; then
    FLOOR=zfs-get
    : >"$WORK/cmd-$FLOOR"
    timed eval "$ZFS_GET" # warm-up
    ZFS_LINES=$(wc -l <"$WORK/out")
else
    log "  WARNING: no plain 'zfs get -r' in 'stagdb -v status' output; not measuring the zfs floor"
fi
# Round robin, so that other work on the machine weighs on all the commands alike.
log "figure 3: timing ${LIST_CMDS[*]}${FLOOR:+ and the zfs get alone}, $RUNS rounds"
for ((i = 1; i <= RUNS; i++)); do
    for cmd in "${LIST_CMDS[@]}" $FLOOR; do
        # shellcheck disable=SC2206
        args=($cmd)
        if [[ $cmd == zfs-get ]]; then
            timed eval "$ZFS_GET"
        else
            sdb "${args[@]}"
        fi
        echo "$ELAPSED_US" >>"$WORK/cmd-${args[0]}"
    done
done
for cmd in "${LIST_CMDS[@]}"; do
    # shellcheck disable=SC2206
    args=($cmd)
    read -r "CMD_MED[$cmd]" "CMD_MIN[$cmd]" "CMD_MAX[$cmd]" < <(stats_ms "$WORK/cmd-${args[0]}")
    log "  stagdb $cmd: median ${CMD_MED[$cmd]} ms"
done
ZFS_MED=n/a ZFS_MIN=n/a ZFS_MAX=n/a
if [[ -n $FLOOR ]]; then
    read -r ZFS_MED ZFS_MIN ZFS_MAX < <(stats_ms "$WORK/cmd-$FLOOR")
    log "  its zfs get alone: median $ZFS_MED ms"
fi

log "figure 3: stagdb -y rm of the $NBRANCHES branches (one command)"
mapfile -t all < <(for ((i = 1; i <= NBRANCHES; i++)); do bname "$i"; echo; done)
sdb -y rm "${all[@]}"
RM_S=$(awk -v u="$ELAPSED_US" 'BEGIN { printf "%.1f", u / 1e6 }')
RM_EACH=$(awk -v u="$ELAPSED_US" -v n="$NBRANCHES" 'BEGIN { printf "%.0f", u / 1000 / n }')
read -r _ LOAD_END _ < /proc/loadavg

log "cleaning up"
destroy_store
CLEANED=1
TOTAL_S=$((SECONDS - BENCH_START))

# ------------------------------------------------------------------------------------------------
# Report
# ------------------------------------------------------------------------------------------------
s() { awk -v v="$1" 'BEGIN { printf "%.2f", v / 1000 }'; } # ms -> s
R1A=$(le "$S_MED" 2000)
R1B=$(le "$L_MED" 2000)
RATIO=$(awk -v a="$S_MED" -v b="$L_MED" 'BEGIN { printf "%.2f", b / a }')
R1C=$(awk -v a="$S_MED" -v b="$L_MED" 'BEGIN { d = b - a; if (d < 0) d = -d; print (d <= 0.2 * a) ? "PASS" : "MISS" }')
R2A=$(lt "$SPACE_NOSTART" "$MIB")
R2B=$(lt "$SPACE_STARTED" "$MIB")
R2C=$(lt "$SPACE_IDLE" "$MIB")

echo
echo "stagdb benchmark ($(date -u +%Y-%m-%dT%H:%MZ))"
echo "  stagdb:   $ENV_STAGDB (git $ENV_GIT)"
echo "  testbed:  zfs-fuse pool $POOL, Docker $ENV_DOCKER, PostgreSQL $ENV_PG ($IMAGE), $ENV_CPU CPUs, $ENV_MEM"
echo "  settings: BENCH_SMALL_MB=$SMALL_MB BENCH_LARGE_MB=$LARGE_MB BENCH_RUNS=$RUNS BENCH_BRANCHES=$NBRANCHES"
echo
echo "1. stagdb branch NAME main (main running) until ready for connections, $RUNS runs each"
printf '   small db %-10s (data dir %-10s): median %s s  min %s  max %s  (stagdb ready_ms median %s ms)  [target <= 2 s] %s\n' \
    "$(human "$SMALL_BYTES")" "$(human "$SMALL_DIR")" "$(s "$S_MED")" "$(s "$S_MIN")" "$(s "$S_MAX")" "$S_READY" "$R1A"
printf '   large db %-10s (data dir %-10s): median %s s  min %s  max %s  (stagdb ready_ms median %s ms)  [target <= 2 s] %s\n' \
    "$(human "$LARGE_BYTES")" "$(human "$LARGE_DIR")" "$(s "$L_MED")" "$(s "$L_MIN")" "$(s "$L_MAX")" "$L_READY" "$R1B"
printf '   large/small median ratio %s  [target within 20%%] %s\n' "$RATIO" "$R1C"
printf '   (large database loaded in %d s; branches not connectable right after stagdb returned: %d)\n' "$LOAD_S" "$CONNECT_FAILURES"
echo
echo "2. pool space used by a new branch of the large database (used_bytes)"
printf '   created with --no-start:        %-10s [target < 1 MiB] %s\n' "$(human "$SPACE_NOSTART")" "$R2A"
printf '   created and started (at ready): %-10s [target < 1 MiB] %s\n' "$(human "$SPACE_STARTED")" "$R2B"
printf '   started, after 10 s idle:       %-10s [target < 1 MiB] %s\n' "$(human "$SPACE_IDLE")" "$R2C"
echo
echo "3. with $NBRANCHES branches in the store (+ main): median of $RUNS runs"
for cmd in "${LIST_CMDS[@]}"; do
    printf '   stagdb %-12s %7s ms  (min %s, max %s; %s zfs/zpool command(s), %s Docker call(s) in -v)  [target < 100 ms] %s\n' \
        "$cmd" "${CMD_MED[$cmd]}" "${CMD_MIN[$cmd]}" "${CMD_MAX[$cmd]}" "${CMD_ZFS[$cmd]}" "${CMD_DOCKER[$cmd]}" \
        "$(lt "${CMD_MED[$cmd]}" 100)"
done
printf '   (the zfs get -r status runs, alone, %s lines: median %s ms, min %s, max %s: its floor on this pool)\n' \
    "${ZFS_LINES:-?}" "$ZFS_MED" "$ZFS_MIN" "$ZFS_MAX"
printf '   (creating each of them with --no-start from main@base: median %s ms, min %s, max %s)\n' \
    "$CREATE_MED" "$CREATE_MIN" "$CREATE_MAX"
printf '   (removing all of them with one stagdb -y rm: %s s, %s ms a branch)\n' "$RM_S" "$RM_EACH"
echo
echo "Where the time goes: stagdb -v branch of the large database (ms since start, +ms since previous line)"
sed 's/^/   /' "$TRACE"
echo
echo "benchmark took ${TOTAL_S} s; load average (5 min) $LOAD_START before, $LOAD_END after (other work on the machine skews the figures)"

if [[ $MARKDOWN == 1 ]]; then
    echo
    echo "| Measure (zfs-fuse testbed, $ENV_CPU CPUs) | Target | Measured | |"
    echo "|---|---|---|---|"
    echo "| \`stagdb branch\` of a running $(human "$SMALL_BYTES") database, until ready | <= 2 s | median $(s "$S_MED") s (min $(s "$S_MIN"), max $(s "$S_MAX")) | $R1A |"
    echo "| \`stagdb branch\` of a running $(human "$LARGE_BYTES") database, until ready | <= 2 s | median $(s "$L_MED") s (min $(s "$L_MIN"), max $(s "$L_MAX")) | $R1B |"
    echo "| Large vs small database | within 20 % | x $RATIO | $R1C |"
    echo "| Space of a new branch (\`--no-start\`) | < 1 MiB | $(human "$SPACE_NOSTART") | $R2A |"
    echo "| Space of a new branch, started | < 1 MiB | $(human "$SPACE_STARTED") at ready, $(human "$SPACE_IDLE") after 10 s | $R2B |"
    for cmd in "${LIST_CMDS[@]}"; do
        floor=
        [[ $cmd == status && $ZFS_MED != n/a ]] && floor=" (its \`zfs get -r\` alone: $ZFS_MED ms)"
        echo "| \`stagdb $cmd\` with $NBRANCHES branches | < 100 ms | ${CMD_MED[$cmd]} ms$floor | $(lt "${CMD_MED[$cmd]}" 100) |"
    done
fi
