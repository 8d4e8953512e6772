# -*- coding: utf-8 -*-
# Copyright: ascendops.llm contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
# SPDX-License-Identifier: Apache-2.0
"""MindIE Service `config.json`: both schemas, the deployment settings mapped onto them, and every rule of
ascend-tech-reference.md section 5.4 that the file and the settings can be checked against. PRIVATE to the
collection; pure functions (the file system is only touched by `path_problems`, through injectable callables).

Schemas are told apart by their keys, never by `Version` (the current template says "1.0.0" again):
- `rc2`: MindIE 1.0.RC1/RC2, `OtherParam` / `WorkFlowParam` / `ModelDeployParam` / `ScheduleParam`;
- `current`: MindIE >= 1.0.RC3, `ServerConfig` / `BackendConfig`.
"""

from __future__ import annotations

import copy
import ipaddress
import json
import re

RC2, CURRENT = "rc2", "current"

# Where each managed key lives, per schema (None: the schema has no such key). Keys under a model entry are in
# MODEL_FIELDS; MODEL_LIST is where the list of model entries is.
_SERVE = ("OtherParam", "ServeParam")
_SCHED_RC2, _SCHED = ("ScheduleParam",), ("BackendConfig", "ScheduleConfig")
FIELDS = {
    "ipAddress": (_SERVE, ("ServerConfig",)),
    "managementIpAddress": (_SERVE, ("ServerConfig",)),
    "port": (_SERVE, ("ServerConfig",)),
    "managementPort": (_SERVE, ("ServerConfig",)),
    "metricsPort": (None, ("ServerConfig",)),
    "allowAllZeroIpListening": (None, ("ServerConfig",)),
    "maxLinkNum": (_SERVE, ("ServerConfig",)),
    "httpsEnabled": (_SERVE, ("ServerConfig",)),
    "inferMode": (None, ("ServerConfig",)),
    "interCommTLSEnabled": (None, ("ServerConfig",)),
    "interCommPort": (None, ("ServerConfig",)),
    "multiNodesInferPort": (_SERVE, ("BackendConfig",)),
    "interNodeTLSEnabled": (_SERVE, ("BackendConfig",)),
    "modelInstanceNumber": (("ModelDeployParam",), ("BackendConfig",)),
    "npuDeviceIds": (("ModelDeployParam",), ("BackendConfig",)),
    "tokenizerProcessNumber": (("ModelDeployParam",), ("BackendConfig",)),
    "multiNodesInferEnabled": (("ModelDeployParam",), ("BackendConfig",)),
    "maxSeqLen": (("ModelDeployParam",), ("BackendConfig", "ModelDeployConfig")),
    "maxInputTokenLen": (("ModelDeployParam",), ("BackendConfig", "ModelDeployConfig")),
    "cacheBlockSize": (("OtherParam", "ResourceParam"), _SCHED),
    "templateType": (("WorkFlowParam", "TemplateParam"), _SCHED),
    "maxPrefillBatchSize": (_SCHED_RC2, _SCHED),
    "maxPrefillTokens": (_SCHED_RC2, _SCHED),
    "maxBatchSize": (_SCHED_RC2, _SCHED),
    "maxIterTimes": (_SCHED_RC2, _SCHED),
    "maxPreemptCount": (_SCHED_RC2, _SCHED),
}
MODEL_LIST = (("ModelDeployParam", "ModelParam"), ("BackendConfig", "ModelDeployConfig", "ModelConfig"))
# Model entry keys: (rc2 name, current name).
MODEL_FIELDS = {
    "modelName": ("modelName", "modelName"),
    "modelWeightPath": ("modelWeightPath", "modelWeightPath"),
    "worldSize": ("worldSize", "worldSize"),
    "cpuMemSize": ("cpuMemSize", "cpuMemSize"),
    "npuMemSize": ("npuMemSize", "npuMemSize"),
    "pluginParams": ("pluginParams", "plugin_params"),
    "dp": (None, "dp"), "tp": (None, "tp"), "sp": (None, "sp"), "cp": (None, "cp"),
    "moe_tp": (None, "moe_tp"), "moe_ep": (None, "moe_ep"),
}
# Module option -> field. `parallel` fans out to dp, tp, sp, cp, moe_tp and moe_ep.
OPTIONS = {
    "model_name": "modelName",
    "model_weight_path": "modelWeightPath",
    "npu_device_ids": "npuDeviceIds",
    "world_size": "worldSize",
    "ip_address": "ipAddress",
    "port": "port",
    "management_ip_address": "managementIpAddress",
    "management_port": "managementPort",
    "metrics_port": "metricsPort",
    "https_enabled": "httpsEnabled",
    "multi_node": "multiNodesInferEnabled",
    "inter_node_tls_enabled": "interNodeTLSEnabled",
    "max_seq_len": "maxSeqLen",
    "max_input_token_len": "maxInputTokenLen",
    "max_iter_times": "maxIterTimes",
    "max_prefill_tokens": "maxPrefillTokens",
    "max_batch_size": "maxBatchSize",
    "max_prefill_batch_size": "maxPrefillBatchSize",
    "npu_mem_size": "npuMemSize",
    "cpu_mem_size": "cpuMemSize",
    "plugin_params": "pluginParams",
}
PARALLEL = ("dp", "tp", "sp", "cp", "moe_tp", "moe_ep")
# TLS switches and the files each needs, relative to the MindIE home unless absolute.
TLS = {
    "httpsEnabled": ("tlsCaPath", "tlsCaFile", "tlsCert", "tlsPk"),
    "interNodeTLSEnabled": ("interNodeTlsCaPath", "interNodeTlsCaFiles", "interNodeTlsCaFile", "interNodeTlsCert",
                            "interNodeTlsPk"),
    "interCommTLSEnabled": ("interCommTlsCaPath", "interCommTlsCaFiles", "interCommTlsCert", "interCommPk"),
}
_PORTS = ("port", "managementPort", "metricsPort", "interCommPort", "multiNodesInferPort")
_MODEL_NAME = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9._-]{0,254}[A-Za-z0-9])?$")


