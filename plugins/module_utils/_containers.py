# -*- coding: utf-8 -*-
# Copyright: ascendops.llm contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
# SPDX-License-Identifier: Apache-2.0
"""NPU containers: the device and mount list of a set of chips, who already holds a chip, and the Docker daemon
configuration with the Ascend runtime. PRIVATE to the collection; pure functions.

Formats: ascend-tech-reference.md section 6 (device nodes, host paths mounted into containers, the Ascend Docker
Runtime), serving-reference.md section 2 (ASCEND_VISIBLE_DEVICES forms, daemon.json keys).
"""

from __future__ import annotations

import json
import posixpath
import re

from ansible_collections.ascendops.llm.plugins.module_utils import _npu_smi

MANAGER_DEVICES = ("/dev/davinci_manager", "/dev/devmm_svm", "/dev/hisi_hdc")
RUNTIME_NAME = "ascend"
RUNTIME_DIR = "Ascend-Docker-Runtime"
_DAVINCI = re.compile(r"^/dev/davinci(\d+)$")


def driver_mounts(install_path: str = "/usr/local/Ascend") -> list:
    """Host paths a container needs to use the host's driver (section 6.1), each mounted read-only where it exists:
    the driver libraries, dcmi, npu-smi, the version records and, on RoCE hosts, hccn_tool and hccn.conf."""
    driver = posixpath.join(install_path, "driver")
    return [posixpath.join(driver, "lib64"), "/usr/local/dcmi", "/usr/local/bin/npu-smi",
            posixpath.join(driver, "version.info"), "/etc/ascend_install.info",
            posixpath.join(driver, "tools", "hccn_tool"), "/etc/hccn.conf"]


def runtime_path(install_path: str = "/usr/local/Ascend") -> str:
    """The OCI runtime binary the Ascend Docker Runtime installs (--install-path appends Ascend-Docker-Runtime)."""
    return posixpath.join(install_path, RUNTIME_DIR, "ascend-docker-runtime")


def _ids(text: str) -> list:
    out = []
    for part in [p.strip() for p in str(text).split(",") if p.strip()]:
        m = re.fullmatch(r"(\d+)(?:-(\d+))?", part) or re.fullmatch(r"(?:npu|Ascend\w+?)-(\d+)()", part)
        if not m:
            raise ValueError("%r is not a chip ID, a range like 0-3, or a name like npu-1" % part)
        lo = int(m.group(1))
        hi = int(m.group(2)) if m.group(2) else lo
        if lo > hi:
            raise ValueError("%r is an empty range" % part)
        out.extend(range(lo, hi + 1))
    return out


def parse_chips(value) -> list:
    """Physical chip IDs from a list of IDs or an ASCEND_VISIBLE_DEVICES-style string (`0,1`, `0-3`, `npu-2`);
    `all`/None -> None (every chip). ValueError naming the bad part."""
    if value is None or (isinstance(value, str) and value.strip().lower() in ("all", "")):
        return None
    if isinstance(value, (list, tuple)):
        ids = []
        for item in value:
            ids.extend(_ids(item) if isinstance(item, str) else [int(item)])
    else:
        ids = _ids(value)
    return sorted(set(ids))


def _phy_ids(npu: dict) -> list:
    return sorted(c["phy_id"] for c in npu.get("chips") or [])


def _id_list(ids) -> str:
    return ", ".join(str(i) for i in ids) or "none"


def select_chips(npu: dict, wanted) -> dict:
    """{chips: [phy ids], problems: [sentences]} for the chips asked for on this host."""
    have = _phy_ids(npu)
    try:
        ids = parse_chips(wanted)
    except ValueError as err:
        return {"chips": [], "problems": [str(err)]}
    ids = have if ids is None else ids
    problems = []
    unknown = [i for i in ids if i not in have]
    if unknown:
        problems.append("chips %s are not on this host (its chips' physical IDs: %s)"
                        % (_id_list(unknown), _id_list(have)))
    nodes = dict((c["phy_id"], c.get("device")) for c in npu.get("chips") or [])
    no_node = [i for i in ids if i in nodes and not nodes[i]]
    if no_node:
        problems.append("chips %s have no /dev/davinci node (is the driver loaded?)" % _id_list(no_node))
    if not ids:
        problems.append("no chips to give the container (this host shows none)")
    return {"chips": ids, "problems": problems}


