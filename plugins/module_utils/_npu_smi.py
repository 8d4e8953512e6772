# -*- coding: utf-8 -*-
# Copyright: ascendops.llm contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
# SPDX-License-Identifier: Apache-2.0
"""Parsers for `npu-smi` output. This module util is PRIVATE to the collection: it may change at any time.

Pure functions over text. The table parser reads cells between `|` separators rather than fixed columns, because
real values overflow their fields (`41052/ 65536`) and widths differ between products (98 or 106 columns, and a
99-column build variant). Formats: ascend-tech-reference.md section 1.
"""

from __future__ import annotations

import re

_BANNER = re.compile(r"^\|\s*npu-smi\s+(\S+)\s+Version:\s*(\S+)\s*\|\s*$")
_BUS_ID = re.compile(r"^[0-9A-Fa-f]{4}:[0-9A-Fa-f]{2}:[0-9A-Fa-f]{2}\.[0-9A-Fa-f]+$")
_NO_PROCESS = re.compile(r"^No running processes found in NPU\s+(\d+)\s*$")


class NpuSmiParseError(ValueError):
    """The text is not the npu-smi output the parser expected."""


def _excerpt(text: str) -> str:
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return (lines[0][:120] if lines else "(empty output)")


def _cells(line: str) -> list:
    """`| a | b | c |` -> ['a', 'b', 'c'] (stripped, inner empties kept)."""
    return [cell.strip() for cell in line.strip().strip("|").split("|")]


def _numbers(cell: str) -> list:
    """'0    / 0          41052/ 65536' -> ['0', '0', '41052', '65536']."""
    return cell.replace("/", " ").split()


def _int(token: str, what: str, line: str):
    try:
        return int(token)
    except (TypeError, ValueError):
        raise NpuSmiParseError("unexpected %s %r in npu-smi line: %s" % (what, token, line.strip()))


def _power(token: str, line: str):
    if token in ("NA", "-", "N/A"):
        return None
    try:
        return float(token)
    except ValueError:
        raise NpuSmiParseError("unexpected power value %r in npu-smi line: %s" % (token, line.strip()))


def _chip_row1(cells: list, line: str) -> dict:
    ids = cells[0].split(None, 1)
    numbers = _numbers(cells[2])
    if len(ids) != 2 or len(numbers) != 4:
        raise NpuSmiParseError("unexpected npu-smi table row: %s" % line)
    return {
        "npu_id": _int(ids[0], "NPU id", line),
        "name": ids[1],
        "health": cells[1],
        "power_w": _power(numbers[0], line),
        "temp_c": _int(numbers[1], "temperature", line),
        "hugepages_used": _int(numbers[2], "hugepages", line),
        "hugepages_total": _int(numbers[3], "hugepages", line),
    }


def _chip_row2(cells: list, line: str, second_id) -> dict:
    ids = cells[0].split()
    numbers = _numbers(cells[2])
    bus_id = _bus_id(cells[1])
    if bus_id is False or len(ids) != (2 if second_id else 1) or len(numbers) not in (3, 5):
        raise NpuSmiParseError("unexpected npu-smi chip row (chip, Bus-Id, usage): %s" % line)
    second = _int(ids[1], second_id.replace("_", " "), line) if second_id else None
    return {
        "chip_id": _int(ids[0], "chip id", line),
        "phy_id": second if second_id == "phy_id" else None,
        "logic_id": second if second_id == "logic_id" else None,
        "bus_id": bus_id,
        "aicore_pct": _int(numbers[0], "AICore", line),
        "memory_used_mb": _int(numbers[1], "memory", line),
        "memory_total_mb": _int(numbers[2], "memory", line),
        "hbm_used_mb": _int(numbers[3], "HBM", line) if len(numbers) == 5 else None,
        "hbm_total_mb": _int(numbers[4], "HBM", line) if len(numbers) == 5 else None,
    }


def _bus_id(cell: str):
    """The PCI address in upper case, None for `NA` (edge boards print no Bus-Id), False for anything else."""
    if cell == "NA":
        return None
    return cell.upper() if _BUS_ID.match(cell) else False


