# -*- coding: utf-8 -*-
# Copyright: ascendops.llm contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
# SPDX-License-Identifier: Apache-2.0
"""Filters of the mindie role. The logic and its unit tests are in module_utils/_serving.py."""

from __future__ import annotations

from ansible.errors import AnsibleFilterError

from ansible_collections.ascendops.llm.plugins.module_utils import _serving


def mindie_deployment_problems(deploy, hostvars, play_hosts):
    """The deployment | mindie_deployment_problems(hostvars, ansible_play_hosts_all)."""
    products, dies = {}, {}
    for member in deploy["members"]:
        npu = ((hostvars.get(member) or {}).get("ansible_facts") or {}).get("npu") or {}
        products[member] = npu.get("product")
        dies[member] = len(npu.get("chips") or [])
    return _serving.deployment_problems(deploy["name"], deploy["members"], products, dies, play_hosts)


def mindie_env_file(settings):
    try:
        return _serving.env_file(_serving.service_env(settings))
    except ValueError as exc:
        raise AnsibleFilterError(str(exc))


def mindie_restart(deploy, hostvars, flag):
    """The deployment | mindie_restart(hostvars, name of the per-host changed flag)."""
    return _serving.restart(deploy["members"], dict((m, (hostvars.get(m) or {}).get(flag)) for m in deploy["members"]))


class FilterModule:
    def filters(self):
        return {
            "mindie_deployment": _serving.deployment,
            "mindie_deployment_problems": mindie_deployment_problems,
            "mindie_interface": _serving.interface_of,
            "mindie_parallel_sizes": _serving.parallel_sizes,
            "mindie_env_file": mindie_env_file,
            "mindie_parse_ss": _serving.parse_ss,
            "mindie_problems": _serving.problems,
            "mindie_restart": mindie_restart,
        }
