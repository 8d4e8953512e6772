"""_mindie: both schemas read from the seeds' real config.json files, every option at its key in each schema, and a
failing and a passing case for every validation rule."""

from __future__ import annotations

import copy
import json
import pathlib

import pytest

from ansible_collections.ascendops.llm.plugins.module_utils import _mindie

REFERENCE = pathlib.Path(__file__).resolve().parents[3] / "fixtures" / "reference"
TEMPLATES = pathlib.Path(__file__).resolve().parents[4] / "files" / "mindie"


def load(name):
    return json.loads((REFERENCE / name).read_text())


@pytest.fixture()
def rc2():
    return load("mindie-config-seed000.json")


@pytest.fixture()
def current():
    return load("mindie-config-seed004.json")


def keys_in_order(obj):
    """Every key path in document order, so tests compare key order as well as values."""
    if isinstance(obj, dict):
        return [(k,) + rest for k, v in obj.items() for rest in [()] + keys_in_order(v)]
    if isinstance(obj, list):
        return [(i,) + rest for i, v in enumerate(obj) for rest in keys_in_order(v)]
    return []


@pytest.mark.parametrize("name, schema", [("mindie-config-seed000.json", "rc2"),
                                          ("mindie-config-seed004.json", "current")])
def test_seed_configs_round_trip_unchanged(name, schema):
    config = load(name)
    result, detected = _mindie.apply(config, {o: None for o in _mindie.OPTIONS}, {})
    assert detected == schema
    assert result == config and keys_in_order(result) == keys_in_order(config)
    assert json.loads(_mindie.render(result)) == config
    assert _mindie.validate(result, schema) == []


def test_schema_from_keys_not_version(current):
    current["Version"] = "0.0.1"
    assert _mindie.detect_schema(current) == "current"
    assert _mindie.detect_schema({"Version": "1.0.0", "OtherParam": {}}) == "rc2"
    with pytest.raises(_mindie.MindieConfigError, match="is it a MindIE Service config.json"):
        _mindie.detect_schema({"Version": "1.0.0"})
    with pytest.raises(_mindie.MindieConfigError, match="JSON list"):
        _mindie.detect_schema([])


def test_render_is_mindie_layout(rc2):
    text = _mindie.render({"a": {"b": [1, 2]}, "name": "通义"})
    assert text == '{\n    "a": {\n        "b": [\n            1,\n            2\n        ]\n    },\n    "name": "通义"\n}\n'


