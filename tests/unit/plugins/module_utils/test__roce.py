"""The RoCE address plan, the hccn_tool commands that apply it and the reachability verdicts
(ascend-tech-reference.md section 2, serving-reference.md section 3)."""

import pytest

from ansible_collections.ascendops.llm.plugins.module_utils import _hccn, _roce

A3 = list(range(16))
A2 = list(range(8))


def host(name, group, phys=tuple(A2), family="910b", **kw):
    return dict(host=name, group=group, phy_ids=phys, chip_family=family, **kw)


def refusals(hosts, **settings):
    return _roce.plan(hosts, settings)["refusals"]


def test_formula_plan_per_node_and_die():
    plan = _roce.plan([host("a", "qwen"), host("b", "qwen")],
                      {"formula": "192.168.100.{10+node*8+die}", "netmask": 24, "gateway": "192.168.100.1"})
    assert plan["refusals"] == [] and plan["deployments"] == {"qwen": ["a", "b"]}
    assert plan["hosts"]["b"][7] == {"phy_id": 7, "address": "192.168.100.25", "netmask": "255.255.255.0",
                                     "gateway": "192.168.100.1", "netdetect": "192.168.100.1", "mtu": None,
                                     "tls": False}


def test_a3_planes_with_formula_gateways():
    plan = _roce.plan([host("a", "ds", A3, "910_93"), host("b", "ds", A3, "910_93")],
                      {"formula": "10.0.{2+die%2}.{41+node*10+die//2}", "netmask": "255.255.255.0",
                       "gateway": "10.0.{2+die%2}.1", "netdetect": "10.0.{2+die%2}.1", "mtu": 9000})
    assert plan["refusals"] == []
    assert [(d["address"], d["gateway"]) for d in plan["hosts"]["b"][:2]] == [("10.0.2.51", "10.0.2.1"),
                                                                              ("10.0.3.51", "10.0.3.1")]


def test_explicit_list_and_cidr_offset_plans():
    plan = _roce.plan([host("a", "x", [0, 1], addresses=["10.1.0.5", "10.1.0.6"]),
                       host("b", "x", [1, 0], offset=20)],  # dies in physical ID order
                      {"cidr": "10.1.0.0/24", "gateway": "10.1.0.1", "netdetect": "10.1.0.2", "tls": True})
    assert plan["refusals"] == []
    assert [(d["phy_id"], d["address"], d["netmask"], d["netdetect"], d["tls"]) for d in plan["hosts"]["b"]] == \
        [(0, "10.1.0.20", "255.255.255.0", "10.1.0.2", True), (1, "10.1.0.21", "255.255.255.0", "10.1.0.2", True)]


def test_host_values_win_over_the_settings():
    plan = _roce.plan([host("a", "x", [0], addresses=["10.2.0.5"], gateway="10.2.0.1")],
                      {"addresses": ["10.1.0.5"], "netmask": "24", "gateway": "10.1.0.1"})
    assert plan["hosts"]["a"][0]["address"] == "10.2.0.5" and plan["refusals"] == []


