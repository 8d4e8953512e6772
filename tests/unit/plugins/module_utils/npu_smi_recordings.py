"""Recorded hosts for `_npu_info.gather`: npu-smi outputs per argument tuple from the verbatim reference samples in
tests/fixtures/reference, the version files of section 4.5 and the PCI functions, for an 800I A2 (910B3), a host of
four 300I Duo cards (310P3) and an 800I A3. Used by test__npu_info.py and tests/perf/bench_npu_info.py.

Where the reference has no sample of a query on a product, the nearest sample stands in, changed only where the
reference states the difference (each case says which).
"""

from __future__ import annotations

import pathlib
import re

from ansible_collections.ascendops.llm.plugins.module_utils import _pci

REFERENCE = pathlib.Path(__file__).resolve().parents[3] / "fixtures" / "reference"
# Section 4.5, verbatim (an 800I A2 with MindIE 2.1.RC1).
VERSION_FILES = {
    "driver": "Version=25.0.rc1.1\nascendhal_version=7.35.23\naicpu_version=1.0\ntdt_version=1.0\nlog_version=1.0\n"
              "prof_version=2.0\ndvppkernels_version=1.1\ntsfw_version=1.0\nInnerversion=V100R001C21SPC002B220\n"
              "compatible_version=[V100R001C17],[V100R001C18],[V100R001C19],[V100R001C20],[V100R001C21]\n"
              "compatible_version_fw=[7.0.0,7.7.99]\npackage_version=25.0.rc1.1\n",
    "firmware": "Version=7.7.0.1.231\nfirmware_version=1.0\npackage_version=25.0.rc1.1\n"
                "compatible_version_drv=[23.0.0,23.0.0.],[24.0,24.0.],[24.1,24.1.],[25.0,25.0.]\n",
}
# The facts each recorded host must give, and its PCI functions (one per card, at the bus of its first die in the
# `npu-smi info` sample).
PROFILES = {
    "atlas-800i-a2": {"family": "910b", "product": "atlas-800i-a2", "soc": "Ascend910B3",
                      "info": "info-910b3-25.2.0.txt", "cards": list(range(8)), "dies": 1,
                      "pci": (0xD802, 0x19E5, 0x3002), "buses": ("c1", "c2", "81", "82", "01", "02", "41", "42")},
    "atlas-300i-duo": {"family": "310p", "product": "atlas-300i-duo", "soc": "Ascend310P3",
                       "info": "info-310p3-25.3.rc1.txt", "cards": [0, 96, 32768, 32896], "dies": 2,
                       "pci": (0xD500, 0x0200, 0x0110), "buses": ("01", "03", "81", "84")},
    "atlas-800i-a3": {"family": "910_93", "product": "atlas-800i-a3", "soc": "Ascend910_9392",
                      "info": "info-a3-25.2.3.txt", "cards": list(range(8)), "dies": 2, "pci": (0xD803, 0x19E5, 0x3003),
                      "buses": ("9d", "99", "95", "91", "8d", "89", "85", "81")},
}


def sample(name: str) -> str:
    return (REFERENCE / name).read_text()


def _with(text: str, key: str, value) -> str:
    """The sample with one `key : value` line's value replaced (the sample's own padding kept)."""
    out, n = re.subn(r"(?m)^(\t%s\s*: ).*$" % re.escape(key), lambda m: m.group(1) + str(value), text)
    assert n == 1, "%s is not in the sample" % key
    return out


def _mapping(profile: str) -> str:
    if profile == "atlas-800i-a2":
        return sample("mapping-910b3.txt")
    if profile == "atlas-800i-a3":
        return sample("mapping-a3.txt")
    # The 300I Duo sample of section 1.5 lists cards 0 and 96; the table of this host also has 32768 and 32896.
    # Their rows follow the sample's format (section 1.5), with the logic ids of the table's Device column.
    text = sample("mapping-310p3.txt")
    for npu_id, logic in ((32768, 4), (32896, 6)):
        text += "\t%-30d %-30d %-30d %s %s\n" % (npu_id, 0, logic, "Ascend", "310P3")
        text += "\t%-30d %-30d %-30d %s %s\n" % (npu_id, 1, logic + 1, "Ascend", "310P3")
        text += "\t%-30d %-30d %-30s %-30s\n" % (npu_id, 2, "-", "Mcu")
    return text


def _card_board(profile: str, npu_id: int) -> str:
    if profile == "atlas-300i-duo":
        return _with(sample("board-310p-card.txt"), "NPU ID", npu_id)
    text = _with(sample("board-910b-card.txt"), "NPU ID", npu_id)
    if profile == "atlas-800i-a3":  # section 1.6: A3 cards have Chip Count 2 and PCI device 0xD803
        text = _with(_with(text, "PCI Device ID", "0xD803"), "Chip Count", 2)
    return text


def _chip_board(npu_id: int, chip_id: int) -> str:
    """Section 1.6 gives the 910B chip block; on A3 it has `Chip Name : Ascend910` and `NPU Name : 9392` (or 9382,
    9372, 9362) and no `Chip Type`."""
    text = _with(_with(sample("board-910b-chip.txt"), "NPU ID", npu_id), "Chip ID", chip_id)
    text = text.replace("\tChip Type                      : Ascend\n", "")
    return text.replace("\tChip Name                      : 910B4\n",
                        "\tChip Name                      : Ascend910\n\tNPU Name                       : 9392\n")


def outputs(profile: str) -> dict:
    """Every npu-smi query `gather` may make on the host, keyed by its arguments, with (rc, output)."""
    host = PROFILES[profile]
    out = {("info",): (0, sample(host["info"])), ("info", "-m"): (0, _mapping(profile))}
    for npu_id in host["cards"]:
        out[("info", "-t", "board", "-i", str(npu_id))] = (0, _card_board(profile, npu_id))
        if profile == "atlas-800i-a2":
            out[("info", "-t", "usages", "-i", str(npu_id))] = (0, _with(sample("usages-910b.txt"), "NPU ID", npu_id))
        for chip_id in range(host["dies"]):
            chip = ("-i", str(npu_id), "-c", str(chip_id))
            out[("info", "-t", "health") + chip] = (0, sample("health-chip.txt"))
            if profile == "atlas-800i-a3":
                out[("info", "-t", "board") + chip] = (0, _chip_board(npu_id, chip_id))
                out[("info", "-t", "spod-info") + chip] = (0, sample("spod-info-a3.txt"))
    return out


class Recorded:
    """`run(*args) -> (rc, output)` from recorded outputs; counts the calls, and fails the test on one it lacks."""

    def __init__(self, recorded: dict):
        self.recorded = recorded
        self.calls = []

    def __call__(self, *args):
        self.calls.append(args)
        if args not in self.recorded:
            raise AssertionError("npu-smi %s was not recorded" % " ".join(args))
        return self.recorded[args]


def pci(profile: str) -> dict:
    """The host's Ascend PCI functions, classified."""
    device, svendor, sdevice = PROFILES[profile]["pci"]
    return _pci.classify([{"slot": "0000:%s:00.0" % bus, "class": 0x1200, "vendor": 0x19E5, "device": device,
                           "subsystem_vendor": svendor, "subsystem_device": sdevice}
                          for bus in PROFILES[profile]["buses"]])


def device_nodes(profile: str) -> set:
    return {"davinci%d" % n for n in range(len(PROFILES[profile]["cards"]) * PROFILES[profile]["dies"])}