OPTION_VALUES = {
    "model_name": "qwen2-7b", "model_weight_path": "/data/models/Qwen2-7B", "world_size": 4,
    "ip_address": "10.0.0.11", "port": 2025, "management_ip_address": "10.0.0.12", "management_port": 2026,
    "metrics_port": 2027, "https_enabled": False, "multi_node": False, "inter_node_tls_enabled": False,
    "max_seq_len": 4096, "max_input_token_len": 2048, "max_iter_times": 1024, "max_prefill_tokens": 4096,
    "max_batch_size": 64, "max_prefill_batch_size": 8, "npu_mem_size": -1, "cpu_mem_size": 10,
    "plugin_params": '{"plugin_type":"mtp"}',
}
EXPECTED_KEYS = {  # option -> (rc2 key path, current key path); the independent statement of the mapping
    "model_name": ("ModelDeployParam.ModelParam[0].modelName", "BackendConfig.ModelDeployConfig.ModelConfig[0].modelName"),
    "model_weight_path": ("ModelDeployParam.ModelParam[0].modelWeightPath",
                          "BackendConfig.ModelDeployConfig.ModelConfig[0].modelWeightPath"),
    "npu_device_ids": ("ModelDeployParam.npuDeviceIds", "BackendConfig.npuDeviceIds"),
    "world_size": ("ModelDeployParam.ModelParam[0].worldSize", "BackendConfig.ModelDeployConfig.ModelConfig[0].worldSize"),
    "ip_address": ("OtherParam.ServeParam.ipAddress", "ServerConfig.ipAddress"),
    "port": ("OtherParam.ServeParam.port", "ServerConfig.port"),
    "management_ip_address": ("OtherParam.ServeParam.managementIpAddress", "ServerConfig.managementIpAddress"),
    "management_port": ("OtherParam.ServeParam.managementPort", "ServerConfig.managementPort"),
    "metrics_port": ("-", "ServerConfig.metricsPort"),
    "https_enabled": ("OtherParam.ServeParam.httpsEnabled", "ServerConfig.httpsEnabled"),
    "multi_node": ("ModelDeployParam.multiNodesInferEnabled", "BackendConfig.multiNodesInferEnabled"),
    "inter_node_tls_enabled": ("OtherParam.ServeParam.interNodeTLSEnabled", "BackendConfig.interNodeTLSEnabled"),
    "max_seq_len": ("ModelDeployParam.maxSeqLen", "BackendConfig.ModelDeployConfig.maxSeqLen"),
    "max_input_token_len": ("ModelDeployParam.maxInputTokenLen", "BackendConfig.ModelDeployConfig.maxInputTokenLen"),
    "max_iter_times": ("ScheduleParam.maxIterTimes", "BackendConfig.ScheduleConfig.maxIterTimes"),
    "max_prefill_tokens": ("ScheduleParam.maxPrefillTokens", "BackendConfig.ScheduleConfig.maxPrefillTokens"),
    "max_batch_size": ("ScheduleParam.maxBatchSize", "BackendConfig.ScheduleConfig.maxBatchSize"),
    "max_prefill_batch_size": ("ScheduleParam.maxPrefillBatchSize", "BackendConfig.ScheduleConfig.maxPrefillBatchSize"),
    "npu_mem_size": ("ModelDeployParam.ModelParam[0].npuMemSize", "BackendConfig.ModelDeployConfig.ModelConfig[0].npuMemSize"),
    "cpu_mem_size": ("ModelDeployParam.ModelParam[0].cpuMemSize", "BackendConfig.ModelDeployConfig.ModelConfig[0].cpuMemSize"),
    "plugin_params": ("ModelDeployParam.ModelParam[0].pluginParams",
                      "BackendConfig.ModelDeployConfig.ModelConfig[0].plugin_params"),
}


def apply(config, options, overrides=None):
    """The applied config alone (apply also returns the schema)."""
    return _mindie.apply(config, options, overrides)[0]


def lookup(config, dotted):
    node = config
    for part in dotted.replace("[", ".[").split("."):
        node = node[int(part[1:-1])] if part.startswith("[") else node[part]
    return node


@pytest.mark.parametrize("option", sorted(OPTION_VALUES))
def test_every_option_lands_at_its_key_in_each_schema(option, rc2, current):
    for schema, config in (("rc2", rc2), ("current", current)):
        expected = EXPECTED_KEYS[option][0 if schema == "rc2" else 1]
        if expected == "-":
            message = "%s is not supported by the RC1/RC2 schema; use overrides" % option
            with pytest.raises(_mindie.MindieConfigError, match=message):
                _mindie.apply(config, {option: OPTION_VALUES[option]})
            continue
        result = apply(config, {option: OPTION_VALUES[option]})
        assert lookup(result, expected) == OPTION_VALUES[option]
        # Nothing else moved: the same key paths in the same order (a key new to the file goes last in its object).
        before, after = keys_in_order(config), keys_in_order(result)
        assert [k for k in after if k in before] == before


def test_device_ids_set_instances_and_world_size(rc2, current):
    result = apply(current, {"npu_device_ids": [0, 1, 2, 3]})
    backend = result["BackendConfig"]
    assert backend["npuDeviceIds"] == [[0, 1, 2, 3]] and backend["modelInstanceNumber"] == 1
    assert backend["ModelDeployConfig"]["ModelConfig"][0]["worldSize"] == 4
    result = apply(rc2, {"npu_device_ids": [[0, 1], [2, 3]], "world_size": 2})
    assert result["ModelDeployParam"]["npuDeviceIds"] == [[0, 1], [2, 3]]
    assert result["ModelDeployParam"]["modelInstanceNumber"] == 2
    result = apply(current, {"npu_device_ids": ["0", "1"]})
    assert result["BackendConfig"]["npuDeviceIds"] == [[0, 1]]
    with pytest.raises(_mindie.MindieConfigError, match="mixes numbers and lists"):
        _mindie.apply(rc2, {"npu_device_ids": [0, [1]]})