def container_args(npu: dict, wanted, existing: list, install_path: str = "/usr/local/Ascend") -> dict:
    """What `docker run` (or community.docker.docker_container) needs for these chips: devices as
    `host:container:rwm`, read-only volumes of the driver paths that exist on the host (`existing`), and the chips
    as an ASCEND_VISIBLE_DEVICES value. Never --privileged."""
    picked = select_chips(npu, wanted)
    nodes = ["/dev/davinci%d" % i for i in picked["chips"]] + list(MANAGER_DEVICES)
    present = set(existing)
    mounts = [p for p in driver_mounts(install_path) if p in present]
    return {
        "chips": picked["chips"],
        "problems": picked["problems"],
        "devices": ["%s:%s:rwm" % (n, n) for n in nodes],
        "volumes": ["%s:%s:ro" % (p, p) for p in mounts],
        "visible_devices": ",".join(str(i) for i in picked["chips"]),
    }


# -- who holds a chip ---------------------------------------------------------------------------------------------

def _env(container: dict) -> dict:
    items = (container.get("Config") or {}).get("Env") or []
    return dict(e.split("=", 1) for e in items if "=" in e)


def container_name(container: dict) -> str:
    return (container.get("Name") or container.get("Id", "")[:12]).lstrip("/")


def container_chips(container: dict) -> list:
    """Physical IDs of the chips a container holds (from `docker inspect`): /dev/davinciN devices it was given, and
    ASCEND_VISIBLE_DEVICES when the Ascend runtime started it (unset, empty or `void` inject nothing)."""
    host = container.get("HostConfig") or {}
    ids = set()
    for device in host.get("Devices") or []:
        m = _DAVINCI.match(device.get("PathOnHost") or "")
        if m:
            ids.add(int(m.group(1)))
    visible = _env(container).get("ASCEND_VISIBLE_DEVICES", "").strip()
    if host.get("Runtime") == RUNTIME_NAME and visible not in ("", "void"):
        try:
            ids.update(_ids(visible))
        except ValueError:
            pass  # the runtime refuses such a container at start: it holds nothing
    return sorted(ids)


def npu_containers(containers: list, ignore=()) -> list:
    """Names of the containers among `containers` (docker inspect results) that hold any chip."""
    return [container_name(c) for c in containers if container_chips(c) and container_name(c) not in ignore]


def holders(npu: dict, chips: list, containers: list, ignore=(), ignore_pids=()) -> list:
    """Who already holds any of `chips`: [{phy_id, holder}] from the npu facts' processes and from running
    containers, except the containers named in `ignore` (the caller's own, which it is about to replace) and the
    processes running in them (`ignore_pids`, host pids as npu-smi shows them)."""
    by_position = dict(((c["npu_id"], c["chip_id"]), c["phy_id"]) for c in npu.get("chips") or [])
    wanted = set(chips)
    own = set(int(pid) for pid in ignore_pids)
    out = []
    for proc in npu.get("processes") or []:
        phy = by_position.get((proc.get("npu_id"), proc.get("chip_id")))
        if phy in wanted and proc.get("pid") not in own:
            name = proc.get("name") or "?"
            out.append({"phy_id": phy, "holder": "process %s (%s, %s MB of NPU memory)"
                        % (proc.get("pid"), name, proc.get("memory_mb"))})
    for container in containers:
        name = container_name(container)
        if name in ignore:
            continue
        for phy in container_chips(container):
            if phy in wanted:
                out.append({"phy_id": phy, "holder": "container %s" % name})
    return sorted(out, key=lambda h: (h["phy_id"], h["holder"]))


