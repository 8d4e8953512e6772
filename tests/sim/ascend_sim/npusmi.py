"""The simulated `npu-smi`, installed by the simulated driver package as /usr/local/bin/npu-smi.

It answers only while a driver is loaded and its own version matches the loaded driver (a new npu-smi against the
old kernel modules, before the reboot, fails like the real one with the dcmi initialisation error).
"""

from __future__ import annotations

import os
import sys

from . import catalog, render, state

DCMI_INIT_FAILED = "dcmi module initialize failed. ret is -8005"
INVALID_ID = "The device ID is invalid"
RC_ERROR = 1

USAGE = """Usage: npu-smi info [-l | -m | -t <type> -i <NPU ID> [-c <Chip ID>]]
       npu-smi -v
Types: board, usages, health, memory, temp, power, spod-info
"""


def compatibility(loaded: dict) -> str:
    """`Compatibility` of `-t board`: OK when the running firmware and driver admit each other."""
    drv, fw = loaded.get("driver"), loaded.get("firmware")
    if not drv or not fw:
        return "UNKNOWN"
    ok = catalog.in_ranges(fw, loaded.get("driver_fw_range", "")) and \
        catalog.in_ranges(drv, loaded.get("firmware_drv_range", ""))
    return "OK" if ok else "NOT SUPPORT"


def software_version(loaded: dict) -> str:
    """The running driver's version as npu-smi prints it: the release, plus the hot patch loaded on top if any."""
    return ".".join(filter(None, (loaded["driver"], loaded.get("driver_patch"))))


def visible(hw: dict):
    """The hardware this process can reach: dcmi opens davinci_manager, then each chip's /dev/davinci<phy id>. On
    the host all nodes exist; in a container only those it was given, and npu-smi there keeps the host's NPU IDs
    (ascend-tech-reference.md section 6.1). None when dcmi cannot initialise."""
    if not os.path.exists(state.path("/dev/davinci_manager")):
        return None
    cards = []
    for card in hw["cards"]:
        chips = [c for c in card["chips"] if os.path.exists(state.path("/dev/davinci%d" % c["phy_id"]))]
        if chips:
            cards.append(dict(card, chips=chips))
    return dict(hw, cards=cards)


def _int(text: str):
    try:
        return int(text)
    except (TypeError, ValueError):
        return None


def main(argv: list, tool_version: str, out=None) -> int:
    out = out or sys.stdout
    if argv in (["-v"], ["--version"]):
        out.write("npu-smi version: %s\n" % tool_version)
        return 0
    if not argv or argv[0] != "info":
        out.write(USAGE)
        return RC_ERROR
    loaded = state.loaded()
    if loaded.get("driver") != tool_version:
        out.write(DCMI_INIT_FAILED + "\n")
        return RC_ERROR
    hw = visible(state.host())
    if hw is None:
        out.write(DCMI_INIT_FAILED + "\n")
        return RC_ERROR
    software = software_version(loaded)
    view = state.live_view(hw, tool_version, software)
    args = argv[1:]
    if not args:
        info = state.read_kv(state.INSTALL_INFO)
        view["incomplete_install"] = (catalog.version_key(tool_version) >= catalog.version_key("25.5.0")
                                      and info.get("Driver_Install_Status") != "complete")
        out.write(render.render_info(view))
        return 0
    if args == ["-l"]:
        out.write(render.render_list(view))
        return 0
    if args == ["-m"]:
        out.write(render.render_mapping(view))
        return 0
    opts = dict(zip(args[::2], args[1::2]))
    if len(args) % 2 or set(opts) - {"-t", "-i", "-c"} or "-t" not in opts or "-i" not in opts:
        out.write(USAGE)
        return RC_ERROR
    card = next((c for c in view["cards"] if c["npu_id"] == _int(opts["-i"])), None)
    chip_id = _int(opts.get("-c")) if "-c" in opts else None
    if card is None or ("-c" in opts and chip_id not in [c["chip_id"] for c in card["chips"]]):
        out.write(INVALID_ID + "\n")
        return RC_ERROR
    kind, layout = opts["-t"], view["layout"]
    firmware = loaded.get("firmware", "")
    if kind == "board":
        if chip_id is None:
            out.write(render.render_board_card(card, layout, software, firmware, compatibility(loaded)))
        else:
            chip = next(c for c in card["chips"] if c["chip_id"] == chip_id)
            out.write(render.render_board_chip(card, chip, layout, firmware))
    elif kind == "usages":
        out.write(render.render_usages(card, layout, tool_version, chip_id))
    elif kind == "health":
        out.write(render.render_health(card, chip_id))
    elif kind == "memory":
        out.write(render.render_memory(card, layout, chip_id))
    elif kind == "temp":
        out.write(render.render_temp(card, chip_id))
    elif kind == "power":
        out.write(render.render_power(card, chip_id))
    elif kind == "spod-info" and layout == "910_93":
        chips = [c for c in card["chips"] if chip_id is None or c["chip_id"] == chip_id]
        out.write("".join(render.render_spod(c) for c in chips))
    else:
        out.write("This device does not support querying %s.\n" % kind)
        return RC_ERROR
    return 0
