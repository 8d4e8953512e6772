#!/usr/bin/env bash
# Build the Ascend simulator image without any registry:
#   1. base image: Debian bookworm from debootstrap, systemd as PID 1, python3, and a local apt repository
#      holding every Debian package in debian-packages.txt (docker import);
#   2. sim image: the base plus the simulator (tests/sim/ascend_sim), its boot unit and its stand-in packages
#      (pciutils, dmidecode, linux-headers-$(uname -r)).
# Each layer is cached under a tag derived from its inputs (and `uname -r`), so a rebuild only happens when
# something it is made from changes. Prints the final image reference on stdout.
#
# Environment: SIM_IMAGE (default ascendops/sim), SIM_DEBIAN_MIRROR (default: this machine's apt mirror),
# SIM_FORCE=1 rebuilds both layers.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
image=${SIM_IMAGE:-ascendops/sim}
kernel=$(uname -r)
log() { printf '[sim-build] %s\n' "$*" >&2; }

need() {
    local missing=()
    for tool in "$@"; do command -v "$tool" >/dev/null 2>&1 || missing+=("$tool"); done
    if [ ${#missing[@]} -gt 0 ]; then
        log "missing tools: ${missing[*]} (Debian: apt-get install debootstrap apt-utils dpkg-dev)"
        exit 1
    fi
}
need docker sha256sum tar dpkg-deb apt-ftparchive

hash_of() { # hash of the given files' contents and names, plus the kernel release
    (cd "$here" && for f in "$@"; do printf '%s\n' "$f"; cat "$f"; done; printf '%s\n' "$kernel") |
        sha256sum | cut -c1-16
}

have_image() { docker image inspect "$1" >/dev/null 2>&1; }

build_sim_debs() { # the simulator's stand-ins for hardware-bound packages, as a second local repository
    local out=$1 pkgroot
    mkdir -p "$out"
    pkgroot=$(mktemp -d /tmp/ascend-sim-debs.XXXXXX)
    # linux-headers for the running kernel: a container runs the host's kernel, whose headers are not in Debian.
    local hdr=$pkgroot/linux-headers
    mkdir -p "$hdr/DEBIAN" "$hdr/usr/src/linux-headers-$kernel/include/generated" "$hdr/lib/modules/$kernel"
    printf 'KERNELRELEASE = %s\n' "$kernel" >"$hdr/usr/src/linux-headers-$kernel/Makefile"
    printf '#define UTS_RELEASE "%s"\n' "$kernel" >"$hdr/usr/src/linux-headers-$kernel/include/generated/utsrelease.h"
    ln -s "/usr/src/linux-headers-$kernel" "$hdr/lib/modules/$kernel/build"
    cat >"$hdr/DEBIAN/control" <<EOF
Package: linux-headers-$kernel
Version: 1.0-ascendsim1
Architecture: all
Maintainer: ascendops.llm simulator <sim@ascendops.invalid>
Description: Header files for the running kernel $kernel (Ascend simulator stand-in)
EOF
    # pciutils whose lspci shows the profile's cards.
    local pci=$pkgroot/pciutils
    mkdir -p "$pci/DEBIAN" "$pci/usr/bin"
    install -m 0755 "$here/image/usr/bin/lspci" "$pci/usr/bin/lspci"
    cat >"$pci/DEBIAN/control" <<'EOF'
Package: pciutils
Version: 1:3.9.0-4+ascendsim1
Architecture: all
Depends: python3
Maintainer: ascendops.llm simulator <sim@ascendops.invalid>
Description: PCI utilities (Ascend simulator stand-in: lspci shows the simulated cards)
EOF
    # dmidecode with the profile's system and baseboard records (installed in the image, as on servers).
    local dmi=$pkgroot/dmidecode
    mkdir -p "$dmi/DEBIAN" "$dmi/usr/sbin"
    install -m 0755 "$here/image/usr/sbin/dmidecode" "$dmi/usr/sbin/dmidecode"
    cat >"$dmi/DEBIAN/control" <<'EOF'
Package: dmidecode
Version: 3.4-1+ascendsim1
Architecture: all
Depends: python3
Maintainer: ascendops.llm simulator <sim@ascendops.invalid>
Description: SMBIOS/DMI table decoder (Ascend simulator stand-in)
EOF
    for p in linux-headers pciutils dmidecode; do
        dpkg-deb --root-owner-group -Zgzip --build "$pkgroot/$p" "$out/" >/dev/null
    done
    (cd "$out" && apt-ftparchive packages . >Packages)
    rm -rf "$pkgroot"
}

# A tiny image for the inner Docker engines' tests (sh, ls, cat, python3 for the simulated npu-smi), made from the
# base image's own files, so the inner engine's vfs copies stay small. Saved in `docker save` format for docker load.
PROBE_IMAGE=ascend-sim/probe:1
build_probe() {
    local base=$1 out=$2 probe
    probe=$(docker create "$base" /bin/sh -c '
        set -e
        bins="/bin/dash /bin/ls /bin/cat /usr/bin/env /usr/bin/python3.11"
        { for f in $bins /bin/sh /usr/bin/python3; do echo "$f"; done
          for f in $bins /usr/lib/python3.11/lib-dynload/*.so; do ldd "$f" | grep -o "/[^ ]*"; done |
              sort -u | while read -r lib; do echo "$lib"; readlink -f "$lib"; done
          find /usr/lib/python3.11 -maxdepth 1 -mindepth 1 ! -name test ! -name idlelib ! -name tkinter \
              ! -name ensurepip ! -name lib2to3 ! -name turtledemo ! -name pydoc_data ! -name "config-*"
        } | sort -u >/tmp/probe.list
        # entries for every parent directory too: engines that create missing parents make them 0600 (vfs)
        while read -r f; do d=$(dirname "$f"); while [ "$d" != / ]; do echo "$d"; d=$(dirname "$d"); done
        done </tmp/probe.list | sort -u >/tmp/parents.list
        mkdir -p /tmp/probe/tmp /tmp/probe/dev /tmp/probe/proc /tmp/probe/sys /tmp/probe/etc
        chmod 1777 /tmp/probe/tmp
        cd /tmp/probe
        tar -c tmp dev proc sys etc -C / --no-recursion -T /tmp/parents.list --recursion -T /tmp/probe.list \
            2>/dev/null || [ $? -eq 1 ]')  # 1: warnings only
    docker start -a "$probe" | docker import --change 'CMD ["/bin/sh"]' - "$PROBE_IMAGE" >/dev/null
    docker rm -f "$probe" >/dev/null
    mkdir -p "$(dirname "$out")"
    docker save "$PROBE_IMAGE" >"$out"
}

# The MindIE stand-in image: the probe's files plus the daemon (ascend_sim/mindie.py) where the run package puts
# mindieservice_daemon, the shipped conf/config.json, and an entrypoint that, like the MindIE 3.0 images', prints a
# banner and runs the command given or a shell (so a detached container without a command exits at once).
MINDIE_IMAGE=ascend-sim/mindie:2.1.RC1
build_mindie() {
    local out=$1 stage ctr home=/usr/local/Ascend/mindie/latest/mindie-service
    stage=$(mktemp -d /tmp/ascend-sim-mindie.XXXXXX)
    chmod 0755 "$stage"   # the archive's root entry becomes the image's /
    mkdir -p "$stage/$home/bin" "$stage/$home/conf" "$stage/$home/lib/ascend_sim" "$stage/usr/local/bin"
    install -m 0644 "$here/ascend_sim/mindie.py" "$here/ascend_sim/state.py" "$here/ascend_sim/ledger.py" \
        "$stage/$home/lib/ascend_sim/"
    : >"$stage/$home/lib/ascend_sim/__init__.py"
    printf '#!/usr/bin/env python3\nimport sys\nsys.path.insert(0, "%s/lib")\nfrom ascend_sim import mindie\nsys.exit(mindie.main())\n' \
        "$home" >"$stage/$home/bin/mindieservice_daemon"
    chmod 0555 "$stage/$home/bin/mindieservice_daemon"
    ln -s "$home/bin/mindieservice_daemon" "$stage/usr/local/bin/mindie_llm_server"
    install -m 0640 "$here/mindie/config.json" "$stage/$home/conf/config.json"
    install -m 0755 "$here/mindie/entrypoint.sh" "$stage/usr/local/bin/entrypoint.sh"
    ctr=$(docker create "$PROBE_IMAGE")
    tar -C "$stage" --numeric-owner --owner=0 --group=0 -c . | docker cp - "$ctr:/"
    docker commit \
        --change 'ENTRYPOINT ["/usr/local/bin/entrypoint.sh"]' \
        --change 'CMD []' \
        --change "ENV MIES_INSTALL_PATH=$home" \
        --change 'ENV MINDIE_LOG_TO_STDOUT=0 MINDIE_LOG_TO_FILE=1 HCCL_BUFFSIZE=120' \
        --change "WORKDIR $home" \
        "$ctr" "$MINDIE_IMAGE" >/dev/null
    docker rm -f "$ctr" >/dev/null
    rm -rf "$stage"
    docker save "$MINDIE_IMAGE" >"$out"
    docker rmi "$MINDIE_IMAGE" "$PROBE_IMAGE" >/dev/null
    (cd "$(dirname "$out")" && sha256sum -- *.tar >SHA256SUMS)
}

build_sim() {
    local base=$1 tag=$2
    work=$(mktemp -d /tmp/ascend-sim-overlay.XXXXXX)
    ctr=""
    # EXIT, not RETURN: `set -e` leaves without returning, and the build container must not outlive a failure.
    trap 'rm -rf "$work"; [ -z "$ctr" ] || docker rm -f "$ctr" >/dev/null 2>&1' EXIT
    mkdir -p "$work/root/opt/ascend-sim"
    cp -r "$here/image/." "$work/root/"
    rm -f "$work/root/usr/bin/lspci" "$work/root/usr/sbin/dmidecode" # shipped as packages instead
    cp -r "$here/ascend_sim" "$work/root/opt/ascend-sim/"
    find "$work/root" -name '__pycache__' -prune -exec rm -rf {} +
    build_sim_debs "$work/root/srv/ascend-sim-repo/sim"
    build_probe "$base" "$work/root/srv/ascend-sim/images/probe.tar"
    build_mindie "$work/root/srv/ascend-sim/images/mindie.tar"
    ctr=$(docker create "$base" /bin/sh -c \
        'set -e; apt-get -q update >/dev/null; apt-get -q -y install dmidecode >/dev/null;
         systemctl enable ascend-sim-boot.service >/dev/null 2>&1;
         apt-get clean; rm -rf /var/lib/apt/lists/partial')
    tar -C "$work/root" --numeric-owner --owner=0 --group=0 -c . | docker cp - "$ctr:/"
    docker start -a "$ctr" >&2
    docker commit \
        --change 'ENV container=docker' \
        --change 'CMD ["/lib/systemd/systemd"]' \
        "$ctr" "$tag" >/dev/null
}

base_inputs=(build-base.sh debian-packages.txt)
mapfile -t sim_inputs < <(cd "$here" && find build.sh build-base.sh debian-packages.txt image ascend_sim mindie -type f \
    ! -path '*/__pycache__/*' | LC_ALL=C sort)
base_tag="$image-base:$(hash_of "${base_inputs[@]}")"
sim_tag="$image:$(hash_of "${sim_inputs[@]}")"

if [ "${SIM_FORCE:-0}" = 1 ]; then docker rmi -f "$base_tag" "$sim_tag" >/dev/null 2>&1 || true; fi
if have_image "$sim_tag"; then
    log "up to date: $sim_tag"
else
    have_image "$base_tag" || "$here/build-base.sh" "$base_tag"
    log "building $sim_tag"
    build_sim "$base_tag" "$sim_tag"
fi
docker tag "$sim_tag" "$image:latest"
echo "$image:latest"
