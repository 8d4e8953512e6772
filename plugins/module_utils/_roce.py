# -*- coding: utf-8 -*-
# Copyright: ascendops.llm contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
# SPDX-License-Identifier: Apache-2.0
"""The NPU RoCE network: the address plan of every die from the inventory, the hccn_tool set commands that bring a
die to its plan, and the cross-host reachability checks. PRIVATE to the collection; pure functions.

Command syntax, /etc/hccn.conf keys and output formats: ascend-tech-reference.md section 2 and serving-reference.md
section 3. Every refusal is one sentence naming the host, the inventory variable (`npu_network_<key>`) and the fix.
"""

from __future__ import annotations

import ast
import ipaddress
import re

from ansible.module_utils.parsing.convert_bool import BOOLEANS, boolean

from ansible_collections.ascendops.llm.plugins.module_utils import _chips, _hccn

VAR = "npu_network_"
VNIC_NET = ipaddress.IPv4Network("192.168.1.0/24")  # host <-> device virtual NIC; hccn_tool refuses it
MTU_RANGE = (68, 9702)  # hccn_tool -mtu on Ethernet (TOOL_MIN_MTU_SIZE .. TOOL_ETH_MAX_MTU_SIZE)
KEYS = ("addresses", "cidr", "offset", "formula", "netmask", "gateway", "netdetect", "mtu", "tls")
# setting -> its /etc/hccn.conf key (cfg.c writes `<key>_<phy id>=<value>`)
CONF_KEYS = {"address": "address", "netmask": "netmask", "gateway": "gateway", "netdetect": "netdetect",
             "tls": "tls_enable", "mtu": "mtu"}


class FormulaError(ValueError):
    """An address formula uses something other than integers, node, die, + - * // % and parentheses."""


