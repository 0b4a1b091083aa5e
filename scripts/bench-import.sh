#!/usr/bin/env bash
# Opt-in benchmark of getting data in and out (README "Import, refresh and export: figures"), side
# by side in one run on the local testbed (zfs-fuse pool + Docker + stagdb-test/postgres images):
#
#   A source server (a plain PostgreSQL container, not a stagdb branch) holds a pgbench database of
#   about BENCH_MB MB. Then, timed in the same run:
#     1. by hand, between the source and a second plain server with default settings whose data is
#        on the same pool, with the same major's tools (in a container on the host network):
#        `pg_dump -Fc | pg_restore` and
#        `pg_dump -Fd -j N` + `pg_restore -j N` (the database dropped and created between runs);
#     2. `stagdb import URL` (its default -j, and its default --load-in: memory when it fits)
#        until it returns (initdb, load, ANALYZE, snapshot, the branch running) -- ratio against
#        the best of 1; then with -j N, and with --load-in disk;
#     3. `pg_basebackup` alone into a dataset of the pool, and `stagdb import --physical`;
#     4. `stagdb refresh` of the imported root while a client polls it every 10 ms: the longest
#        time it refused connections (and stagdb's own figure);
#     5. `stagdb export ROOT > /dev/null` against `pg_dump -Fc > /dev/null` alone on the same branch
#        (after one untimed read, in turn, medians of 3).
#
# Usage: bash scripts/bench-import.sh   (as root; sets up the testbed, builds the release binary)
# Environment: BENCH_MB (1024), BENCH_MAJOR (15), BENCH_JOBS (CPUs), BENCH_PORTS (46000-46049),
#   BENCH_HEAD_PORT (45999), BENCH_SRC_PORT (45901), BENCH_DST_PORT (45902),
#   BENCH_DATASET ($STAGDB_TEST_POOL/bench-import), BENCH_SKIP_SETUP=1 (testbed already up).
# The report goes to stdout, progress to stderr; everything made is removed at the end.
set -euo pipefail
export LC_ALL=C
export PATH="/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:${PATH:-}"

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
POOL=${STAGDB_TEST_POOL:-stagdbtest}
MB=${BENCH_MB:-1024}
MAJOR=${BENCH_MAJOR:-15}
JOBS=${BENCH_JOBS:-$(nproc)}
PORTS=${BENCH_PORTS:-46000-46049}
HEAD_PORT=${BENCH_HEAD_PORT:-45999}
SRC_PORT=${BENCH_SRC_PORT:-45901}
DST_PORT=${BENCH_DST_PORT:-45902}
DS=${BENCH_DATASET:-$POOL/bench-import}
IMAGE=${STAGDB_TEST_IMAGE:-stagdb-test/postgres:\{major\}}
IMG=${IMAGE//\{major\}/$MAJOR}
STAGDB="$ROOT/target/release/stagdb"
PW=benchsourcepw
SRC=stagdb-bench-src DST=stagdb-bench-dst
START=$SECONDS
log() { printf '[bench-import %4ds] %s\n' "$((SECONDS - START))" "$*" >&2; }
die() {
    log "ERROR: $*"
    exit 1
}
[[ $(id -u) -eq 0 ]] || die "must run as root (zfs, docker)"
export STAGDB_STORE=$DS STAGDB_CONFIG=/nonexistent/stagdb-bench.toml STAGDB_TIMEOUT=300 NO_COLOR=1
unset PGHOST PGPORT PGUSER PGPASSWORD PGDATABASE DATABASE_URL

cleanup() {
    local ids
    docker rm -f "$SRC" "$DST" >/dev/null 2>&1 || true
    ids=$(docker ps -aq --filter "label=io.stagdb.store=$DS" 2>/dev/null || true)
    # shellcheck disable=SC2086
    [[ -z $ids ]] || docker rm -f $ids >/dev/null 2>&1 || true
    for _ in $(seq 1 60); do
        zfs list -H -o name "$DS" >/dev/null 2>&1 || break
        zfs destroy -R "$DS" >/dev/null 2>&1 && break
        sleep 0.5
    done
    for d in "$POOL/bench-basebackup" "$POOL/bench-dst"; do
        for _ in $(seq 1 60); do
            zfs list -H -o name "$d" >/dev/null 2>&1 || break
            zfs destroy -r "$d" >/dev/null 2>&1 && break
            sleep 0.5
        done
    done
}
trap cleanup EXIT

if [[ ${BENCH_SKIP_SETUP:-0} != 1 ]]; then
    log "testbed"
    bash "$ROOT/scripts/testbed.sh" >&2
fi
log "building the release binary"
(cd "$ROOT" && cargo build --release --locked -q)
cleanup

now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }

