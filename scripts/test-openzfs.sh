#!/usr/bin/env bash
# Run integration tests in the OpenZFS guest (scripts/testbed-openzfs.sh up first; docs/testing.md).
#   test-openzfs.sh                     the chosen set (CHOSEN below; what scripts/test.sh runs)
#   test-openzfs.sh --all               every test binary (the whole suite, podman and openzfs* too)
#   test-openzfs.sh BIN[:F1,F2] ...     these test binaries, with libtest name filters
# The test binaries are built on the host once (same CARGO_TARGET_DIR as the zfs-fuse run, so nothing
# is compiled twice), staged in the share with the stagdb binary and the source tree, and run in the
# guest where the tests expect them: the binary at its host path (env!("CARGO_BIN_EXE_stagdb")) and
# the sources at the project's host path (the tests' working directory and CARGO_MANIFEST_DIR).
# Prints each binary's time and a summary; exits non-zero if any binary failed.
# Env: VM_DIR, SSH_PORT (as testbed-openzfs.sh), STAGDB_TEST_POOL, STAGDB_TEST_IMAGE,
#      STAGDB_OPENZFS_THREADS (--test-threads in the guest, default 2: its 2 vCPUs),
#      STAGDB_TEST_TIMEOUT (stagdb's STAGDB_TIMEOUT in the tests, default 600 here; 120 on the host).
set -euo pipefail
cd "$(dirname "$0")/.."
export VM_DIR=${VM_DIR:-/var/tmp/stagdb-openzfs}
export SSH_PORT=${SSH_PORT:-10023}
POOL=${STAGDB_TEST_POOL:-stagdbtest}
IMAGE=${STAGDB_TEST_IMAGE:-stagdb-test/postgres:\{major\}}
THREADS=${STAGDB_OPENZFS_THREADS:-2}
# stagdb's timeout (PostgreSQL readiness, locks) in the guest: under TCG a start takes minutes.
TIMEOUT=${STAGDB_TEST_TIMEOUT:-600}
PROJ=$(pwd -P)
STAGE=$VM_DIR/share/run
guest() { scripts/openzfs-vm/guest-run.sh "$@"; }

# One run per guest: two would stage into the same share and run in the same pool.
mkdir -p "$VM_DIR"
exec 8>"$VM_DIR/tests.lock"
flock -n 8 || {
    echo "error: another test-openzfs.sh is running on $VM_DIR (lock $VM_DIR/tests.lock)" >&2
    exit 1
}

# Every zfs call path stagdb has: create/clone/snapshot/destroy/rename/set/get (all of them),
# mount/unmount and parking (a stopped branch costs no mount), rollback (failed and interrupted
# branch, reset), doctor's fixes (tamper, killed reset and rename), gc, plus tests/openzfs*.rs.
# Measured in the TCG guest: see docs/testing.md.
CHOSEN=(
    "openzfs"
    "openzfs_foreign"
    "branching:branch_isolation_log_reset_rm_restart,failed_branch_is_rolled_back,a_stopped_branch_costs_no_mount_until_it_starts,snapshot_and_branch_while_being_written_to"
    "checkout"
    "rename:rename_branches_like_git"
    "lifetimes:gc_collects_expired_branches_and_leftovers"
    "tamper:tampered_values_are_refused_reported_and_repaired"
    "faults:a_reset_killed_after_its_promote_is_undone_by_doctor,a_killed_rename_is_finished_by_doctor"
    "interrupt"
)

source_cargo() {
    command -v cargo >/dev/null 2>&1 && return 0
    local f
    for f in "${CARGO_HOME:-${HOME:-/root}/.cargo}/env" /root/.cargo/env; do
        # shellcheck disable=SC1090
        [[ -f $f ]] && source "$f" && return 0
    done
    echo "error: cargo not found" >&2
    exit 1
}

# All test targets (test = true or not: the openzfs* ones are test = false).
all_test_targets() {
    cargo metadata --no-deps --format-version 1 |
        jq -r '.packages[] | select(.name == "stagdb") | .targets[] | select(.kind == ["test"]) | .name' | sort
}

specs=()
case ${1:-} in
--all)
    mapfile -t specs < <(all_test_targets)
    specs=(lib "${specs[@]}")
    ;;
"") specs=("${CHOSEN[@]}") ;;
-h | --help)
    sed -n '2,13p' "$0"
    exit 0
    ;;
*) specs=("$@") ;;
esac

# The guest up and prepared (idempotent: a few checks when it is); --all needs every image and Podman.
if [[ ${1:-} == --all ]]; then
    STAGDB_OPENZFS_IMAGES="13 15 17 18" STAGDB_OPENZFS_PODMAN=1 bash scripts/testbed-openzfs.sh up
else
    bash scripts/testbed-openzfs.sh up
fi

source_cargo
T0=$SECONDS
args=()
for s in "${specs[@]}"; do
    b=${s%%:*}
    if [[ $b == lib ]]; then args+=(--lib); else args+=(--test "$b"); fi
done
printf '==> building %d test binaries on the host\n' "${#specs[@]}" >&2
json=$(cargo test --locked --no-run --message-format=json "${args[@]}") || {
    echo "error: cargo test --no-run failed" >&2
    exit 1
}
# name -> executable ("lib" for the library's unit tests).
declare -A exe
while read -r kind name path; do
    if [[ $kind == lib ]]; then exe[lib]=$path; else exe[$name]=$path; fi
