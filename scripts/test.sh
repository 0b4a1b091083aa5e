#!/usr/bin/env bash
# The project's single test command (README: `bash scripts/test.sh`; CI: .ci/run).
# Brings up the real testbed (ZFS pool via zfs-fuse, Docker engine, PostgreSQL images; see
# scripts/testbed.sh and shared/TESTBED.md), then runs rustfmt, clippy and the whole test suite
# against it. Any failing step fails the run; a missing testbed is a failure, never a skip.
# With STAGDB_TEST_OPENZFS=1, then the chosen set on OpenZFS 2.3 in a guest (scripts/testbed-openzfs.sh,
# scripts/test-openzfs.sh; docs/testing.md): its image is built in the background while the zfs-fuse
# suite runs. Not yet the default: a fresh machine adds the image build and image loads (docs/testing.md).
# Extra arguments go to `cargo test` (e.g. `bash scripts/test.sh -- --nocapture`).
set -euo pipefail
cd "$(dirname "$0")/.."

export STAGDB_TEST_POOL="${STAGDB_TEST_POOL:-stagdbtest}"
if [[ -z ${STAGDB_TEST_IMAGE:-} ]]; then
    STAGDB_TEST_IMAGE='stagdb-test/postgres:{major}'
fi
export STAGDB_TEST_IMAGE

step() { printf '==> %s\n' "$*" >&2; }

# Each part's time, printed at the end (also when a part fails).
declare -a TIMES
T_PART=$SECONDS
timed() {
    TIMES+=("$(printf '%5ds  %s' "$((SECONDS - T_PART))" "$1")")
    T_PART=$SECONDS
}
OPENZFS=${STAGDB_TEST_OPENZFS:-0}
OZ_BUILD_PID=
OZ_LOG=${VM_DIR:-/var/tmp/stagdb-openzfs}/logs/test-sh-build.log
finish() {
    local rc=$?
    if [[ -n $OZ_BUILD_PID ]] && kill -0 "$OZ_BUILD_PID" 2>/dev/null; then
        step "stopping the OpenZFS image build (pid $OZ_BUILD_PID)"
        kill -- "-$OZ_BUILD_PID" 2>/dev/null || true
    fi
    if [[ $OPENZFS == 1 ]]; then
        bash scripts/testbed-openzfs.sh down >/dev/null 2>&1 || true
    fi
    if [[ ${#TIMES[@]} -gt 0 ]]; then
        printf '==> times (total %ds):\n' "$SECONDS" >&2
        printf '    %s\n' "${TIMES[@]}" >&2
    fi
    exit "$rc"
}
trap finish EXIT

step "testbed (pool $STAGDB_TEST_POOL)"
bash scripts/testbed.sh
timed "testbed (zfs-fuse, Docker, images)"

# Its own process group (setsid), so that a failure elsewhere stops the whole build.
if [[ $OPENZFS == 1 ]]; then
    step "OpenZFS guest image: building in the background (niced; log $OZ_LOG)"
    mkdir -p "$(dirname "$OZ_LOG")"
    setsid nice -n 10 bash scripts/testbed-openzfs.sh build >"$OZ_LOG" 2>&1 </dev/null &
    OZ_BUILD_PID=$!
    T_BUILD=$SECONDS
fi

# A fresh (non-login) shell may not have rustup's cargo on PATH.
if ! command -v cargo >/dev/null 2>&1; then
    for env_file in "${CARGO_HOME:-${HOME:-/root}/.cargo}/env" /root/.cargo/env; do
        if [[ -f $env_file ]]; then
            # shellcheck disable=SC1090
            source "$env_file"
            break
        fi
    done
fi
command -v cargo >/dev/null 2>&1 || { echo "error: cargo not found (install Rust with rustup)" >&2; exit 1; }

locked=()
if [[ -f Cargo.lock ]]; then
    locked=(--locked)
fi

step "cargo fmt --all -- --check"
cargo fmt --all -- --check

step "cargo clippy --all-targets ${locked[*]} -- -D warnings"
cargo clippy --all-targets "${locked[@]}" -- -D warnings
# The OpenZFS-only test targets, tests/openzfs*.rs (test = false: not in --all-targets).
oz_tests=()
for f in tests/openzfs*.rs; do
    [[ -f $f ]] && oz_tests+=("--test=$(basename "$f" .rs)")
done
if [[ ${#oz_tests[@]} -gt 0 ]]; then
    step "cargo clippy ${oz_tests[*]} ${locked[*]} -- -D warnings"
    cargo clippy "${oz_tests[@]}" "${locked[@]}" -- -D warnings
fi
timed "fmt + clippy"

step "cargo test ${locked[*]} $* (zfs-fuse)"
cargo test "${locked[@]}" "$@"
timed "zfs-fuse suite"

if [[ $OPENZFS == 1 ]]; then
    step "OpenZFS guest image: waiting for the build"
    rc=0
    wait "$OZ_BUILD_PID" || rc=$?
    OZ_BUILD_PID=
    TIMES+=("$(printf '%5ds  %s' "$((SECONDS - T_BUILD))" "OpenZFS image build (in the background; $(grep -o 'up to date\|total [0-9]*s' "$OZ_LOG" | tail -1 || true))")")
    if [[ $rc -ne 0 ]]; then
        tail -40 "$OZ_LOG" >&2
        echo "error: the OpenZFS guest image build failed (log $OZ_LOG)" >&2
        exit 1
    fi
    timed "waiting for the image build"

    step "OpenZFS guest: boot and prepare"
    bash scripts/testbed-openzfs.sh up
    timed "OpenZFS guest boot + prepare"

    step "OpenZFS guest: the chosen set"
    bash scripts/test-openzfs.sh
    timed "OpenZFS guest tests"
    bash scripts/testbed-openzfs.sh down
fi

# After the tests: the release build it makes would slow the load-sensitive ones.
step "package (cargo deb, contents checked)"
bash scripts/package.sh
timed "package"
