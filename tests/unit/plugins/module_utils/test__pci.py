"""PCI classification: family from the device ID, product from the subsystem IDs (through the chip table)."""

import pytest

from ansible_collections.ascendops.llm.plugins.module_utils import _pci

LSPCI = """Slot:\t0000:00:00.0
Class:\t0600
Vendor:\t8086
Device:\t1237
Rev:\t02

Slot:\t0000:c1:00.0
Class:\t1200
Vendor:\t19e5
Device:\td802
SVendor:\t19e5
SDevice:\t3002
Rev:\t20
NUMANode:\t0

"""


def dev(device, svendor, sdevice, slot="0000:01:00.0", cls=0x1200):
    return {"slot": slot, "class": cls, "vendor": 0x19E5, "device": device, "subsystem_vendor": svendor,
            "subsystem_device": sdevice}


def test_parse_lspci_vmm_numeric():
    assert _pci.parse_lspci_vmm(LSPCI) == [
        {"slot": "0000:00:00.0", "class": 0x0600, "vendor": 0x8086, "device": 0x1237, "subsystem_vendor": None,
         "subsystem_device": None},
        {"slot": "0000:c1:00.0", "class": 0x1200, "vendor": 0x19E5, "device": 0xD802, "subsystem_vendor": 0x19E5,
         "subsystem_device": 0x3002}]
    with pytest.raises(ValueError, match="not `lspci -vmmn` output"):
        _pci.parse_lspci_vmm("00:00.0 Host bridge: Intel Corporation\n")


def test_sysfs_entries():
    entries = {"0000:C1:00.0": {"class": "0x120000", "vendor": "0x19e5", "device": "0xd803",
                                "subsystem_vendor": "0x19e5", "subsystem_device": "0x3003"},
               "0000:00:03.0": {"class": "0x020000", "vendor": "0x1af4"}}
    devices = _pci.from_sysfs(entries)
    assert devices == [{"slot": "0000:c1:00.0", "class": 0x1200, "vendor": 0x19E5, "device": 0xD803,
                        "subsystem_vendor": 0x19E5, "subsystem_device": 0x3003}]
    assert _pci.classify(devices)["product"] == "atlas-800i-a3"


@pytest.mark.parametrize("devices,family,product", [
    ([dev(0xD802, 0x19E5, 0x3002)] * 8, "910b", "atlas-800i-a2"),
    ([dev(0xD802, 0x19E5, 0x3005)], "910b", "atlas-800i-a2"),
    ([dev(0xD802, 0x19E5, 0x3003)], "910b", "unknown"),          # 800T A2 and others: family known, product not
    ([dev(0xD500, 0x0200, 0x0110)] * 4, "310p", "atlas-300i-duo"),
    ([dev(0xD500, 0x0200, 0x0100)], "310p", "atlas-300i-pro"),
    ([dev(0xD803, 0x19E5, 0x3003)] * 8, "910_93", "atlas-800i-a3"),
    ([dev(0xD803, 0x19E5, 0x0100)], "910_93", "atlas-800i-a3"),
    ([dev(0xD500, 0x0200, 0x0110), dev(0xD500, 0x0200, 0x0100)], "310p", "unknown"),  # mixed cards
    ([dev(0xD806, 0x19E5, 0x3002)], "950", "unknown"),
    ([dev(0xD100, 0x19E5, 0x0100)], "310", "unknown"),
])
def test_classify(devices, family, product):
    facts = _pci.classify(devices)
    assert (facts["present"], facts["chip_family"], facts["product"], facts["card_count"]) == \
        (True, family, product, len(devices))


def test_non_accelerators_are_ignored():
    assert _pci.classify([dev(0xD802, 0x19E5, 0x3002, cls=0x0604)])["present"] is False
    assert _pci.classify([dev(0xD804, 0x19E5, 0x3002)])["present"] is False  # no family has this device ID
    assert _pci.classify([])["card_count"] == 0
