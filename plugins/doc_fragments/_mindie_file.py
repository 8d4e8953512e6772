# -*- coding: utf-8 -*-
# Copyright: ascendops.llm contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
# SPDX-License-Identifier: Apache-2.0
"""Shared options of the files MindIE reads (config.json, the rank table). PRIVATE to the collection."""

from __future__ import annotations


class ModuleDocFragment:
    DOCUMENTATION = r"""
options:
  owner:
    description: Owner of the file (MindIE wants the user that runs it).
    type: str
  group:
    description: Group of the file.
    type: str
  mode:
    description: Mode of the file. MindIE refuses the file when it is more open than 0640.
    type: raw
    default: "0640"
  backup:
    description: Keep a timestamped copy of the previous file.
    type: bool
    default: false
"""
