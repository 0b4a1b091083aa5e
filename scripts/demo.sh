#!/usr/bin/env bash
# The README's first command: `sudo bash scripts/demo.sh`.
#
# On a Debian or Ubuntu machine (as root) it sets up what stagdb needs, using what is already there:
#   - ZFS: a working `zpool`/`zfs` as it is; else the kernel's module with zfsutils-linux when
#     `modprobe zfs` works; else zfs-fuse (ZFS in userspace, via scripts/testbed.sh);
#   - Docker: a running engine as it is; else docker.io, started (via scripts/testbed.sh);
#   - a PostgreSQL 17 image: postgres:17 when present or pullable; else one built from Debian's
#     packages (stagdb-test/postgres:17, via scripts/testbed.sh; no registry needed);
#   - psql on the host (postgresql-client);
#   - stagdb itself: `cargo build --release`, installed as /usr/local/bin/stagdb;
# then runs a short demo on a pool of its own (stagdbdemo, on the sparse file
# /var/lib/stagdb-demo/pool.img): init, load data, snapshot, branch, write on the branch, show the
# parent unchanged, list, log, status.
#
# Re-runnable: it first removes what a previous run of it created (the containers of the store
# stagdbdemo/stagdb, the pool stagdbdemo, its file), and nothing else.
#
# Environment:
#   STAGDB_DEMO_IMAGE         image template to use (e.g. 'postgres:{major}'); skips the image step
#   STAGDB_DEMO_PULL_TIMEOUT  seconds to allow `docker pull postgres:17` (default: 180)
set -Eeuo pipefail

export PATH="/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:${PATH:-}"
export DEBIAN_FRONTEND=noninteractive

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
POOL=stagdbdemo
STORE="$POOL/stagdb"
DEMO_DIR=/var/lib/stagdb-demo
POOL_FILE="$DEMO_DIR/pool.img"
POOL_SIZE=4G
PORTS=55433-55532
HEAD_PORT=55432
PG_MAJOR=17
BIN=/usr/local/bin/stagdb
LABEL="io.stagdb.store=$STORE"
PULL_TIMEOUT="${STAGDB_DEMO_PULL_TIMEOUT:-180}"
STEPS=7

START=$SECONDS
STEP_NO=0
STEP_NAME="start-up"

if [[ -t 1 && -z ${NO_COLOR:-} ]]; then
    BOLD=$'\e[1m' DIM=$'\e[2m' RED=$'\e[31m' GREEN=$'\e[32m' RESET=$'\e[0m'
else
    BOLD='' DIM='' RED='' GREEN='' RESET=''
fi

step() {
    STEP_NO=$((STEP_NO + 1))
    STEP_NAME=$*
    printf '\n%s==> [%d/%d] %s%s %s(%ds)%s\n' "$BOLD" "$STEP_NO" "$STEPS" "$*" "$RESET" "$DIM" "$((SECONDS - START))" "$RESET"
}
info() { printf '    %s\n' "$*"; }
die() {
    printf '\n%sdemo.sh: FAILED in step %d (%s): %s%s\n' "$RED$BOLD" "$STEP_NO" "$STEP_NAME" "$*" "$RESET" >&2
    exit 1
}
on_err() {
    local rc=$? line=$1 cmd=$2
    printf '\n%sdemo.sh: FAILED in step %d (%s): exit %d at line %d: %s%s\n' \
        "$RED$BOLD" "$STEP_NO" "$STEP_NAME" "$rc" "$line" "$cmd" "$RESET" >&2
    exit "$rc"
}
trap 'on_err "$LINENO" "$BASH_COMMAND"' ERR

# Shows a demo command the way it is typed, then runs it in this shell (so `export` sticks).
demo() {
    printf '\n%s$ %s%s\n' "$BOLD" "$1" "$RESET"
    if ! eval "$1"; then
        die "this command failed: $1"
    fi
}

zfs_works() { timeout 10 zpool list -H -o name >/dev/null 2>&1; }
docker_works() { timeout 15 docker info >/dev/null 2>&1; }
psql_works() { psql --version >/dev/null 2>&1; }

