"""The simulated `hccn_tool` (installed by the 910B and A3 driver packages at
/usr/local/Ascend/driver/tools/hccn_tool). Settings persist in /etc/hccn.conf as `key_N=value` lines, where N is
the die's physical id. Output strings: ascend-tech-reference.md section 2; where it is silent, the printf formats,
error table and exit codes of hccn_tool's open-source C (hicann/driver, src/custom/network/hccn/ascend910B): an
error prints its table string on stderr and exits with the low byte of its UDA code.

RoCE and HCCS addresses live in the container's network namespace (sync_netns): every die address that is set and
whose link is up is a /32 on the interface with an on-link route to its subnet, each configured gateway is held as
the switch's address, and on A3 each die's HCCS (VNIC) address too. `-ping`, `-hccs_ping` and `-net_health` send
real ICMP from the die's address, so they cross the Docker network between simulated hosts. That needs NET_ADMIN;
without it (or on a unit test's temporary root, unless the test replaces run_net) set commands still work, pings
find nobody and net_health answers from the configuration alone.
"""

from __future__ import annotations

import datetime
import ipaddress
import os
import re
import shutil
import subprocess
import sys

from . import npusmi, state

CONFIG_LOG = "/var/log/hccn_tool/hccn_config.log"
NET_STATE = "/run/ascend-sim/net.json"  # what sync_netns holds on the interface; /run goes with the namespace
OK_SET = "Cmd executed successfully!"
NOT_EXIST = "The device is not exist!"
FAILED = "Cmd execute failed!"
CMD_FAILED = "Command execute failed!"  # UDA_DSMI_EXE_ERR: a device-side failure, a ping with losses
VNIC_NET = ipaddress.ip_network("192.168.1.0/24")  # the host <-> device virtual NIC subnet
HCCS_ROUTE = "192.0.0.0/10"  # A3 HCCS addresses 192.<server index < 48>.<2|3>.<199 - phy>
NO_NET_ADMIN = "no NET_ADMIN"
# (rc, message, stream): the error table of cmd.c; rc is the UDA code's low byte, as the shell sees it
ERRORS = {
    "permission": (12, "permission denied: pls check this cmd run permission.", "err"),
    "unknown_option": (3, "Get unknown option!", "err"),
    "count": (4, "The total count of input parameters is wrong!", "err"),
    "invalid": (1, "Get invalid parameters!", "err"),
    "ip_invalid": (6, "The ip address you configured is invalid!", "err"),
    "conflict": (7, "The ip address configured is conflicted!", "err"),
    "segment": (8, "The segment of configured gateway doesn't match that of the configured ip adress!", "err"),
    "mtu_range": (13, "The value of mtu you input is out of the valid range!", "err"),
    "tls_enable": (16, "Get invalid enable value!", "err"),
    "no_ip_gateway": (26, "Unable to configure gateway, because ip is not configured!", "err"),
    "broadcast": (0x25, "Can not config broadcast address!", "err"),
    "no_ip": (13, "Get ipconf failed, because no ip was preset there!", "err"),
    "no_gateway": (2, "Get gateway failed, because no gateway was preset there!", "err"),
    "link_down": (22, "Execute failed: Link status is down.", "err"),
    "exe": (1, CMD_FAILED, "err"),
    "product": (13, "The command is not supported on this product.", "out"),
}


def _log(message: str) -> None:
    full = state.path(CONFIG_LOG)
    os.makedirs(os.path.dirname(full), exist_ok=True)
    with open(full, "a") as f:
        f.write("[%s] %s\n" % (datetime.datetime.now().strftime("%Y-%m-%d %H:%M:%S"), message))


def _is_root() -> bool:
    """Only root may run hccn_tool (hccn_check_usr_identify); a unit test's temporary root counts as root, as for
    the installers."""
    return os.geteuid() == 0 or bool(os.environ.get("ASCEND_SIM_ROOT"))


def _valid_ip(text: str) -> bool:
    try:
        ipaddress.IPv4Address(text)
        return True
    except ValueError:
        return False


