"""After the serving_config scenario: config.json of both schemas and the rank table, with MindIE's file modes."""

import json
import os

import testinfra.utils.ansible_runner

testinfra_hosts = testinfra.utils.ansible_runner.AnsibleRunner(os.environ["MOLECULE_INVENTORY_FILE"]).get_hosts("all")


def test_current_schema_config(host):
    f = host.file("/srv/mindie/conf/config.json")
    assert (f.user, f.group, f.mode) == ("HwHiAiUser", "HwHiAiUser", 0o640)
    text = f.content_string
    assert text.startswith('{\n    "Version": "1.0.0",\n') and text.endswith("}\n")
    config = json.loads(text)
    backend = config["BackendConfig"]
    model = backend["ModelDeployConfig"]["ModelConfig"][0]
    assert backend["npuDeviceIds"] == [list(range(16))] and backend["modelInstanceNumber"] == 1
    assert backend["multiNodesInferEnabled"] is True and backend["interNodeTLSEnabled"] is False
    assert {k: model[k] for k in ("modelName", "worldSize", "dp", "tp", "sp", "cp", "moe_tp", "moe_ep")} == {
        "modelName": "deepseek", "worldSize": 16, "dp": 4, "tp": 8, "sp": 1, "cp": 1, "moe_tp": 4, "moe_ep": 8}
    assert model["models"] == {"layerwiseDisaggregatedMasterDeviceNum": 2, "layerwiseDisaggregatedSlaveDeviceNum": 8,
                               "deepseekv2": {"ep_level": 1, "enable_mlapo_prefetch": True}}
    assert config["ServerConfig"]["interCommTLSEnabled"] is False and config["ServerConfig"]["tokenTimeout"] == 3600
    # Keys the module does not manage keep the template's order.
    template = json.loads(host.file("/srv/templates/config-current.json").content_string)
    assert list(config["ServerConfig"]) == list(template["ServerConfig"])
    assert list(config) == list(template)


def test_rc2_schema_config(host):
    f = host.file("/srv/mindie-rc2/conf/config.json")
    assert f.mode == 0o640
    config = json.loads(f.content_string)
    assert config["ModelDeployParam"]["npuDeviceIds"] == [list(range(8))]
    assert config["ModelDeployParam"]["ModelParam"][0]["modelName"] == "qwen1.5-7b"
    assert config["OtherParam"]["ServeParam"]["httpsEnabled"] is False


def test_rank_table_file(host):
    f = host.file("/etc/mindie/rank_table.json")
    assert (f.user, f.group, f.mode) == ("HwHiAiUser", "HwHiAiUser", 0o640)
    table = json.loads(f.content_string)
    assert [len(s["device"]) for s in table["server_list"]] == [16, 16]