class MindieConfigError(ValueError):
    """The file is not a MindIE config.json, or an option cannot be applied to its schema."""


def detect_schema(config) -> str:
    if not isinstance(config, dict):
        raise MindieConfigError("the file holds a JSON %s, not an object" % type(config).__name__)
    if "ServerConfig" in config or "BackendConfig" in config:
        return CURRENT
    if "OtherParam" in config or "ModelDeployParam" in config:
        return RC2
    raise MindieConfigError("neither ServerConfig/BackendConfig (current schema) nor OtherParam/ModelDeployParam "
                            "(RC1/RC2 schema) is in the file; is it a MindIE Service config.json?")


def _index(schema: str) -> int:
    return 0 if schema == RC2 else 1


def key_path(schema: str, field: str, model: int = 0):
    """The key path of a field in a schema, or None when the schema has no such key."""
    i = _index(schema)
    if field in MODEL_FIELDS:
        name = MODEL_FIELDS[field][i]
        return None if name is None else MODEL_LIST[i] + (model, name)
    parent = FIELDS[field][i]
    return None if parent is None else parent + (field,)


def dotted(path) -> str:
    return ".".join("[%d]" % p if isinstance(p, int) else p for p in path).replace(".[", "[")


def get(config, path, default=None):
    node = config
    for step in path:
        try:
            node = node[step]
        except (KeyError, IndexError, TypeError):
            return default
    return node


def _set(config, path, value) -> None:
    """Set a value, creating missing objects (and a first model entry) on the way; new keys go last."""
    node = config
    for step, nxt in zip(path[:-1], path[1:]):
        if isinstance(step, int):
            while len(node) <= step:
                node.append({})
            node = node[step]
            continue
        if not isinstance(node.get(step), (dict, list)):
            node[step] = [] if isinstance(nxt, int) else {}
        node = node[step]
    node[path[-1]] = value


def models(config, schema: str) -> list:
    entries = get(config, MODEL_LIST[_index(schema)], [])
    return entries if isinstance(entries, list) else []


def field(config, schema: str, name: str, model: int = 0, default=None):
    path = key_path(schema, name, model)
    return default if path is None else get(config, path, default)


def deep_merge(base, overrides):
    """Overrides in the file's own key names: objects merge key by key, lists of objects merge entry by entry (so
    `ModelConfig: [{"models": ...}]` reaches the first model), any other value replaces."""
    if isinstance(base, dict) and isinstance(overrides, dict):
        for key, value in overrides.items():
            base[key] = deep_merge(base[key], value) if key in base else copy.deepcopy(value)
        return base
    if isinstance(base, list) and isinstance(overrides, list) and \
            all(isinstance(v, dict) for v in base + overrides) and base:
        for i, value in enumerate(overrides):
            if i < len(base):
                base[i] = deep_merge(base[i], value)
            else:
                base.append(copy.deepcopy(value))
        return base
    return copy.deepcopy(overrides)


