# -*- coding: utf-8 -*-
# Copyright: ascendops.llm contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
# SPDX-License-Identifier: Apache-2.0
"""HCCL rank tables (ascend-tech-reference.md section 3): built from the cluster's facts, and checked as HCCL and
MindIE read them. PRIVATE to the collection; pure functions.

Every value is a JSON string. Ranks are contiguous in server order (node k holds [k*n, (k+1)*n)); the first
server holds rank 0 and is MindIE's master. Version 1.0 for 800I A2-style clusters; version 1.2 (A3 super pods)
adds `super_device_id` per device and `super_pod_list`.
"""

from __future__ import annotations

import ipaddress

from ansible_collections.ascendops.llm.plugins.module_utils import _chips

VERSIONS = ("1.0", "1.2")
MAX_RANKS = 512  # rank_id in [0, 511]
MAX_DEVICE_ID = 63


def _valid_ip(value) -> bool:
    try:
        ipaddress.ip_address(value)
        return True
    except (TypeError, ValueError):
        return False


def _text(value):
    """An int as the JSON string a rank table holds it in; anything else as given, for validate_rank_table to judge."""
    return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


def build_rank_table(servers: list, version=None, consumer: str = "hccl") -> dict:
    """The rank table of `servers`, an ordered list of {"server_id", "container_ip", "devices": [{"device_id",
    "device_ip", "super_device_id"}], "super_pod_id"}, checked by validate_rank_table for `consumer`. Version "1.2"
    when the devices carry super device ids or it is asked for. Raises ValueError naming the server and device at
    fault."""
    if version not in (None,) + VERSIONS:
        raise ValueError("rank table version %r is not one of %s" % (version, ", ".join(VERSIONS)))
    # Whether the devices carry SDIDs decides the version, so it is checked here; the table's rules are not.
    devices = [(s, d) for s in servers for d in s.get("devices") or []]
    without = [(s.get("server_id"), d.get("device_id")) for s, d in devices if d.get("super_device_id") is None]
    if without and len(without) < len(devices):
        raise ValueError("server %s device %s has no super_device_id while other devices have one: give every "
                         "device its SDID (npu-smi info -t spod-info) or none" % without[0])
    version = version or ("1.2" if devices and not without else "1.0")

    server_list, rank = [], 0
    for s in servers:
        entries = []
        for d in s.get("devices") or []:
            entry = {"device_id": d.get("device_id"), "device_ip": d.get("device_ip")}
            if version == "1.2":
                entry["super_device_id"] = d.get("super_device_id")
            entry["rank_id"] = rank
            rank += 1
            entries.append({k: _text(v) for k, v in entry.items() if v is not None})
        server = {"server_id": s.get("server_id"), "container_ip": s.get("container_ip"), "device": entries}
        server_list.append({k: v for k, v in server.items() if v is not None})
    table = {"version": version, "server_count": str(len(servers)), "server_list": server_list, "status": "completed"}
    if version == "1.2":
        pods = {}
        for s in servers:
            pods.setdefault(_text(s.get("super_pod_id")), []).append({"server_id": s.get("server_id")})
        table["super_pod_list"] = [{"super_pod_id": pod, "server_list": members} for pod, members in pods.items()]
    problems = validate_rank_table(table, consumer)
    if problems:
        raise ValueError("; ".join(problems))
    return table


