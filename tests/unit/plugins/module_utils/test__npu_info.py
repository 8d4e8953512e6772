"""`gather` on recorded hosts (npu_smi_recordings: the reference's verbatim npu-smi samples answered per argument
tuple): the facts of each product, the npu-smi calls each `details` value costs, degraded and abnormal paths."""

from __future__ import annotations

import pytest

from ansible_collections.ascendops.llm.plugins.module_utils import _hdk, _npu_info, _npu_smi, _pci
from npu_smi_recordings import PROFILES, VERSION_FILES, Recorded, device_nodes, outputs, pci, sample

BANNERS = {"atlas-800i-a2": "25.2.0", "atlas-300i-duo": "25.3.rc1", "atlas-800i-a3": "25.2.3"}
FIRST_BUS = {"atlas-800i-a2": "0000:C1:00.0", "atlas-300i-duo": "0000:01:00.0", "atlas-800i-a3": "0000:9D:00.0"}
NOT_GATHERED = {"error_codes": [], "error_info": None, "usages": None, "super_device_id": None, "super_pod_id": None,
                "server_index": None}


def gather(profile, details=(), recorded=None, host_pci=None):
    run = Recorded(recorded or outputs(profile))
    facts = _npu_info.gather(run, pci(profile) if host_pci is None else host_pci, VERSION_FILES,
                             device_nodes(profile), list(details))
    return facts, run.calls


def board_query(profile):
    """The one board query of the default gather: chip-level on A3 (the SoC's NPU Name), card-level elsewhere."""
    card = ("info", "-t", "board", "-i", "0")
    return card + ("-c", "0") if profile == "atlas-800i-a3" else card


@pytest.mark.parametrize("profile", sorted(PROFILES))
def test_default_facts_cost_three_calls(profile):
    host = PROFILES[profile]
    facts, calls = gather(profile)
    assert calls == [("info",), ("info", "-m"), board_query(profile)]
    assert (facts["present"], facts["source"], facts["chip_family"], facts["product"], facts["soc"]) == \
        (True, "npu-smi", host["family"], host["product"], host["soc"])
    assert facts["bf16_supported"] is (host["family"] != "310p")
    dies = len(host["cards"]) * host["dies"]
    assert (facts["card_count"], facts["chip_count"], facts["healthy"], facts["npu_smi_error"]) == \
        (len(host["cards"]), dies, True, None)
    assert facts["npu_smi_version"] == BANNERS[profile]
    assert facts["driver"] == {"loaded": BANNERS[profile], "installed": "25.0.rc1.1"}
    assert facts["firmware"] == {"loaded": "7.8.0.6.201", "installed": "7.7.0.1.231"}
    # only the card-level board prints Compatibility; A3 reads the chip-level one for its SoC name
    assert facts["compatibility"] == (None if profile == "atlas-800i-a3" else "OK")
    assert facts["cards"] == [] and facts["pci"] == pci(profile)["pci"]
    expected = [(npu_id, chip_id, n, n, "/dev/davinci%d" % n)
                for n, (npu_id, chip_id) in enumerate((c, d) for c in host["cards"] for d in range(host["dies"]))]
    assert [(c["npu_id"], c["chip_id"], c["logic_id"], c["phy_id"], c["device"]) for c in facts["chips"]] == expected
    assert facts["chips"][0]["bus_id"] == FIRST_BUS[profile]
    assert all({k: c[k] for k in NOT_GATHERED} == NOT_GATHERED for c in facts["chips"])
    table = _npu_smi.parse_info(sample(host["info"]))
    assert [{k: c[k] for k in table["chips"][0] if k not in ("phy_id", "logic_id")} for c in facts["chips"]] == \
        [{k: v for k, v in c.items() if k not in ("phy_id", "logic_id")} for c in table["chips"]]
    assert facts["processes"] == table["processes"]


def test_every_detail_on_the_800i_a2():
    facts, calls = gather("atlas-800i-a2", ["board", "usages", "health"])
    assert len(calls) == 2 + 8 + 8 + 8  # the first card's board serves the versions too
    assert calls.count(board_query("atlas-800i-a2")) == 1
    assert facts["cards"] == [{"npu_id": n, "chip_count": 1, "software": "25.5.1", "firmware": "7.8.0.6.201",
                               "compatibility": "OK", "serial": "1025C9048791", "product_name": "IT21HMDC_Bin5",
                               "board_id": "0x60"} for n in range(8)]
    usages = _npu_smi.parse_chip_blocks(sample("usages-910b.txt"))[0]
    assert [c["usages"] for c in facts["chips"]] == [usages] * 8
    assert [(c["error_codes"], c["error_info"]) for c in facts["chips"]] == [([], None)] * 8


def test_spod_gives_the_a3_rank_table_its_ids():
    facts, calls = gather("atlas-800i-a3", ["spod"])
    assert len(calls) == 3 + 16
    assert [(c["super_device_id"], c["super_pod_id"], c["server_index"]) for c in facts["chips"]] == \
        [(16777216, 0, 4)] * 16


def test_spod_costs_nothing_without_super_pods():
    facts, calls = gather("atlas-800i-a2", ["spod"])
    assert len(calls) == 3 and {c["super_device_id"] for c in facts["chips"]} == {None}


