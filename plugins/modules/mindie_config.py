#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: ascendops.llm contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
# SPDX-License-Identifier: Apache-2.0

from __future__ import annotations

DOCUMENTATION = r"""
---
module: mindie_config
short_description: Set and validate a MindIE Service config.json
version_added: 1.0.0
description:
  - Reads the C(config.json) that MindIE ships (O(path) itself, or O(base)), applies the deployment's settings,
    validates the result against MindIE's rules, and writes it atomically only when it changed.
  - Works on both schemas, told apart by their keys (never by C(Version)) - the MindIE 1.0.RC1/RC2 schema
    (C(OtherParam), C(ModelDeployParam), C(ScheduleParam)) and the current one (C(ServerConfig),
    C(BackendConfig)). Keys it does not manage keep their values and their order. With no option given the file is
    not rewritten.
  - "Options and the keys they set, as option - RC1/RC2 key - current key (V(-): the schema has no such key):"
  - O(model_name) - C(ModelDeployParam.ModelParam[0].modelName) - C(BackendConfig.ModelDeployConfig.ModelConfig[0].modelName)
  - O(model_weight_path) - C(ModelDeployParam.ModelParam[0].modelWeightPath) - C(BackendConfig.ModelDeployConfig.ModelConfig[0].modelWeightPath)
  - O(npu_device_ids) - C(ModelDeployParam.npuDeviceIds) - C(BackendConfig.npuDeviceIds)
  - O(world_size) - C(ModelDeployParam.ModelParam[0].worldSize) - C(BackendConfig.ModelDeployConfig.ModelConfig[0].worldSize)
  - O(ip_address) - C(OtherParam.ServeParam.ipAddress) - C(ServerConfig.ipAddress)
  - O(port) - C(OtherParam.ServeParam.port) - C(ServerConfig.port)
  - O(management_ip_address) - C(OtherParam.ServeParam.managementIpAddress) - C(ServerConfig.managementIpAddress)
  - O(management_port) - C(OtherParam.ServeParam.managementPort) - C(ServerConfig.managementPort)
  - O(metrics_port) - V(-) - C(ServerConfig.metricsPort)
  - O(https_enabled) - C(OtherParam.ServeParam.httpsEnabled) - C(ServerConfig.httpsEnabled)
  - O(multi_node) - C(ModelDeployParam.multiNodesInferEnabled) - C(BackendConfig.multiNodesInferEnabled)
  - O(inter_node_tls_enabled) - C(OtherParam.ServeParam.interNodeTLSEnabled) - C(BackendConfig.interNodeTLSEnabled)
  - O(max_seq_len) - C(ModelDeployParam.maxSeqLen) - C(BackendConfig.ModelDeployConfig.maxSeqLen)
  - O(max_input_token_len) - C(ModelDeployParam.maxInputTokenLen) - C(BackendConfig.ModelDeployConfig.maxInputTokenLen)
  - O(max_iter_times) - C(ScheduleParam.maxIterTimes) - C(BackendConfig.ScheduleConfig.maxIterTimes)
  - O(max_prefill_tokens) - C(ScheduleParam.maxPrefillTokens) - C(BackendConfig.ScheduleConfig.maxPrefillTokens)
  - O(max_batch_size) - C(ScheduleParam.maxBatchSize) - C(BackendConfig.ScheduleConfig.maxBatchSize)
  - O(max_prefill_batch_size) - C(ScheduleParam.maxPrefillBatchSize) - C(BackendConfig.ScheduleConfig.maxPrefillBatchSize)
  - O(npu_mem_size) - C(ModelDeployParam.ModelParam[0].npuMemSize) - C(BackendConfig.ModelDeployConfig.ModelConfig[0].npuMemSize)
  - O(cpu_mem_size) - C(ModelDeployParam.ModelParam[0].cpuMemSize) - C(BackendConfig.ModelDeployConfig.ModelConfig[0].cpuMemSize)
  - O(plugin_params) - C(ModelDeployParam.ModelParam[0].pluginParams) - C(BackendConfig.ModelDeployConfig.ModelConfig[0].plugin_params)
  - O(parallel.dp) - V(-) - C(BackendConfig.ModelDeployConfig.ModelConfig[0].dp)
  - O(parallel.tp) - V(-) - C(BackendConfig.ModelDeployConfig.ModelConfig[0].tp)
  - O(parallel.sp) - V(-) - C(BackendConfig.ModelDeployConfig.ModelConfig[0].sp)
  - O(parallel.cp) - V(-) - C(BackendConfig.ModelDeployConfig.ModelConfig[0].cp)
  - O(parallel.moe_tp) - V(-) - C(BackendConfig.ModelDeployConfig.ModelConfig[0].moe_tp)
  - O(parallel.moe_ep) - V(-) - C(BackendConfig.ModelDeployConfig.ModelConfig[0].moe_ep)
  - O(npu_device_ids) also sets C(modelInstanceNumber) (the number of lists) and, unless O(world_size) is given,
    C(worldSize) (the length of the first list).
  - An option whose key the detected schema does not have fails with "not supported by the RC1/RC2 schema; use
    overrides".
  - Before anything is written the result is validated; every violation is listed with its key path, value, rule
    and fix. Ports in [1024, 65535] and distinct where MindIE needs it, C(0.0.0.0) only with
    C(allowAllZeroIpListening), C(worldSize) equal to the instance's device count (not multi-node),
    C(dp*tp[*cp]) and C(moe_ep*moe_tp) equal to the rank count (O(node_count) times the devices per node when
    multi-node), C(sp) absent, 1 or equal to C(tp), C(maxIterTimes <= maxSeqLen),
    C(maxPrefillTokens >= maxInputTokenLen), C(cacheBlockSize) a multiple of 16 up to 128, batch sizes within
    C(maxBatchSize), the model name's characters, C(modelInstanceNumber) (1 for multi-node), and with
    O(check_paths) the weights directory and the certificate files the enabled TLS switches need (C(httpsEnabled)
    always, C(interNodeTLSEnabled) multi-node, C(interCommTLSEnabled) multi-node or C(inferMode=dmi)).
author:
  - ascendops.llm maintainers (@ascendops)
extends_documentation_fragment:
  - ansible.builtin.files
  - ansible.builtin.backup
attributes:
  check_mode:
    support: full
    description: Validates and reports the change and its diff without writing.
  diff_mode:
    support: full
    description: The file before and after, as 4-space JSON.
  idempotent:
    support: full
    description: The file is written only when its content changes; mode and ownership are set when they differ.
options:
  path:
    description: The config.json to write (for example C(/usr/local/Ascend/mindie/latest/mindie-service/conf/config.json)).
    type: path
    required: true
  base:
    description:
      - A config.json to start from instead of O(path), such as a template shipped with MindIE or the collection's
        C(files/mindie/) templates. Without it O(path) must exist.
    type: path
  model_name:
    description: The served model name (what C(/v1/models) returns and requests use as C(model)).
    type: str
  model_weight_path:
    description: Absolute path of the weights (HF C(config.json) and C(*.safetensors)) as MindIE sees it.
    type: str
  npu_device_ids:
    description:
      - Logic device IDs, as a list of ints for one model instance or a list of lists (one per instance). Also sets
        C(modelInstanceNumber) to the number of lists.
    type: list
    elements: raw
  world_size:
    description: Devices per instance; by default the length of the (first) device list of O(npu_device_ids).
    type: int
  ip_address:
    description: The business API bind address.
    type: str
  port:
    description: The business API port.
    type: int
  management_ip_address:
    description: The management API bind address.
    type: str
  management_port:
    description: The management API port.
    type: int
  metrics_port:
    description: The metrics port (current schema only).
    type: int
  https_enabled:
    description: TLS on the business API.
    type: bool
  multi_node:
    description: Multi-node inference (C(multiNodesInferEnabled)); needs O(node_count).
    type: bool
  node_count:
    description:
      - The number of nodes of a multi-node deployment, 2 to 60. The parallel sizes are checked against
        O(node_count) times the devices per node. Not written to the file (the rank table carries it).
    type: int
  inter_node_tls_enabled:
    description: TLS between the nodes of a multi-node deployment.
    type: bool
  max_seq_len:
    description: Maximum sequence length (input plus output).
    type: int
  max_input_token_len:
    description: Maximum input length.
    type: int
  max_iter_times:
    description: Maximum output length; at most O(max_seq_len).
    type: int
  max_prefill_tokens:
    description: Tokens per prefill batch; at least O(max_input_token_len).
    type: int
  max_batch_size:
    description: Maximum decode batch size.
    type: int
  max_prefill_batch_size:
    description: Maximum prefill batch size (0 uses O(max_batch_size)).
    type: int
  npu_mem_size:
    description: KV cache GB per NPU, or -1 (recommended) to size it from free memory.
    type: int
  cpu_mem_size:
    description: Host swap GB for the KV cache.
    type: int
  parallel:
    description: Parallel sizes of the model (current schema only).
    type: dict
    suboptions:
      dp:
        description: Data parallel size (-1 disables).
        type: int
      tp:
        description: Tensor parallel size (defaults to the world size in MindIE).
        type: int
      sp:
        description: Sequence parallel size; absent or 1 means unused, otherwise equal to tp.
        type: int
      cp:
        description: Context parallel size, 1 or 2 (needs dp 1).
        type: int
      moe_tp:
        description: MoE tensor parallel size.
        type: int
      moe_ep:
        description: MoE expert parallel size.
        type: int
  plugin_params:
    description: The model's plugin parameters, a JSON string such as C({"plugin_type":"mtp","num_speculative_tokens":1}).
    type: str
  overrides:
    description:
      - Any other keys, as a dict in the file's own key names, deep-merged before the options are applied (options
        win). Objects merge key by key; lists of objects entry by entry; other values replace.
    type: dict
    default: {}
  mindie_home:
    description:
      - Directory relative certificate paths (C(security/...)) resolve against. By default the parent of the
        C(conf/) directory holding O(path).
    type: path
  check_paths:
    description:
      - Check that the weights directory and the certificate files exist and have safe modes. Turn it off when
        they are container paths the host cannot see.
    type: bool
    default: true
  mode:
    description:
      - The permissions of the file, as for M(ansible.builtin.file) (for example V('0640') or V(u=rw,g=r)).
      - Without it the file gets mode C(0640), new or not; MindIE refuses a C(config.json) more open than that.
    type: raw
notes:
  - Options apply to the first model entry (C(ModelParam[0]) / C(ModelConfig[0])); use O(overrides) for others.
seealso:
  - module: ascendops.llm.rank_table
"""