def _device_id(value):
    """Device IDs as ints; templated inventories may hand them over as digit strings."""
    return int(value) if isinstance(value, str) and value.strip().isdigit() else value


def device_lists(ids) -> list:
    """npu_device_ids as MindIE wants them: a list of lists, one per model instance."""
    if ids and all(isinstance(i, list) for i in ids):
        return [[_device_id(d) for d in i] for i in ids]
    if all(not isinstance(i, list) for i in ids):
        return [[_device_id(d) for d in ids]]
    raise MindieConfigError("npu_device_ids mixes numbers and lists; give a list of ints (one instance) or a list "
                            "of lists (one per instance)")


def apply(config, options: dict, overrides=None):
    """A copy of the config with the overrides and then the options applied (options win). Returns (config,
    schema). Raises MindieConfigError for an option the schema has no key for."""
    schema = detect_schema(config)
    out = deep_merge(copy.deepcopy(config), overrides or {})
    options = {k: v for k, v in options.items() if v is not None}
    values = {}
    for option, value in options.items():
        if option == "parallel":
            values.update({k: v for k, v in value.items() if v is not None})
        elif option in OPTIONS:
            values[OPTIONS[option]] = value
    if "npuDeviceIds" in values:
        values["npuDeviceIds"] = device_lists(values["npuDeviceIds"])
        values["modelInstanceNumber"] = len(values["npuDeviceIds"])
        values.setdefault("worldSize", len(values["npuDeviceIds"][0]) if values["npuDeviceIds"] else 0)
    unsupported = [o for o, f in _option_fields(options).items() if any(key_path(schema, x) is None for x in f)]
    if unsupported:
        raise MindieConfigError("%s %s not supported by the RC1/RC2 schema; use overrides with the file's own keys"
                                % (", ".join(sorted(unsupported)), "is" if len(unsupported) == 1 else "are"))
    for name, value in values.items():
        _set(out, key_path(schema, name), value)
    return out, schema


def _option_fields(options: dict) -> dict:
    out = {}
    for option, value in options.items():
        if option == "parallel":
            out[option] = [k for k, v in value.items() if v is not None]
        elif option in OPTIONS:
            out[option] = [OPTIONS[option]]
    return out


def option_table() -> list:
    """(option, rc2 key path, current key path) for the documentation: every option and where it lands."""
    rows = []
    for option, name in list(OPTIONS.items()) + [("parallel.%s" % p, p) for p in PARALLEL]:
        paths = [key_path(s, name) for s in (RC2, CURRENT)]
        rows.append((option,) + tuple("-" if p is None else dotted(p) for p in paths))
    return rows


def render(config) -> str:
    """MindIE's own layout: 4-space JSON, keys in file order, non-ASCII kept, a final newline."""
    return json.dumps(config, indent=4, ensure_ascii=False) + "\n"


# --- validation ---------------------------------------------------------------------------------------------------

def _int(value):
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _ip(value):
    try:
        return ipaddress.ip_address(value)
    except (TypeError, ValueError):
        return None


class _Problems:
    def __init__(self, config, schema):
        self.config, self.schema, self.items = config, schema, []

    def add(self, name, rule, fix, model=None, value=None, path=None):
        if path is None:
            path = key_path(self.schema, name, model or 0) or (name,)
            value = field(self.config, self.schema, name, model or 0) if value is None else value
        self.items.append({"key": dotted(path), "value": value, "rule": rule, "fix": fix})


