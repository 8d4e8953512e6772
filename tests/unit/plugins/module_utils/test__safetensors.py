"""The safetensors writer against the real library: header, key order, padding, every dtype; the reader's checks;
huggingface_hub's shard split and transformers' index file."""

import io
import json

import pytest

import safetensors_reference as ref
import torch_checkpoints as tc
from ansible_collections.ascendops.llm.plugins.module_utils import _safetensors


def ours(tensors, metadata=None):
    entries = [(n, tc.DTYPES[d][2], s, len(b)) for n, (d, s, b) in tensors.items()]
    header, ordered = _safetensors.layout(entries, metadata)
    return header + b"".join(tensors[e[0]][2] for e in ordered)


def test_every_dtype_and_name_order_byte_for_byte():
    tensors = {}
    for i, dtype in enumerate(sorted(tc.DTYPES)):
        size = tc.DTYPES[dtype][1]
        for name in ("b.%s" % dtype, "a.%s" % dtype, "Z%d" % i):
            tensors[name] = (dtype, (3, 1), bytes((i + k) % 256 for k in range(3 * size)))
    tensors["scalar"] = ("float32", (), b"\0\0\x80?")
    tensors["empty"] = ("bfloat16", (0, 4), b"")
    tensors["ünï/cödé \"quoted\"\\"] = ("int8", (2,), b"\x01\x02")
    for metadata in (None, {"format": "pt"}):
        assert ours(tensors, metadata) == ref.serialize(tensors, metadata)


@pytest.mark.parametrize("length", range(1, 9))
def test_header_padding(length):
    tensors = {"x" * length: ("float16", (1,), b"\0\x3c")}
    data = ours(tensors, {"format": "pt"})
    assert data == ref.serialize(tensors, {"format": "pt"})
    assert (len(data) - 2) % 8 == 0 and data[-3:-2] in (b" ", b"}")


def test_read_header_accepts_what_the_library_writes_and_refuses_the_rest():
    tensors = {"a": ("bfloat16", (2, 2), bytes(8)), "b": ("int64", (1,), bytes(8))}
    data = ref.serialize(tensors, {"format": "pt"})
    header, start = _safetensors.read_header(io.BytesIO(data), len(data))
    assert header["__metadata__"] == {"format": "pt"} and header["a"]["dtype"] == "BF16"
    assert data[start:] == bytes(16)
    wrong_shape = data.replace(b'"shape":[2,2]', b'"shape":[2,3]')
    for bad, match in [(data[:-1], "cover 16 bytes, the file holds 15"), (data[:4], "shorter than 8"),
                       (b"\xff" * 16, "does not fit"), (wrong_shape, "invalid offsets")]:
        with pytest.raises(_safetensors.SafetensorsError, match=match):
            _safetensors.read_header(io.BytesIO(bad), len(bad))


def test_split_as_huggingface_hub():
    entries = [("a", 40), ("b", 50), ("c", 200), ("d", 30), ("e", 80), ("f", 100)]
    # c is over the limit: a shard of its own, appended when met; a shard closes before a tensor that would overflow
    assert _safetensors.split(entries, 100) == [["c"], ["a", "b"], ["d"], ["e"], ["f"]]
    assert _safetensors.split(entries, 1000) == [["a", "b", "c", "d", "e", "f"]]
    assert _safetensors.shard_names(1) == ["model.safetensors"]
    assert _safetensors.shard_names(3)[2] == "model-00003-of-00003.safetensors"


def test_index_text_as_save_pretrained_writes_it():
    text = _safetensors.index_text({"b": "model-00002-of-00002.safetensors", "a": "model-00001-of-00002.safetensors"},
                                   120, 60)
    assert text == json.dumps({"metadata": {"total_parameters": 60, "total_size": 120},
                               "weight_map": {"a": "model-00001-of-00002.safetensors",
                                              "b": "model-00002-of-00002.safetensors"}}, indent=2) + "\n"


def test_file_size():
    tensors = {"a": ("float32", (3,), bytes(12))}
    entries = [("a", "F32", (3,), 12)]
    assert _safetensors.file_size(entries, {"format": "pt"}) == len(ref.serialize(tensors, {"format": "pt"}))
