"""_rank_table: the tables of ascend-tech-reference.md sections 3.1 and 3.2 rebuilt field for field from the
servers' facts, every invalid input refused with the server and device named, and the checks a table read back
must pass for HCCL and for MindIE."""

from __future__ import annotations

import copy
import json
import pathlib

import pytest

from ansible_collections.ascendops.llm.plugins.module_utils._rank_table import (
    build_rank_table, server_from_facts, validate_rank_table, version_for)

REFERENCE = pathlib.Path(__file__).resolve().parents[3] / "fixtures" / "reference"


def reference(name):
    return json.loads((REFERENCE / name).read_text())


def a2_servers():
    return [{"server_id": "192.168.10.%d" % (11 + n), "container_ip": "192.168.10.%d" % (11 + n),
             "super_pod_id": None,
             "devices": [{"device_id": d, "device_ip": "192.168.100.%d" % (10 * (n + 1) + d), "super_device_id": None}
                         for d in range(8)]}
            for n in range(2)]


def a3_servers():
    """Server indexes 4 and 5 of super pod 0; die d is chip d % 2 of card d // 2; SDID by the reference's layout."""
    servers = []
    for n, index in enumerate((4, 5)):
        devices = []
        for d in range(16):
            card, chip = divmod(d, 2)
            devices.append({"device_id": d, "device_ip": "10.0.%d.%d" % (2 + chip, 41 + 10 * n + card),
                            "super_device_id": (index << 22) | ((card * 4 + chip) << 16) | d})
        servers.append({"server_id": "10.10.0.%d" % (11 + n), "container_ip": "10.10.0.%d" % (11 + n),
                        "super_pod_id": "0", "devices": devices})
    return servers


@pytest.mark.parametrize("servers, fixture", [(a2_servers, "rank-table-2x800i-a2.json"),
                                              (a3_servers, "rank-table-2x800i-a3.json")])
def test_reference_tables_field_for_field(servers, fixture):
    built = build_rank_table(servers())
    expected = reference(fixture)
    assert built == expected
    assert json.dumps(built) == json.dumps(expected)  # the same key order too
    assert validate_rank_table(built, "mindie") == [] and validate_rank_table(built, "hccl") == []


def test_version_12_asked_for_and_a_single_server():
    servers = a3_servers()[:1]
    table = build_rank_table(servers, "1.2")
    assert table["version"] == "1.2" and table["super_pod_list"] == [{"super_pod_id": "0",
                                                                     "server_list": [{"server_id": "10.10.0.11"}]}]
    assert validate_rank_table(table, "hccl") == []
    assert validate_rank_table(table, "mindie") == ["MindIE needs 2 to 60 servers for multi-node inference, the "
                                                    "table has 1"]


def test_super_pods_in_server_order():
    servers = a3_servers()
    servers[1]["super_pod_id"] = "7"
    table = build_rank_table(servers)
    assert table["super_pod_list"] == [{"super_pod_id": "0", "server_list": [{"server_id": "10.10.0.11"}]},
                                       {"super_pod_id": "7", "server_list": [{"server_id": "10.10.0.12"}]}]


def broken(build, change):
    servers = build()
    change(servers)
    return servers


