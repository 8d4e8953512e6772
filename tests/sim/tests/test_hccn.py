"""hccn_tool's network side on temporary roots: die addresses held in the (modelled) network namespace, real pings
between simulated hosts, link faults, net_health following the netdetect address, HCCS pings on A3, the refusals
and exit codes of the real tool, and the degraded mode without NET_ADMIN. `ip` and `ping` are replaced by FakeNet,
a model of one Docker bridge; nothing touches the machine's network."""

from __future__ import annotations

import io
import ipaddress
import json
import os

import pytest

from ascend_sim import boot, cli, hccn, state


class FakeNet:
    """One Docker bridge. Each simulated host (its ASCEND_SIM_ROOT) holds addresses and on-link routes; an echo
    request gets its reply when a host holds the target and each side routes the other's address on-link, as ARP
    and the reply need. Replies print as iputils' ping prints them."""

    def __init__(self, denied=False):
        self.hosts, self.calls, self.denied = {}, [], denied

    def me(self):
        return self.hosts.setdefault(os.environ["ASCEND_SIM_ROOT"], {"addresses": set(), "routes": set()})

    @staticmethod
    def routes(host, address):
        return any(ipaddress.IPv4Address(address) in ipaddress.IPv4Network(r) for r in host["routes"])

    def __call__(self, argv):
        me = self.me()
        self.calls.append((os.path.basename(os.environ["ASCEND_SIM_ROOT"]), argv))
        if argv[0] == "ip":
            if self.denied:
                return 2, "RTNETLINK answers: Operation not permitted\n"
            kind, verb, item = ("addresses" if argv[1] == "addr" else "routes"), argv[2], argv[3]
            if verb == "add" and item in me[kind]:
                return 2, "RTNETLINK answers: File exists\n"
            (me[kind].discard if verb == "del" else me[kind].add)(item)
            return 0, ""
        assert argv[0] == "ping"
        src, count, dst = argv[argv.index("-I") + 1], int(argv[argv.index("-c") + 1]), argv[-1]
        if src + "/32" not in me["addresses"]:
            return 2, "ping: bind: Cannot assign requested address\n"
        peer = next((h for h in self.hosts.values() if dst + "/32" in h["addresses"]), None)
        ok = peer is me or (peer is not None and self.routes(me, dst) and self.routes(peer, src))
        lines = ["PING %s (%s) from %s : 56(84) bytes of data." % (dst, dst, src)]
        lines += ["64 bytes from %s: icmp_seq=%d ttl=64 time=0.0%d1 ms" % (dst, n, n) for n in range(1, count + 1)
                  if ok]
        return (0 if ok else 1), "\n".join(lines) + "\n"


@pytest.fixture()
def net(monkeypatch, tmp_path):
    fake = FakeNet()
    monkeypatch.setattr(hccn, "run_net", fake)
    monkeypatch.setattr(boot, "make_char_device", lambda path, *a: open(path, "w").close())
    return fake


def power_on(tmp_path, monkeypatch, name, profile="atlas-800i-a2", node=0, driver=True, **env):
    """A booted host under its own temporary root (the root stays selected)."""
    root = tmp_path / name
    monkeypatch.setenv("ASCEND_SIM_ROOT", str(root))
    if driver:
        (root / "usr/local/Ascend/driver").mkdir(parents=True, exist_ok=True)
        (root / "usr/local/Ascend/driver/version.info").write_text("Version=24.1.rc3\npackage_version=24.1.rc3\n")
    boot.boot(dict({"ASCEND_SIM_PROFILE": profile, "ASCEND_SIM_NODE": str(node)}, **env))
    return root


def on(monkeypatch, root):
    monkeypatch.setenv("ASCEND_SIM_ROOT", str(root))


def tool(*argv):
    out = io.StringIO()
    return hccn.main(list(argv), out), out.getvalue()


def two_a2(tmp_path, monkeypatch):
    a = power_on(tmp_path, monkeypatch, "a", node=0)
    b = power_on(tmp_path, monkeypatch, "b", node=1)
    return a, b


