"""Text renderers for the simulated npu-smi, written from the printf formats of the real tool.

Pure functions: each takes plain values (a "view" of the hardware) and returns the exact text the real
npu-smi prints for them, newlines included. Formats: ascend-tech-reference.md sections 1.1 to 1.10.
"""

from __future__ import annotations

from . import catalog

# --- the `npu-smi info` table ------------------------------------------------------------------------------------

# 910B and A3 (910_93): 98 columns. 310P (300I Duo / Pro): 106 columns.
_TABLE = {
    "wide": {
        "width": 98,
        "banner": "| %s %-24s Version: %-52s |",
        "cols": "+---------------------------+---------------+----------------------------------------------------+",
        "head1": "| NPU   Name                | Health        | Power(W)    Temp(C)           Hugepages-Usage(page)|",
        "head2": "| Chip                      | Bus-Id        | AICore(%)   Memory-Usage(MB)  HBM-Usage(MB)        |",
        "head2_a3": "| Chip  Phy-ID              | Bus-Id        | AICore(%)   Memory-Usage(MB)  HBM-Usage(MB)        |",
        "double": "+===========================+===============+====================================================+",
        "row1": "| %-5d %-20s| %-13s | %-11s %-17d %-5d/ %-13d |",
        "row2": "| %-26d| %s | %-11d %-5d/ %-10d %-5d/ %-13d |",
        "row2_a3": "| %-5d %-20d| %s | %-11d %-5d/ %-10d %-5d/ %-13d |",
        "bus_func": "%-2X",
        "bus_na": "%-13s",
        "proc_head": "| NPU     Chip              | Process id    | Process name             | Process memory(MB)      |",
        "proc_row": "| %-7d %-18d| %-13d | %-24s | %-23d |",
    },
    "310p": {
        "width": 106,
        "banner": "| %s %-40s Version: %-44s |",
        "cols": "+-------------------------------+-----------------+------------------------------------------------------+",
        "head1": "| NPU     Name                  | Health          | Power(W)     Temp(C)           Hugepages-Usage(page) |",
        "head2": "| Chip    Device                | Bus-Id          | AICore(%)    Memory-Usage(MB)                        |",
        "double": "+===============================+=================+======================================================+",
        "row1": "| %-7d %-22s| %-15s | %-12s %-17d %-6d/ %-13d |",
        "row2": "| %-7d %-22d| %s | %-12d %-5d/ %-32d |",
        "bus_func": "%-4X",
        "bus_na": "%-15s",
        "proc_head": "| NPU     Chip                  | Process id      | Process name             | Process memory(MB)        |",
        "proc_row": "| %-7d %-22d| %-15d | %-24s | %-25d |",
    },
}

WARN_INCOMPLETE = (
    "[WARNING]The driver package may not be completely installed, which may cause function abnormal. "
    "Please reinstall it."
)


def _bus(bus_id: str, func_fmt: str) -> str:
    """`%04X:%02X:%02X.%-2X` (or `%-4X` on 310P) from a "0000:C1:00.0" string."""
    domain, bus, rest = bus_id.split(":")
    dev, func = rest.split(".")
    return "%04X:%02X:%02X." % (int(domain, 16), int(bus, 16), int(dev, 16)) + func_fmt % int(func, 16)


def _power(value, layout: str) -> str:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return "%.1f" % value
    return str(value)


