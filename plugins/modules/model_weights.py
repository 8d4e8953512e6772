#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: ascendops.llm contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
# SPDX-License-Identifier: Apache-2.0

from __future__ import annotations

DOCUMENTATION = r"""
---
module: model_weights
short_description: Verify model weights, convert PyTorch .bin checkpoints to safetensors without torch, fit the dtype
version_added: 1.0.0
description:
  - Works on a Hugging Face model directory on the host (C(config.json) plus C(pytorch_model*.bin) or
    C(*.safetensors)). MindIE loads only safetensors, and a chip without bf16 (310P, 910A) needs
    C(torch_dtype=float16) in C(config.json).
  - With O(checksums), every listed file is verified (SHA-256) before anything else reads it.
  - With O(format=safetensors), C(pytorch_model.bin), or the shards named by C(pytorch_model.bin.index.json), become
    C(model.safetensors), or C(model-0000x-of-0000y.safetensors) plus C(model.safetensors.index.json) above
    O(shard_size), in the same directory. The files hold what C(save_pretrained) writes with
    C(safe_serialization=True) for the checkpoint's state dict - the same names, dtypes, shapes and bytes,
    C({"format":"pt"}) metadata, non-contiguous tensors in their logical order - byte for byte.
  - Tied weights are written once. C(lm_head.weight) is left out when it shares the embedding's storage (unless
    C(config.json) says C(tie_word_embeddings=false)) or when C(config.json) says C(tie_word_embeddings=true) and
    the input embedding has its dtype and shape; loaders then take the head from the embedding. It is returned in
    RV(dropped).
  - The checkpoint is read without torch. Its pickle may use only the globals of a PyTorch state dict (tensor and
    storage rebuild functions, storage types, dtypes, C(OrderedDict)); any other global (a checkpoint that would run
    code, such as C(posix.system)) fails the task naming the file and the global, and nothing of it runs. Tensors
    are streamed one at a time, so memory stays near the largest tensor.
  - Checkpoints in the legacy (PyTorch < 1.6, non-zip) format, saved on big-endian machines, or truncated are refused.
  - C(.ascendops-weights.json) in the directory (hidden, so MindIE skips it) records the size, mtime and SHA-256
    of the files read or written, and what the safetensors were made from. A run over unchanged files reads no
    weight bytes. The record is a cache, not a change.
author:
  - ascendops.llm maintainers (@ascendops)
extends_documentation_fragment:
  - ansible.builtin.files
attributes:
  check_mode:
    support: full
    description: Verifies checksums and reads the checkpoints' pickles; reports what would be converted, written and
      removed, and the weights it would give, without writing.
  diff_mode:
    support: full
    description: The C(config.json) before and after a dtype change.
  idempotent:
    support: full
    description: Files are written only when their content changes; a re-run over unchanged files reads no weight
      bytes.
options:
  path:
    description: The model directory.
    type: path
    required: true
  format:
    description:
      - V(safetensors) converts C(pytorch_model*.bin) to safetensors; a directory that has only safetensors is left
        as it is.
      - V(keep) converts nothing (verification, dtype and the description only).
    type: str
    choices: [safetensors, keep]
    default: safetensors
  shard_size:
    description:
      - The largest safetensors file, as C(save_pretrained)'s C(max_shard_size) - bytes, or a number with C(KB),
        C(MB), C(GB), C(TB) (powers of 1000) or C(KiB) ... C(TiB). A single tensor above it gets a file of its own.
      - The default is that of transformers 4.x.
    type: str
    default: 5GB
  torch_dtype:
    description:
      - V(float16) or V(bfloat16) sets C(torch_dtype) in C(config.json) (added when absent) and C(dtype) (the
        transformers >= 4.56 name, when present); every other byte of the file is kept. The tensors keep their
        dtype - MindIE casts bf16 weights to fp16 when it loads them.
      - V(keep) leaves C(config.json) alone.
    type: str
    choices: [keep, float16, bfloat16]
    default: keep
  remove_source:
    description:
      - Remove the C(.bin) files and C(pytorch_model.bin.index.json) once the safetensors were written and read back
        (now or by an earlier run). Needs O(format=safetensors).
    type: bool
    default: false
  checksums:
    description:
      - SHA-256 of files of the directory, as a dict (C(name) to hex digest, C(sha256:) prefix allowed) or the path
        of a C(SHA256SUMS) file (C(sha256sum) or BSD lines) or a C(<file>.sha256) file, relative to O(path) unless
        absolute. Every listed file must be present and match, except C(.bin) files an earlier run converted and
        removed, and a C(config.json) whose only change is this module's dtype edit.
    type: raw
  mode:
    description:
      - The permissions of the files the module manages (the weight files, the index and C(config.json)), as for
        M(ansible.builtin.file). O(owner) and O(group) apply to the same files.
      - Without it, files the module creates get C(0640), and rewritten files keep their mode.
    type: raw
notes:
  - New files take the owner and group of the directory when the module runs as root.
  - Conversion needs free disk space for the safetensors next to the C(.bin) files (about the same size).
seealso:
  - module: ascendops.llm.mindie_config
"""