_OPS = {ast.Add: lambda a, b: a + b, ast.Sub: lambda a, b: a - b, ast.Mult: lambda a, b: a * b,
        ast.FloorDiv: lambda a, b: a // b, ast.Mod: lambda a, b: a % b}


def _eval(node, names):
    """Walk the parsed expression; anything not whitelisted is refused, so no inventory text is ever executed."""
    if isinstance(node, ast.Expression):
        return _eval(node.body, names)
    if isinstance(node, ast.Constant) and isinstance(node.value, int) and not isinstance(node.value, bool):
        return node.value
    if isinstance(node, ast.Name) and node.id in names:
        return names[node.id]
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        value = _eval(node.operand, names)
        return -value if isinstance(node.op, ast.USub) else value
    if isinstance(node, ast.BinOp) and type(node.op) in _OPS:
        left, right = _eval(node.left, names), _eval(node.right, names)
        if isinstance(node.op, (ast.FloorDiv, ast.Mod)) and right == 0:
            raise FormulaError("divides by zero")
        return _OPS[type(node.op)](left, right)
    what = ("the name %r" % node.id if isinstance(node, ast.Name) else
            "the operator %s" % type(node.op).__name__ if isinstance(node, (ast.BinOp, ast.UnaryOp)) else
            "%r" % node.value if isinstance(node, ast.Constant) else type(node).__name__)
    raise FormulaError("uses %s, which is not allowed" % what)


def formula_address(formula: str, node: int, die: int) -> str:
    """`192.168.100.{node*16+die}` for node `node`, die index `die`: each `{...}` is evaluated (whitelisted
    arithmetic only) and the result must be an IPv4 address. Raises FormulaError saying what is wrong."""
    def repl(m):
        expr = m.group(1)
        if len(expr) > 200:
            raise FormulaError("expression {%s...} is too long" % expr[:20])
        try:
            tree = ast.parse(expr.strip(), mode="eval")
        except SyntaxError:
            raise FormulaError("{%s} is not an arithmetic expression" % expr)
        return str(_eval(tree, {"node": node, "die": die}))

    if not isinstance(formula, str) or "{" not in formula:
        raise FormulaError("has no {expression}")
    text = re.sub(r"\{([^{}]*)\}", repl, formula)
    try:
        return str(ipaddress.IPv4Address(text))
    except ValueError:
        raise FormulaError("gives %s for node %d die %d, which is not an IPv4 address" % (text, node, die))


def _netmask(value):
    """A dotted netmask or a prefix length (24, "24", "/24") as a dotted netmask; ValueError when malformed."""
    text = str(value).strip().lstrip("/")
    if text.isdigit():
        return str(ipaddress.IPv4Network("0.0.0.0/%s" % text).netmask)
    ipaddress.IPv4Address(text)
    return str(ipaddress.IPv4Network("0.0.0.0/%s" % text).netmask)  # refuses non-contiguous masks


def _ip(value):
    return str(ipaddress.IPv4Address(str(value).strip()))


def roce_family(family) -> bool | None:
    """Whether the chip family has RoCE ports, from the one chip table (None: unknown family)."""
    return _chips.get(family, "roce")


def _host_addresses(h, s, node, count, refuse):
    """The host's die addresses and the netmask their source implies, or (None, None) after a refusal."""
    name = h["host"]
    cidr = None
    if s.get("cidr") not in (None, ""):
        try:
            cidr = ipaddress.IPv4Network(str(s["cidr"]), strict=False)
        except ValueError:
            refuse("%s: %scidr %r is not an IPv4 network; set it like 192.168.100.0/24." % (name, VAR, s["cidr"]))
            return None, None
    mask = str(cidr.netmask) if cidr else None
    if s.get("addresses") not in (None, []):
        addresses = list(s["addresses"])
        if len(addresses) != count:
            refuse("%s: %saddresses has %d entries for %d NPU dies; give one address per die, in physical ID order."
                   % (name, VAR, len(addresses), count))
            return None, None
        out = []
        for i, a in enumerate(addresses):
            try:
                out.append(_ip(a))
            except ValueError:
                refuse("%s: %saddresses[%d] %r is not an IPv4 address; fix that entry." % (name, VAR, i, a))
                return None, None
        return out, mask
    if s.get("formula"):
        try:
            return [formula_address(s["formula"], node, i) for i in range(count)], mask
        except FormulaError as exc:
            refuse("%s: %sformula %r %s; write it like 192.168.100.{node*16+die} (integers, node, die, "
                   "+ - * // %% and parentheses inside {...})." % (name, VAR, s["formula"], exc))
            return None, None
    if cidr is not None:
        offset = s.get("offset")
        if not isinstance(offset, int) or isinstance(offset, bool) or offset < 0:
            refuse("%s: %scidr is set but %soffset is %r; set %soffset (a non-negative integer: die i gets the "
                   "network address + offset + i) or %sformula." % (name, VAR, VAR, offset, VAR, VAR))
            return None, None
        out = [str(cidr.network_address + offset + i) for i in range(count)]
        if ipaddress.IPv4Address(out[-1]) not in cidr or (cidr.prefixlen < 31 and (
                out[0] == str(cidr.network_address) or out[-1] == str(cidr.broadcast_address))):
            refuse("%s: %soffset %d puts the %d dies at %s..%s, outside the usable addresses of %scidr %s; lower "
                   "the offset or widen the network." % (name, VAR, offset, count, out[0], out[-1], VAR, cidr))
            return None, None
        return out, mask
    refuse("%s: no RoCE address source; set %saddresses (one per die), %scidr with %soffset, or %sformula."
           % (name, VAR, VAR, VAR, VAR))
    return None, None


def plan(hosts: list, settings: dict | None = None) -> dict:
    """The address plan of every die of `hosts`, computed on the controller.

    `hosts` in inventory order, each {"host", "group" (the deployment), "phy_ids" (the npu facts' chips' phy_id),
    "chip_family", "product", optional per-host keys of KEYS}; `settings` holds the same keys for every host (a
    host's own win). A host's node index is its position among the hosts of its group; a die's index is its place
    in physical ID order. Addresses come from `addresses`, else `formula`, else `cidr` + `offset`; `gateway` and
    `netdetect` (default: the gateway) may be formulas too, for one subnet per plane. Returns {"hosts": {host:
    [{"phy_id", "address", "netmask", "gateway", "netdetect", "mtu", "tls"}, ...]}, "deployments": {group: [host,
    ...]}, "refusals": [sentence, ...]}; nothing is to be applied while there is a refusal.
    """
    settings = settings or {}
    refusals, out, groups = [], {}, {}
    for h in hosts:
        groups.setdefault(h.get("group"), []).append(h["host"])
    owner = {}  # address -> (host, phy) for duplicates across the whole inventory
    tls_by_group = {}
    for h in hosts:
        name, group = h["host"], h.get("group")
        s = dict(settings, **{k: h[k] for k in KEYS if h.get(k) is not None})
        out[name] = []
        multi = len(groups[group]) > 1
        roce = roce_family(h.get("chip_family"))
        if roce is False:
            if multi:
                refusals.append("%s: its NPUs (%s, chip family %s) have no RoCE ports, so it cannot be a node of "
                                "the multi-node deployment %s; remove it from group %s or serve it single-node."
                                % (name, h.get("product") or "unknown product", h.get("chip_family"), group, group))
            continue
        phys = sorted(h.get("phy_ids") or [])
        if roce is None or not phys:
            refusals.append("%s: no NPU dies with RoCE ports in its facts (chip family %r); gather "
                            "ascendops.llm.npu_info on it first." % (name, h.get("chip_family")))
            continue
        node = groups[group].index(name)
        bad = []
        addresses, mask = _host_addresses(h, s, node, len(phys), bad.append)
        if s.get("netmask") not in (None, ""):
            try:
                mask = _netmask(s["netmask"])
            except ValueError:
                bad.append("%s: %snetmask %r is not a netmask; set it like 255.255.255.0 or 24."
                           % (name, VAR, s["netmask"]))
        elif addresses and not mask:
            bad.append("%s: %snetmask is unset and no %scidr gives one; set %snetmask (for example 255.255.255.0)."
                       % (name, VAR, VAR, VAR))
        tls = s.get("tls", False)
        if not isinstance(tls, bool):
            bad.append("%s: %stls is %r; set true or false (false is what MindIE and vllm-ascend recommend)."
                       % (name, VAR, tls))
        mtu = s.get("mtu")
        if mtu is not None and (isinstance(mtu, bool) or not isinstance(mtu, int)
                                or not MTU_RANGE[0] <= mtu <= MTU_RANGE[1]):
            bad.append("%s: %smtu %r is not an integer in hccn_tool's range %d..%d; set one (9000 for jumbo "
                       "frames) or leave it unset." % (name, VAR, mtu, MTU_RANGE[0], MTU_RANGE[1]))
        extra = {}  # gateway and netdetect per die: one address, or a formula for one subnet per plane
        for key in ("gateway", "netdetect"):
            if s.get(key) in (None, ""):
                continue
            try:
                extra[key] = [formula_address(s[key], node, i) if "{" in str(s[key]) else _ip(s[key])
                              for i in range(len(phys))]
            except (ValueError, FormulaError) as exc:
                bad.append("%s: %s%s %r is not an IPv4 address%s; fix it." % (
                    name, VAR, key, s[key], " (%s)" % exc if isinstance(exc, FormulaError) else ""))
        if bad:
            refusals += bad
            continue
        gateways = extra.get("gateway") or [None] * len(phys)
        netdetects = extra.get("netdetect", gateways)
        if netdetects[0] is None:
            refusals.append("%s: %snetdetect is unset and there is no %sgateway to default to, so net_health stays "
                            "Init; set %sgateway (the switch address of the dies' subnet)." % (name, VAR, VAR, VAR))
            continue
        tls_by_group.setdefault(group, {}).setdefault(tls, []).append(name)
        dies, outside = [], {}
        for phy, address, gateway, netdetect in zip(phys, addresses, gateways, netdetects):
            net = ipaddress.IPv4Network("%s/%s" % (address, mask), strict=False)
            where = "%s die %d (%s/%s)" % (name, phy, address, net.prefixlen)
            if ipaddress.IPv4Address(address) in VNIC_NET:
                refusals.append("%s: %s is in the VNIC subnet %s, which hccn_tool refuses; choose %s outside it."
                                % (where, address, VNIC_NET, _source(s)))
            elif net.prefixlen < 31 and address in (str(net.network_address), str(net.broadcast_address)):
                refusals.append("%s: %s is the %s address of %s; choose %s that avoids it."
                                % (where, address, "network" if address == str(net.network_address)
                                   else "broadcast", net, _source(s)))
            for key, value in (("gateway", gateway), ("netdetect", netdetect)):
                if value is not None and ipaddress.IPv4Address(value) not in net:
                    outside.setdefault((key, value), []).append((phy, str(net)))
            if address in owner:
                other = owner[address]
                refusals.append("%s: address %s is also planned for %s die %d; every die of the inventory needs "
                                "its own address: fix %s." % (where, address, other[0], other[1], _source(s)))
            else:
                owner[address] = (name, phy)
            dies.append({"phy_id": phy, "address": address, "netmask": mask, "gateway": gateway,
                         "netdetect": netdetect, "mtu": mtu, "tls": tls})
        for (key, value), where in outside.items():  # one sentence per setting, not one per die
            refusals.append("%s: %s%s %s is outside the subnet of die %s (%s); set %s%s inside the dies' subnet "
                            "(a {formula} gives one per plane) or fix %snetmask." % (
                                name, VAR, key, value, ", ".join(str(w[0]) for w in where),
                                ", ".join(sorted(set(w[1] for w in where))), VAR, key, VAR))
        out[name] = dies
    for group, values in tls_by_group.items():
        if len(values) > 1 and len(groups[group]) > 1:
            refusals.append("deployment %s mixes TLS settings (%s); HCCL needs one TLS switch on every die of "
                            "every node: set %stls to the same value for all its hosts (false is recommended)."
                            % (group, "; ".join("%s on %s" % ("on" if v else "off", ", ".join(hs))
                                                for v, hs in sorted(values.items())), VAR))
    return {"hosts": out, "deployments": groups, "refusals": refusals}


def _source(s):
    if s.get("addresses") not in (None, []):
        return VAR + "addresses"
    return VAR + ("formula" if s.get("formula") else "cidr/" + VAR + "offset")


def check_dies(dies: list) -> list:
    """Problems of hccn_config's `dies` option (what the plan guarantees, checked again on the host)."""
    problems, seen = [], set()
    for d in dies:
        phy = d.get("phy_id")
        if phy in seen:
            problems.append("die %s is listed twice" % phy)
        seen.add(phy)
        for key in ("address", "netmask", "gateway", "netdetect"):
            if d.get(key) is None:
                continue
            try:
                _netmask(d[key]) if key == "netmask" else _ip(d[key])
            except ValueError:
                problems.append("die %s: %s %r is malformed" % (phy, key, d[key]))
        if (d.get("address") is None) != (d.get("netmask") is None):
            problems.append("die %s: address and netmask go together (hccn_tool -ip -s sets both)" % phy)
        mtu = d.get("mtu")
        if mtu is not None and not MTU_RANGE[0] <= mtu <= MTU_RANGE[1]:
            problems.append("die %s: mtu %s is outside %d..%d" % (phy, mtu, MTU_RANGE[0], MTU_RANGE[1]))
    return problems


def set_commands(phy: int, setting: str, value) -> list:
    """The hccn_tool argv (without the tool) that sets one setting of die `phy` (reference section 2)."""
    i = ["-i", str(phy)]
    if setting == "address":
        return i + ["-ip", "-s", "address", value[0], "netmask", value[1]]
    if setting == "gateway":
        return i + ["-gateway", "-s", "gateway", value]
    if setting == "netdetect":
        return i + ["-netdetect", "-s", "address", value]
    if setting == "tls":
        return i + ["-tls", "-s", "enable", "1" if value else "0"]
    if setting == "mtu":
        return i + ["-mtu", "-s", "size", str(value)]
    raise ValueError("unknown setting %r" % setting)


def _same_ip(a, b):
    try:
        return ipaddress.IPv4Address(str(a)) == ipaddress.IPv4Address(str(b))
    except ValueError:
        return False


def changes(current, wanted: list, conf_text: str = "") -> dict:
    """What it takes to bring the dies to `wanted` (plan entries; a None value is not managed) from `current` (the
    `hccn` facts of _hccn.gather, or their `devices` list; an `mtu` key where it was read).

    Returns {"commands": [argv, ...] in order, "dies": [phy ids that change], "settings": {phy: [setting, ...]},
    "conf_before": conf_text, "conf_after": the predicted /etc/hccn.conf}. Per die the address goes first: hccn_tool
    checks a gateway against the address the die has, and drops a gateway outside a new subnet, so a new address
    sets the gateway again.
    """
    devices = current.get("devices", []) if isinstance(current, dict) else (current or [])
    now = {d["phy_id"]: d for d in devices}
    commands, settings, updates = [], {}, {}
    for w in sorted(wanted, key=lambda d: d["phy_id"]):
        phy, cur = w["phy_id"], now.get(w["phy_id"], {})
        todo = []
        if w.get("address") is not None:
            mask = _netmask(w["netmask"])
            if not (_same_ip(cur.get("address"), w["address"]) and _same_ip(cur.get("netmask"), mask)):
                todo.append(("address", (w["address"], mask)))
        for key in ("gateway", "netdetect"):
            if w.get(key) is not None and (not _same_ip(cur.get(key), w[key])
                                           or (key == "gateway" and todo and todo[0][0] == "address")):
                todo.append((key, w[key]))
        if w.get("tls") is not None and cur.get("tls_enabled") is not bool(w["tls"]):
            todo.append(("tls", bool(w["tls"])))
        if w.get("mtu") is not None and str(cur.get("mtu")) != str(w["mtu"]):
            todo.append(("mtu", int(w["mtu"])))
        if not todo:
            continue
        settings[phy] = [item[0] for item in todo]
        conf = updates.setdefault(phy, {})
        for key, value in todo:
            commands.append(set_commands(phy, key, value))
            if key == "address":
                conf.update(address=value[0], netmask=value[1])
            else:
                conf[CONF_KEYS[key]] = ("1" if value else "0") if key == "tls" else str(value)
    return {"commands": commands, "dies": sorted(settings), "settings": settings, "conf_before": conf_text,
            "conf_after": _hccn.render_conf(conf_text, updates) if updates else conf_text}


# ---- verification ----------------------------------------------------------------------------------------------

def hccs_address(server_index: int, phy_id: int) -> str:
    """The HCCS ping address of an A3 die: 192.<server index>.<2 + die>.<199 - phy id>, die = phy id % 2 (the
    address -> SDID decoding of hccn_tool's tool_cmd.c)."""
    return "192.%d.%d.%d" % (server_index, 2 + phy_id % 2, 199 - phy_id)


def ping_args(phy: int, address: str) -> list:
    """`hccn_tool -i N -ping -g address X`; the device sends 3 packets (its `pkt` option is the payload size)."""
    return ["-i", str(phy), "-ping", "-g", "address", address]


def hccs_ping_args(phy: int, address: str) -> list:
    return ["-i", str(phy), "-hccs_ping", "-g", "address", address]


def ping_matrix(plan_hosts: dict, deployments: dict, only: str | None = None) -> list:
    """Every die pings the same die index on every other node of its deployment: [{"host", "phy_id", "address",
    "peer", "peer_phy_id", "peer_address"}] in inventory order; with `only`, the pairs that host sends."""
    pairs = []
    for members in deployments.values():
        for host in members:
            if only is not None and host != only:
                continue
            for index, die in enumerate(plan_hosts.get(host) or []):
                for peer in members:
                    peer_dies = plan_hosts.get(peer) or []
                    if peer != host and index < len(peer_dies):
                        pairs.append({"host": host, "phy_id": die["phy_id"], "address": die["address"],
                                      "peer": peer, "peer_phy_id": peer_dies[index]["phy_id"],
                                      "peer_address": peer_dies[index]["address"]})
    return pairs


def hccs_matrix(hosts: list, only: str | None = None) -> list:
    """A3: every die HCCS-pings the same die index on the other nodes of its deployment inside its super pod.
    `hosts`: [{"host", "group", "super_pod_id", "server_index", "phy_ids"}]; same pair shape as ping_matrix."""
    pairs = []
    for h in hosts:
        if only is not None and h["host"] != only:
            continue
        for peer in hosts:
            if peer is h or (peer["group"], peer["super_pod_id"]) != (h["group"], h["super_pod_id"]):
                continue
            for phy, peer_phy in zip(sorted(h["phy_ids"]), sorted(peer["phy_ids"])):
                pairs.append({"host": h["host"], "phy_id": phy, "address": hccs_address(h["server_index"], phy),
                              "peer": peer["host"], "peer_phy_id": peer_phy,
                              "peer_address": hccs_address(peer["server_index"], peer_phy)})
    return pairs


def failure(pair: dict, result: dict, netmask=None, link=None, port=None, hccs: bool = False) -> str:
    """One sentence for a pair that did not ping: host, die, peer address, and what to look at."""
    what = "HCCS-ping" if hccs else "reach"
    got = ("the tool refused (%s)" % result["error"].splitlines()[-1].rstrip(".!")) if result.get("error") else \
        "%d of %d replies" % (result.get("received", 0), result.get("transmitted", 0))
    checks = []
    if hccs:
        checks.append("the super pod's HCCS links and that both hosts are in the same super pod "
                      "(npu-smi info -t spod-info)")
    else:
        if link and link != "UP":
            checks.append("the cable and optical module of die %d (its link is %s)" % (pair["phy_id"], link))
        else:
            checks.append("the cable of die %d" % pair["phy_id"])
        checks.append("switch port %s" % port if port else "its switch port (hccn_tool -i %d -lldp -g names none)"
                      % pair["phy_id"])
        checks.append("that both dies have netmask %s in one subnet" % netmask if netmask
                      else "that both dies' netmasks put them in one subnet")
        checks.append("the peer's link (hccn_tool -i %d -link -g on %s)" % (pair["peer_phy_id"], pair["peer"]))
    return "%s die %d (%s) cannot %s %s die %d at %s: %s. Check %s." % (
        pair["host"], pair["phy_id"], pair["address"], what, pair["peer"], pair["peer_phy_id"],
        pair["peer_address"], got, "; ".join(checks))


def reachability(pairs: list, outputs: list, context: dict | None = None, hccs: bool = False) -> dict:
    """Judge a ping matrix. `outputs[i]` is the tool's (rc, text) for `pairs[i]`; `context` maps (host, phy_id) to
    {"netmask", "link", "lldp"} (text of `-lldp -g`) to name what to check. A pair passes when every packet came
    back, whatever the exit code. Returns {"ok": [pairs], "failed": [pairs with "result"], "messages": [...]}."""
    context = context or {}
    ok, failed, messages = [], [], []
    for pair, (rc, text) in zip(pairs, outputs):
        result = (_hccn.parse_hccs_ping if hccs else _hccn.parse_ping)(text or "")
        if result["ok"]:
            ok.append(pair)
            continue
        ctx = context.get((pair["host"], pair["phy_id"]), {})
        port = _hccn.parse_lldp(ctx["lldp"])["port"] if ctx.get("lldp") else None
        failed.append(dict(pair, result=result, rc=rc))
        messages.append(failure(pair, result, ctx.get("netmask"), ctx.get("link"), port, hccs))
    return {"ok": ok, "failed": failed, "messages": messages}


def check_state(plan_hosts: dict, deployments: dict, facts: dict) -> list:
    """After a change or on demand: every planned die has its planned address, link UP, net_health Success, and one
    TLS switch per deployment. `facts` maps host -> its `hccn` facts. Returns sentences naming host and die."""
    problems = []
    for group, members in deployments.items():
        tls = {}
        for host in members:
            devices = {d["phy_id"]: d for d in (facts.get(host) or {}).get("devices", [])}
            for die in plan_hosts.get(host) or []:
                d, phy = devices.get(die["phy_id"]), die["phy_id"]
                if d is None:
                    problems.append("%s die %d: hccn_info returned nothing for it; check the driver "
                                    "(npu-smi info) and hccn_tool." % (host, phy))
                    continue
                if not _same_ip(d.get("address"), die["address"]):
                    problems.append("%s die %d has address %s, planned %s; run the npu_network role to apply the "
                                    "plan." % (host, phy, d.get("address"), die["address"]))
                if d.get("link") != "UP":
                    problems.append("%s die %d link is %s; check its cable, optical module and switch port "
                                    "(hccn_tool -i %d -lldp -g)." % (host, phy, d.get("link"), phy))
                if d.get("net_health") != "Success":
                    problems.append("%s die %d net_health is %s; check that netdetect %s answers from the die's "
                                    "subnet (switch, netmask %s)."
                                    % (host, phy, d.get("net_health"), die.get("netdetect"), die.get("netmask")))
                tls.setdefault(d.get("tls_enabled"), []).append("%s die %d" % (host, phy))
        if len(tls) > 1:
            seen = ["%s: %s%s" % ({True: "on", False: "off"}.get(k, "unknown"), ", ".join(v[:4]),
                                  " ..." if len(v) > 4 else "") for k, v in tls.items()]
            problems.append("deployment %s has mixed TLS switches (%s); set npu_network_tls and apply it again."
                            % (group, "; ".join(seen)))
    return problems


# ---- the inventory: which hosts are planned, from what --------------------------------------------------------

def inventory_plan(deployment_groups, groups: dict, members: dict) -> dict:
    """The plan of the hosts the npu_network role manages, from the inventory.

    `deployment_groups`: the names of the inventory groups that are deployments (`npu_network_deployment_groups`);
    `groups`: the inventory's group -> [host] map; `members`: host -> {"npu": its npu facts, "settings": its
    npu_network_* values as that host resolves them (keys of KEYS plus "single_host")}, None for a host that did
    not run the role (outside the play, --limit). A deployment of two or more hosts is planned as one; a host in a
    one-host deployment, or in none, only when its `single_host` is true. Returns plan()'s result plus "skipped":
    {host: why} for hosts of `members` not planned.
    """
    refusals, hosts, where = [], [], {}
    names = deployment_groups if isinstance(deployment_groups, (list, tuple)) else None
    if names is None or not all(isinstance(n, str) and n for n in names):
        names = []
        refusals.append("%sdeployment_groups is %r; set it to a list of the inventory groups that are multi-node "
                        "deployments, for example [deepseek_a3]." % (VAR, deployment_groups))
    for group in names:
        if not groups.get(group):
            refusals.append("%sdeployment_groups names %s, which is not an inventory group with hosts; fix the name "
                            "or add the group to the inventory." % (VAR, group))
            continue
        for host in groups[group]:
            if host in where and where[host] != group:
                refusals.append("%s: it is in the deployments %s and %s, and a die can have one plan only; list it "
                                "in one of %sdeployment_groups." % (host, where[host], group, VAR))
            where.setdefault(host, group)
    planned = set()
    for group in names:
        members_of = groups.get(group) or []
        single = len(members_of) == 1
        for host in members_of:
            if host in planned or where.get(host) != group:
                continue
            data = members.get(host)
            if single and not (data and (data.get("settings") or {}).get("single_host")):
                continue
            planned.add(host)
            if not data or not data.get("npu") or data.get("settings") is None:
                refusals.append("%s: it is a node of the deployment %s but did not run the npu_network role (the play "
                                "ran with --limit, or its NPU facts were not gathered), and the plan needs every "
                                "node; run without --limit so every member of %s is in the play."
                                % (host, group, group))
                continue
            hosts.append(_plan_host(host, group, data))
    skipped = {}
    for host, data in members.items():
        if host in planned:
            continue
        if data and (data.get("settings") or {}).get("single_host"):
            planned.add(host)
            if data.get("npu"):
                hosts.append(_plan_host(host, where.get(host, host), data))
            continue
        skipped[host] = ("a one-host deployment (set %ssingle_host to address it)" % VAR if host in where else
                         "in no multi-node deployment (%sdeployment_groups)" % VAR)
    result = plan(hosts)
    result["refusals"] = refusals + result["refusals"]
    result["skipped"] = skipped
    return result


def _plan_host(host, group, data):
    npu, settings = data["npu"], data.get("settings") or {}
    entry = {"host": host, "group": group, "phy_ids": [c["phy_id"] for c in npu.get("chips") or []],
             "chip_family": npu.get("chip_family"), "product": npu.get("product")}
    for key in KEYS:
        value = settings.get(key)
        if value in (None, "", []):
            continue
        # Extra vars (-e npu_network_offset=10) arrive as text: read integers and booleans as the role's spec does.
        if key in ("offset", "mtu") and isinstance(value, str) and value.strip().isdigit():
            value = int(value)
        elif key == "tls" and isinstance(value, str) and value.strip().lower() in BOOLEANS:
            value = boolean(value)
        entry[key] = value
    return entry


def plan_lines(result: dict) -> list:
    """The plan as lines an operator reads in check mode: one per die, then the hosts left alone."""
    lines = []
    for group, members in result.get("deployments", {}).items():
        for host in members:
            for die in result["hosts"].get(host) or []:
                lines.append("%s %s die %d: %s/%s gateway %s netdetect %s tls %s%s" % (
                    group, host, die["phy_id"], die["address"], die["netmask"], die["gateway"] or "-",
                    die["netdetect"], "on" if die["tls"] else "off",
                    " mtu %s" % die["mtu"] if die["mtu"] is not None else ""))
    lines += ["%s: not addressed, %s" % (host, why) for host, why in sorted(result.get("skipped", {}).items())]
    return lines


def host_pairs(result: dict, host: str, npu_facts: dict | None = None, hccs: bool = False) -> list:
    """The pairs `host` tests, each with the `argv` of its hccn_tool command: RoCE pings of its deployment
    (ping_matrix), or on A3 the HCCS pings inside the super pod (hccs_matrix), from the npu facts of every member
    (`npu_facts`: host -> facts gathered with the spod details; a die without a super pod id is left out)."""
    if not hccs:
        return [dict(p, argv=ping_args(p["phy_id"], p["peer_address"]))
                for p in ping_matrix(result["hosts"], result["deployments"], host)]
    hosts = []
    for group, members in result["deployments"].items():
        if host not in members:
            continue
        for member in members:
            chips = [c for c in ((npu_facts or {}).get(member) or {}).get("chips") or []
                     if c.get("super_pod_id") is not None and c.get("server_index") is not None]
            planned = set(d["phy_id"] for d in result["hosts"].get(member) or [])
            if chips and planned:
                hosts.append({"host": member, "group": group, "super_pod_id": chips[0]["super_pod_id"],
                              "server_index": int(chips[0]["server_index"]),
                              "phy_ids": [c["phy_id"] for c in chips if c["phy_id"] in planned]})
    return [dict(p, argv=hccs_ping_args(p["phy_id"], p["peer_address"])) for p in hccs_matrix(hosts, host)]


def judge(results: list, dies: list, hccn: dict | None = None, lldp: list | None = None, hccs: bool = False) -> dict:
    """reachability() over what the role ran: `results` the command results of the pings, each with its pair (of
    host_pairs) as `item`; `dies` the host's plan, `hccn` its hccn facts (the link of each die), `lldp` the results
    of `-lldp -g` with the die's phy id as `item`."""
    pairs = [r["item"] for r in results]
    outputs = [(r.get("rc"), (r.get("stdout") or "") + "\n" + (r.get("stderr") or "")) for r in results]
    links = {d["phy_id"]: d.get("link") for d in (hccn or {}).get("devices") or []}
    ports = {r.get("item"): r.get("stdout") for r in lldp or [] if r.get("rc") == 0}
    host = pairs[0]["host"] if pairs else None
    context = {(host, die["phy_id"]): {"netmask": die.get("netmask"), "link": links.get(die["phy_id"]),
                                       "lldp": ports.get(die["phy_id"])} for die in dies}
    return reachability(pairs, outputs, context, hccs)