def render_info(view: dict) -> str:
    """`npu-smi info`: the device table followed by the process table."""
    layout = view["layout"]
    t = _TABLE["310p" if layout == "310p" else "wide"]
    width = t["width"]
    full = "+" + "-" * (width - 2) + "+"
    out = [full, t["banner"] % ("npu-smi", view["tool_version"], view["version"]), t["cols"], t["head1"]]
    out.append(t["head2_a3"] if layout == "910_93" else t["head2"])
    out.append(t["double"])
    for card in view["cards"]:
        for index, chip in enumerate(card["chips"]):
            if index:
                out.append(t["cols"] if layout == "310p" else full)
            out.append(t["row1"] % (card["npu_id"], chip["name"], chip["health"], _power(chip["power"], layout),
                                    chip["temp"], chip["hugepages_used"], chip["hugepages_total"]))
            # edge boards have no PCIe address: NA keeps the field's width
            bus = t["bus_na"] % "NA" if chip["bus_id"] == "NA" else _bus(chip["bus_id"], t["bus_func"])
            if layout == "310p":
                out.append(t["row2"] % (chip["chip_id"], chip["logic_id"], bus, chip["aicore"],
                                        chip["mem_used"], chip["mem_total"]))
            elif layout == "910_93":
                out.append(t["row2_a3"] % (chip["chip_id"], chip["phy_id"], bus, chip["aicore"], chip["mem_used"],
                                           chip["mem_total"], chip["hbm_used"], chip["hbm_total"]))
            else:
                out.append(t["row2"] % (chip["chip_id"], bus, chip["aicore"], chip["mem_used"], chip["mem_total"],
                                        chip["hbm_used"], chip["hbm_total"]))
        out.append(t["double"])
    out += [t["cols"], t["proc_head"], t["double"]]
    for card in view["cards"]:
        rows = [p for p in view.get("processes", []) if p["npu_id"] == card["npu_id"]]
        if not rows:
            text = "No running processes found in NPU %d" % card["npu_id"]
            out.append("| " + text.ljust(width - 4) + " |")
        for p in rows:
            out.append(t["proc_row"] % (p["npu_id"], p["chip_id"], p["pid"], p["name"], p["memory_mb"]))
        out.append(t["double"])
    if view.get("incomplete_install"):
        out.append(WARN_INCOMPLETE)
    return "\n".join(out) + "\n"


# --- key/value outputs (-l, -m, -t ...): a TAB, the key padded to 30, " : ", the value ---------------------------


def kv(key: str, value) -> str:
    return "\t%-30s : %s" % (key, value)


def _block(lines: list) -> str:
    return "\n".join(lines) + "\n"


def render_list(view: dict) -> str:
    """`npu-smi info -l`. Servers (910B, A3) omit Product Name and Serial Number; 310P cards print them."""
    out = [kv("Total Count", len(view["cards"])), ""]
    for card in view["cards"]:
        out.append(kv("NPU ID", card["npu_id"]))
        if view["layout"] == "310p":
            out.append(kv("Product Name", card["product_name"]))
            out.append(kv("Serial Number", card["serial"]))
        out += [kv("Chip Count", len(card["chips"])), ""]
    return _block(out)


def render_mapping(view: dict) -> str:
    """`npu-smi info -m`: NPU ID / Chip ID / Chip Logic ID [/ Chip Phy-ID on A3] / Chip Name, MCU rows included."""
    a3 = view["layout"] == "910_93"
    heads = ["NPU ID", "Chip ID", "Chip Logic ID"] + (["Chip Phy-ID"] if a3 else []) + ["Chip Name"]
    out = ["\t" + " ".join("%-30s" % h for h in heads)]
    for card in view["cards"]:
        for chip in card["chips"]:
            if a3:
                out.append("\t%-30d %-30d %-30d %-30d %s" % (card["npu_id"], chip["chip_id"], chip["logic_id"],
                                                             chip["phy_id"], chip["mapping_name"]))
            else:
                out.append("\t%-30d %-30d %-30d %s" % (card["npu_id"], chip["chip_id"], chip["logic_id"],
                                                       chip["mapping_name"]))
        mcu = len(card["chips"])
        if a3:
            out.append("\t%-30d %-30d %-30s %-30s %-30s" % (card["npu_id"], mcu, "-", "-", "Mcu"))
        else:
            out.append("\t%-30d %-30d %-30s %-30s" % (card["npu_id"], mcu, "-", "Mcu"))
    return _block(out)


def render_board_card(card: dict, layout: str, software: str, firmware: str, compatibility: str) -> str:
    """`npu-smi info -t board -i N`."""
    out = [
        kv("NPU ID", card["npu_id"]),
        kv("Product Name", card["product_name"]),
        kv("Model", "NA"),
        kv("Manufacturer", "Huawei"),
        kv("Serial Number", card["serial"]),
        kv("Software Version", software),
        kv("Firmware Version", firmware),
        kv("Compatibility", compatibility),
        kv("Board ID", "0x%02x" % card["board_id"]),
    ]
    if layout == "910_93":
        out.append(kv("Main Board ID", "0x%02x" % card["main_board_id"]))
    out += [
        kv("PCB ID", card["pcb_id"]),
        kv("BOM ID", card["bom_id"]),
        kv("PCIe Bus Info", card["chips"][0]["bus_id"]),
        kv("Slot ID", card["slot_id"]),
        kv("Class ID", "NA"),
        kv("PCI Vendor ID", "0x%04X" % card["pci"]["vendor"]),
        kv("PCI Device ID", "0x%04X" % card["pci"]["device"]),
        kv("Subsystem Vendor ID", "0x%04X" % card["pci"]["subsystem_vendor"]),
        kv("Subsystem Device ID", "0x%04X" % card["pci"]["subsystem_device"]),
        kv("Chip Count", len(card["chips"])),
    ]
    if layout == "310p":
        out.append(kv("Chip Fault", 0))
    return _block(out)