def test_boot_puts_the_die_addresses_and_the_switch_gateway_into_the_namespace(tmp_path, monkeypatch, net):
    a = power_on(tmp_path, monkeypatch, "a")
    held = net.hosts[str(a)]
    assert held["addresses"] == {"192.168.100.%d/32" % (10 + n) for n in range(8)} | {"192.168.100.1/32"}
    assert held["routes"] == {"192.168.100.0/24"}
    assert ("a", ["ip", "route", "replace", "192.168.100.0/24", "dev", "eth0", "scope", "link"]) in net.calls
    assert "send_arp_status_0=1\n" in open(state.path(state.HCCN_CONF)).read()
    assert json.loads(open(state.path(hccn.NET_STATE)).read())["error"] is None


def test_no_driver_no_addresses_and_a_reboot_applies_them_again(tmp_path, monkeypatch, net):
    a = power_on(tmp_path, monkeypatch, "a", driver=False)
    assert net.hosts.get(str(a), {"addresses": set()})["addresses"] == set()
    net.hosts.clear()  # a container restart: a fresh namespace, and /run is cleared
    os.remove(state.path(hccn.NET_STATE))
    (a / "usr/local/Ascend/driver").mkdir(parents=True)
    (a / "usr/local/Ascend/driver/version.info").write_text("Version=24.1.rc3\n")
    boot.boot({"ASCEND_SIM_PROFILE": "atlas-800i-a2", "ASCEND_SIM_NODE": "0"})
    assert len(net.hosts[str(a)]["addresses"]) == 9


def test_ping_crosses_to_the_other_host_in_the_reference_format(tmp_path, monkeypatch, net):
    a, b = two_a2(tmp_path, monkeypatch)
    on(monkeypatch, a)
    assert tool("-i", "0", "-ping", "-g", "address", "192.168.100.20") == (0, (
        "device 0 PING 192.168.100.20\n"
        "recv seq=0,time=0.011000ms\nrecv seq=1,time=0.021000ms\nrecv seq=2,time=0.031000ms\n"
        "3 packets transmitted, 3 received, 0.00% packet loss\n"))
    # the die's own address is the source, pkt is the payload size (ds_net_ext.c), 3 packets
    assert net.calls[-1] == ("a", ["ping", "-n", "-I", "192.168.100.10", "-c", "3", "-W", "1", "-i", "0.2", "-s",
                                   "4096", "192.168.100.20"])
    assert tool("-i", "0", "-ping", "-g", "address", "192.168.100.20", "pkt", "3")[0] == 0
    assert net.calls[-1][1][-3:] == ["-s", "3", "192.168.100.20"]
    rc, text = tool("-i", "0", "-ping", "-g", "address", "192.168.100.99")
    assert rc == 1 and text == ("device 0 PING 192.168.100.99\nrecv time out seq=0\nrecv time out seq=1\n"
                                "recv time out seq=2\n3 packets transmitted, 0 received, 100.00% packet loss\n"
                                "Command execute failed!\n")
    assert tool("-i", "0", "-ping", "-g", "address", "1.2.3") == (6, "The ip address you configured is invalid!\n")


def test_ping_needs_both_sides_in_one_subnet(tmp_path, monkeypatch, net):
    a, b = two_a2(tmp_path, monkeypatch)
    on(monkeypatch, b)
    assert tool("-i", "0", "-ip", "-s", "address", "192.168.200.20", "netmask", "255.255.255.0")[0] == 0
    on(monkeypatch, a)  # a has no on-link route to b's new subnet
    assert tool("-i", "0", "-ping", "-g", "address", "192.168.200.20")[0] == 1
    assert tool("-i", "0", "-ping", "-g", "address", "192.168.100.21")[0] == 0