@pytest.mark.parametrize("hosts, settings, expected", [
    ([host("a", "x", [0, 1], addresses=["10.0.0.5"])], {"netmask": 24, "gateway": "10.0.0.1"},
     "a: npu_network_addresses has 1 entries for 2 NPU dies; give one address per die, in physical ID order."),
    ([host("a", "x", [0], addresses=["10.0.0.5"]), host("b", "x", [0], addresses=["10.0.0.5"])],
     {"netmask": 24, "gateway": "10.0.0.1"},
     "b die 0 (10.0.0.5/24): address 10.0.0.5 is also planned for a die 0; every die of the inventory needs its own "
     "address: fix npu_network_addresses."),
    ([host("a", "x", [0], addresses=["192.168.1.20"])], {"netmask": 24, "gateway": "192.168.1.1"},
     "a die 0 (192.168.1.20/24): 192.168.1.20 is in the VNIC subnet 192.168.1.0/24, which hccn_tool refuses; choose "
     "npu_network_addresses outside it."),
    ([host("a", "x", [0, 1], addresses=["10.0.0.5", "10.0.1.5"])], {"netmask": 24, "gateway": "10.0.0.1"},
     "a: npu_network_gateway 10.0.0.1 is outside the subnet of die 1 (10.0.1.0/24); set npu_network_gateway inside "
     "the dies' subnet (a {formula} gives one per plane) or fix npu_network_netmask."),
    ([host("a", "x", [0], addresses=["10.0.0.5"])], {"netmask": 24, "gateway": "10.0.0.1", "netdetect": "10.9.0.1"},
     "a: npu_network_netdetect 10.9.0.1 is outside the subnet of die 0 (10.0.0.0/24)"),
    ([host("a", "x", [0], addresses=["10.0.0.x"])], {"netmask": 24, "gateway": "10.0.0.1"},
     "a: npu_network_addresses[0] '10.0.0.x' is not an IPv4 address; fix that entry."),
    ([host("a", "x", [0], addresses=["10.0.0.5"])], {"netmask": "255.0.255.0", "gateway": "10.0.0.1"},
     "a: npu_network_netmask '255.0.255.0' is not a netmask; set it like 255.255.255.0 or 24."),
    ([host("a", "x", [0], addresses=["10.0.0.5"])], {"gateway": "10.0.0.1"},
     "a: npu_network_netmask is unset and no npu_network_cidr gives one; set npu_network_netmask"),
    ([host("a", "x", [0], addresses=["10.0.0.5"])], {"netmask": 24},
     "a: npu_network_netdetect is unset and there is no npu_network_gateway to default to"),
    ([host("a", "x", [0], addresses=["10.0.0.0"])], {"netmask": 24, "gateway": "10.0.0.1"},
     "a die 0 (10.0.0.0/24): 10.0.0.0 is the network address of 10.0.0.0/24"),
    ([host("a", "x", [0])], {"cidr": "10.0.0.0/24", "gateway": "10.0.0.1"},
     "a: npu_network_cidr is set but npu_network_offset is None; set npu_network_offset"),
    ([host("a", "x", A2, offset=250)], {"cidr": "10.0.0.0/24", "gateway": "10.0.0.1"},
     "a: npu_network_offset 250 puts the 8 dies at 10.0.0.250..10.0.1.1, outside the usable addresses"),
    ([host("a", "x", [0])], {"cidr": "10.0.0/24"}, "a: npu_network_cidr '10.0.0/24' is not an IPv4 network"),
    ([host("a", "x", [0])], {"gateway": "10.0.0.1"}, "a: no RoCE address source; set npu_network_addresses"),
    ([host("a", "x", [0], addresses=["10.0.0.5"])], {"netmask": 24, "gateway": "10.0.0.1", "mtu": 10000},
     "a: npu_network_mtu 10000 is not an integer in hccn_tool's range 68..9702"),
    ([host("a", "x", [0], addresses=["10.0.0.5"])], {"netmask": 24, "gateway": "10.0.0.1", "tls": "no"},
     "a: npu_network_tls is 'no'; set true or false"),
    ([host("a", "x", [0], addresses=["10.0.0.5"])], {"netmask": 24, "gateway": "10.0.0.1.1"},
     "a: npu_network_gateway '10.0.0.1.1' is not an IPv4 address; fix it."),
    ([host("a", "qwen", [0], addresses=["10.0.0.5"]), host("duo", "qwen", [0, 1], "310p", product="atlas-300i-duo")],
     {"netmask": 24, "gateway": "10.0.0.1"},
     "duo: its NPUs (atlas-300i-duo, chip family 310p) have no RoCE ports, so it cannot be a node of the multi-node "
     "deployment qwen; remove it from group qwen or serve it single-node."),
    ([host("a", "x", [], addresses=[])], {}, "a: no NPU dies with RoCE ports in its facts"),
    ([host("a", "ds", [0], addresses=["10.0.0.5"], tls=True), host("b", "ds", [0], addresses=["10.0.0.6"])],
     {"netmask": 24, "gateway": "10.0.0.1"},
     "deployment ds mixes TLS settings (off on b; on on a); HCCL needs one TLS switch on every die of every node: "
     "set npu_network_tls to the same value for all its hosts (false is recommended)."),
])
def test_refusals_name_host_variable_and_fix(hosts, settings, expected):
    found = refusals(hosts, **settings)
    assert any(r.startswith(expected) for r in found), found


