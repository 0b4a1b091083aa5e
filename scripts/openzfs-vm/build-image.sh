#!/usr/bin/env bash
# Build (idempotently, cached) the OpenZFS guest image for scripts/testbed-openzfs.sh: Debian trixie
# with OpenZFS (zfs-dkms, module built by DKMS for the packaged kernel inside the chroot), Docker
# (docker.io, docker-compose), Podman (its Docker API socket, for tests/podman.rs), sshd (key auth),
# psql/pg_dump, git: what the integration tests call.
#
# Outputs under $VM_DIR/out (default /var/tmp/stagdb-openzfs/out):
#   vmlinuz, initrd.img   kernel + initramfs of the guest (boot.sh passes them with -kernel/-initrd)
#   base.raw              sparse ext4 image of the root filesystem (root=/dev/vda), never written by boot.sh
#   recipe.sha            hash of the recipe that built them; a rerun with the same recipe does nothing
# Cached: $VM_DIR/debs (every .deb downloaded, reused by the next mmdebstrap), $VM_DIR/rootfs (the
# unpacked tree + .stamp), $VM_DIR/ssh/id_ed25519 (the key whose public half is root's authorized_keys).
#
# A stale or half-built image is never used: the outputs are made in out.new and renamed to out as a
# whole once complete (recipe.sha last); two builds at once wait for each other (flock).
# Env: SUITE (trixie), IMAGE_SIZE (24G), VM_DIR, FORCE=1 (rebuild everything).
set -euo pipefail
export LC_ALL=C.UTF-8 PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

VM_DIR=${VM_DIR:-/var/tmp/stagdb-openzfs}
HERE=$(cd "$(dirname "$0")" && pwd)
SUITE=${SUITE:-trixie}
IMAGE_SIZE=${IMAGE_SIZE:-24G}
OUT=$VM_DIR/out
ROOT=$VM_DIR/rootfs
DEBS=$VM_DIR/debs
KEY=$VM_DIR/ssh/id_ed25519
LOG=$VM_DIR/logs
[[ $(id -u) -eq 0 ]] || { echo "run as root" >&2; exit 1; }
mkdir -p "$DEBS" "$LOG" "$VM_DIR/ssh" "$VM_DIR/share"
# One build at a time per VM_DIR (test.sh's background build and a manual one would share rootfs).
exec 9>"$VM_DIR/build.lock"
flock 9
command -v mmdebstrap >/dev/null || apt-get install -y -q --no-install-recommends mmdebstrap
command -v mkfs.ext4 >/dev/null || apt-get install -y -q --no-install-recommends e2fsprogs

# The mirror this host is configured with (never hard-coded).
MIRROR=$(awk '/^URIs:/ && $2 !~ /security/ {print $2; exit}' /etc/apt/sources.list.d/debian.sources)
SECMIRROR=$(awk '/^URIs:/ && $2 ~ /security/ {print $2; exit}' /etc/apt/sources.list.d/debian.sources)
: "${SECMIRROR:=${MIRROR%/debian}/debian-security}"

PKGS=(
  linux-image-amd64 linux-headers-amd64
  zfs-dkms zfsutils-linux
  docker.io docker-cli
  openssh-server systemd-sysv udev kmod dbus iproute2 iputils-ping procps psmisc less
  postgresql-client ca-certificates jq curl
  git docker-compose podman
)

[[ -f $KEY ]] || ssh-keygen -q -t ed25519 -N '' -C stagdb-openzfs-vm -f "$KEY"

# Recipe hash: this script + the mirror + the public key. Same hash => nothing to do.
RECIPE=$( { cat "$HERE/build-image.sh" "$HERE/customize.sh"; echo "$MIRROR $SECMIRROR $SUITE $IMAGE_SIZE"; cat "$KEY.pub"; } | sha256sum | cut -c1-16)
if [[ ${FORCE:-0} != 1 && -f $OUT/recipe.sha && $(cat "$OUT/recipe.sha") == "$RECIPE" \
      && -f $OUT/base.raw && -f $OUT/vmlinuz && -f $OUT/initrd.img ]]; then
  echo "image up to date (recipe $RECIPE): $OUT/base.raw"
  exit 0