# A plain server: initdb, scram, replication allowed, default settings otherwise.
server() {
    local name=$1 port=$2 vol=()
    # The by-hand target keeps its data on the same pool as stagdb's branches.
    [[ -n ${3:-} ]] && vol=(-v "$3:/d")
    docker run -d --name "$name" "${vol[@]}" -p "127.0.0.1:$port:5432" --shm-size 256m --user root --entrypoint "" "$IMG" bash -c "
set -e
mkdir -p /d /var/run/postgresql && chown postgres /d /var/run/postgresql
echo $PW > /tmp/pw && chown postgres /tmp/pw
su postgres -s /bin/sh -c 'initdb -D /d -U postgres --pwfile=/tmp/pw --auth-local=trust --auth-host=scram-sha-256 >/dev/null'
printf 'host all all all scram-sha-256\nhost replication all all scram-sha-256\n' >> /d/pg_hba.conf
exec su postgres -s /bin/sh -c 'postgres -D /d -c listen_addresses=*'" >/dev/null
    for _ in $(seq 1 100); do
        docker exec "$name" pg_isready -q -U postgres 2>/dev/null && return 0
        sleep 0.2
    done
    die "server $name did not start"
}
# Runs the major's tools on the host network (as stagdb's jobs do).
tools() {
    docker run --rm --network host -e PGPASSWORD=$PW -e PGUSER=postgres -v /tmp/stagdb-bench:/w "$IMG" bash -c "$1"
}

log "source server (PostgreSQL $MAJOR) with a pgbench database of ~$MB MB"
server "$SRC" "$SRC_PORT"
zfs create "$POOL/bench-dst"
server "$DST" "$DST_PORT" "$(zfs get -H -o value mountpoint "$POOL/bench-dst")"
SCALE=$((MB * 10 / 150))
docker exec "$SRC" su postgres -c "createdb app && pgbench -i -q -s $SCALE app" >/dev/null 2>&1
SIZE=$(docker exec "$SRC" psql -U postgres -d app -Atc "SELECT pg_database_size('app')")
log "source database: $((SIZE >> 20)) MiB"
mkdir -p /tmp/stagdb-bench

log "by hand: pg_dump -Fc | pg_restore"
S="-h 127.0.0.1 -p $SRC_PORT -d app"
T="-h 127.0.0.1 -p $DST_PORT"
t0=$(now)
tools "createdb $T app && pg_dump -Fc $S | pg_restore $T -d app --no-owner"
T_STREAM=$(secs "$t0" "$(now)")
tools "dropdb $T app"
log "by hand: pg_dump -Fd -j $JOBS + pg_restore -j $JOBS"
t0=$(now)
tools "rm -rf /w/d && createdb $T app && pg_dump -Fd -j $JOBS -f /w/d $S && pg_restore -j $JOBS $T -d app --no-owner /w/d && rm -rf /w/d"
T_DIR=$(secs "$t0" "$(now)")
BEST=$(awk -v a="$T_STREAM" -v b="$T_DIR" 'BEGIN { print (a < b) ? a : b }')