def test_duplicates_across_deployments_and_single_node_duo():
    found = refusals([host("a", "x", [0], addresses=["10.0.0.5"]), host("b", "y", [0], addresses=["10.0.0.5"]),
                      host("duo", "z", [0, 1], "310p")], netmask=24, gateway="10.0.0.1")
    assert found == ["b die 0 (10.0.0.5/24): address 10.0.0.5 is also planned for a die 0; every die of the "
                     "inventory needs its own address: fix npu_network_addresses."]


@pytest.mark.parametrize("formula, problem", [
    ("10.0.0.{__import__('os').system('id')}", "uses Call"),
    ("10.0.0.{node**2}", "uses the operator Pow"),
    ("10.0.0.{die.real}", "uses Attribute"),
    ("10.0.0.{x}", "uses the name 'x'"),
    ("10.0.0.{1.5}", "uses 1.5"),
    ("10.0.0.{die//0}", "divides by zero"),
    ("10.0.0.{256+die}", "gives 10.0.0.256 for node 0 die 0, which is not an IPv4 address"),
    ("10.0.0.{die+}", "{die+} is not an arithmetic expression"),
    ("10.0.0.5", "has no {expression}"),
])
def test_formulas_evaluate_only_whitelisted_arithmetic(formula, problem):
    with pytest.raises(_roce.FormulaError, match=problem.replace("(", r"\(").replace("*", r"\*")
                       .replace("{", r"\{").replace("+", r"\+").replace(".", r"\.")):
        _roce.formula_address(formula, 0, 0)
    assert _roce.formula_address("10.{1+1}.{-(-3)}.{(node+1)*(die%3)}", 1, 5) == "10.2.3.4"


CURRENT = {"devices": [
    {"phy_id": 0, "address": "10.0.0.5", "netmask": "255.255.255.0", "gateway": "10.0.0.1",
     "netdetect": "10.0.0.1", "link": "UP", "net_health": "Success", "tls_enabled": False},
    {"phy_id": 1, "address": None, "netmask": None, "gateway": None, "netdetect": None, "link": "UP",
     "net_health": "Init", "tls_enabled": True, "mtu": 1500}]}
CONF = "address_0=10.0.0.5\nnetmask_0=255.255.255.0\ngateway_0=10.0.0.1\nnetdetect_0=10.0.0.1\ntls_enable_0=0\n"


def wanted(phy, address, **kw):
    return dict(dict(phy_id=phy, address=address, netmask="255.255.255.0", gateway="10.0.0.1",
                     netdetect="10.0.0.1", mtu=None, tls=False), **kw)


def test_changes_only_for_settings_that_differ():
    plan = _roce.changes(CURRENT, [wanted(1, "10.0.0.6", mtu=9000), wanted(0, "10.0.0.5")], CONF)
    assert plan["dies"] == [1] and plan["settings"] == {1: ["address", "gateway", "netdetect", "tls", "mtu"]}
    assert plan["commands"] == [
        ["-i", "1", "-ip", "-s", "address", "10.0.0.6", "netmask", "255.255.255.0"],
        ["-i", "1", "-gateway", "-s", "gateway", "10.0.0.1"],
        ["-i", "1", "-netdetect", "-s", "address", "10.0.0.1"],
        ["-i", "1", "-tls", "-s", "enable", "0"],
        ["-i", "1", "-mtu", "-s", "size", "9000"]]
    assert plan["conf_before"] == CONF
    assert plan["conf_after"] == CONF + ("address_1=10.0.0.6\nnetmask_1=255.255.255.0\ngateway_1=10.0.0.1\n"
                                         "netdetect_1=10.0.0.1\ntls_enable_1=0\nmtu_1=9000\n")
    same = _roce.changes(CURRENT["devices"], [wanted(0, "10.0.0.5", netmask="24")], CONF)
    assert same["commands"] == [] and same["conf_after"] == CONF


