# -*- coding: utf-8 -*-
# Copyright: ascendops.llm contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
# SPDX-License-Identifier: Apache-2.0
"""Ascend release strings and version files. PRIVATE to the collection.

Releases are compared as the vendor writes them (24.1.rc2 < 24.1.0 < 24.1.0.3, 8.0.RC3 < 8.0.0, case-insensitive),
never through inner build numbers (Innerversion, V100R001C21...). Formats: ascend-tech-reference.md section 4.5.

Suffixes after a release, as real hosts print them: build tags (`B152`, `.b050`, `T3`), service packs (`.spc001`,
`SPC001`) and hot patches (`.sph001`). A release sorts after its pre-releases and before everything that extends
it, in this order: builds, service packs, hot patches, further numeric parts. So
25.0.rc1.2 < 25.0.rc1.2.b050 < 25.0.rc1.2.spc001 < 25.0.rc1.2.sph001 < 25.0.rc1.2.1 < 25.0.rc1.3.
"""

from __future__ import annotations

import re

from ansible_collections.ascendops.llm.plugins.module_utils import _chips
from ansible_collections.ascendops.llm.plugins.module_utils._host import normalize_arch

# Rank of each kind of token at one position of a key; the end of a version (0) sits between the pre-releases and
# anything that extends a release.
_END = (0, 0)
_BUILD, _SERVICE_PACK, _HOT_PATCH, _NUMBER = 1, 2, 3, 4
_KINDS = {"alpha": -3, "beta": -2, "rc": -1, "b": _BUILD, "t": _BUILD, "spc": _SERVICE_PACK, "sph": _HOT_PATCH}
_TOKEN = r"(alpha|beta|rc|spc|sph|b|t)?(\d+)"  # longer prefixes first: `beta1` is not `b` + `eta1`
_PART = re.compile(r"^(?:%s)+$" % _TOKEN)
# What a running driver may add to the release its record names without being another release.
_DECORATIONS = (_BUILD, _HOT_PATCH)


def _tokens(version: str) -> tuple:
    if not isinstance(version, str) or not version.strip():
        raise ValueError("not a version string: %r" % (version,))
    key = []
    for part in re.split(r"[.\-_]", version.strip().lower()):
        if not _PART.match(part):
            raise ValueError("unrecognised version %r (part %r)" % (version, part))
        for prefix, number in re.findall(_TOKEN, part):
            key.append((_KINDS[prefix] if prefix else _NUMBER, int(number)))
    return tuple(key)


def release_key(version: str) -> tuple:
    """A sort key for release strings (the order is in the module's docstring); ValueError for anything else."""
    return _tokens(version) + (_END,)


def valid(version) -> bool:
    """Whether a value is a release string the collection can compare."""
    try:
        _tokens(version)
        return True
    except ValueError:
        return False


def compare(a: str, b: str) -> int:
    """-1, 0 or 1 as release a is older than, the same as or newer than release b."""
    ka, kb = release_key(a), release_key(b)
    return (ka > kb) - (ka < kb)


def same_release(a, b) -> bool:
    """Whether two strings name the same release; False when either is missing or not a release string."""
    return valid(a) and valid(b) and compare(a, b) == 0


def older(a, b) -> bool:
    """Whether release a is older than release b; False when either is not a release string."""
    return valid(a) and valid(b) and compare(a, b) < 0


def same_base(a, b) -> bool:
    """Whether a and b are one release up to the build tags and hot patches one of them adds. The loaded driver
    25.0.rc1.2.sph001 is the installed 25.0.rc1.2 with a hot patch applied (hot patches load without a reboot and
    the version file keeps the base release); 25.5.0 and 25.5.0.b061 name one build. Service packs, other builds
    and other numbers are other releases. Strings that are not release strings are the same only when they are
    equal ignoring case; None is never the same as anything. Never raises."""
    if a is None or b is None:
        return False
    if not (valid(a) and valid(b)):
        return str(a).strip().lower() == str(b).strip().lower()
    short, long_ = sorted((_tokens(a), _tokens(b)), key=len)
    return long_[:len(short)] == short and all(kind in _DECORATIONS for kind, number in long_[len(short):])


def plan(component: str, installed, target, allow_downgrade: bool = False,
         allow_option: str = "allow_downgrade") -> dict:
    """What to do to bring a component from its installed release to the target. Never raises.

    Returns {"component", "installed", "target", "action", "reason"}; action is `install` (nothing installed),
    `none` (the target is installed), `upgrade`, `downgrade` (allowed), or `refuse` with a reason a person can act
    on: a downgrade without `allow_downgrade` (the reason names `allow_option`, the caller's name for it), an
    installed record or a target that is not a release string. Only a refusal has a reason."""
    out = {"component": component, "installed": installed, "target": target, "action": "refuse", "reason": None}
    if not valid(target):
        out["reason"] = ("the %s target %r is not a release string (for example 24.1.rc3, 7.5.0.1.129 or 8.2.RC1); "
                         "correct it" % (component, target))
    elif installed is None:
        out["action"] = "install"
    elif not valid(installed):
        out["reason"] = ("the installed %s record holds %r, which is not a release string; fix or remove that "
                         "record so the installed release can be told" % (component, installed))
    else:
        if not older(target, installed):
            out["action"] = "none" if compare(target, installed) == 0 else "upgrade"
        elif allow_downgrade:
            out["action"] = "downgrade"
        else:
            out["reason"] = ("%s %s is installed and the target %s is older; set %s: true to install it anyway"
                             % (component, installed, target, allow_option))
    return out