EXAMPLES = r"""
---
- name: Serve Qwen2-7B on four NPUs of an 800I A2
  ascendops.llm.mindie_config:
    path: /usr/local/Ascend/mindie/latest/mindie-service/conf/config.json
    model_name: qwen2-7b
    model_weight_path: /data/models/Qwen2-7B-Instruct
    npu_device_ids: [0, 1, 2, 3]
    ip_address: 10.10.0.11
    https_enabled: false
    max_seq_len: 8192
    max_input_token_len: 4096
    max_iter_times: 4096
    max_prefill_tokens: 8192

- name: DeepSeek on two A3 nodes of 16 dies (seed 004's multi-node settings)
  ascendops.llm.mindie_config:
    path: /srv/mindie/conf/config.json
    base: /usr/local/Ascend/mindie/latest/mindie-service/conf/config.json
    model_name: deepseek
    model_weight_path: /data/models/DeepSeek-R1-w8a8
    npu_device_ids: "{{ range(16) | list }}"
    multi_node: true
    node_count: 2
    inter_node_tls_enabled: false
    parallel: {dp: 4, tp: 8, moe_ep: 8, moe_tp: 4}
    plugin_params: '{"plugin_type":"mtp","num_speculative_tokens":1}'
    overrides:
      ServerConfig: {interCommTLSEnabled: false, tokenTimeout: 3600, e2eTimeout: 3600}
      BackendConfig:
        ModelDeployConfig:
          ModelConfig: [{models: {deepseekv2: {ep_level: 1, enable_mlapo_prefetch: true}}}]
    check_paths: false
    owner: HwHiAiUser
    group: HwHiAiUser
"""

