#!/usr/bin/env bash
# The OpenZFS testbed: a Debian trixie guest (qemu) whose kernel runs OpenZFS 2.3, with Docker,
# Podman and the test images, for the tests that must see real OpenZFS (docs/testing.md).
#   testbed-openzfs.sh build    build the guest image (cached by its recipe's hash; ~12 min when not)
#   testbed-openzfs.sh up       build (cached) + boot + prepare: pool, test images in Docker and Podman
#   testbed-openzfs.sh down     power the guest off
#   testbed-openzfs.sh status   running or not
# Idempotent: `up` on a running, prepared guest only checks. Prints each step's time.
# Env: VM_DIR (/var/tmp/stagdb-openzfs; NOT the shared /var/tmp/stagdb-openzfs-vm), SSH_PORT (10023),
#      STAGDB_TEST_POOL (stagdbtest, made on the guest's spare disk STAGDB_OPENZFS_POOL_DEV=/dev/vdb),
#      STAGDB_OPENZFS_IMAGES (PostgreSQL majors to load: "15 17", what the chosen set uses; each load
#      takes minutes under TCG), STAGDB_OPENZFS_PODMAN=1 (also the 15 image into Podman, for
#      tests/podman.rs), ACCEL (auto|tcg|kvm, boot.sh). test-openzfs.sh --all sets all of them.
# The host's images (scripts/testbed.sh builds them) go through $VM_DIR/share/images (the guest's
# /mnt/host/images): one tar per image ID, saved once, loaded only when the guest lacks that ID.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:${PATH:-}"
export VM_DIR=${VM_DIR:-/var/tmp/stagdb-openzfs}
export SSH_PORT=${SSH_PORT:-10023}
VMS=scripts/openzfs-vm
POOL=${STAGDB_TEST_POOL:-stagdbtest}
POOL_DEV=${STAGDB_OPENZFS_POOL_DEV:-/dev/vdb}
MAJORS=${STAGDB_OPENZFS_IMAGES:-15 17}
PODMAN_MAJOR=15
IMAGE_REPO=stagdb-test/postgres

START=$SECONDS
log() { printf '[openzfs %4ds] %s\n' "$((SECONDS - START))" "$*" >&2; }
die() {
    log "ERROR: $*"
    exit 1
}
guest() { "$VMS/guest-run.sh" "$@"; }

