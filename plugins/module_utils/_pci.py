# -*- coding: utf-8 -*-
# Copyright: ascendops.llm contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
# SPDX-License-Identifier: Apache-2.0
"""Ascend cards from PCI IDs, readable before any driver exists. PRIVATE to the collection.

The chip family follows the PCI device ID and the product the subsystem IDs, both from the chip table in `_chips`.
An unknown product of a known family is normal (800T A2, 300I A2, ...).
"""

from __future__ import annotations

from ansible_collections.ascendops.llm.plugins.module_utils import _chips

HUAWEI = 0x19E5
ACCELERATOR_CLASS = 0x12  # PCI base class "processing accelerators"


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
            and _chips.family_of_device(d["device"]) is not None]


def classify(devices: list) -> dict:
    """Family, product and card count of a host's Ascend cards (None values when there are none)."""
    cards = ascend_functions(devices)
    if not cards:
        return {"present": False, "chip_family": None, "product": None, "card_count": 0, "pci": []}
    first = cards[0]
    family = _chips.family_of_device(first["device"])
    products = {_chips.product(_chips.family_of_device(d["device"]), d["subsystem_vendor"], d["subsystem_device"])
                for d in cards}
    return {
        "present": True,
        "chip_family": family,
        "product": products.pop() if len(products) == 1 else "unknown",
        "card_count": len(cards),
        "pci": [{"slot": d["slot"], "device": "%04x" % d["device"],
                 "subsystem": "%04x:%04x" % (d["subsystem_vendor"] or 0, d["subsystem_device"] or 0)}
                for d in cards],
    }
