# -*- coding: utf-8 -*-
# Copyright: ascendops.llm contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
# SPDX-License-Identifier: Apache-2.0
"""How `npu_info` turns npu-smi output, version files and PCI IDs into `ansible_facts['npu']`.
PRIVATE to the collection.

`gather` takes a `run(*args) -> (rc, text)` callable for npu-smi, so it is tested with recorded outputs; the module
only supplies the host side.

npu-smi calls: `info`, `info -m` and one board query for the loaded firmware, always; that board query is the
chip-level one (`-t board -i N -c C`) where the SoC name needs the board's `NPU Name` (A3), the card-level one
(`-t board -i N`, which also has the driver/firmware `Compatibility`) elsewhere. Then `-t health -i N -c C` for
each chip that is not healthy, and what `details` asks for (DETAILS).
"""

from __future__ import annotations

from ansible_collections.ascendops.llm.plugins.module_utils import _chips, _npu_smi, _pci, _versions

HEALTHY = "OK"
# Opt-in queries: a card-level board per card, usages per card, health per chip, spod-info per die (super pods).
DETAILS = ("board", "usages", "health", "spod")


class _Failed(Exception):
    """npu-smi answered with a non-zero exit code."""

    def __init__(self, rc, output):
        super().__init__(output)
        self.rc, self.output = rc, output.strip()


def _query(run, *args) -> str:
    rc, text = run(*args)
    if rc != 0:
        raise _Failed(rc, text)
    return text


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
        "bf16_supported": _chips.bf16_supported(pci["chip_family"]),
        "npu_smi_version": None,
        "card_count": pci["card_count"],
        "chip_count": None,
        "driver": {"loaded": None, "installed": driver},
        "firmware": {"loaded": None, "installed": firmware},
        "compatibility": None,
        "healthy": False,
        "npu_smi_error": None,
        "pci": pci["pci"],
        "cards": [],
        "chips": [],
        "processes": [],
    }


def absent_facts(installed: dict) -> dict:
    return _base(_pci.classify([]), installed)


def _chip(row: dict, mapping: dict, device_nodes: set) -> dict:
    mapped = mapping.get((row["npu_id"], row["chip_id"]))
    if mapped is None:
        raise _npu_smi.NpuSmiParseError("npu-smi info -m does not list NPU %s chip %s" % (row["npu_id"],
                                                                                          row["chip_id"]))
    chip = dict(row)
    chip["logic_id"] = mapped["logic_id"]
    # A3 prints the physical id (table and -m); on a whole host of any other product it is the logic id.
    chip["phy_id"] = next(v for v in (row["phy_id"], mapped["phy_id"], mapped["logic_id"]) if v is not None)
    node = "davinci%d" % chip["phy_id"]
    chip.update(device="/dev/" + node if node in device_nodes else None, error_codes=[], error_info=None,
                usages=None, super_device_id=None, super_pod_id=None, server_index=None)
    return chip


def _board(run, npu_id, chip_id=None) -> dict:
    args = ("info", "-t", "board", "-i", str(npu_id)) + (("-c", str(chip_id)) if chip_id is not None else ())
    return _npu_smi.parse_board(_query(run, *args))


def _card(npu_id, board: dict) -> dict:
    return {
        "npu_id": npu_id,
        "chip_count": int(board.get("Chip Count", 0)) or None,
        "software": board.get("Software Version"),
        "firmware": board.get("Firmware Version"),
        "compatibility": board.get("Compatibility"),
        "serial": board.get("Serial Number"),
        "product_name": board.get("Product Name"),
        "board_id": board.get("Board ID"),
    }


def _from_npu_smi(run, family, device_nodes: set, details) -> dict:
    table = _npu_smi.parse_info(_query(run, "info"))
    mapping = {(m["npu_id"], m["chip_id"]): m for m in _npu_smi.parse_mapping(_query(run, "info", "-m"))}
    family = family or _chips.family_of_name(table["chips"][0]["name"])
    chips = [_chip(row, mapping, device_nodes) for row in table["chips"]]
    card_ids = []
    for chip in chips:
        if chip["npu_id"] not in card_ids:
            card_ids.append(chip["npu_id"])
    first = chips[0]

    boards = {npu_id: _board(run, npu_id) for npu_id in card_ids} if "board" in details else {}
    # One board answers for the versions: the chip-level one where only it names the SoC (A3), else the first card's
    # (which also has Compatibility), read once whether or not every card's board was asked for.
    if _chips.soc_needs_board(family):
        versions = _board(run, first["npu_id"], first["chip_id"])
    else:
        versions = boards.get(first["npu_id"]) or _board(run, first["npu_id"])
        boards.setdefault(first["npu_id"], versions)
    compatibility = boards[first["npu_id"]].get("Compatibility") if first["npu_id"] in boards else None

    if "usages" in details:
        for npu_id in card_ids:
            rc, text = run("info", "-t", "usages", "-i", str(npu_id))
            usages = _npu_smi.parse_chip_blocks(text) if rc == 0 else {}
            for chip in chips:
                if chip["npu_id"] == npu_id:
                    chip["usages"] = usages.get(chip["chip_id"])
    for chip in chips:
        # Error codes are what an operator needs about an unhealthy chip, so those are always read.
        if "health" in details or chip["health"] != HEALTHY:
            rc, text = run("info", "-t", "health", "-i", str(chip["npu_id"]), "-c", str(chip["chip_id"]))
            if rc == 0:
                diag = _npu_smi.parse_health_chip(text)
                chip.update(error_codes=diag["error_codes"], error_info=diag["error_info"])
    if "spod" in details and _chips.get(family, "super_pod"):
        for chip in chips:
            spod = _npu_smi.parse_spod(_query(run, "info", "-t", "spod-info", "-i", str(chip["npu_id"]),
                                              "-c", str(chip["chip_id"])))
            chip.update(super_device_id=spod["super_device_id"], super_pod_id=spod["super_pod_id"],
                        server_index=spod["server_index"])

    return {
        "present": True,
        "source": "npu-smi",
        "chip_family": family,
        "soc": _chips.soc(family, first["name"], versions.get("NPU Name")),
        "bf16_supported": _chips.bf16_supported(family),
        "npu_smi_version": table["version"],
        "card_count": len(card_ids),
        "chip_count": len(chips),
        "driver_loaded": table["software_version"],
        "firmware_loaded": versions.get("Firmware Version"),
        "compatibility": compatibility,
        "healthy": all(chip["health"] == HEALTHY for chip in chips),
        "cards": [_card(npu_id, boards[npu_id]) for npu_id in card_ids if "board" in details],
        "chips": chips,
        "processes": table["processes"],
    }


def gather(run, pci: dict, installed: dict, device_nodes: set, details=()) -> dict:
    """Compose the facts. `run` is None when npu-smi is not installed; `details` is a subset of DETAILS. When npu-smi
    fails (a non-zero exit), the facts stay those of PCI and the version files, with the failure in `npu_smi_error`.
    Output npu-smi should not print raises `_npu_smi.NpuSmiParseError`."""
    facts = _base(pci, installed)
    if run is None:
        return facts
    try:
        found = _from_npu_smi(run, facts["chip_family"], device_nodes, set(details))
    except _Failed as exc:
        facts["npu_smi_error"] = {"rc": exc.rc, "output": exc.output}
        return facts
    facts["driver"]["loaded"] = found.pop("driver_loaded")
    facts["firmware"]["loaded"] = found.pop("firmware_loaded")
    facts.update(found)
    return facts