APT_UPDATED=0
apt_install() {
    local log="$DEMO_DIR/apt.log"
    info "apt-get install $* (log $log)"
    if [[ $APT_UPDATED == 0 ]]; then
        apt-get update -q >"$log" 2>&1 || {
            tail -n 20 "$log" >&2
            die "apt-get update failed"
        }
        APT_UPDATED=1
    fi
    apt-get install -y -q --no-install-recommends "$@" >>"$log" 2>&1 || {
        tail -n 20 "$log" >&2
        die "apt-get install $* failed"
    }
}

# scripts/testbed.sh brings up zfs-fuse and dockerd (and builds images) the way the tests need them;
# without a pool of its own here.
testbed() {
    info "running scripts/testbed.sh (STAGDB_TESTBED_NO_POOL=1 $*)"
    env STAGDB_TESTBED_NO_POOL=1 "$@" bash "$REPO/scripts/testbed.sh" ||
        die "scripts/testbed.sh failed (see its messages above; logs in /var/lib/stagdb-testbed/logs)"
}

# zfs-fuse says "busy" for a moment after the last file in a dataset was closed: retry.
zpool_destroy() {
    local err
    for _ in $(seq 1 40); do
        err=$(zpool destroy -f "$POOL" 2>&1) && return 0
        [[ $err == *busy* ]] || break
        sleep 0.25
    done
    printf '%s\n' "$err" >&2
    return 1
}

if [[ $(id -u) -ne 0 ]]; then
    echo "demo.sh: run it as root: sudo bash scripts/demo.sh (it installs packages, drives ZFS and Docker)" >&2
    exit 1
fi
[[ -f $REPO/Cargo.toml && -f $REPO/scripts/testbed.sh ]] || die "run it from a stagdb checkout ($REPO has no Cargo.toml)"
mkdir -p "$DEMO_DIR"

printf '%sstagdb demo%s: Git for PostgreSQL databases, on a ZFS pool of its own (%s on %s)\n' \
    "$BOLD" "$RESET" "$POOL" "$POOL_FILE"

# --------------------------------------------------------------------------------------------------
step "ZFS and Docker"
# --------------------------------------------------------------------------------------------------
need_testbed=0
if zfs_works; then
    if pgrep -x zfs-fuse >/dev/null 2>&1; then
        info "ZFS: working (zfs-fuse)"
    else
        info "ZFS: working"
    fi
elif command -v modprobe >/dev/null 2>&1 && modprobe zfs >/dev/null 2>&1; then
    info "ZFS: the kernel has a ZFS module; using it"
    zfs_works || apt_install zfsutils-linux
    zfs_works || die "the ZFS module is loaded but 'zpool list' does not work (is zfsutils-linux installed?)"
    info "ZFS: working (kernel module)"
else
    info "ZFS: no ZFS kernel module; will use zfs-fuse (ZFS in userspace)"
    need_testbed=1
fi
if docker_works; then
    info "Docker: engine running ($(docker version -f '{{.Server.Version}}' 2>/dev/null || echo '?'))"
else
    info "Docker: no engine answers; will install/start one"
    need_testbed=1
fi
if [[ $need_testbed == 1 ]]; then
    testbed STAGDB_TESTBED_IMAGES=none
    zfs_works || die "ZFS still does not work after scripts/testbed.sh"
    docker_works || die "Docker still does not answer after scripts/testbed.sh"
    info "ZFS and Docker: working"
fi

# --------------------------------------------------------------------------------------------------
step "PostgreSQL $PG_MAJOR image and psql"
# --------------------------------------------------------------------------------------------------
if [[ -n ${STAGDB_DEMO_IMAGE:-} ]]; then
    IMAGE=$STAGDB_DEMO_IMAGE
    info "image template from STAGDB_DEMO_IMAGE: $IMAGE"
elif docker image inspect "postgres:$PG_MAJOR" >/dev/null 2>&1; then
    IMAGE='postgres:{major}'
    info "postgres:$PG_MAJOR: present"
