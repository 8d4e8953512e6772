"""The rank_table action plugin on the controller: two 800I A2 and two 800I A3 hosts whose npu and hccn facts are
in hostvars, the table handed to the copy action (which is replaced by a recorder), the --limit refusal, argument
validation, and the node address it takes."""

from __future__ import annotations

import importlib
import json
import pathlib
from unittest.mock import MagicMock

import pytest
import yaml
from ansible.errors import AnsibleActionFail
from ansible.playbook.task import Task

from ansible_collections.ascendops.llm.plugins.action.rank_table import ARGUMENT_SPEC, ActionModule
from ansible_collections.ascendops.llm.plugins.module_utils import _rank_table
from ansible_collections.ascendops.llm.plugins.modules import rank_table as documentation

REFERENCE = pathlib.Path(__file__).resolve().parents[3] / "fixtures" / "reference"


def reference(name):
    return json.loads((REFERENCE / name).read_text())


def a2_host(node):
    """hostvars of 800I A2 number `node` as npu_info and hccn_info leave them: 8 dies, RoCE 192.168.100.<10(n+1)+d>,
    the default IPv4 address of the reference table."""
    chips = [{"npu_id": phy, "chip_id": 0, "logic_id": phy, "phy_id": phy, "name": "910B4", "health": "OK",
              "super_device_id": None} for phy in range(8)]
    devices = [{"phy_id": phy, "address": "192.168.100.%d" % (10 * (node + 1) + phy), "netmask": "255.255.255.0"}
               for phy in range(8)]
    return {"ansible_facts": {"npu": {"present": True, "chip_family": "910b", "product": "atlas-800i-a2",
                                      "soc": "Ascend910B4", "chips": chips},
                              "hccn": {"present": True, "source": "hccn_tool", "devices": devices},
                              "default_ipv4": {"address": "192.168.10.%d" % (11 + node)}}}


def a3_host(node):
    """hostvars of 800I A3 number `node`, server index 4 + node of super pod 0: 8 cards x 2 dies listed in any order,
    SDIDs and RoCE addresses laid out as in the reference's 2 x A3 table."""
    chips, devices = [], []
    for phy in reversed(range(16)):
        card, chip = divmod(phy, 2)
        chips.append({"npu_id": card, "chip_id": chip, "logic_id": phy, "phy_id": phy, "name": "Ascend910",
                      "health": "OK", "super_pod_id": 0,
                      "super_device_id": ((4 + node) << 22) | ((card * 4 + chip) << 16) | phy})
        devices.append({"phy_id": phy, "address": "10.0.%d.%d" % (2 + chip, 41 + 10 * node + card),
                        "netmask": "255.255.255.0"})
    return {"ansible_facts": {"npu": {"present": True, "chip_family": "910_93", "product": "atlas-800i-a3",
                                      "soc": "Ascend910_9392", "chips": chips},
                              "hccn": {"present": True, "source": "hccn_tool", "devices": devices},
                              "default_ipv4": {"address": "10.10.0.%d" % (11 + node)}}}


def task_vars(hostvars, groups, me=None):
    return {"hostvars": hostvars, "groups": dict(groups, all=list(hostvars)),
            "inventory_hostname": me or next(iter(hostvars))}


def inventory():
    hostvars = {"a2-1": a2_host(0), "a2-2": a2_host(1), "a3-1": a3_host(0), "a3-2": a3_host(1)}
    return hostvars, {"qwen_a2": ["a2-1", "a2-2"], "deepseek_a3": ["a3-1", "a3-2"]}


def action(args):
    """The plugin as the task executor makes it, with the copy action replaced by a recorder."""
    task = Task()
    task.action = "ascendops.llm.rank_table"
    task.args = args
    connection = MagicMock()
    connection._shell.tmpdir = "/tmp/.ansible-tmp"  # as if made already: no remote call
    plugin = ActionModule(task, connection, play_context=MagicMock(), loader=MagicMock(), templar=MagicMock(),
                          shared_loader_obj=None)
    plugin._load_name = "ascendops.llm.rank_table"
    copy = MagicMock()
    copy.run.return_value = {"changed": True, "dest": args.get("dest")}
    plugin._shared_loader_obj = MagicMock()
    plugin._shared_loader_obj.action_loader.get.return_value = copy
    return plugin


