"""The chip table: one row per family, and every lookup the other module_utils and the roles make through it."""

from __future__ import annotations

import pytest

from ansible_collections.ascendops.llm.plugins.module_utils import _chips

FIELDS = {"pci_device", "products", "name_pattern", "soc_format", "bf16", "hdk_prefix", "kernels_package", "ops_tag",
          "kernel_dir", "roce", "super_pod", "supported"}


def test_every_row_has_every_field_and_a_distinct_pci_device():
    assert _chips.FAMILIES == ("310", "310p", "910", "910b", "910_93", "950")
    assert all(set(row) == FIELDS for row in _chips.CHIPS.values())
    devices = [row["pci_device"] for row in _chips.CHIPS.values()]
    assert devices == ["d100", "d500", "d801", "d802", "d803", "d806"]  # reference section 1.6


@pytest.mark.parametrize("family,kernel_dir,hdk,kernels,ops_tag,roce,super_pod", [
    ("910b", "ascend910b", "Ascend-hdk-910b", "Ascend-cann-kernels-910b", "910b", True, False),
    ("310p", "ascend310p", "Ascend-hdk-310p", "Ascend-cann-kernels-310p", "310p", False, False),
    ("910_93", "ascend910_93", "Atlas-A3-hdk", "Atlas-A3-cann-kernels", "A3", True, True),
])
def test_supported_families(family, kernel_dir, hdk, kernels, ops_tag, roce, super_pod):
    row = _chips.row(family)
    assert (row["family"], row["kernel_dir"], row["hdk_prefix"], row["kernels_package"], row["ops_tag"],
            row["roce"], row["super_pod"], row["supported"]) == (family, kernel_dir, hdk, kernels, ops_tag, roce,
                                                                 super_pod, True)
    assert _chips.supported(family) is True


@pytest.mark.parametrize("family", ["310", "910", "950", None, "", "ascend910b", ["910b"]])
def test_unsupported_and_unknown_families(family):
    assert _chips.supported(family) is False


def test_row_is_a_copy_and_names_the_known_families():
    row = _chips.row("910b")
    row["products"]["19e5:9999"] = "mine"
    row["bf16"] = False
    assert "19e5:9999" not in _chips.CHIPS["910b"]["products"] and _chips.CHIPS["910b"]["bf16"] is True
    for bad in ("910B", None, ["910b"]):
        with pytest.raises(ValueError, match=r"unknown chip family .* \(known: 310, 310p, 910, 910b, 910_93, 950\)"):
            _chips.row(bad)


@pytest.mark.parametrize("family,bf16", [("910b", True), ("910_93", True), ("950", True), ("310p", False),
                                         ("310", False), ("910", False), (None, False), ("x", False)])
def test_bf16(family, bf16):
    assert _chips.bf16_supported(family) is bf16


@pytest.mark.parametrize("device,family", [(0xD100, "310"), (0xD500, "310p"), (0xD801, "910"), (0xD802, "910b"),
                                           (0xD803, "910_93"), (0xD806, "950"), (0x1237, None)])
def test_family_of_device(device, family):
    assert _chips.family_of_device(device) == family


@pytest.mark.parametrize("family,svendor,sdevice,product", [
    ("910b", 0x19E5, 0x3002, "atlas-800i-a2"), ("910b", 0x19E5, 0x3004, "atlas-800i-a2"),
    ("910b", 0x19E5, 0x3005, "atlas-800i-a2"), ("910b", 0x19E5, 0x3003, "unknown"),
    ("310p", 0x0200, 0x0110, "atlas-300i-duo"), ("310p", 0x0200, 0x0100, "atlas-300i-pro"),
    ("910_93", 0x19E5, 0x3003, "atlas-800i-a3"), ("910_93", 0x19E5, 0x0100, "atlas-800i-a3"),
    ("310p", None, None, "unknown"), (None, 0x19E5, 0x3002, "unknown"),
])
def test_products_by_subsystem(family, svendor, sdevice, product):
    assert _chips.product(family, svendor, sdevice) == product


@pytest.mark.parametrize("name,family", [
    ("910B4", "910b"), ("910B3", "910b"), ("Ascend 910B3", "910b"), ("Ascend910B4", "910b"), ("910B2C", "910b"),
    ("Ascend910B4-1", "910b"), ("310P3", "310p"), ("Ascend 310P3", "310p"), ("Ascend310P3", "310p"),
    ("Ascend910", "910_93"), ("Ascend910_9392", "910_93"), ("Ascend910_9362", "910_93"), ("910ProB", "910"),
    ("Ascend910A", "910"), ("310", "310"), ("Ascend910_9579", "950"), ("Mcu", None), ("", None), (None, None),
    ("910B", "910"), ("Ascend310B1", None),
])
def test_family_of_name(name, family):
    assert _chips.family_of_name(name) == family


def test_soc_names():
    assert _chips.soc("910b", "910B4") == "Ascend910B4"
    assert _chips.soc("310p", "310P3") == "Ascend310P3"
    assert _chips.soc("910_93", "Ascend910", "9392") == "Ascend910_9392"
    assert _chips.soc("910_93", "Ascend910") is None  # the board's NPU Name was not read
    assert _chips.soc("950", "Ascend910_9579") is None and _chips.soc(None, "910B4") is None
    assert [f for f in _chips.FAMILIES if _chips.soc_needs_board(f)] == ["910_93"]
