#!/usr/bin/env bash
# Opt-in: stagdb's figures on OpenZFS (README "Performance", docs/benchmarks-openzfs.md), run on
# the host against the OpenZFS 2.3 guest (shared/TESTBED.md, "OpenZFS 2.3 in a guest"). Under TCG
# emulation absolute times mean nothing: every figure is a ratio measured side by side in the guest.
#
# Builds the release binary, copies it and the bench scripts into the guest's share directory, and
# runs there, in this order (OZ_PARTS picks some):
#   pgbench        scripts/bench-pgbench.sh on the pool's default properties
#   pgbench-tuned  the same with BENCH_ZFS_PROPS=$OZ_TUNED_PROPS set on the store
#   scale          scripts/bench-scale.sh (A: branch/reset vs CREATE DATABASE TEMPLATE and
#                  pg_dump|pg_restore; B: the store at BENCH_LEVELS branches vs zfs list)
# Each part's report goes to stdout (and OZ_OUT/PART.md), progress to stderr.
#
# Usage: bash scripts/bench-openzfs.sh
# Environment: VM_DIR (/var/tmp/stagdb-openzfs-vm), SSH_PORT (10022), OZ_POOL (benchpool: made on
#   the guest's /dev/vdb if no pool exists by that name and no pool uses vdb), OZ_PARTS
#   ("pgbench pgbench-tuned scale"), OZ_TUNED_PROPS ("recordsize=8K compression=lz4 atime=off
#   logbias=latency"), OZ_OUT (target/bench-openzfs), and for the parts BENCH_SCALE, BENCH_SECONDS,
#   BENCH_ROUNDS, BENCH_LARGE_MB (256), BENCH_RUNS (3), BENCH_LEVELS ("10 100 300"). Ports in the
#   guest: 49000-49499.
set -euo pipefail
export LC_ALL=C
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
VM_DIR=${VM_DIR:-/var/tmp/stagdb-openzfs-vm}
SSH_PORT=${SSH_PORT:-10022}
POOL=${OZ_POOL:-benchpool}
PARTS=${OZ_PARTS:-pgbench pgbench-tuned scale}
TUNED=${OZ_TUNED_PROPS:-recordsize=8K compression=lz4 atime=off logbias=latency}
OUT=${OZ_OUT:-$ROOT/target/bench-openzfs}
SHARE_SUB=stagdb-bench-$(id -un)
START=$SECONDS
log() { printf '[bench-openzfs %4ds] %s\n' "$((SECONDS - START))" "$*" >&2; }
die() {
    log "ERROR: $*"
    exit 1
}
[[ $POOL =~ ^[A-Za-z][A-Za-z0-9_.-]*$ ]] || die "OZ_POOL must be a pool name (got '$POOL')"
[[ -d $VM_DIR/share ]] || die "no guest share directory $VM_DIR/share (is the guest built?)"
# The guest only, on the loopback address.
guest() {
    ssh -q -i "$VM_DIR/ssh/id_ed25519" -p "$SSH_PORT" -o StrictHostKeyChecking=no \
        -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR -o ConnectTimeout=5 -o BatchMode=yes \
        -o ServerAliveInterval=15 root@127.0.0.1 "$@"
}
guest true || die "the guest does not answer on 127.0.0.1:$SSH_PORT (shared/openzfs-vm/boot.sh status)"

command -v cargo >/dev/null 2>&1 || source "${CARGO_HOME:-$HOME/.cargo}/env"
log "building the release binary"
(cd "$ROOT" && cargo build --release --locked --quiet)
bin="${CARGO_TARGET_DIR:-$ROOT/target}/release/stagdb"
[[ -x $bin ]] || die "no release binary at $bin"

# Copied under a temporary name and renamed: a reader in the guest never sees half a file.
share="$VM_DIR/share/$SHARE_SUB"
mkdir -p "$share/scripts"
for f in "$bin" "$ROOT"/scripts/bench-scale.sh "$ROOT"/scripts/bench-pgbench.sh; do
    dest="$share/$([[ $f == "$bin" ]] && echo stagdb || echo "scripts/$(basename "$f")")"
    cp "$f" "$dest.tmp.$$" && mv -f "$dest.tmp.$$" "$dest"
done
G="/mnt/host/$SHARE_SUB"

# The pool: made on the spare disk only when nothing uses it.
guest "zpool list -H -o name '$POOL' >/dev/null 2>&1 || {
    zpool list -v -H -P 2>/dev/null | grep -q '/dev/vdb' && { echo 'vdb is taken; make $POOL yourself' >&2; exit 1; }
    zpool create -f '$POOL' /dev/vdb; }" || die "no pool $POOL in the guest"

mkdir -p "$OUT"
env_of() {
    local v
    for v in BENCH_SCALE BENCH_SECONDS BENCH_ROUNDS BENCH_CLIENTS; do
        [[ -z ${!v:-} ]] || printf '%s=%q ' "$v" "${!v}"
    done
}
part() {
    local name=$1 cmd=$2
    log "part $name (guest load: $(guest cat /proc/loadavg | cut -d' ' -f1-3); host load: $(cut -d' ' -f1-3 /proc/loadavg))"
    guest "cd $G && STAGDB_BIN=$G/stagdb $cmd" | tee "$OUT/$name.md.tmp"
    mv -f "$OUT/$name.md.tmp" "$OUT/$name.md"
}
for p in $PARTS; do
    case $p in
    pgbench) part pgbench "$(env_of) BENCH_DATASET=$POOL/pgb bash scripts/bench-pgbench.sh" ;;
    pgbench-tuned) part pgbench-tuned "$(env_of) BENCH_DATASET=$POOL/pgbt BENCH_ZFS_PROPS=$(printf %q "$TUNED") bash scripts/bench-pgbench.sh" ;;
    scale) part scale "STAGDB_TEST_POOL=$POOL BENCH_SKIP_SETUP=1 BENCH_PORTS=49100-49499 BENCH_HEAD_PORT=49099 \
        BENCH_LARGE_MB=${BENCH_LARGE_MB:-256} BENCH_RUNS=${BENCH_RUNS:-3} BENCH_LEVELS=$(printf %q "${BENCH_LEVELS:-10 100 300}") \
        bash scripts/bench-scale.sh" ;;
    *) die "unknown part '$p' (pgbench, pgbench-tuned, scale)" ;;
    esac
done
log "done; reports in $OUT"
