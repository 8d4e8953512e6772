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


def plan(npu: dict, driver_target: str, firmware_target: str) -> dict:
    """{"changes": components whose installed release is not the target, "order": the same in install order,
    "downgrades": the changes that go to an older release}."""
    targets = {"driver": driver_target, "firmware": firmware_target}
    changes = [c for c in ("driver", "firmware") if not _versions.same_release(npu[c]["installed"], targets[c])]
    sequence = ("driver", "firmware") if npu["driver"]["installed"] is None else ("firmware", "driver")
    downgrades = [c for c in changes
                  if npu[c]["installed"] is not None and _versions.compare(targets[c], npu[c]["installed"]) < 0]
    return {"changes": changes, "order": [c for c in sequence if c in changes], "downgrades": downgrades}


def reboot_required(npu: dict) -> bool:
    """A reboot is pending when an installed driver or firmware is not the one running."""
    return any(npu[c]["installed"] is not None and not _versions.same_release(npu[c]["installed"], npu[c]["loaded"])
               for c in ("driver", "firmware"))


def compat_problems(driver_package: dict, firmware_package: dict, driver_target: str, firmware_target: str) -> list:
    """Why a driver and a firmware release may not run together, from the ranges their packages record."""
    problems = []
    fw_range = driver_package.get("compatible_fw")
    if fw_range and not _versions.in_ranges(firmware_target, fw_range):
        problems.append("driver %s accepts firmware %s only, not %s" % (driver_target, fw_range, firmware_target))
    drv_range = firmware_package.get("compatible_drv")
    if drv_range and not _versions.in_ranges(driver_target, drv_range):
        problems.append("firmware %s runs with drivers %s only, not %s" % (firmware_target, drv_range, driver_target))
    return problems
