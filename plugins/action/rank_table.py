# -*- coding: utf-8 -*-
# Copyright: ascendops.llm contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
# SPDX-License-Identifier: Apache-2.0
"""ascendops.llm.rank_table: build the HCCL rank table of a deployment group from every member's facts and write it
to this host through the copy action (documentation: plugins/modules/rank_table.py)."""

from __future__ import annotations

import json

from ansible.errors import AnsibleActionFail
from ansible.plugins.action import ActionBase

from ansible_collections.ascendops.llm.plugins.module_utils import _rank_table

# The options of plugins/modules/rank_table.py. dest is a str here: the copy module resolves it on the host.
ARGUMENT_SPEC = dict(
    dest=dict(type="str", required=True),
    deployment_group=dict(type="str", required=True),
    consumer=dict(type="str", choices=["mindie", "hccl"], default="mindie"),
    version=dict(type="str", choices=["auto"] + list(_rank_table.VERSIONS), default="auto"),
    owner=dict(type="str"),
    group=dict(type="str"),
    mode=dict(type="raw", default="0640"),
    backup=dict(type="bool", default=False),
)


class ActionModule(ActionBase):
    TRANSFERS_FILES = True

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        args = self.validate_argument_spec(ARGUMENT_SPEC)[1]
        group_name, consumer = args["deployment_group"], args["consumer"]
        members = task_vars["groups"].get(group_name)
        if not members:
            raise AnsibleActionFail("%s: the inventory group %s has no hosts; set deployment_group to the group "
                                    "of the deployment" % (task_vars["inventory_hostname"], group_name))

        # Every member's facts, in inventory order: a host outside the play (--limit) has none.
        facts, missing = [], []
        for host in members:
            host_facts = task_vars["hostvars"][host].get("ansible_facts") or {}
            if not host_facts.get("npu") or host_facts.get("hccn") is None:
                missing.append(host)
            facts.append((host, host_facts))
        if missing:
            raise AnsibleActionFail(
                "%s: the rank table of group %s needs the npu and hccn facts of every member, and %s %s none (the "
                "play ran with --limit, or their facts were not gathered). Run without --limit so every member of "
                "%s is in the play, or enable fact caching (fact_caching = jsonfile in ansible.cfg) after a full "
                "run." % (task_vars["inventory_hostname"], group_name, ", ".join(missing),
                          "has" if len(missing) == 1 else "have", group_name))
        version = args["version"]
        if version == "auto":
            version = _rank_table.version_for([host_facts["npu"] for host, host_facts in facts])
        try:
            servers = [_rank_table.server_from_facts(host, self._node_ip(host, task_vars), f["npu"], f["hccn"])
                       for host, f in facts]
            table = _rank_table.build_rank_table(servers, version, consumer)
        except ValueError as exc:
            raise AnsibleActionFail("%s: cannot build a rank table of group %s for %s: %s"
                                    % (task_vars["inventory_hostname"], group_name, consumer, exc))

        copy_task = self._task.copy()
        copy_task.args = {"content": json.dumps(table, indent=4) + "\n", "dest": args["dest"], "mode": args["mode"],
                          "backup": args["backup"]}
        for key in ("owner", "group"):
            if args[key] is not None:
                copy_task.args[key] = args[key]
        copy_action = self._shared_loader_obj.action_loader.get(
            "ansible.legacy.copy", task=copy_task, connection=self._connection, play_context=self._play_context,
            loader=self._loader, templar=self._templar, shared_loader_obj=self._shared_loader_obj)
        result.update(copy_action.run(task_vars=task_vars))
        result.update(rank_table=table, members=members)
        return result

    @staticmethod
    def _node_ip(host, task_vars):
        hostvars = task_vars["hostvars"][host]
        ip = hostvars.get("ascend_node_ip")
        if not ip:
            ip = ((hostvars.get("ansible_facts") or {}).get("default_ipv4") or {}).get("address")
        if not ip:
            raise ValueError("host %s has neither ascend_node_ip nor a default IPv4 address in its facts; set "
                             "ascend_node_ip to the address the other nodes reach it on" % host)
        return ip
