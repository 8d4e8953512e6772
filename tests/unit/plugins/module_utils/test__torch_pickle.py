"""The torch-free `.bin` reader: the fixture checkpoints made with torch, hand-made checkpoints of every dtype and
layout, and the refusals (a pickle calling os.system, truncated and corrupt files, the legacy format)."""

import os
import pathlib
import pickle
import struct
import zipfile

import pytest

import torch_checkpoints as tc
from ansible_collections.ascendops.llm.plugins.module_utils import _torch_pickle

MODELS = pathlib.Path(__file__).resolve().parents[3] / "fixtures" / "models"
SINGLE = MODELS / "tiny-qwen2-bin" / "pytorch_model.bin"


def read_all(path):
    with _torch_pickle.Checkpoint(str(path)) as checkpoint:
        return dict((n, (t.dtype, t.shape, checkpoint.read(t))) for n, t in checkpoint.tensors.items())


@pytest.mark.parametrize("path", [SINGLE] + sorted((MODELS / "tiny-qwen2-sharded-bin").glob("*.bin")),
                         ids=lambda p: p.name)
def test_fixture_tensors_match_an_independent_reader(path):
    expected = tc.load(path)
    got = read_all(path)
    assert list(got) == list(expected)  # the pickle's order
    assert got == expected


def test_fixture_has_the_cases_it_is_for():
    with _torch_pickle.Checkpoint(str(SINGLE)) as checkpoint:
        t = checkpoint.tensors
        assert checkpoint.prefix == "pytorch_model/"  # not "archive/": any top-level directory
        assert t["model.layers.0.self_attn.o_proj.weight"].stride == (1, 64)  # non-contiguous
        assert t["lm_head.weight"].view() == t["model.embed_tokens.weight"].view()  # tied: one storage
        assert t["model.norm.weight"].st_dtype == "BF16"


def test_transposed_tensor_values_by_hand():
    """o_proj is stored column-major: element [i, j] of the logical tensor is storage element i + 64 * j."""
    with zipfile.ZipFile(str(SINGLE)) as z:
        raw = z.read("pytorch_model/data/7")
    with _torch_pickle.Checkpoint(str(SINGLE)) as checkpoint:
        data = checkpoint.read(checkpoint.tensors["model.layers.0.self_attn.o_proj.weight"])
    got, stored = tc.values(data, "bfloat16"), tc.values(raw, "bfloat16")
    for i, j in [(0, 1), (1, 0), (5, 17), (63, 62)]:
        assert got[i * 64 + j] == stored[i + 64 * j]


def test_every_dtype(tmp_path):
    tensors = {}
    for i, dtype in enumerate(sorted(tc.DTYPES)):
        size = tc.DTYPES[dtype][1]
        data = bytes((i * 7 + k) % 256 for k in range(6 * size))
        if dtype == "bool":
            data = bytes([0, 1, 1, 0, 1, 0])
        tensors["t." + dtype] = tc.T(str(i), dtype, data, (2, 3))
    tc.write(tmp_path / "m.bin", tensors)
    with _torch_pickle.Checkpoint(str(tmp_path / "m.bin")) as checkpoint:
        for name, t in tensors.items():
            got = checkpoint.tensors[name]
            assert (got.dtype, got.st_dtype, got.shape, checkpoint.read(got)) == (t.dtype, tc.DTYPES[t.dtype][2],
                                                                                  (2, 3), t.data)


LAYOUTS = {
    "offset": ((4,), (1,), 3),
    "transposed": ((3, 4), (1, 3), 0),
    "permuted 3-d": ((2, 3, 4), (1, 8, 2), 0),
    "step 2": ((5,), (2,), 1),
    "column slice": ((4, 2), (6, 1), 2),
    "expanded": ((3, 4), (0, 1), 0),
    "size 1 with odd stride": ((1, 4), (99, 1), 0),
    "scalar": ((), (), 5),
    "empty": ((0, 3), (3, 1), 0),
}


@pytest.mark.parametrize("layout", sorted(LAYOUTS))
@pytest.mark.parametrize("dtype", ["bfloat16", "float32", "int64", "uint8"])
def test_strided_views_are_written_in_logical_order(layout, dtype, tmp_path, monkeypatch):
    monkeypatch.setattr(_torch_pickle, "CHUNK", 16)  # many blocks, even on tiny tensors
    shape, stride, offset = LAYOUTS[layout]
    size = tc.DTYPES[dtype][1]
    data = bytes(k % 251 for k in range(24 * size))
    tc.write(tmp_path / "m.bin", {"x": tc.T("0", dtype, data, shape, stride, offset)})
    with _torch_pickle.Checkpoint(str(tmp_path / "m.bin")) as checkpoint:
        t = checkpoint.tensors["x"]
        blocks = list(checkpoint.chunks(t))
    assert b"".join(bytes(b) for b in blocks) == tc.logical(data, dtype, offset, shape, stride)
    assert max([len(b) for b in blocks] or [0]) <= 16


def test_views_sharing_one_storage(tmp_path):
    """A fused qkv saved as three views of one storage: each view its own bytes."""
    data = bytes(range(48))
    tensors = {"q": tc.T("0", "int16", data, (2, 4), offset=0), "k": tc.T("0", "int16", data, (2, 4), offset=8),
               "v": tc.T("0", "int16", data, (4, 2), stride=(1, 4), offset=16)}
    tc.write(tmp_path / "m.bin", tensors)
    got = read_all(tmp_path / "m.bin")
    assert got["k"][2] == data[16:32]
    assert got["v"][2] == tc.logical(data, "int16", 16, (4, 2), (1, 4))


