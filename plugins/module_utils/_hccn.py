# -*- coding: utf-8 -*-
# Copyright: ascendops.llm contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
# SPDX-License-Identifier: Apache-2.0
"""Parsers for `hccn_tool` output and `/etc/hccn.conf`. PRIVATE to the collection.

hccn_tool prints `key:value` lines without indentation (`ipaddr:29.1.137.205`, `link status: UP`,
`default gateway:192.168.6.1, Iface:eth0`); /etc/hccn.conf holds `key_N=value` lines where N is the die's physical
id. Formats: ascend-tech-reference.md section 2; where it has none (`-hccs_ping`, `-send_arp`), the printf formats of
hccn_tool's open-source C (hicann/driver, src/custom/network/hccn/ascend910B).
"""

from __future__ import annotations

import re

NOT_SET = ("no ip was preset", "no gateway was preset", "no netdetect was preset")


class HccnParseError(ValueError):
    """hccn_tool printed something the parser does not know."""


def _value(text: str, key: str):
    """The value after `key:` on the line that starts with key (case-sensitive, as printed)."""
    for line in text.splitlines():
        if line.strip().startswith(key + ":"):
            return line.split(":", 1)[1].strip()
    if any(marker in text for marker in NOT_SET):
        return None
    raise HccnParseError("hccn_tool output has no %r line: %s" % (key, text.strip()[:120]))


def parse_ip(text: str) -> dict:
    """`hccn_tool -i N -ip -g`."""
    return {"address": _value(text, "ipaddr"), "netmask": _value(text, "netmask")}


def parse_gateway(text: str):
    """`hccn_tool -i N -gateway -g` -> the gateway address."""
    value = _value(text, "default gateway")
    return value.split(",")[0].strip() if value else None


def parse_netdetect(text: str):
    return _value(text, "netdetect addr")


def parse_link(text: str):
    return _value(text, "link status")


def parse_net_health(text: str):
    return _value(text, "net health status")


def parse_tls(text: str):
    """`hccn_tool -i N -tls -g` -> whether the device-side TLS switch is on."""
    m = re.search(r"tls switch\[(\d)\]", text)
    if not m:
        raise HccnParseError("hccn_tool -tls output has no 'tls switch[...]': %s" % text.strip()[:120])
    return m.group(1) == "1"


def parse_conf(text: str) -> dict:
    """/etc/hccn.conf -> {phy_id: {key: value}} for the `key_N=value` lines."""
    out = {}
    for line in text.splitlines():
        m = re.match(r"^\s*([A-Za-z][A-Za-z0-9_]*?)_(\d+)\s*=\s*(.*?)\s*$", line)
        if m:
            out.setdefault(int(m.group(2)), {})[m.group(1)] = m.group(3)
    return out


def from_conf(entry: dict) -> dict:
    """A device's facts as far as /etc/hccn.conf knows them (no link or health: only the tool can tell)."""
    tls = entry.get("tls_enable")
    return {"address": entry.get("address"), "netmask": entry.get("netmask"), "gateway": entry.get("gateway"),
            "netdetect": entry.get("netdetect"), "link": None, "net_health": None,
            "tls_enabled": None if tls is None else tls == "1"}


def query(run, phy: int) -> dict:
    """All facts of one die through hccn_tool (`run(args) -> (rc, output)`); raises RuntimeError with the tool's
    output when it cannot answer (for example before the driver is loaded)."""
    def get(item):
        rc, out = run(["-i", str(phy), item, "-g"])
        if rc != 0 and not any(marker in out for marker in NOT_SET):
            raise RuntimeError(out.strip() or "hccn_tool -i %d %s -g exited %d" % (phy, item, rc))
        return out

    ip = parse_ip(get("-ip"))
    return {"phy_id": phy, "address": ip["address"], "netmask": ip["netmask"],
            "gateway": parse_gateway(get("-gateway")), "netdetect": parse_netdetect(get("-netdetect")),
            "link": parse_link(get("-link")), "net_health": parse_net_health(get("-net_health")),
            "tls_enabled": parse_tls(get("-tls"))}


def absent() -> dict:
    """The `hccn` facts of a host without RoCE ports, or with neither hccn_tool nor hccn.conf."""
    return {"present": False, "source": "none", "tls_consistent": True, "devices": [], "error": None}


def gather(run, phys: list, conf: dict) -> dict:
    """The `hccn` facts: live values from hccn_tool when it answers for every die, else what hccn.conf says for
    every die (a mix would hide which values are live). `run` is None without hccn_tool."""
    facts = dict(absent(), present=True, source="hccn_tool")
    if run is not None:
        try:
            facts["devices"] = [query(run, phy) for phy in phys]
        except RuntimeError as exc:
            facts["error"] = str(exc)
    if run is None or facts["error"]:
        facts["source"] = "hccn.conf"
        facts["devices"] = [dict(from_conf(conf.get(phy, {})), phy_id=phy) for phy in phys]
    facts["tls_consistent"] = len(set(d["tls_enabled"] for d in facts["devices"])) <= 1
    return facts


def parse_mtu(text: str):
    """`hccn_tool -i N -mtu -g` -> the MTU as an int (`mtu:1500`)."""
    value = _value(text, "mtu")
    return int(value) if value and value.isdigit() else None


