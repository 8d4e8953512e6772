# -*- coding: utf-8 -*-
# Copyright: ascendops.llm contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
# SPDX-License-Identifier: Apache-2.0
"""Ascend chip families: the one table of what the collection knows per family. PRIVATE to the collection.

The family follows the PCI device ID; it is what package names, op kernels and bf16 support follow. Sources:
ascend-tech-reference.md sections 1.6 (PCI IDs), 4.1 (package names), 7.1 (bf16, SoC names) and prior-art.md
section 1.3 (products by subsystem IDs). A field nobody has confirmed for a family is None.

Row fields:

- `pci_device`: the PCI device ID (lowercase hex, as lspci and the `pci` facts print it).
- `products`: `"<subsystem vendor>:<subsystem device>"` -> product; other subsystem IDs are `unknown` products.
- `name_pattern`: full-match pattern of the chip names npu-smi prints (`910B4`, `Ascend 910B3` in `-m`, `Ascend910`
  on A3) and of the SoC names CANN uses (`Ascend910B4`, `Ascend910_9392`).
- `soc_format`: how the SoC name is formed - `{name}` is the chip name of the `npu-smi info` table, `{npu_name}`
  the `NPU Name` of the chip-level `npu-smi info -t board -i N -c C` (A3 tables print only `Ascend910`).
- `bf16`: whether the chips compute in bfloat16 (MindIE/ATB `support_bf16`; not 910A, not 310P).
- `hdk_prefix`: the driver and firmware package names' prefix (`<prefix>-npu-driver_...`).
- `kernels_package`: the op kernels package's name before CANN 8.5 (`<name>_<version>_linux-<arch>.run`);
  `ops_tag`: from CANN 8.5 the package is `Ascend-cann-<ops_tag>-ops`.
- `kernel_dir`: the op kernel directory the kernels package installs (`opp/.../kernel/<dir>`).
- `roce`: whether the chips have RoCE ports (hccn_tool); 310P cards have none.
- `super_pod`: Atlas A3 super pod dies (`npu-smi info -t spod-info`, rank table 1.2).
- `supported`: whether the collection's roles install and serve this family.
"""

from __future__ import annotations

import re

CHIPS = {
    "310": {
        "pci_device": "d100", "products": {}, "name_pattern": r"(?:Ascend ?)?310", "soc_format": "Ascend{name}",
        "bf16": False, "hdk_prefix": None, "kernels_package": None, "ops_tag": None, "kernel_dir": None,
        "roce": False, "super_pod": False, "supported": False,
    },
    "310p": {
        "pci_device": "d500", "products": {"0200:0110": "atlas-300i-duo", "0200:0100": "atlas-300i-pro"},
        "name_pattern": r"(?:Ascend ?)?310P\d", "soc_format": "Ascend{name}",
        "bf16": False, "hdk_prefix": "Ascend-hdk-310p", "kernels_package": "Ascend-cann-kernels-310p",
        "ops_tag": "310p", "kernel_dir": "ascend310p", "roce": False, "super_pod": False, "supported": True,
    },
    "910": {
        "pci_device": "d801", "products": {}, "name_pattern": r"(?:Ascend ?)?910(?:A|B|ProA|ProB|PremiumA)",
        "soc_format": "Ascend{name}",
        "bf16": False, "hdk_prefix": None, "kernels_package": None, "ops_tag": None, "kernel_dir": None,
        "roce": True, "super_pod": False, "supported": False,
    },
    "910b": {
        "pci_device": "d802",
        "products": {"19e5:3002": "atlas-800i-a2", "19e5:3004": "atlas-800i-a2", "19e5:3005": "atlas-800i-a2"},
        "name_pattern": r"(?:Ascend ?)?910B[1-4](?:C|-1)?", "soc_format": "Ascend{name}",
        "bf16": True, "hdk_prefix": "Ascend-hdk-910b", "kernels_package": "Ascend-cann-kernels-910b",
        "ops_tag": "910b", "kernel_dir": "ascend910b", "roce": True, "super_pod": False, "supported": True,
    },
    "910_93": {
        "pci_device": "d803", "products": {"19e5:3003": "atlas-800i-a3", "19e5:0100": "atlas-800i-a3"},
        "name_pattern": r"Ascend910(?:_93[6-9][12])?", "soc_format": "Ascend910_{npu_name}",
        "bf16": True, "hdk_prefix": "Atlas-A3-hdk", "kernels_package": "Atlas-A3-cann-kernels",
        "ops_tag": "A3", "kernel_dir": "ascend910_93", "roce": True, "super_pod": True, "supported": True,
    },
    "950": {
        "pci_device": "d806", "products": {}, "name_pattern": r"Ascend910_95\d\d", "soc_format": None,
        "bf16": True, "hdk_prefix": None, "kernels_package": None, "ops_tag": None, "kernel_dir": None,
        "roce": True, "super_pod": False, "supported": False,
    },
}

FAMILIES = tuple(CHIPS)
_BY_DEVICE = {int(row["pci_device"], 16): family for family, row in CHIPS.items()}


def row(family) -> dict:
    """A copy of the family's row with its `family`; ValueError naming the family and the known ones."""
    if not isinstance(family, str) or family not in CHIPS:
        raise ValueError("unknown chip family %r (known: %s)" % (family, ", ".join(FAMILIES)))
    out = dict(CHIPS[family], family=family)
    out["products"] = dict(out["products"])
    return out


def get(family, field: str):
    """One field of a family's row; None for an unknown family (or None)."""
    return CHIPS[family][field] if isinstance(family, str) and family in CHIPS else None


def supported(family) -> bool:
    """Whether the roles install and serve this family (False for None and unknown families)."""
    return bool(get(family, "supported"))


def bf16_supported(family) -> bool:
    return bool(get(family, "bf16"))


def family_of_device(device: int):
    """The family of a PCI device ID, or None for a device that is no Ascend NPU."""
    return _BY_DEVICE.get(device)


def product(family, subsystem_vendor, subsystem_device) -> str:
    """The product of a card from its subsystem IDs; `unknown` is normal (800T A2, 300I A2 ...)."""
    key = "%04x:%04x" % (subsystem_vendor or 0, subsystem_device or 0)
    return (get(family, "products") or {}).get(key, "unknown")


def family_of_name(name):
    """The family of a chip or SoC name as npu-smi or CANN print it, or None (the caller falls back to PCI)."""
    name = (name or "").strip()
    return next((family for family, r in CHIPS.items() if re.fullmatch(r["name_pattern"], name)), None)


def soc(family, name, npu_name=None):
    """The SoC name CANN and MindIE use, from the `npu-smi info` chip name and (A3) the board's `NPU Name`;
    None when the family is unknown or the part it needs was not read."""
    fmt = get(family, "soc_format")
    if not fmt or ("{npu_name}" in fmt and not npu_name) or ("{name}" in fmt and not name):
        return None
    return fmt.format(name=name, npu_name=npu_name)


def soc_needs_board(family) -> bool:
    """Whether the SoC name needs the chip-level board query (the table does not print it)."""
    return "{npu_name}" in (get(family, "soc_format") or "")