def validate(config, schema: str, node_count=None) -> list:
    """Every rule of section 5.4 the file can be checked against. Returns violations: {key, value, rule, fix}."""
    p = _Problems(config, schema)

    def val(name, model=0):
        return field(config, schema, name, model)

    multi = val("multiNodesInferEnabled") is True
    # Addresses and ports.
    for name, option in (("ipAddress", "ip_address"), ("managementIpAddress", "management_ip_address")):
        value = val(name)
        if value is None and name == "managementIpAddress":
            continue
        ip = _ip(value)
        if ip is None:
            p.add(name, "must be an IP address", "set %s" % option)
        elif ip.is_unspecified and val("allowAllZeroIpListening") is not True:
            p.add(name, "%s listens on every address, which MindIE refuses unless allowAllZeroIpListening is true"
                  % value, "set %s to the address clients use, or allowAllZeroIpListening: true in overrides"
                  % option)
    ports = {n: val(n) for n in _PORTS if val(n) is not None}
    for name, value in ports.items():
        if _int(value) is None or not 1024 <= value <= 65535:
            p.add(name, "must be a port in [1024, 65535]", "choose a port in [1024, 65535]")
    same = [("port", "managementPort"), ("port", "metricsPort"), ("port", "interCommPort"),
            ("port", "multiNodesInferPort"), ("interCommPort", "multiNodesInferPort"),
            ("managementPort", "interCommPort"), ("managementPort", "multiNodesInferPort")]
    for a, b in same:
        if a in ports and b in ports and ports[a] == ports[b]:
            p.add(b, "must differ from %s (%s)" % (a, ports[a]), "give %s and %s different ports" % (a, b))
    _range(p, val, "maxLinkNum", 1, 4096)
    _range(p, val, "tokenizerProcessNumber", 1, 32)

    # Devices, instances and parallelism.
    ids = val("npuDeviceIds")
    if not (isinstance(ids, list) and ids and all(isinstance(i, list) and i for i in ids)
            and all(_int(d) is not None and 0 <= d <= 63 for i in ids for d in i)):
        p.add("npuDeviceIds", "must be a list of non-empty lists of device ids in [0, 63], one per instance",
              "set npu_device_ids, e.g. [0, 1, 2, 3]")
        ids = None
    else:
        for i in ids:
            if len(set(i)) != len(i):
                p.add("npuDeviceIds", "lists a device twice", "list each device once")
    instances = val("modelInstanceNumber")
    if instances is not None:
        if _int(instances) is None or not 1 <= instances <= 10:
            p.add("modelInstanceNumber", "must be in [1, 10]", "give npu_device_ids one list per instance")
        elif multi and instances != 1:
            p.add("modelInstanceNumber", "must be 1 for multi-node inference", "give npu_device_ids one list")
        elif ids is not None and instances != len(ids):
            p.add("modelInstanceNumber", "must equal the number of npuDeviceIds lists (%d)" % len(ids),
                  "give npu_device_ids one list per instance")
    per_node = len(ids[0]) if ids else None
    if multi:
        if node_count is None:
            p.add("multiNodesInferEnabled", "multi-node inference needs the node count", "set node_count")
        total = node_count * per_node if node_count and per_node else None
    else:
        total = None
    entries = models(config, schema)
    if not entries:
        p.add("modelName", "there is no model entry", "set model_name and model_weight_path",
              path=MODEL_LIST[_index(schema)], value=entries)
    for m, entry in enumerate(entries):
        _model(p, val, m, entry, ids, multi, total)

    # Lengths and batches.
    seq = val("maxSeqLen")
    if _int(seq) is None or seq <= 0:
        p.add("maxSeqLen", "must be a positive integer", "set max_seq_len")
        seq = None
    _range(p, val, "maxInputTokenLen", 1, 4194304)
    iters = val("maxIterTimes")
    if iters is not None and (_int(iters) is None or iters < 1 or (seq is not None and iters > seq)):
        p.add("maxIterTimes", "must be in [1, maxSeqLen%s]" % (" " + str(seq) if seq else ""),
              "lower max_iter_times or raise max_seq_len")
    _range(p, val, "maxPrefillTokens", 1, 4194304)
    prefill, input_len = val("maxPrefillTokens"), val("maxInputTokenLen")
    if _int(prefill) and _int(input_len) and prefill < input_len and val("templateType") != "Mix":
        p.add("maxPrefillTokens", "must not be less than maxInputTokenLen (%d)" % input_len,
              "raise max_prefill_tokens or lower max_input_token_len")
    block = val("cacheBlockSize")
    if block is not None and (_int(block) is None or not 1 <= block <= 128 or block % 16):
        p.add("cacheBlockSize", "must be a multiple of 16 in [16, 128] (128 recommended)",
              "set cacheBlockSize: 128 in overrides")
    batch = val("maxBatchSize")
    if _range(p, val, "maxBatchSize", 1, 819200) and batch is not None:
        for name, lo in (("maxPrefillBatchSize", 0), ("maxPreemptCount", 0)):
            _range(p, val, name, lo, batch, "maxBatchSize %d" % batch)
    preempt = val("maxPreemptCount")
    if _int(preempt) and preempt > 0:
        for m, entry in enumerate(entries):
            if (_int(entry.get(key_path(schema, "cpuMemSize", m)[-1])) or 0) <= 0:
                p.add("cpuMemSize", "must be > 0 when maxPreemptCount is > 0", "set cpu_mem_size", model=m)
    return p.items


