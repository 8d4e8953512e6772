"""What the simulated Ascend packages are: real file names, version strings, inner versions and compatibility
ranges, as the real packages and their version files carry them (ascend-tech-reference.md section 4).

Written independently of the collection's own `plugins/module_utils/_versions.py`: the two are tested against each
other, so neither may import the other.
"""

from __future__ import annotations

import re

# Chip family -> the tag in HDK and CANN package names, and the op kernel directory CANN installs for it.
FAMILIES = {
    "910b": {"hdk_prefix": "Ascend-hdk-910b", "kernels_tag": "910b", "ops_tag": "910b", "kernel_dir": "ascend910b"},
    "310p": {"hdk_prefix": "Ascend-hdk-310p", "kernels_tag": "310p", "ops_tag": "310p", "kernel_dir": "ascend310p"},
    "910_93": {"hdk_prefix": "Atlas-A3-hdk", "kernels_tag": None, "ops_tag": "A3", "kernel_dir": "ascend910_93"},
}

# HDK driver releases: inner version (what CANN's compatible_version lists) and the firmware range it accepts.
DRIVERS = {
    "23.0.rc3": {"inner": "V100R001C15SPC003B220", "fw": "[6.4.0,7.1.99]"},
    "23.0.3": {"inner": "V100R001C15SPC005B223", "fw": "[6.4.0,7.1.99]"},
    "24.1.rc2": {"inner": "V100R001C18SPC001B210", "fw": "[7.0.0,7.3.99]"},
    "24.1.rc3": {"inner": "V100R001C19SPC001B215", "fw": "[7.0.0,7.5.99]"},
    "24.1.0": {"inner": "V100R001C20SPC001B226", "fw": "[7.0.0,7.6.99]"},
    "24.1.0.3": {"inner": "V100R001C20SPC003B229", "fw": "[7.0.0,7.6.99]"},
    "25.0.rc1.1": {"inner": "V100R001C21SPC002B220", "fw": "[7.0.0,7.7.99]"},
    "25.2.0": {"inner": "V100R001C22SPC001B231", "fw": "[7.0.0,7.8.99]"},
    "25.3.rc1": {"inner": "V100R001C23SPC001B201", "fw": "[7.0.0,8.9.9]"},
    "25.5.1": {"inner": "V100R001C25SPC001B206", "fw": "[7.0.0,8.9.9]"},
}

# HDK firmware releases: the driver releases they run with (compatible_version_drv of version.info).
FIRMWARES = {
    "7.1.0.5.220": {"drv": "[23.0.0,23.0.0.],[24.0,24.0.],[24.1,24.1.]", "package": "24.1.rc2"},
    "7.3.0.1.231": {"drv": "[23.0.0,23.0.0.],[24.0,24.0.],[24.1,24.1.]", "package": "24.1.rc2"},
    "7.5.0.1.129": {"drv": "[23.0.0,23.0.0.],[24.0,24.0.],[24.1,24.1.]", "package": "24.1.rc3"},
    "7.6.0.1.220": {"drv": "[23.0.0,23.0.0.],[24.0,24.0.],[24.1,24.1.],[25.0,25.0.]", "package": "24.1.0"},
    "7.7.0.1.231": {"drv": "[23.0.0,23.0.0.],[24.0,24.0.],[24.1,24.1.],[25.0,25.0.]", "package": "25.0.rc1.1"},
    "7.8.0.6.201": {"drv": "[24.1,24.1.],[25.0,25.0.],[25.2,25.2.],[25.3,25.3.],[25.5,25.5.]", "package": "25.5.1"},
}

# CANN releases: inner version, the driver inner versions they accept, the runtime inner version of version.cfg.
CANN = {
    "8.0.RC3": {"inner": "V100R001C19SPC001B158", "compatible": "C15,C17,C18,C19", "runtime": "7.5.0.1.129"},
    "8.0.0": {"inner": "V100R001C20SPC001B122", "compatible": "C15,C17,C18,C19,C20", "runtime": "7.6.0.1.220"},
    "8.1.RC1": {"inner": "V100R001C21SPC001B238", "compatible": "C17,C18,C19,C20,C21", "runtime": "7.7.0.1.238"},
    "8.2.RC1": {"inner": "V100R001C22SPC001B231", "compatible": "C15,C18,C19,C20,C21,C23",
                "runtime": "8.2.0.0.201"},
    "8.3.RC1": {"inner": "V100R001C23SPC001B210", "compatible": "C18,C19,C20,C21,C22,C23,C25",
                "runtime": "8.3.0.1.210"},
    "8.5.0": {"inner": "V100R001C25SPC001B130", "compatible": "C20,C21,C22,C23,C25", "runtime": "8.5.0.1.130"},
}

