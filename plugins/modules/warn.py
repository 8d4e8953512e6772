#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: ascendops.llm contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
# SPDX-License-Identifier: Apache-2.0

from __future__ import annotations

DOCUMENTATION = r"""
---
module: warn
short_description: Report a warning and continue
version_added: 1.0.0
description:
  - Shows O(msg) as an Ansible warning (in the play output and in the task result's C(warnings)) without failing,
    for conditions an operator must act on but that need not stop the play, such as a pending reboot.
  - This is an action plugin; it runs on the controller and does not touch the host.
author:
  - ascendops.llm maintainers (@ascendops)
attributes:
  check_mode:
    support: full
    description: Behaves the same in check mode.
  diff_mode:
    support: none
    description: Changes nothing.
  idempotent:
    support: full
    description: Never changes anything.
options:
  msg:
    description: The warning.
    type: str
    required: true
"""

EXAMPLES = r"""
---
- name: Tell the operator a reboot is pending
  ascendops.llm.warn:
    msg: "{{ inventory_hostname }}: reboot to load driver 24.1.rc3"
"""

RETURN = r"""
---
msg:
  description: The warning.
  returned: always
  type: str
"""
