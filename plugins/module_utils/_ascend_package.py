# -*- coding: utf-8 -*-
# Copyright: ascendops.llm contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
# SPDX-License-Identifier: Apache-2.0
"""What `ascend_package` decides: which release of a component is installed, what a package carries, whether and
how to run its installer, and how to read the outcome. PRIVATE to the collection; pure functions.

Installed releases come from the vendor's record files (ascend-tech-reference.md section 4.5); releases are compared
as release strings, never through inner build numbers.
"""

from __future__ import annotations

import os
import re

from ansible_collections.ascendops.llm.plugins.module_utils import _versions

HDK = ("driver", "firmware")  # changes take effect after a reboot
INSTALL_LOG = "/var/log/ascend_seclog/ascend_install.log"
LOGS = {"docker-runtime": "/var/log/ascend-docker-runtime/installer.log"}  # MindCluster logs on its own
RECORD_PATTERNS = ("*version.info", "*install.info", "*version.cfg")
_ANSI = re.compile(r"\x1b\[[0-9;]*m")


def record_paths(component: str, root: str, arch: str) -> list:
    """Where the installed release of a component is recorded, most specific first."""
    toolkit = os.path.join(root, "ascend-toolkit", "latest")
    return {
        "driver": [os.path.join(root, "driver", "version.info")],
        "firmware": [os.path.join(root, "firmware", "version.info")],
        "toolkit": [os.path.join(toolkit, "%s-linux" % arch, "ascend_toolkit_install.info")],
        "kernels": [os.path.join(toolkit, "opp_kernel", "version.info")],
        "nnal": [os.path.join(root, "nnal", "atb", "latest", "version.info")],
        "mindie": [os.path.join(root, "mindie", "latest", "version.info"),
                   os.path.join(root, "mindie", "latest", "mindie-service", "version.info")],
        "docker-runtime": [os.path.join(root, "Ascend-Docker-Runtime", "ascend_docker_runtime_install.info")],
    }[component]


def release_from_record(component: str, text: str):
    """The release a record file states, or None."""
    if not text:
        return None
    if component == "driver":
        return _versions.driver_release(_versions.parse_key_value(text))
    if component == "firmware":
        return _versions.firmware_release(_versions.parse_key_value(text))
    if component == "toolkit":
        return _versions.parse_key_value(text).get("version") or None
    if component == "kernels":
        return _versions.parse_key_value(text).get("version_dir") or None
    if component == "nnal":
        return _versions.parse_colon_value(text).get("Ascend-cann-atb") or None
    if component == "mindie":
        value = _versions.parse_colon_value(text).get("Ascend-mindie", "")
        m = re.search(r"(\d+\.\d+\.(?:RC\d+|\d+))", value, re.I)
        return m.group(1) if m else None
    if component == "docker-runtime":  # version=v6.0.0 (run_main.sh save_install_args)
        value = _versions.parse_key_value(text).get("version") or ""
        return value[1:] if value[:1] in ("v", "V") else (value or None)
    return _versions.parse_key_value(text).get("version") or _versions.parse_key_value(text).get("Version")


def log_path(component: str) -> str:
    """The installer log whose tail explains a failure."""
    return LOGS.get(component, INSTALL_LOG)


def installed_release(component: str, read, root: str, arch: str):
    """`read(path) -> text or None`."""
    for path in record_paths(component, root, arch):
        release = release_from_record(component, read(path))
        if release:
            return release
    return None


def release_from_file_name(name: str):
    """Ascend-hdk-910b-npu-driver_24.1.rc3_linux-aarch64.run -> 24.1.rc3; ...-npu-firmware_7.5.0.1.129.run -> 7.5....;
    Ascend-cann-toolkit_8.2.RC1_linux-x86_64.run -> 8.2.RC1; Ascend-cann-kernels-910b_7.0.0_linux.run -> 7.0.0."""
    m = re.search(r"_(\d+\.\d+[0-9A-Za-z.]*?)(?:_linux(?:-(?:x86[-_]64|aarch64))?)?\.run$", name, re.I)
    return m.group(1) if m else None


def package_records(component: str, files: dict) -> dict:
    """What a package's own records say: {release, compatible_fw, compatible_drv, compatible_inner, inner}.
    `files` maps paths inside the package to their text."""
    out = {"release": None, "compatible_fw": None, "compatible_drv": None, "compatible_inner": None, "inner": None}
    for path, text in sorted(files.items()):
        kv = _versions.parse_key_value(text)
        base = os.path.basename(path)
        if component == "driver" and "compatible_version_fw" in kv:
            out.update(release=_versions.driver_release(kv), compatible_fw=kv["compatible_version_fw"],
                       inner=kv.get("Innerversion"), compatible_inner=kv.get("compatible_version"))
        elif component == "firmware" and "compatible_version_drv" in kv:
            out.update(release=kv.get("Version"), compatible_drv=kv["compatible_version_drv"])
        elif component == "toolkit" and base == "ascend_toolkit_install.info":
            out.update(release=kv.get("version"), inner=kv.get("innerversion"),
                       compatible_inner=kv.get("compatible_version"))
        elif component == "kernels" and "version_dir" in kv and out["release"] is None:
            out["release"] = kv["version_dir"]
        elif component in ("nnal", "mindie") and base == "version.info" and out["release"] is None:
            out["release"] = release_from_record(component, text)
    return out


def installer_args(component: str, action: str, install_path: str = None, install_for_all: bool = True,
                   user: str = None, group: str = None) -> list:
    """The installer's flags for an action (section 4.1; what ascend-deployer runs; `_versions.plan` decides)."""
    args = ["--nox11"]
    if component == "driver":
        if action == "install":
            args.append("--full")
            if install_for_all:
                args.append("--install-for-all")
            if user:
                args.append("--install-username=%s" % user)
            if group:
                args.append("--install-usergroup=%s" % group)
        else:
            args.append("--upgrade")
    elif component == "firmware":
        args.append("--full" if action == "install" else "--upgrade")
    elif component == "docker-runtime":  # --upgrade replaces the binaries and leaves daemon.json alone
        args.append("--install" if action == "install" else "--upgrade")
    else:
        args.append("--install")
        if install_for_all:
            args.append("--install-for-all")
    # The driver takes --install-path with --full only; its --upgrade keeps the recorded path (section 4.1).
    if install_path and component != "firmware" and (component != "driver" or action == "install"):
        args.append("--install-path=%s" % install_path)
    args.append("--quiet")
    return args


def succeeded(component: str, rc: int) -> bool:
    """Firmware installers exit 2 when the flashed firmware is already this release (ascend-deployer accepts it)."""
    return rc == 0 or (component == "firmware" and rc == 2)


def needs_reboot(component: str) -> bool:
    """Whether installing this component takes effect only after a reboot."""
    return component in HDK


def tail(text: str, lines: int = 20) -> list:
    return [_ANSI.sub("", line) for line in (text or "").rstrip("\n").splitlines()[-lines:]]
