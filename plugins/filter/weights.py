# -*- coding: utf-8 -*-
# Copyright: ascendops.llm contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
# SPDX-License-Identifier: Apache-2.0
"""Filters of the model_weights role. The logic and its unit tests are in module_utils/_model_fit.py and
_weights.py; these filters take what the role's tasks read (find, df, /proc/meminfo, config.json text)."""

from __future__ import annotations

from ansible.errors import AnsibleFilterError

from ansible_collections.ascendops.llm.plugins.module_utils import _model_fit, _weights


def ascend_model_fit(host, model, place, npu, options):
    """inventory_hostname | ascend_model_fit(model, place, npu facts, options): {"refusals", "need"}.
    `place` holds the raw `df` output (`df`) and /proc/meminfo text (`meminfo`) besides `path` and `present`."""
    try:
        parsed = dict(place, df=_model_fit.parse_df(place["df"]), memory=_model_fit.parse_meminfo(place["meminfo"]))
    except ValueError as exc:
        raise AnsibleFilterError("%s: %s" % (host, exc))
    return _model_fit.check(host, model, parsed, npu or {}, options)


def ascend_sha256sums(text, where="SHA256SUMS"):
    """A SHA256SUMS manifest (sha256sum or BSD lines) -> {file name: hex digest}."""
    try:
        return _weights.parse_sums(text or "", where=where)
    except _weights.WeightsError as exc:
        raise AnsibleFilterError(str(exc))


def ascend_files_by_name(find_result):
    """ansible.builtin.find's files -> [{"name", "size"}] by base name, in name order (top level only)."""
    files = [{"name": f["path"].rsplit("/", 1)[-1], "size": f["size"]} for f in find_result or []]
    return sorted(files, key=lambda f: f["name"])


def ascend_mirror_files(head_results):
    """The results of HEAD requests looped over file names -> [{"name", "size"}], in name order."""
    files = []
    for result in head_results or []:
        length = str(result.get("content_length", ""))
        if not length.isdigit():
            raise AnsibleFilterError("%s answered HEAD without a Content-Length; the mirror must give sizes so the "
                                     "disk check can run before the download" % result.get("url", result.get("item")))
        files.append({"name": result["item"], "size": int(length)})
    return sorted(files, key=lambda f: f["name"])


class FilterModule:
    def filters(self):
        return {
            "ascend_model_fit": ascend_model_fit,
            "ascend_model_config_current": _model_fit.config_current,
            "ascend_model_dtype": _model_fit.wanted_dtype,
            "ascend_model_files_to_copy": _model_fit.to_copy,
            "ascend_model_fix_modes": _model_fit.fix_modes,
            "ascend_model_path_problem": _model_fit.path_problem,
            "ascend_sha256sums": ascend_sha256sums,
            "ascend_files_by_name": ascend_files_by_name,
            "ascend_mirror_files": ascend_mirror_files,
        }
