#!/usr/bin/env bash
# The long versions of the reliability tests (README: "Reliability"):
#   - fault injection: TRIALS commands (branch, branch --no-start, snapshot,
#     reset, rm, checkout) killed with SIGKILL at random points, each followed
#     by `doctor --fix`, and TRIALS more interrupted with SIGINT/SIGTERM and
#     left to their own rollback (tests/faults.rs);
#   - concurrency: ROUNDS rounds of 32 mixed commands at once on one store
#     (tests/concurrency.rs).
# Usage: bash scripts/soak.sh [TRIALS (default 150)] [ROUNDS (default 5)]
# Seeded: a failure prints the seed; STAGDB_FAULT_SEED=N replays it.
set -euo pipefail
cd "$(dirname "$0")/.."
trials="${1:-150}"
rounds="${2:-5}"
export STAGDB_TEST_POOL="${STAGDB_TEST_POOL:-stagdbtest}"
export STAGDB_TEST_IMAGE="${STAGDB_TEST_IMAGE:-stagdb-test/postgres:{major\}}"
bash scripts/testbed.sh
if ! command -v cargo >/dev/null 2>&1; then
    # shellcheck disable=SC1091
    source "${CARGO_HOME:-$HOME/.cargo}/env"
fi
cargo build --locked --tests --quiet
start=$(date +%s)
echo "==> fault injection: $trials killed (SIGKILL + doctor --fix), $trials interrupted (SIGINT/SIGTERM)" >&2
log=$(mktemp /tmp/stagdb-soak.XXXXXX.log)
echo "    (full output: $log)" >&2
if ! STAGDB_FAULT_TRIALS="$trials" cargo test --locked --quiet --test faults -- --nocapture >"$log" 2>&1; then
    grep -E -A12 'panicked|seed' "$log" >&2
    exit 1
fi
grep -E 'seed|test result' "$log" >&2
mid=$(date +%s)
echo "==> concurrency: $rounds rounds of 32 mixed commands" >&2
for r in $(seq 1 "$rounds"); do
    if ! STAGDB_CONCURRENCY=32 cargo test --locked --quiet --test concurrency mixed >"$log" 2>&1; then
        grep -E -A12 'panicked' "$log" >&2
        exit 1
    fi
    echo "round $r ok" >&2
done
end=$(date +%s)
echo "soak passed: $((2 * trials)) fault trials in $((mid - start)) s, $rounds x 32 concurrent commands in $((end - mid)) s ($(date -u +%Y-%m-%d), $(nproc) CPUs)"
