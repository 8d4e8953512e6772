# -*- coding: utf-8 -*-
# Copyright: ascendops.llm contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
# SPDX-License-Identifier: Apache-2.0
"""What is installed of CANN (toolkit, kernels/ops, NNAL) and what the cann role decides from it. PRIVATE to the
collection.

Layouts (ascend-tech-reference.md section 4.5): releases up to 8.3 live in `ascend-toolkit/<ver>/` with
`ascend-toolkit/latest` a symlink; later ones in `cann-<ver>/`, reached through `cann` and `ascend-toolkit/latest`.
Several releases may sit side by side; `latest` is the active one. Releases are compared as release strings only.
"""

from __future__ import annotations

import os
import re

from ansible_collections.ascendops.llm.plugins.module_utils import _ascend_package, _versions
from ansible_collections.ascendops.llm.plugins.module_utils._host import read_text

COMPONENTS = ("toolkit", "kernels", "nnal")  # install order
KERNEL_ROOT = os.path.join("opp", "built-in", "op_impl", "ai_core", "tbe", "kernel")
# Variables a shell start-up sets for itself; they say nothing about the sourced scripts.
_SHELL_NOISE = {"_", "SHLVL", "PWD", "OLDPWD"}


def _listdir(path: str) -> list:
    try:
        return sorted(os.listdir(path))
    except OSError:
        return []


def _toolkit_record(directory: str, arch: str) -> dict:
    text = read_text(os.path.join(directory, "%s-linux" % arch, "ascend_toolkit_install.info"))
    return _versions.parse_key_value(text) if text else {}


def _installed_toolkits(root: str, arch: str) -> list:
    """Every toolkit release on disk, both layouts, oldest first."""
    candidates = [os.path.join(root, "ascend-toolkit", name) for name in _listdir(os.path.join(root, "ascend-toolkit"))
                  if name != "latest"]
    candidates += [os.path.join(root, name) for name in _listdir(root) if name.startswith("cann-")]
    found = []
    for path in candidates:
        if os.path.isdir(path) and not os.path.islink(path):
            version = _toolkit_record(path, arch).get("version")
            if version:
                found.append({"version": version, "path": path})
    return sorted(found, key=lambda t: _sort_key(t["version"]))


def _installed_nnal(root: str) -> list:
    base = os.path.join(root, "nnal", "atb")
    found = []
    for name in _listdir(base):
        path = os.path.join(base, name)
        if name != "latest" and os.path.isdir(path) and not os.path.islink(path):
            version = _ascend_package.release_from_record("nnal", read_text(os.path.join(path, "version.info")))
            if version:
                found.append({"version": version, "path": path})
    return sorted(found, key=lambda t: _sort_key(t["version"]))


def _sort_key(version: str) -> tuple:
    try:
        return (0, _versions.release_key(version))
    except ValueError:
        return (1, version)


def _first_file(*paths):
    return next((p for p in paths if os.path.isfile(p)), None)


def gather(root: str, arch: str) -> dict:
    """The `cann` facts of a host: the active release of each component and what sits beside it."""
    latest = os.path.join(root, "ascend-toolkit", "latest")
    record = _toolkit_record(latest, arch)
    active = os.path.realpath(latest) if record else None
    kernel_root = os.path.join(latest, KERNEL_ROOT)
    nnal_latest = os.path.join(root, "nnal", "atb", "latest")
    nnal_version = _ascend_package.installed_release("nnal", read_text, root, arch)
    driver = _versions.parse_key_value(read_text(os.path.join(root, "driver", "version.info")) or "")
    return {
        "install_path": root,
        "toolkit": {
            "version": record.get("version"),
            "path": active,
            "inner_version": record.get("innerversion"),
            "compatible_version": record.get("compatible_version"),
            "env_script": _first_file(os.path.join(root, "ascend-toolkit", "set_env.sh"),
                                      os.path.join(latest, "set_env.sh")),
            "installed": _installed_toolkits(root, arch),
        },
        "kernels": {
            "version": _ascend_package.installed_release("kernels", read_text, root, arch) if record else None,
            "families": [d for d in _listdir(kernel_root) if d.startswith("ascend") and
                         os.path.isdir(os.path.join(kernel_root, d))] if record else [],
        },
        "nnal": {
            "version": nnal_version,
            "path": os.path.realpath(nnal_latest) if nnal_version else None,
            "env_script": _first_file(os.path.join(root, "nnal", "atb", "set_env.sh")),
            "installed": _installed_nnal(root),
        },
        "driver_inner_version": driver.get("Innerversion") or None,
    }