log "stagdb init"
"$STAGDB" init --dataset "$DS" --pg-version "$MAJOR" --image "$IMAGE" --ports "$PORTS" --head-port "$HEAD_PORT" >/dev/null 2>&1
URL="postgresql://postgres:$PW@127.0.0.1:$SRC_PORT/app"
log "stagdb import (its default -j)"
t0=$(now)
"$STAGDB" --timings import "$URL" app >/dev/null 2>/tmp/stagdb-bench/import.log || { cat /tmp/stagdb-bench/import.log >&2; die "import failed"; }
T_IMPORT=$(secs "$t0" "$(now)")
IMPORT_TIMINGS=$(grep '^timings:' /tmp/stagdb-bench/import.log || true)
log "stagdb import -j $JOBS"
t0=$(now)
"$STAGDB" --timings import -j "$JOBS" "$URL" appj >/dev/null 2>/tmp/stagdb-bench/importj.log || { cat /tmp/stagdb-bench/importj.log >&2; die "import -j $JOBS failed"; }
T_IMPORTJ=$(secs "$t0" "$(now)")
IMPORTJ_TIMINGS=$(grep '^timings:' /tmp/stagdb-bench/importj.log || true)
"$STAGDB" rm -y appj >/dev/null 2>&1
log "stagdb import --load-in disk (the loading server on the pool, no copy)"
t0=$(now)
"$STAGDB" --timings import --load-in disk "$URL" appd >/dev/null 2>/tmp/stagdb-bench/importd.log || { cat /tmp/stagdb-bench/importd.log >&2; die "import --load-in disk failed"; }
T_IMPORTD=$(secs "$t0" "$(now)")
IMPORTD_TIMINGS=$(grep '^timings:' /tmp/stagdb-bench/importd.log || true)
"$STAGDB" rm -y appd >/dev/null 2>&1

log "pg_basebackup alone"
zfs create "$POOL/bench-basebackup"
BB_MP=$(zfs get -H -o value mountpoint "$POOL/bench-basebackup")
t0=$(now)
docker run --rm --network host -e PGPASSWORD=$PW -v "$BB_MP:/w" "$IMG" pg_basebackup -h 127.0.0.1 -p "$SRC_PORT" -U postgres -D /w/data -X stream -c fast
T_BB=$(secs "$t0" "$(now)")
# zfs-fuse says "busy" for a moment after the container's files are closed.
for _ in $(seq 1 60); do zfs destroy -r "$POOL/bench-basebackup" 2>/dev/null && break; sleep 0.5; done
log "stagdb import --physical"
t0=$(now)
"$STAGDB" import --physical "$URL" phys >/dev/null 2>/tmp/stagdb-bench/phys.log || { cat /tmp/stagdb-bench/phys.log >&2; die "physical import failed"; }
T_PHYS=$(secs "$t0" "$(now)")
"$STAGDB" rm -y phys >/dev/null 2>&1

log "stagdb refresh while a client polls the root every 10 ms"
APP_PORT=$("$STAGDB" url app | sed 's/.*:\([0-9]*\)\/app$/\1/')
POLL_LOG=/tmp/stagdb-bench/poll.log
python3 - "$APP_PORT" >"$POLL_LOG" <<'EOF' &
import socket, sys, time
port = int(sys.argv[1]); down = None; worst = 0.0; end = time.time() + 600
while time.time() < end:
    t = time.time()
    try:
        s = socket.create_connection(("127.0.0.1", port), timeout=0.5)
        # A TCP accept is not enough: PostgreSQL must answer (SSLRequest -> 'N').
        s.sendall(b"\x00\x00\x00\x08\x04\xd2\x16\x2f"); ok = s.recv(1) == b"N"; s.close()
    except OSError:
        ok = False
    if not ok and down is None: down = t
    if ok and down is not None:
        worst = max(worst, t - down); down = None
    print(f"{worst:.3f}", flush=True)
    time.sleep(0.01)
