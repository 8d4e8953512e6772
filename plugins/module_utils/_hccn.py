# -*- coding: utf-8 -*-
# Copyright: ascendops.llm contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
# SPDX-License-Identifier: Apache-2.0
"""Parsers for `hccn_tool` output and `/etc/hccn.conf`. PRIVATE to the collection.

hccn_tool prints `key:value` lines without indentation (`ipaddr:29.1.137.205`, `link status: UP`,
`default gateway:192.168.6.1, Iface:eth0`); /etc/hccn.conf holds `key_N=value` lines where N is the die's physical
id. Formats: ascend-tech-reference.md section 2.
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
