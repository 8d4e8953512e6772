# -*- coding: utf-8 -*-
# Copyright: ascendops.llm contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
# SPDX-License-Identifier: Apache-2.0
"""Ascend cards from PCI IDs, readable before any driver exists. PRIVATE to the collection.

The chip family follows the PCI device ID (it is what package names and op kernels follow); the product follows
the subsystem IDs (ascend-deployer's table, prior-art.md section 1.3). An unknown product of a known family is
normal (800T A2, 300I A2, ...).
"""

from __future__ import annotations

HUAWEI = 0x19E5
ACCELERATOR_CLASS = 0x12  # PCI base class "processing accelerators"

# PCI device ID -> chip family
FAMILIES = {0xD100: "310", 0xD500: "310p", 0xD801: "910", 0xD802: "910b", 0xD803: "910_93", 0xD806: "950"}

# (device, subsystem vendor, subsystem device) -> product
PRODUCTS = {
    (0xD500, 0x0200, 0x0110): "atlas-300i-duo",
    (0xD500, 0x0200, 0x0100): "atlas-300i-pro",
    (0xD802, 0x19E5, 0x3002): "atlas-800i-a2",
    (0xD802, 0x19E5, 0x3004): "atlas-800i-a2",
    (0xD802, 0x19E5, 0x3005): "atlas-800i-a2",
    (0xD803, 0x19E5, 0x3003): "atlas-800i-a3",
    (0xD803, 0x19E5, 0x0100): "atlas-800i-a3",
}

# Families whose chips cannot compute in bfloat16 (MindIE/ATB `support_bf16`: 910A and 310P SoCs).
NO_BF16 = ("310", "310p", "910")


def _hex(value) -> int:
    return int(str(value).strip(), 16)


def parse_lspci_vmm(text: str) -> list:
    """`lspci -Dvmmn [-d 19e5:]`: records of `Key:\\tvalue` lines separated by blank lines.
    Returns dicts with slot, class, vendor, device, subsystem_vendor, subsystem_device (integers)."""
    out = []
    for record in text.strip().split("\n\n"):
        fields = {}
        for line in record.splitlines():
            if ":" in line:
                key, value = line.split(":", 1)
                fields[key.strip()] = value.strip()
        if not fields:
            continue
        if "Slot" not in fields or "Device" not in fields:
            raise ValueError("not `lspci -vmmn` output: %s" % record.splitlines()[0][:100])
        out.append({
            "slot": fields["Slot"].lower(),
            "class": _hex(fields.get("Class", "0")),
            "vendor": _hex(fields.get("Vendor", "0")),
            "device": _hex(fields["Device"]),
            "subsystem_vendor": _hex(fields["SVendor"]) if "SVendor" in fields else None,
            "subsystem_device": _hex(fields["SDevice"]) if "SDevice" in fields else None,
        })
    return out


def from_sysfs(entries: dict) -> list:
    """{slot: {"class": "0x120000", "vendor": "0x19e5", ...}} as read from /sys/bus/pci/devices/*/."""
    out = []
    for slot, files in sorted(entries.items()):
        try:
            out.append({
                "slot": slot.lower(),
                "class": _hex(files["class"]) >> 8,
                "vendor": _hex(files["vendor"]),
                "device": _hex(files["device"]),
                "subsystem_vendor": _hex(files["subsystem_vendor"]) if files.get("subsystem_vendor") else None,
                "subsystem_device": _hex(files["subsystem_device"]) if files.get("subsystem_device") else None,
            })
        except (KeyError, ValueError):
            continue  # a function without readable IDs is not one of ours
    return out


def ascend_functions(devices: list) -> list:
    """The Huawei accelerator functions among PCI devices."""
    return [d for d in devices if d["vendor"] == HUAWEI and (d["class"] >> 8) == ACCELERATOR_CLASS
            and d["device"] in FAMILIES]


def classify(devices: list) -> dict:
    """Family, product and card count of a host's Ascend cards (None values when there are none)."""
    cards = ascend_functions(devices)
    if not cards:
        return {"present": False, "chip_family": None, "product": None, "card_count": 0, "pci": []}
    first = cards[0]
    family = FAMILIES[first["device"]]
    products = {PRODUCTS.get((d["device"], d["subsystem_vendor"], d["subsystem_device"]), "unknown") for d in cards}
    return {
        "present": True,
        "chip_family": family,
        "product": products.pop() if len(products) == 1 else "unknown",
        "card_count": len(cards),
        "pci": [{"slot": d["slot"], "device": "%04x" % d["device"],
                 "subsystem": "%04x:%04x" % (d["subsystem_vendor"] or 0, d["subsystem_device"] or 0)}
                for d in cards],
    }


def bf16_supported(family) -> bool:
    return family is not None and family not in NO_BF16