else
    info "docker pull postgres:$PG_MAJOR (at most ${PULL_TIMEOUT}s)"
    if pull_out=$(timeout "$PULL_TIMEOUT" docker pull "postgres:$PG_MAJOR" 2>&1); then
        IMAGE='postgres:{major}'
        info "postgres:$PG_MAJOR: pulled"
    else
        info "cannot pull postgres:$PG_MAJOR: $(printf '%s' "$pull_out" | tail -n 1 | cut -c1-160)"
        if docker image inspect "stagdb-test/postgres:$PG_MAJOR" >/dev/null 2>&1; then
            info "using stagdb-test/postgres:$PG_MAJOR (built from Debian's packages; checking it is current)"
        else
            info "building stagdb-test/postgres:$PG_MAJOR from Debian's packages instead (about a minute)"
        fi
        testbed STAGDB_TESTBED_IMAGES="$PG_MAJOR"
        docker image inspect "stagdb-test/postgres:$PG_MAJOR" >/dev/null 2>&1 ||
            die "image stagdb-test/postgres:$PG_MAJOR missing after scripts/testbed.sh"
        IMAGE='stagdb-test/postgres:{major}'
    fi
fi
if psql_works; then
    info "psql: $(psql --version)"
else
    apt_install postgresql-client
    psql_works || die "psql does not work after installing postgresql-client"
    info "psql: $(psql --version)"
fi

# --------------------------------------------------------------------------------------------------
step "Build and install stagdb"
# --------------------------------------------------------------------------------------------------
# Build as the user who ran sudo when the checkout is theirs (their toolchain, and target/ stays
# theirs); else as root.
build_user=root
if [[ -n ${SUDO_USER:-} && $SUDO_USER != root && $(stat -c %U "$REPO") == "$SUDO_USER" ]]; then
    build_user=$SUDO_USER
fi
locked=()
[[ -f $REPO/Cargo.lock ]] && locked=(--locked)
# shellcheck disable=SC2016 # expanded by the inner shell
build_script='
    cd "$1" && shift
    if ! command -v cargo >/dev/null 2>&1 && [ -f "${CARGO_HOME:-$HOME/.cargo}/env" ]; then
        . "${CARGO_HOME:-$HOME/.cargo}/env"
    fi
    command -v cargo >/dev/null 2>&1 || exit 127
    echo "    $(cargo --version), building as $(id -un): cargo build --release $*"
    exec cargo build --release "$@"'
rc=0
if [[ $build_user == root ]]; then
    bash -c "$build_script" bash "$REPO" "${locked[@]}" || rc=$?
else
    home=$(getent passwd "$build_user" | cut -d: -f6)
    runuser -u "$build_user" -- env HOME="$home" PATH="$home/.cargo/bin:$PATH" \
        bash -c "$build_script" bash "$REPO" "${locked[@]}" || rc=$?
fi
if [[ $rc == 127 ]]; then
    die "no Rust toolchain (cargo) found for $build_user. Install one (1.89 or newer) with rustup:
    curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs | sh
then run this script again."
fi
[[ $rc == 0 ]] || die "cargo build --release failed (exit $rc)"
install -m 0755 "${CARGO_TARGET_DIR:-$REPO/target}/release/stagdb" "$BIN"
hash -r
info "installed $BIN ($("$BIN" --version))"

