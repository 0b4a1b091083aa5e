#!/usr/bin/env bash
# Run a command in the OpenZFS guest as root over ssh (key auth, 127.0.0.1:$SSH_PORT). stdin is passed
# through:
#   guest-run.sh 'zfs version'
#   guest-run.sh 'cat > /usr/local/bin/stagdb && chmod +x /usr/local/bin/stagdb' < target/release/stagdb
# Big files: put them in $VM_DIR/share on the host, they appear under /mnt/host in the guest.
# Env: VM_DIR (/var/tmp/stagdb-openzfs), SSH_PORT (10023).
set -euo pipefail
VM_DIR=${VM_DIR:-/var/tmp/stagdb-openzfs}
SSH_PORT=${SSH_PORT:-10023}
exec ssh -q -i "$VM_DIR/ssh/id_ed25519" -p "$SSH_PORT" \
  -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR \
  -o ConnectTimeout=5 -o BatchMode=yes -o ServerAliveInterval=15 -o ServerAliveCountMax=8 \
  root@127.0.0.1 "$@"