def copy_args(plugin):
    """The arguments the copy action was made with (it is made once, or not at all)."""
    plugin._shared_loader_obj.action_loader.get.assert_called_once()
    name, = plugin._shared_loader_obj.action_loader.get.call_args.args
    assert name == "ansible.legacy.copy"
    return plugin._shared_loader_obj.action_loader.get.call_args.kwargs["task"].args


def test_two_a2_hosts_get_the_reference_table_mode_0640():
    hostvars, groups = inventory()
    plugin = action({"dest": "/etc/mindie/rank_table.json", "deployment_group": "qwen_a2"})
    result = plugin.run(task_vars=task_vars(hostvars, groups, "a2-2"))
    expected = reference("rank-table-2x800i-a2.json")
    assert copy_args(plugin) == {"content": json.dumps(expected, indent=4) + "\n",
                                 "dest": "/etc/mindie/rank_table.json", "mode": "0640", "backup": False}
    assert result["rank_table"] == expected and result["members"] == ["a2-1", "a2-2"]
    assert result["changed"] is True  # the copy action's answer


def test_two_a3_hosts_get_version_12_with_owner_and_group():
    hostvars, groups = inventory()
    plugin = action({"dest": "/etc/mindie/rank_table.json", "deployment_group": "deepseek_a3",
                     "owner": "HwHiAiUser", "group": "HwHiAiUser"})
    result = plugin.run(task_vars=task_vars(hostvars, groups, "a3-1"))
    args = copy_args(plugin)
    expected = reference("rank-table-2x800i-a3.json")
    assert json.loads(args["content"]) == expected and args["content"] == json.dumps(expected, indent=4) + "\n"
    assert (args["owner"], args["group"], args["mode"]) == ("HwHiAiUser", "HwHiAiUser", "0640")
    assert result["rank_table"]["version"] == "1.2"


def test_mode_backup_and_version_are_passed_on():
    hostvars, groups = inventory()
    plugin = action({"dest": "/srv/rt.json", "deployment_group": "deepseek_a3", "mode": "0600", "backup": "yes",
                     "version": "1.0", "consumer": "hccl"})
    result = plugin.run(task_vars=task_vars(hostvars, groups))
    args = copy_args(plugin)
    assert (args["mode"], args["backup"]) == ("0600", True) and "owner" not in args
    assert result["rank_table"]["version"] == "1.0" and "super_pod_list" not in result["rank_table"]


@pytest.mark.parametrize("missing, named", [(["a3-2"], "a3-2 has none"), (["a3-1", "a3-2"], "a3-1, a3-2 have none")])
def test_members_without_facts_are_refused_by_name(missing, named):
    """Under --limit a3-1, a3-2's hostvars hold its inventory variables but no facts."""
    hostvars, groups = inventory()
    for host in missing:
        hostvars[host] = {"ascend_node_ip": "10.10.0.99"}
    plugin = action({"dest": "/etc/mindie/rank_table.json", "deployment_group": "deepseek_a3"})
    with pytest.raises(AnsibleActionFail) as err:
        plugin.run(task_vars=task_vars(hostvars, groups, "a3-1"))
    assert ("a3-1: the rank table of group deepseek_a3 needs the npu and hccn facts of every member, and %s" % named
            in str(err.value))
    assert "Run without --limit" in str(err.value)
    plugin._shared_loader_obj.action_loader.get.assert_not_called()


BAD_ARGS = [
    ({"dest": "/x", "deployment_group": "qwen_a2", "destination": "/y"},
     "Unsupported parameters for (ascendops.llm.rank_table) module: destination"),
    ({"dest": "/x", "deployment_group": "qwen_a2", "consumer": "vllm"},
     "value of consumer must be one of: mindie, hccl, got: vllm"),
    ({"dest": "/x", "deployment_group": "qwen_a2", "version": "1.1"},
     "value of version must be one of: auto, 1.0, 1.2, got: 1.1"),
    ({"deployment_group": "qwen_a2"}, "missing required arguments: dest"),
    ({"dest": "/x", "deployment_group": "qwen_a2", "backup": "perhaps"},
     "argument 'backup' is of type str and we were unable to convert to bool"),
]


@pytest.mark.parametrize("args, message", BAD_ARGS, ids=["unknown", "consumer", "version", "no dest", "backup"])
def test_bad_arguments_are_refused(args, message):
    hostvars, groups = inventory()
    plugin = action(args)
    with pytest.raises(AnsibleActionFail) as err:
        plugin.run(task_vars=task_vars(hostvars, groups))
    assert message in str(err.value)
    plugin._shared_loader_obj.action_loader.get.assert_not_called()


