# -*- coding: utf-8 -*-
# Copyright: ascendops.llm contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
# SPDX-License-Identifier: Apache-2.0
"""How `npu_info` turns npu-smi output, version files and PCI IDs into `ansible_facts['npu']`.
PRIVATE to the collection.

`gather` takes a `run(*args) -> (rc, text)` callable for npu-smi, so it is tested with recorded outputs; the module
only supplies the host side.
"""

from __future__ import annotations

from ansible_collections.ascendops.llm.plugins.module_utils import _npu_smi, _pci, _versions

HEALTHY = "OK"


def _installed(installed: dict) -> tuple:
    driver = _versions.driver_release(_versions.parse_key_value(installed["driver"])) if installed.get("driver") \
        else None
    firmware = _versions.firmware_release(_versions.parse_key_value(installed["firmware"])) \
        if installed.get("firmware") else None
    return driver, firmware


def _base(pci: dict, installed: dict) -> dict:
    driver, firmware = _installed(installed)
    return {
        "present": pci["present"],
        "source": "pci",
        "chip_family": pci["chip_family"],
        "product": pci["product"],
        "soc": None,
        "bf16_supported": _pci.bf16_supported(pci["chip_family"]),
        "npu_smi_version": None,
        "card_count": pci["card_count"],
        "chip_count": None,
        "driver": {"loaded": None, "installed": driver},
        "firmware": {"loaded": None, "installed": firmware},
        "healthy": False,
        "npu_smi_error": None,
        "pci": pci["pci"],
        "cards": [],
        "chips": [],
        "processes": [],
    }


def absent_facts(installed: dict) -> dict:
    return _base(_pci.classify([]), installed)


def _family_from_table(table: dict):
    """When PCI shows nothing (npu-smi inside a container), the table still tells the family."""
    name = table["chips"][0]["name"].upper()
    if any(chip["phy_id"] is not None for chip in table["chips"]) and name.startswith("ASCEND910"):
        return "910_93"
    if name.startswith("910B"):
        return "910b"
    if name.startswith("310P"):
        return "310p"
    if name.startswith("310"):
        return "310"
    if name.startswith("910"):
        return "910"
    return None


def _soc(family, chips: list, npu_name):
    if family == "910_93":
        return "Ascend910_%s" % npu_name if npu_name else None
    return "Ascend" + chips[0]["name"] if chips else None


def gather(run, pci: dict, installed: dict, device_nodes: set, details: list) -> dict:
    """Compose the facts. `run` is None when npu-smi is not installed."""
    facts = _base(pci, installed)
    if run is None:
        return facts
    rc, text = run("info")
    if rc != 0:
        facts["npu_smi_error"] = {"rc": rc, "output": text.strip()}
        return facts
    table = _npu_smi.parse_info(text)
    rc, text = run("info", "-m")
    if rc != 0:
        facts["npu_smi_error"] = {"rc": rc, "output": text.strip()}
        return facts
    mapping = {(m["npu_id"], m["chip_id"]): m for m in _npu_smi.parse_mapping(text)}
    family = facts["chip_family"] or _family_from_table(table)
    a3 = family == "910_93"

    chips = []
    for row in table["chips"]:
        mapped = mapping.get((row["npu_id"], row["chip_id"]))
        if mapped is None:
            raise _npu_smi.NpuSmiParseError("npu-smi info -m does not list NPU %s chip %s"
                                            % (row["npu_id"], row["chip_id"]))
        chip = dict(row)
        chip["logic_id"] = mapped["logic_id"]
        # The Phy-ID column exists on A3 only; elsewhere the physical id of a whole host is the logic id.
        chip["phy_id"] = row["phy_id"] if a3 and row["phy_id"] is not None else mapped["logic_id"]
        node = "davinci%d" % chip["phy_id"]
        chip["device"] = "/dev/" + node if node in device_nodes else None
        chip.update(error_codes=[], super_device_id=None, super_pod_id=None, server_index=None)
        chips.append(chip)

    cards = []
    card_ids = []
    for chip in chips:
        if chip["npu_id"] not in card_ids:
            card_ids.append(chip["npu_id"])
    npu_name = None
    for npu_id in card_ids:
        if "board" in details:
            rc, text = run("info", "-t", "board", "-i", str(npu_id))
            if rc != 0:
                facts["npu_smi_error"] = {"rc": rc, "output": text.strip()}
                return facts
            board = _npu_smi.parse_board(text)
            cards.append({
                "npu_id": npu_id,
                "chip_count": int(board.get("Chip Count", 0)) or None,
                "software": board.get("Software Version"),
                "firmware": board.get("Firmware Version"),
                "compatibility": board.get("Compatibility"),
                "serial": board.get("Serial Number"),
                "product_name": board.get("Product Name"),
                "board_id": board.get("Board ID"),
            })
        if "usages" in details:
            rc, text = run("info", "-t", "usages", "-i", str(npu_id))
            if rc == 0:
                usages = _npu_smi.parse_chip_blocks(text)
                for chip in chips:
                    if chip["npu_id"] == npu_id and chip["chip_id"] in usages:
                        chip["usages"] = usages[chip["chip_id"]]
    for chip in chips:
        if "health" in details or chip["health"] != HEALTHY:
            rc, text = run("info", "-t", "health", "-i", str(chip["npu_id"]), "-c", str(chip["chip_id"]))
            if rc == 0:
                diag = _npu_smi.parse_health_chip(text)
                chip["error_codes"] = diag["error_codes"]
                chip["error_info"] = diag["error_info"]
        if a3:
            rc, text = run("info", "-t", "spod-info", "-i", str(chip["npu_id"]), "-c", str(chip["chip_id"]))
            if rc != 0:
                facts["npu_smi_error"] = {"rc": rc, "output": text.strip()}
                return facts
            spod = _npu_smi.parse_spod(text)
            chip.update(super_device_id=spod["super_device_id"], super_pod_id=spod["super_pod_id"],
                        server_index=spod["server_index"])
    if a3 and chips:
        rc, text = run("info", "-t", "board", "-i", str(chips[0]["npu_id"]), "-c", str(chips[0]["chip_id"]))
        if rc == 0:
            npu_name = _npu_smi.parse_board(text).get("NPU Name")

    facts.update(
        present=True,
        source="npu-smi",
        chip_family=family,
        soc=_soc(family, chips, npu_name),
        bf16_supported=_pci.bf16_supported(family),
        npu_smi_version=table["version"],
        card_count=len(card_ids),
        chip_count=len(chips),
        healthy=bool(chips) and all(chip["health"] == HEALTHY for chip in chips),
        cards=cards,
        chips=chips,
        processes=table["processes"],
    )
    facts["driver"]["loaded"] = table["software_version"]
    facts["firmware"]["loaded"] = cards[0]["firmware"] if cards else None
    return facts
