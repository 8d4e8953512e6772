# -*- coding: utf-8 -*-
# Copyright: ascendops.llm contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
# SPDX-License-Identifier: Apache-2.0
"""Filters of NPU containers: who holds a chip, which containers use NPUs. The logic and its unit tests are in
module_utils/_containers.py; the filters are its functions under the names the roles use."""

from __future__ import annotations

from ansible_collections.ascendops.llm.plugins.module_utils import _containers


def ascend_npu_holders(containers, npu, chips, ignore=(), ignore_pids=()):
    """docker inspect results | ascend_npu_holders(npu facts, physical chip IDs, container names to ignore, host pids
    of their processes)."""
    return _containers.holders(npu, chips, containers or [], ignore or (), ignore_pids or ())


def ascend_npu_containers(containers, ignore=()):
    return _containers.npu_containers(containers or [], ignore or ())


class FilterModule:
    def filters(self):
        return {
            "ascend_npu_holders": ascend_npu_holders,
            "ascend_npu_holders_message": _containers.holders_message,
            "ascend_npu_containers": ascend_npu_containers,
            "ascend_container_chips": _containers.container_chips,
            "ascend_select_chips": _containers.select_chips,
            "ascend_top_pids": _containers.top_pids,
            "ascend_runtime_probe": _containers.probe_result,
        }
