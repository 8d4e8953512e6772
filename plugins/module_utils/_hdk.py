# -*- coding: utf-8 -*-
# Copyright: ascendops.llm contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
# SPDX-License-Identifier: Apache-2.0
"""The HDK role's decisions, from state: what changes, in which order, whether a reboot is pending, whether a
driver/firmware pair may run together. PRIVATE to the collection; used by the role through filters.

Order (ascend-tech-reference.md section 4.3): a host without a driver gets the driver, then the firmware (firmware
cannot be flashed without a driver); a host with a driver gets the firmware first, then the driver.
"""

from __future__ import annotations

from ansible_collections.ascendops.llm.plugins.module_utils import _versions

COMPONENTS = ("driver", "firmware")


def plan(npu: dict, driver_target: str, firmware_target: str, allow_downgrade: bool = False) -> dict:
    """The driver's and firmware's `_versions.plan` results in "plans", and from them: "changes", the components
    whose installed release is not the target (refused ones included); "order", those to install, in install order;
    "downgrades", the changes to an older release (allowed or refused); "refusals", the reasons of every refusal (a
    downgrade without `hdk_allow_downgrade`, an installed record or a target that is not a release string). The
    role must stop when "refusals" is not empty. Never raises, whatever the releases."""
    targets = {"driver": driver_target, "firmware": firmware_target}
    plans = {c: _versions.plan(c, npu[c]["installed"], targets[c], allow_downgrade, "hdk_allow_downgrade")
             for c in COMPONENTS}
    changes = [c for c in COMPONENTS if plans[c]["action"] != "none"]
    sequence = ("driver", "firmware") if npu["driver"]["installed"] is None else ("firmware", "driver")
    return {
        "plans": plans,
        "changes": changes,
        "order": [c for c in sequence if c in changes and plans[c]["action"] != "refuse"],
        "downgrades": [c for c in changes if _versions.older(targets[c], npu[c]["installed"])],
        "refusals": [plans[c]["reason"] for c in changes if plans[c]["action"] == "refuse"],
    }


def reboot_required(npu: dict) -> bool:
    """A reboot is pending when an installed driver or firmware is not the one running. A running release that is
    the installed one plus a hot patch or a build tag is the installed one (`_versions.same_base`). Never raises."""
    return any((npu.get(c) or {}).get("installed") is not None
               and not _versions.same_base(npu[c]["installed"], npu[c].get("loaded")) for c in COMPONENTS)
