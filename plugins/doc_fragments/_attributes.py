# -*- coding: utf-8 -*-
# Copyright: ascendops.llm contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
# SPDX-License-Identifier: Apache-2.0
"""Shared `attributes` documentation. PRIVATE to the collection."""

from __future__ import annotations


class ModuleDocFragment:
    # Modules that only read the host and set facts.
    INFO_MODULE = r"""
options: {}
attributes:
  check_mode:
    support: full
    description: Reads only; runs the same in check mode.
  diff_mode:
    support: none
    description: Changes nothing, so there is nothing to diff.
  facts:
    support: full
    description: Sets C(ansible_facts) and nothing else.
  idempotent:
    support: full
    description: Reads only.
"""