def test_a_new_address_sets_the_gateway_again_and_unmanaged_settings_stay():
    plan = _roce.changes(CURRENT, [{"phy_id": 0, "address": "10.0.0.9", "netmask": "255.255.255.0",
                                    "gateway": "10.0.0.1"}])
    assert [c[2] for c in plan["commands"]] == ["-ip", "-gateway"]
    tls_only = _roce.changes(CURRENT, [{"phy_id": 0, "tls": True}, {"phy_id": 1, "tls": True}])
    assert tls_only["commands"] == [["-i", "0", "-tls", "-s", "enable", "1"]]


def test_check_dies():
    assert _roce.check_dies([{"phy_id": 0, "address": "10.0.0.5", "netmask": "24", "mtu": 1500}]) == []
    assert _roce.check_dies([{"phy_id": 0, "address": "10.0.0.x", "netmask": None},
                             {"phy_id": 0, "gateway": "1.2.3", "mtu": 20}]) == [
        "die 0: address '10.0.0.x' is malformed",
        "die 0: address and netmask go together (hccn_tool -ip -s sets both)",
        "die 0 is listed twice", "die 0: gateway '1.2.3' is malformed", "die 0: mtu 20 is outside 68..9702"]


def test_ping_matrix_same_die_index_on_every_other_node():
    plan = _roce.plan([host(n, "x", [0, 1]) for n in "abc"] + [host("d", "y", [0, 1])],
                      {"formula": "10.0.0.{10+node*2+die}", "netmask": 24, "gateway": "10.0.0.1"})
    pairs = _roce.ping_matrix(plan["hosts"], plan["deployments"])
    assert len(pairs) == 3 * 2 * 2 and not any(p["peer"] == "d" or p["host"] == "d" for p in pairs)
    assert pairs[0] == {"host": "a", "phy_id": 0, "address": "10.0.0.10", "peer": "b", "peer_phy_id": 0,
                        "peer_address": "10.0.0.12"}
    assert _roce.ping_args(3, "10.0.0.12") == ["-i", "3", "-ping", "-g", "address", "10.0.0.12"]


def test_hccs_matrix_inside_one_super_pod():
    hosts = [dict(host="a", group="ds", super_pod_id=0, server_index=0, phy_ids=[0, 1]),
             dict(host="b", group="ds", super_pod_id=0, server_index=1, phy_ids=[0, 1]),
             dict(host="c", group="ds", super_pod_id=1, server_index=0, phy_ids=[0, 1])]
    pairs = _roce.hccs_matrix(hosts)
    assert [(p["host"], p["peer"], p["address"], p["peer_address"]) for p in pairs] == [
        ("a", "b", "192.0.2.199", "192.1.2.199"), ("a", "b", "192.0.3.198", "192.1.3.198"),
        ("b", "a", "192.1.2.199", "192.0.2.199"), ("b", "a", "192.1.3.198", "192.0.3.198")]
    assert _roce.hccs_ping_args(1, "192.1.3.198") == ["-i", "1", "-hccs_ping", "-g", "address", "192.1.3.198"]


