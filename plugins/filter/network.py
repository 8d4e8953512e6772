# -*- coding: utf-8 -*-
# Copyright: ascendops.llm contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
# SPDX-License-Identifier: Apache-2.0
"""Filters of the NPU RoCE network (role ascendops.llm.npu_network). The plan, the pairs and the verdicts are
module_utils/_roce.py's functions and unit tests; these filters only read what they need out of hostvars."""

from __future__ import annotations

from ansible_collections.ascendops.llm.plugins.module_utils import _roce

SETTINGS = "__npu_network_settings"  # set by the role on every host it runs on: that host's npu_network_* values
APPLIED = "__npu_network_applied"    # hccn_config's result on that host


def _facts(hostvars, host):
    return (hostvars[host].get("ansible_facts") or {}) if host in hostvars else {}


def ascend_roce_plan(hostvars, groups, deployment_groups, play_hosts):
    """hostvars | ascend_roce_plan(groups, npu_network_deployment_groups, ansible_play_hosts_all): the plan of every
    die the role manages, with every refusal, computed once on the controller."""
    wanted = set(play_hosts or [])
    for group in deployment_groups if isinstance(deployment_groups, (list, tuple)) else []:
        wanted.update(groups.get(group) or [])
    members = {}
    for host in sorted(wanted):
        settings = hostvars[host].get(SETTINGS) if host in hostvars else None
        members[host] = None if settings is None else {
            "npu": _facts(hostvars, host).get("npu"), "settings": dict(settings)}
    return _roce.inventory_plan(deployment_groups, dict(groups), members)


def ascend_roce_pairs(plan, host, hostvars=None, hccs=False):
    """plan | ascend_roce_pairs(inventory_hostname[, hostvars, hccs=true]): the pings this host runs."""
    npu = {h: _facts(hostvars, h).get("npu") for hs in plan["deployments"].values() for h in hs} if hccs else None
    return _roce.host_pairs(plan, host, npu, hccs)


def _deployment_of(plan, host):
    return {g: hs for g, hs in plan["deployments"].items() if host in hs}


def ascend_roce_state(plan, hostvars, host):
    """plan | ascend_roce_state(hostvars, inventory_hostname): address, link, net_health and TLS problems of every
    die of the host's deployment."""
    deployment = _deployment_of(plan, host)
    facts = {h: _facts(hostvars, h).get("hccn") for hs in deployment.values() for h in hs}
    return _roce.check_state(plan["hosts"], deployment, facts)


def ascend_roce_changed(plan, hostvars, host):
    """Whether hccn_config changed a die of any node of the host's deployment this run."""
    return any((hostvars[h].get(APPLIED) or {}).get("changed", False)
               for hs in _deployment_of(plan, host).values() for h in hs if h in hostvars)


class FilterModule:
    def filters(self):
        return {
            "ascend_roce_plan": ascend_roce_plan,
            "ascend_roce_plan_lines": _roce.plan_lines,
            "ascend_roce_pairs": ascend_roce_pairs,
            "ascend_roce_state": ascend_roce_state,
            "ascend_roce_changed": ascend_roce_changed,
            "ascend_roce_judge": _roce.judge,
        }
