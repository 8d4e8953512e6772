"""The npu_network filters read hostvars as the role leaves them: settings per host, facts, registered results."""

from ansible_collections.ascendops.llm.plugins.filter import network


def hostvars():
    def host(node, changed):
        npu = {"chip_family": "910b", "product": "atlas-800i-a2", "chips": [{"phy_id": 0}, {"phy_id": 1}]}
        hccn = {"devices": [{"phy_id": p, "address": "10.0.0.%d" % (10 + node * 2 + p), "link": "UP",
                             "net_health": "Success", "tls_enabled": False} for p in (0, 1)]}
        settings = {"single_host": False, "formula": "10.0.0.{10+node*2+die}", "netmask": "24",
                    "gateway": "10.0.0.1", "tls": False}
        return {"ansible_facts": {"npu": npu, "hccn": hccn}, "__npu_network_settings": settings,
                "__npu_network_applied": {"changed": changed}}
    return {"a": host(0, False), "b": host(1, True), "c": {"ansible_facts": {}}}


def test_plan_from_hostvars_and_what_follows():
    hv = hostvars()
    plan = network.ascend_roce_plan(hv, {"x": ["a", "b"], "ascend": ["a", "b", "c"]}, ["x"], ["a", "b", "c"])
    assert plan["refusals"] == [] and plan["skipped"] == {
        "c": "in no multi-node deployment (npu_network_deployment_groups)"}
    assert [d["address"] for d in plan["hosts"]["b"]] == ["10.0.0.12", "10.0.0.13"]
    assert network.ascend_roce_state(plan, hv, "a") == []
    assert network.ascend_roce_changed(plan, hv, "a") is True
    hv["b"]["__npu_network_applied"]["changed"] = False
    assert network.ascend_roce_changed(plan, hv, "a") is False
    assert [p["peer_address"] for p in network.ascend_roce_pairs(plan, "a")] == ["10.0.0.12", "10.0.0.13"]
    hv["b"]["ansible_facts"]["hccn"]["devices"][1]["net_health"] = "Receive timeout"
    assert network.ascend_roce_state(plan, hv, "a") == [
        "b die 1 net_health is Receive timeout; check that netdetect 10.0.0.1 answers from the die's subnet "
        "(switch, netmask 255.255.255.0)."]


def test_a_node_outside_the_play_is_refused():
    hv = hostvars()
    del hv["b"]["__npu_network_settings"]
    plan = network.ascend_roce_plan(hv, {"x": ["a", "b"]}, ["x"], ["a"])
    assert plan["refusals"][0].startswith("b: it is a node of the deployment x but did not run the npu_network role")