def test_reachability_names_host_die_peer_and_what_to_check():
    pairs = [{"host": "a", "phy_id": 3, "address": "10.0.0.13", "peer": "b", "peer_phy_id": 3,
              "peer_address": "10.0.0.23"},
             {"host": "a", "phy_id": 4, "address": "10.0.0.14", "peer": "b", "peer_phy_id": 4,
              "peer_address": "10.0.0.24"},
             {"host": "b", "phy_id": 3, "address": "10.0.0.23", "peer": "a", "peer_phy_id": 3,
              "peer_address": "10.0.0.13"}]
    lost = ("device 3 PING 10.0.0.23\nrecv time out seq=0\nrecv time out seq=1\nrecv time out seq=2\n"
            "3 packets transmitted, 0 received, 100.00% packet loss\nCommand execute failed!\n")
    good = "device 4 PING 10.0.0.24\nrecv seq=0,time=0.1ms\nrecv seq=1,time=0.1ms\nrecv seq=2,time=0.1ms\n" \
           "3 packets transmitted, 3 received, 0.00% packet loss\n"
    context = {("a", 3): {"netmask": "255.255.255.0", "link": "UP",
                          "lldp": "Port ID TLV\n\tIfname: 200GE1/1/4\nEnd of LLDPDU TLV\n"},
               ("b", 3): {"link": "DOWN"}}
    report = _roce.reachability(pairs, [(1, lost), (0, good), (22, "Execute failed: Link status is down.\n")],
                                context)
    assert report["ok"] == [pairs[1]] and [f["host"] for f in report["failed"]] == ["a", "b"]
    assert report["messages"] == [
        "a die 3 (10.0.0.13) cannot reach b die 3 at 10.0.0.23: 0 of 3 replies. Check the cable of die 3; switch "
        "port 200GE1/1/4; that both dies have netmask 255.255.255.0 in one subnet; the peer's link "
        "(hccn_tool -i 3 -link -g on b).",
        "b die 3 (10.0.0.23) cannot reach a die 3 at 10.0.0.13: the tool refused (Execute failed: Link status is "
        "down). Check the cable and optical module of die 3 (its link is DOWN); its switch port (hccn_tool -i 3 "
        "-lldp -g names none); that both dies' netmasks put them in one subnet; the peer's link (hccn_tool -i 3 "
        "-link -g on a)."]
    hccs_out = ("device 3 PING 10.0.0.23\n\nThis pkt send fail!\nrecv seq 0, time = 0.000us, L1 plane check "
                "result = 0x0\n1 packets transmitted, 0 received, 100.00% packets loss\n")
    hccs = _roce.reachability(pairs[:1], [(0, hccs_out)], hccs=True)
    assert hccs["messages"][0].startswith("a die 3 (10.0.0.13) cannot HCCS-ping b die 3 at 10.0.0.23: 0 of 1 "
                                          "replies. Check the super pod's HCCS links")


def test_check_state_link_health_address_and_tls():
    plan = _roce.plan([host("a", "x", [0, 1]), host("b", "x", [0, 1])],
                      {"formula": "10.0.0.{10+node*2+die}", "netmask": 24, "gateway": "10.0.0.1"})

    def dev(phy, address, **kw):
        return dict(dict(phy_id=phy, address=address, link="UP", net_health="Success", tls_enabled=False), **kw)

    facts = {"a": {"devices": [dev(0, "10.0.0.10"), dev(1, "10.0.0.11")]},
             "b": {"devices": [dev(0, "10.0.0.12", link="DOWN", net_health="Fault"),
                               dev(1, "10.0.0.99", tls_enabled=True)]}}
    assert _roce.check_state(plan["hosts"], plan["deployments"], facts) == [
        "b die 0 link is DOWN; check its cable, optical module and switch port (hccn_tool -i 0 -lldp -g).",
        "b die 0 net_health is Fault; check that netdetect 10.0.0.1 answers from the die's subnet (switch, netmask "
        "255.255.255.0).",
        "b die 1 has address 10.0.0.99, planned 10.0.0.13; run the npu_network role to apply the plan.",
        "deployment x has mixed TLS switches (off: a die 0, a die 1, b die 0; on: b die 1); set npu_network_tls and "
        "apply it again."]
    facts["a"] = {"devices": []}
    assert _roce.check_state(plan["hosts"], plan["deployments"], facts)[0].startswith(
        "a die 0: hccn_info returned nothing for it")