def test_link_down_takes_the_die_off_the_network(tmp_path, monkeypatch, net, capsys):
    a, b = two_a2(tmp_path, monkeypatch)
    on(monkeypatch, b)
    assert cli.main(["fault", "link-down", "--phy", "0"]) == 0
    assert "192.168.100.20/32" not in net.hosts[str(b)]["addresses"]
    assert "192.168.100.1/32" in net.hosts[str(b)]["addresses"]  # the switch stays
    assert tool("-i", "0", "-link", "-g") == (0, "link status: DOWN\n")
    assert tool("-i", "0", "-net_health", "-g") == (0, "net health status: Fault\n")
    assert tool("-i", "0", "-ping", "-g", "address", "192.168.100.10") == \
        (22, "Execute failed: Link status is down.\n")
    assert tool("-i", "0", "-lldp", "-g") == (0, "")  # no neighbour behind a dead link
    assert tool("-i", "1", "-net_health", "-g") == (0, "net health status: Success\n")
    on(monkeypatch, a)
    assert tool("-i", "0", "-ping", "-g", "address", "192.168.100.20")[0] == 1
    assert tool("-i", "1", "-ping", "-g", "address", "192.168.100.21")[0] == 0
    on(monkeypatch, b)
    assert cli.main(["fault", "clear"]) == 0
    on(monkeypatch, a)
    assert tool("-i", "0", "-ping", "-g", "address", "192.168.100.20")[0] == 0
    on(monkeypatch, b)
    assert tool("-i", "2", "-link", "-s", "down") == (0, hccn.OK_SET + "\n")
    assert "192.168.100.22/32" not in net.hosts[str(b)]["addresses"]


def test_net_health_follows_the_netdetect_address(tmp_path, monkeypatch, net):
    a, b = two_a2(tmp_path, monkeypatch)
    on(monkeypatch, a)
    assert tool("-i", "0", "-net_health", "-g") == (0, "net health status: Success\n")  # the gateway answers
    assert tool("-i", "0", "-netdetect", "-s", "address", "192.168.100.99")[0] == 0
    assert tool("-i", "0", "-net_health", "-g") == (0, "net health status: Receive timeout\n")
    assert tool("-i", "0", "-netdetect", "-s", "address", "192.168.100.20")[0] == 0  # the peer's die
    assert tool("-i", "0", "-net_health", "-g") == (0, "net health status: Success\n")
    on(monkeypatch, b)
    cli.main(["fault", "link-down", "--phy", "0"])
    on(monkeypatch, a)
    assert tool("-i", "0", "-net_health", "-g") == (0, "net health status: Receive timeout\n")
    assert net.calls[-1][1][:7] == ["ping", "-n", "-I", "192.168.100.10", "-c", "1", "-W"]


def test_set_commands_move_the_address_and_refuse_as_the_real_tool(tmp_path, monkeypatch, net):
    a = power_on(tmp_path, monkeypatch, "a", ASCEND_SIM_HCCN_PRESET="0")
    assert str(a) not in net.hosts  # nothing to hold
    assert tool("-i", "0", "-gateway", "-s", "gateway", "10.9.0.1") == \
        (26, "Unable to configure gateway, because ip is not configured!\n")
    assert tool("-i", "0", "-gateway", "-g") == (2, "Get gateway failed, because no gateway was preset there!\n")
    assert tool("-i", "0", "-ip", "-s", "address", "10.9.0.10", "netmask", "255.255.255.0") == \
        (0, hccn.OK_SET + "\n")
    assert net.hosts[str(a)]["addresses"] == {"10.9.0.10/32"}
    assert tool("-i", "0", "-gateway", "-s", "gateway", "10.8.0.1") == (8, (
        "The segment of configured gateway doesn't match that of the configured ip adress!\n"))
    assert tool("-i", "0", "-gateway", "-s", "gateway", "10.9.0.1")[0] == 0
    assert tool("-i", "1", "-ip", "-s", "address", "10.9.0.10", "netmask", "255.255.255.0") == \
        (7, "The ip address configured is conflicted!\n")
    assert tool("-i", "1", "-ip", "-s", "address", "10.9.0.300", "netmask", "255.255.255.0")[0] == 6
    assert tool("-i", "1", "-ip", "-s", "address", "10.9.0.11")[0] == 4
    assert tool("-i", "1", "-mtu", "-s", "size", "9703") == (13, "The value of mtu you input is out of the valid "
                                                                 "range!\n")
    assert tool("-i", "1", "-mtu", "-s", "size", "9000") == (0, hccn.OK_SET + "\n")
    assert tool("-i", "1", "-mtu", "-g") == (0, "mtu:9000\n")
    assert tool("-i", "1", "-tls", "-s", "enable", "2") == (16, "Get invalid enable value!\n")
    assert tool("-i", "0", "-netdetect", "-s", "address", "255.255.255.255")[0] == 0x25
    # a new subnet drops the gateway (tool_set_ipaddr_recovery), and the address moves
    assert tool("-i", "0", "-ip", "-s", "address", "10.7.0.10", "netmask", "255.255.255.0")[0] == 0
    assert tool("-i", "0", "-gateway", "-g")[0] == 2
    assert net.hosts[str(a)]["addresses"] == {"10.7.0.10/32"}
    assert net.hosts[str(a)]["routes"] == {"10.7.0.0/24"}
    conf = open(state.path(state.HCCN_CONF)).read()
    assert "address_0=10.7.0.10\n" in conf and "gateway_0" not in conf and "mtu_1=9000\n" in conf