def plan(cann: dict, target: str, components: list, allow_downgrade: bool = False) -> dict:
    """The `_versions.plan` result of each component asked for in "plans", and from them: "order", the components
    to install, toolkit -> kernels -> nnal (a component changes when its active release is not the target);
    "downgrades", those going to an older release (allowed or refused); "refusals", the reasons of every refusal (a
    downgrade without `cann_allow_downgrade`, an active record or a target that is not a release string). The role
    must stop when "refusals" is not empty. Never raises, whatever the releases."""
    plans = {c: _versions.plan(c, cann[c]["version"], target, allow_downgrade, "cann_allow_downgrade")
             for c in COMPONENTS if c in components}
    return {
        "plans": plans,
        "order": [c for c in plans if plans[c]["action"] not in ("none", "refuse")],
        "downgrades": [c for c in plans if _versions.older(target, plans[c]["installed"])],
        "refusals": [p["reason"] for p in plans.values() if p["action"] == "refuse"],
    }


def version_problems(cann: dict, target: str, components: list, files: dict) -> list:
    """Why the packages offered cannot go together: each must be the target release (read from its file name;
    the records inside are checked again before installing), and kernels or NNAL without the toolkit among the
    components need the target toolkit already active. `files` maps components to package file names."""
    problems = []
    for c in COMPONENTS:
        release = _ascend_package.release_from_file_name(files.get(c) or "")
        if c in components and release and not _versions.same_release(release, target):
            problems.append("the %s package %s is release %s, not cann_version %s (the toolkit, kernels and NNAL "
                            "must be one release; set cann_%s_package to the %s package)"
                            % (c, files[c], release, target, c, target))
    if "toolkit" not in components and any(c in components for c in ("kernels", "nnal")):
        installed = cann["toolkit"]["version"]
        if installed is None:
            problems.append("kernels and NNAL need a toolkit and none is installed (add toolkit to "
                            "cann_components)")
        elif not _versions.same_release(installed, target):
            problems.append("kernels and NNAL need toolkit %s but the active toolkit is %s (add toolkit to "
                            "cann_components)" % (target, installed))
    return problems


def inner_compatible(compatible_version, driver_inner):
    """Whether a toolkit's `compatible_version` list ([V100R001C15],[V100R001C18],...) admits a driver's inner
    version (V100R001C19SPC001B215 belongs to V100R001C19). None when either is unknown."""
    if not compatible_version or not driver_inner:
        return None
    tags = re.findall(r"\[\s*([^\]]+?)\s*\]", compatible_version)
    return any(re.match(re.escape(tag) + r"(?!\d)", driver_inner, re.I) for tag in tags)


def stale_versions(cann: dict, target: str) -> list:
    """Directories of toolkit and NNAL releases other than the target (what removing old versions deletes)."""
    paths = []
    for c in ("toolkit", "nnal"):
        paths += [i["path"] for i in cann[c]["installed"] if not _versions.same_release(i["version"], target)]
    return paths


def environment_diff(before: dict, after: dict) -> dict:
    """What sourcing the environment scripts set or changed, from the process environment before and after."""
    return {k: v for k, v in sorted(after.items()) if k not in _SHELL_NOISE and before.get(k) != v}