def test_parallel_and_its_rc2_refusal(rc2, current):
    parallel = {"dp": 2, "tp": 8, "sp": None, "cp": 1, "moe_tp": 4, "moe_ep": 4}
    result = apply(current, {"parallel": parallel})
    model = result["BackendConfig"]["ModelDeployConfig"]["ModelConfig"][0]
    assert {k: model[k] for k in ("dp", "tp", "cp", "moe_tp", "moe_ep", "sp")} == dict(parallel, sp=1)
    with pytest.raises(_mindie.MindieConfigError, match="^parallel is not supported by the RC1/RC2 schema"):
        _mindie.apply(rc2, {"parallel": {"tp": 8}})


def test_overrides_merge_in_the_files_own_keys_and_options_win(current):
    overrides = {"ServerConfig": {"tokenTimeout": 7200, "port": 3000},
                 "BackendConfig": {"ModelDeployConfig": {"ModelConfig": [{"models": {"deepseekv2": {"ep_level": 2}}}]}}}
    result = apply(current, {"port": 4000}, overrides)
    assert result["ServerConfig"]["tokenTimeout"] == 7200 and result["ServerConfig"]["port"] == 4000
    model = result["BackendConfig"]["ModelDeployConfig"]["ModelConfig"][0]
    assert model["models"]["deepseekv2"] == {"ep_level": 2, "kv_cache_options": {"enable_nz": True},
                                             "enable_mlapo_prefetch": True}
    assert model["modelName"] == "deepseek"  # the list of models merged entry by entry, not replaced
    assert current["ServerConfig"]["tokenTimeout"] == 3600  # the input is not modified


def test_option_table_documents_every_option():
    table = {row[0]: row[1:] for row in _mindie.option_table()}
    for option, keys in EXPECTED_KEYS.items():
        assert table[option] == keys
    for key in _mindie.PARALLEL:
        assert table["parallel." + key] == ("-", "BackendConfig.ModelDeployConfig.ModelConfig[0].%s" % key)
    doc = (pathlib.Path(_mindie.__file__).parents[1] / "modules" / "mindie_config.py").read_text()
    for option, old, new in _mindie.option_table():
        old = "V(-)" if old == "-" else "C(%s)" % old
        assert "  - O(%s) - %s - C(%s)\n" % (option, old, new) in doc, option


def test_shipped_templates_are_both_schemas_and_valid():
    for name, schema in (("config-current.json", "current"), ("config-rc2.json", "rc2")):
        config = json.loads((TEMPLATES / name).read_text())
        assert _mindie.detect_schema(config) == schema
        assert _mindie.validate(config, schema) == []


# --- validation: a failing and a passing case per rule --------------------------------------------------------------

def edit(config, changes):
    out = copy.deepcopy(config)
    for dotted_path, value in changes.items():
        parts = dotted_path.replace("[", ".[").split(".")
        node = out
        for part in parts[:-1]:
            node = node[int(part[1:-1])] if part.startswith("[") else node[part]
        if value is _DELETE:
            del node[parts[-1]]
        else:
            node[parts[-1]] = value
    return out


_DELETE = object()
M = "BackendConfig.ModelDeployConfig.ModelConfig[0]"
S = "BackendConfig.ScheduleConfig"