def parse_info(text: str) -> dict:
    """Parse `npu-smi info`.

    Returns {"version", "software_version", "chips", "processes"}. Each chip: npu_id, chip_id, phy_id (the A3
    Phy-ID column, else None), logic_id (the 310P Device column, else None), name, health, bus_id (None for `NA`,
    printed by edge boards), power_w (None for NA or '-'), temp_c, aicore_pct, hbm_used_mb, hbm_total_mb (None on
    DDR-only products), memory_used_mb, memory_total_mb, hugepages_used, hugepages_total. Each process: npu_id,
    chip_id, pid, name ('' when blank), memory_mb.
    """
    lines = [line.rstrip("\r\n") for line in text.replace("\t", " ").splitlines()]
    banner = next((_BANNER.match(line.strip()) for line in lines if _BANNER.match(line.strip())), None)
    if banner is None:
        raise NpuSmiParseError("not the output of `npu-smi info` (no 'npu-smi <version> Version: <version>' "
                               "banner); it starts with: %s" % _excerpt(text))
    chips, processes = [], []
    section = None
    pending = None  # row 1 of a chip, waiting for its row 2
    second_id = None
    for line in lines:
        stripped = line.strip()
        if not stripped.startswith("|"):
            continue
        cells = _cells(stripped)
        head = " ".join(cells)
        if head.startswith("NPU") and "Name" in head and "Health" in head:
            section = "chips"
            continue
        if head.startswith("NPU") and "Process id" in head:
            section = "processes"
            continue
        if section == "chips" and head.startswith("Chip"):
            # Row 2's second id: A3 prints the Phy-ID, 310P the Device (logic) ID, 910B nothing.
            second_id = "phy_id" if "Phy-ID" in cells[0] else "logic_id" if "Device" in cells[0] else None
            continue
        if section is None or _BANNER.match(stripped):
            continue
        if section == "chips":
            if len(cells) < 3:
                raise NpuSmiParseError("unexpected npu-smi table row: %s" % stripped)
            # Each chip takes two rows: NPU/name/health/power, then chip/bus/usage.
            if pending is None:
                pending = _chip_row1(cells, stripped)
            else:
                pending.update(_chip_row2(cells, stripped, second_id))
                chips.append(pending)
                pending = None
        else:
            if len(cells) == 1 and _NO_PROCESS.match(cells[0]):
                continue
            if len(cells) < 4:
                raise NpuSmiParseError("unexpected npu-smi process row: %s" % stripped)
            ids = cells[0].split()
            processes.append({
                "npu_id": _int(ids[0], "NPU id", stripped),
                "chip_id": _int(ids[1] if len(ids) > 1 else None, "chip id", stripped),
                "pid": _int(cells[1], "pid", stripped),
                "name": cells[2],
                "memory_mb": _int(cells[3], "process memory", stripped),
            })
    if pending is not None:
        raise NpuSmiParseError("the npu-smi table ends inside the row of NPU %s" % pending["npu_id"])
    if not chips:
        raise NpuSmiParseError("no chips in the npu-smi table; it starts with: %s" % _excerpt(text))
    return {"version": banner.group(1), "software_version": banner.group(2), "chips": chips,
            "processes": processes}


def parse_mapping(text: str) -> list:
    """Parse `npu-smi info -m`: one dict per die (npu_id, chip_id, logic_id, phy_id or None, name); MCUs skipped."""
    rows = [line.strip() for line in text.splitlines() if line.strip()]
    if rows == ["There is no NPU card on this server."]:
        return []
    if not rows or not rows[0].startswith("NPU ID") or "Chip Logic ID" not in rows[0]:
        raise NpuSmiParseError("not the output of `npu-smi info -m` (no 'NPU ID ... Chip Logic ID' header); "
                               "it starts with: %s" % _excerpt(text))
    has_phy = "Chip Phy-ID" in rows[0]
    out = []
    for row in rows[1:]:
        tokens = row.split()
        if len(tokens) < (5 if has_phy else 4):
            raise NpuSmiParseError("unexpected npu-smi -m row: %s" % row)
        if not tokens[2].isdigit():  # the MCU: logic id '-'
            continue
        out.append({
            "npu_id": _int(tokens[0], "NPU id", row),
            "chip_id": _int(tokens[1], "chip id", row),
            "logic_id": int(tokens[2]),
            "phy_id": _int(tokens[3], "physical id", row) if has_phy else None,
            "name": " ".join(tokens[4 if has_phy else 3:]),
        })
    return out


def parse_blocks(text: str) -> list:
    """Key/value outputs (`-l`, `-t board|usages|health|memory|temp|power|spod-info`): TAB + `key : value` lines,
    blocks separated by blank lines. Returns a list of dicts, one per block, keys as printed."""
    blocks, current = [], {}
    for line in text.splitlines():
        if not line.strip():
            if current:
                blocks.append(current)
                current = {}
            continue
        if ":" not in line:
            raise NpuSmiParseError("not npu-smi key/value output: %s" % line.strip())
        key, value = line.split(":", 1)
        current[key.strip()] = value.strip()
    if current:
        blocks.append(current)
    if not blocks:
        raise NpuSmiParseError("empty npu-smi key/value output")
    return blocks


def _fields(text: str, required: tuple) -> dict:
    """All key/value lines of an output as one dict, refusing outputs that lack a required key."""
    merged = {}
    for block in parse_blocks(text):
        merged.update(block)
    missing = [key for key in required if key not in merged]
    if missing:
        raise NpuSmiParseError("npu-smi output lacks %s: %s" % (", ".join(missing), _excerpt(text)))
    return merged


def parse_board(text: str) -> dict:
    """`npu-smi info -t board -i N [-c C]`: the fields, as printed."""
    return _fields(text, ("NPU ID",))


def parse_spod(text: str) -> dict:
    """`npu-smi info -t spod-info -i N -c C` (A3): SDID, super pod size and id, server index, as integers."""
    block = _fields(text, ("SDID", "Super Pod ID", "Server Index"))
    return {
        "super_device_id": int(block["SDID"]),
        "super_pod_size": int(block["Super Pod Size"]) if "Super Pod Size" in block else None,
        "super_pod_id": int(block["Super Pod ID"]),
        "server_index": int(block["Server Index"]),
    }


def parse_chip_blocks(text: str) -> dict:
    """Card-level `-t usages|health|memory|temp|power` output: per chip, its fields (the `Chip ID` line closes each
    chip block; the MCU block, closed by `Chip Name`, is skipped). Returns {chip_id: {field: value}}."""
    chips = {}
    for block in parse_blocks(text):
        if "Chip ID" in block and "NPU ID" not in block:
            chip_id = _int(block.pop("Chip ID"), "chip id", text)
            chips[chip_id] = block
    return chips


def parse_health_chip(text: str) -> dict:
    """`npu-smi info -t health -i N -c C`: health and the error codes as a list of hex strings."""
    block = _fields(text, ("Health Status",))
    codes = block.get("Error Code", "NA")
    return {
        "health": block["Health Status"],
        "error_codes": [] if codes in ("NA", "") else codes.split(),
        "error_info": None if block.get("Error Information", "NA") == "NA" else block["Error Information"],
    }