def validate_rank_table(table, consumer: str = "hccl") -> list:
    """What is wrong with a rank table (parsed JSON) for its consumer: "hccl" (one server and no container_ip are
    fine, as hccl_tools.py and merge_hccl.py write them) or "mindie" (2 to 60 servers, 1 to 32 devices each, a
    container_ip on every server). Every rule of a table is here, build_rank_table's included. Returns a list of
    problems, each naming the server and device at fault; empty means valid."""
    if consumer not in ("hccl", "mindie"):
        raise ValueError("consumer %r is not hccl or mindie" % consumer)
    problems = []
    if not isinstance(table, dict):
        return ["the rank table is a JSON %s, not an object" % type(table).__name__]
    version = table.get("version")
    if version not in VERSIONS:
        problems.append("version is %r, not one of %s" % (version, ", ".join(VERSIONS)))
    if table.get("status") != "completed":
        problems.append("status is %r, not \"completed\" (MindIE waits until it is)" % table.get("status"))
    servers = table.get("server_list")
    if not isinstance(servers, list) or not servers:
        return problems + ["no servers: server_list is missing or empty"]
    if table.get("server_count") != str(len(servers)):
        problems.append("server_count is %r but server_list has %d servers" % (table.get("server_count"),
                                                                               len(servers)))
    if consumer == "mindie" and not 2 <= len(servers) <= 60:
        problems.append("MindIE needs 2 to 60 servers for multi-node inference, the table has %d" % len(servers))
    rank, first, counts, ids, device_ips, sdids = 0, None, set(), [], {}, []
    for index, s in enumerate(servers):
        if not isinstance(s, dict):
            problems.append("server #%d is a JSON %s, not an object" % (index, type(s).__name__))
            continue
        sid = s.get("server_id")
        label = sid if isinstance(sid, str) and sid else "#%d" % index
        name = "server " + label
        if label != sid:
            problems.append("a server has no server_id (%s of server_list)" % name)
        elif sid in ids:
            problems.append("%s appears twice: every server_id must be unique" % name)
        ids.append(sid)
        container_ip = s.get("container_ip")
        if container_ip == "" or (container_ip is None and consumer == "mindie"):
            problems.append("%s has an empty container_ip (MindIE finds its node by it)" % name)
        elif container_ip is not None and not _valid_ip(container_ip):
            problems.append("%s has container_ip %r, which is not an IP address" % (name, container_ip))
        devices = s.get("device")
        if not isinstance(devices, list) or not devices:
            problems.append("%s has no devices" % name)
            continue
        counts.add(len(devices))
        if first is None:
            first = (label, len(devices))
        elif len(devices) != first[1]:
            problems.append("%s has %d devices but %s has %d: every server needs the same number"
                            % ((name, len(devices)) + first))
        if consumer == "mindie" and len(devices) > 32:
            problems.append("%s has %d devices; MindIE allows 1 to 32 per node" % (name, len(devices)))
        device_ids = set()
        for d in devices:
            did = d.get("device_id")
            where = "%s device %s" % (name, did)
            loose = sorted(k for k, v in d.items() if not isinstance(v, str))
            if loose:
                problems.append("%s: every value must be a JSON string (%s %s not)"
                                % (where, ", ".join(loose), "is" if len(loose) == 1 else "are"))
            if not (isinstance(did, str) and did.isdigit() and int(did) <= MAX_DEVICE_ID):
                problems.append("%s: device_id must be an integer in [0, %d]" % (where, MAX_DEVICE_ID))
            elif did in device_ids:
                problems.append("%s lists device %s twice" % (name, did))
            device_ids.add(did)
            ip = d.get("device_ip")
            # Inside one A3 super pod HCCL talks over HCCS and needs no device_ip; MindIE still checks it.
            if ip is not None or consumer == "mindie" or version == "1.0":
                if not _valid_ip(ip):
                    problems.append("%s has device_ip %r, which is not an IP address (set the NPU's RoCE address)"
                                    % (where, ip))
                elif ip in device_ips:
                    problems.append("%s has device_ip %s, already used by %s" % (where, ip, device_ips[ip]))
                else:
                    device_ips[ip] = where
            if d.get("rank_id") != str(rank):
                problems.append("%s has rank_id %r where %d follows (ranks are contiguous in server order)"
                                % (where, d.get("rank_id"), rank))
            rank += 1
            if version == "1.2":
                sdid = d.get("super_device_id")
                if isinstance(sdid, str) and sdid.isdigit():
                    sdids.append((sid, where, sdid))
                else:
                    problems.append("%s has no super_device_id, which rank table 1.2 needs" % where)
    if rank > MAX_RANKS:
        problems.append("%d servers x %s devices = %d ranks, more than HCCL's %d"
                        % (len(servers), "/".join(str(c) for c in sorted(counts)), rank, MAX_RANKS))
    if version == "1.2":
        problems += _super_pods(table, ids, sdids)
    return problems


def _super_pods(table, ids, sdids) -> list:
    pods = table.get("super_pod_list")
    if not isinstance(pods, list) or not pods:
        return ["version 1.2 needs a super_pod_list"]
    problems, placed = [], {}
    for pod in pods:
        if not (isinstance(pod.get("super_pod_id"), str) and pod["super_pod_id"]):
            problems += ["server %s has no super_pod_id, which rank table 1.2 needs" % member.get("server_id")
                         for member in pod.get("server_list") or []]
        for member in pod.get("server_list") or []:
            placed.setdefault(member.get("server_id"), []).append(pod.get("super_pod_id"))
    for sid in ids:
        if len(placed.get(sid, [])) != 1:
            problems.append("server %s is in %d super pods of super_pod_list, not exactly one"
                            % (sid, len(placed.get(sid, []))))
    for sid in placed:
        if sid not in ids:
            problems.append("super_pod_list names server %s, which is not in server_list" % sid)
    used = {}
    for sid, where, sdid in sdids:
        pod = (placed.get(sid) or [None])[0]
        if (pod, sdid) in used:
            problems.append("%s has super_device_id %s, already used in super pod %s by %s (HCCL refuses devices "
                            "with the same superDeviceId in a super pod)" % (where, sdid, pod, used[pod, sdid]))
        else:
            used[pod, sdid] = where
    return problems


def server_from_facts(host: str, node_ip: str, npu: dict, hccn: dict) -> dict:
    """One server of build_rank_table from a host's `npu` and `hccn` facts: device_id is the die's physical ID,
    device_ip its RoCE address, super_device_id and super_pod_id from spod-info (A3)."""
    addresses = {d.get("phy_id"): d.get("address") for d in (hccn or {}).get("devices") or []}
    chips = sorted(npu.get("chips") or [], key=lambda c: c["phy_id"])
    if not chips:
        raise ValueError("host %s: the npu facts list no NPU chips (is the driver loaded?)" % host)
    missing = [c["phy_id"] for c in chips if not addresses.get(c["phy_id"])]
    if missing:
        raise ValueError("host %s: NPU %s %s no RoCE address in the hccn facts; configure %s (hccn_tool -i <id> -ip "
                         "-s address ... netmask ...)" % (host, ", ".join(str(m) for m in missing),
                                                          "has" if len(missing) == 1 else "have",
                                                          "it" if len(missing) == 1 else "them"))
    pods = {c.get("super_pod_id") for c in chips}
    if len(pods) > 1:
        raise ValueError("host %s: its dies report different super pod IDs (%s)"
                         % (host, ", ".join(sorted(str(p) for p in pods))))
    return {"server_id": node_ip, "container_ip": node_ip, "super_pod_id": pods.pop(),
            "devices": [{"device_id": c["phy_id"], "device_ip": addresses[c["phy_id"]],
                         "super_device_id": c.get("super_device_id")} for c in chips]}


def version_for(npus: list):
    """Rank table 1.2 for super pod dies (Atlas A3, chip family 910_93), 1.0 for everything else."""
    return "1.2" if any(_chips.get(n.get("chip_family"), "super_pod") for n in npus) else "1.0"
