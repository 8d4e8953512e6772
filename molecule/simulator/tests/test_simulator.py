"""After a hand install of driver 24.1.rc3 and firmware 7.5.0.1.129 and one `ansible.builtin.reboot`, the simulated
servers answer like real ones, and injected faults show where operators would see them."""

import json
import os
import re

import pytest
import testinfra.utils.ansible_runner

testinfra_hosts = testinfra.utils.ansible_runner.AnsibleRunner(os.environ["MOLECULE_INVENTORY_FILE"]).get_hosts("all")

DIES = {"atlas-800i-a2": 8, "atlas-300i-duo": 8, "atlas-800i-a3": 16}


def show(host):
    return json.loads(host.check_output("ascend-sim show"))


def test_reboot_loaded_what_was_installed(host):
    state = show(host)
    assert state["loaded"]["driver"] == "24.1.rc3"
    assert state["loaded"]["firmware"] == "7.5.0.1.129"
    log = host.file("/var/log/ascend_seclog/ascend_install.log").content_string
    assert log.index("[Driver]") < log.index("[Firmware]")
    assert "Reboot needed for installation/upgrade to take effect!" in log
    dies = DIES[state["hardware"]["profile"]]
    assert sorted(host.file("/dev").listdir()).count("davinci_manager") == 1
    assert all(host.file("/dev/davinci%d" % n).exists for n in range(dies))


def test_npu_smi_table_lists_every_die_healthy(host):
    state = show(host)
    out = host.check_output("npu-smi info")
    assert out.splitlines()[1].startswith("| npu-smi 24.1.rc3 ")
    health = re.findall(r"^\| \d+ +\S+ +\| (\w+) ", out, re.M)
    assert health == ["OK"] * DIES[state["hardware"]["profile"]]
    board = host.check_output("npu-smi info -t board -i %d" % state["hardware"]["cards"][-1]["npu_id"])
    assert "\tCompatibility                  : OK" in board
    assert "\tFirmware Version               : 7.5.0.1.129" in board


def test_hccn_tool_only_where_there_are_roce_ports(host):
    tool = host.file("/usr/local/Ascend/driver/tools/hccn_tool")
    if show(host)["hardware"]["family"] == "310p":
        assert not tool.exists
        return
    assert tool.mode == 0o755
    assert not host.exists("hccn_tool")  # installed off PATH, as on real hosts
    out = host.check_output("/usr/local/Ascend/driver/tools/hccn_tool -i 1 -ip -g")
    assert re.fullmatch(r"ipaddr:[\d.]+\nnetmask:255\.255\.255\.0", out)


def test_unhealthy_chip_shows_in_table_and_health(host):
    host.check_output("ascend-sim fault chip --npu %d --chip 0 --health Critical --code 80E18005"
                      % show(host)["hardware"]["cards"][0]["npu_id"])
    try:
        assert "| Critical      |" in host.check_output("npu-smi info") or \
            "| Critical        |" in host.check_output("npu-smi info")
    finally:
        host.check_output("ascend-sim fault clear")


def test_a_process_holding_an_npu_shows_until_it_exits(host):
    npu = show(host)["hardware"]["cards"][1]["npu_id"]
    pid = int(host.check_output("ascend-sim hold --npu %d --chip 0 --memory 20000" % npu))
    assert re.search(r"^\| %d +0 +\| %d +\| sleep " % (npu, pid), host.check_output("npu-smi info"), re.M)
    host.check_output("ascend-sim release --pid %d" % pid)
    assert str(pid) not in host.check_output("npu-smi info")


@pytest.mark.parametrize("command", ["npu-smi info -t board -i 77", "npu-smi info -t nonsense"])
def test_errors_exit_non_zero(host, command):
    assert host.run(command).rc != 0
