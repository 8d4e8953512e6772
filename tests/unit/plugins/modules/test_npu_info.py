"""The npu_info and hccn_info entry points: arguments, check mode, a missing npu-smi, a host without NPUs, a failing
npu-smi with fail_on_error, unreadable output. The host side (commands, files) is replaced by recorded outputs."""

from __future__ import annotations

import pathlib
import json

import pytest
from ansible.module_utils.testing import patch_module_args

from ansible_collections.ascendops.llm.plugins.modules import hccn_info, npu_info

REFERENCE = pathlib.Path(__file__).resolve().parents[3] / "fixtures" / "reference"
A2_LSPCI = "".join("Slot:\t0000:%02x:00.0\nClass:\t1200\nVendor:\t19e5\nDevice:\td802\nSVendor:\t19e5\n"
                   "SDevice:\t3002\n\n" % bus for bus in (0xC1, 0xC2, 0x81, 0x82, 0x01, 0x02, 0x41, 0x42))


def run_module(mod, args, capsys):
    with patch_module_args(args), pytest.raises(SystemExit):
        mod.main()
    return json.loads(capsys.readouterr().out)


@pytest.fixture()
def host(monkeypatch):
    """A 910B3 host: lspci and npu-smi answer with the reference's real outputs."""
    outputs = {
        ("lspci", "-Dvmmn", "-d", "19e5:"): (0, A2_LSPCI),
        ("npu-smi", "info"): (0, (REFERENCE / "info-910b3-25.2.0.txt").read_text()),
        ("npu-smi", "info", "-m"): (0, (REFERENCE / "mapping-910b3.txt").read_text()),
    }
    board = (REFERENCE / "board-910b-card.txt").read_text()
    for n in range(8):
        card = board.replace("\tNPU ID                         : 0", "\tNPU ID                         : %d" % n)
        outputs[("npu-smi", "info", "-t", "board", "-i", str(n))] = (0, card)
    calls = []
    bins = {"lspci": "/usr/bin/lspci", "npu-smi": "/usr/local/bin/npu-smi"}

    def run_command(self, args, **kwargs):
        key = tuple([args[0].rsplit("/", 1)[-1]] + list(args[1:]))
        calls.append(key)
        rc, out = outputs.get(key, (1, "unexpected call %s" % (key,)))
        return rc, out, ""

    monkeypatch.setattr(npu_info.AnsibleModule, "run_command", run_command)
    monkeypatch.setattr(npu_info.AnsibleModule, "get_bin_path",
                        lambda self, name, required=False, opt_dirs=None: bins.get(name))
    files = {"/usr/local/Ascend/driver/version.info": "Version=25.2.0\npackage_version=25.2.0\n",
             "/usr/local/Ascend/firmware/version.info": "Version=7.8.0.6.201\n"}
    monkeypatch.setattr(npu_info, "read_text", files.get)
    monkeypatch.setattr(npu_info.HostReader, "device_nodes", lambda self: {"davinci%d" % n for n in range(8)})
    return {"outputs": outputs, "calls": calls, "bins": bins, "files": files}


@pytest.mark.parametrize("check_mode", [False, True])
def test_full_facts_in_and_out_of_check_mode(host, capsys, check_mode):
    result = run_module(npu_info, {"_ansible_check_mode": check_mode}, capsys)
    npu = result["ansible_facts"]["npu"]
    assert result["changed"] is False and result["npu_smi_calls"] == 3
    assert host["calls"][-3:] == [("npu-smi", "info"), ("npu-smi", "info", "-m"),
                                  ("npu-smi", "info", "-t", "board", "-i", "0")]
    assert (npu["source"], npu["product"], npu["soc"], npu["chip_count"], npu["healthy"]) == \
        ("npu-smi", "atlas-800i-a2", "Ascend910B3", 8, True)
    assert npu["driver"] == {"loaded": "25.2.0", "installed": "25.2.0"}
    assert npu["firmware"] == {"loaded": "7.8.0.6.201", "installed": "7.8.0.6.201"}
    assert npu["compatibility"] == "OK" and npu["cards"] == []
    assert npu["chips"][2]["hbm_used_mb"] == 41052 and npu["processes"][0]["pid"] == 1333928


def test_board_details_read_every_card(host, capsys):
    result = run_module(npu_info, {"details": ["board", "spod"]}, capsys)
    assert result["npu_smi_calls"] == 2 + 8  # spod costs nothing on a 910B
    assert [c["npu_id"] for c in result["ansible_facts"]["npu"]["cards"]] == list(range(8))


def test_missing_npu_smi_answers_from_pci(host, capsys):
    host["bins"].pop("npu-smi")
    npu = run_module(npu_info, {}, capsys)["ansible_facts"]["npu"]
    assert (npu["present"], npu["source"], npu["chip_family"], npu["card_count"]) == (True, "pci", "910b", 8)
    assert not any(call[0] == "npu-smi" for call in host["calls"])


def test_host_without_ascend_devices(host, capsys):
    host["bins"].pop("npu-smi")
    host["outputs"][("lspci", "-Dvmmn", "-d", "19e5:")] = (0, "")
    result = run_module(npu_info, {}, capsys)
    assert result["ansible_facts"]["npu"]["present"] is False and "failed" not in result


def test_failing_npu_smi_degrades_or_fails_on_request(host, capsys):
    host["outputs"][("npu-smi", "info")] = (1, "dcmi module initialize failed. ret is -8005\n")
    npu = run_module(npu_info, {}, capsys)["ansible_facts"]["npu"]
    assert npu["npu_smi_error"] == {"rc": 1, "output": "dcmi module initialize failed. ret is -8005"}
    assert npu["source"] == "pci" and npu["driver"]["installed"] == "25.2.0" and npu["driver"]["loaded"] is None
    result = run_module(npu_info, {"fail_on_error": True}, capsys)
    assert result["failed"] is True and "ret is -8005" in result["msg"]


def test_unreadable_output_fails_with_a_message(host, capsys):
    host["outputs"][("npu-smi", "info")] = (0, "Segmentation fault\n")
    result = run_module(npu_info, {}, capsys)
    assert result["failed"] is True
    assert "cannot read" in result["msg"] and "Segmentation fault" in result["msg"]


def test_bad_details_choice_is_refused(host, capsys):
    result = run_module(npu_info, {"details": ["boards"]}, capsys)
    assert result["failed"] is True and "details" in result["msg"]


def test_hccn_info_on_310p_and_without_tool(monkeypatch, capsys, tmp_path):
    assert run_module(hccn_info, {"chip_family": "310p"}, capsys)["ansible_facts"]["hccn"]["present"] is False
    monkeypatch.setattr(hccn_info.AnsibleModule, "get_bin_path", lambda self, name, **kw: None)
    monkeypatch.setattr(hccn_info, "DEFAULT_TOOL", str(tmp_path / "missing"))
    conf = tmp_path / "hccn.conf"
    result = run_module(hccn_info, {"phy_ids": [0], "conf_path": str(conf)}, capsys)
    assert result["ansible_facts"]["hccn"]["present"] is False
    conf.write_text("address_0=10.0.0.5\nnetmask_0=255.255.255.0\n")
    hccn = run_module(hccn_info, {"phy_ids": [0], "conf_path": str(conf)}, capsys)["ansible_facts"]["hccn"]
    assert hccn["source"] == "hccn.conf" and hccn["devices"][0]["address"] == "10.0.0.5"
