"""The simulated `hccn_tool` (installed by the 910B and A3 driver packages at
/usr/local/Ascend/driver/tools/hccn_tool). Settings persist in /etc/hccn.conf as `key_N=value` lines, where N is
the die's physical id. Output strings: ascend-tech-reference.md section 2.
"""

from __future__ import annotations

import datetime
import ipaddress
import os
import sys

from . import npusmi, state

CONFIG_LOG = "/var/log/hccn_tool/hccn_config.log"
OK_SET = "Cmd executed successfully!"
NOT_EXIST = "The device is not exist!"
FAILED = "Cmd execute failed!"
VNIC_NET = ipaddress.ip_network("192.168.1.0/24")  # the host <-> device virtual NIC subnet


def _log(message: str) -> None:
    full = state.path(CONFIG_LOG)
    os.makedirs(os.path.dirname(full), exist_ok=True)
    with open(full, "a") as f:
        f.write("[%s] %s\n" % (datetime.datetime.now().strftime("%Y-%m-%d %H:%M:%S"), message))


def _set(conf: dict, phy: int, values: dict) -> None:
    for key, value in values.items():
        conf["%s_%d" % (key, phy)] = value
    state.write_kv(state.HCCN_CONF, conf, 0o600)
    _log("device %d set %s" % (phy, ", ".join("%s=%s" % kv for kv in values.items())))


def _valid_ip(text: str) -> bool:
    try:
        ipaddress.IPv4Address(text)
        return True
    except ValueError:
        return False


def main(argv: list, out=None) -> int:
    out = out or sys.stdout

    def say(*lines):
        out.write("".join(line + "\n" for line in lines))

    loaded = state.loaded()
    if not loaded.get("driver"):
        say(npusmi.DCMI_INIT_FAILED)
        return 1
    hw = state.host()
    phys = {c["phy_id"] for card in hw["cards"] for c in card["chips"]}
    if argv[:1] == ["-a"] and argv[1:] == ["-cfg", "recovery"]:
        _log("all devices recovered from %s" % state.HCCN_CONF)
        say(OK_SET)
        return 0
    if len(argv) < 3 or argv[0] != "-i":
        say("Usage: hccn_tool -i <device id> -<item> -g|-s ...")
        return 1
    try:
        phy = int(argv[1])
    except ValueError:
        phy = -1
    if phy not in phys or hw["family"] == "310p":
        say(NOT_EXIST)
        return 1
    item, rest = argv[2], argv[3:]
    conf = state.read_kv(state.HCCN_CONF)
    get = rest[:1] == ["-g"]
    params = dict(zip(rest[1::2], rest[2::2])) if rest[:1] == ["-s"] else {}

    def value(key):
        return conf.get("%s_%d" % (key, phy))

    link_down = phy in state.faults().get("link_down", [])
    if item == "-cfg" and rest == ["recovery"]:
        _log("device %d recovered" % phy)
        say(OK_SET)
        return 0
    if item == "-ip" and get:
        if not value("address"):
            say("Get ipconf failed, because no ip was preset there!")
            return 13
        say("ipaddr:%s" % value("address"), "netmask:%s" % value("netmask"))
        return 0
    if item == "-ip" and "address" in params and "netmask" in params:
        if not (_valid_ip(params["address"]) and _valid_ip(params["netmask"])):
            say(FAILED)
            return 1
        if ipaddress.IPv4Address(params["address"]) in VNIC_NET:
            say("The ip address configured is conflicted!")
            return 1
        _set(conf, phy, {"address": params["address"], "netmask": params["netmask"]})
        say(OK_SET)
        return 0
    if item == "-gateway" and get:
        if not value("gateway"):
            say("Get gateway failed, because no gateway was preset there!")
            return 13
        say("default gateway:%s, Iface:eth%d" % (value("gateway"), phy))
        return 0
    if item == "-gateway" and "gateway" in params and _valid_ip(params["gateway"]):
        _set(conf, phy, {"gateway": params["gateway"]})
        say(OK_SET)
        return 0
    if item == "-netdetect" and get:
        if not value("netdetect"):
            say("Get netdetect failed, because no netdetect was preset there!")
            return 13
        say("netdetect addr: %s" % value("netdetect"))
        return 0
    if item == "-netdetect" and "address" in params and _valid_ip(params["address"]):
        _set(conf, phy, {"netdetect": params["address"]})
        say(OK_SET)
        return 0
    if item == "-link" and get:
        say("link status: %s" % ("DOWN" if link_down else "UP"))
        return 0
    if item == "-link" and rest[:1] == ["-s"] and rest[1:] in (["up"], ["down"]):
        faults = state.faults()
        down = set(faults.get("link_down", []))
        if rest[1] == "up":
            down.discard(phy)
        else:
            down.add(phy)
        faults["link_down"] = sorted(down)
        state.write_json(state.FAULTS, faults)
        _log("device %d link %s" % (phy, rest[1]))
        say(OK_SET)
        return 0
    if item == "-net_health" and get:
        if link_down:
            say("net health status: Fault")
        elif not value("netdetect") or not value("address"):
            say("net health status: Init")
        else:
            say("net health status: Success")
        return 0
    if item == "-tls" and get:
        say("dev_id:%d, tls switch[%s](0:disable, 1:enable), tls preconfigured[1](0:non-preset, 1:preset), "
            "tls alarm time threshold[60]days" % (phy, value("tls_enable") or "1"))
        return 0
    if item == "-tls" and params.get("enable") in ("0", "1"):
        _set(conf, phy, {"tls_enable": params["enable"]})
        say(OK_SET)
        return 0
    if item == "-mac" and get:
        say("mac addr: 78:b4:6a:%02x:%02x:%02x" % (hw["node"] & 0xFF, phy // 256, phy % 256))
        return 0
    if item == "-mtu" and get:
        say("mtu:%s" % (value("mtu") or "1500"))
        return 0
    if item == "-mtu" and params.get("size", "").isdigit() and 68 <= int(params["size"]) <= 9702:
        _set(conf, phy, {"mtu": params["size"]})
        say(OK_SET)
        return 0
    if item == "-vnic" and get:
        say("vnic link status: UP", "vnic ipaddr: 192.168.1.%d" % (phy + 1), "vnic netmask: 255.255.255.0")
        return 0
    say(FAILED)
    return 1