def parse_key_value(text: str) -> dict:
    """`Key=Value` lines (version.info, ascend_install.info, ascend_toolkit_install.info); first '=' splits."""
    out = {}
    for line in text.splitlines():
        if "=" in line and not line.lstrip().startswith("#"):
            key, value = line.split("=", 1)
            out[key.strip()] = value.strip()
    return out


def parse_colon_value(text: str) -> dict:
    """`Name : value` lines with leading spaces (NNAL/ATB and MindIE version.info)."""
    out = {}
    for line in text.splitlines():
        if ":" in line:
            key, value = line.split(":", 1)
            out[key.strip()] = value.strip()
    return out


def driver_release(info: dict):
    """The release of a driver version.info: package_version, else Version (24.1.rc1 has no package_version)."""
    return info.get("package_version") or info.get("Version") or None


def firmware_release(info: dict):
    return info.get("Version") or None


def parse_ranges(text) -> list:
    """`[7.0.0,7.7.99]` or `[23.0.0,23.0.0.],[24.0,24.0.]` -> [(lo, hi), ...]."""
    return re.findall(r"\[\s*([^,\]]+?)\s*,\s*([^\]]+?)\s*\]", text or "")


def _in_line(version: str, line: str) -> bool:
    """Whether a release belongs to a release line: 24.1.rc2 and 24.1.0.3 belong to 24.1."""
    version, line = version.lower(), line.lower().rstrip(".")
    return version == line or version.startswith(line + ".")


def in_ranges(version: str, ranges) -> bool:
    """Whether a release lies in any [lo, hi] range of a version file. A bound names a release or a release line:
    `[24.1,24.1.]` admits 24.1.rc2 and 24.1.0.3; `[7.0.0,7.7.99]` admits 7.5.0.1.129."""
    if isinstance(ranges, str):
        ranges = parse_ranges(ranges)
    key = release_key(version)
    for lo, hi in ranges:
        lower = key >= release_key(lo.rstrip(".")) or _in_line(version, lo)
        upper = key <= release_key(hi.rstrip(".")) or (hi.endswith(".") and _in_line(version, hi))
        if lower and upper:
            return True
    return False


# --- package file names -------------------------------------------------------------------------------------------
# Every Ascend package the collection installs, by component; the chip family's part of a name comes from the chip
# table (`_chips`). HDK names use `x86-64`, CANN names `x86_64`. Versions keep the vendor's case in generated names
# (HDK `rc`, CANN `RC`); matching against files on disk ignores case.

COMPONENTS = ("driver", "firmware", "toolkit", "kernels", "nnal", "mindie", "docker-runtime")
HDK_COMPONENTS = ("driver", "firmware")
OPS_RENAME = "8.5.0"  # first CANN release whose kernels package is named <ops_tag>-ops


def _cann_case(version: str) -> str:
    return re.sub(r"(?i)\brc(\d)", r"RC\1", version)


def _chip_field(family, field: str, what: str) -> str:
    value = _chips.get(family, field)
    if not value:
        having = [f for f, row in _chips.CHIPS.items() if row[field]]
        raise ValueError("no %s for chip family %r (one of %s)" % (what, family, ", ".join(having)))
    return value


def package_file_name(component: str, family: str, version: str, arch: str) -> str:
    """The vendor's file name of a package. Raises ValueError naming what is unknown."""
    if component not in COMPONENTS:
        raise ValueError("unknown package component %r (one of %s)" % (component, ", ".join(COMPONENTS)))
    release_key(version)  # refuses a malformed version
    arch = normalize_arch(arch)
    if component in HDK_COMPONENTS:
        prefix = _chip_field(family, "hdk_prefix", "HDK packages")
        if component == "driver":
            return "%s-npu-driver_%s_linux-%s.run" % (prefix, version, arch.replace("_", "-"))
        return "%s-npu-firmware_%s.run" % (prefix, version)
    version = _cann_case(version)
    if component == "toolkit":
        return "Ascend-cann-toolkit_%s_linux-%s.run" % (version, arch)
    if component == "nnal":
        return "Ascend-cann-nnal_%s_linux-%s.run" % (version, arch)
    if component == "mindie":
        return "Ascend-mindie_%s_linux-%s.run" % (version, arch)
    if component == "docker-runtime":
        return "Ascend-docker-runtime_%s_linux-%s.run" % (version, arch)
    if release_key(version) >= release_key(OPS_RENAME):
        return "Ascend-cann-%s-ops_%s_linux-%s.run" % (_chip_field(family, "ops_tag", "CANN kernels"), version, arch)
    return "%s_%s_linux-%s.run" % (_chip_field(family, "kernels_package", "CANN kernels"), version, arch)


def file_arch(name: str):
    """The CPU a package file is built for, from its name (`..._linux-aarch64.run`, `..._linux-x86-64.run`), or None
    when the name does not say (firmware, `_linux.run`)."""
    m = re.search(r"_linux-(x86[-_]64|aarch64)\.run$", name or "", re.I)
    return normalize_arch(m.group(1).replace("-", "_")) if m else None


def match_file(names, wanted: str):
    """The name among `names` equal to `wanted` ignoring case, or None (vendors and mirrors vary RC/rc)."""
    for name in names:
        if name.lower() == wanted.lower():
            return name
    return None