EOF
POLL=$!
sleep 1
docker exec "$SRC" psql -U postgres -d app -qc "UPDATE pgbench_branches SET bbalance = bbalance + 1"
t0=$(now)
REFRESH_JSON=$(PGPASSWORD=$PW "$STAGDB" --json refresh app 2>/tmp/stagdb-bench/refresh.log) || { cat /tmp/stagdb-bench/refresh.log >&2; die "refresh failed"; }
T_REFRESH=$(secs "$t0" "$(now)")
sleep 1
kill "$POLL" 2>/dev/null || true
wait "$POLL" 2>/dev/null || true
UNAVAIL_POLL=$(tail -1 "$POLL_LOG")
UNAVAIL_OWN=$(echo "$REFRESH_JSON" | tr -d "\n " | sed -n 's/.*"unavailable_ms":\([0-9]*\).*/\1/p')

log "export against pg_dump alone"
APP_PW=$("$STAGDB" url app | sed 's/.*postgres:\([^@]*\)@.*/\1/')
pgdump_alone() {
    docker run --rm --network host -e PGPASSWORD="$APP_PW" "$IMG" pg_dump -Fc -h 127.0.0.1 -p "$APP_PORT" -U postgres -d app >/dev/null
}
# One untimed read first (the root has just started on data that was just
# written: whichever ran first paid the cold caches), then the two taken
# in turn, three times each; medians.
pgdump_alone
E=() P=()
for _ in 1 2 3; do
    t0=$(now)
    "$STAGDB" export app >/dev/null 2>&1
    E+=("$(secs "$t0" "$(now)")")
    t0=$(now)
    pgdump_alone
    P+=("$(secs "$t0" "$(now)")")
done
median3() { printf '%s\n' "$@" | sort -n | sed -n 2p; }
T_EXPORT=$(median3 "${E[@]}")
T_PGDUMP=$(median3 "${P[@]}")

cat <<EOF
stagdb data in and out, $(date -u +%Y-%m-%d), $(nproc) CPUs, zfs-fuse, PostgreSQL $MAJOR, pgbench database of $((SIZE >> 20)) MiB
| what                                              | seconds | ratio                         |
|---------------------------------------------------|---------|-------------------------------|
| by hand: pg_dump -Fc \| pg_restore                 | $T_STREAM |                               |
| by hand: pg_dump -Fd -j $JOBS + pg_restore -j $JOBS        | $T_DIR |                               |
| stagdb import, default -j (ready, frozen, analyzed, snapshotted) | $T_IMPORT | $(ratio "$T_IMPORT" "$BEST")x of the best by hand (target 0.8x) |
| stagdb import -j $JOBS                                    | $T_IMPORTJ | $(ratio "$T_IMPORTJ" "$BEST")x of the best by hand |
| stagdb import --load-in disk                          | $T_IMPORTD | $(ratio "$T_IMPORTD" "$BEST")x of the best by hand |
| pg_basebackup alone                               | $T_BB |                               |
| stagdb import --physical                          | $T_PHYS | $(ratio "$T_PHYS" "$T_BB")x of pg_basebackup (target 1.2x) |
| stagdb refresh (whole command)                    | $T_REFRESH |                               |
| refresh: root refused connections (client poll)   | $UNAVAIL_POLL | stagdb's own figure: ${UNAVAIL_OWN} ms (target < 2 s) |
| stagdb export app > /dev/null                     | $T_EXPORT | $(ratio "$T_EXPORT" "$T_PGDUMP")x of pg_dump alone (target 1.1x) |
| pg_dump -Fc > /dev/null alone                     | $T_PGDUMP |                               |

stagdb import phases (default -j): ${IMPORT_TIMINGS#timings: }
stagdb import phases (-j $JOBS): ${IMPORTJ_TIMINGS#timings: }
stagdb import phases (--load-in disk): ${IMPORTD_TIMINGS#timings: }
EOF
log "done"
