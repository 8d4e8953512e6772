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

VERSIONS = ("1.0", "1.2")
MAX_RANKS = 512  # rank_id in [0, 511]
MAX_DEVICE_ID = 63


def _valid_ip(value) -> bool:
    try:
        ipaddress.ip_address(value)
        return True
    except (TypeError, ValueError):
        return False


def _int(value):
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def build_rank_table(servers: list, version=None) -> dict:
    """The rank table of `servers`, an ordered list of {"server_id", "container_ip", "devices": [{"device_id",
    "device_ip", "super_device_id"}], "super_pod_id"}. Version "1.2" when the devices carry super device ids or it
    is asked for. Raises ValueError naming the server and device at fault."""
    if version not in (None,) + VERSIONS:
        raise ValueError("rank table version %r is not one of %s" % (version, ", ".join(VERSIONS)))
    if not servers:
        raise ValueError("no servers: a rank table needs at least one")
    seen_servers, seen_ips, count = set(), {}, None
    all_devices = [d for s in servers for d in s.get("devices") or []]
    with_sdid = [d for d in all_devices if d.get("super_device_id") is not None]
    if with_sdid and len(with_sdid) != len(all_devices):
        where = next((s["server_id"], d.get("device_id")) for s in servers for d in s.get("devices") or []
                     if d.get("super_device_id") is None)
        raise ValueError("server %s device %s has no super_device_id while other devices have one: give every "
                         "device its SDID (npu-smi info -t spod-info) or none" % where)
    version = version or ("1.2" if with_sdid else "1.0")
    sdids_by_pod = {}
    for s in servers:
        sid = s.get("server_id")
        if not isinstance(sid, str) or not sid:
            raise ValueError("a server has no server_id (server %r)" % (s,))
        if sid in seen_servers:
            raise ValueError("server %s appears twice: every server_id must be unique" % sid)
        seen_servers.add(sid)
        if not s.get("container_ip"):
            raise ValueError("server %s has an empty container_ip" % sid)
        if not _valid_ip(s["container_ip"]):
            raise ValueError("server %s has container_ip %r, which is not an IP address" % (sid, s["container_ip"]))
        devices = s.get("devices") or []
        if not devices:
            raise ValueError("server %s has no devices" % sid)
        if count is None:
            count = len(devices)
        elif len(devices) != count:
            raise ValueError("server %s has %d devices but %s has %d: every server needs the same number"
                             % (sid, len(devices), servers[0]["server_id"], count))
        ids = set()
        for d in devices:
            did = d.get("device_id")
            if _int(did) is None or not 0 <= did <= MAX_DEVICE_ID:
                raise ValueError("server %s device %r: device_id must be an integer in [0, %d]"
                                 % (sid, did, MAX_DEVICE_ID))
            if did in ids:
                raise ValueError("server %s lists device %d twice" % (sid, did))
            ids.add(did)
            ip = d.get("device_ip")
            if not _valid_ip(ip):
                raise ValueError("server %s device %d has device_ip %r, which is not an IP address (set the NPU's "
                                 "RoCE address)" % (sid, did, ip))
            if ip in seen_ips:
                raise ValueError("server %s device %d has device_ip %s, already used by server %s device %d"
                                 % ((sid, did, ip) + seen_ips[ip]))
            seen_ips[ip] = (sid, did)
            if version == "1.2":
                sdid = d.get("super_device_id")
                if _int(sdid) is None or sdid < 0:
                    raise ValueError("server %s device %d has no super_device_id, which rank table 1.2 needs"
                                     % (sid, did))
                pod = s.get("super_pod_id")
                if pod is None or str(pod) == "":
                    raise ValueError("server %s has no super_pod_id, which rank table 1.2 needs" % sid)
                owner = sdids_by_pod.setdefault(str(pod), {}).get(sdid)
                if owner:
                    raise ValueError("server %s device %d has super_device_id %d, already used in super pod %s by "
                                     "server %s device %d" % ((sid, did, sdid, pod) + owner))
                sdids_by_pod[str(pod)][sdid] = (sid, did)
    if count * len(servers) > MAX_RANKS:
        raise ValueError("%d servers x %d devices = %d ranks, more than HCCL's %d"
                         % (len(servers), count, count * len(servers), MAX_RANKS))

    server_list, rank = [], 0
    for s in servers:
        devices = []
        for d in s["devices"]:
            entry = {"device_id": str(d["device_id"]), "device_ip": str(d["device_ip"])}
            if version == "1.2":
                entry["super_device_id"] = str(d["super_device_id"])
            entry["rank_id"] = str(rank)
            rank += 1
            devices.append(entry)
        server_list.append({"server_id": s["server_id"], "container_ip": s["container_ip"], "device": devices})
    table = {"version": version, "server_count": str(len(servers)), "server_list": server_list, "status": "completed"}
    if version == "1.2":
        pods = {}
        for s in servers:
            pods.setdefault(str(s["super_pod_id"]), []).append({"server_id": s["server_id"]})
        table["super_pod_list"] = [{"super_pod_id": pod, "server_list": members} for pod, members in pods.items()]
    return table


