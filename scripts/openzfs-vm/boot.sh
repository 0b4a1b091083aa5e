#!/usr/bin/env bash
# Boot (or stop) the OpenZFS guest built by build-image.sh, in the background, and wait for ssh.
#   boot.sh            start (no-op if already running), wait until ssh answers, print boot-to-ssh time
#   boot.sh stop       poweroff via ssh, then kill qemu by its pid if it has not exited in 60 s
#   boot.sh status     running or not
# Env: VM_DIR (/var/tmp/stagdb-openzfs), SSH_PORT (10023, bound to 127.0.0.1 only), MEM (6G), SMP (2),
#      RESET=1 (throw away the guest's writes: new overlay on base.raw and a new empty pool disk),
#      POOL_DISK_SIZE (16G; the guest's /dev/vdb, a spare disk for a non-file-backed pool),
#      FOREGROUND=1 (-nographic on this terminal instead of daemonizing; Ctrl-A X quits),
#      ACCEL=auto|tcg|kvm (default auto: kvm when /dev/kvm is usable and the guest reaches ssh under it,
#      else TCG; the choice is printed). kvm_pvm (/sys/module/kvm_pvm: PVM, KVM for nested virt without
#      VMX/SVM) runs only PVM-enlightened guest kernels; Debian's stock kernel dies in its decompressor
#      under it ("KVM internal error. Suberror: 1 ... emulation failure"), so auto goes straight to TCG
#      there. A kvm boot that dies or does not reach ssh within KVM_PROBE_S (120) falls back to TCG.
# Guest writes go to run/root.qcow2 (backing file out/base.raw, which stays pristine).
# Host dir $VM_DIR/share is the guest's /mnt/host (virtio-9p). qemu comes from Debian's archive
# (qemu-system-x86, installed when missing).
set -euo pipefail
VM_DIR=${VM_DIR:-/var/tmp/stagdb-openzfs}
SSH_PORT=${SSH_PORT:-10023}
export VM_DIR SSH_PORT
MEM=${MEM:-6G}
SMP=${SMP:-2}
OUT=$VM_DIR/out
RUN=$VM_DIR/run
PIDFILE=$RUN/qemu.pid
mkdir -p "$RUN" "$VM_DIR/share"

running() { [[ -f $PIDFILE ]] && kill -0 "$(cat "$PIDFILE")" 2>/dev/null; }

case ${1:-start} in
status)
  if running; then echo "running (pid $(cat "$PIDFILE"), ssh 127.0.0.1:$SSH_PORT)"; else echo "stopped"; fi
  exit 0 ;;
stop)
  running || { echo "not running"; exit 0; }
  pid=$(cat "$PIDFILE")
  "$(dirname "$0")/guest-run.sh" 'systemctl poweroff' >/dev/null 2>&1 || true
  for _ in $(seq 60); do kill -0 "$pid" 2>/dev/null || break; sleep 1; done
  if kill -0 "$pid" 2>/dev/null; then echo "guest did not power off; killing qemu pid $pid"; kill "$pid"; sleep 2; fi
  rm -f "$PIDFILE"
  echo "stopped"
  exit 0 ;;
start) ;;
*) echo "usage: $0 [start|stop|status]" >&2; exit 2 ;;
esac

[[ -f $OUT/base.raw && -f $OUT/recipe.sha ]] || { echo "no image: run build-image.sh first" >&2; exit 1; }
if running; then
  # A guest booted from an image that has since been rebuilt is stale: restart it on the new one.
  if [[ $(cat "$RUN/booted.sha" 2>/dev/null) == "$(cat "$OUT/recipe.sha")" ]]; then
    echo "already running (pid $(cat "$PIDFILE"))"; exit 0
  fi
  echo "the running guest is from an older image: restarting it"
  "$0" stop
fi
if [[ ${RESET:-0} == 1 ]]; then rm -f "$RUN/root.qcow2" "$RUN/pool.qcow2"; fi
# A new overlay when base.raw was rebuilt after it.
if [[ -f $RUN/root.qcow2 && $OUT/base.raw -nt $RUN/root.qcow2 ]]; then rm -f "$RUN/root.qcow2" "$RUN/pool.qcow2"; fi
[[ -f $RUN/root.qcow2 ]] || qemu-img create -q -f qcow2 -b "$OUT/base.raw" -F raw "$RUN/root.qcow2"
[[ -f $RUN/pool.qcow2 ]] || qemu-img create -q -f qcow2 "$RUN/pool.qcow2" "${POOL_DISK_SIZE:-16G}"
if ss -Hltn "sport = :$SSH_PORT" | grep -q .; then echo "port $SSH_PORT is taken; set SSH_PORT" >&2; exit 1; fi