def test_ascend_node_ip_wins_over_the_default_ipv4_address():
    hostvars, groups = inventory()
    hostvars["a2-1"]["ascend_node_ip"] = "172.16.0.1"
    hostvars["a2-2"]["ascend_node_ip"] = "172.16.0.2"
    plugin = action({"dest": "/x", "deployment_group": "qwen_a2"})
    table = plugin.run(task_vars=task_vars(hostvars, groups))["rank_table"]
    assert [(s["server_id"], s["container_ip"]) for s in table["server_list"]] == [
        ("172.16.0.1", "172.16.0.1"), ("172.16.0.2", "172.16.0.2")]
    del hostvars["a2-2"]["ascend_node_ip"], hostvars["a2-2"]["ansible_facts"]["default_ipv4"]
    with pytest.raises(AnsibleActionFail, match="host a2-2 has neither ascend_node_ip nor a default IPv4 address"):
        action({"dest": "/x", "deployment_group": "qwen_a2"}).run(task_vars=task_vars(hostvars, groups))


def test_built_then_validated_once_for_the_consumer(monkeypatch):
    calls = []
    validate = _rank_table.validate_rank_table
    monkeypatch.setattr(_rank_table, "validate_rank_table", lambda table, consumer: calls.append(consumer) or
                        validate(table, consumer))
    hostvars, groups = inventory()
    groups["single"] = ["a2-1"]
    with pytest.raises(AnsibleActionFail) as err:
        action({"dest": "/x", "deployment_group": "single"}).run(task_vars=task_vars(hostvars, groups))
    assert str(err.value) == ("a2-1: cannot build a rank table of group single for mindie: MindIE needs 2 to 60 "
                              "servers for multi-node inference, the table has 1")
    assert calls == ["mindie"]
    plugin = action({"dest": "/x", "deployment_group": "single", "consumer": "hccl"})
    assert plugin.run(task_vars=task_vars(hostvars, groups))["rank_table"]["server_count"] == "1"
    assert calls == ["mindie", "hccl"]


def test_facts_that_break_a_rule_name_the_host_and_device():
    hostvars, groups = inventory()
    hostvars["a2-2"]["ansible_facts"]["hccn"]["devices"][3]["address"] = "192.168.100.12"  # a2-1's device 2
    with pytest.raises(AnsibleActionFail, match=r"a2-1: cannot build a rank table of group qwen_a2 for mindie: server "
                                                r"192.168.10.12 device 3 has device_ip 192.168.100.12, already used by "
                                                r"server 192.168.10.11 device 2"):
        action({"dest": "/x", "deployment_group": "qwen_a2"}).run(task_vars=task_vars(hostvars, groups))
    del hostvars["a2-2"]["ansible_facts"]["hccn"]["devices"][3]
    with pytest.raises(AnsibleActionFail, match="host a2-2: NPU 3 has no RoCE address in the hccn facts"):
        action({"dest": "/x", "deployment_group": "qwen_a2"}).run(task_vars=task_vars(hostvars, groups))


def test_an_empty_group_is_refused():
    hostvars, groups = inventory()
    with pytest.raises(AnsibleActionFail, match="a2-1: the inventory group nope has no hosts; set deployment_group"):
        action({"dest": "/x", "deployment_group": "nope"}).run(task_vars=task_vars(hostvars, groups))


def documented_options(module):
    """The options of a documentation module, with those of the ansible.builtin fragments it extends."""
    doc = yaml.safe_load(module.DOCUMENTATION)
    options = {}
    for name in doc.get("extends_documentation_fragment", []):
        namespace, collection, fragment = name.split(".")
        assert (namespace, collection) == ("ansible", "builtin")
        fragment = importlib.import_module("ansible.plugins.doc_fragments." + fragment).ModuleDocFragment
        options.update(yaml.safe_load(fragment.DOCUMENTATION)["options"])
    options.update(doc["options"])
    return options


def spec_of(options):
    return {name: {"type": "str" if name == "dest" else o["type"], "required": o.get("required", False),
                   "default": o.get("default"), "choices": o.get("choices")} for name, o in options.items()}


def test_the_argument_spec_is_the_documented_one():
    """dest is documented as the path the copy module resolves on the host; the plugin passes it on as given."""
    assert documented_options(documentation)["dest"]["type"] == "path"
    assert spec_of(documented_options(documentation)) == spec_of(ARGUMENT_SPEC)
