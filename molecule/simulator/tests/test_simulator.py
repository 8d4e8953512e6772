"""After a hand install of driver 24.1.rc3 and firmware 7.5.0.1.129 (with the installer's prerequisites from the
image's local repository) and one `ansible.builtin.reboot`, the simulated servers boot and answer like real ones:
systemd, PCI (lspci, sysfs), DMI, apt, npu-smi, hccn_tool; injected faults show where operators would see them."""

import json
import os
import re
import sys

import pytest
import testinfra.utils.ansible_runner

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir, os.pardir, "shared", "tests"))
import ascend_raw  # noqa: E402

testinfra_hosts = testinfra.utils.ansible_runner.AnsibleRunner(os.environ["MOLECULE_INVENTORY_FILE"]).get_hosts("all")

EXPECTED = {  # profile -> (PCI device, subsystem vendor:device, cards, dies, system product)
    "atlas-800i-a2": ("d802", "19e5:3002", 8, 8, "Atlas 800I A2"),
    "atlas-300i-duo": ("d500", "0200:0110", 4, 8, "Atlas 800 (Model 3000)"),
    "atlas-800i-a3": ("d803", "19e5:3003", 8, 16, "Atlas 800I A3"),
}


def show(host):
    return json.loads(host.check_output("ascend-sim show"))


def expected(host):
    return EXPECTED[show(host)["hardware"]["profile"]]


def test_systemd_booted_the_simulator(host):
    assert host.run("systemctl is-system-running").stdout.strip() in ("running", "degraded")
    boot_unit = host.service("ascend-sim-boot")
    assert boot_unit.is_enabled and boot_unit.is_running  # a oneshot that stays active once it succeeded
    assert len(host.file("/run/ascend-sim/boot_id").content_string.strip()) == 36


def test_pci_shows_the_profile_cards(host):
    """lspci is the simulator's pciutils stand-in, which the converge installed from the image's local repository."""
    device, subsystem, cards = expected(host)[:3]
    assert "ascendsim" in host.package("pciutils").version
    out = host.check_output("lspci -Dvmmn -d 19e5:")
    records = [r for r in out.split("\n\n") if r.strip()]
    assert len(records) == cards
    for record in records:
        fields = dict(line.split(":\t", 1) for line in record.splitlines())
        assert fields["Class"] == "1200" and fields["Device"] == device
        assert "%s:%s" % (fields["SVendor"], fields["SDevice"]) == subsystem


def test_sysfs_shows_the_same_cards(host):
    device, subsystem, cards = expected(host)[:3]
    found = []
    for slot in host.file("/sys/bus/pci/devices").listdir():

        def read(name, slot=slot):
            return host.file("/sys/bus/pci/devices/%s/%s" % (slot, name)).content_string.strip()

        if read("vendor") == "0x19e5" and read("class") == "0x120000":
            assert read("device") == "0x" + device
            assert "%s:%s" % (read("subsystem_vendor")[2:], read("subsystem_device")[2:]) == subsystem
            found.append(slot)
    assert len(found) == cards


def test_dmidecode_names_the_server(host):
    assert host.check_output("dmidecode -s system-product-name") == expected(host)[4]


def test_apt_reaches_only_the_local_repositories(host):
    """The sources are the image's two file: repositories; what the roles install resolves there (the driver's
    prerequisites from the Debian one, the hardware-bound stand-ins from the simulator's)."""
    sources = [line.split() for line in host.file("/etc/apt/sources.list").content_string.splitlines()
               if line.strip() and not line.startswith("#")]
    assert [s[2] for s in sources] == ["file:/srv/ascend-sim-repo/debian", "file:/srv/ascend-sim-repo/sim"]
    assert not host.file("/etc/apt/sources.list.d").listdir()
    kernel = host.check_output("uname -r")
    for package, repo in (("dkms", "debian"), ("gcc", "debian"), ("make", "debian"), ("net-tools", "debian"),
                          ("g++", "debian"), ("python3-numpy", "debian"), ("pciutils", "sim"),
                          ("linux-headers-" + kernel, "sim")):
        assert "file:/srv/ascend-sim-repo/%s " % repo in host.check_output("apt-cache policy %s" % package), package