def _range(p, val, name, lo, hi, hi_name=None) -> bool:
    """Checks an optional integer key against [lo, hi]; True when it is absent or valid."""
    value = val(name)
    if value is None:
        return True
    if _int(value) is None or not lo <= value <= hi:
        p.add(name, "must be an integer in [%d, %s]" % (lo, hi_name or hi),
              "set %s within range" % _option_for(name))
        return False
    return True


def _option_for(name: str) -> str:
    for option, f in OPTIONS.items():
        if f == name:
            return option
    return "%s (in overrides)" % name


def _model(p, val, m, entry, ids, multi, total) -> None:
    schema = p.schema

    def get_m(name):
        path = key_path(schema, name, m)
        return None if path is None else entry.get(path[-1])

    name = get_m("modelName")
    if not (isinstance(name, str) and _MODEL_NAME.match(name)):
        p.add("modelName", "must be 1-256 of A-Z a-z 0-9 . _ - and must not start or end with . _ or -",
              "set model_name, e.g. qwen2-7b", model=m)
    if not (isinstance(get_m("modelWeightPath"), str) and get_m("modelWeightPath").startswith("/")):
        p.add("modelWeightPath", "must be an absolute path", "set model_weight_path", model=m)
    npu_mem = get_m("npuMemSize")
    if npu_mem is not None and (_int(npu_mem) is None or not (npu_mem == -1 or 0 < npu_mem <= 2147483647)):
        p.add("npuMemSize", "must be -1 (automatic) or in (0, 2147483647] GB", "set npu_mem_size: -1", model=m)
    world = get_m("worldSize")
    device_count = len(ids[m]) if ids and m < len(ids) else (len(ids[0]) if ids else None)
    if not multi and device_count is not None and world != device_count:
        p.add("worldSize", "must equal the number of devices of the instance (%d)" % device_count,
              "leave world_size out (it follows npu_device_ids) or set it to %d" % device_count, model=m)
    if schema == RC2:
        return
    ranks = total if multi else (world if _int(world) else device_count)
    if ranks is None:
        return
    dp, tp, sp, cp = (get_m(k) for k in ("dp", "tp", "sp", "cp"))
    moe_tp, moe_ep = get_m("moe_tp"), get_m("moe_ep")
    where = "the total rank count %d (node_count x devices per node)" % ranks if multi else "worldSize %d" % ranks
    for key, value in (("dp", dp), ("tp", tp), ("sp", sp), ("cp", cp), ("moe_tp", moe_tp), ("moe_ep", moe_ep)):
        if value is not None and (_int(value) is None or (value < 1 and not (key == "dp" and value == -1))):
            p.add(key, "must be a positive integer%s" % (" (or -1 to disable)" if key == "dp" else ""),
                  "set parallel.%s" % key, model=m)
            return
    eff_tp = tp if tp is not None else ranks
    eff_dp = 1 if dp in (None, -1) else dp
    eff_cp = 1 if cp is None else cp
    if cp is not None and cp not in (1, 2):
        p.add("cp", "must be 1 or 2", "set parallel.cp to 1 or 2", model=m)
    elif eff_cp > 1 and eff_dp != 1:
        p.add("dp", "must be 1 when cp is greater than 1", "set parallel.dp: 1", model=m)
    elif eff_dp * eff_tp * eff_cp != ranks and (dp is not None or tp is not None or cp is not None):
        p.add("tp", "dp x tp%s = %d must equal %s" % (" x cp" if cp is not None else "", eff_dp * eff_tp * eff_cp,
                                                      where),
              "choose parallel.dp and parallel.tp whose product is %d" % ranks, model=m,
              value={"dp": dp, "tp": tp, "cp": cp})
    if sp not in (None, 1) and sp != eff_tp:
        p.add("sp", "must equal tp (%d) when used (absent or 1 means unused)" % eff_tp, "set parallel.sp to tp or 1",
              model=m)
    if (moe_tp is not None or moe_ep is not None) and (moe_tp or 1) * (moe_ep or 1) != ranks:
        p.add("moe_ep", "moe_ep x moe_tp = %d must equal %s" % ((moe_tp or 1) * (moe_ep or 1), where),
              "choose parallel.moe_ep and parallel.moe_tp whose product is %d" % ranks, model=m,
              value={"moe_ep": moe_ep, "moe_tp": moe_tp})