def test_roce_follows_the_chip_table():
    assert (_roce.roce_family("910b"), _roce.roce_family("310p"), _roce.roce_family("nope")) == (True, False, None)
    assert _hccn.parse_ping("")["ok"] is False


# ---- the inventory ---------------------------------------------------------------------------------------------

def npu(phys, family="910b", product="atlas-800i-a2", **chip):
    return {"chip_family": family, "product": product, "chips": [dict(phy_id=p, **chip) for p in phys]}


def member(phys=tuple(A2), family="910b", **settings):
    return {"npu": npu(phys, family), "settings": dict({"single_host": False, "tls": False}, **settings)}


GROUPS = {"qwen": ["a1", "a2"], "solo": ["s"], "duo": ["d"], "all": ["a1", "a2", "s", "d"]}


def test_inventory_plan_deployments_and_per_host_settings():
    a2 = dict(cidr="10.2.0.0/24", gateway="10.2.0.1", addresses=[], formula="", netmask="", offset=None)
    members = {"a1": member(**{**a2, "offset": 10}), "a2": member(**{**a2, "offset": 20, "mtu": 9000}),
               "s": member(formula="10.9.0.{die+10}", netmask="24", gateway="10.9.0.1"),
               "d": member(family="310p")}
    result = _roce.inventory_plan(["qwen", "solo"], GROUPS, members)
    assert result["refusals"] == [] and result["deployments"] == {"qwen": ["a1", "a2"]}
    assert result["hosts"]["a2"][7] == {"phy_id": 7, "address": "10.2.0.27", "netmask": "255.255.255.0",
                                        "gateway": "10.2.0.1", "netdetect": "10.2.0.1", "mtu": 9000, "tls": False}
    assert result["hosts"]["a1"][0]["mtu"] is None
    # extra vars come as text
    text = dict(members, a1=member(**{**a2, "offset": "10", "mtu": "9000", "tls": "false"}))
    assert _roce.inventory_plan(["qwen"], GROUPS, text)["hosts"]["a1"][1] == dict(
        result["hosts"]["a1"][1], mtu=9000)
    assert result["skipped"] == {"s": "a one-host deployment (set npu_network_single_host to address it)",
                                 "d": "in no multi-node deployment (npu_network_deployment_groups)"}
    assert _roce.plan_lines(result)[0] == "qwen a1 die 0: 10.2.0.10/255.255.255.0 gateway 10.2.0.1 netdetect " \
                                          "10.2.0.1 tls off"
    assert _roce.plan_lines(result)[15].endswith("die 7: 10.2.0.27/255.255.255.0 gateway 10.2.0.1 netdetect "
                                                 "10.2.0.1 tls off mtu 9000")
    assert _roce.plan_lines(result)[-2:] == ["d: not addressed, in no multi-node deployment "
                                             "(npu_network_deployment_groups)",
                                             "s: not addressed, a one-host deployment (set "
                                             "npu_network_single_host to address it)"]

    members["s"]["settings"]["single_host"] = True
    members["d"]["settings"]["single_host"] = True   # a Duo asked for alone has no RoCE: nothing, no refusal
    result = _roce.inventory_plan(["qwen", "solo"], GROUPS, members)
    assert result["refusals"] == [] and result["skipped"] == {}
    assert [d["address"] for d in result["hosts"]["s"]][:2] == ["10.9.0.10", "10.9.0.11"]
    assert result["hosts"]["d"] == [] and result["deployments"]["solo"] == ["s"]