def test_lldp_fec_send_arp_and_errors_on_stderr(tmp_path, monkeypatch, net):
    power_on(tmp_path, monkeypatch, "a")
    rc, text = tool("-i", "3", "-lldp", "-g")
    assert rc == 0 and text.startswith("Chassis ID TLV\n\tMAC: ")
    assert "Port ID TLV\n\tIfname: 200GE1/1/4\n" in text and text.endswith("End of LLDPDU TLV\n")
    assert tool("-i", "3", "-fec", "-g") == (0, "fec mode: rs FEC mode\n")
    assert tool("-i", "3", "-send_arp", "-g") == \
        (0, "The setting of the gratuitous arp:\ncurrent enable status: enable\ngratuitous arp period: 10\n")
    assert tool("-i", "3", "-send_arp", "-s", "enable", "0")[0] == 0
    assert "current enable status: disable" in tool("-i", "3", "-send_arp", "-g")[1]
    out, err = io.StringIO(), io.StringIO()
    assert hccn.main(["-i", "3", "-tls", "-s", "enable", "7"], out, err) == 16
    assert (out.getvalue(), err.getvalue()) == ("", "Get invalid enable value!\n")


def test_only_root_may_run_it(tmp_path, monkeypatch, net):
    power_on(tmp_path, monkeypatch, "a")
    monkeypatch.setattr(hccn, "_is_root", lambda: False)
    assert tool("-i", "0", "-ip", "-g") == (12, "permission denied: pls check this cmd run permission.\n")


