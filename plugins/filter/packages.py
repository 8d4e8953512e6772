# -*- coding: utf-8 -*-
# Copyright: ascendops.llm contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
# SPDX-License-Identifier: Apache-2.0
"""Filters of the package pipeline (the internal `packages` role) and of URLs that may carry credentials. The logic
and its unit tests are in module_utils/_packages.py; the filters are its functions under the names the role uses."""

from __future__ import annotations

from ansible_collections.ascendops.llm.plugins.module_utils import _packages


class FilterModule:
    def filters(self):
        return {
            "ascend_packages_source_problem": _packages.source_problem,
            "ascend_packages_handled": _packages.handled,
            "ascend_packages_locate": _packages.locate,
            "ascend_packages_missing_message": _packages.missing_message,
            "ascend_packages_checksums": _packages.expected_checksums,
            "ascend_parse_sha256sums": _packages.parse_sha256sums,
            "ascend_packages_checksum_problems": _packages.checksum_problems,
            "ascend_packages_unverified": _packages.unverified,
            "ascend_packages_mismatches": _packages.mismatches,
            "ascend_packages_mismatch_message": _packages.mismatch_message,
            "ascend_packages_paths": _packages.staged_paths,
            "ascend_packages_compat_problems": _packages.compat_problems,
            "ascend_packages_result": _packages.result,
            "ascend_failure_message": _packages.failure_message,
            "ascend_url_split": _packages.split_url,
            "ascend_url_redact": _packages.redact_url,
            "ascend_url_has_credentials": _packages.has_credentials,
        }
