#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: ascendops.llm contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
# SPDX-License-Identifier: Apache-2.0

from __future__ import annotations

DOCUMENTATION = r"""
---
module: rank_table
short_description: Write the HCCL rank table of a multi-node deployment, built from every member's facts
version_added: 1.0.0
description:
  - Builds the HCCL rank table (C(ranktable.json), read through C(RANK_TABLE_FILE)) of the hosts of
    O(deployment_group), in inventory order, from their C(ansible_facts['npu']) (M(ascendops.llm.npu_info)) and
    C(ansible_facts['hccn']) (M(ascendops.llm.hccn_info)) facts, validates it for its O(consumer), and writes it to
    this host with the copy action.
  - Run it on every host of the deployment (no C(run_once)); each run builds the same table, so every member gets
    byte-identical content. Rank 0, MindIE's master, is on the group's first host.
  - C(server_id) and C(container_ip) are the host's C(ascend_node_ip) variable, by default
    C(ansible_facts['default_ipv4']['address']). C(device_id) is each die's physical ID, C(device_ip) its RoCE
    address; on Atlas A3 (chip family 910_93) the table is version 1.2 with C(super_device_id) and
    C(super_pod_list), elsewhere version 1.0.
  - Fails, naming the hosts and the fix, when a member has no C(npu) or C(hccn) facts (for example under
    C(--limit)), when a die has no RoCE address, or when the table breaks a rule of HCCL or MindIE.
  - This is an action plugin; the table is built on the controller.
author:
  - ascendops.llm maintainers (@ascendops)
extends_documentation_fragment:
  - ansible.builtin.backup
attributes:
  check_mode:
    support: full
    description: The copy action reports whether the file would change, without writing it.
  diff_mode:
    support: full
    description: The copy action's diff of the file.
  idempotent:
    support: full
    description: The file is written only when the table changes.
options:
  dest:
    description: Where the rank table goes on this host.
    type: path
    required: true
  deployment_group:
    description: The inventory group whose hosts, in inventory order, form the deployment.
    type: str
    required: true
  consumer:
    description:
      - Whose rules the table must meet. V(mindie) - 2 to 60 servers, 1 to 32 devices per node, a
        C(container_ip) on every server. V(hccl) - HCCL's own rules only (one server is fine).
    type: str
    choices: [mindie, hccl]
    default: mindie
  version:
    description: The rank table version; V(auto) is 1.2 on Atlas A3 and 1.0 elsewhere.
    type: str
    choices: [auto, "1.0", "1.2"]
    default: auto
  owner:
    description: Owner of the file (MindIE wants the user that runs it).
    type: str
  group:
    description: Group of the file.
    type: str
  mode:
    description: Mode of the file. MindIE refuses a rank table more open than 0640.
    type: raw
    default: "0640"
notes:
  - Adding a host to O(deployment_group) and running again rewrites the table on every member, the new host
    included.
seealso:
  - module: ascendops.llm.npu_info
  - module: ascendops.llm.hccn_info
  - module: ascendops.llm.mindie_config
"""

EXAMPLES = r"""
---
- name: Gather the facts the rank table is built from
  ascendops.llm.npu_info:

- name: Gather the RoCE addresses
  ascendops.llm.hccn_info:
    phy_ids: "{{ ansible_facts['npu']['chips'] | map(attribute='phy_id') | list }}"
    chip_family: "{{ ansible_facts['npu']['chip_family'] }}"

- name: Write the same rank table to every node of the deployment
  ascendops.llm.rank_table:
    dest: /etc/mindie/rank_table.json
    deployment_group: deepseek_a3
    owner: HwHiAiUser
    group: HwHiAiUser
"""

RETURN = r"""
---
rank_table:
  description: The table written.
  returned: success
  type: dict
  sample: {"version": "1.0", "server_count": "2", "status": "completed",
           "server_list": [{"server_id": "192.168.10.11", "container_ip": "192.168.10.11",
                            "device": [{"device_id": "0", "device_ip": "192.168.100.10", "rank_id": "0"}]}]}
members:
  description: The hosts of the deployment, in rank order.
  returned: success
  type: list
  elements: str
  sample: [a3-node-1, a3-node-2]
dest:
  description: The file written.
  returned: success
  type: str
  sample: /etc/mindie/rank_table.json
"""
