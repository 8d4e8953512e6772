"""`gather` against the simulator's npu-smi, lspci and version files for every profile and fault, compared with the
profile's own definition (the simulator is driven in-process on a temporary root)."""

from __future__ import annotations

import io
import os

import pytest

from ascend_sim import npusmi, pci, pkgbuild, profiles, state
from ansible_collections.ascendops.llm.plugins.module_utils import _npu_info, _pci

PROFILES = {  # profile -> (family, product, soc, cards, dies, npu-smi calls with details=[board])
    "atlas-800i-a2": ("910b", "atlas-800i-a2", "Ascend910B4", 8, 8, 2 + 8),
    "atlas-300i-duo": ("310p", "atlas-300i-duo", "Ascend310P3", 4, 8, 2 + 4),
    "atlas-800i-a3": ("910_93", "atlas-800i-a3", "Ascend910_9392", 8, 16, 2 + 8 + 16 + 1),
}


class SimHost:
    def __init__(self, root, profile, driver="24.1.rc3", firmware="7.5.0.1.129", server_index=None):
        os.environ["ASCEND_SIM_ROOT"] = str(root)
        self.hw = profiles.build(profile, server_index=server_index)
        state.write_json(state.HOST, self.hw)
        self.driver = driver
        self.calls = []
        family = self.hw["family"]
        self.installed = {
            "driver": pkgbuild.records("driver", family, driver, "x86_64")["driver/version.info"],
            "firmware": pkgbuild.records("firmware", family, firmware, "x86_64")["firmware/version.info"],
        }
        state.write_json(state.LOADED, {"driver": driver, "firmware": firmware, "driver_fw_range": "[7.0.0,7.9.99]",
                                        "firmware_drv_range": "[24.1,24.1.],[25.0,25.0.]"})

    def run(self, *args):
        self.calls.append(args)
        out = io.StringIO()
        return npusmi.main(list(args), self.driver, out), out.getvalue()

    def pci(self):
        out = io.StringIO()
        pci.lspci(["-Dvmmn", "-d", "19e5:"], out)
        return _pci.classify(_pci.parse_lspci_vmm(out.getvalue()))

    def nodes(self):
        return {"davinci%d" % c["phy_id"] for card in self.hw["cards"] for c in card["chips"]}

    def gather(self, details=("board",)):
        return _npu_info.gather(self.run, self.pci(), self.installed, self.nodes(), list(details))


@pytest.fixture()
def root(tmp_path, monkeypatch):
    monkeypatch.setenv("ASCEND_SIM_ROOT", str(tmp_path))
    return tmp_path


@pytest.mark.parametrize("profile", sorted(PROFILES))
def test_facts_match_the_profile(root, profile):
    family, product, soc, cards, dies, calls = PROFILES[profile]
    host = SimHost(root, profile, server_index=4)
    facts = host.gather()
    assert (facts["present"], facts["source"], facts["chip_family"], facts["product"], facts["soc"]) == \
        (True, "npu-smi", family, product, soc)
    assert facts["bf16_supported"] is (family != "310p")
    assert (facts["card_count"], facts["chip_count"], facts["healthy"]) == (cards, dies, True)
    assert facts["driver"] == {"loaded": "24.1.rc3", "installed": "24.1.rc3"}
    assert facts["firmware"] == {"loaded": "7.5.0.1.129", "installed": "7.5.0.1.129"}
    assert facts["npu_smi_version"] == "24.1.rc3" and facts["npu_smi_error"] is None
    assert len(host.calls) == calls
    expected = [(card["npu_id"], chip["chip_id"], chip["logic_id"], chip["phy_id"], chip["bus_id"],
                 chip["hbm_total"] or None, chip["mem_total"], chip.get("sdid"))
                for card in host.hw["cards"] for chip in card["chips"]]
    got = [(c["npu_id"], c["chip_id"], c["logic_id"], c["phy_id"], c["bus_id"], c["hbm_total_mb"],
            c["memory_total_mb"], c["super_device_id"]) for c in facts["chips"]]
    assert got == expected
    assert all(c["device"] == "/dev/davinci%d" % c["phy_id"] for c in facts["chips"])
    assert [c["compatibility"] for c in facts["cards"]] == ["OK"] * cards
    if family == "910_93":
        assert {(c["super_pod_id"], c["server_index"]) for c in facts["chips"]} == {(0, 4)}
    else:
        assert {c["super_device_id"] for c in facts["chips"]} == {None}


def test_table_only_makes_two_calls(root):
    host = SimHost(root, "atlas-800i-a2")
    facts = host.gather(details=())
    assert len(host.calls) == 2 and facts["cards"] == [] and facts["firmware"]["loaded"] is None


def test_unhealthy_chip_and_its_error_codes(root):
    host = SimHost(root, "atlas-300i-duo")
    state.write_json(state.FAULTS, {"chips": {"96:1": {"health": "Alarm", "codes": ["80E18005"], "info": "x"}}})
    facts = host.gather()
    assert facts["healthy"] is False
    bad = [c for c in facts["chips"] if c["health"] != "OK"]
    assert [(c["npu_id"], c["chip_id"], c["error_codes"]) for c in bad] == [(96, 1, ["80E18005"])]


def test_process_holding_an_npu(root):
    host = SimHost(root, "atlas-800i-a2")
    state.write_json(state.HOLDERS, [{"npu_id": 3, "chip_id": 0, "pid": os.getpid(), "memory_mb": 1000,
                                      "name": "python3"}])
    facts = host.gather(details=())
    assert facts["processes"] == [{"npu_id": 3, "chip_id": 0, "pid": os.getpid(), "name": "python3",
                                   "memory_mb": 1000}]
    assert facts["chips"][3]["hbm_used_mb"] == host.hw["cards"][3]["chips"][0]["idle_hbm"] + 1000


def test_driver_installed_but_not_loaded_degrades_to_pci(root):
    host = SimHost(root, "atlas-800i-a3")
    state.write_json(state.LOADED, {})
    facts = host.gather()
    assert facts["source"] == "pci" and facts["healthy"] is False
    assert facts["npu_smi_error"] == {"rc": npusmi.RC_ERROR, "output": npusmi.DCMI_INIT_FAILED}
    assert (facts["chip_family"], facts["product"], facts["card_count"]) == ("910_93", "atlas-800i-a3", 8)
    assert facts["driver"] == {"loaded": None, "installed": "24.1.rc3"}


def test_bare_host_without_npu_smi(root):
    host = SimHost(root, "atlas-300i-duo")
    facts = _npu_info.gather(None, host.pci(), {}, set(), ["board"])
    assert (facts["present"], facts["source"], facts["chip_family"], facts["product"], facts["card_count"]) == \
        (True, "pci", "310p", "atlas-300i-duo", 4)
    assert facts["bf16_supported"] is False and facts["driver"] == {"loaded": None, "installed": None}


def test_no_ascend_device():
    facts = _npu_info.absent_facts({})
    assert facts["present"] is False and facts["chips"] == [] and facts["chip_family"] is None
