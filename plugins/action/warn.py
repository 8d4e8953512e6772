# -*- coding: utf-8 -*-
# Copyright: ascendops.llm contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
# SPDX-License-Identifier: Apache-2.0
"""ascendops.llm.warn: print a warning and go on (see plugins/modules/warn.py for the documentation)."""

from __future__ import annotations

from ansible.errors import AnsibleActionFail
from ansible.plugins.action import ActionBase

ARGUMENT_SPEC = dict(msg=dict(type="str", required=True))


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _requires_connection = False

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        msg = self.validate_argument_spec(ARGUMENT_SPEC)[1]["msg"]
        # required only refuses a missing msg; an empty warning would tell the operator nothing.
        if not msg.strip():
            raise AnsibleActionFail("msg must be a non-empty string")
        result.update(changed=False, msg=msg, warnings=[msg])
        return result
