# -*- coding: utf-8 -*-
# Copyright: ascendops.llm contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
# SPDX-License-Identifier: Apache-2.0
"""The safetensors format, written byte for byte as `safetensors.torch.save_file` writes it. PRIVATE to the
collection; stdlib only.

A file is an 8-byte little-endian header length n, n bytes of JSON header padded with spaces to a multiple of 8,
then the tensors' bytes back to back. The Rust serializer (safetensors/src/tensor.rs `prepare`) orders the tensors by
dtype descending in the order of its `Dtype` enum, then by name (byte order), writes `__metadata__` first, then each
tensor as {"dtype","shape","data_offsets"} in that order, as compact JSON (serde_json: no spaces, UTF-8 not escaped).
Sharding follows huggingface_hub `split_torch_state_dict_into_shards` as `save_pretrained` uses it.
"""

from __future__ import annotations

import json
import struct

# safetensors' Dtype enum in declaration order (its Ord); tensors are written from the last (U64) to the first.
DTYPE_ORDER = ("BOOL", "F4", "F6_E2M3", "F6_E3M2", "U8", "I8", "F8_E5M2", "F8_E4M3", "F8_E8M0", "I16", "U16", "F16",
               "BF16", "I32", "U32", "F32", "C64", "F64", "I64", "U64")
_RANK = dict((name, i) for i, name in enumerate(DTYPE_ORDER))
ITEMSIZE = {"BOOL": 1, "U8": 1, "I8": 1, "F8_E5M2": 1, "F8_E4M3": 1, "F8_E8M0": 1, "I16": 2, "U16": 2, "F16": 2,
            "BF16": 2, "I32": 4, "U32": 4, "F32": 4, "C64": 8, "F64": 8, "I64": 8, "U64": 8}
TORCH_NAMES = {"F64": "float64", "F32": "float32", "F16": "float16", "BF16": "bfloat16", "I64": "int64",
               "I32": "int32", "I16": "int16", "I8": "int8", "U8": "uint8", "BOOL": "bool", "U16": "uint16",
               "U32": "uint32", "U64": "uint64", "F8_E4M3": "float8_e4m3fn", "F8_E5M2": "float8_e5m2"}
METADATA = {"format": "pt"}  # what save_pretrained passes to save_file
SINGLE = "model.safetensors"
INDEX = "model.safetensors.index.json"
MAX_HEADER = 100000000  # the Rust reader refuses larger headers


class SafetensorsError(ValueError):
    pass


def _json(value):
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def layout(entries, metadata=None):
    """entries: (name, dtype, shape, nbytes) tuples -> (header bytes incl. the length prefix, entries in file order).

    The same bytes as `serialize(..., metadata)` for tensors of these names, dtypes and shapes."""
    ordered = sorted(entries, key=lambda e: (-_RANK[e[1]], e[0].encode("utf-8")))
    parts, offset = [], 0
    if metadata is not None:
        parts.append('"__metadata__":' + _json(metadata))
    for name, dtype, shape, nbytes in ordered:
        parts.append('%s:{"dtype":"%s","shape":%s,"data_offsets":[%d,%d]}'
                     % (_json(name), dtype, _json(list(shape)), offset, offset + nbytes))
        offset += nbytes
    header = ("{" + ",".join(parts) + "}").encode("utf-8")
    header += b" " * (-len(header) % 8)
    return struct.pack("<Q", len(header)) + header, ordered


def file_size(entries, metadata=None):
    header, ordered = layout(entries, metadata)
    return len(header) + sum(e[3] for e in ordered)


def read_header(f, size):
    """The parsed header of an open safetensors file of `size` bytes -> (header dict, data start), validated as the
    Rust reader validates it (contiguous offsets covering the rest of the file, sizes matching shapes)."""
    prefix = f.read(8)
    if len(prefix) != 8:
        raise SafetensorsError("shorter than 8 bytes")
    n = struct.unpack("<Q", prefix)[0]
    if n > MAX_HEADER or n + 8 > size:
        raise SafetensorsError("header length %d does not fit the file (%d bytes)" % (n, size))
    try:
        header = json.loads(f.read(n).decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise SafetensorsError("header is not JSON: %s" % exc)
    if not isinstance(header, dict):
        raise SafetensorsError("header is not a JSON object")
    end = 0
    infos = sorted((v["data_offsets"], k) for k, v in header.items() if k != "__metadata__")
    for (start, stop), name in infos:
        info = header[name]
        count = 1
        for dim in info["shape"]:
            count *= dim
        if start != end or info["dtype"] not in ITEMSIZE or stop - start != count * ITEMSIZE[info["dtype"]]:
            raise SafetensorsError("tensor %s has invalid offsets, dtype or shape" % name)
        end = stop
    if 8 + n + end != size:
        raise SafetensorsError("the tensors cover %d bytes, the file holds %d" % (end, size - 8 - n))
    return header, 8 + n


def split(entries, max_size):
    """huggingface_hub's split: entries (name, nbytes) in state-dict order -> lists of names, one per shard.

    A tensor larger than max_size gets a shard of its own; otherwise a shard is closed when the next tensor would
    take it over max_size."""
    shards, current, current_size = [], [], 0
    for name, nbytes in entries:
        if nbytes > max_size:
            shards.append([name])
            continue
        if current_size + nbytes > max_size:
            shards.append(current)
            current, current_size = [], 0
        current.append(name)
        current_size += nbytes
    if current:
        shards.append(current)
    return shards


def shard_names(count):
    if count == 1:
        return [SINGLE]
    return ["model-%05d-of-%05d.safetensors" % (i + 1, count) for i in range(count)]


def index_text(weight_map, total_size, total_parameters):
    """model.safetensors.index.json as save_pretrained writes it (indent 2, sorted keys, final newline)."""
    index = {"metadata": {"total_parameters": total_parameters, "total_size": total_size}, "weight_map": weight_map}
    return json.dumps(index, indent=2, sort_keys=True) + "\n"
