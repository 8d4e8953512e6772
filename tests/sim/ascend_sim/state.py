"""Where the simulated host keeps its state, and the live view of the hardware the tools print.

- /etc/ascend-sim/host.json       static hardware of this host (written once at first boot from the profile)
- /var/lib/ascend-sim/faults.json injected faults (unhealthy chips, failing installers); survive reboots
- /var/lib/ascend-sim/flash.json  the firmware flashed on the cards; survives reboots
- /run/ascend-sim/loaded.json     driver and firmware actually running; /run is cleared by a reboot
- /run/ascend-sim/holders.json    processes holding NPU memory, by host pid; they die with a reboot
- /run/ascend-sim/holders.d/      the same, one file per holder under an flock it keeps for its life (MindIE
                                  stand-ins in containers, whose pids the host cannot know; `ascend-sim hold`)
- /run/ascend-sim/boot_id         changes on every boot, so a reboot is observable

ASCEND_SIM_ROOT prefixes every path, so unit tests run against a temporary directory.
"""

from __future__ import annotations

import json
import os

from . import ledger

HOST = "/etc/ascend-sim/host.json"
FAULTS = "/var/lib/ascend-sim/faults.json"
FLASH = "/var/lib/ascend-sim/flash.json"
LOADED = "/run/ascend-sim/loaded.json"
HOLDERS = "/run/ascend-sim/holders.json"
BOOT_ID = "/run/ascend-sim/boot_id"

ASCEND = "/usr/local/Ascend"
DRIVER_VERSION = ASCEND + "/driver/version.info"
FIRMWARE_VERSION = ASCEND + "/firmware/version.info"
INSTALL_INFO = "/etc/ascend_install.info"
HCCN_CONF = "/etc/hccn.conf"
INSTALL_LOG = "/var/log/ascend_seclog/ascend_install.log"
OPERATION_LOG = "/var/log/ascend_seclog/operation.log"


def path(p: str) -> str:
    root = os.environ.get("ASCEND_SIM_ROOT", "/")
    return os.path.join(root, p.lstrip("/"))


def read_json(p: str, default=None):
    try:
        with open(path(p)) as f:
            return json.load(f)
    except (OSError, ValueError):
        return default


def write_json(p: str, data) -> None:
    full = path(p)
    os.makedirs(os.path.dirname(full), exist_ok=True)
    tmp = full + ".tmp"
    with open(tmp, "w") as f:
        json.dump(data, f, indent=1, sort_keys=True)
    os.replace(tmp, full)


def read_kv(p: str, sep: str = "=") -> dict:
    """Key=Value files (version.info, ascend_install.info, hccn.conf), keeping their order."""
    out = {}
    try:
        with open(path(p)) as f:
            for line in f:
                if sep in line:
                    key, value = line.split(sep, 1)
                    out[key.strip()] = value.strip()
    except OSError:
        pass
    return out


def write_kv(p: str, data: dict, mode: int = 0o644) -> None:
    full = path(p)
    os.makedirs(os.path.dirname(full), exist_ok=True)
    with open(full, "w") as f:
        f.write("".join("%s=%s\n" % (k, v) for k, v in data.items()))
    os.chmod(full, mode)


def host() -> dict:
    data = read_json(HOST)
    if not data:
        raise SystemExit("ascend-sim: no simulated hardware (%s is missing; is ascend-sim-boot.service enabled?)"
                         % HOST)
    return data


def loaded() -> dict:
    return read_json(LOADED, {}) or {}


def faults() -> dict:
    return read_json(FAULTS, {}) or {}


def _alive(pid: int) -> bool:
    return os.path.exists("/proc/%d" % pid)


def holders() -> list:
    """Processes holding NPU memory; entries whose process has exited drop out, as on a real host."""
    found = [h for h in read_json(HOLDERS, []) or [] if h.get("static") or _alive(h["pid"])]
    return found + ledger_holders()


def ledger_holders() -> list:
    """Holders of the memory ledger whose process lives, each with its pid in this namespace."""
    found = []
    for entry_path, entries in ledger.live(path(ledger.DIR)):
        pid = ledger.owner_pid(entry_path) or 0
        found.extend(dict(h, pid=pid, ledger=entry_path) for h in entries)
    return found


def process_name(holder: dict) -> str:
    if "name" in holder:
        return holder["name"]
    try:
        with open("/proc/%d/comm" % holder["pid"]) as f:
            return f.read().strip()[:15]
    except OSError:
        return ""


def live_view(hw: dict, tool_version: str, software_version: str) -> dict:
    """The hardware as npu-smi sees it now: faults and processes applied to the static profile."""
    layout = hw["family"]
    injected = faults()
    chip_faults = injected.get("chips", {})
    no_bus = injected.get("bus_na", [])
    procs = holders()
    cards = []
    processes = []
    for card in hw["cards"]:
        chips = []
        for chip in card["chips"]:
            key = "%d:%d" % (card["npu_id"], chip["chip_id"])
            fault = chip_faults.get(key, {})
            held = [h for h in procs if h["npu_id"] == card["npu_id"] and h["chip_id"] == chip["chip_id"]]
            used = sum(h["memory_mb"] for h in held)
            view = dict(chip)
            view.update(
                health=fault.get("health", "OK"),
                error_codes=[int(c, 16) for c in fault.get("codes", [])],
                error_info=fault.get("info"),
                aicore=17 if held else 0,
                hugepages_used=0, hugepages_total=0,
                hbm_used=chip["idle_hbm"] + used if chip["hbm_total"] else 0,
                mem_used=chip["idle_mem"] + used if layout == "310p" else 0,
                bus_id="NA" if key in no_bus else chip["bus_id"],
            )
            chips.append(view)
        cards.append(dict(card, chips=chips))
    for card in hw["cards"]:  # the process table groups by NPU, in card order
        for h in procs:
            if h["npu_id"] == card["npu_id"]:
                processes.append({"npu_id": h["npu_id"], "chip_id": h["chip_id"], "pid": h["pid"],
                                  "name": process_name(h), "memory_mb": h["memory_mb"]})
    return {"layout": layout, "tool_version": tool_version, "version": software_version, "cards": cards,
            "processes": processes}