RULES = [
    # (what, bad changes, good changes, key reported, node_count)
    ("port range", {"ServerConfig.port": 80}, {"ServerConfig.port": 8080}, "ServerConfig.port", None),
    ("metrics port range", {"ServerConfig.metricsPort": 70000}, {"ServerConfig.metricsPort": 9090},
     "ServerConfig.metricsPort", None),
    ("port vs multi-node port", {"ServerConfig.port": 1120}, {"ServerConfig.port": 1125},
     "BackendConfig.multiNodesInferPort", None),
    ("port vs management port", {"ServerConfig.managementPort": 1025}, {"ServerConfig.managementPort": 1030},
     "ServerConfig.managementPort", None),
    ("metrics may share the management port", {"ServerConfig.port": 1026}, {"ServerConfig.metricsPort": 1026},
     "ServerConfig.managementPort", None),
    ("all-zero address", {"ServerConfig.ipAddress": "0.0.0.0"},
     {"ServerConfig.ipAddress": "0.0.0.0", "ServerConfig.allowAllZeroIpListening": True}, "ServerConfig.ipAddress",
     None),
    ("address", {"ServerConfig.ipAddress": "node-1"}, {"ServerConfig.ipAddress": "fd00::11"},
     "ServerConfig.ipAddress", None),
    ("management address", {"ServerConfig.managementIpAddress": "300.1.1.1"},
     {"ServerConfig.managementIpAddress": _DELETE}, "ServerConfig.managementIpAddress", None),
    ("maxLinkNum", {"ServerConfig.maxLinkNum": 5000}, {"ServerConfig.maxLinkNum": 300}, "ServerConfig.maxLinkNum",
     None),
    ("tokenizerProcessNumber", {"BackendConfig.tokenizerProcessNumber": 0},
     {"BackendConfig.tokenizerProcessNumber": 32}, "BackendConfig.tokenizerProcessNumber", None),
    ("worldSize vs devices", {M + ".worldSize": 8}, {M + ".worldSize": 16}, M + ".worldSize", None),
    ("worldSize ignored multi-node", {M + ".worldSize": 8},
     {M + ".worldSize": 8, "BackendConfig.multiNodesInferEnabled": True, M + ".dp": 4, M + ".moe_ep": 8}, M + ".worldSize",
     2),
    ("device ids", {"BackendConfig.npuDeviceIds": [[0, 64]]}, {"BackendConfig.npuDeviceIds": [list(range(16))]},
     "BackendConfig.npuDeviceIds", None),
    ("device listed twice", {"BackendConfig.npuDeviceIds": [[0] * 16]},
     {"BackendConfig.npuDeviceIds": [list(range(16))]}, "BackendConfig.npuDeviceIds", None),
    ("instances", {"BackendConfig.modelInstanceNumber": 11}, {"BackendConfig.modelInstanceNumber": 1},
     "BackendConfig.modelInstanceNumber", None),
    ("instances vs device lists", {"BackendConfig.modelInstanceNumber": 2}, {"BackendConfig.modelInstanceNumber": 1},
     "BackendConfig.modelInstanceNumber", None),
    ("one instance multi-node", {"BackendConfig.multiNodesInferEnabled": True, "BackendConfig.npuDeviceIds":
                                 [list(range(8)), list(range(8, 16))], "BackendConfig.modelInstanceNumber": 2,
                                 M + ".dp": 4, M + ".moe_ep": 8},
     {"BackendConfig.multiNodesInferEnabled": True, M + ".dp": 4, M + ".moe_ep": 8},
     "BackendConfig.modelInstanceNumber", 2),
    ("node count for multi-node", {"BackendConfig.multiNodesInferEnabled": True},
     {"BackendConfig.multiNodesInferEnabled": True, M + ".dp": 4, M + ".moe_ep": 8},
     "BackendConfig.multiNodesInferEnabled", "missing"),
    ("dp x tp vs worldSize", {M + ".dp": 4}, {M + ".dp": 2}, M + ".tp", None),
    ("dp x tp vs total ranks", {"BackendConfig.multiNodesInferEnabled": True, M + ".moe_ep": 8},
     {"BackendConfig.multiNodesInferEnabled": True, M + ".dp": 4, M + ".moe_ep": 8}, M + ".tp", 2),
    ("tp defaults to the world size", {M + ".tp": _DELETE}, {M + ".tp": _DELETE, M + ".dp": 1}, M + ".tp", None),
    ("dp -1 is disabled", {M + ".dp": -1}, {M + ".dp": -1, M + ".tp": 16}, M + ".tp", None),
    ("cp in 1 or 2", {M + ".cp": 3}, {M + ".cp": 2, M + ".dp": 1}, M + ".cp", None),
    ("dp 1 with cp 2", {M + ".cp": 2}, {M + ".cp": 2, M + ".dp": 1}, M + ".dp", None),
    ("positive parallel sizes", {M + ".tp": 0}, {M + ".tp": 8}, M + ".tp", None),
    ("sp equals tp when used", {M + ".sp": 4}, {M + ".sp": 8}, M + ".sp", None),
    ("moe_ep x moe_tp", {M + ".moe_ep": 8}, {M + ".moe_ep": 4}, M + ".moe_ep", None),
    ("maxIterTimes <= maxSeqLen", {S + ".maxIterTimes": 30000}, {S + ".maxIterTimes": 24576}, S + ".maxIterTimes",
     None),
    ("maxSeqLen positive", {"BackendConfig.ModelDeployConfig.maxSeqLen": 0},
     {"BackendConfig.ModelDeployConfig.maxSeqLen": 16384}, "BackendConfig.ModelDeployConfig.maxSeqLen", None),
    ("maxInputTokenLen range", {"BackendConfig.ModelDeployConfig.maxInputTokenLen": 0},
     {"BackendConfig.ModelDeployConfig.maxInputTokenLen": 16384}, "BackendConfig.ModelDeployConfig.maxInputTokenLen",
     None),
    ("maxPrefillTokens >= maxInputTokenLen", {S + ".maxPrefillTokens": 2048},
     {S + ".maxPrefillTokens": 2048, S + ".templateType": "Mix"}, S + ".maxPrefillTokens", None),
    ("cacheBlockSize", {S + ".cacheBlockSize": 100}, {S + ".cacheBlockSize": 64}, S + ".cacheBlockSize", None),
    ("maxBatchSize", {S + ".maxBatchSize": 0}, {S + ".maxBatchSize": 819200}, S + ".maxBatchSize", None),
    ("maxPrefillBatchSize within maxBatchSize", {S + ".maxPrefillBatchSize": 201}, {S + ".maxPrefillBatchSize": 0},
     S + ".maxPrefillBatchSize", None),
    ("maxPreemptCount within maxBatchSize", {S + ".maxPreemptCount": 201}, {S + ".maxPreemptCount": 200},
     S + ".maxPreemptCount", None),
    ("cpuMemSize with preemption", {S + ".maxPreemptCount": 10, M + ".cpuMemSize": 0},
     {S + ".maxPreemptCount": 10, M + ".cpuMemSize": 5}, M + ".cpuMemSize", None),
    ("model name characters", {M + ".modelName": "deep seek"}, {M + ".modelName": "DeepSeek-R1_w8a8.v2"},
     M + ".modelName", None),
    ("model name edges", {M + ".modelName": "-deepseek"}, {M + ".modelName": "d"}, M + ".modelName", None),
    ("model name length", {M + ".modelName": "a" * 257}, {M + ".modelName": "a" * 256}, M + ".modelName", None),
    ("weights path absolute", {M + ".modelWeightPath": "models/ds"}, {M + ".modelWeightPath": "/models/ds"},
     M + ".modelWeightPath", None),
    ("npuMemSize", {M + ".npuMemSize": 0}, {M + ".npuMemSize": 16}, M + ".npuMemSize", None),
]