command -v qemu-system-x86_64 >/dev/null ||
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends qemu-system-x86 >/dev/null

# Which accelerator: kvm only where it can run Debian's kernel (not kvm_pvm), checked by the boot itself.
ACCEL=${ACCEL:-auto}
if [[ $ACCEL == auto ]]; then
  if [[ ! -w /dev/kvm ]]; then ACCEL=tcg; why="no usable /dev/kvm"
  elif [[ -d /sys/module/kvm_pvm ]]; then ACCEL=tcg; why="/dev/kvm is kvm_pvm, which cannot run Debian's kernel"
  else ACCEL=kvm; why="/dev/kvm present (TCG if the guest does not reach ssh under it)"; FALLBACK=1
  fi
  echo "accel: $ACCEL ($why)"
fi
accel_args() {
  case $1 in
    # -cpu host alone dies under kvm_pvm: "failed to set MSR 0x10a" (no IA32_ARCH_CAPABILITIES).
    kvm) ACCEL_ARGS=(-enable-kvm -cpu host,-arch-capabilities) ;;
    tcg) ACCEL_ARGS=(-accel tcg,thread=multi,tb-size=512 -cpu max) ;;
    *) echo "ACCEL must be auto, tcg or kvm" >&2; exit 2 ;;
  esac
}
common_args() {
  ARGS=(
    -name stagdb-openzfs "${ACCEL_ARGS[@]}" -smp "$SMP" -m "$MEM"
    -kernel "$OUT/vmlinuz" -initrd "$OUT/initrd.img"
    -append "root=/dev/vda rw console=ttyS0 quiet"
    -drive "file=$RUN/root.qcow2,if=virtio,format=qcow2,discard=unmap"
    -drive "file=$RUN/pool.qcow2,if=virtio,format=qcow2,discard=unmap"
    -netdev "user,id=n0,hostfwd=tcp:127.0.0.1:$SSH_PORT-:22" -device virtio-net-pci,netdev=n0
    -virtfs "local,path=$VM_DIR/share,mount_tag=hostshare,security_model=none,id=hs"
    -object rng-random,filename=/dev/urandom,id=rng0 -device virtio-rng-pci,rng=rng0
  )
}
# Start qemu in the background and wait for ssh (at most $1 half-seconds). 0: up; 1: qemu died or timeout.
start_and_wait() {
  local tries=$1 t0
  t0=$(date +%s.%N)
  accel_args "$ACCEL"
  common_args
  : >"$RUN/serial.log"
  nice -n 10 qemu-system-x86_64 "${ARGS[@]}" -display none -vga none -monitor none \
    -serial "file:$RUN/serial.log" -daemonize -pidfile "$PIDFILE" || return 1
  cp "$OUT/recipe.sha" "$RUN/booted.sha"
  echo "qemu pid $(cat "$PIDFILE") ($ACCEL); serial console log: $RUN/serial.log"
  for _ in $(seq "$tries"); do
    if "$(dirname "$0")/guest-run.sh" true >/dev/null 2>&1; then
      printf 'ssh up after %.1fs (%s): %s/guest-run.sh CMD\n' "$(echo "$(date +%s.%N) - $t0" | bc)" "$ACCEL" "$(dirname "$0")"
      return 0
    fi
    running || { echo "qemu exited; see $RUN/serial.log" >&2; tail -20 "$RUN/serial.log" >&2; return 1; }
    sleep 0.5
  done
  echo "ssh did not come up in time; see $RUN/serial.log" >&2
  return 1
}

if [[ ${FOREGROUND:-0} == 1 ]]; then
  accel_args "$ACCEL"
  common_args
  exec qemu-system-x86_64 "${ARGS[@]}" -nographic
fi
if [[ ${FALLBACK:-0} == 1 ]]; then
  start_and_wait $((2 * ${KVM_PROBE_S:-120})) && exit 0
  if running; then kill "$(cat "$PIDFILE")"; sleep 2; fi
  rm -f "$PIDFILE"
  ACCEL=tcg
  echo "accel: kvm did not boot the guest; falling back to tcg"
fi
start_and_wait 1200 && exit 0
exit 1