fi

T0=$SECONDS
if [[ ${FORCE:-0} == 1 || ! -f $ROOT/.stamp || $(cat "$ROOT/.stamp") != "$RECIPE" ]]; then
  # A build killed inside mmdebstrap can leave its chroot mounts (proc, sys, dev): never recurse into them.
  if findmnt -rno TARGET | grep -q "^$ROOT/"; then
    findmnt -rno TARGET | grep "^$ROOT/" | sort -r | xargs -r -n1 umount -l
  fi
  rm -rf --one-file-system "$ROOT"
  echo "[build] mmdebstrap $SUITE (main contrib) from $MIRROR -> $ROOT (log: $LOG/mmdebstrap.log)"
  # nice/ionice: this machine is shared; the DKMS build of zfs is the heavy part (~2 CPUs for minutes).
  nice -n 10 ionice -c 3 mmdebstrap --mode=root --variant=apt --format=directory \
    --components="main contrib" \
    --include="$(IFS=,; echo "${PKGS[*]}")" \
    --aptopt='APT::Install-Recommends "false"' \
    --dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-include=/usr/share/doc/*/copyright' \
    --dpkgopt='path-exclude=/usr/share/man/*' --dpkgopt='path-exclude=/usr/share/locale/*' \
    --dpkgopt='path-include=/usr/share/locale/locale.alias' \
    --skip=essential/unlink \
    --setup-hook='mkdir -p "$1"/var/cache/apt/archives/' \
    --setup-hook="sync-in $DEBS /var/cache/apt/archives/" \
    --essential-hook='echo "zfs-dkms zfs-dkms/note-incompatible-licenses note true" | chroot "$1" debconf-set-selections' \
    --customize-hook="sync-out /var/cache/apt/archives $DEBS" \
    --customize-hook='rm -f "$1"/var/cache/apt/archives/*.deb' \
    --customize-hook="$HERE/customize.sh \"\$1\" $KEY.pub" \
    "$SUITE" "$ROOT" \
    "deb $MIRROR $SUITE main contrib" \
    "deb $MIRROR $SUITE-updates main contrib" \
    "deb $SECMIRROR $SUITE-security main contrib" \
    >"$LOG/mmdebstrap.log" 2>&1 || { tail -40 "$LOG/mmdebstrap.log"; exit 1; }
  echo "$RECIPE" >"$ROOT/.stamp"
  echo "[build] rootfs done in $((SECONDS - T0))s; $(du -sh --exclude=.stamp "$ROOT" | cut -f1)"
fi

T1=$SECONDS
KVER=$(ls "$ROOT/lib/modules" | sort -V | tail -1)
NEW=$OUT.new
rm -rf "$NEW"
mkdir -p "$NEW"
cp "$ROOT/boot/vmlinuz-$KVER" "$NEW/vmlinuz"
cp "$ROOT/boot/initrd.img-$KVER" "$NEW/initrd.img"
# ext4 straight from the directory (mke2fs -d); sparse file, the guest sees IMAGE_SIZE.
nice -n 10 mkfs.ext4 -q -F -L stagdbvm -E root_owner=0:0 -d "$ROOT" "$NEW/base.raw" "$IMAGE_SIZE"
echo "$KVER" >"$NEW/kernel-version"
echo "$RECIPE" >"$NEW/recipe.sha"
# Swap in the complete set (a running guest keeps its open base.raw; boot.sh renews its overlay).
rm -rf "$OUT"
mv "$NEW" "$OUT"
echo "[build] ext4 image in $((SECONDS - T1))s: $OUT/base.raw (apparent $(du -h --apparent-size "$OUT/base.raw" | cut -f1), allocated $(du -h "$OUT/base.raw" | cut -f1)); kernel $KVER; total $((SECONDS - T0))s"