INVALID = [
    ("duplicate server", a2_servers, lambda s: s[1].update(server_id="192.168.10.11"),
     "server 192.168.10.11 appears twice"),
    ("duplicate device ip", a2_servers, lambda s: s[1]["devices"][3].update(device_ip="192.168.100.12"),
     "server 192.168.10.12 device 3 has device_ip 192.168.100.12, already used by server 192.168.10.11 device 2"),
    ("unequal device counts", a2_servers, lambda s: s[1]["devices"].pop(),
     "server 192.168.10.12 has 7 devices but 192.168.10.11 has 8"),
    ("empty container ip", a2_servers, lambda s: s[0].update(container_ip=""),
     "server 192.168.10.11 has an empty container_ip"),
    ("bad container ip", a2_servers, lambda s: s[0].update(container_ip="node-1"),
     "server 192.168.10.11 has container_ip 'node-1', which is not an IP address"),
    ("device id over 63", a2_servers, lambda s: s[0]["devices"][0].update(device_id=64),
     "server 192.168.10.11 device 64: device_id must be an integer in [0, 63]"),
    ("device id listed twice", a2_servers, lambda s: s[0]["devices"][1].update(device_id=0),
     "server 192.168.10.11 lists device 0 twice"),
    ("bad device ip", a2_servers, lambda s: s[1]["devices"][5].update(device_ip="192.168.100.300"),
     "server 192.168.10.12 device 5 has device_ip '192.168.100.300', which is not an IP address"),
    ("missing device ip", a2_servers, lambda s: s[1]["devices"][5].update(device_ip=None),
     "server 192.168.10.12 device 5 has device_ip None"),
    ("no devices", a2_servers, lambda s: s[0].update(devices=[]), "server 192.168.10.11 has no devices"),
    ("no server id", a2_servers, lambda s: s[0].update(server_id=""), "a server has no server_id"),
    ("some super device ids only", a3_servers, lambda s: s[1]["devices"][4].update(super_device_id=None),
     "server 10.10.0.12 device 4 has no super_device_id while other devices have one"),
    ("duplicate super device id in a pod", a3_servers,
     lambda s: s[1]["devices"][2].update(super_device_id=s[0]["devices"][2]["super_device_id"]),
     "server 10.10.0.12 device 2 has super_device_id 17039362, already used in super pod 0 by server 10.10.0.11 "
     "device 2"),
    ("super device ids without a pod", a3_servers, lambda s: s[0].update(super_pod_id=None),
     "server 10.10.0.11 has no super_pod_id"),
]


@pytest.mark.parametrize("what, build, change, message", INVALID, ids=[i[0] for i in INVALID])
def test_invalid_input(what, build, change, message):
    with pytest.raises(ValueError) as err:
        build_rank_table(broken(build, change))
    assert message in str(err.value)


def test_version_12_needs_super_device_ids_and_known_versions():
    with pytest.raises(ValueError, match="server 192.168.10.11 device 0 has no super_device_id, which rank table "
                                         "1.2 needs"):
        build_rank_table(a2_servers(), "1.2")
    with pytest.raises(ValueError, match="version '2.0' is not one of 1.0, 1.2"):
        build_rank_table(a2_servers(), "2.0")
    with pytest.raises(ValueError, match="no servers"):
        build_rank_table([])


def test_more_than_512_ranks():
    servers = [{"server_id": "10.0.%d.1" % n, "container_ip": "10.0.%d.1" % n, "super_pod_id": None,
                "devices": [{"device_id": d, "device_ip": "10.1.%d.%d" % (n, d), "super_device_id": None}
                            for d in range(16)]} for n in range(33)]
    with pytest.raises(ValueError, match="33 servers x 16 devices = 528 ranks, more than HCCL's 512"):
        build_rank_table(servers)
    assert len(build_rank_table(servers[:32])["server_list"]) == 32


def hccl_tools_table():
    """What hccl_tools.py writes for one server: no container_ip, host_nic_ip "reserve"."""
    return {"version": "1.0", "server_count": "1",
            "server_list": [{"server_id": "10.0.0.1", "host_nic_ip": "reserve",
                             "device": [{"device_id": str(d), "device_ip": "192.168.100.%d" % (10 + d),
                                         "rank_id": str(d)} for d in range(8)]}],
            "status": "completed"}


def test_hccl_accepts_what_hccl_tools_writes_and_mindie_does_not():
    table = hccl_tools_table()
    assert validate_rank_table(table, "hccl") == []
    assert validate_rank_table(table, "mindie") == [
        "MindIE needs 2 to 60 servers for multi-node inference, the table has 1",
        "server 10.0.0.1 has an empty container_ip (MindIE finds its node by it)"]


def mutate(table, change):
    out = copy.deepcopy(table)
    change(out)
    return out


