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


class ActionModule(ActionBase):
    TRANSFERS_FILES = True
    _VALID_ARGS = frozenset(("dest", "deployment_group", "consumer", "version", "owner", "group", "mode", "backup"))

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        args = self._task.args
        dest, group_name = args.get("dest"), args.get("deployment_group")
        consumer, version = args.get("consumer", "mindie"), args.get("version", "auto")
        if not dest or not group_name:
            raise AnsibleActionFail("dest and deployment_group are required")
        if consumer not in ("mindie", "hccl") or version not in ("auto",) + _rank_table.VERSIONS:
            raise AnsibleActionFail("consumer must be mindie or hccl, version auto, 1.0 or 1.2")
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
        try:
            servers = [_rank_table.server_from_facts(host, self._node_ip(host, task_vars), f["npu"], f["hccn"])
                       for host, f in facts]
            table = _rank_table.build_rank_table(
                servers, _rank_table.version_for([f[1]["npu"] for f in facts]) if version == "auto" else version)
        except ValueError as exc:
            raise AnsibleActionFail("%s: cannot build the rank table of group %s: %s"
                                    % (task_vars["inventory_hostname"], group_name, exc))
        problems = _rank_table.validate_rank_table(table, consumer)
        if problems:
            raise AnsibleActionFail("%s: the rank table of group %s is not valid for %s: %s"
                                    % (task_vars["inventory_hostname"], group_name, consumer, "; ".join(problems)))

        copy_task = self._task.copy()
        copy_task.args = {"content": json.dumps(table, indent=4) + "\n", "dest": dest,
                          "mode": args.get("mode", "0640"), "backup": args.get("backup", False)}
        for key in ("owner", "group"):
            if args.get(key) is not None:
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