def render_board_chip(card: dict, chip: dict, layout: str, firmware: str) -> str:
    """`npu-smi info -t board -i N -c C`. A3 names the SoC in `NPU Name` and has no `Chip Type`."""
    out = [kv("NPU ID", card["npu_id"]), kv("Chip ID", chip["chip_id"])]
    if layout == "910_93":
        out += [kv("Chip Name", chip["name"]), kv("NPU Name", chip["npu_name"])]
    else:
        out += [kv("Chip Type", "Ascend"), kv("Chip Name", chip["name"])]
    out += [
        kv("Chip Version", "V1"),
        kv("Board ID", "0x%02x" % card["board_id"]),
        kv("PCB ID", "NA"),
        kv("BOM ID", card["bom_id"]),
        kv("VDie ID", chip["vdie_id"]),
        kv("NDie ID", chip["ndie_id"]),
        kv("Chip Position ID", chip["chip_id"]),
        kv("PCIe Bus Info", chip["bus_id"]),
        kv("Firmware Version", firmware),
    ]
    return _block(out)


def _card_blocks(card: dict, chip_ids, chip_lines, mcu_lines=None) -> str:
    """Card-level wrapper shared by usages, health, memory, temp and power: the card header, a blank line,
    then per chip its fields followed by `Chip ID : n` and a blank line; optionally an MCU block."""
    out = [kv("NPU ID", card["npu_id"]), kv("Chip Count", len(card["chips"])), ""]
    for chip in card["chips"]:
        if chip_ids is not None and chip["chip_id"] not in chip_ids:
            continue
        out += chip_lines(chip) + [kv("Chip ID", chip["chip_id"]), ""]
    if mcu_lines:
        out += mcu_lines + [""]
    return _block(out)


def _pct(used, total) -> int:
    return int(round(used * 100.0 / total)) if total else 0


def usages_lines(chip: dict, layout: str, tool_version: str) -> list:
    if layout == "310p":
        return [
            kv("DDR Capacity(MB)", chip["mem_total"]),
            kv("DDR Usage Rate(%)", _pct(chip["mem_used"], chip["mem_total"])),
            kv("DDR Hugepages Total(page)", chip["hugepages_total"]),
            kv("DDR Hugepages Usage Rate(%)", _pct(chip["hugepages_used"], chip["hugepages_total"])),
            kv("Aicore Usage Rate(%)", chip["aicore"]),
            kv("Aicpu Usage Rate(%)", 0),
            kv("Ctrlcpu Usage Rate(%)", chip["ctrlcpu"]),
            kv("Vectorcore Usage Rate(%)", 0),
            kv("DDR Bandwidth Usage Rate(%)", 0),
            kv("DVPP VDEC Usage Rate(%)", 0),
            kv("DVPP VPC Usage Rate(%)", 0),
            kv("DVPP VENC Usage Rate(%)", 0),
            kv("DVPP JPEGE Usage Rate(%)", 0),
            kv("DVPP JPEGD Usage Rate(%)", 0),
        ]
    lines = [
        kv("DDR Capacity(MB)", chip["mem_total"]),
        kv("DDR Usage Rate(%)", _pct(chip["mem_used"], chip["mem_total"])),
        kv("DDR Hugepages Total(page)", chip["hugepages_total"]),
        kv("DDR Hugepages Usage Rate(%)", _pct(chip["hugepages_used"], chip["hugepages_total"])),
        kv("HBM Capacity(MB)", chip["hbm_total"]),
        kv("HBM Usage Rate(%)", _pct(chip["hbm_used"], chip["hbm_total"])),
        kv("Aicore Usage Rate(%)", chip["aicore"]),
    ]
    # Aivector, NPU Utilization and Aicube arrived during 24.1: from its final release on, here
    newer = catalog.version_key(tool_version) >= catalog.version_key("24.1.0")
    if newer:
        lines.append(kv("Aivector Usage Rate(%)", chip["aicore"]))
    lines += [
        kv("Aicpu Usage Rate(%)", 0),
        kv("Ctrlcpu Usage Rate(%)", chip["ctrlcpu"]),
        kv("DDR Bandwidth Usage Rate(%)", 0),
        kv("HBM Bandwidth Usage Rate(%)", 0),
    ]
    if newer:
        lines += [kv("NPU Utilization(%)", chip["aicore"]), kv("Aicube Usage Rate(%)", chip["aicore"])]
    return lines