RETURN = r"""
---
schema:
  description: The schema of the file - V(rc2) (MindIE 1.0.RC1/RC2) or V(current).
  returned: always
  type: str
  sample: current
config:
  description: The resulting configuration.
  returned: success
  type: dict
  sample: {"Version": "1.0.0", "ServerConfig": {"ipAddress": "127.0.0.1", "port": 1025}}
violations:
  description: Every rule the result breaks, each with the key path, the value, the rule and the fix.
  returned: failure
  type: list
  elements: dict
  sample: [{"key": "BackendConfig.ScheduleConfig.maxIterTimes", "value": 16384,
            "rule": "must be in [1, maxSeqLen 8192]", "fix": "lower max_iter_times or raise max_seq_len"}]
backup_file:
  description: The copy of the previous file, when O(backup) made one.
  returned: changed and backup
  type: str
  sample: /srv/mindie/conf/config.json.12345.2026-11-21@13:00:00~
"""

import json
import os
import stat

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.common.text.converters import to_native

from ansible_collections.ascendops.llm.plugins.module_utils import _mindie
from ansible_collections.ascendops.llm.plugins.module_utils._host import read_text, write_file

SETTINGS = list(_mindie.OPTIONS) + ["parallel"]


def load(module, path, what, lenient=False):
    """The parsed file. With lenient (a base replaces it anyway), an unreadable or broken file is None."""
    text = read_text(path)
    if text is None and not lenient:
        module.fail_json(msg="Cannot read the %s %s: it does not exist or is not readable." % (what, path))
    try:
        return json.loads(text)
    except (TypeError, ValueError) as exc:
        if lenient:
            return None
        module.fail_json(msg="The %s %s is not valid JSON: %s; fix it, or give base to start again from a "
                             "template." % (what, path, to_native(exc)))


