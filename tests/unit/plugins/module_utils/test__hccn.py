"""hccn_tool output and /etc/hccn.conf (ascend-tech-reference.md section 2)."""

import pytest

from ansible_collections.ascendops.llm.plugins.module_utils import _hccn

CONF = """address_0=29.1.137.205
netmask_0=255.255.0.0
netdetect_0=29.1.0.1
gateway_0=29.1.0.1
send_arp_status_0=1
tls_enable_0=0
address_7=29.1.170.143
netmask_7=255.255.0.0
"""


def test_get_outputs():
    ip = {"address": "29.1.137.205", "netmask": "255.255.0.0"}
    assert _hccn.parse_ip("ipaddr:29.1.137.205\nnetmask:255.255.0.0\n") == ip
    unset = {"address": None, "netmask": None}
    assert _hccn.parse_ip("Get ipconf failed, because no ip was preset there!\n") == unset
    assert _hccn.parse_gateway("default gateway:192.168.6.1, Iface:eth0\n") == "192.168.6.1"
    assert _hccn.parse_netdetect("netdetect addr: 29.1.0.1\n") == "29.1.0.1"
    assert _hccn.parse_link("link status: UP\n") == "UP"
    assert _hccn.parse_net_health("net health status: Init\n") == "Init"
    tls = ("dev_id:0, tls switch[0](0:disable, 1:enable), tls preconfigured[1](0:non-preset, 1:preset), "
           "tls alarm time threshold[60]days\n")
    assert _hccn.parse_tls(tls) is False
    assert _hccn.parse_tls(tls.replace("switch[0]", "switch[1]")) is True
    with pytest.raises(_hccn.HccnParseError, match="link status"):
        _hccn.parse_link("The device is not exist!\n")


def test_conf():
    conf = _hccn.parse_conf(CONF)
    assert conf[0] == {"address": "29.1.137.205", "netmask": "255.255.0.0", "netdetect": "29.1.0.1",
                       "gateway": "29.1.0.1", "send_arp_status": "1", "tls_enable": "0"}
    assert _hccn.from_conf(conf[7]) == {"address": "29.1.170.143", "netmask": "255.255.0.0", "gateway": None,
                                        "netdetect": None, "link": None, "net_health": None, "tls_enabled": None}


def fake_tool(devices, fail=False):
    def run(args):
        phy, item = int(args[1]), args[2]
        if fail:
            return 1, "dcmi module initialize failed. ret is -8005\n"
        d = devices[phy]
        return 0, {"-ip": "ipaddr:%s\nnetmask:255.255.255.0\n" % d,
                   "-gateway": "default gateway:10.0.0.1, Iface:eth%d\n" % phy,
                   "-netdetect": "netdetect addr: 10.0.0.1\n", "-link": "link status: UP\n",
                   "-net_health": "net health status: Success\n",
                   "-tls": "dev_id:%d, tls switch[%d](0:disable, 1:enable)\n" % (phy, phy % 2)}[item]
    return run


def test_gather_live_and_tls_consistency():
    facts = _hccn.gather(fake_tool({0: "10.0.0.10", 1: "10.0.0.11"}), [0, 1], {})
    assert facts["source"] == "hccn_tool" and facts["tls_consistent"] is False
    assert facts["devices"][1] == {"phy_id": 1, "address": "10.0.0.11", "netmask": "255.255.255.0",
                                   "gateway": "10.0.0.1", "netdetect": "10.0.0.1", "link": "UP",
                                   "net_health": "Success", "tls_enabled": True}


def test_gather_falls_back_to_the_file_when_the_tool_cannot_answer():
    facts = _hccn.gather(fake_tool({}, fail=True), [0, 7], _hccn.parse_conf(CONF))
    assert facts["source"] == "hccn.conf" and "ret is -8005" in facts["error"]
    assert [d["address"] for d in facts["devices"]] == ["29.1.137.205", "29.1.170.143"]
    assert facts["devices"][0]["link"] is None
