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


# CPU architecture aliases -> the spelling of Ascend package and record names (`uname -m`, Go/Debian names)
ARCHES = {"x86_64": "x86_64", "amd64": "x86_64", "aarch64": "aarch64", "arm64": "aarch64"}


def normalize_arch(value) -> str:
    """x86_64 or aarch64 for any spelling of them; ValueError naming any other architecture."""
    try:
        return ARCHES[str(value).strip().lower()]
    except KeyError:
        raise ValueError("unsupported CPU architecture %r: Ascend packages exist for x86_64 (amd64) and aarch64 "
                         "(arm64) only" % value)


def machine_arch() -> str:
    """The host's architecture as Ascend package and record names spell it; ValueError on any other."""
    return normalize_arch(platform.machine())
