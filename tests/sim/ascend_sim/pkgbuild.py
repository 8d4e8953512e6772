"""Builds simulated Ascend `.run` packages: makeself-style self-extracting shell archives with the real file names,
makeself's own options (--check, --info, --list, --noexec, --extract=, --quiet, --nox11) and the installers'
options passed through. The payload carries the package's version records exactly as they land on the host, so
a tool can read a package's version and compatibility range before installing it (`--noexec --extract=DIR`).

Runs on the controller (tests and the demo build packages into a directory the roles read from).
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import tarfile

from . import catalog

LABELS = {
    "driver": "ASCEND DRIVER RUN PACKAGE",
    "firmware": "ASCEND-HDK-{FAM}-NPU FIRMWARE RUN PACKAGE",
    "toolkit": "ASCEND-CANN-TOOLKIT RUN PACKAGE",
    "kernels": "ASCEND-CANN-KERNELS RUN PACKAGE",
    "nnal": "ASCEND-CANN-NNAL RUN PACKAGE",
    "docker-runtime": "ascend-docker-runtime",
}

HEADER = r"""#!/bin/sh
# This script was generated using Makeself 2.4.5
# The license covering this archive and its contents, if any, is wholly independent of the Makeself license (GPL)
# (Ascend simulator package: @FILE@)
label="@LABEL@"
sha256="@SHA@"
skip=@SKIP@
payload() { tail -n +"$skip" "$0"; }
quiet=n; check_only=n; noexec=n; target=""; args=""
while [ $# -gt 0 ]; do
    case "$1" in
        --check) check_only=y ;;
        --quiet|-q) quiet=y; args="$args --quiet" ;;
        --nox11|--keep|--nochown) ;;
        --noexec) noexec=y ;;
        --extract=*) target="${1#--extract=}"; noexec=y ;;
        --target) shift; target="$1" ;;
        --info) printf 'Identification: %s\nTarget directory: tmp\nUncompressed size: @SIZE@ KB\nCompression: gzip\n' "$label"; exit 0 ;;
        --list) payload | tar tzf -; exit 0 ;;
        --tar) arg1="$2"; shift 2; payload | gzip -cd | tar "$arg1" - "$@"; exit $? ;;
        --help|-h) printf 'Makeself version 2.4.5\n  1) Getting help or info about %s :\n  %s --help   Print this message\n' "$0" "$0"; exit 0 ;;
        *) args="$args $1" ;;
    esac
    shift
done
sum=$(payload | sha256sum | cut -d' ' -f1)
if [ "$sum" != "$sha256" ]; then
    echo "Verifying archive integrity...Error in SHA256 checksums: $sum is different from $sha256" >&2
    exit 2