def stat_path(path):
    try:
        st = os.lstat(path)
    except OSError:
        return None
    link = stat.S_ISLNK(st.st_mode)
    if link:
        try:
            st = os.stat(path)
        except OSError:
            return None
    return (st.st_mode, stat.S_ISDIR(st.st_mode), link)


def listdir(path):
    try:
        return os.listdir(path)
    except OSError:
        return []


def main():
    module = AnsibleModule(
        argument_spec=dict(
            path=dict(type="path", required=True),
            base=dict(type="path"),
            model_name=dict(type="str"),
            model_weight_path=dict(type="str"),
            npu_device_ids=dict(type="list", elements="raw"),
            world_size=dict(type="int"),
            ip_address=dict(type="str"),
            port=dict(type="int"),
            management_ip_address=dict(type="str"),
            management_port=dict(type="int"),
            metrics_port=dict(type="int"),
            https_enabled=dict(type="bool"),
            multi_node=dict(type="bool"),
            node_count=dict(type="int"),
            inter_node_tls_enabled=dict(type="bool"),
            max_seq_len=dict(type="int"),
            max_input_token_len=dict(type="int", no_log=False),
            max_iter_times=dict(type="int"),
            max_prefill_tokens=dict(type="int", no_log=False),
            max_batch_size=dict(type="int"),
            max_prefill_batch_size=dict(type="int"),
            npu_mem_size=dict(type="int"),
            cpu_mem_size=dict(type="int"),
            parallel=dict(type="dict", options={k: dict(type="int") for k in _mindie.PARALLEL}),
            plugin_params=dict(type="str"),
            overrides=dict(type="dict", default={}),
            mindie_home=dict(type="path"),
            check_paths=dict(type="bool", default=True),
            backup=dict(type="bool", default=False),
        ),
        required_if=[("multi_node", True, ("node_count",))],
        add_file_common_args=True,
        supports_check_mode=True,
    )
    p = module.params
    path = p["path"]
    if p["node_count"] is not None and not 2 <= p["node_count"] <= 60:
        module.fail_json(msg="node_count is %d; a MindIE multi-node deployment has 2 to 60 nodes." % p["node_count"])
    exists = os.path.exists(path)
    if not exists and not p["base"]:
        module.fail_json(msg="%s does not exist; give base (the config.json MindIE ships, or a template of "
                             "files/mindie/) to start from." % path)
    current = load(module, path, "config file", lenient=bool(p["base"])) if exists else None
    start = load(module, p["base"], "base file") if p["base"] else current
    try:
        result, schema = _mindie.apply(start, {k: p[k] for k in SETTINGS}, p["overrides"])
    except _mindie.MindieConfigError as exc:
        module.fail_json(msg="%s: %s." % (p["base"] or path, to_native(exc)))

    multi = _mindie.field(result, schema, "multiNodesInferEnabled") is True
    violations = _mindie.validate(result, schema, p["node_count"] if multi else None)
    if p["check_paths"]:
        conf_dir = os.path.dirname(path)
        home = p["mindie_home"] or (os.path.dirname(conf_dir) if os.path.basename(conf_dir) == "conf" else conf_dir)
        violations += _mindie.path_problems(result, schema, multi, home, stat_path, listdir)
    if violations:
        module.fail_json(msg="%s would break %d MindIE rule%s, so nothing was written: %s"
                             % (path, len(violations), "" if len(violations) == 1 else "s",
                                _mindie.describe(violations)),
                         violations=violations, schema=schema)
    for warning in _mindie.warnings(result, schema):
        module.warn(warning)

    # Same content in the same key order: leave the file alone, whatever its layout.
    changed = current is None or json.dumps(current) != json.dumps(result)
    out = {"changed": changed, "schema": schema, "config": result}
    if changed and module._diff:
        out["diff"] = {"before": _mindie.render(current) if current is not None else "",
                       "after": _mindie.render(result), "before_header": path, "after_header": path}
    if changed and not module.check_mode and p["backup"] and exists:
        out["backup_file"] = module.backup_local(path)
    # The files fragment's default keeps the old mode or the umask; MindIE wants 0640 at most.
    out["changed"] = write_file(module, path, _mindie.render(result), "0640", exists, changed)
    module.exit_json(**out)


if __name__ == "__main__":
    main()