def test_every_card_board_on_the_a3():
    facts, calls = gather("atlas-800i-a3", ["board"])
    assert len(calls) == 2 + 8 + 1 and facts["soc"] == "Ascend910_9392"
    assert facts["compatibility"] == "OK" and [c["chip_count"] for c in facts["cards"]] == [2] * 8


def test_an_unhealthy_chip_gets_its_error_codes():
    recorded = outputs("atlas-300i-duo")
    table = recorded[("info",)][1].replace("| 96      310P3                 | OK   ",
                                           "| 96      310P3                 | Alarm")
    assert table.count("Alarm") == 2  # both dies of card 96
    recorded[("info",)] = (0, table)
    faulty = sample("health-chip.txt").replace("Status                  : OK", "Status                  : Alarm")
    recorded[("info", "-t", "health", "-i", "96", "-c", "1")] = (0, faulty.replace(
        "Error Code                     : NA", "Error Code                     : 80E18005 80CB8009"))
    recorded[("info", "-t", "health", "-i", "96", "-c", "0")] = (1, "The device ID is invalid\n")
    facts, calls = gather("atlas-300i-duo", recorded=recorded)
    assert len(calls) == 3 + 2 and facts["healthy"] is False and facts["npu_smi_error"] is None
    bad = [(c["npu_id"], c["chip_id"], c["health"], c["error_codes"]) for c in facts["chips"] if c["health"] != "OK"]
    assert bad == [(96, 0, "Alarm", []), (96, 1, "Alarm", ["80E18005", "80CB8009"])]


def test_driver_installed_but_not_loaded_degrades_to_pci():
    recorded = {("info",): (1, "dcmi module initialize failed. ret is -8005\n")}
    facts, calls = gather("atlas-800i-a3", recorded=recorded)
    assert calls == [("info",)] and facts["source"] == "pci" and facts["healthy"] is False
    assert facts["npu_smi_error"] == {"rc": 1, "output": "dcmi module initialize failed. ret is -8005"}
    assert (facts["chip_family"], facts["product"], facts["card_count"], facts["chips"]) == \
        ("910_93", "atlas-800i-a3", 8, [])
    assert facts["driver"] == {"loaded": None, "installed": "25.0.rc1.1"}


def test_a_failing_board_query_degrades_to_pci():
    recorded = outputs("atlas-800i-a2")
    recorded[board_query("atlas-800i-a2")] = (2, "dcmi get board info failed. ret is -8020\n")
    facts, calls = gather("atlas-800i-a2", recorded=recorded)
    assert len(calls) == 3 and facts["source"] == "pci" and facts["chips"] == []
    assert facts["npu_smi_error"] == {"rc": 2, "output": "dcmi get board info failed. ret is -8020"}


def test_a_mapping_without_a_chip_of_the_table_is_refused():
    recorded = outputs("atlas-300i-duo")
    recorded[("info", "-m")] = (0, sample("mapping-310p3.txt"))  # the reference's sample: cards 0 and 96 only
    with pytest.raises(_npu_smi.NpuSmiParseError, match="npu-smi info -m does not list NPU 32768 chip 0"):
        gather("atlas-300i-duo", recorded=recorded)


@pytest.mark.parametrize("profile", sorted(PROFILES))
def test_in_a_container_without_pci_the_table_tells_the_family(profile):
    facts, calls = gather(profile, host_pci=_pci.classify([]))
    assert (facts["present"], facts["chip_family"], facts["soc"], facts["product"]) == \
        (True, PROFILES[profile]["family"], PROFILES[profile]["soc"], None)
    assert len(calls) == 3


def test_a_hot_patched_driver_needs_no_reboot():
    recorded = outputs("atlas-800i-a2")
    text = recorded[("info",)][1]
    recorded[("info",)] = (0, text.replace("npu-smi 25.2.0    ", "npu-smi 25.0.rc1.2").replace(
        "Version: 25.2.0           ", "Version: 25.0.rc1.2.sph001"))
    facts = gather("atlas-800i-a2", recorded=recorded)[0]
    assert (facts["npu_smi_version"], facts["driver"]["loaded"]) == ("25.0.rc1.2", "25.0.rc1.2.sph001")
    facts["driver"]["installed"] = "25.0.rc1.2"
    facts["firmware"]["installed"] = facts["firmware"]["loaded"]
    assert _hdk.reboot_required(facts) is False


def test_an_edge_board_without_bus_ids():
    recorded = outputs("atlas-800i-a2")
    recorded[("info",)] = (0, recorded[("info",)][1].replace("| 0000:C2:00.0  |", "| NA            |"))
    facts = gather("atlas-800i-a2", recorded=recorded)[0]
    assert [c["bus_id"] for c in facts["chips"]][:3] == ["0000:C1:00.0", None, "0000:81:00.0"]
    assert facts["chips"][1]["device"] == "/dev/davinci1"


def test_bare_host_without_npu_smi():
    facts = _npu_info.gather(None, pci("atlas-300i-duo"), {}, set(), ["board"])
    assert (facts["present"], facts["source"], facts["chip_family"], facts["product"], facts["card_count"]) == \
        (True, "pci", "310p", "atlas-300i-duo", 4)
    assert facts["bf16_supported"] is False and facts["driver"] == {"loaded": None, "installed": None}
    assert facts["compatibility"] is None and facts["soc"] is None


def test_no_ascend_device():
    facts = _npu_info.absent_facts({})
    assert facts["present"] is False and facts["chips"] == [] and facts["chip_family"] is None