def validate_rank_table(table, consumer: str = "hccl") -> list:
    """What is wrong with a rank table (parsed JSON) for its consumer: "hccl" (one server and no container_ip are fine, as
    hccl_tools.py and merge_hccl.py write them) or "mindie" (2 to 60 servers, 1 to 32 devices each, a container_ip
    on every server). Returns a list of problems; empty means valid."""
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
        return problems + ["server_list is missing or empty"]
    if table.get("server_count") != str(len(servers)):
        problems.append("server_count is %r but server_list has %d servers" % (table.get("server_count"),
                                                                               len(servers)))
    if consumer == "mindie" and not 2 <= len(servers) <= 60:
        problems.append("MindIE needs 2 to 60 servers for multi-node inference, the table has %d" % len(servers))
    expected_rank, counts, device_ips, sdids = 0, set(), {}, {}
    for index, s in enumerate(servers):
        sid = s.get("server_id") if isinstance(s, dict) else None
        name = "server %s" % (sid if sid else "#%d" % index)
        if not isinstance(sid, str) or not sid:
            problems.append("%s has no server_id" % name)
        if consumer == "mindie" and not (isinstance(s.get("container_ip"), str) and s.get("container_ip")):
            problems.append("%s has an empty container_ip (MindIE finds its node by it)" % name)
        elif s.get("container_ip") is not None and not _valid_ip(s.get("container_ip")):
            problems.append("%s has container_ip %r, which is not an IP address" % (name, s.get("container_ip")))
        devices = s.get("device")
        if not isinstance(devices, list) or not devices:
            problems.append("%s has no device list" % name)
            continue
        counts.add(len(devices))
        if consumer == "mindie" and not 1 <= len(devices) <= 32:
            problems.append("%s has %d devices; MindIE allows 1 to 32 per node" % (name, len(devices)))
        for d in devices:
            if not all(isinstance(v, str) for v in d.values()):
                problems.append("%s device %s: every value must be a JSON string" % (name, d.get("device_id")))
            did = d.get("device_id")
            if not (isinstance(did, str) and did.isdigit() and int(did) <= MAX_DEVICE_ID):
                problems.append("%s device_id %r is not in [0, %d]" % (name, did, MAX_DEVICE_ID))
            ip = d.get("device_ip")
            if ip is not None or consumer == "mindie" or version == "1.0":
                if not _valid_ip(ip):
                    problems.append("%s device %s has device_ip %r, which is not an IP address" % (name, did, ip))
                elif ip in device_ips:
                    problems.append("%s device %s has device_ip %s, already used by %s"
                                    % (name, did, ip, device_ips[ip]))
                else:
                    device_ips[ip] = "%s device %s" % (name, did)
            if d.get("rank_id") != str(expected_rank):
                problems.append("%s device %s has rank_id %r where %d follows (ranks are contiguous in server "
                                "order)" % (name, did, d.get("rank_id"), expected_rank))
            expected_rank += 1
            if version == "1.2":
                sdid = d.get("super_device_id")
                if not (isinstance(sdid, str) and sdid.isdigit()):
                    problems.append("%s device %s has no super_device_id, which version 1.2 needs" % (name, did))
                else:
                    sdids.setdefault(sdid, []).append((sid, did))
    if expected_rank > MAX_RANKS:
        problems.append("%d ranks, more than HCCL's %d" % (expected_rank, MAX_RANKS))
    if consumer == "mindie" and len(counts) > 1:
        problems.append("servers have different device counts (%s); MindIE needs the same number on every node"
                        % ", ".join(str(c) for c in sorted(counts)))
    if version == "1.2":
        problems += _super_pods(table, servers, sdids)
    return problems


def _super_pods(table, servers, sdids) -> list:
    problems = []
    pods = table.get("super_pod_list")
    if not isinstance(pods, list) or not pods:
        return ["version 1.2 needs a super_pod_list"]
    placed = {}
    for pod in pods:
        for member in pod.get("server_list") or []:
            placed.setdefault(member.get("server_id"), []).append(pod.get("super_pod_id"))
    ids = [s.get("server_id") for s in servers]
    for sid in ids:
        if len(placed.get(sid, [])) != 1:
            problems.append("server %s is in %d super pods of super_pod_list, not exactly one"
                            % (sid, len(placed.get(sid, []))))
    for sid in placed:
        if sid not in ids:
            problems.append("super_pod_list names server %s, which is not in server_list" % sid)
    pod_of = {sid: pods_[0] for sid, pods_ in placed.items() if pods_}
    by_pod = {}
    for sdid, users in sdids.items():
        for sid, did in users:
            by_pod.setdefault((pod_of.get(sid), sdid), []).append("server %s device %s" % (sid, did))
    for (pod, sdid), users in by_pod.items():
        if len(users) > 1:
            problems.append("super_device_id %s is used by %s in super pod %s (HCCL refuses devices with the same "
                            "superDeviceId in a super pod)" % (sdid, " and ".join(users), pod))
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
    """Rank table 1.2 for Atlas A3 (SoC Ascend910_93xx, chip family 910_93), 1.0 for everything else."""
    return "1.2" if any(n.get("chip_family") == "910_93" for n in npus) else "1.0"