class System:
    def __init__(self, command):
        self.command = command

    def __reduce__(self):
        return os.system, (self.command,)


def test_a_pickle_calling_os_system_is_refused_and_runs_nothing(tmp_path):
    marker = tmp_path / "pwned"
    tc.write(tmp_path / "evil.bin", {"w": tc.T("0", "float32", bytes(8), (2,))},
             extra={"x": System("touch %s" % marker)})
    with pytest.raises(_torch_pickle.CheckpointError) as err:
        _torch_pickle.Checkpoint(str(tmp_path / "evil.bin"))
    assert str(tmp_path / "evil.bin") in str(err.value) and "posix.system" in str(err.value)
    assert not marker.exists()


@pytest.mark.parametrize("module, name", [("builtins", "eval"), ("__builtin__", "getattr"), ("subprocess", "Popen"),
                                          ("torch._utils", "_rebuild_qtensor"), ("torch", "load"),
                                          ("torch.nn.modules.linear", "Linear")])
def test_other_globals_are_refused_by_name(module, name, tmp_path):
    pkl = b"\x80\x02c%s\n%s\nq\x00." % (module.encode(), name.encode())
    tc.write(tmp_path / "m.bin", {}, pkl=pkl)
    with pytest.raises(_torch_pickle.CheckpointError, match=r"global %s\.%s" % (module, name)):
        _torch_pickle.Checkpoint(str(tmp_path / "m.bin"))


def test_every_allowed_global_resolves_to_a_stand_in():
    for dotted in _torch_pickle.ALLOWED_GLOBALS:
        module, name = dotted.rsplit(".", 1)
        assert _torch_pickle._resolve(module, name) is not None
    assert _torch_pickle._resolve("torch", "float16") is not _torch_pickle._resolve("torch", "float16")


@pytest.mark.parametrize("cut", [10, 1000, 100000, -30])
def test_truncated_zip_is_refused(cut, tmp_path):
    data = SINGLE.read_bytes()
    (tmp_path / "pytorch_model.bin").write_bytes(data[:cut])
    with pytest.raises(_torch_pickle.CheckpointError, match="truncated or corrupt.*copy it again"):
        _torch_pickle.Checkpoint(str(tmp_path / "pytorch_model.bin"))


def test_corrupt_storage_fails_its_crc(tmp_path):
    data = bytearray(SINGLE.read_bytes())
    with zipfile.ZipFile(str(SINGLE)) as z:
        info = z.getinfo("pytorch_model/data/1")
    name_len, extra_len = struct.unpack("<HH", data[info.header_offset + 26:info.header_offset + 30])
    data[info.header_offset + 30 + name_len + extra_len + 5] ^= 0xFF  # torch pads the local extra field
    (tmp_path / "m.bin").write_bytes(bytes(data))
    with _torch_pickle.Checkpoint(str(tmp_path / "m.bin")) as checkpoint:
        with pytest.raises(_torch_pickle.CheckpointError, match="CRC mismatch in pytorch_model/data/1"):
            checkpoint.read(checkpoint.tensors["model.layers.0.self_attn.q_proj.weight"])


def test_legacy_and_foreign_files_are_refused(tmp_path):
    legacy = tmp_path / "legacy.bin"
    legacy.write_bytes(b"\x80\x02\x8a\x0al\xfc\x9cF\xf9 j\xa8P\x19.\x80\x02M\xe9\x03.")
    with pytest.raises(_torch_pickle.CheckpointError, match="legacy .*non-zip.*torch >= 1.6"):
        _torch_pickle.Checkpoint(str(legacy))
    (tmp_path / "text.bin").write_text("hello")
    with pytest.raises(_torch_pickle.CheckpointError, match="not a PyTorch checkpoint"):
        _torch_pickle.Checkpoint(str(tmp_path / "text.bin"))


def test_not_a_flat_state_dict(tmp_path):
    tc.write(tmp_path / "nested.bin", {}, pkl=pickle.dumps({"model": {"w": 1}}, protocol=2))
    with pytest.raises(_torch_pickle.CheckpointError, match="entry 'model' is a dict, not a tensor"):
        _torch_pickle.Checkpoint(str(tmp_path / "nested.bin"))
    tc.write(tmp_path / "list.bin", {}, pkl=pickle.dumps([1], protocol=2))
    with pytest.raises(_torch_pickle.CheckpointError, match="holds a list, not a state dict"):
        _torch_pickle.Checkpoint(str(tmp_path / "list.bin"))


def test_views_past_their_storage_or_missing_storages(tmp_path):
    tc.write(tmp_path / "m.bin", {"x": tc.T("0", "float32", bytes(16), (5,))})
    with pytest.raises(_torch_pickle.CheckpointError, match="reach past the end of storage 0"):
        _torch_pickle.Checkpoint(str(tmp_path / "m.bin"))
    pkl = tc.pickle_state({"x": tc.T("9", "float32", bytes(16), (4,))})
    tc.write(tmp_path / "n.bin", {}, pkl=pkl)
    with pytest.raises(_torch_pickle.CheckpointError, match="storage 9 has no member archive/data/9"):
        _torch_pickle.Checkpoint(str(tmp_path / "n.bin"))


def test_big_endian_checkpoints_are_refused(tmp_path):
    tc.write(tmp_path / "m.bin", {"x": tc.T("0", "float32", bytes(16), (4,))}, byteorder="big")
    with pytest.raises(_torch_pickle.CheckpointError, match="big-endian"):
        _torch_pickle.Checkpoint(str(tmp_path / "m.bin"))