def top_pids(output: str) -> list:
    """Host pids from `docker top <container> -eo pid` (a PID header, then one pid per line)."""
    return [int(line) for line in output.split() if line.isdigit()]


def holders_message(found: list, host: str, variable: str) -> str:
    """One sentence per held chip, and the fix."""
    held = "; ".join("chip %d is held by %s" % (h["phy_id"], h["holder"]) for h in found)
    return ("%s: %s. One chip serves one container: stop the holder, or choose other chips in %s."
            % (host, held, variable))


# -- the runtime's proof ------------------------------------------------------------------------------------------

_NODE = re.compile(r"^(davinci\d+|davinci_manager|devmm_svm|hisi_hdc)$")


def probe_result(output: str, npu: dict, chip: int, separator: str) -> dict:
    """What a container started with ASCEND_VISIBLE_DEVICES=<chip> saw (`ls -1 /dev`, the separator line, then
    `npu-smi info`), and every way it differs from exactly that chip: its /dev/davinci node and the three manager nodes, and npu-smi listing that
    chip alone under the host's NPU and chip IDs."""
    listing, smi = ((output or "").split(separator, 1) + [""])[:2]
    devices = sorted(line.strip() for line in listing.splitlines() if _NODE.match(line.strip()))
    expected = sorted(["davinci%d" % chip] + [d.rsplit("/", 1)[1] for d in MANAGER_DEVICES])
    problems = []
    if devices != expected:
        problems.append("the container saw devices %s instead of %s" % (", ".join(devices) or "none",
                                                                        ", ".join(expected)))
    try:
        seen = [(c["npu_id"], c["chip_id"]) for c in _npu_smi.parse_info(smi.strip())["chips"]]
    except ValueError as err:
        seen = []
        problems.append("npu-smi did not work in the container (%s)" % " ".join(smi.split())[:200] or err)
    else:
        host = [(c["npu_id"], c["chip_id"]) for c in npu.get("chips") or [] if c["phy_id"] == chip]
        if seen != host:
            problems.append("npu-smi in the container listed %s instead of %s" % (
                ", ".join("NPU %d chip %d" % s for s in seen) or "no chip",
                ", ".join("NPU %d chip %d" % h for h in host)))
    return {"devices": devices, "npu_smi_chips": [{"npu_id": n, "chip_id": c} for n, c in seen],
            "problems": problems}


# -- the Docker daemon configuration ------------------------------------------------------------------------------

def parse_daemon_config(text):
    """daemon.json text -> dict; an empty or missing file is {}. ValueError when it is not a JSON object."""
    if text is None or not text.strip():
        return {}
    try:
        config = json.loads(text)
    except ValueError as err:
        raise ValueError("it is not valid JSON (%s)" % err)
    if not isinstance(config, dict):
        raise ValueError("it holds a JSON %s, not an object" % type(config).__name__)
    return config


def daemon_config(current: dict, runtime, default_ascend: bool, options: dict = None) -> dict:
    """The daemon configuration with the operator's keys kept: `options` merged at the top level, the Ascend runtime
    registered (when `runtime` names its binary) and `default-runtime` set to it, or removed where it points at it
    and the default is not wanted (another default runtime is the operator's and stays)."""
    config = json.loads(json.dumps(current or {}))  # a deep copy; the input stays as read
    config.update(options or {})
    if runtime:
        runtimes = config.setdefault("runtimes", {})
        entry = dict(runtimes.get(RUNTIME_NAME) or {})
        entry["path"] = runtime
        entry.setdefault("runtimeArgs", [])
        runtimes[RUNTIME_NAME] = entry
    if default_ascend:
        config["default-runtime"] = RUNTIME_NAME
    elif config.get("default-runtime") == RUNTIME_NAME:
        del config["default-runtime"]
    return config


def render_daemon_config(config: dict) -> str:
    return json.dumps(config, indent=4) + "\n"
