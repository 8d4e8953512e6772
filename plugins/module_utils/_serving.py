# -*- coding: utf-8 -*-
# Copyright: ascendops.llm contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
# SPDX-License-Identifier: Apache-2.0
"""A MindIE service deployment, as pure functions: which hosts serve together, what the service's environment is,
what refuses a start and whether a deployment restarts. The mindie role reaches them
through plugins/filter/serving.py; the rules come from serving-reference.md sections 1 and 8."""

from __future__ import annotations

import re

from ansible_collections.ascendops.llm.plugins.module_utils._model_fit import die_memory_mb

MAX_NODES = 60                  # server_count in [2, 60] (ranktable_config.cpp)
PORT_NAMES = ("mindie_port", "mindie_management_port", "mindie_metrics_port", "mindie_inter_comm_port",
              "mindie_multi_node_port")
_SS_PORT = re.compile(r":(\d+)$")
_SS_PROCESS = re.compile(r'\("([^"]*)",pid=(\d+)')


def deployment(host: str, groups: dict, deployment_groups) -> dict:
    """The deployment of a serving host: the first group of deployment_groups that holds it (inventory order is
    rank order, the first host the master), or the host alone. `problems` names a host listed in two."""
    mine = [g for g in deployment_groups or [] if host in (groups.get(g) or [])]
    name = mine[0] if mine else host
    members = list(groups[name]) if mine else [host]
    problems = []
    if len(mine) > 1:
        problems.append("%s is in %s, which mindie_deployment_groups all list; a host serves one deployment: "
                        "take it out of all but one" % (host, " and ".join(mine)))
    return {"name": name, "members": members, "master": members[0], "multi_node": len(members) > 1,
            "problems": problems}


def deployment_problems(name: str, members: list, products: dict, dies: dict, play_hosts) -> list:
    """What the deployment's hosts together cannot do: serve across products or die counts, a 300I Duo across
    nodes, more nodes than MindIE takes, or a rank table without every member (--limit)."""
    problems = []
    missing = [m for m in members if m not in play_hosts]
    if missing:
        verb = "is" if len(missing) == 1 else "are"
        problems.append("deployment %s: %s %s not in this play (--limit?); its rank table and start need every "
                        "member: run without --limit" % (name, ", ".join(missing), verb))
        return problems
    if len(members) < 2:
        return problems
    kinds = sorted(set("%s with %s dies" % (products.get(m), dies.get(m)) for m in members))
    if len(kinds) > 1:
        problems.append("deployment %s mixes %s; every node of a multi-node deployment must be the same product "
                        "with the same dies: move the others to a deployment of their own" % (name, " and ".join(kinds)))
    if any(products.get(m) == "atlas-300i-duo" for m in members):
        problems.append("deployment %s has %d nodes with an Atlas 300I Duo; MindIE serves the 300I Duo on one node "
                        "only: give each Duo a deployment of its own" % (name, len(members)))
    if len(members) > MAX_NODES:
        problems.append("deployment %s has %d nodes; MindIE takes at most %d: split it"
                        % (name, len(members), MAX_NODES))
    return problems


def parallel_sizes(parallel: dict, ranks: int) -> dict:
    """The parallel sizes for config.json: as given, with dp following the rank count when only tp is given (a host
    added to a deployment then needs no edit); mindie_config refuses sizes that still do not fit."""
    out = dict(parallel or {})
    tp = _int(out.get("tp"))
    if tp and "dp" not in out and ranks % tp == 0:
        out["dp"] = ranks // tp
    return out


def interface_of(facts: dict, address: str) -> str:
    """The network interface that carries an IPv4 address, from gathered facts ('' when none does)."""
    for name in facts.get("interfaces") or []:
        iface = facts.get(name.replace("-", "_")) or {}
        addresses = [iface.get("ipv4") or {}] + list(iface.get("ipv4_secondaries") or [])
        if any(a.get("address") == address for a in addresses):
            return name
    return ""


def service_env(settings: dict) -> dict:
    """What MindIE reads from its environment (serving-reference 1.6, 5.5): memory share, logs to the container's
    stdout, metrics on, and for multi-node the rank table, this node's and the master's addresses, Gloo's
    interface and an HCCL link timeout long enough for nodes that start apart. Proxies are emptied: HCCL and Gloo
    must not go through one. The operator's extra variables win."""
    env = {
        "NPU_MEMORY_FRACTION": str(settings["memory_fraction"]),
        "MINDIE_LOG_TO_STDOUT": "1",
        "MINDIE_LOG_TO_FILE": "0",
        "MIES_SERVICE_MONITOR_MODE": "1",
        "MIES_CONTAINER_IP": settings["ip"],
        "http_proxy": "", "https_proxy": "", "HTTP_PROXY": "", "HTTPS_PROXY": "",
    }
    if settings["multi_node"]:
        table = settings["rank_table"]   # the path the container sees
        env.update({
            "RANK_TABLE_FILE": table, "RANKTABLEFILE": table, "MIES_RANKTABLEFILE": table,
            "MASTER_IP": settings["master_ip"], "MASTER_PORT": str(settings["master_port"]),
            "HOST_IP": settings["ip"], "WORLD_SIZE": str(settings["world_size"]),
            "HCCL_CONNECT_TIMEOUT": str(settings["hccl_connect_timeout"]),
            "ATB_LLM_HCCL_ENABLE": "1", "ATB_LLM_COMM_BACKEND": "hccl",
        })
        if settings.get("gloo_ifname"):
            env["GLOO_SOCKET_IFNAME"] = settings["gloo_ifname"]
    for key, value in (settings.get("extra") or {}).items():
        env[str(key)] = "" if value is None else str(value)
    return env