@pytest.mark.parametrize("what, bad, good, key, node_count", RULES, ids=[r[0] for r in RULES])
def test_rule(what, bad, good, key, node_count, current):
    nodes = None if node_count == "missing" else node_count
    bad_problems = _mindie.validate(edit(current, bad), "current", nodes)
    assert key in [v["key"] for v in bad_problems], bad_problems
    for v in bad_problems:
        assert v["rule"] and v["fix"] and "value" in v
    assert _mindie.validate(edit(current, good), "current", 2 if node_count else None) == []


def test_rc2_rules_use_rc2_keys(rc2):
    problems = _mindie.validate(edit(rc2, {"ScheduleParam.maxIterTimes": 9000, "OtherParam.ServeParam.port": 1120,
                                           "OtherParam.ResourceParam.cacheBlockSize": 8}), "rc2")
    assert sorted(v["key"] for v in problems) == ["OtherParam.ResourceParam.cacheBlockSize",
                                                  "OtherParam.ServeParam.multiNodesInferPort",
                                                  "ScheduleParam.maxIterTimes"]
    assert _mindie.validate(edit(rc2, {"OtherParam.ServeParam.ipAddress": "0.0.0.0"}), "rc2")[0]["rule"].startswith(
        "0.0.0.0 listens on every address")


