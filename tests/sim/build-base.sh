#!/usr/bin/env bash
# The simulator's base image: Debian bookworm from debootstrap, systemd as PID 1, python3, and a local apt
# repository holding every package in debian-packages.txt with its dependencies. Called by build.sh, which
# caches the result under a tag made from this file and the package list.
# Usage: build-base.sh IMAGE:TAG   (SIM_DEBIAN_MIRROR overrides the mirror read from /etc/apt)
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
log() { printf '[sim-build] %s\n' "$*" >&2; }
for tool in debootstrap chroot apt-ftparchive docker tar; do
    command -v "$tool" >/dev/null 2>&1 || { log "missing $tool (Debian: apt-get install debootstrap apt-utils)"; exit 1; }
done

mirror() { # the Debian mirror this machine already uses, so the build needs no other host
    if [ -n "${SIM_DEBIAN_MIRROR:-}" ]; then echo "$SIM_DEBIAN_MIRROR"; return; fi
    local uri
    uri=$(grep -hsE '^(URIs:|deb )' /etc/apt/sources.list.d/*.sources /etc/apt/sources.list 2>/dev/null |
        grep -v security | sed -E 's/^URIs: *//; s/^deb (\[[^]]*\] )?//' | awk '{print $1}' |
        grep -E '/debian/?$' | head -n 1)
    if [ -z "$uri" ]; then
        log "cannot find a Debian mirror in /etc/apt; set SIM_DEBIAN_MIRROR"
        exit 1
    fi
    echo "$uri"
}

build_base() {
    local tag=$1 rootfs packages
    work=$(mktemp -d /tmp/ascend-sim-base.XXXXXX)
    rootfs=$work/rootfs
    trap 'rm -rf "$work"' EXIT  # also on a failure under `set -e`
    log "debootstrap bookworm into $rootfs (a few minutes)"
    debootstrap --variant=minbase --no-merged-usr \
        --include=systemd,systemd-sysv,dbus,python3,python3-apt,sudo,procps,iproute2,kmod,ca-certificates,iputils-ping,less \
        bookworm "$rootfs" "$(mirror)" >"$work/debootstrap.log" 2>&1 || {
        tail -n 30 "$work/debootstrap.log" >&2
        exit 1
    }
    cp /etc/resolv.conf "$rootfs/etc/resolv.conf"
    packages=$(sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "$here/debian-packages.txt" | tr '\n' ' ')
    log "downloading the roles' packages into the local repository"
    # shellcheck disable=SC2086
    chroot "$rootfs" apt-get -q update >/dev/null
    # shellcheck disable=SC2086
    chroot "$rootfs" apt-get -q -y --no-install-recommends --download-only install $packages >"$work/download.log" 2>&1 || {
        tail -n 30 "$work/download.log" >&2
        exit 1
    }
    mkdir -p "$rootfs/srv/ascend-sim-repo/debian" "$rootfs/srv/ascend-sim-repo/sim"
    mv "$rootfs"/var/cache/apt/archives/*.deb "$rootfs/srv/ascend-sim-repo/debian/"
    (cd "$rootfs/srv/ascend-sim-repo/debian" && apt-ftparchive packages . >Packages)
    # Only the local repositories: molecule and the demo never reach a mirror.
    rm -f "$rootfs/etc/apt/sources.list.d/"*
    cat >"$rootfs/etc/apt/sources.list" <<'EOF'
deb [trusted=yes] file:/srv/ascend-sim-repo/debian ./
deb [trusted=yes] file:/srv/ascend-sim-repo/sim ./
EOF
    : >"$rootfs/srv/ascend-sim-repo/sim/Packages"
    chroot "$rootfs" apt-get clean
    rm -rf "$rootfs"/var/lib/apt/lists/*
    : >"$rootfs/etc/resolv.conf"
    echo "ascend-sim" >"$rootfs/etc/hostname"
    # systemd in a container: no getty, no udev triggers, no remounting of a read-only /sys.
    for unit in getty.target systemd-udevd.service systemd-udev-trigger.service systemd-remount-fs.service \
        systemd-modules-load.service sys-kernel-config.mount sys-kernel-debug.mount sys-kernel-tracing.mount \
        systemd-firstboot.service systemd-networkd-wait-online.service; do
        ln -sf /dev/null "$rootfs/etc/systemd/system/$unit"
    done
    log "importing $tag"
    tar -C "$rootfs" --numeric-owner -c . | docker import - "$tag" >/dev/null
}

build_base "$1"