done < <(jq -r 'select(.reason == "compiler-artifact" and .executable != null and .profile.test == true)
                | "\(.target.kind[0]) \(.target.name) \(.executable)"' <<<"$json")
bin=$(jq -r 'select(.reason == "compiler-artifact" and .target.kind == ["bin"] and .target.name == "stagdb"
              and .profile.test == false) | .executable' <<<"$json" | tail -1)
[[ -x $bin ]] || {
    echo "error: no stagdb binary in cargo's output" >&2
    exit 1
}
printf '==> built in %ds\n' "$((SECONDS - T0))" >&2

# Stage: binaries (hard links when the share is on the same filesystem), the sources as a tar.
T1=$SECONDS
rm -rf "$STAGE.new"
mkdir -p "$STAGE.new/bin"
stage_file() { ln "$1" "$2" 2>/dev/null || cp "$1" "$2"; }
stage_file "$bin" "$STAGE.new/bin/stagdb"
for s in "${specs[@]}"; do
    b=${s%%:*}
    [[ -n ${exe[$b]:-} ]] || {
        echo "error: no test binary '$b' (cargo metadata lists: $(all_test_targets | tr '\n' ' '))" >&2
        exit 1
    }
    stage_file "${exe[$b]}" "$STAGE.new/bin/$b"
done
git ls-files -z -co --exclude-standard | tar --null -T - -cf "$STAGE.new/src.tar"
printf '%s\n' "${specs[@]}" >"$STAGE.new/specs"
rm -rf "$STAGE"
mv "$STAGE.new" "$STAGE"

# In the guest: the sources at $PROJ, stagdb at its host path, then each binary from the project root.
guest "set -e
    rm -rf '$PROJ' && mkdir -p '$PROJ' && tar -xf /mnt/host/run/src.tar -C '$PROJ'
    mkdir -p '$(dirname "$bin")' && cp /mnt/host/run/bin/stagdb '$bin'
    rm -rf /var/tmp/stagdb-tests && mkdir -p /var/tmp/stagdb-tests" ||
    {
        echo "error: staging in the guest failed" >&2
        exit 1
    }
printf '==> staged in the guest in %ds\n' "$((SECONDS - T1))" >&2

# Start one binary in the guest, detached (an ssh session dropped under a slow TCG guest must not kill
# the tests), then follow its log, reconnecting from where the copy on the host ends.
run_in_guest() {
    local b=$1 script="$STAGE/run-$b.sh" log="$LOGS/$b.log" gl="/var/tmp/stagdb-tests/$b.log" pid off rc
    shift
    {
        echo "cp /mnt/host/run/bin/$b /var/tmp/stagdb-tests/$b"
        echo "cd '$PROJ'"
        echo "export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
        echo "export STAGDB_TEST_POOL='$POOL' STAGDB_TEST_IMAGE='$IMAGE' STAGDB_TEST_TIMEOUT=$TIMEOUT STAGDB_TIMEOUT=$TIMEOUT RUST_BACKTRACE=1"
        echo "exec /var/tmp/stagdb-tests/$b --test-threads=$THREADS $*"
    } >"$script"
    : >"$log"
    pid=$(guest "rm -f $gl.rc; setsid nohup sh -c 'sh /mnt/host/run/run-$b.sh >$gl 2>&1; echo \$? >$gl.rc' \
        </dev/null >/dev/null 2>&1 & echo \$!") || return 255
    while :; do
        off=$(stat -c %s "$log")
        guest "tail -c +$((off + 1)) -f --pid=$pid $gl" | tee -a "$log" >&2 || true
        rc=$(guest "cat $gl.rc 2>/dev/null" || true)
        [[ -n $rc ]] && break
        sleep 5
    done
    off=$(stat -c %s "$log")
    guest "tail -c +$((off + 1)) $gl" | tee -a "$log" >&2 || true
    return "$rc"
}

LOGS=$VM_DIR/logs/tests
rm -rf "$LOGS"
mkdir -p "$LOGS"
declare -a summary
failed=0
for s in "${specs[@]}"; do
    b=${s%%:*}
    filters=()
    [[ $s == *:* ]] && IFS=, read -r -a filters <<<"${s#*:}"
    printf '==> [openzfs] %s %s\n' "$b" "${filters[*]}" >&2
    t=$SECONDS
    rc=0
    run_in_guest "$b" "${filters[@]}" || rc=$?
    dt=$((SECONDS - t))
    if [[ $rc -eq 0 ]]; then
        summary+=("$(printf 'ok     %5ds  %s' "$dt" "$s")")
    else
        failed=$((failed + 1))
        summary+=("$(printf 'FAILED %5ds  %s (exit %d; log %s)' "$dt" "$s" "$rc" "$LOGS/$b.log")")
    fi
    printf '==> [openzfs] %s: exit %d in %ds\n' "$b" "$rc" "$dt" >&2
done
printf '\n==> OpenZFS (%s) summary, %d binaries, %ds in all:\n' \
    "$(guest 'zfs version | head -1' 2>/dev/null || echo '?')" "${#specs[@]}" "$((SECONDS - T0))" >&2
printf '    %s\n' "${summary[@]}" >&2
if [[ $failed -gt 0 ]]; then
    echo "==> $failed test binaries failed on OpenZFS" >&2
    exit 1
fi