# --------------------------------------------------------------------------------------------------
step "Remove a previous demo (store $STORE, pool $POOL)"
# --------------------------------------------------------------------------------------------------
mapfile -t old_containers < <(docker ps -aq --filter "label=$LABEL")
if [[ ${#old_containers[@]} -gt 0 ]]; then
    info "removing ${#old_containers[@]} container(s) labelled $LABEL"
    docker rm -f "${old_containers[@]}" >/dev/null || die "docker rm -f of the old demo containers failed"
fi
if zpool list -H -o name "$POOL" >/dev/null 2>&1; then
    # Only ever the demo's own pool: the one on its file.
    pool_status=$(zpool status "$POOL" 2>&1 || true)
    [[ $pool_status == *"$POOL_FILE"* ]] ||
        die "a pool named $POOL exists that is not on $POOL_FILE: not the demo's; refusing to touch it"
    info "destroying pool $POOL"
    zpool_destroy || zpool export -f "$POOL" || die "cannot destroy pool $POOL"
fi
if [[ -e $POOL_FILE ]]; then
    info "removing $POOL_FILE"
    rm -f "$POOL_FILE"
fi
# The pool's (empty) mountpoint directory.
if [[ -d /$POOL ]] && ! mountpoint -q "/$POOL"; then
    rmdir "/$POOL" 2>/dev/null || true
fi
info "clean"

SETUP_SECS=$((SECONDS - START))

# --------------------------------------------------------------------------------------------------
step "Create a store and load some data into main"
# --------------------------------------------------------------------------------------------------
demo "stagdb init --pool $POOL --pool-file $POOL_FILE --size $POOL_SIZE --image '$IMAGE' --ports $PORTS --head-port $HEAD_PORT"
demo "export STAGDB_STORE=$STORE"
demo "psql \"\$(stagdb url main)\" -c \"CREATE TABLE customers (id int PRIMARY KEY, name text NOT NULL, email text NOT NULL, country text NOT NULL)\" -c \"INSERT INTO customers SELECT g, 'Customer ' || g, 'customer' || g || '@example.com', (ARRAY['DE','FR','US','JP','BR'])[1 + g % 5] FROM generate_series(1, 5000) AS g\""
demo 'stagdb snapshot -m "seed data" --name seed'

# --------------------------------------------------------------------------------------------------
step "Import a dump as a branch of its own"
info "a dump made on the spot (stagdb export), imported as a new root branch, as you would import production's"
demo "stagdb export main@seed -o $DEMO_DIR/shop.dump"
demo "stagdb import $DEMO_DIR/shop.dump shop"
demo "psql \"\$(stagdb url shop)\" -c \"SELECT country, count(*) FROM customers GROUP BY country ORDER BY country\""

step "Branch, and change the branch"
# --------------------------------------------------------------------------------------------------
demo 'stagdb branch feature-x main@seed'
demo "psql \"\$(stagdb url feature-x)\" -c \"DELETE FROM customers WHERE country = 'FR'\" -c \"ALTER TABLE customers ADD COLUMN vip boolean NOT NULL DEFAULT false\" -c \"UPDATE customers SET vip = true WHERE id <= 100\""
query="SELECT count(*) AS customers, count(*) FILTER (WHERE country = 'FR') AS in_france, (SELECT string_agg(column_name, ',' ORDER BY ordinal_position) FROM information_schema.columns WHERE table_name = 'customers') AS columns FROM customers"
printf '\n    %sThe parent is unchanged:%s\n' "$GREEN" "$RESET"
demo "psql \"\$(stagdb url main)\" -c \"$query\""
printf '\n    %sThe branch has the changes:%s\n' "$GREEN" "$RESET"
demo "psql \"\$(stagdb url feature-x)\" -c \"$query\""

# --------------------------------------------------------------------------------------------------
step "Look around"
# --------------------------------------------------------------------------------------------------
demo 'stagdb branch'
demo 'stagdb log feature-x'
demo 'stagdb status'

cat <<EOF

${GREEN}${BOLD}Done${RESET} in $((SECONDS - START))s (setup ${SETUP_SECS}s, demo $((SECONDS - START - SETUP_SECS))s).
The demo store keeps running. Try, in a root shell:
    export STAGDB_STORE=$STORE
    stagdb psql feature-x                 # psql on the branch
    stagdb -y reset feature-x             # throw the branch's changes away (back to its branch point)
    stagdb checkout feature-x             # make it HEAD: also served on 127.0.0.1:$HEAD_PORT
    stagdb branch experiment main         # another branch, from main as it is now
    eval "\$(stagdb env feature-x)"        # DATABASE_URL, PGHOST, ... for your application
    stagdb --help                         # and man ./man/stagdb-branch.1 etc.
Remove a branch (not HEAD: \`stagdb checkout main\` first if you checked it out):
    stagdb -y rm feature-x
Remove the whole demo (running this script again also starts by doing this):
    docker ps -aq --filter label=$LABEL | xargs -r docker rm -f
    zpool destroy $POOL
    rm -f $POOL_FILE
EOF