# Host tools, from Debian's archive: qemu (TCG works everywhere), mmdebstrap, jq (test-openzfs.sh).
ensure_host_packages() {
    local -A need=([qemu-system-x86_64]=qemu-system-x86 [qemu-img]=qemu-utils [mmdebstrap]=mmdebstrap
        [mkfs.ext4]=e2fsprogs [jq]=jq [ssh]=openssh-client [bc]=bc [ss]=iproute2)
    local c missing=()
    for c in "${!need[@]}"; do
        command -v "$c" >/dev/null 2>&1 || missing+=("${need[$c]}")
    done
    [[ ${#missing[@]} -eq 0 ]] && return 0
    log "host packages: installing ${missing[*]}"
    {
        apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
    } >"$VM_DIR/logs/apt.log" 2>&1 || die "apt-get install ${missing[*]} failed (log $VM_DIR/logs/apt.log)"
}

build() {
    local t=$SECONDS
    mkdir -p "$VM_DIR/logs"
    ensure_host_packages
    log "image: building if its recipe changed (log $VM_DIR/logs/mmdebstrap.log)"
    mkdir -p "$VM_DIR"
    nice -n 10 bash "$VMS/build-image.sh" >&2 || die "image build failed"
    log "image: ready in $((SECONDS - t))s"
}

# The pool on the spare disk: imported if it is there (after a reboot), created if not.
prepare_pool() {
    guest "set -e
        for i in \$(seq 60); do [ -e /dev/zfs ] && break; sleep 1; done
        zpool list -H -o name $POOL >/dev/null 2>&1 && exit 0
        zpool import -f -d $POOL_DEV $POOL 2>/dev/null && exit 0
        zpool create -f $POOL $POOL_DEV" || die "guest: cannot create or import pool $POOL on $POOL_DEV"
    log "pool: $(guest "zpool list -H -o name,size,health $POOL | tr '\t' ' '; zfs version | head -2 | tr '\n' ' '")"
}

# docker save of one host image into the share, once per image ID (temp name, then rename).
# Sets IMG_ID and IMG_TAR (a file name under /mnt/host/images in the guest).
image_tar() {
    local tag=$1 id short tar
    id=$(docker image inspect -f '{{.Id}}' "$tag") || die "host has no image $tag: run scripts/testbed.sh"
    short=${id#sha256:}
    short=${short:0:16}
    mkdir -p "$VM_DIR/share/images"
    tar="$VM_DIR/share/images/${tag//[\/:]/_}-$short.tar"
    if [[ ! -f $tar ]]; then
        log "images: docker save $tag ($short)"
        docker save -o "$tar.tmp" "$tag" || die "docker save $tag failed"
        mv "$tar.tmp" "$tar"
        # Older saves of this tag.
        find "$VM_DIR/share/images" -maxdepth 1 -name "${tag//[\/:]/_}-*.tar" ! -name "${tar##*/}" -delete
    fi
    IMG_ID=$id
    IMG_TAR=${tar##*/}
}

prepare_images() {
    local m tag id tar pod_id pod_tar
    for m in $MAJORS; do
        tag="$IMAGE_REPO:$m"
        image_tar "$tag"
        id=$IMG_ID
        tar=$IMG_TAR
        if [[ $(guest "docker image inspect -f '{{.Id}}' $tag 2>/dev/null" || true) != "$id" ]]; then
            log "images: docker load $tag in the guest"
            guest "docker load -q -i /mnt/host/images/$tar >/dev/null" || die "guest: docker load $tag failed"
        fi
        if [[ $m == "$PODMAN_MAJOR" ]]; then
            pod_id=$id
            pod_tar=$tar
        fi
    done
    # tests/podman.rs: the same image in Podman's store (Podman's IDs have no "sha256:").
    if [[ ${STAGDB_OPENZFS_PODMAN:-0} == 1 ]]; then
        [[ -n ${pod_id:-} ]] || die "STAGDB_OPENZFS_PODMAN=1 needs $PODMAN_MAJOR in STAGDB_OPENZFS_IMAGES"
        tag="$IMAGE_REPO:$PODMAN_MAJOR"
        if [[ $(guest "podman image inspect -f '{{.Id}}' $tag 2>/dev/null" || true) != "${pod_id#sha256:}" ]]; then
            log "images: podman load $tag in the guest"
            guest "podman load -q -i /mnt/host/images/$pod_tar >/dev/null" || die "guest: podman load $tag failed"
        fi
    fi
    log "images: $MAJORS in the guest's Docker$([[ ${STAGDB_OPENZFS_PODMAN:-0} == 1 ]] && echo "; $PODMAN_MAJOR in its Podman" || true)"
}

up() {
    local t
    build
    t=$SECONDS
    bash "$VMS/boot.sh" >&2 || die "guest boot failed (serial log: $VM_DIR/run/serial.log)"
    log "guest: up in $((SECONDS - t))s (ssh 127.0.0.1:$SSH_PORT)"
    t=$SECONDS
    guest 'for i in $(seq 120); do docker info >/dev/null 2>&1 && exit 0; sleep 1; done; exit 1' ||
        die "guest: Docker does not answer"
    guest 'ls /mnt/host >/dev/null' || die "guest: the 9p share /mnt/host is not mounted"
    prepare_pool
    prepare_images
    log "guest: prepared in $((SECONDS - t))s"
}

case ${1:-up} in
build) build ;;
up) up ;;
down) bash "$VMS/boot.sh" stop >&2 ;;
status) bash "$VMS/boot.sh" status ;;
*)
    echo "usage: $0 [build|up|down|status]" >&2
    exit 2
    ;;
esac
log "done in $((SECONDS - START))s"
