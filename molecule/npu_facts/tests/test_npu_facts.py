"""npu_info and hccn_info against the simulator's hardware definition (`ascend-sim show`), state by state.

pytest runs the tests in file order, each on every host, so the hosts move through the states together:
bare with sysfs only -> bare with lspci -> driver installed, not loaded -> loaded after a reboot -> a chip fails.
"""

import json
import os

import testinfra.utils.ansible_runner

testinfra_hosts = testinfra.utils.ansible_runner.AnsibleRunner(os.environ["MOLECULE_INVENTORY_FILE"]).get_hosts("all")

PRODUCT_OF_PROFILE = {"atlas-800i-a2": "atlas-800i-a2", "atlas-300i-duo": "atlas-300i-duo",
                      "atlas-800i-a3": "atlas-800i-a3"}
SOC = {"910b": "Ascend910B4", "310p": "Ascend310P3", "910_93": "Ascend910_9392"}


def truth(host):
    return json.loads(host.check_output("ascend-sim show"))["hardware"]


def npu_result(host, **args):
    result = host.ansible("ascendops.llm.npu_info", " ".join("%s=%s" % kv for kv in args.items()), check=False)
    assert "failed" not in result, result
    return result


def npu_facts(host, **args):
    return npu_result(host, **args)["ansible_facts"]["npu"]


def prefix(hw):
    return "Atlas-A3-hdk" if hw["family"] == "910_93" else "Ascend-hdk-" + hw["family"]


def assert_pci_facts(host, npu):
    hw = truth(host)
    assert (npu["present"], npu["source"], npu["chip_family"], npu["product"], npu["card_count"]) == \
        (True, "pci", hw["family"], PRODUCT_OF_PROFILE[hw["profile"]], len(hw["cards"]))
    assert npu["bf16_supported"] is (hw["family"] != "310p")
    assert [p["slot"] for p in npu["pci"]] == sorted(card["chips"][0]["bus_id"].lower() for card in hw["cards"])
    assert npu["healthy"] is False and npu["chips"] == []


def test_bare_host_facts_come_from_sysfs(host):
    assert not host.exists("lspci") and not host.exists("npu-smi")
    npu = npu_facts(host)
    assert_pci_facts(host, npu)
    assert npu["npu_smi_error"] is None and npu["driver"] == {"loaded": None, "installed": None}


def test_installing_lspci_changes_no_fact(host):
    """npu_info reports no PCI source, so this proves only that the facts stay the same with lspci present."""
    before = npu_facts(host)
    host.check_output("apt-get install -y -q pciutils")
    assert npu_facts(host) == before


def test_driver_installed_but_not_loaded_gives_degraded_facts(host):
    hw = truth(host)
    host.check_output("apt-get install -y -q net-tools gcc make dkms linux-headers-$(uname -r)")
    host.run("groupadd -g 1000 HwHiAiUser; useradd -g HwHiAiUser -u 1000 -m HwHiAiUser")
    host.check_output("sh /root/%s-npu-driver_24.1.rc3_linux-*.run --full --install-for-all --quiet" % prefix(hw))
    npu = npu_facts(host)
    assert_pci_facts(host, npu)
    assert npu["driver"] == {"loaded": None, "installed": "24.1.rc3"}
    assert npu["npu_smi_error"]["rc"] != 0
    assert npu["npu_smi_error"]["output"] == "dcmi module initialize failed. ret is -8005"


def test_after_the_reboot_every_die_matches_the_profile(host):
    hw = truth(host)
    host.check_output("sh /root/%s-npu-firmware_7.5.0.1.129.run --full --quiet" % prefix(hw))
    reboot = host.ansible("ansible.builtin.reboot", "boot_time_command='cat /run/ascend-sim/boot_id'", check=False)
    assert reboot.get("rebooted") is True, reboot
    npu = npu_facts(host, details="board,spod")
    assert (npu["source"], npu["chip_family"], npu["soc"], npu["healthy"], npu["npu_smi_error"]) == \
        ("npu-smi", hw["family"], SOC[hw["family"]], True, None)
    assert npu["driver"] == {"loaded": "24.1.rc3", "installed": "24.1.rc3"}
    assert npu["firmware"] == {"loaded": "7.5.0.1.129", "installed": "7.5.0.1.129"}
    expected = [{"npu_id": card["npu_id"], "chip_id": chip["chip_id"], "logic_id": chip["logic_id"],
                 "phy_id": chip["phy_id"], "bus_id": chip["bus_id"], "name": chip["name"],
                 "hbm_total_mb": chip["hbm_total"] or None, "memory_total_mb": chip["mem_total"],
                 "device": "/dev/davinci%d" % chip["phy_id"], "super_device_id": chip.get("sdid"),
                 "super_pod_id": chip.get("super_pod_id"), "server_index": chip.get("server_index")}
                for card in hw["cards"] for chip in card["chips"]]
    assert [{k: c[k] for k in expected[0]} for c in npu["chips"]] == expected
    assert [c["compatibility"] for c in npu["cards"]] == ["OK"] * len(hw["cards"])
    assert npu["processes"] == []


def test_a_default_gather_costs_three_npu_smi_calls(host):
    detailed = npu_facts(host, details="board,spod")
    result = npu_result(host)
    npu = result["ansible_facts"]["npu"]
    assert result["npu_smi_calls"] == 3
    assert (npu["soc"], npu["driver"], npu["firmware"], npu["healthy"]) == \
        (detailed["soc"], detailed["driver"], detailed["firmware"], True)
    same = ("npu_id", "chip_id", "logic_id", "phy_id", "bus_id", "name", "health", "hbm_total_mb", "device")
    assert [{k: c[k] for k in same} for c in npu["chips"]] == [{k: c[k] for k in same} for c in detailed["chips"]]
    assert {c["super_device_id"] for c in npu["chips"]} == {None}  # spod is asked for, not gathered by default


def test_roce_facts_match_the_profile_addresses(host):
    hw = truth(host)
    npu = npu_facts(host)
    phys = [c["phy_id"] for c in npu["chips"]]
    result = host.ansible("ascendops.llm.hccn_info", "phy_ids=%s chip_family=%s" % (
        ",".join(map(str, phys)), npu["chip_family"]), check=False)
    hccn = result["ansible_facts"]["hccn"]
    if hw["family"] == "310p":
        assert hccn["present"] is False
        return
    assert (hccn["present"], hccn["source"], hccn["tls_consistent"]) == (True, "hccn_tool", True)
    assert [(d["phy_id"], d["address"], d["netmask"], d["link"], d["net_health"]) for d in hccn["devices"]] == \
        [(p, hw["roce"][str(p)]["address"], "255.255.255.0", "UP", "Success") for p in phys]


def test_an_unhealthy_chip_and_a_busy_npu_show_in_the_facts(host):
    card = truth(host)["cards"][-1]
    host.check_output("ascend-sim fault chip --npu %d --chip 0 --health Alarm --code 80E18005" % card["npu_id"])
    pid = int(host.check_output("ascend-sim hold --npu %d --chip 0 --memory 4096 --name python3" % card["npu_id"]))
    try:
        npu = npu_facts(host)
        assert npu["healthy"] is False
        bad = [(c["npu_id"], c["chip_id"], c["health"], c["error_codes"]) for c in npu["chips"] if c["health"] != "OK"]
        assert bad == [(card["npu_id"], 0, "Alarm", ["80E18005"])]
        assert npu["processes"] == [{"npu_id": card["npu_id"], "chip_id": 0, "pid": pid, "name": "python3",
                                     "memory_mb": 4096}]
    finally:
        host.check_output("ascend-sim fault clear && ascend-sim release")
