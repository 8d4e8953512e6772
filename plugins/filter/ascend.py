# -*- coding: utf-8 -*-
# Copyright: ascendops.llm contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
# SPDX-License-Identifier: Apache-2.0
"""Filters over Ascend release strings, package names, the chip table and the roles' decisions: module_utils
functions, wrapped where a ValueError must become a filter error naming the bad input or a flag may be a string."""

from __future__ import annotations

from ansible.errors import AnsibleFilterError
from ansible.module_utils.parsing.convert_bool import boolean

from ansible_collections.ascendops.llm.plugins.module_utils import _ascend_package, _cann, _chips, _hdk, _host, _versions


def ascend_package_name(version, component, family, arch):
    try:
        return _versions.package_file_name(component, family, version, arch)
    except ValueError as exc:
        raise AnsibleFilterError(str(exc))


def ascend_chip(family):
    """A chip family's row of the chip table (`_chips`): PCI device, products, SoC, bf16, package names, RoCE..."""
    try:
        return _chips.row(family)
    except ValueError as exc:
        raise AnsibleFilterError(str(exc))


def ascend_arch(arch):
    """x86_64 or aarch64 for any spelling of them (amd64, arm64); an error naming any other architecture."""
    try:
        return _host.normalize_arch(arch)
    except ValueError as exc:
        raise AnsibleFilterError(str(exc))


def ascend_hdk_plan(npu, driver_target, firmware_target, allow_downgrade=False):
    return _hdk.plan(npu, driver_target, firmware_target, boolean(allow_downgrade, strict=False))


def ascend_cann_plan(cann, target, components, allow_downgrade=False):
    return _cann.plan(cann, target, components, boolean(allow_downgrade, strict=False))


def ascend_package_plan(installed_record, component, target, allow_downgrade=False, allow_option="allow_downgrade"):
    """`_versions.plan` from the text of the component's installed record (None or '' when absent)."""
    installed = _ascend_package.release_from_record(component, installed_record or "")
    return _versions.plan(component, installed, target, boolean(allow_downgrade, strict=False), allow_option)


def ascend_env_diff(after, before):
    """environment after sourcing | ascend_env_diff(environment before) -> what the sourcing set or changed."""
    return _cann.environment_diff(before, after)


class FilterModule:
    def filters(self):
        return {
            "ascend_package_name": ascend_package_name,
            "ascend_version_valid": _versions.valid,
            "ascend_same_base": _versions.same_base,
            "ascend_chip": ascend_chip,
            "ascend_chip_supported": _chips.supported,
            "ascend_arch": ascend_arch,
            "ascend_hdk_plan": ascend_hdk_plan,
            "ascend_hdk_reboot_required": _hdk.reboot_required,
            "ascend_cann_plan": ascend_cann_plan,
            "ascend_cann_version_problems": _cann.version_problems,
            "ascend_cann_inner_compatible": _cann.inner_compatible,
            "ascend_cann_stale_versions": _cann.stale_versions,
            "ascend_env_diff": ascend_env_diff,
            "ascend_package_plan": ascend_package_plan,
            "ascend_file_arch": _versions.file_arch,
        }
