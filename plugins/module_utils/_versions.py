# -*- coding: utf-8 -*-
# Copyright: ascendops.llm contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
# SPDX-License-Identifier: Apache-2.0
"""Ascend release strings and version files. PRIVATE to the collection.

Releases are compared as the vendor writes them (24.1.rc2 < 24.1.0 < 24.1.0.3, 8.0.RC3 < 8.0.0, case-insensitive),
never through inner build numbers (Innerversion, V100R001C21...). Formats: ascend-tech-reference.md section 4.5.
"""

from __future__ import annotations

import re

# Rank of each kind of token; the end of a version sits between pre-releases and anything that extends it.
_RANKS = {"alpha": -3, "beta": -2, "rc": -1}
_END = (0, 0)
_TOKEN = re.compile(r"^(alpha|beta|rc|b|t|spc)?(\d+)$")


def release_key(version: str) -> tuple:
    """A sort key for release strings. Pre-releases (alpha, beta, rc) sort before the release they lead to; build
    tags (B152, b061, T3) sort after it; a trailing numeric part extends a release (24.1.0 < 24.1.0.3)."""
    if not isinstance(version, str) or not version.strip():
        raise ValueError("empty version string")
    key = []
    for token in re.split(r"[.\-_]", version.strip().lower()):
        m = _TOKEN.match(token)
        if not m:
            raise ValueError("unrecognised version %r (part %r)" % (version, token))
        prefix, number = m.group(1), int(m.group(2))
        if prefix is None:
            key.append((2, number))
        elif prefix in _RANKS:
            key.append((_RANKS[prefix], number))
        else:
            key.append((1, number))
    return tuple(key) + (_END,)


def compare(a: str, b: str) -> int:
    """-1, 0 or 1 as release a is older than, the same as or newer than release b."""
    ka, kb = release_key(a), release_key(b)
    return (ka > kb) - (ka < kb)


def same_release(a, b) -> bool:
    """Whether two strings name the same release; False when either is missing or not a release string."""
    try:
        return a is not None and b is not None and compare(a, b) == 0
    except ValueError:
        return False


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
# One table for every Ascend package the collection installs, keyed by component and chip family. HDK names use
# `x86-64`, CANN names `x86_64`; A3 HDK and pre-8.5 kernels carry an `Atlas-A3-` prefix; from CANN 8.5 the kernels
# package is `<family>-ops`. Versions keep the vendor's case in generated names (HDK `rc`, CANN `RC`); matching
# against files on disk ignores case.

COMPONENTS = ("driver", "firmware", "toolkit", "kernels", "nnal", "mindie", "docker-runtime")
HDK_COMPONENTS = ("driver", "firmware")
_HDK_PREFIX = {"910b": "Ascend-hdk-910b", "310p": "Ascend-hdk-310p", "910_93": "Atlas-A3-hdk"}
_OPS_TAG = {"910b": "910b", "310p": "310p", "910_93": "A3"}
OPS_RENAME = "8.5.0"  # first CANN release whose kernels package is named <family>-ops


def _arch(arch: str, hdk: bool) -> str:
    arch = {"amd64": "x86_64", "arm64": "aarch64"}.get(arch, arch)
    if arch not in ("x86_64", "aarch64"):
        raise ValueError("unsupported architecture %r (x86_64 or aarch64)" % arch)
    return arch.replace("_", "-") if hdk else arch


def _cann_case(version: str) -> str:
    return re.sub(r"(?i)\brc(\d)", r"RC\1", version)


def package_file_name(component: str, family: str, version: str, arch: str) -> str:
    """The vendor's file name of a package. Raises ValueError naming what is unknown."""
    if component not in COMPONENTS:
        raise ValueError("unknown package component %r (one of %s)" % (component, ", ".join(COMPONENTS)))
    release_key(version)  # refuses a malformed version
    if component in HDK_COMPONENTS:
        if family not in _HDK_PREFIX:
            raise ValueError("no HDK packages for chip family %r (one of %s)" % (family, ", ".join(_HDK_PREFIX)))
        if component == "driver":
            return "%s-npu-driver_%s_linux-%s.run" % (_HDK_PREFIX[family], version, _arch(arch, True))
        return "%s-npu-firmware_%s.run" % (_HDK_PREFIX[family], version)
    version, arch = _cann_case(version), _arch(arch, False)
    if component == "toolkit":
        return "Ascend-cann-toolkit_%s_linux-%s.run" % (version, arch)
    if component == "nnal":
        return "Ascend-cann-nnal_%s_linux-%s.run" % (version, arch)
    if component == "mindie":
        return "Ascend-mindie_%s_linux-%s.run" % (version, arch)
    if component == "docker-runtime":
        return "Ascend-docker-runtime_%s_linux-%s.run" % (version, arch)
    if family not in _OPS_TAG:
        raise ValueError("no CANN kernels for chip family %r (one of %s)" % (family, ", ".join(_OPS_TAG)))
    if release_key(version) >= release_key(OPS_RENAME):
        return "Ascend-cann-%s-ops_%s_linux-%s.run" % (_OPS_TAG[family], version, arch)
    if family == "910_93":
        return "Atlas-A3-cann-kernels_%s_linux-%s.run" % (version, arch)
    return "Ascend-cann-kernels-%s_%s_linux-%s.run" % (family, version, arch)


def match_file(names, wanted: str):
    """The name among `names` equal to `wanted` ignoring case, or None (vendors and mirrors vary RC/rc)."""
    for name in names:
        if name.lower() == wanted.lower():
            return name
    return None


def parse_sha256sums(text: str) -> dict:
    """`sha256sum` output (`<hex>  <name>` or `<hex> *<name>`) -> {name: hex}."""
    out = {}
    for line in text.splitlines():
        m = re.match(r"^([0-9a-fA-F]{64})\s+\*?(.+?)\s*$", line)
        if m:
            out[m.group(2).rsplit("/", 1)[-1]] = m.group(1).lower()
    return out
