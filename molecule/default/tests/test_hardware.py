"""After site.yml on bare simulated hosts: the hardware is what the profile says, and every stage that exists ran."""

import json
import os

import testinfra.utils.ansible_runner

testinfra_hosts = testinfra.utils.ansible_runner.AnsibleRunner(os.environ["MOLECULE_INVENTORY_FILE"]).get_hosts("all")

EXPECTED = {  # profile -> (PCI device, subsystem vendor:device, cards, dies, system product)
    "atlas-800i-a2": ("d802", "19e5:3002", 8, 8, "Atlas 800I A2"),
    "atlas-300i-duo": ("d500", "0200:0110", 4, 8, "Atlas 800 (Model 3000)"),
    "atlas-800i-a3": ("d803", "19e5:3003", 8, 16, "Atlas 800I A3"),
}


def profile(host):
    return json.loads(host.check_output("ascend-sim show"))["hardware"]["profile"]


def test_systemd_booted_the_simulator(host):
    assert host.run("systemctl is-system-running").stdout.strip() in ("running", "degraded")
    assert host.service("ascend-sim-boot").is_enabled
    assert len(host.file("/run/ascend-sim/boot_id").content_string.strip()) == 36


def test_pci_shows_the_profile_cards(host):
    """pciutils came from the image's local repository (the HDK role installs it); its lspci shows the cards."""
    device, subsystem, cards = EXPECTED[profile(host)][:3]
    assert "ascendsim" in host.package("pciutils").version
    out = host.check_output("lspci -Dvmmn -d 19e5:")
    records = [r for r in out.split("\n\n") if r.strip()]
    assert len(records) == cards
    for record in records:
        fields = dict(line.split(":\t", 1) for line in record.splitlines())
        assert fields["Class"] == "1200" and fields["Device"] == device
        assert "%s:%s" % (fields["SVendor"], fields["SDevice"]) == subsystem


def test_sysfs_shows_the_same_cards(host):
    device, subsystem, cards = EXPECTED[profile(host)][:3]
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
    assert host.check_output("dmidecode -s system-product-name") == EXPECTED[profile(host)][4]


def test_site_yml_left_the_driver_and_firmware_running(host):
    dies = EXPECTED[profile(host)][3]
    assert json.loads(host.check_output("ascend-sim show"))["loaded"]["driver"] == "24.1.rc3"
    table = host.check_output("npu-smi info")
    assert table.count("| OK ") == dies and "24.1.rc3" in table.splitlines()[1]


def test_apt_reaches_only_the_local_repositories(host):
    sources = host.file("/etc/apt/sources.list").content_string
    assert sources.count("file:/srv/ascend-sim-repo/") == 2 and "http" not in sources
    assert not host.file("/etc/apt/sources.list.d").listdir()
    assert "ascendsim" in host.check_output("apt-cache policy pciutils linux-headers-$(uname -r)")
    assert host.run("apt-get install --dry-run -q dkms gcc make net-tools").rc == 0


def test_site_yml_left_cann_active_for_this_chip(host):
    facts = host.ansible("ascendops.llm.cann_info", check=False)["ansible_facts"]["cann"]
    npu = host.ansible("ascendops.llm.npu_info", check=False)["ansible_facts"]["npu"]
    assert [facts[c]["version"] for c in ("toolkit", "kernels", "nnal")] == ["8.2.RC1"] * 3
    assert facts["kernels"]["families"] == ["ascend" + npu["chip_family"]]
    assert host.check_output("bash -lc 'echo $ASCEND_HOME_PATH'") == "/usr/local/Ascend/ascend-toolkit/latest"