fi
[ "$quiet" = y ] || echo "Verifying archive integrity...  100%   SHA256 checksums are OK. All good."
[ "$check_only" = y ] && exit 0
if [ -n "$target" ]; then mkdir -p "$target"; dir="$target"; else dir=$(mktemp -d /tmp/selfgz.XXXXXX); fi
[ "$quiet" = y ] || echo "Uncompressing $label  100%  "
payload | tar xzf - -C "$dir" || { echo "Decompression failed" >&2; exit 1; }
[ "$noexec" = y ] && exit 0
cd "$dir" && sh ./install.sh $args
rc=$?
cd / && rm -rf "$dir"
exit $rc
"""

INSTALL_SH = """#!/bin/sh
# Runs the simulated installer logic that ships with the simulated hardware (/opt/ascend-sim).
exec python3 -c 'import sys; sys.path.insert(0, "/opt/ascend-sim"); from ascend_sim.installer import main; \
sys.exit(main(sys.argv[1:], "."))' "$@"
"""


def _cann_tags(version: str) -> str:
    return ",".join("[V100R001%s]" % t for t in catalog.cann_info(version)["compatible"].split(","))


def records(component: str, family: str, version: str, arch: str, compat_fw=None, compat_drv=None) -> dict:
    """The version records a package installs, keyed by their path inside the payload."""
    if component == "driver":
        info = catalog.driver_info(version)
        own = int(catalog.inner_tag(info["inner"])[1:])
        lines = ["Version=%s" % version, "ascendhal_version=7.35.23", "aicpu_version=1.0", "tdt_version=1.0",
                 "log_version=1.0", "prof_version=2.0", "dvppkernels_version=1.1", "tsfw_version=1.0",
                 "Innerversion=%s" % info["inner"],
                 "compatible_version=%s" % ",".join("[V100R001C%d]" % c for c in range(own - 4, own + 1)),
                 "compatible_version_fw=%s" % (compat_fw or info["fw"])]
        if version != "24.1.rc1":  # the only release whose version.info lacks package_version
            lines.append("package_version=%s" % version)
        return {"driver/version.info": "\n".join(lines) + "\n"}
    if component == "firmware":
        info = catalog.firmware_info(version)
        return {"firmware/version.info": "Version=%s\nfirmware_version=1.0\npackage_version=%s\n"
                                         "compatible_version_drv=%s\n" % (version, info["package"],
                                                                          compat_drv or info["drv"])}
    if component == "docker-runtime":  # run_main.sh carries its version; it records it only once installed
        return {}
    info = catalog.cann_info(version)
    stamp = "20250724_194044950"
    if component == "toolkit":
        comps = ("runtime", "compiler", "hccl", "opp", "toolkit", "aoe", "ncs")
        cfg = ["# version: 1.0"]
        for kind in ("running", "upgrade", "installed"):
            cfg += ["%s_%s_version=[%s:%s]" % (c, kind, info["runtime"], version) for c in comps]
        return {
            "ascend_toolkit_install.info": "package_name=Ascend-cann-toolkit\nversion=%s\ninnerversion=%s\n"
                                           "compatible_version=%s\narch=%s\nos=linux\npath=@PATH@\n"
                                           % (version, info["inner"], _cann_tags(version), arch),
            "toolkit/version.info": 'Version=%s\nversion_dir=%s\ntimestamp=%s\nrequired_package_hccl_version="%s"\n'
                                    % (info["runtime"], version, stamp, ".".join(version.split(".")[:2])),
            "version.cfg": "\n".join(cfg) + "\n",
        }
    if component == "kernels":
        return {"opp_kernel/version.info": "Version=%s\nversion_dir=%s\ntimestamp=%s\nchip=%s\n"
                                           % (info["runtime"], version, stamp,
                                              catalog.FAMILIES[family]["kernel_dir"])}
    if component == "nnal":
        return {"nnal/version.info": "    Ascend-cann-atb : %s\n    Ascend-cann-atb Version : %s.B150\n"
                                     "    Platform : %s\n    branch : br_release_cann_%s_20251226\n"
                                     "    commit id : f10dc20391d8af04c3f8024aca0e0dfa94d2a0a5\n"
                                     % (version, version, arch, version)}
    raise ValueError("unknown component %r" % component)


def _tar(files: dict) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz", format=tarfile.GNU_FORMAT) as tar:
        for name, (data, mode) in sorted(files.items()):
            info = tarfile.TarInfo(name)
            info.size, info.mode, info.mtime = len(data), mode, 1700000000
            tar.addfile(info, io.BytesIO(data))
    # gzip writes the current time in its header: pin it so the same inputs give the same bytes
    raw = bytearray(buf.getvalue())
    raw[4:8] = b"\0\0\0\0"
    return bytes(raw)


def build(component: str, family: str, version: str, arch: str, out_dir: str, file_name: str | None = None,
          compat_fw: str | None = None, compat_drv: str | None = None) -> str:
    """Writes the package into out_dir and returns its path."""
    if component not in catalog.COMPONENTS:
        raise ValueError("unknown component %r; choose one of %s" % (component, ", ".join(catalog.COMPONENTS)))
    if family not in catalog.FAMILIES:
        raise ValueError("unknown chip family %r" % family)
    name = file_name or catalog.package_file_name(component, family, version, arch)
    recs = records(component, family, version, arch, compat_fw, compat_drv)
    manifest = {"component": component, "family": family, "version": version, "arch": arch,
                "records": {"drv_range": compat_drv or catalog.firmware_info(version)["drv"]}}
    files = {"manifest.json": (json.dumps(manifest, indent=1).encode(), 0o644),
             "install.sh": (INSTALL_SH.encode(), 0o755)}
    files.update({path: (text.encode(), 0o644) for path, text in recs.items()})
    payload = _tar(files)
    header = HEADER.replace("@FILE@", name).replace("@LABEL@", LABELS[component].replace("{FAM}", family.upper()))
    header = header.replace("@SHA@", hashlib.sha256(payload).hexdigest()).replace("@SIZE@", str(len(payload) // 1024 + 1))
    header = header.replace("@SKIP@", str(header.count("\n") + 1))
    os.makedirs(out_dir, exist_ok=True)
    target = os.path.join(out_dir, name)
    with open(target, "wb") as f:
        f.write(header.encode() + payload)
    os.chmod(target, 0o644)
    return target


def sha256_file(path: str) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def write_sums(out_dir: str) -> str:
    """SHA256SUMS beside the packages, in sha256sum's format."""
    names = sorted(n for n in os.listdir(out_dir) if n.endswith(".run"))
    target = os.path.join(out_dir, "SHA256SUMS")
    with open(target, "w") as f:
        f.writelines("%s  %s\n" % (sha256_file(os.path.join(out_dir, n)), n) for n in names)
    return target