VALIDATION = [
    ("interleaved ranks", lambda t: t["server_list"][1]["device"][0].update(rank_id="0"),
     "server 192.168.10.12 device 0 has rank_id '0' where 8 follows"),
    ("numbers instead of strings", lambda t: t["server_list"][0]["device"][0].update(rank_id=0),
     "server 192.168.10.11 device 0: every value must be a JSON string"),
    ("server count", lambda t: t.update(server_count="3"), "server_count is '3' but server_list has 2 servers"),
    ("status", lambda t: t.update(status="initializing"), "status is 'initializing', not \"completed\""),
    ("version", lambda t: t.update(version="1.1"), "version is '1.1', not one of 1.0, 1.2"),
    ("device id", lambda t: t["server_list"][0]["device"][0].update(device_id="64"),
     "server 192.168.10.11 device 64: device_id must be an integer in [0, 63]"),
    ("duplicate device ip", lambda t: t["server_list"][1]["device"][0].update(device_ip="192.168.100.10"),
     "server 192.168.10.12 device 0 has device_ip 192.168.100.10, already used by server 192.168.10.11 device 0"),
    ("empty container ip", lambda t: t["server_list"][1].update(container_ip=""),
     "server 192.168.10.12 has an empty container_ip"),
    ("unequal devices", lambda t: t["server_list"][1]["device"].pop(),
     "server 192.168.10.12 has 7 devices but 192.168.10.11 has 8: every server needs the same number"),
    ("too many devices per node", lambda t: [s["device"].extend(
        {"device_id": str(d % 64), "device_ip": "10.9.%d.%d" % (i, d), "rank_id": "x"} for d in range(25))
        for i, s in enumerate(t["server_list"])], "has 33 devices; MindIE allows 1 to 32 per node"),
    ("no servers", lambda t: t.update(server_list=[]), "server_list is missing or empty"),
]


@pytest.mark.parametrize("what, change, message", VALIDATION, ids=[v[0] for v in VALIDATION])
def test_validation_of_a_table_read_back(what, change, message):
    problems = validate_rank_table(mutate(reference("rank-table-2x800i-a2.json"), change), "mindie")
    assert any(message in p for p in problems), problems


READ_BACK_RULES = [
    ("duplicate server", lambda t: t["server_list"][1].update(server_id="192.168.10.11"),
     "server 192.168.10.11 appears twice: every server_id must be unique"),
    ("device listed twice", lambda t: t["server_list"][0]["device"][1].update(device_id="0"),
     "server 192.168.10.11 lists device 0 twice"),
    ("unequal devices for hccl too", lambda t: t["server_list"][1]["device"].pop(),
     "server 192.168.10.12 has 7 devices but 192.168.10.11 has 8: every server needs the same number"),
    ("the key that is not a string", lambda t: t["server_list"][0]["device"][2].update(rank_id=2),
     "server 192.168.10.11 device 2: every value must be a JSON string (rank_id is not)"),
    ("a server that is no object", lambda t: t["server_list"].append("192.168.10.13"),
     "server #2 is a JSON str, not an object"),
    ("no server id", lambda t: t["server_list"][1].pop("server_id"),
     "a server has no server_id (server #1 of server_list)"),
]


@pytest.mark.parametrize("what, change, message", READ_BACK_RULES, ids=[r[0] for r in READ_BACK_RULES])
def test_rules_that_build_and_validation_share(what, change, message):
    """One rule, one message: what refuses a table read back for HCCL also refuses it at build time."""
    problems = validate_rank_table(mutate(reference("rank-table-2x800i-a2.json"), change), "hccl")
    assert any(message in p for p in problems), problems


def test_build_checks_once_for_its_consumer_and_lists_every_problem():
    with pytest.raises(ValueError, match="^MindIE needs 2 to 60 servers for multi-node inference, the table has 1$"):
        build_rank_table(a2_servers()[:1], consumer="mindie")
    servers = a2_servers()
    servers[1]["devices"][3]["device_ip"] = "192.168.100.12"
    servers[0]["devices"][0]["device_id"] = 64
    with pytest.raises(ValueError) as err:
        build_rank_table(servers)
    assert str(err.value) == ("server 192.168.10.11 device 64: device_id must be an integer in [0, 63]; server "
                              "192.168.10.12 device 3 has device_ip 192.168.100.12, already used by server "
                              "192.168.10.11 device 2")


def test_build_for_hccl_without_container_ips_as_hccl_tools_writes():
    servers = a2_servers()
    for s in servers:
        del s["container_ip"]
    table = build_rank_table(servers)
    assert [sorted(s) for s in table["server_list"]] == [["device", "server_id"]] * 2
    with pytest.raises(ValueError, match="server 192.168.10.12 has an empty container_ip"):
        build_rank_table(servers, consumer="mindie")


