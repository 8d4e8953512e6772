"""Model directories: both fixture layouts converted to what save_file writes (checked against the real safetensors
library and an independent reader), tied weights, shards, config.json, checksums, and the re-run that reads no weight
bytes."""

import builtins
import hashlib
import io
import json
import os
import pathlib
import shutil

import pytest

import safetensors_reference as ref
import torch_checkpoints as tc
from ansible_collections.ascendops.llm.plugins.module_utils import _torch_pickle, _weights

MODELS = pathlib.Path(__file__).resolve().parents[3] / "fixtures" / "models"
LAYOUTS = ["tiny-qwen2-bin", "tiny-qwen2-sharded-bin"]


@pytest.fixture(params=LAYOUTS)
def model(request, tmp_path):
    path = tmp_path / request.param
    shutil.copytree(str(MODELS / request.param), str(path))
    return path


def expected_state(path):
    """The fixture's state dict read independently, in order, without the tied lm_head (tie_word_embeddings)."""
    state = {}
    for name in sorted(os.listdir(str(path))):
        if name.endswith(".bin"):
            state.update(tc.load(path / name))
    del state["lm_head.weight"]
    return state


def test_both_layouts_convert_to_what_save_file_writes(model):
    expected = expected_state(model)
    result = _weights.sync(str(model))
    data = (model / "model.safetensors").read_bytes()
    assert data == ref.serialize(expected, {"format": "pt"})
    assert result["written"] == ["model.safetensors"] and result["dropped"] == ["lm_head.weight"]
    assert result["files"] == [{"name": "model.safetensors", "size": len(data)}]
    assert result["parameters"] == sum(len(b) // 2 for d, s, b in expected.values()) == 90688
    assert result["dtype"] == "bfloat16" and result["changed"] is True
    # the values, read by the library and widened from bf16 by hand, are the checkpoint's
    tensors = ref.deserialize(data)
    assert set(tensors) == set(expected) and "lm_head.weight" not in tensors
    for name, (dtype, shape, raw) in expected.items():
        assert tensors[name][:2] == ("BF16", shape)
        assert tc.values(tensors[name][2], "bfloat16") == tc.values(raw, "bfloat16")
    assert os.stat(str(model / "model.safetensors")).st_mode & 0o777 == 0o640


def test_non_contiguous_tensor_in_logical_order(model, tmp_path):
    _weights.sync(str(model))
    tensors = ref.deserialize((model / "model.safetensors").read_bytes())
    got = tc.values(tensors["model.layers.1.self_attn.o_proj.weight"][2], "bfloat16")
    name = [n for n in sorted(os.listdir(str(model))) if n.endswith(".bin")][-1]
    expected = tc.load(model / name)["model.layers.1.self_attn.o_proj.weight"]
    assert expected[1] == (64, 64) and got == tc.values(expected[2], "bfloat16")


def test_shards_and_index_as_save_pretrained(model):
    expected = expected_state(model)
    result = _weights.sync(str(model), shard_size="50KB")
    # huggingface_hub's split over the state-dict order, counted here by hand
    shards, current, size = [], [], 0
    for name, (dtype, shape, raw) in expected.items():
        if size + len(raw) > 50000:
            shards.append(current)
            current, size = [], 0
        current.append(name)
        size += len(raw)
    shards.append(current)
    names = ["model-%05d-of-%05d.safetensors" % (i + 1, len(shards)) for i in range(len(shards))]
    assert result["written"] == names + ["model.safetensors.index.json"]
    for file_name, members in zip(names, shards):
        subset = dict((k, expected[k]) for k in members)
        assert (model / file_name).read_bytes() == ref.serialize(subset, {"format": "pt"})
    index = json.loads((model / "model.safetensors.index.json").read_text())
    assert index == {"metadata": {"total_parameters": 90688, "total_size": 181376},
                     "weight_map": dict((k, f) for f, members in zip(names, shards) for k in members)}
    assert sum(f["size"] for f in result["files"]) == result["total_bytes"]
    # back to one file: the shards and the index go
    again = _weights.sync(str(model))
    assert again["written"] == ["model.safetensors"] and sorted(again["removed"]) == sorted(
        names + ["model.safetensors.index.json"])


def tied_model(path, tie, share=True, names=("model.embed_tokens.weight", "lm_head.weight")):
    path.mkdir()
    emb = bytes(range(64))
    tensors = {names[0]: tc.T("0", "float16", emb, (4, 8)), "norm": tc.T("1", "float32", bytes(16), (4,))}
    tensors[names[1]] = tc.T("0" if share else "2", "float16", emb, (4, 8))
    tc.write(path / "pytorch_model.bin", tensors)
    config = {"model_type": "x"} if tie is None else {"model_type": "x", "tie_word_embeddings": tie}
    (path / "config.json").write_text(json.dumps(config))
    return path


@pytest.mark.parametrize("tie, share, kept", [
    (None, True, False),  # one storage, config silent: transformers' default ties, save_pretrained writes it once
    (True, True, False),
    (False, True, True),  # the config says the head is its own: written as a copy, never lost
    (True, False, False),  # tied by the config: loaders take the head from the embedding
    (None, False, True),
    (False, False, True),
])
def test_tied_lm_head(tie, share, kept, tmp_path):
    path = tied_model(tmp_path / "m", tie, share)
    result = _weights.sync(str(path))
    tensors = ref.deserialize((path / "model.safetensors").read_bytes())
    assert ("lm_head.weight" in tensors) is kept and result["dropped"] == ([] if kept else ["lm_head.weight"])
    assert tensors["model.embed_tokens.weight"][2] == bytes(range(64))
    if kept:
        assert tensors["lm_head.weight"][2] == bytes(range(64))


def test_other_names_sharing_a_storage_are_written_as_copies(tmp_path):
    path = tied_model(tmp_path / "m", None, True, names=("encoder.embed.weight", "decoder.embed.weight"))
    result = _weights.sync(str(path))
    tensors = ref.deserialize((path / "model.safetensors").read_bytes())
    assert result["dropped"] == [] and tensors["encoder.embed.weight"] == tensors["decoder.embed.weight"]


def test_every_dtype_round_trips(tmp_path):
    path = tmp_path / "m"
    path.mkdir()
    tensors, expected = {}, {}
    for i, dtype in enumerate(sorted(tc.DTYPES)):
        size = tc.DTYPES[dtype][1]
        data = bytes((i * 3 + k) % (2 if dtype == "bool" else 256) for k in range(12 * size))
        tensors["w." + dtype] = tc.T(str(i), dtype, data, (3, 4), stride=(1, 3))  # transposed, too
        expected["w." + dtype] = (dtype, (3, 4), tc.logical(data, dtype, 0, (3, 4), (1, 3)))
    tc.write(path / "pytorch_model.bin", tensors)
    result = _weights.sync(str(path))
    assert (path / "model.safetensors").read_bytes() == ref.serialize(expected, {"format": "pt"})
    assert result["dtype"] == "float64"  # the float dtype holding the most bytes
    assert result["parameters"] == 12 * len(tc.DTYPES)


def test_check_mode_reports_and_writes_nothing(model):
    before = sorted(os.listdir(str(model)))
    result = _weights.sync(str(model), torch_dtype="float16", remove_source=True, check_mode=True)
    assert sorted(os.listdir(str(model))) == before
    assert result["changed"] and result["written"] == ["model.safetensors"] and result["converted"]
    assert result["files"][0]["size"] == len(ref.serialize(expected_state(model), {"format": "pt"}))
    assert '"torch_dtype": "float16"' in result["diff"]["after"] and result["torch_dtype"] == "float16"
    assert set(result["removed"]) >= set(n for n in before if n.endswith(".bin"))


class Reads:
    """Counts the bytes read from weight files through open() (zipfile and hashing use it too)."""

    def __init__(self, monkeypatch):
        self.opened, self.bytes = [], 0
        real = builtins.open

        def spy(file, mode="r", *args, **kwargs):
            f = real(file, mode, *args, **kwargs)
            if not str(file).endswith((".bin", ".safetensors")):
                return f
            self.opened.append(os.path.basename(str(file)))
            return _Counted(f, self)
        monkeypatch.setattr(builtins, "open", spy)
        monkeypatch.setattr(io, "open", spy)


class _Counted:
    def __init__(self, f, reads):
        self._f, self._reads = f, reads

    def read(self, *a):
        data = self._f.read(*a)
        self._reads.bytes += len(data)
        return data

    def __getattr__(self, name):
        return getattr(self._f, name)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self._f.close()


def test_an_unchanged_rerun_reads_no_weight_bytes(model, monkeypatch):
    sums = dict((n, hashlib.sha256((model / n).read_bytes()).hexdigest()) for n in os.listdir(str(model)))
    first = _weights.sync(str(model), torch_dtype="float16", checksums=sums)
    assert first["changed"] and sorted(first["verified"]) == sorted(sums)
    reads = Reads(monkeypatch)
    again = _weights.sync(str(model), torch_dtype="float16", checksums=sums)
    assert reads.opened == [] and reads.bytes == 0
    assert again["changed"] is False and again["written"] == [] and again["verified"] == first["verified"]
    assert (again["files"], again["parameters"], again["dtype"]) == (first["files"], 90688, "bfloat16")


def test_a_changed_file_is_hashed_again(model, monkeypatch):
    name = sorted(n for n in os.listdir(str(model)) if n.endswith(".bin"))[0]
    sums = {name: hashlib.sha256((model / name).read_bytes()).hexdigest()}
    _weights.sync(str(model), checksums=sums, convert=False)
    os.utime(str(model / name), ns=(1, 1))  # same bytes, other mtime: the record no longer vouches for them
    reads = Reads(monkeypatch)
    result = _weights.sync(str(model), checksums=sums, convert=False)
    assert result["hashed"] == [name] and reads.bytes >= (model / name).stat().st_size


def test_remove_source_after_read_back_and_checksums_still_verify(model):
    bins = sorted(n for n in os.listdir(str(model)) if n.endswith(".bin") or n.endswith(".index.json"))
    sums_text = "".join("%s  %s\n" % (hashlib.sha256((model / n).read_bytes()).hexdigest(), n) for n in bins)
    (model / "SHA256SUMS").write_text(sums_text)
    result = _weights.sync(str(model), remove_source=True, checksums="SHA256SUMS")
    assert result["removed"] == bins and not [n for n in os.listdir(str(model)) if n.endswith(".bin")]
    again = _weights.sync(str(model), remove_source=True, checksums="SHA256SUMS")
    assert again["changed"] is False and again["verified"] == sorted(bins) and again["parameters"] == 90688


def test_a_failed_read_back_keeps_the_sources(model, monkeypatch):
    real = _weights.sha256_file
    monkeypatch.setattr(_weights, "sha256_file", lambda p: "0" * 64 if ".tmp" in p else real(p))
    with pytest.raises(_weights.WeightsError, match="did not read back as written.*sources were kept"):
        _weights.sync(str(model), remove_source=True)
    assert [n for n in os.listdir(str(model)) if n.endswith(".bin")]
    assert not [n for n in os.listdir(str(model)) if "safetensors" in n]  # no temporary file left either


def test_checksum_mismatch_and_missing_files(model):
    name = sorted(n for n in os.listdir(str(model)) if n.endswith(".bin"))[0]
    with pytest.raises(_weights.WeightsError, match="checksum mismatch: .*%s has SHA-256 .*, expected 0{64}" % name):
        _weights.sync(str(model), checksums={name: "0" * 64})
    assert not [n for n in os.listdir(str(model)) if "safetensors" in n]
    with pytest.raises(_weights.WeightsError, match="gone.bin has a checksum but is not in"):
        _weights.sync(str(model), checksums={"gone.bin": "sha256:" + "0" * 64})
    with pytest.raises(_weights.WeightsError, match="not a SHA-256"):
        _weights.sync(str(model), checksums={name: "md5:abc"})


def test_checksum_file_formats(tmp_path):
    digest = "ab" * 32
    text = "%s  a.bin\n%s *./b.bin\n# comment\n\nSHA256 (c.bin) = %s\n" % (digest, digest, digest)
    assert _weights.parse_sums(text) == {"a.bin": digest, "b.bin": digest, "c.bin": digest}
    (tmp_path / "model.bin.sha256").write_text(digest.upper() + "\n")
    assert _weights.load_checksums("model.bin.sha256", str(tmp_path)) == {"model.bin": digest}
    with pytest.raises(_weights.WeightsError, match="not a file inside the model directory"):
        _weights.parse_sums("%s  ../etc/passwd" % digest)
    with pytest.raises(_weights.WeightsError, match="line 1 names no file"):
        _weights.parse_sums(digest)


def test_a_missing_shard_is_named(tmp_path):
    path = tmp_path / "m"
    shutil.copytree(str(MODELS / "tiny-qwen2-sharded-bin"), str(path))
    os.unlink(str(path / "pytorch_model-00002-of-00002.bin"))
    with pytest.raises(_weights.WeightsError, match="names pytorch_model-00002-of-00002.bin, missing from"):
        _weights.sync(str(path))


def test_a_hostile_checkpoint_is_refused_and_nothing_written(tmp_path):
    path = tmp_path / "m"
    path.mkdir()

    class System:
        def __reduce__(self):
            return os.system, ("true",)
    tc.write(path / "pytorch_model.bin", {"w": tc.T("0", "float32", bytes(4), (1,))}, extra={"x": System()})
    with pytest.raises(_torch_pickle.CheckpointError, match="pytorch_model.bin: refused.*posix.system"):
        _weights.sync(str(path))
    assert sorted(os.listdir(str(path))) == ["pytorch_model.bin"]


CONFIG = ('{\n    "architectures": ["Qwen2ForCausalLM"],\n    "torch_dtype":  "bfloat16",\n'
          '    "nested": {"torch_dtype": "bfloat16"},\n    "vocab_size": 256\n}')


def test_config_dtype_keeps_every_other_byte():
    after = _weights.set_config_dtype(CONFIG, "float16")
    assert after == CONFIG.replace('"torch_dtype":  "bfloat16"', '"torch_dtype":  "float16"')
    assert _weights.set_config_dtype(after, "float16") == after
    newer = '{\n  "dtype": "bfloat16",\n  "vocab_size": 256\n}\n'
    assert _weights.set_config_dtype(newer, "float16") == \
        '{\n  "dtype": "float16",\n  "vocab_size": 256,\n  "torch_dtype": "float16"\n}\n'
    assert _weights.set_config_dtype('{"a":1}', "float16") == '{"a":1,"torch_dtype":"float16"}'
    assert _weights.set_config_dtype('{"a": 1, "b": 2}', "float16") == '{"a": 1, "b": 2, "torch_dtype": "float16"}'
    assert json.loads(_weights.set_config_dtype("{}", "float16")) == {"torch_dtype": "float16"}


def test_parse_size():
    assert _weights.parse_size("5GB") == 5 * 10 ** 9 and _weights.parse_size("2GiB") == 2 << 30
    assert _weights.parse_size(1000) == 1000 and _weights.parse_size("0.5 MB") == 500000
    for bad in ("5 parsecs", "-1GB", "0", True):
        with pytest.raises(_weights.WeightsError, match="not a size"):
            _weights.parse_size(bad)


def test_describe(model):
    before = _weights.describe(str(model))
    assert before["parameters"] == 90688 and before["dtype"] == "bfloat16"
    assert [f["name"] for f in before["files"]] == sorted(n for n in os.listdir(str(model)) if n.endswith(".bin"))
    _weights.sync(str(model), shard_size="100KB")
    after = _weights.describe(str(model))
    assert after["parameters"] == 90688 and len(after["files"]) == 2
    os.unlink(str(model / after["files"][1]["name"]))
    with pytest.raises(_weights.WeightsError, match="names model-00002-of-00002.safetensors, missing"):
        _weights.describe(str(model))


def test_no_weights(tmp_path):
    with pytest.raises(_weights.WeightsError, match="holds no weights"):
        _weights.sync(str(tmp_path))


def test_a_checksum_of_the_shipped_config_survives_our_dtype_edits(model):
    sums = {"config.json": hashlib.sha256((model / "config.json").read_bytes()).hexdigest()}
    for dtype in ("float16", "bfloat16", "float16"):
        assert _weights.sync(str(model), torch_dtype=dtype, checksums=sums)["verified"] == ["config.json"]
    (model / "config.json").write_text('{"torch_dtype": "float16"}')  # someone else's edit is not ours
    with pytest.raises(_weights.WeightsError, match="checksum mismatch: .*config.json"):
        _weights.sync(str(model), checksums=sums)


def test_temporary_files_of_a_killed_conversion_are_cleaned(model):
    (model / ".model.safetensors.k1llEd_x.tmp").write_bytes(b"half a shard")
    (model / ".keep.me.tmp").write_bytes(b"not ours")
    _weights.sync(str(model))
    assert sorted(n for n in os.listdir(str(model)) if n.endswith(".tmp")) == [".keep.me.tmp"]
