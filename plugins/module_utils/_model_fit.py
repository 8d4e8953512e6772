# -*- coding: utf-8 -*-
# Copyright: ascendops.llm contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
# SPDX-License-Identifier: Apache-2.0
"""Whether a model fits a host before any byte is copied: disk for the copy plus the conversion, host memory (seed
002's weights / nodes x 1.3), NPU memory per die (weights / tensor-parallel size plus MindIE's reserve,
ascend-tech-reference.md 7.3), and a tensor-parallel size the dies and the attention heads divide. PRIVATE to the
collection; pure functions. Every refusal names the host, the variable (`model_weights_<key>`) and the fix.
"""

from __future__ import annotations

import json
import re

from ansible_collections.ascendops.llm.plugins.module_utils import _weights

VAR = "model_weights_"
HOST_MEMORY_FACTOR = 1.3  # seed 002: free memory >= weights / nodes x 1.3
WEIGHT_FILE = re.compile(r"(\.safetensors|\.bin)$")
GB = 1 << 30


def gib(value) -> str:
    return "%.1f GiB" % (value / float(GB))


def parse_df(text: str) -> dict:
    """`df -P -B1 <path>` -> {"available": bytes, "mount": mount point}."""
    lines = [line for line in text.splitlines() if line.strip()]
    if len(lines) < 2:
        raise ValueError("df printed no filesystem line: %r" % text)
    fields = lines[-1].split()
    if len(fields) < 6 or not fields[3].isdigit():
        raise ValueError("cannot read df's line %r" % lines[-1])
    return {"available": int(fields[3]), "mount": " ".join(fields[5:])}


def parse_meminfo(text: str) -> int:
    """/proc/meminfo -> MemAvailable in bytes (MemFree + Cached on kernels before 3.14)."""
    values = {}
    for line in text.splitlines():
        m = re.match(r"^(\w+):\s+(\d+)\s*kB", line)
        if m:
            values[m.group(1)] = int(m.group(2)) * 1024
    if "MemAvailable" in values:
        return values["MemAvailable"]
    return values.get("MemFree", 0) + values.get("Cached", 0)


def die_memory_mb(chip: dict) -> tuple:
    """(total, used) device memory of a die from the npu facts: HBM on 910B/A3, DDR (`memory`) on 310P."""
    if chip.get("hbm_total_mb"):
        return chip["hbm_total_mb"], chip.get("hbm_used_mb") or 0
    return chip.get("memory_total_mb") or 0, chip.get("memory_used_mb") or 0


def die_free_mb(chip: dict) -> int | None:
    """Free device memory of a die (die_memory_mb), or None when the facts give none."""
    total, used = die_memory_mb(chip)
    return total - used if total else None


def weight_bytes(files) -> int:
    """The bytes of the .safetensors/.bin files of a listing [{"name", "size"}]."""
    return sum(f["size"] for f in files if WEIGHT_FILE.search(f["name"]))


def heads(config_text) -> int | None:
    try:
        config = json.loads(config_text) if config_text else {}
    except ValueError:
        return None
    config = config.get("text_config", config) if isinstance(config, dict) else {}
    value = config.get("num_attention_heads") if isinstance(config, dict) else None
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else None


def check(host: str, model: dict, place: dict, npu: dict, options: dict) -> dict:
    """Refusals for staging `model` on `host`.

    model: {"name", "files": [{"name", "size"}] of the source, "config": config.json text, "format"}; place: {"path", "present": {name: size} already at the
    destination, "df": parse_df(), "memory": parse_meminfo()}; npu: the host's npu facts; options: {"nodes",
    "tensor_parallel" (0: every die of the deployment), "npu_reserve_mb"}. Returns {"refusals", "need": the
    figures the checks used}.
    """
    refusals = []
    weights = weight_bytes(model["files"])
    copy = sum(f["size"] for f in model["files"] if place["present"].get(f["name"]) != f["size"])
    conversion = weights if converts(model["files"], place["present"], model.get("format")) else 0
    disk = place["df"]["available"]
    if copy + conversion > disk:
        refusals.append("%s: %s needs %s on %s (the copy %s, the conversion to safetensors %s) and %s has %s free; "
                        "free space there or set %sroot to a larger filesystem."
                        % (host, place["path"], gib(copy + conversion), place["df"]["mount"], gib(copy),
                           gib(conversion), place["df"]["mount"], gib(disk), VAR))
    nodes = options.get("nodes") or 1
    memory = weights / float(nodes) * HOST_MEMORY_FACTOR
    if memory > place["memory"]:
        refusals.append("%s: loading %s needs %s of host memory (weights %s / %d node%s x %.1f) and %s is "
                        "available; free memory, add nodes (%snodes) or choose a smaller or quantised model."
                        % (host, model["name"], gib(memory), gib(weights), nodes, "s" if nodes > 1 else "",
                           HOST_MEMORY_FACTOR, gib(place["memory"]), VAR))
    chips = npu.get("chips") or []
    dies = len(chips) * nodes
    tp = options.get("tensor_parallel") or dies
    if not chips:
        refusals.append("%s: the NPU facts list no dies, so the model's fit cannot be checked; load the driver "
                        "(ascendops.llm.hdk) and gather ascendops.llm.npu_info first." % host)
        return {"refusals": refusals, "need": {"copy": copy, "conversion": conversion, "memory": memory}}
    if tp > dies or dies % tp:
        refusals.append("%s: %stensor_parallel %d does not divide the %d dies of the deployment (%d per node x %d "
                        "node%s); choose a divisor of %d." % (host, VAR, tp, dies, len(chips), nodes,
                                                              "s" if nodes > 1 else "", dies))
    n_heads = heads(model.get("config"))
    if n_heads and n_heads % tp:
        refusals.append("%s: %s has %d attention heads, which tensor-parallel size %d does not divide; set "
                        "%stensor_parallel to a divisor of %d (and serve it on that many dies)."
                        % (host, model["name"], n_heads, tp, VAR, n_heads))
    reserve = options.get("npu_reserve_mb", 3072) * (1 << 20)
    per_die = weights / float(tp) + reserve
    free = [(die_free_mb(c), c.get("phy_id")) for c in chips]
    short = [(mb, phy) for mb, phy in free if mb is not None and mb * (1 << 20) < per_die]
    if short:
        mb, phy = min(short)
        refusals.append("%s: each die needs %s (weights %s / tensor-parallel %d + %s MindIE reserve) and die %s has "
                        "%s free (%d of %d dies are short); stop what holds NPU memory, raise %stensor_parallel or "
                        "%snodes, or choose a smaller or quantised model."
                        % (host, gib(per_die), gib(weights), tp, gib(reserve), phy, gib(mb * (1 << 20)),
                           len(short), len(chips), VAR, VAR))
    return {"refusals": refusals, "need": {"copy": copy, "conversion": conversion, "memory": memory,
                                           "per_die": per_die, "tensor_parallel": tp}}


