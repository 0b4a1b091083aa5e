#!/usr/bin/env bash
# Builds the Debian package with cargo-deb (installed with `cargo install` when missing) and
# checks it: the files a user expects are where bash-completion, zsh, fish and man look, the
# control data names the package, and the packaged binary runs. With --install, also installs
# it with dpkg and runs the installed `stagdb` (a throwaway machine, e.g. CI).
# Usage: bash scripts/package.sh [--install]
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '[package] %s\n' "$*" >&2; }
die() { printf '[package] error: %s\n' "$*" >&2; exit 1; }

CARGO_DEB_VERSION=3.8.0
if ! command -v cargo >/dev/null 2>&1; then
    # shellcheck disable=SC1091
    [[ -f ${CARGO_HOME:-$HOME/.cargo}/env ]] && source "${CARGO_HOME:-$HOME/.cargo}/env"
fi
if ! cargo deb --version >/dev/null 2>&1; then
    log "installing cargo-deb $CARGO_DEB_VERSION (cargo install)"
    cargo install --locked --quiet cargo-deb --version "$CARGO_DEB_VERSION"
fi

log "cargo deb"
out=$(cargo deb --locked 2>&1) || { printf '%s\n' "$out" >&2; die "cargo deb failed"; }
deb=$(find target/debian -maxdepth 1 -name 'stagdb_*.deb' -newer Cargo.toml -print | sort | tail -n 1)
[[ -n $deb ]] || die "no package in target/debian"
log "built $deb ($(du -h "$deb" | cut -f1))"

contents=$(dpkg-deb -c "$deb" | awk '{print $NF}' | sed 's|^\./|/|')
want=(
    /usr/bin/stagdb
    /usr/share/man/man1/stagdb.1.gz
    /usr/share/bash-completion/completions/stagdb
    /usr/share/zsh/vendor-completions/_stagdb
    /usr/share/fish/vendor_completions.d/stagdb.fish
    /usr/share/doc/stagdb/copyright
)
for m in man/*.1; do
    want+=("/usr/share/man/man1/$(basename "$m").gz")
done
for f in "${want[@]}"; do
    grep -qxF "$f" <<<"$contents" || die "$deb lacks $f; it has:
$contents"
done
[[ $(dpkg-deb -f "$deb" Package) == stagdb ]] || die "control: Package is not stagdb"
dpkg-deb -f "$deb" Recommends | grep -q zfs || die "control: Recommends names no ZFS"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
dpkg-deb -x "$deb" "$tmp"
version=$("$tmp/usr/bin/stagdb" --version)
[[ $version == "stagdb $(dpkg-deb -f "$deb" Version | sed 's/-[0-9]*$//')" ]] \
    || die "packaged binary says '$version'"
zcat "$tmp/usr/share/man/man1/stagdb-branch.1.gz" | grep -q 'stagdb\\-branch' \
    || die "stagdb-branch.1.gz is not the branch man page"
MANPATH="$tmp/usr/share/man" man -w stagdb-compose >/dev/null 2>&1 \
    || die "man does not find stagdb-compose in the package's man directory"
bash -c "source '$tmp/usr/share/bash-completion/completions/stagdb' && complete -p stagdb" >/dev/null \
    || die "the packaged bash completion does not register for stagdb"
log "contents ok: ${#want[@]} expected paths, binary runs ($version)"

if [[ ${1:-} == --install ]]; then
    dpkg -i "$deb" >/dev/null
    [[ $(command -v stagdb) == /usr/bin/stagdb ]] || log "note: another stagdb is earlier on PATH"
    /usr/bin/stagdb --version >/dev/null
    man -w stagdb-branch >/dev/null 2>&1 || die "man cannot find stagdb-branch after install"
    log "installed with dpkg: /usr/bin/stagdb, man stagdb-branch"
fi
