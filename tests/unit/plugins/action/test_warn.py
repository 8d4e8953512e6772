"""The warn action plugin: the warning in the result and nothing changed; an empty or missing msg and unknown
arguments refused."""

from __future__ import annotations

from unittest.mock import MagicMock

import pytest
import yaml
from ansible.errors import AnsibleActionFail
from ansible.playbook.task import Task

from ansible_collections.ascendops.llm.plugins.action.warn import ARGUMENT_SPEC, ActionModule
from ansible_collections.ascendops.llm.plugins.modules import warn as documentation


def run(args):
    task = Task()
    task.action = "ascendops.llm.warn"
    task.args = args
    connection = MagicMock()
    connection._shell.tmpdir = None  # it needs no temporary directory, so none is made
    plugin = ActionModule(task, connection, play_context=MagicMock(), loader=MagicMock(), templar=MagicMock(),
                          shared_loader_obj=None)
    plugin._load_name = "ascendops.llm.warn"
    result = plugin.run(task_vars={})
    connection.exec_command.assert_not_called()
    return result


def test_the_warning_is_in_the_result_and_nothing_changed():
    msg = "node-1: reboot to load driver 24.1.rc3"
    assert run({"msg": msg}) == {"changed": False, "msg": msg, "warnings": [msg]}


@pytest.mark.parametrize("args, message", [
    ({"msg": " \n"}, "msg must be a non-empty string"),
    ({"msg": None}, "msg must be a non-empty string"),
    ({}, "missing required arguments: msg"),
    ({"msg": "x", "level": "error"}, "Unsupported parameters for (ascendops.llm.warn) module: level"),
], ids=["blank", "null", "missing", "unknown"])
def test_refusals(args, message):
    with pytest.raises(AnsibleActionFail) as err:
        run(args)
    assert message in str(err.value)


def test_the_argument_spec_is_the_documented_one():
    assert yaml.safe_load(documentation.DOCUMENTATION)["options"] == {
        name: dict(description="The warning.", **spec) for name, spec in ARGUMENT_SPEC.items()}