def _safetensors_in(names) -> bool:
    return any(n.endswith(".safetensors") for n in names)


def converts(files, present, fmt) -> bool:
    """Whether a .bin -> safetensors conversion is still to be written at the destination."""
    names = [f["name"] for f in files]
    return (fmt == "safetensors" and any(_weights._BIN.search(n) for n in names) and not _safetensors_in(names)
            and not _safetensors_in(present))


def to_copy(files, present, fmt, remove_source, config_is_current) -> list:
    """The source files to copy (the copy itself skips those with equal content). Not config.json when the
    destination's is current (config_current), and not the .bin files an earlier run converted and removed."""
    converted = fmt == "safetensors" and remove_source and _safetensors_in(present) and not _safetensors_in(
        [f["name"] for f in files])
    out = []
    for f in files:
        if f["name"] == _weights.CONFIG and config_is_current:
            continue
        if converted and (_weights._BIN.search(f["name"]) or f["name"] == _weights.BIN_INDEX):
            continue
        out.append(f["name"])
    return out


def fix_modes(entries, owner, group) -> list:
    """ansible.builtin.find's entries of the model directory that MindIE would refuse: a mode that is not a bitwise
    subset of 0640 (files) or 0750 (directories) per class, as its checks compare (serving-reference 1.5: 0600 and
    0440 pass, 0644, 0660 and 0700 fail), or not the service user's -> [{"path", "mode"}] to set."""
    out = []
    for e in entries or []:
        mode = int(str(e.get("mode", "0")), 8)
        if e.get("isdir") or e.get("isreg"):
            limit = 0o750 if e.get("isdir") else 0o640
            if mode & ~limit & 0o777 or e.get("pw_name") != owner or e.get("gr_name") != group:
                out.append({"path": e["path"], "mode": "0750" if e.get("isdir") else "0640"})
    return out


MINDIE_PATH = re.compile(r"^(?!.*\.\.)[a-zA-Z0-9_./-]+$")  # SafePath::CheckSpecialChars (serving-reference 1.5)


def path_problem(path: str):
    """Why MindIE would refuse to load from `path` (spaces, +, @, :, non-ASCII, ..), or None."""
    if MINDIE_PATH.match(path or ""):
        return None
    bad = sorted(set(c for c in path if not re.match(r"[a-zA-Z0-9_./-]", c)))
    return ("it holds %s" % ", ".join(repr(c) for c in bad)) if bad else "it holds '..'"


def config_current(dest_text, source_text, torch_dtype) -> bool:
    """Whether the destination's config.json is the source's, or the source's after this role's dtype edit (so it
    is not copied again, which would undo the edit and make every run change it)."""
    if dest_text is None:
        return False
    if dest_text == source_text:
        return True
    if torch_dtype in ("float16", "bfloat16") and source_text is not None:
        try:
            return _weights.set_config_dtype(source_text, torch_dtype) == dest_text
        except ValueError:
            return False
    return False


def wanted_dtype(option: str, config_text, bf16_supported) -> str:
    """The module's torch_dtype. `auto`: a bfloat16 model becomes float16 on a chip without bf16 (310P, 910A); a
    float32 model, which MindIE refuses on every chip, becomes float16 there and bfloat16 elsewhere; else keep."""
    if option != "auto":
        return option
    try:
        config = json.loads(config_text) if config_text else {}
    except ValueError:
        return "keep"
    dtype = config.get("torch_dtype", config.get("dtype")) if isinstance(config, dict) else None
    if dtype == "float32":
        return "float16" if bf16_supported is False else "bfloat16"
    return "float16" if dtype == "bfloat16" and bf16_supported is False else "keep"