def hccs_address(server_index: int, phy: int) -> str:
    """An A3 die's VNIC address, which -hccs_ping takes: 192.<server>.<2 + die>.<199 - phy> (tool_cmd.c decodes
    it into the SDID)."""
    return "192.%d.%d.%d" % (server_index, 2 + phy % 2, 199 - phy)


# ---- the network namespace ---------------------------------------------------------------------------------

def _real_run_net(argv: list) -> tuple:
    # hccn_tool may run with a PATH without sbin (sudo, Ansible); ip and ping live there on Debian
    tool = shutil.which(argv[0], path=os.environ.get("PATH", "") + ":/usr/sbin:/sbin:/usr/bin:/bin") or argv[0]
    try:
        proc = subprocess.run([tool] + argv[1:], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                              timeout=60, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return 127, str(exc)
    return proc.returncode, proc.stdout


run_net = _real_run_net  # `ip` and `ping`; unit tests replace it with a model of the network


def _live() -> bool:
    """Whether the namespace may be touched: always in a container, on a temporary root only through a fake."""
    return run_net is not _real_run_net or not os.environ.get("ASCEND_SIM_ROOT")


def netns_plan(hw: dict, conf: dict, link_down, driver_loaded: bool) -> dict:
    """The addresses (/32) and on-link routes the namespace should hold: a die's address while its link is up, the
    gateways (the switch's side of each configured die's subnet, whatever the die's link), A3 HCCS addresses."""
    addresses, routes = set(), set()
    if not driver_loaded or hw["family"] == "310p":
        return {"addresses": [], "routes": []}
    for card in hw["cards"]:
        for chip in card["chips"]:
            phy = chip["phy_id"]
            address, mask = conf.get("address_%d" % phy), conf.get("netmask_%d" % phy)
            if not (address and mask and _valid_ip(address) and _valid_ip(mask)):
                continue
            if phy not in link_down:
                addresses.add(address + "/32")
                routes.add(str(ipaddress.IPv4Network("%s/%s" % (address, mask), strict=False)))
            gateway = conf.get("gateway_%d" % phy)
            if gateway and _valid_ip(gateway):
                addresses.add(gateway + "/32")
    if hw["family"] == "910_93":  # HCCS addresses exist with the loaded driver, addressed or not
        for card in hw["cards"]:
            for chip in card["chips"]:
                addresses.add(hccs_address(chip.get("server_index", hw["node"]), chip["phy_id"]) + "/32")
        routes.add(HCCS_ROUTE)
    return {"addresses": sorted(addresses), "routes": sorted(routes)}


def sync_netns(dev: str | None = None) -> dict:
    """Bring the namespace to netns_plan, changing only the difference; returns the recorded state. Without
    NET_ADMIN the first `ip` call fails, which is recorded and not tried again until the next boot."""
    net = state.read_json(NET_STATE, {}) or {}
    if dev:
        net["dev"] = dev
    if not _live():
        return dict(net, error="temporary root: the machine's network is not touched")
    if (net.get("error") or "").startswith(NO_NET_ADMIN):
        return net
    hw = state.read_json(state.HOST) or {}
    if not hw:
        return net
    want = netns_plan(hw, state.read_kv(state.HCCN_CONF), set(state.faults().get("link_down", [])),
                      bool(state.loaded().get("driver")))
    dev = net.get("dev") or "eth0"
    held = {"addresses": set(net.get("addresses", [])), "routes": set(net.get("routes", []))}
    steps = [("routes", r, False, ["ip", "route", "del", r, "dev", dev]) for r in held["routes"] - set(want["routes"])]
    steps += [("addresses", a, False, ["ip", "addr", "del", a, "dev", dev])
              for a in held["addresses"] - set(want["addresses"])]
    steps += [("addresses", a, True, ["ip", "addr", "add", a, "dev", dev])
              for a in sorted(set(want["addresses"]) - held["addresses"])]
    steps += [("routes", r, True, ["ip", "route", "replace", r, "dev", dev, "scope", "link"])
              for r in sorted(set(want["routes"]) - held["routes"])]
    net["error"] = None
    for kind, item, add, argv in steps:
        rc, out = run_net(argv)
        if rc != 0 and "Operation not permitted" in out:
            net["error"] = "%s: %s (%s)" % (NO_NET_ADMIN, out.strip(), " ".join(argv))
            _log("network namespace unavailable, RoCE addresses are not reachable: %s" % net["error"])
            break
        if rc != 0 and not any(m in out for m in ("File exists", "Cannot assign requested address",
                                                  "No such process")):
            net["error"] = "%s failed: %s" % (" ".join(argv), out.strip())
            continue
        (held[kind].add if add else held[kind].discard)(item)
    net.update(dev=dev, addresses=sorted(held["addresses"]), routes=sorted(held["routes"]))
    state.write_json(NET_STATE, net)
    return net


def _netns_ok() -> bool:
    """Whether the namespace holds what sync_netns planned (NET_ADMIN, not a temporary root, no failure)."""
    return _live() and not (state.read_json(NET_STATE, {}) or {}).get("error")


def _holds(address: str) -> bool:
    return _netns_ok() and address + "/32" in (state.read_json(NET_STATE, {}) or {}).get("addresses", [])


def _ping(src: str, dst: str, count: int, size: int | None = None) -> list:
    """Real ICMP echo from `src` to `dst`: [(seq from 0, round trip ms or None)]. Nobody answers when the
    namespace does not hold `src`."""
    if not _holds(src):
        return [(n, None) for n in range(count)]
    argv = ["ping", "-n", "-I", src, "-c", str(count), "-W", "1", "-i", "0.2"] + (
        ["-s", str(size)] if size is not None else []) + [dst]
    out = run_net(argv)[1]
    got = {}
    for line in out.splitlines():  # payloads under 16 bytes come back without a time
        m = re.search(r"bytes from .*icmp_seq=(\d+)(?:.*time[=<]([\d.]+))?", line)
        if m:
            got.setdefault(int(m.group(1)), float(m.group(2) or 0))
    return [(n, got.get(n + 1)) for n in range(count)]


# ---- the tool --------------------------------------------------------------------------------------------------

def _set(conf: dict, phy: int, values: dict) -> None:
    for key, value in values.items():
        conf["%s_%d" % (key, phy)] = value
    state.write_kv(state.HCCN_CONF, conf, 0o600)
    _log("device %d set %s" % (phy, ", ".join("%s=%s" % kv for kv in values.items())))


def _lldp(hw: dict, phy: int, conf: dict) -> list:
    """The leaf switch's LLDP TLVs as lldptool prints them (layout of a real paste: `Port ID TLV` / `\\tIfname:
    400GE1/1/20:2`); the port name is made up per host and die."""
    speed = 400 if hw["family"] == "910_93" else 200
    return ["Chassis ID TLV", "\tMAC: 38:ad:be:%02x:00:01" % (hw["node"] & 0xFF),
            "Port ID TLV", "\tIfname: %dGE1/%d/%d" % (speed, hw["node"] + 1, phy + 1),
            "System Name TLV", "\tsim-leaf-%02d" % (hw["node"] + 1),
            "System Description TLV", "\tascend-sim leaf switch",
            "System Capabilities TLV", "\tEnabled capabilities: Bridge, Router",
            "Management Address TLV", "\tIPv4: %s" % (conf.get("gateway_%d" % phy) or "0.0.0.0"),
            "Maximum Frame Size TLV", "\t9216",
            "End of LLDPDU TLV"]


def _ping_cmd(phy, params, address, down, say, fail):
    """`-ping -g address X [pkt N]`: the device sends 3 echo requests of N bytes (default 4096) and prints the
    reply lines of the real paste; any loss fails with UDA_DSMI_EXE_ERR after the lines (ds_net_ext.c)."""
    size = params.get("pkt", "4096")
    if not _valid_ip(params.get("address", "")):
        return fail("ip_invalid")
    if not size.isdigit() or int(size) > 65535 - 20 - 8:
        return fail("invalid")
    if down:
        return fail("link_down")
    if not address:
        return fail("exe")
    replies = _ping(address, params["address"], 3, int(size))
    lines = ["device %d PING %s" % (phy, params["address"])]
    lines += ["recv seq=%d,time=%fms" % (n, ms) if ms is not None else "recv time out seq=%d" % n
              for n, ms in replies]
    received = sum(reply[1] is not None for reply in replies)
    lines.append("%d packets transmitted, %d received, %.2f%% packet loss"
                 % (len(replies), received, 100.0 * (len(replies) - received) / len(replies)))
    say(*lines)
    return 0 if received == len(replies) else fail("exe")


def _hccs_ping_cmd(hw, chip, rest, say, fail):
    """A3 `-hccs_ping -g address X|sdid N [pkt 1792..3000] [cnt 1..1000] [interval 0..10] [timeout 1..20000]`
    (tool_cmd.c): per packet a result line and `recv seq %u, time = %ld.%03ldus, L1 plane check result = 0x%x`,
    then the totals; a loss is reported, not an error."""
    if hw["family"] != "910_93":
        return fail("product")
    limits = {"pkt": (1792, 3000, 1792), "cnt": (1, 1000, 3), "interval": (0, 10, 0), "timeout": (1, 20000, 10)}
    opts, target, args = {k: v[2] for k, v in limits.items()}, None, rest[1:]
    if rest[:1] != ["-g"] or len(args) % 2 or len(args) > 10:
        return fail("invalid")
    for key, value in zip(args[0::2], args[1::2]):
        if key == "address":
            m = re.fullmatch(r"192\.(\d+)\.(\d+)\.(\d+)", value)
            dev = 199 - int(m.group(3)) if m else -1
            if not m or not (int(m.group(1)) < 48 and 0 <= dev and dev // 2 * 2 + int(m.group(2)) - 2 == dev):
                return fail("ip_invalid")
            target = value
        elif key == "sdid" and value.isdigit():
            sdid = int(value)
            server, chip_id, die, device = sdid >> 22 & 0xFF, sdid >> 18 & 0xF, sdid >> 16 & 0x3, sdid & 0xFFFF
            if server >= 48 or chip_id * 2 + die != device:
                return fail("ip_invalid")
            target = hccs_address(server, device)
        elif key in limits and value.isdigit() and limits[key][0] <= int(value) <= limits[key][1]:
            opts[key] = int(value)
        else:
            return fail("invalid")
    if target is None or opts["cnt"] * opts["interval"] > 20000:
        return fail("invalid")
    source = hccs_address(chip.get("server_index", hw["node"]), chip["phy_id"])
    replies = _ping(source, target, opts["cnt"], opts["pkt"] - 28)
    lines = ["device %d PING %s" % (chip["phy_id"], target), ""]
    for n, ms in replies:
        ns = int(round((ms or 0) * 1e6))
        lines += ["This pkt ping success!" if ms is not None else "This pkt send fail!",
                  "recv seq %d, time = %d.%03dus, L1 plane check result = 0x0" % (n, ns // 1000, ns % 1000)]
    got = [reply[1] for reply in replies if reply[1] is not None]
    ns = sorted(int(round(ms * 1e6)) for ms in got) or [0]
    lines.append("%d packets transmitted, %d received, %.2f%% packets loss"
                 % (len(replies), len(got), 100.0 * (len(replies) - len(got)) / len(replies)))
    avg = sum(ns) // len(ns)
    for label, value in (("max", ns[-1]), ("min", ns[0]), ("average", avg), ("TP95", ns[int(0.95 * len(ns))])):
        lines.append("%s time %d.%03dus" % (label, value // 1000, value % 1000))
    say(*lines)
    return 0


def main(argv: list, out=None, err=None) -> int:
    """hccn_tool. `out` alone (tests) takes both streams; the installed tool writes errors to stderr."""
    if out is None:
        out, err = sys.stdout, err or sys.stderr
    err = err or out

    def say(*lines):
        out.write("".join(line + "\n" for line in lines))

    def fail(kind):
        rc, message, stream = ERRORS[kind]
        (out if stream == "out" else err).write(message + "\n")
        return rc

    if not _is_root():
        return fail("permission")
    loaded = state.loaded()
    if not loaded.get("driver"):
        say(npusmi.DCMI_INIT_FAILED)
        return 1
    hw = state.host()
    chips = {c["phy_id"]: c for card in hw["cards"] for c in card["chips"]}
    if argv[:1] == ["-a"] and argv[1:] == ["-cfg", "recovery"]:
        _log("all devices recovered from %s" % state.HCCN_CONF)
        sync_netns()
        say(OK_SET)
        return 0
    if len(argv) < 3 or argv[0] != "-i":
        say("Usage: hccn_tool -i <device id> -<item> -g|-s ...")
        return 1
    try:
        phy = int(argv[1])
    except ValueError:
        phy = -1
    if phy not in chips or hw["family"] == "310p":
        say(NOT_EXIST)
        return 1
    item, rest = argv[2], argv[3:]
    conf = state.read_kv(state.HCCN_CONF)
    get = rest == ["-g"]
    setting = rest[:1] == ["-s"]
    params = dict(zip(rest[1::2], rest[2::2])) if setting or rest[:1] == ["-g"] else {}

    def value(key):
        return conf.get("%s_%d" % (key, phy))

    def done(values=None):
        if values:
            _set(conf, phy, values)
        sync_netns()
        say(OK_SET)
        return 0

    down = phy in state.faults().get("link_down", [])
    if item == "-cfg" and rest == ["recovery"]:
        _log("device %d recovered" % phy)
        return done()
    if item == "-ip" and get:
        if not value("address"):
            return fail("no_ip")
        say("ipaddr:%s" % value("address"), "netmask:%s" % value("netmask"))
        return 0
    if item == "-ip" and setting:
        if len(rest) != 5 or rest[1] != "address" or rest[3] != "netmask":
            return fail("count" if len(rest) != 5 else "unknown_option")
        address, mask = params["address"], params["netmask"]
        if not (_valid_ip(address) and _valid_ip(mask)):
            return fail("ip_invalid")
        others = {conf.get("address_%d" % p) for p in chips if p != phy}
        if ipaddress.IPv4Address(address) in VNIC_NET or address in others:
            return fail("conflict")
        values = {"address": address, "netmask": mask}
        gateway = value("gateway")
        subnet = ipaddress.IPv4Network("%s/%s" % (address, mask), strict=False)
        if gateway and ipaddress.IPv4Address(gateway) not in subnet:
            conf.pop("gateway_%d" % phy)  # tool_set_ipaddr_recovery drops a gateway outside the new subnet
        return done(values)
    if item == "-gateway" and get:
        if not value("gateway"):
            return fail("no_gateway")
        say("default gateway:%s, Iface:eth%d" % (value("gateway"), phy))
        return 0
    if item == "-gateway" and setting:
        if len(rest) != 3 or rest[1] != "gateway":
            return fail("count" if len(rest) != 3 else "unknown_option")
        if not _valid_ip(params["gateway"]):
            return fail("ip_invalid")
        if not value("address"):
            return fail("no_ip_gateway")
        if ipaddress.IPv4Address(params["gateway"]) not in ipaddress.IPv4Network(
                "%s/%s" % (value("address"), value("netmask")), strict=False):
            return fail("segment")
        return done({"gateway": params["gateway"]})
    if item == "-netdetect" and get:
        if not value("netdetect"):
            say("Get netdetect failed, because no netdetect was preset there!")
            return 13
        say("netdetect addr: %s" % value("netdetect"))
        return 0
    if item == "-netdetect" and setting:
        if len(rest) != 3 or rest[1] != "address":
            return fail("count" if len(rest) != 3 else "unknown_option")
        if not _valid_ip(params["address"]):
            return fail("ip_invalid")
        if params["address"] == "255.255.255.255":
            return fail("broadcast")
        return done({"netdetect": params["address"]})
    if item == "-link" and get:
        say("link status: %s" % ("DOWN" if down else "UP"))
        return 0
    if item == "-link" and setting and rest[1:] in (["up"], ["down"]):
        faults = state.faults()
        links = set(faults.get("link_down", []))
        (links.discard if rest[1] == "up" else links.add)(phy)
        faults["link_down"] = sorted(links)
        state.write_json(state.FAULTS, faults)
        _log("device %d link %s" % (phy, rest[1]))
        return done()
    if item == "-net_health" and get:
        say("net health status: %s" % _net_health(phy, value, down))
        return 0
    if item == "-tls" and get:
        say("dev_id:%d, tls switch[%s](0:disable, 1:enable), tls preconfigured[1](0:non-preset, 1:preset), "
            "tls alarm time threshold[60]days" % (phy, value("tls_enable") or "1"))
        return 0
    if item == "-tls" and setting and rest[1:2] == ["enable"]:
        if len(rest) != 3:
            return fail("count")
        if params["enable"] not in ("0", "1"):
            return fail("tls_enable")
        return done({"tls_enable": params["enable"]})
    if item == "-mac" and get:
        say("mac addr: 78:b4:6a:%02x:%02x:%02x" % (hw["node"] & 0xFF, phy // 256, phy % 256))
        return 0
    if item == "-mtu" and get:
        say("mtu:%s" % (value("mtu") or "1500"))
        return 0
    if item == "-mtu" and setting:
        if len(rest) != 3 or rest[1] != "size":
            return fail("count" if len(rest) != 3 else "unknown_option")
        if not params["size"].isdigit() or not 68 <= int(params["size"]) <= 9702:
            return fail("mtu_range")
        return done({"mtu": params["size"]})
    if item == "-vnic" and get:
        vnic = hccs_address(chips[phy].get("server_index", hw["node"]), phy) if hw["family"] == "910_93" \
            else "192.168.1.%d" % (phy + 1)
        say("vnic link status: UP", "vnic ipaddr: %s" % vnic, "vnic netmask: 255.255.255.0")
        return 0
    if item == "-fec" and get:
        say("fec mode: rs FEC mode")
        return 0
    if item == "-lldp":
        if not get:
            return fail("unknown_option")
        if not down:  # no neighbour behind a dead link: nothing to print
            say(*_lldp(hw, phy, conf))
        return 0
    if item == "-send_arp" and get:
        say("The setting of the gratuitous arp:",
            "current enable status: %s" % ("disable" if value("send_arp_status") == "0" else "enable"),
            "gratuitous arp period: %s" % (value("send_arp_period") or "10"))
        return 0
    if item == "-send_arp" and setting:
        if len(rest) != 3:
            return fail("count")
        if not value("address"):
            return fail("no_ip")
        if rest[1] == "enable" and params["enable"] in ("0", "1"):
            return done({"send_arp_status": params["enable"]})
        if rest[1] == "period" and params["period"].isdigit() and 1 <= int(params["period"]) <= 3600:
            return done({"send_arp_period": params["period"]})
        return fail("invalid" if rest[1] in ("enable", "period") else "unknown_option")
    if item == "-ping":
        if rest[:1] != ["-g"] or len(rest) > 5:
            return fail("unknown_option" if rest[:1] != ["-g"] else "count")
        return _ping_cmd(phy, params, value("address"), down, say, fail)
    if item == "-hccs_ping":
        return _hccs_ping_cmd(hw, chips[phy], rest, say, fail)
    say(FAILED)
    return 1


def _net_health(phy: int, value, down: bool) -> str:
    """Follows the reachability of the netdetect address from the die's address (one real ping); without the
    namespace, the configuration alone decides."""
    if down:
        return "Fault"
    if not value("netdetect") or not value("address"):
        return "Init"
    if not _netns_ok():
        return "Success"
    return "Success" if _ping(value("address"), value("netdetect"), 1)[0][1] is not None else "Receive timeout"