def test_every_violation_is_reported_at_once(current):
    problems = _mindie.validate(edit(current, {S + ".maxIterTimes": 30000, "ServerConfig.port": 80,
                                               M + ".modelName": "_x"}), "current")
    assert len(problems) == 3
    text = _mindie.describe(problems)
    assert "ServerConfig.port = 80: must be a port in [1024, 65535]. Fix: choose a port" in text
    assert "BackendConfig.ScheduleConfig.maxIterTimes = 30000: must be in [1, maxSeqLen 24576]. Fix: lower " \
           "max_iter_times or raise max_seq_len" in text


def test_warnings(current):
    assert _mindie.warnings(current, "current") == []
    risky = edit(current, {"ServerConfig.ipAddress": "10.0.0.11", M + ".npuMemSize": 8,
                           "BackendConfig.multiNodesInferEnabled": True, "BackendConfig.interNodeTLSEnabled": False})
    assert _mindie.warnings(risky, "current") == [
        "httpsEnabled is false on 10.0.0.11, a non-loopback address: requests and answers cross the network in "
        "clear text",
        M + ".npuMemSize is 8 GB fixed; -1 sizes the KV cache from the free NPU memory",
        "interNodeTLSEnabled is false: traffic between the nodes is not encrypted"]


def fake_fs(entries):
    """stat and listdir over {path: (mode, is_dir, is_link, [names])}."""
    def stat(path):
        e = entries.get(path)
        return None if e is None else e[:3]

    def listdir(path):
        return entries.get(path, (0, False, False, []))[3]
    return stat, listdir


def test_paths_weights(current):
    weights = "/path/to/file"
    good = {weights: (0o40750, True, False, ["config.json", "model-00001.safetensors"])}
    assert _mindie.path_problems(current, "current", False, "/srv/mindie", *fake_fs(good)) == []
    for entries, rule in (
            ({}, "must be an existing directory"),
            ({weights: (0o40777, True, False, ["config.json", "a.safetensors"])}, "must not be writable by group"),
            ({weights: (0o40750, True, True, ["config.json", "a.safetensors"])}, "must not be a symbolic link"),
            ({weights: (0o40750, True, False, ["config.json", "pytorch_model.bin"])}, "*.safetensors")):
        problems = _mindie.path_problems(current, "current", False, "/srv/mindie", *fake_fs(entries))
        assert [p["key"] for p in problems] == [M + ".modelWeightPath"] and rule in problems[0]["rule"], problems


def test_paths_tls_only_where_the_switch_matters(current):
    weights = {"/path/to/file": (0o40750, True, False, ["config.json", "a.safetensors"])}
    https = edit(current, {"ServerConfig.httpsEnabled": True})
    problems = _mindie.path_problems(https, "current", False, "/srv/mindie", *fake_fs(weights))
    assert [(p["key"], p["value"]) for p in problems] == [
        ("ServerConfig.tlsCaFile", "security/ca/ca.pem"), ("ServerConfig.tlsCert", "security/certs/server.pem"),
        ("ServerConfig.tlsPk", "security/keys/server.key.pem")]
    certs = dict(weights, **{"/srv/mindie/security/ca/ca.pem": (0o100644, False, False, []),
                             "/srv/mindie/security/certs/server.pem": (0o100640, False, False, []),
                             "/srv/mindie/security/keys/server.key.pem": (0o100644, False, False, [])})
    problems = _mindie.path_problems(https, "current", False, "/srv/mindie", *fake_fs(certs))
    assert [(p["key"], p["fix"]) for p in problems] == [
        ("ServerConfig.tlsPk", "chmod 600 /srv/mindie/security/keys/server.key.pem")]
    # interNodeTLSEnabled and interCommTLSEnabled are true in seed 004 but matter only multi-node (or dmi).
    assert [p["key"] for p in _mindie.path_problems(current, "current", False, "/h", *fake_fs(weights))] == []
    multi = _mindie.path_problems(current, "current", True, "/h", *fake_fs(weights))
    assert {p["key"].split(".")[1] for p in multi} >= {"interNodeTlsCaFiles", "interNodeTlsCert", "interNodeTlsPk",
                                                       "interCommTlsCaFiles", "interCommTlsCert", "interCommPk"}
    dmi = _mindie.path_problems(edit(current, {"ServerConfig.inferMode": "dmi"}), "current", False, "/h",
                                *fake_fs(weights))
    assert {p["key"].split(".")[1] for p in dmi} == {"interCommTlsCaFiles", "interCommTlsCert", "interCommPk"}
