# -*- coding: utf-8 -*-
# Copyright: ascendops.llm contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
# SPDX-License-Identifier: Apache-2.0
"""Small host-side helpers shared by the modules. PRIVATE to the collection."""

from __future__ import annotations

import os
import platform
import tempfile


def read_text(path):
    """The file's text, or None when it cannot be read (absent, a directory, no permission)."""
    try:
        with open(path) as f:
            return f.read()
    except (IOError, OSError):
        return None


def write_file(module, path, text, default_mode, existed, changed):
    """Write `text` to `path` atomically (a temporary file beside it, then a rename) when `changed`, outside check
    mode; then give it the task's owner, group and mode (`default_mode` when the task names none). Returns whether
    anything changed. Fails the module on a write error."""
    if changed and not module.check_mode:
        directory = os.path.dirname(path) or "."
        if not os.path.isdir(directory):
            os.makedirs(directory, 0o755)
        fd, tmp = tempfile.mkstemp(prefix="." + os.path.basename(path) + ".", dir=directory)
        try:
            with os.fdopen(fd, "w") as f:
                f.write(text)
        except OSError as exc:
            os.unlink(tmp)
            module.fail_json(msg="Cannot write %s: %s" % (tmp, exc))
        module.atomic_move(tmp, path, unsafe_writes=module.params["unsafe_writes"])
    file_args = module.load_file_common_arguments(module.params)
    if file_args["mode"] is None:
        file_args["mode"] = default_mode
    if not module.check_mode or existed:
        changed = module.set_fs_attributes_if_different(file_args, changed, diff=None)
    return changed


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