COMPONENTS = ("driver", "firmware", "toolkit", "kernels", "nnal", "docker-runtime")


def version_key(text: str) -> tuple:
    """Orders release strings: 24.1.rc2 < 24.1.0 < 24.1.0.3; 8.0.RC3 < 8.0.0; case-insensitive."""
    key = []
    for part in re.split(r"[.\-]", text.lower()):
        m = re.fullmatch(r"(rc|alpha|beta|b|t)?(\d+)([a-z]*\d*)", part)
        if not m:
            key.append((-2, 0))
        elif m.group(1):
            key.append((-1, int(m.group(2))))  # a pre-release sorts before the final release of the same line
        else:
            key.append((0, int(m.group(2))))
    return tuple(key)


def in_ranges(version: str, ranges: str) -> bool:
    """`[lo,hi]` lists of version files; a `hi` ending with `.` admits every version that starts with it."""
    for lo, hi in re.findall(r"\[([^,\]]+),([^\]]+)\]", ranges):
        if version_key(version) < version_key(lo):
            continue
        if hi.endswith("."):
            if version.lower().startswith(hi.lower()) or version.lower() == hi[:-1].lower():
                return True
        elif version_key(version) <= version_key(hi):
            return True
    return False


def inner_tag(inner: str) -> str:
    """V100R001C21SPC002B220 -> C21."""
    m = re.search(r"(C\d+)", inner)
    return m.group(1) if m else ""


def hdk_arch(arch: str) -> str:
    return {"x86_64": "x86-64", "aarch64": "aarch64"}[arch]


def package_file_name(component: str, family: str, version: str, arch: str) -> str:
    """The real file name of a package (HDK uses `x86-64`, CANN `x86_64`)."""
    fam = FAMILIES[family]
    if component == "driver":
        return "%s-npu-driver_%s_linux-%s.run" % (fam["hdk_prefix"], version, hdk_arch(arch))
    if component == "firmware":
        return "%s-npu-firmware_%s.run" % (fam["hdk_prefix"], version)
    if component == "toolkit":
        return "Ascend-cann-toolkit_%s_linux-%s.run" % (version, arch)
    if component == "kernels":
        if version_key(version) >= version_key("8.5.0"):
            return "Ascend-cann-%s-ops_%s_linux-%s.run" % (fam["ops_tag"], version, arch)
        if family == "910_93":
            return "Atlas-A3-cann-kernels_%s_linux-%s.run" % (version, arch)
        return "Ascend-cann-kernels-%s_%s_linux-%s.run" % (fam["kernels_tag"], version, arch)
    if component == "nnal":
        return "Ascend-cann-nnal_%s_linux-%s.run" % (version, arch)
    if component == "docker-runtime":  # a MindCluster component: no chip family in its name
        return "Ascend-docker-runtime_%s_linux-%s.run" % (version, arch)
    raise ValueError("unknown component %r" % component)


def driver_info(version: str) -> dict:
    """Known releases as above; any other version gets a plausible record so tests can invent versions."""
    if version in DRIVERS:
        return DRIVERS[version]
    major = version.split(".")[0]
    return {"inner": "V100R001C%sSPC001B100" % major, "fw": "[7.0.0,8.9.9]"}


def firmware_info(version: str) -> dict:
    if version in FIRMWARES:
        return FIRMWARES[version]
    return {"drv": "[23.0,23.0.],[24.0,24.0.],[24.1,24.1.],[25.0,25.0.],[25.2,25.2.],[25.3,25.3.],[25.5,25.5.]",
            "package": "25.5.1"}


def cann_info(version: str) -> dict:
    if version in CANN:
        return CANN[version]
    return {"inner": "V100R001C25SPC001B100", "compatible": "C18,C19,C20,C21,C22,C23,C25", "runtime": "8.5.0.1.100"}
