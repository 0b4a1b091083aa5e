#!/usr/bin/env bash
# The project's single test command (README: `bash scripts/test.sh`; CI: .ci/run).
# Brings up the real testbed (ZFS pool via zfs-fuse, Docker engine, PostgreSQL images; see
# scripts/testbed.sh and shared/TESTBED.md), then runs rustfmt, clippy and the whole test suite
# against it. Any failing step fails the run; a missing testbed is a failure, never a skip.
# Extra arguments go to `cargo test` (e.g. `bash scripts/test.sh -- --nocapture`).
set -euo pipefail
cd "$(dirname "$0")/.."

export STAGDB_TEST_POOL="${STAGDB_TEST_POOL:-stagdbtest}"
if [[ -z ${STAGDB_TEST_IMAGE:-} ]]; then
    STAGDB_TEST_IMAGE='stagdb-test/postgres:{major}'
fi
export STAGDB_TEST_IMAGE

step() { printf '==> %s\n' "$*" >&2; }

step "testbed (pool $STAGDB_TEST_POOL)"
bash scripts/testbed.sh

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

step "cargo test ${locked[*]} $*"
cargo test "${locked[@]}" "$@"

# After the tests: the release build it makes would slow the load-sensitive ones.
step "package (cargo deb, contents checked)"
bash scripts/package.sh
