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


# Real paste (public blog, 8x910B node; reference section 2): hccn_tool -i 3 -ping -g address 29.1.137.205
PING_REAL = """device 3 PING 29.1.137.205
recv seq=0,time=1.418000ms
recv seq=1,time=0.034000ms
recv seq=2,time=0.040000ms
3 packets transmitted, 3 received, 0.00% packet loss
"""

# Real paste, same blog (`hccn_tool -i 3 -lldp -g`; the blog elides some values with ...)
LLDP_REAL = """Chassis ID TLV
        MAC: ...
Port ID TLV
        Ifname: 400GE1/1/20:2
System Description TLV
        Versatile Routing Platform Software
VRP (R) software, Version 8.211 (DX511 V200R021C10SPC600)

Huarong DX511

System Capabilities TLV
        Enabled capabilities: Bridge, Router
Management Address TLV
        IPv4: 26.xx.xx.xx
...
Maximum Frame Size TLV
        9216
End of LLDPDU TLV
"""


def test_ping_output():
    ok = _hccn.parse_ping(PING_REAL)
    assert (ok["device"], ok["address"], ok["transmitted"], ok["received"], ok["ok"]) == (3, "29.1.137.205", 3, 3,
                                                                                          True)
    assert ok["times_ms"] == [1.418, 0.034, 0.04] and ok["loss_pct"] == 0.0 and ok["error"] is None
    lost = _hccn.parse_ping("device 0 PING 10.0.0.2\nrecv seq=0,time=0.1ms\nrecv time out seq=1\n"
                            "recv time out seq=2\n3 packets transmitted, 1 received, 66.67% packet loss\n"
                            "Command execute failed!\n")
    assert (lost["ok"], lost["received"], lost["lost_seqs"], lost["loss_pct"]) == (False, 1, [1, 2], 66.67)
    refused = _hccn.parse_ping("Execute failed: Link status is down.\n")
    assert (refused["ok"], refused["transmitted"], refused["error"]) == \
        (False, 0, "Execute failed: Link status is down.")
    assert _hccn.parse_ping("")["error"] == "no output"


def test_hccs_ping_output():
    # layout of tool_cmd.c tool_ping_printf (A3 super pod ping)
    text = ("device 1 PING 192.1.3.198\n\nThis pkt ping success!\n"
            "recv seq 0, time = 11.000us, L1 plane check result = 0x0\nThis pkt send fail!\n"
            "recv seq 1, time = 0.000us, L1 plane check result = 0x0\n"
            "2 packets transmitted, 1 received, 50.00% packets loss\nmax time 11.000us\nmin time 11.000us\n"
            "average time 11.000us\nTP95 time 11.000us\n")
    r = _hccn.parse_hccs_ping(text)
    assert (r["device"], r["address"], r["received"], r["lost_seqs"], r["times_ms"], r["ok"]) == \
        (1, "192.1.3.198", 1, [1], [0.011], False)


def test_lldp_output_names_the_switch_port():
    lldp = _hccn.parse_lldp(LLDP_REAL)
    assert (lldp["port"], lldp["chassis"], lldp["management_address"]) == ("400GE1/1/20:2", "...", "26.xx.xx.xx")
    assert lldp["tlvs"]["System Description TLV"][1].startswith("VRP (R) software")
    tabbed = _hccn.parse_lldp("Port ID TLV\n\tIfname: 200GE1/1/4\nSystem Name TLV\n\tleaf-1\nEnd of LLDPDU TLV\n")
    assert (tabbed["port"], tabbed["system_name"]) == ("200GE1/1/4", "leaf-1")
    assert _hccn.parse_lldp("")["port"] is None


def test_mtu_fec_send_arp_outputs():
    assert _hccn.parse_mtu("mtu:9000\n") == 9000
    assert _hccn.parse_fec("fec mode: rs FEC mode\n") == "rs FEC mode"
    arp = "The setting of the gratuitous arp:\ncurrent enable status: disable\ngratuitous arp period: 30\n"
    assert _hccn.parse_send_arp(arp) == {"enabled": False, "period": 30}


def test_render_conf_keeps_lines_and_appends_new_keys():
    after = _hccn.render_conf(CONF, {0: {"address": "10.0.0.5", "tls_enable": "1", "mtu": "9000"},
                                     7: {"netmask": None}, 2: {"address": "10.0.0.7"}})
    assert after.splitlines()[0] == "address_0=10.0.0.5"
    assert "tls_enable_0=1\n" in after and "tls_enable_0=0" not in after and "netmask_7" not in after
    assert after.endswith("address_7=29.1.170.143\nmtu_0=9000\naddress_2=10.0.0.7\n")
    assert _hccn.parse_conf(after)[0]["send_arp_status"] == "1"
    assert _hccn.render_conf("", {}) == ""
