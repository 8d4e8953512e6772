# -*- coding: utf-8 -*-
# Copyright: ascendops.llm contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
# SPDX-License-Identifier: Apache-2.0
"""Filters over Ascend release strings, package names and the roles' decisions: thin wrappers of module_utils."""

from __future__ import annotations

from ansible.errors import AnsibleFilterError
from ansible.module_utils.parsing.convert_bool import boolean

from ansible_collections.ascendops.llm.plugins.module_utils import _cann, _chips, _hdk, _host, _versions


def ascend_package_name(version, component, family, arch):
    try:
        return _versions.package_file_name(component, family, version, arch)
    except ValueError as exc:
        raise AnsibleFilterError(str(exc))




def ascend_version_valid(version):
    """Whether a string is a release the collection can compare (24.1.rc3, 7.5.0.1.129, 8.0.RC3)."""
    try:
        _versions.release_key(version)
        return True
    except (TypeError, ValueError):
        return False








def ascend_chip(family):
    """A chip family's row of the chip table (`_chips`): PCI device, products, SoC, bf16, package names, RoCE..."""
    try:
        return _chips.row(family)
    except ValueError as exc:
        raise AnsibleFilterError(str(exc))


def ascend_chip_supported(family):
    """Whether the collection's roles install and serve a chip family (false for none and unknown families)."""
    return _chips.supported(family)


def ascend_arch(arch):
    """x86_64 or aarch64 for any spelling of them (amd64, arm64); an error naming any other architecture."""
    try:
        return _host.normalize_arch(arch)
    except ValueError as exc:
        raise AnsibleFilterError(str(exc))


def ascend_hdk_plan(npu, driver_target, firmware_target, allow_downgrade=False):
    return _hdk.plan(npu, driver_target, firmware_target, boolean(allow_downgrade, strict=False))


def ascend_hdk_reboot_required(npu):
    return _hdk.reboot_required(npu)




def ascend_cann_plan(cann, target, components, allow_downgrade=False):
    return _cann.plan(cann, target, components, boolean(allow_downgrade, strict=False))


def ascend_cann_version_problems(cann, target, components, files):
    return _cann.version_problems(cann, target, components, files)


def ascend_cann_inner_compatible(compatible_version, driver_inner):
    return _cann.inner_compatible(compatible_version, driver_inner)


def ascend_cann_stale_versions(cann, target):
    return _cann.stale_versions(cann, target)


def ascend_env_diff(after, before):
    """environment after sourcing | ascend_env_diff(environment before) -> what the sourcing set or changed."""
    return _cann.environment_diff(before, after)


class FilterModule:
    def filters(self):
        return {
            "ascend_package_name": ascend_package_name,
            "ascend_version_valid": ascend_version_valid,
            "ascend_same_base": _versions.same_base,
            "ascend_chip": ascend_chip,
            "ascend_chip_supported": ascend_chip_supported,
            "ascend_arch": ascend_arch,
            "ascend_hdk_plan": ascend_hdk_plan,
            "ascend_hdk_reboot_required": ascend_hdk_reboot_required,
            "ascend_cann_plan": ascend_cann_plan,
            "ascend_cann_version_problems": ascend_cann_version_problems,
            "ascend_cann_inner_compatible": ascend_cann_inner_compatible,
            "ascend_cann_stale_versions": ascend_cann_stale_versions,
            "ascend_env_diff": ascend_env_diff,
        }
