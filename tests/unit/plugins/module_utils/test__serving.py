"""A MindIE deployment: membership, what the whole deployment cannot do, the service environment, the refusals
before a start, and the restart decision."""

from __future__ import annotations

import pytest

from ansible_collections.ascendops.llm.plugins.module_utils import _serving as s

GROUPS = {"all": ["a2", "duo", "a3-1", "a3-2"], "ascend": ["a2", "duo", "a3-1", "a3-2"], "sim_a3": ["a3-1", "a3-2"],
          "qwen": ["a2"]}


def test_a_host_in_a_listed_group_serves_with_it_in_inventory_order():
    d = s.deployment("a3-2", GROUPS, ["sim_a3"])
    assert d == {"name": "sim_a3", "members": ["a3-1", "a3-2"], "master": "a3-1", "multi_node": True,
                 "problems": []}


def test_a_host_in_no_listed_group_is_a_deployment_of_its_own():
    expected = {"name": "duo", "members": ["duo"], "master": "duo", "multi_node": False, "problems": []}
    assert s.deployment("duo", GROUPS, ["sim_a3"]) == expected


def test_a_host_in_two_listed_groups_is_named():
    groups = dict(GROUPS, other=["a3-2"])
    assert s.deployment("a3-2", groups, ["sim_a3", "other"])["problems"] == [
        "a3-2 is in sim_a3 and other, which mindie_deployment_groups all list; a host serves one deployment: take it "
        "out of all but one"]


def test_what_a_deployment_cannot_do():
    members = ["a", "b"]
    assert s.deployment_problems("d", members, {"a": "atlas-800i-a3", "b": "atlas-800i-a3"}, {"a": 16, "b": 16},
                                 members) == []
    mixed = s.deployment_problems("d", members, {"a": "atlas-800i-a3", "b": "atlas-800i-a2"}, {"a": 16, "b": 8},
                                  members)
    assert mixed == ["deployment d mixes atlas-800i-a2 with 8 dies and atlas-800i-a3 with 16 dies; every node of a "
                     "multi-node deployment must be the same product with the same dies: move the others to a "
                     "deployment of their own"]
    duo = s.deployment_problems("d", members, {"a": "atlas-300i-duo", "b": "atlas-300i-duo"}, {"a": 8, "b": 8},
                                members)
    assert duo == ["deployment d has 2 nodes with an Atlas 300I Duo; MindIE serves the 300I Duo on one node only: give "
                   "each Duo a deployment of its own"]
    limited = s.deployment_problems("d", members, {}, {}, ["a"])
    assert limited == ["deployment d: b is not in this play (--limit?); its rank table and start need every member: "
                       "run without --limit"]
    many = ["n%d" % i for i in range(61)]
    assert "takes at most 60" in s.deployment_problems("d", many, dict.fromkeys(many, "x"), dict.fromkeys(many, 8),
                                                       many)[0]


def test_dp_follows_the_ranks_when_only_tp_is_given():
    assert s.parallel_sizes({"tp": 2}, 8) == {"tp": 2, "dp": 4}
    assert s.parallel_sizes({"tp": 2}, 32) == {"tp": 2, "dp": 16}   # a second A3 node joined
    assert s.parallel_sizes({"tp": 3}, 8) == {"tp": 3}              # left for mindie_config to refuse
    assert s.parallel_sizes({"tp": 8, "dp": 1}, 16) == {"tp": 8, "dp": 1}
    assert s.parallel_sizes({}, 8) == {}


def test_interface_of_an_address():
    facts = {"interfaces": ["lo", "eth0"], "lo": {"ipv4": {"address": "127.0.0.1"}},
             "eth0": {"ipv4": {"address": "172.18.0.2"}, "ipv4_secondaries": [{"address": "10.3.0.10"}]}}
    assert s.interface_of(facts, "172.18.0.2") == "eth0"
    assert s.interface_of(facts, "10.3.0.10") == "eth0"
    assert s.interface_of(facts, "192.0.2.1") == ""


SETTINGS = {"memory_fraction": 0.9, "ip": "172.18.0.2", "multi_node": False, "master_ip": "172.18.0.2",
            "master_port": 27070, "world_size": 8, "hccl_connect_timeout": 7200, "gloo_ifname": "eth0", "extra": {},
            "rank_table": "/etc/ascendops/mindie/rank_table.json"}


def test_single_node_environment_names_no_rank_table():
    env = s.service_env(SETTINGS)
    assert env["NPU_MEMORY_FRACTION"] == "0.9" and env["MIES_CONTAINER_IP"] == "172.18.0.2"
    assert "RANK_TABLE_FILE" not in env and "MASTER_IP" not in env  # ATB would read a stale table
    assert env["http_proxy"] == env["https_proxy"] == ""
    assert env["MINDIE_LOG_TO_STDOUT"] == "1"


def test_multi_node_environment_is_what_the_a3_two_node_guide_sets():
    env = s.service_env(dict(SETTINGS, multi_node=True, ip="172.18.0.3", world_size=32,
                             extra={"HCCL_CONNECT_TIMEOUT": 3600, "ATB_LLM_COMM_BACKEND": None}))
    assert {k: env[k] for k in ("RANK_TABLE_FILE", "RANKTABLEFILE", "MIES_RANKTABLEFILE")} == dict.fromkeys(
        ("RANK_TABLE_FILE", "RANKTABLEFILE", "MIES_RANKTABLEFILE"), "/etc/ascendops/mindie/rank_table.json")
    assert (env["MASTER_IP"], env["MASTER_PORT"], env["MIES_CONTAINER_IP"], env["GLOO_SOCKET_IFNAME"]) == (
        "172.18.0.2", "27070", "172.18.0.3", "eth0")
    assert env["WORLD_SIZE"] == "32"
    assert env["HCCL_CONNECT_TIMEOUT"] == "3600"       # the operator's value wins
    assert env["ATB_LLM_COMM_BACKEND"] == ""


