# -*- coding: utf-8 -*-
# Copyright: ascendops.llm contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
# SPDX-License-Identifier: Apache-2.0
"""Small host-side helpers shared by the modules. PRIVATE to the collection."""

from __future__ import annotations

import platform


def read_text(path):
    """The file's text, or None when it cannot be read (absent, a directory, no permission)."""
    try:
        with open(path) as f:
            return f.read()
    except (IOError, OSError):
        return None


def machine_arch():
    """The host's architecture as Ascend package and record names spell it (x86_64, aarch64)."""
    machine = platform.machine()
    return {"arm64": "aarch64", "amd64": "x86_64"}.get(machine, machine)