def test_reboot_loaded_what_was_installed(host):
    state = show(host)
    assert state["loaded"]["driver"] == "24.1.rc3"
    assert state["loaded"]["firmware"] == "7.5.0.1.129"
    log = host.file("/var/log/ascend_seclog/ascend_install.log").content_string
    assert log.index("[Driver]") < log.index("[Firmware]")
    assert "Reboot needed for installation/upgrade to take effect!" in log
    phys = [chip["phy_id"] for card in state["hardware"]["cards"] for chip in card["chips"]]
    nodes = ["/dev/davinci%d" % n for n in phys] + ["/dev/davinci_manager", "/dev/devmm_svm", "/dev/hisi_hdc"]
    kinds = host.check_output("stat -c '%F' " + " ".join(nodes)).splitlines()
    assert kinds == ["character special file"] * len(nodes)


def test_npu_smi_table_lists_every_die_healthy(host):
    cards = show(host)["hardware"]["cards"]
    banner, dies = ascend_raw.npu_smi_info(host)
    assert banner == ("24.1.rc3", "24.1.rc3")
    assert dies == [(card["npu_id"], chip["name"], "OK") for card in cards for chip in card["chips"]]
    board = ascend_raw.npu_smi_board(host, cards[-1]["npu_id"])
    assert (board["Software Version"], board["Firmware Version"], board["Compatibility"]) == \
        ("24.1.rc3", "7.5.0.1.129", "OK")


def test_unhealthy_chip_shows_in_table_and_health(host):
    npu = show(host)["hardware"]["cards"][0]["npu_id"]
    host.check_output("ascend-sim fault chip --npu %d --chip 0 --health Critical --code 80E18005" % npu)
    try:
        health = [die[2] for die in ascend_raw.npu_smi_info(host)[1]]
        assert health == ["Critical"] + ["OK"] * (len(health) - 1)
        chip = ascend_raw.key_values(host.check_output("npu-smi info -t health -i %d -c 0" % npu), ":")
        assert (chip["Health Status"], chip["Error Code"]) == ("Critical", "80E18005")
    finally:
        host.check_output("ascend-sim fault clear")


def test_a_process_holding_an_npu_shows_until_it_exits(host):
    npu = show(host)["hardware"]["cards"][1]["npu_id"]
    pid = int(host.check_output("ascend-sim hold --npu %d --chip 0 --memory 20000" % npu))
    row = re.compile(r"^\| %d +0 +\| %d +\| sleep +\| 20000 +\|$" % (npu, pid), re.M)
    assert row.search(host.check_output("npu-smi info"))
    host.check_output("ascend-sim release --pid %d" % pid)
    assert not re.search(r"^\| \d+ +\d+ +\| %d +\|" % pid, host.check_output("npu-smi info"), re.M)


def test_hccn_tool_only_where_there_are_roce_ports(host):
    tool = host.file("/usr/local/Ascend/driver/tools/hccn_tool")
    if show(host)["hardware"]["family"] == "310p":
        assert not tool.exists
        return
    assert tool.mode == 0o755
    assert not host.exists("hccn_tool")  # installed off PATH, as on real hosts
    out = host.check_output("/usr/local/Ascend/driver/tools/hccn_tool -i 1 -ip -g")
    assert re.fullmatch(r"ipaddr:[\d.]+\nnetmask:255\.255\.255\.0", out)


@pytest.mark.parametrize("command", ["npu-smi info -t board -i 77", "npu-smi info -t nonsense"])
def test_errors_exit_non_zero(host, command):
    assert host.run(command).rc != 0