def test_a_super_pod_without_an_id():
    table = mutate(reference("rank-table-2x800i-a3.json"), lambda t: t["super_pod_list"][0].update(super_pod_id=""))
    assert validate_rank_table(table, "hccl") == ["server 10.10.0.11 has no super_pod_id, which rank table 1.2 needs",
                                                  "server 10.10.0.12 has no super_pod_id, which rank table 1.2 needs"]


def test_validation_of_super_pods():
    table = reference("rank-table-2x800i-a3.json")
    same = mutate(table, lambda t: t["server_list"][1]["device"][0].update(super_device_id="16777216"))
    assert validate_rank_table(same, "hccl") == [
        "server 10.10.0.12 device 0 has super_device_id 16777216, already used in super pod 0 by server 10.10.0.11 "
        "device 0 (HCCL refuses devices with the same superDeviceId in a super pod)"]
    missing = mutate(table, lambda t: t["server_list"][0]["device"][3].pop("super_device_id"))
    assert validate_rank_table(missing, "hccl") == ["server 10.10.0.11 device 3 has no super_device_id, which "
                                                    "rank table 1.2 needs"]
    unplaced = mutate(table, lambda t: t["super_pod_list"][0]["server_list"].pop())
    assert validate_rank_table(unplaced, "hccl") == ["server 10.10.0.12 is in 0 super pods of super_pod_list, not "
                                                     "exactly one"]
    assert validate_rank_table(mutate(table, lambda t: t.pop("super_pod_list")), "hccl") == [
        "version 1.2 needs a super_pod_list"]
    with pytest.raises(ValueError, match="consumer 'vllm'"):
        validate_rank_table(table, "vllm")
    assert validate_rank_table([], "hccl") == ["the rank table is a JSON list, not an object"]


def a3_facts(node, server_index):
    """npu and hccn facts of a simulated 800I A3 in the shape npu_info and hccn_info return."""
    chips, devices = [], []
    for phy in reversed(range(16)):  # any order: ranks follow the physical IDs
        card, chip = divmod(phy, 2)
        chips.append({"npu_id": card, "chip_id": chip, "phy_id": phy, "super_pod_id": 0,
                      "super_device_id": (server_index << 22) | ((card * 4 + chip) << 16) | phy})
        devices.append({"phy_id": phy, "address": "10.0.%d.%d" % (2 + chip, 41 + 10 * node + card)})
    return {"chip_family": "910_93", "chips": chips}, {"present": True, "devices": devices}


def test_servers_from_facts_rebuild_the_reference_a3_table():
    facts = [a3_facts(0, 4), a3_facts(1, 5)]
    servers = [server_from_facts("a3-%d" % n, "10.10.0.%d" % (11 + n), npu, hccn) for n, (npu, hccn) in
               enumerate(facts)]
    table = build_rank_table(servers, version_for([f[0] for f in facts]))
    expected = reference("rank-table-2x800i-a3.json")
    expected["super_pod_list"][0]["super_pod_id"] = "0"
    assert table == expected
    assert version_for([{"chip_family": "910b"}, {"chip_family": "910b"}]) == "1.0"


def test_servers_from_facts_refusals():
    npu, hccn = a3_facts(0, 4)
    hccn["devices"] = [d for d in hccn["devices"] if d["phy_id"] not in (3, 5)]
    with pytest.raises(ValueError, match=r"host a3-1: NPU 3, 5 have no RoCE address in the hccn facts; configure "
                                         r"them \(hccn_tool"):
        server_from_facts("a3-1", "10.10.0.11", npu, hccn)
    npu, hccn = a3_facts(0, 4)
    npu["chips"][0]["super_pod_id"] = 1
    with pytest.raises(ValueError, match="host a3-1: its dies report different super pod IDs"):
        server_from_facts("a3-1", "10.10.0.11", npu, hccn)
    with pytest.raises(ValueError, match="host a3-1: the npu facts list no NPU chips"):
        server_from_facts("a3-1", "10.10.0.11", {"chips": []}, hccn)
