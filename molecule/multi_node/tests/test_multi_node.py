"""After the multi_node scenario: the dies' RoCE addresses read back from hccn_tool and /etc/hccn.conf against the
plan worked out here from the inventory's formula and offsets, real pings between the hosts, the rank tables that
carry those addresses, and config.json of both schemas with MindIE's file modes."""

import json
import os
import re

import pytest
import testinfra.utils.ansible_runner

RUNNER = testinfra.utils.ansible_runner.AnsibleRunner(os.environ["MOLECULE_INVENTORY_FILE"])
testinfra_hosts = RUNNER.get_hosts("all")
A3 = RUNNER.get_hosts("deepseek_a3")
TOOL = "/usr/local/Ascend/driver/tools/hccn_tool"


def expected(name):
    """The plan of molecule.yml, by hand: A3 `10.3.{die}.{node+10}` with gateway `10.3.{die}.1`; A2 10.2.0.0/24 with
    offsets 10 and 20, gateway 10.2.0.1, MTU 9000."""
    if name.startswith("mol-a3-"):
        node = int(name[-1]) - 1
        return [{"phy": d, "address": "10.3.%d.%d" % (d, node + 10), "gateway": "10.3.%d.1" % d, "mtu": None}
                for d in range(16)]
    offset = {"mol-a2-1": 10, "mol-a2-2": 20}[name]
    return [{"phy": d, "address": "10.2.0.%d" % (offset + d), "gateway": "10.2.0.1", "mtu": "9000"} for d in range(8)]


def name_of(host):
    return host.backend.get_hostname()


def a3_only(host):
    if name_of(host) not in A3:
        pytest.skip("the MindIE configuration is written on the A3 deployment only")


def tool(host, *args):
    return host.check_output("%s %s" % (TOOL, " ".join(str(a) for a in args)))


def test_hccn_conf_holds_the_plan(host):
    conf = dict(line.split("=", 1) for line in host.file("/etc/hccn.conf").content_string.splitlines()
                if "=" in line)
    for die in expected(name_of(host)):
        n = die["phy"]
        assert (conf["address_%d" % n], conf["netmask_%d" % n], conf["gateway_%d" % n], conf["netdetect_%d" % n]) \
            == (die["address"], "255.255.255.0", die["gateway"], die["gateway"])
        assert conf.get("mtu_%d" % n) == die["mtu"]


def test_hccn_tool_reports_the_plan_link_up_and_health(host):
    for die in expected(name_of(host)):
        n = die["phy"]
        assert tool(host, "-i", n, "-ip", "-g").split() == ["ipaddr:" + die["address"], "netmask:255.255.255.0"]
        assert tool(host, "-i", n, "-gateway", "-g").startswith("default gateway:%s," % die["gateway"])
        assert tool(host, "-i", n, "-link", "-g").strip() == "link status: UP"
        assert tool(host, "-i", n, "-net_health", "-g").strip() == "net health status: Success"
        assert "tls switch[0]" in tool(host, "-i", n, "-tls", "-g")
        assert tool(host, "-i", n, "-mtu", "-g").strip() == "mtu:%s" % (die["mtu"] or "1500")


@pytest.mark.parametrize("phy", [0, 7])
def test_a_die_reaches_the_same_die_of_its_peer_and_not_the_other_deployment(host, phy):
    name = name_of(host)
    peer = {"mol-a3-1": "mol-a3-2", "mol-a3-2": "mol-a3-1", "mol-a2-1": "mol-a2-2", "mol-a2-2": "mol-a2-1"}[name]
    other = "mol-a2-1" if name in A3 else "mol-a3-1"
    out = tool(host, "-i", phy, "-ping", "-g", "address", expected(peer)[phy]["address"])
    assert "3 packets transmitted, 3 received, 0.00% packet loss" in out
    lost = host.run("%s -i %d -ping -g address %s" % (TOOL, phy, expected(other)[phy]["address"]))
    assert lost.rc != 0 and "3 packets transmitted, 0 received" in lost.stdout


def test_rank_table_carries_the_applied_addresses(host):
    f = host.file("/etc/mindie/rank_table.json")
    assert (f.user, f.group, f.mode) == ("HwHiAiUser", "HwHiAiUser", 0o640)
    table = json.loads(f.content_string)
    members = A3 if name_of(host) in A3 else RUNNER.get_hosts("qwen_a2")
    assert table["version"] == ("1.2" if members == A3 else "1.0")
    assert [[d["device_ip"] for d in s["device"]] for s in table["server_list"]] == [
        [die["address"] for die in expected(m)] for m in sorted(members)]
    assert re.fullmatch(r"\d+", table["server_count"]) and int(table["server_count"]) == 2


def test_current_schema_config(host):
    a3_only(host)
    f = host.file("/srv/mindie/conf/config.json")
    assert (f.user, f.group, f.mode) == ("HwHiAiUser", "HwHiAiUser", 0o640)
    text = f.content_string
    assert text.startswith('{\n    "Version": "1.0.0",\n') and text.endswith("}\n")
    config = json.loads(text)
    backend = config["BackendConfig"]
    model = backend["ModelDeployConfig"]["ModelConfig"][0]
    assert backend["npuDeviceIds"] == [list(range(16))] and backend["modelInstanceNumber"] == 1
    assert backend["multiNodesInferEnabled"] is True and backend["interNodeTLSEnabled"] is False
    assert {k: model[k] for k in ("modelName", "worldSize", "dp", "tp", "sp", "cp", "moe_tp", "moe_ep")} == {
        "modelName": "deepseek", "worldSize": 16, "dp": 4, "tp": 8, "sp": 1, "cp": 1, "moe_tp": 4, "moe_ep": 8}
    assert model["models"] == {"layerwiseDisaggregatedMasterDeviceNum": 2, "layerwiseDisaggregatedSlaveDeviceNum": 8,
                               "deepseekv2": {"ep_level": 1, "enable_mlapo_prefetch": True}}
    assert config["ServerConfig"]["interCommTLSEnabled"] is False and config["ServerConfig"]["tokenTimeout"] == 3600
    # Keys the module does not manage keep the template's order.
    template = json.loads(host.file("/srv/templates/config-current.json").content_string)
    assert list(config["ServerConfig"]) == list(template["ServerConfig"])
    assert list(config) == list(template)


def test_rc2_schema_config(host):
    a3_only(host)
    f = host.file("/srv/mindie-rc2/conf/config.json")
    assert f.mode == 0o640
    config = json.loads(f.content_string)
    assert config["ModelDeployParam"]["npuDeviceIds"] == [list(range(8))]
    assert config["ModelDeployParam"]["ModelParam"][0]["modelName"] == "qwen1.5-7b"
    assert config["OtherParam"]["ServeParam"]["httpsEnabled"] is False