def test_a3_hccs_ping_and_vnic_addresses(tmp_path, monkeypatch, net):
    a = power_on(tmp_path, monkeypatch, "a3a", "atlas-800i-a3", node=0)
    b = power_on(tmp_path, monkeypatch, "a3b", "atlas-800i-a3", node=1)
    assert {"192.1.2.199/32", "192.1.3.184/32"} <= net.hosts[str(b)]["addresses"]
    assert hccn.HCCS_ROUTE in net.hosts[str(b)]["routes"]
    assert tool("-i", "15", "-vnic", "-g") == (0, "vnic link status: UP\nvnic ipaddr: 192.1.3.184\n"
                                                  "vnic netmask: 255.255.255.0\n")
    on(monkeypatch, a)
    rc, text = tool("-i", "1", "-hccs_ping", "-g", "address", "192.1.3.198")
    assert rc == 0
    assert text.splitlines()[:4] == ["device 1 PING 192.1.3.198", "", "This pkt ping success!",
                                     "recv seq 0, time = 11.000us, L1 plane check result = 0x0"]
    assert "3 packets transmitted, 3 received, 0.00% packets loss\nmax time 31.000us\nmin time 11.000us\n" \
           "average time 21.000us\nTP95 time 31.000us\n" in text
    assert net.calls[-1] == ("a3a", ["ping", "-n", "-I", "192.0.3.198", "-c", "3", "-W", "1", "-i", "0.2", "-s",
                                     "1764", "192.1.3.198"])
    sdid = (1 << 22) | (0 << 18) | (1 << 16) | 1  # server 1, chip 0, die 1, device 1
    assert tool("-i", "1", "-hccs_ping", "-g", "sdid", str(sdid), "cnt", "1")[0] == 0
    rc, text = tool("-i", "1", "-hccs_ping", "-g", "address", "192.5.3.198")  # nobody: a loss, not an error
    assert rc == 0 and "This pkt send fail!" in text and "3 packets transmitted, 0 received, 100.00% packets loss" \
        in text
    assert tool("-i", "1", "-hccs_ping", "-g", "address", "10.0.3.198") == \
        (6, "The ip address you configured is invalid!\n")
    assert tool("-i", "1", "-hccs_ping", "-g", "address", "192.1.3.198", "cnt", "0")[0] == 1
    a2 = power_on(tmp_path, monkeypatch, "a2")
    assert tool("-i", "1", "-hccs_ping", "-g", "address", "192.1.3.198") == \
        (13, "The command is not supported on this product.\n")
    assert a2.exists()


def test_without_net_admin_sets_work_pings_fail_and_health_answers_from_the_file(tmp_path, monkeypatch):
    fake = FakeNet(denied=True)
    monkeypatch.setattr(hccn, "run_net", fake)
    monkeypatch.setattr(boot, "make_char_device", lambda path, *a: open(path, "w").close())
    power_on(tmp_path, monkeypatch, "a")
    net = json.loads(open(state.path(hccn.NET_STATE)).read())
    assert net["error"].startswith("no NET_ADMIN: RTNETLINK answers: Operation not permitted")
    assert "network namespace unavailable" in open(state.path(hccn.CONFIG_LOG)).read()
    calls = len(fake.calls)
    assert tool("-i", "0", "-ip", "-s", "address", "192.168.100.30", "netmask", "255.255.255.0")[0] == 0
    assert len(fake.calls) == calls  # not tried again before the next boot
    assert tool("-i", "0", "-net_health", "-g") == (0, "net health status: Success\n")
    assert tool("-i", "0", "-ping", "-g", "address", "192.168.100.31")[0] == 1


def test_a_temporary_root_never_touches_the_machine(tmp_path, monkeypatch):
    monkeypatch.setattr(boot, "make_char_device", lambda path, *a: open(path, "w").close())
    monkeypatch.setattr(hccn.subprocess, "run", lambda *a, **k: pytest.fail("ran %s" % (a,)))
    power_on(tmp_path, monkeypatch, "a")
    assert tool("-i", "0", "-net_health", "-g") == (0, "net health status: Success\n")
    assert tool("-i", "0", "-ping", "-g", "address", "192.168.100.20")[0] == 1


def test_netns_plan_is_a_pure_function():
    hw = {"family": "910b", "node": 0, "cards": [{"chips": [{"phy_id": 0}, {"phy_id": 1}]}]}
    conf = {"address_0": "10.0.0.2", "netmask_0": "255.255.255.0", "gateway_0": "10.0.0.1",
            "address_1": "10.0.1.2", "netmask_1": "255.255.255.0"}
    assert hccn.netns_plan(hw, conf, {1}, True) == \
        {"addresses": ["10.0.0.1/32", "10.0.0.2/32"], "routes": ["10.0.0.0/24"]}
    assert hccn.netns_plan(hw, conf, set(), False) == {"addresses": [], "routes": []}
    assert hccn.hccs_address(4, 13) == "192.4.3.186"


def test_show_reports_the_namespace(tmp_path, monkeypatch, net, capsys):
    power_on(tmp_path, monkeypatch, "a")
    capsys.readouterr()
    assert cli.main(["show"]) == 0
    assert "192.168.100.10/32" in json.loads(capsys.readouterr().out)["network"]["addresses"]