def test_env_file_is_sorted_and_refuses_what_docker_cannot_read():
    assert s.env_file({"B": "2", "A": "x=y"}) == "A=x=y\nB=2\n"
    with pytest.raises(ValueError, match="cannot go into an env file"):
        s.env_file({"BAD NAME": "1"})
    with pytest.raises(ValueError):
        s.env_file({"A": "two\nlines"})


SS = """LISTEN 0      4096      127.0.0.2:1026       0.0.0.0:*    users:(("mindieservice_d",pid=812,fd=7))
LISTEN 0      5         0.0.0.0:8080         0.0.0.0:*    users:(("python3",pid=77,fd=3))
LISTEN 0      4096      [::]:22              [::]:*
"""


def test_parse_ss():
    assert s.parse_ss(SS) == [
        {"port": 1026, "address": "127.0.0.2", "process": "mindieservice_d", "pid": 812},
        {"port": 8080, "address": "0.0.0.0", "process": "python3", "pid": 77},
        {"port": 22, "address": "::", "process": "", "pid": None}]


def inputs(**changes):
    base = {"ip": "172.18.0.4",
            "ports": {"mindie_port": 1025, "mindie_management_port": 1026, "mindie_metrics_port": 1027,
                      "mindie_inter_comm_port": 1121, "mindie_multi_node_port": 1120},
            "listeners": s.parse_ss(SS), "own_pids": [812], "memory_fraction": 0.8, "reserve_mb": 3072,
            "weights_dir": "/data/models/m",
            "weights": {"exists": True, "symlink": False, "files": ["/data/models/m/model.safetensors"],
                        "bytes": 14 * 1024 ** 3, "torch_dtype": "bfloat16"},
            "tp": 2, "bf16": True, "chips": [{"phy_id": 0, "hbm_total_mb": 32768, "memory_total_mb": 0}]}
    base.update(changes)
    return base


def test_a_fitting_start_has_no_problems():
    assert s.problems("h", inputs()) == []   # port 1026 is held by the deployment's own daemon


@pytest.mark.parametrize("changes, words", [
    ({"ip": ""}, "h: mindie_ip_address is empty and the host has neither ascend_node_ip nor a default IPv4 address"),
    ({"ports": {"mindie_port": 80, "mindie_management_port": 1026, "mindie_metrics_port": 1027,
                "mindie_inter_comm_port": 1121, "mindie_multi_node_port": 1120}},
     "h: mindie_port (80) is outside 1024-65535"),
    ({"ports": {"mindie_port": 1025, "mindie_management_port": 1026, "mindie_metrics_port": 1026,
                "mindie_inter_comm_port": 1025, "mindie_multi_node_port": 1120}},
     "h: mindie_inter_comm_port (1025) equals mindie_port"),
    ({"own_pids": []}, "h: mindie_management_port (1026) is in use by process 812 (mindieservice_d) on 127.0.0.2; "
                       "MindIE checks every port on all addresses"),
    ({"memory_fraction": 1.5}, "h: mindie_npu_memory_fraction (1.5) is not in (0, 1]"),
    ({"memory_fraction": "most"}, "h: mindie_npu_memory_fraction ('most') is not in (0, 1]"),
    ({"listeners": s.parse_ss("LISTEN 0 5 172.18.0.4:1025 0.0.0.0:*\n")},
     "h: mindie_port (1025) is in use by another process on 172.18.0.4"),
    ({"weights": {"exists": False}}, "h: mindie_weights_dir (/data/models/m) does not exist"),
    ({"weights": {"exists": True, "files": [], "torch_dtype": "float16"}}, "holds no *.safetensors"),
    ({"bf16": False}, "h: mindie_weights_dir holds a bfloat16 model (config.json torch_dtype) and this host's chips "
                      "have no bf16"),
    ({"tp": 1, "memory_fraction": 0.5},
     "h: mindie_npu_memory_fraction (0.5) leaves no KV cache on chip 0: 14336 MB of weights per die (tensor "
     "parallel 1) and 3072 MB reserved need more than 16384 of its 32768 MB"),
    # a 310P die: its DDR (memory_total_mb), not HBM, is what MindIE takes a share of
    ({"tp": 1, "memory_fraction": 0.3, "chips": [{"phy_id": 3, "hbm_total_mb": 0, "memory_total_mb": 44278}]},
     "leaves no KV cache on chip 3: 14336 MB of weights per die (tensor parallel 1) and 3072 MB reserved need more "
     "than 13283 of its 44278 MB"),
])
def test_each_refusal_names_the_variable(changes, words):
    found = s.problems("h", inputs(**changes))
    assert any(words in p for p in found), found


def test_a_deployment_restarts_when_any_node_changed():
    assert s.restart(["a", "b"], {"a": False, "b": True})
    assert not s.restart(["a", "b"], {"a": False, "b": False, "c": True})