def env_file(env: dict) -> str:
    """Docker's --env-file format: one KEY=value per line, sorted, values taken literally."""
    for key, value in env.items():
        if "\n" in value or not re.match(r"^[A-Za-z_][A-Za-z0-9_]*$", key):
            raise ValueError("mindie_env: %r=%r cannot go into an env file (a name of letters, digits and _, a "
                             "value on one line)" % (key, value))
    return "".join("%s=%s\n" % (key, env[key]) for key in sorted(env))


def parse_ss(text: str) -> list:
    """Listening TCP sockets from `ss -H -ltnp`: [{port, address, process, pid}]."""
    found = []
    for line in text.splitlines():
        fields = line.split()
        if len(fields) < 4:
            continue
        local = fields[3]
        m = _SS_PORT.search(local)
        if not m:
            continue
        proc = _SS_PROCESS.search(line)
        found.append({"port": int(m.group(1)), "address": local[:m.start()].strip("[]"),
                      "process": proc.group(1) if proc else "", "pid": int(proc.group(2)) if proc else None})
    return found


def _int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _float(value):
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def problems(host: str, s: dict) -> list:
    """Every reason this host cannot start its service, each naming the variable and the fix. `s` holds the
    settings and what the role gathered: weights (exists, files, torch_dtype, bytes), chips (the selected dies'
    facts), bf16, listeners (parse_ss), own_pids (of the deployment's running container). config.json's own rules
    (model name, parallel sizes, lengths) are mindie_config's."""
    out = []

    def say(variable, text, fix):
        out.append("%s: %s %s; %s" % (host, variable, text, fix))

    if not s["ip"]:
        say("mindie_ip_address", "is empty and the host has neither ascend_node_ip nor a default IPv4 address",
            "set mindie_ip_address to the address clients reach the service on")
    ports = dict((name, _int(s["ports"].get(name))) for name in PORT_NAMES)
    for name, value in ports.items():
        if value is None or not 1024 <= value <= 65535:
            say(name, "(%r) is outside 1024-65535" % value, "choose a free port in that range")
    seen = {}
    for name, value in ports.items():
        # metrics may share the management socket; every other pair must differ (MindIE binds each one)
        if value in seen and {seen[value], name} != {"mindie_management_port", "mindie_metrics_port"}:
            say(name, "(%s) equals %s" % (value, seen[value]), "give each of %s its own port" % ", ".join(PORT_NAMES))
        seen.setdefault(value, name)
    own = set(s.get("own_pids") or [])
    wanted = set(ports.values())
    for sock in s.get("listeners") or []:
        if sock["port"] in wanted and sock["pid"] not in own:
            name = [n for n, v in ports.items() if v == sock["port"]][0]
            holder = "process %s (%s)" % (sock["pid"], sock["process"]) if sock["pid"] else "another process"
            say(name, "(%d) is in use by %s on %s" % (sock["port"], holder, sock["address"] or "*"),
                "MindIE checks every port on all addresses: stop that process or choose another port")
    fraction = _float(s["memory_fraction"])
    if fraction is None or not 0 < fraction <= 1:
        say("mindie_npu_memory_fraction", "(%r) is not in (0, 1]" % (s["memory_fraction"],),
            "use a share such as 0.8 or 0.9")
        fraction = None
    w = s["weights"]
    if not w.get("exists"):
        say("mindie_weights_dir", "(%s) does not exist" % s["weights_dir"],
            "stage the model with the model_weights role or point mindie_weights_dir at its directory")
        return out
    if w.get("symlink"):
        say("mindie_weights_dir", "(%s) is a symlink, which MindIE refuses" % s["weights_dir"],
            "point it at the real directory")
    if not w.get("files"):
        say("mindie_weights_dir", "(%s) holds no *.safetensors; MindIE loads only safetensors" % s["weights_dir"],
            "convert them (model_weights_format: safetensors)")
    if w.get("torch_dtype") == "bfloat16" and not s["bf16"]:
        say("mindie_weights_dir", "holds a bfloat16 model (config.json torch_dtype) and this host's chips have no "
            "bf16", "stage it with model_weights_torch_dtype: auto or float16")
    if w.get("torch_dtype") not in (None, "float16", "bfloat16"):
        say("mindie_weights_dir", "holds a %s model; MindIE serves float16 and bfloat16 only" % w["torch_dtype"],
            "stage it with model_weights_torch_dtype: auto")
    tp = _int(s["tp"])
    if fraction and w.get("files") and tp:
        per_die = w.get("bytes", 0) // tp // (1024 * 1024)
        for chip in s["chips"]:
            total = die_memory_mb(chip)[0]
            if not total:
                continue
            budget = int(total * fraction) - s["reserve_mb"]
            if per_die >= budget:
                say("mindie_npu_memory_fraction", "(%s) leaves no KV cache on chip %s: %d MB of weights per die "
                    "(tensor parallel %d) and %d MB reserved need more than %d of its %d MB"
                    % (fraction, chip.get("phy_id"), per_die, tp, s["reserve_mb"], int(total * fraction), total),
                    "raise the fraction, or spread the model over more dies (mindie_parallel.tp)")
                break
    return out


def restart(members: list, changed: dict) -> bool:
    """A deployment restarts, all its nodes together, when anything of any of its nodes changed."""
    return any(changed.get(m) for m in members)