EXAMPLES = r"""
---
- name: Convert to safetensors and verify the download
  ascendops.llm.model_weights:
    path: /data/models/Qwen2-7B-Instruct
    checksums: SHA256SUMS
    owner: HwHiAiUser
    group: HwHiAiUser

- name: A 300I Duo has no bf16 - serve the weights as float16 and drop the .bin files once converted
  ascendops.llm.model_weights:
    path: /data/models/Qwen2-7B-Instruct
    torch_dtype: "{{ 'float16' if not ansible_facts['npu']['bf16_supported'] else 'keep' }}"
    remove_source: true
    checksums:
      pytorch_model-00001-of-00002.bin: 9f2c0d2e8b0c4ba6d1a4e84b9f3b0d3c5d0f7a0c1e2b3a4d5c6b7a8f9e0d1c2b
      pytorch_model-00002-of-00002.bin: sha256:1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90a
  register: weights

- name: Describe only
  ascendops.llm.model_weights:
    path: /data/models/DeepSeek-R1-w8a8
    format: keep
  check_mode: true
  register: weights
"""

RETURN = r"""
---
files:
  description: The weight files after the run (or after it, in check mode), with their sizes.
  returned: success
  type: list
  elements: dict
  sample: [{"name": "model-00001-of-00002.safetensors", "size": 4976698672},
           {"name": "model-00002-of-00002.safetensors", "size": 1999811208}]
total_bytes:
  description: The bytes of RV(files).
  returned: success
  type: int
  sample: 6976509880
dtype:
  description: The dtype holding most of the weights' bytes (floating dtypes first), as torch names it.
  returned: success
  type: str
  sample: bfloat16
parameters:
  description: The number of elements of all tensors written (tied ones counted once).
  returned: success
  type: int
  sample: 3488254976
torch_dtype:
  description: C(torch_dtype) (or C(dtype)) of C(config.json) after the run.
  returned: success
  type: str
  sample: float16
converted:
  description: The C(.bin) files converted (or that would be).
  returned: success
  type: list
  elements: str
  sample: ["pytorch_model-00001-of-00002.bin", "pytorch_model-00002-of-00002.bin"]
written:
  description: The files written because their content changed (or would be).
  returned: success
  type: list
  elements: str
  sample: ["model.safetensors"]
removed:
  description: The files removed - the sources with O(remove_source), and safetensors shards of an earlier layout.
  returned: success
  type: list
  elements: str
  sample: ["pytorch_model.bin"]
dropped:
  description: Tensors not written because they are tied to another one.
  returned: success
  type: list
  elements: str
  sample: ["lm_head.weight"]
verified:
  description: The files whose SHA-256 matched O(checksums).
  returned: success
  type: list
  elements: str
  sample: ["pytorch_model.bin"]
"""

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.common.text.converters import to_native

from ansible_collections.ascendops.llm.plugins.module_utils import _weights
from ansible_collections.ascendops.llm.plugins.module_utils._torch_pickle import CheckpointError


def main():
    module = AnsibleModule(
        argument_spec=dict(
            path=dict(type="path", required=True),
            format=dict(type="str", default="safetensors", choices=["safetensors", "keep"]),
            shard_size=dict(type="str", default=_weights.DEFAULT_SHARD_SIZE),
            torch_dtype=dict(type="str", default="keep", choices=["keep", "float16", "bfloat16"]),
            remove_source=dict(type="bool", default=False),
            checksums=dict(type="raw"),
        ),
        add_file_common_args=True,
        supports_check_mode=True,
    )
    p = module.params
    if p["checksums"] is not None and not isinstance(p["checksums"], (dict, str)):
        module.fail_json(msg="checksums must be a dict (file name: SHA-256) or the path of a SHA256SUMS file")
    try:
        result = _weights.sync(p["path"], convert=p["format"] == "safetensors", shard_size=p["shard_size"],
                               torch_dtype=None if p["torch_dtype"] == "keep" else p["torch_dtype"],
                               remove_source=p["remove_source"], checksums=p["checksums"],
                               check_mode=module.check_mode)
    except (_weights.WeightsError, CheckpointError) as exc:
        module.fail_json(msg=to_native(exc))
    except (IOError, OSError) as exc:
        module.fail_json(msg="%s: %s" % (p["path"], to_native(exc)))
    for warning in result.pop("warnings", []):
        module.warn(warning)
    managed, diff = result.pop("managed"), result.pop("diff", None)
    result.pop("hashed")
    if diff and module._diff:
        result["diff"] = diff
    for path in managed:  # files that exist; in check mode, those that would be written may not yet
        file_args = module.load_file_common_arguments(p, path=path)
        result["changed"] = module.set_fs_attributes_if_different(file_args, result["changed"], diff=None)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