def tls_files(config, schema: str, multi: bool) -> list:
    """The certificate and key paths the enabled TLS switches need: httpsEnabled always, interNodeTLSEnabled only
    multi-node, interCommTLSEnabled only multi-node or with inferMode dmi. [(key path, file, is_key)]."""
    needed = []
    dmi = field(config, schema, "inferMode") == "dmi"
    for switch, keys in TLS.items():
        if field(config, schema, switch) is not True:
            continue
        if switch == "interNodeTLSEnabled" and not multi or switch == "interCommTLSEnabled" and not (multi or dmi):
            continue
        parent = key_path(schema, switch)[:-1]
        section = get(config, parent, {})
        ca_dir = section.get(keys[0], "")
        for key in keys[1:]:
            value = section.get(key)
            if value is None:
                continue
            files = value if isinstance(value, list) else [value]
            for f in files:
                if key.endswith(("CaFile", "CaFiles")) and isinstance(value, list):
                    f = ca_dir.rstrip("/") + "/" + f if ca_dir else f
                needed.append((dotted(parent + (key,)), f, key.endswith(("Pk", "TlsPk"))))
    return needed


def path_problems(config, schema: str, multi: bool, home: str, stat, listdir) -> list:
    """With check_paths: the weights and certificate files exist and have safe modes. `stat(path)` returns
    (mode, is_dir, is_link) or None; `listdir(path)` a list of names."""
    problems = []
    for m, entry in enumerate(models(config, schema)):
        weights = entry.get("modelWeightPath")
        key = dotted(key_path(schema, "modelWeightPath", m))
        info = stat(weights) if isinstance(weights, str) else None
        if info is None or not info[1]:
            problems.append({"key": key, "value": weights, "rule": "must be an existing directory",
                             "fix": "put the weights there, or set check_paths: false for a container path"})
            continue
        mode, link = info[0], info[2]
        if link:
            problems.append({"key": key, "value": weights, "rule": "must not be a symbolic link (MindIE refuses it)",
                             "fix": "point model_weight_path at the real directory"})
        if mode & 0o022:
            problems.append({"key": key, "value": weights, "rule": "must not be writable by group or others "
                             "(mode %04o)" % (mode & 0o7777), "fix": "chmod 750 the weights directory"})
        names = listdir(weights)
        if "config.json" not in names or not any(n.endswith(".safetensors") for n in names):
            problems.append({"key": key, "value": weights, "rule": "must hold the model's config.json and "
                             "*.safetensors weights", "fix": "convert the weights to safetensors"})
    for key, name, private in tls_files(config, schema, multi):
        full = name if name.startswith("/") else home.rstrip("/") + "/" + name
        info = stat(full)
        if info is None:
            problems.append({"key": key, "value": name, "rule": "names %s, which does not exist" % full,
                             "fix": "install the certificate there, or turn that TLS switch off"})
        elif private and info[0] & 0o077:
            problems.append({"key": key, "value": name, "rule": "is a private key readable by others (mode %04o)"
                             % (info[0] & 0o7777), "fix": "chmod 600 %s" % full})
        elif info[0] & 0o022:
            problems.append({"key": key, "value": name, "rule": "is writable by group or others (mode %04o)"
                             % (info[0] & 0o7777), "fix": "chmod 640 %s" % full})
    return problems


def warnings(config, schema: str) -> list:
    """Legal but risky values."""
    out = []
    ip = _ip(field(config, schema, "ipAddress"))
    if field(config, schema, "httpsEnabled") is False and ip is not None and not ip.is_loopback:
        out.append("httpsEnabled is false on %s, a non-loopback address: requests and answers cross the network in "
                   "clear text" % ip)
    for m, entry in enumerate(models(config, schema)):
        npu_mem = entry.get("npuMemSize")
        if _int(npu_mem) and npu_mem != -1:
            out.append("%s is %d GB fixed; -1 sizes the KV cache from the free NPU memory"
                       % (dotted(key_path(schema, "npuMemSize", m)), npu_mem))
    if field(config, schema, "multiNodesInferEnabled") is True and field(config, schema, "interNodeTLSEnabled") is False:
        out.append("interNodeTLSEnabled is false: traffic between the nodes is not encrypted")
    return out


def describe(violations: list) -> str:
    return "; ".join("%s = %s: %s. Fix: %s" % (v["key"], json.dumps(v["value"]), v["rule"], v["fix"])
                     for v in violations)