@pytest.mark.parametrize("groups_var, members, expected", [
    ("qwen", {}, "npu_network_deployment_groups is 'qwen'; set it to a list"),
    (["nope"], {}, "npu_network_deployment_groups names nope, which is not an inventory group with hosts"),
    (["qwen", "all"], {h: member(formula="10.0.0.{node*8+die+1}", netmask="24", gateway="10.0.0.254")
                       for h in GROUPS["all"]},
     "a1: it is in the deployments qwen and all, and a die can have one plan only"),
    (["qwen"], {"a1": member(formula="10.0.0.{die+1}", netmask="24", gateway="10.0.0.254"), "a2": None},
     "a2: it is a node of the deployment qwen but did not run the npu_network role (the play ran with --limit"),
    (["qwen"], {"a1": member(formula="10.0.0.{die+1}", netmask="24", gateway="10.0.0.254"),
                "a2": member(formula="10.0.0.{die+1}", netmask="24", gateway="10.0.0.254")},
     "a2 die 0 (10.0.0.1/24): address 10.0.0.1 is also planned for a1 die 0; every die of the inventory needs its "
     "own address: fix npu_network_formula."),
])
def test_inventory_plan_refusals(groups_var, members, expected):
    refusals = _roce.inventory_plan(groups_var, GROUPS, members)["refusals"]
    assert any(r.startswith(expected) for r in refusals), refusals


def test_host_pairs_carry_their_command_and_hccs_uses_the_super_pod():
    a3 = {"formula": "10.3.{die}.{node+10}", "netmask": "24", "gateway": "10.3.{die}.1"}
    members = {"x": member(A3, "910_93", **a3), "y": member(A3, "910_93", **a3)}
    for name, index in (("x", 4), ("y", 5)):
        members[name]["npu"] = npu(A3, "910_93", "atlas-800i-a3", super_pod_id=0, server_index=index)
    result = _roce.inventory_plan(["ds"], {"ds": ["x", "y"]}, members)
    pairs = _roce.host_pairs(result, "y")
    assert len(pairs) == 16 and pairs[3] == {
        "host": "y", "phy_id": 3, "address": "10.3.3.11", "peer": "x", "peer_phy_id": 3,
        "peer_address": "10.3.3.10", "argv": ["-i", "3", "-ping", "-g", "address", "10.3.3.10"]}
    hccs = _roce.host_pairs(result, "x", {h: m["npu"] for h, m in members.items()}, hccs=True)
    assert len(hccs) == 16 and hccs[1]["argv"] == ["-i", "1", "-hccs_ping", "-g", "address", "192.5.3.198"]
    assert hccs[1]["address"] == "192.4.3.198"
    assert _roce.host_pairs(result, "x", {"x": npu(A3, "910_93")}, hccs=True) == []   # no super pod ids


def test_judge_reads_command_results_links_and_switch_ports():
    plan = _roce.plan([host("a", "x", [0, 1]), host("b", "x", [0, 1])],
                      {"formula": "10.0.0.{10+node*2+die}", "netmask": 24, "gateway": "10.0.0.1"})
    pairs = _roce.host_pairs(plan, "a")
    good = "device 0 PING 10.0.0.12\n" + "".join("recv seq=%d,time=0.1ms\n" % n for n in range(3)) + \
        "3 packets transmitted, 3 received, 0.00% packet loss\n"
    results = [{"item": pairs[0], "rc": 0, "stdout": good, "stderr": ""},
               {"item": pairs[1], "rc": 22, "stdout": "", "stderr": "Execute failed: Link status is down."}]
    hccn = {"devices": [{"phy_id": 0, "link": "UP"}, {"phy_id": 1, "link": "DOWN"}]}
    lldp = [{"item": 1, "rc": 0, "stdout": "Port ID TLV\n\tIfname: 200GE1/1/2\n"}]
    verdict = _roce.judge(results, plan["hosts"]["a"], hccn, lldp)
    assert verdict["ok"] == [pairs[0]] and [f["phy_id"] for f in verdict["failed"]] == [1]
    assert verdict["messages"] == [
        "a die 1 (10.0.0.11) cannot reach b die 1 at 10.0.0.13: the tool refused (Execute failed: Link status is "
        "down). Check the cable and optical module of die 1 (its link is DOWN); switch port 200GE1/1/2; that both "
        "dies have netmask 255.255.255.0 in one subnet; the peer's link (hccn_tool -i 1 -link -g on b)."]
    assert _roce.judge([], plan["hosts"]["a"]) == {"ok": [], "failed": [], "messages": []}