def parse_fec(text: str):
    """`hccn_tool -i N -fec -g` -> the FEC mode (`fec mode: rs FEC mode`)."""
    return _value(text, "fec mode")


def parse_send_arp(text: str) -> dict:
    """`hccn_tool -i N -send_arp -g` (tool_send_arp.c: `current enable status: enable|disable`,
    `gratuitous arp period: N`)."""
    period = _value(text, "gratuitous arp period")
    return {"enabled": _value(text, "current enable status") == "enable",
            "period": int(period) if period and period.isdigit() else None}


def parse_lldp(text: str) -> dict:
    """`hccn_tool -i N -lldp -g`: the switch's LLDP TLVs as lldptool prints them, a `... TLV` header line and
    indented values (real paste in a public blog: `Port ID TLV` / `\\tIfname: 400GE1/1/20:2`). `port` is the switch
    port the die is cabled to; None when no neighbour answered (empty output)."""
    tlvs, current = {}, None
    for line in text.splitlines():
        if not line.strip():
            continue
        if not line[:1].isspace() and line.rstrip().endswith("TLV"):
            current = line.strip()
            tlvs.setdefault(current, [])
        elif current is not None:
            tlvs[current].append(line.strip())

    def field(tlv, prefix):
        return next((v.split(":", 1)[1].strip() for v in tlvs.get(tlv, []) if v.startswith(prefix + ":")), None)

    return {"port": field("Port ID TLV", "Ifname"), "chassis": field("Chassis ID TLV", "MAC"),
            "system_name": (tlvs.get("System Name TLV") or [None])[0],
            "management_address": field("Management Address TLV", "IPv4"), "tlvs": tlvs}


def _ping_result(text, device, address, sent, received, times, lost):
    ok = sent > 0 and received == sent
    error = None
    if not times and not lost and sent == 0:
        error = text.strip() or "no output"  # the tool refused before pinging (link down, no address, not root)
    return {"device": device, "address": address, "transmitted": sent, "received": received,
            "loss_pct": round(100.0 * (sent - received) / sent, 2) if sent else 100.0,
            "times_ms": times, "lost_seqs": lost, "ok": ok, "error": error}


def parse_ping(text: str) -> dict:
    """`hccn_tool -i N -ping -g address X`: `device 3 PING 29.1.137.205`, then `recv seq=0,time=1.418000ms` per reply
    or `recv time out seq=0`, then `3 packets transmitted, 3 received, 0.00% packet loss` (real paste, reference
    section 2). `ok` only when every packet came back. Anything else (the tool's refusal) lands in `error`."""
    head = re.search(r"device (\d+) PING (\S+)", text)
    times = [float(t) for t in re.findall(r"recv seq=\d+,\s*time=([\d.]+)ms", text)]
    lost = [int(s) for s in re.findall(r"recv time out seq=(\d+)", text)]
    summary = re.search(r"(\d+) packets transmitted, (\d+) received", text)
    sent, received = (int(summary.group(1)), int(summary.group(2))) if summary else \
        (len(times) + len(lost), len(times))
    return _ping_result(text, int(head.group(1)) if head else None, head.group(2) if head else None,
                        sent, received, times, lost)


def parse_hccs_ping(text: str) -> dict:
    """`hccn_tool -i N -hccs_ping -g address X` (A3; tool_cmd.c tool_ping_printf): per packet `This pkt ping
    success!` (or `send fail`, `check recv msg fail`, `not start to send`) then `recv seq 0, time = 1.234us, L1
    plane check result = 0x0`, then `3 packets transmitted, 3 received, 0.00% packets loss`. Same shape as
    parse_ping."""
    head = re.search(r"device (\d+) PING (\S+)", text)
    times, lost, status = [], [], None
    for line in text.splitlines():
        if line.startswith("This pkt "):
            status = line.strip()
        m = re.match(r"recv seq (\d+), time = ([\d.]+)us", line)
        if m:
            if status == "This pkt ping success!":
                times.append(float(m.group(2)) / 1000)
            else:
                lost.append(int(m.group(1)))
            status = None
    summary = re.search(r"(\d+) packets transmitted, (\d+) received", text)
    sent, received = (int(summary.group(1)), int(summary.group(2))) if summary else \
        (len(times) + len(lost), len(times))
    return _ping_result(text, int(head.group(1)) if head else None, head.group(2) if head else None,
                        sent, received, times, lost)


def render_conf(text: str, updates: dict) -> str:
    """/etc/hccn.conf after `updates` ({phy_id: {key: value}}, a None value removes the key): changed keys keep their
    line, new keys follow the file's last line, die by die. What hccn_tool's set commands write (cfg.c `%s_%d=%s`)."""
    pending = {(int(phy), key): value for phy, values in updates.items() for key, value in values.items()}
    lines = []
    for line in text.splitlines():
        m = re.match(r"^\s*([A-Za-z][A-Za-z0-9_]*?)_(\d+)\s*=", line)
        key = (int(m.group(2)), m.group(1)) if m else None
        if key in pending:
            value = pending.pop(key)
            if value is not None:
                lines.append("%s_%d=%s" % (key[1], key[0], value))
            continue
        lines.append(line)
    lines += ["%s_%d=%s" % (key, phy, value) for (phy, key), value in pending.items() if value is not None]
    return "".join(line + "\n" for line in lines)
