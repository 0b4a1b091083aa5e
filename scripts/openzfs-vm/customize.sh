#!/usr/bin/env bash
# mmdebstrap --customize-hook for scripts/openzfs-vm/build-image.sh: $1 = guest root directory, $2 = ssh public key.
# Builds the zfs module with DKMS for the packaged kernel when zfs-dkms's postinst skipped it (chroot,
# `uname -r` is the host's kernel), and configures boot (fstab, network, ssh, serial console, 9p share).
set -euo pipefail
R=$1
PUB=$2
KVER=$(ls "$R/lib/modules" | sort -V | tail -1)
echo "[customize] guest kernel $KVER"

zfs_ko() { ls "$R/lib/modules/$KVER/updates/dkms/"zfs.ko* 2>/dev/null | head -1; }
if [[ -z $(zfs_ko) ]]; then
  echo "[customize] zfs.ko missing after zfs-dkms postinst; running dkms autoinstall -k $KVER"
  chroot "$R" dkms autoinstall -k "$KVER"
fi
chroot "$R" dkms status
[[ -n $(zfs_ko) ]] || { echo "[customize] FAILED: no zfs.ko for $KVER"; exit 1; }
echo "[customize] built: $(zfs_ko)"
chroot "$R" depmod -a "$KVER"

# Kernel and initramfs: make sure the initrd exists (the kernel's postinst builds it in the chroot).
[[ -f $R/boot/initrd.img-$KVER ]] || chroot "$R" update-initramfs -c -k "$KVER"

echo stagdbvm >"$R/etc/hostname"
printf '127.0.0.1 localhost\n127.0.1.1 stagdbvm\n::1 localhost ip6-localhost ip6-loopback\n' >"$R/etc/hosts"
cat >"$R/etc/fstab" <<'EOF'
/dev/vda  /          ext4  rw,discard,errors=remount-ro  0 1
hostshare /mnt/host  9p    trans=virtio,version=9p2000.L,msize=1048576,nofail,x-systemd.automount,x-systemd.device-timeout=5s  0 0
EOF
mkdir -p "$R/mnt/host"

# Network: user-mode (slirp) NIC, DHCP by systemd-networkd; slirp's DNS. Match the virtio NIC only:
# a Type=ether match also takes Docker's veths and networkd detaches them from docker0 (published
# ports then accept and never answer).
mkdir -p "$R/etc/systemd/network"
cat >"$R/etc/systemd/network/10-wired.network" <<'EOF'
[Match]
Driver=virtio_net
[Network]
DHCP=ipv4
EOF
rm -f "$R/etc/resolv.conf"
echo 'nameserver 10.0.2.3' >"$R/etc/resolv.conf"
chroot "$R" systemctl enable systemd-networkd.service ssh.service docker.service containerd.service \
  zfs-import-cache.service zfs-mount.service zfs.target zfs-import.target \
  podman.socket 2>&1 | grep -v '^Created symlink' || true
# podman.socket: Podman's Docker-compatible API on /run/podman/podman.sock (tests/podman.rs).
# Load the module at boot (zfs-load-module.service exists in zfsutils-linux 2.2+; modules-load.d works everywhere).
echo zfs >"$R/etc/modules-load.d/zfs.conf"

# Root: key-only ssh; no password on the serial console (loopback-only VM, for debugging).
mkdir -p "$R/root/.ssh"
chmod 700 "$R/root/.ssh"
install -m 600 "$PUB" "$R/root/.ssh/authorized_keys"
chroot "$R" passwd -d root >/dev/null
mkdir -p "$R/etc/ssh/sshd_config.d"
printf 'PermitRootLogin prohibit-password\nUseDNS no\n' >"$R/etc/ssh/sshd_config.d/stagdbvm.conf"

# Short boot: don't wait for "network online".
chroot "$R" systemctl mask systemd-networkd-wait-online.service >/dev/null 2>&1 || true

# The rootfs no longer needs the apt lists (saves ~100 MB); apt-get update restores them.
rm -rf "$R"/var/lib/apt/lists/*_Packages "$R"/var/lib/apt/lists/*_Translation-* 2>/dev/null || true
echo "[customize] done"