def render_usages(card: dict, layout: str, tool_version: str, chip_id=None) -> str:
    """`npu-smi info -t usages -i N [-c C]`; with -c only the chip's fields are printed."""
    if chip_id is not None:
        chip = next(c for c in card["chips"] if c["chip_id"] == chip_id)
        return _block(usages_lines(chip, layout, tool_version))
    return _card_blocks(card, None, lambda c: usages_lines(c, layout, tool_version))


def render_health(card: dict, chip_id=None) -> str:
    """`npu-smi info -t health -i N [-c C]`: card level lists Health per chip then the MCU; chip level
    prints the diagnosis block with the error codes."""
    if chip_id is not None:
        chip = next(c for c in card["chips"] if c["chip_id"] == chip_id)
        codes = chip.get("error_codes") or []
        return _block([
            kv("Health Status", chip["health"]),
            kv("Error Code", " ".join("%04X" % c for c in codes) if codes else "NA"),
            kv("Error Information", chip.get("error_info") or "NA"),
        ])
    return _card_blocks(card, None, lambda c: [kv("Health", c["health"])],
                        [kv("Health", "OK"), kv("Chip Name", "MCU")])


def memory_lines(chip: dict, layout: str) -> list:
    if layout == "310p":
        return [
            kv("Total DDR Capacity(MB)", chip["ddr_physical_mb"]),
            kv("DDR Capacity(MB)", chip["mem_total"]),
            kv("DDR Clock Speed(MHz)", 451),
        ]
    return [
        kv("DDR Capacity(MB)", chip["mem_total"]),
        kv("DDR Clock Speed(MHz)", 0),
        kv("HBM Capacity(MB)", chip["hbm_total"]),
        kv("HBM Clock Speed(MHz)", 1600),
        kv("HBM Temperature(C)", chip["temp"] + 3),
        kv("HBM Manufacturer ID", "0x57"),
    ]


def render_memory(card: dict, layout: str, chip_id=None) -> str:
    if chip_id is not None:
        chip = next(c for c in card["chips"] if c["chip_id"] == chip_id)
        return _block(memory_lines(chip, layout))
    return _card_blocks(card, None, lambda c: memory_lines(c, layout))


def render_temp(card: dict, chip_id=None) -> str:
    if chip_id is not None:
        chip = next(c for c in card["chips"] if c["chip_id"] == chip_id)
        return _block([kv("NPU Temperature (C)", chip["temp"])])
    mcu = [kv("LM75A_TE (C)", card["board_temp"]), kv("LM75B_TE (C)", card["board_temp"]), kv("Chip Name", "MCU")]
    return _card_blocks(card, None, lambda c: [kv("NPU Temperature (C)", c["temp"])], mcu)


def render_power(card: dict, chip_id=None) -> str:
    def line(chip):
        return [kv("NPU Real-time Power(W)", _power(chip["power"], ""))]

    if chip_id is not None:
        chip = next(c for c in card["chips"] if c["chip_id"] == chip_id)
        return _block(line(chip))
    return _card_blocks(card, None, line)


def render_spod(chip: dict) -> str:
    """`npu-smi info -t spod-info -i N -c C` (A3 only)."""
    return _block([
        kv("SDID", chip["sdid"]),
        kv("Super Pod Size", chip["super_pod_size"]),
        kv("Super Pod ID", chip["super_pod_id"]),
        kv("Server Index", chip["server_index"]),
    ])
