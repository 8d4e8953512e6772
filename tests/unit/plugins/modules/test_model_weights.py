"""model_weights end to end on the fixture models: conversion, idempotence, check mode and diff, file options,
refusals that write nothing."""

from __future__ import annotations

import hashlib
import json
import os
import pathlib
import shutil
import sys

import pytest
from ansible.module_utils.testing import patch_module_args

from ansible_collections.ascendops.llm.plugins.modules import model_weights

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "module_utils"))
import torch_checkpoints as tc  # noqa: E402

MODELS = pathlib.Path(__file__).resolve().parents[3] / "fixtures" / "models"


def run(args, capsys):
    with patch_module_args(args), pytest.raises(SystemExit):
        model_weights.main()
    return json.loads(capsys.readouterr().out)


@pytest.fixture(params=["tiny-qwen2-bin", "tiny-qwen2-sharded-bin"])
def model(request, tmp_path):
    path = tmp_path / request.param
    shutil.copytree(str(MODELS / request.param), str(path))
    return path


def snapshot(path):
    return dict((n, ((path / n).read_bytes(), os.stat(str(path / n)).st_mtime_ns, os.stat(str(path / n)).st_mode))
                for n in sorted(os.listdir(str(path))))


def test_convert_then_nothing_changes(model, capsys):
    result = run({"path": str(model)}, capsys)
    assert result["changed"] is True and result["written"] == ["model.safetensors"]
    assert result["dropped"] == ["lm_head.weight"] and result["parameters"] == 90688
    assert result["dtype"] == "bfloat16" and result["torch_dtype"] == "bfloat16"
    assert result["total_bytes"] == (model / "model.safetensors").stat().st_size
    assert os.stat(str(model / "model.safetensors")).st_mode & 0o777 == 0o640
    before = snapshot(model)
    again = run({"path": str(model)}, capsys)
    assert again["changed"] is False and again["written"] == [] and again["converted"] == []
    assert snapshot(model) == before
    assert (again["files"], again["total_bytes"]) == (result["files"], result["total_bytes"])


def test_check_mode_and_diff_write_nothing(model, capsys):
    before = snapshot(model)
    result = run({"path": str(model), "torch_dtype": "float16", "remove_source": True, "_ansible_check_mode": True,
                  "_ansible_diff": True}, capsys)
    assert snapshot(model) == before
    assert result["changed"] is True and result["written"] == ["model.safetensors"]
    assert result["converted"] and set(result["removed"]) >= set(result["converted"])
    assert '"torch_dtype": "bfloat16"' in result["diff"]["before"]
    assert '"torch_dtype": "float16"' in result["diff"]["after"]
    assert result["diff"]["before_header"].endswith("config.json")


def test_float16_for_a_chip_without_bf16(model, capsys):
    original = (model / "config.json").read_text()
    result = run({"path": str(model), "torch_dtype": "float16", "_ansible_diff": True}, capsys)
    after = (model / "config.json").read_text()
    assert after == original.replace('"torch_dtype": "bfloat16"', '"torch_dtype": "float16"')
    assert result["torch_dtype"] == "float16" and "diff" in result
    assert run({"path": str(model), "torch_dtype": "float16"}, capsys)["changed"] is False


def test_remove_source_and_checksum_file(model, capsys):
    sums = "".join("%s  %s\n" % (hashlib.sha256((model / n).read_bytes()).hexdigest(), n)
                   for n in sorted(os.listdir(str(model))))
    (model / "SHA256SUMS").write_text(sums)
    args = {"path": str(model), "checksums": "SHA256SUMS", "remove_source": True, "torch_dtype": "float16"}
    result = run(args, capsys)
    assert result["changed"] and "config.json" in result["verified"]
    assert not [n for n in os.listdir(str(model)) if n.endswith(".bin")]
    again = run(args, capsys)
    assert again["changed"] is False and again["verified"] == result["verified"]


def test_checksum_mismatch_fails_and_writes_nothing(model, capsys):
    name = sorted(n for n in os.listdir(str(model)) if n.endswith(".bin"))[0]
    before = snapshot(model)
    result = run({"path": str(model), "checksums": {name: "1" * 64}}, capsys)
    assert result["failed"] and "checksum mismatch" in result["msg"] and name in result["msg"]
    assert snapshot(model) == before


def test_a_hostile_checkpoint_fails_naming_file_and_global(tmp_path, capsys):
    class System:
        def __reduce__(self):
            return os.system, ("touch %s" % (tmp_path / "pwned"),)
    tc.write(tmp_path / "pytorch_model.bin", {"w": tc.T("0", "float32", bytes(4), (1,))}, extra={"x": System()})
    result = run({"path": str(tmp_path)}, capsys)
    assert result["failed"] and "pytorch_model.bin: refused" in result["msg"] and "posix.system" in result["msg"]
    assert sorted(os.listdir(str(tmp_path))) == ["pytorch_model.bin"]


def test_truncated_checkpoint_fails(tmp_path, capsys):
    data = (MODELS / "tiny-qwen2-bin" / "pytorch_model.bin").read_bytes()
    (tmp_path / "pytorch_model.bin").write_bytes(data[:len(data) // 2])
    result = run({"path": str(tmp_path)}, capsys)
    assert result["failed"] and "is truncated or corrupt" in result["msg"]


def test_file_options_and_shards(model, capsys):
    result = run({"path": str(model), "shard_size": "100KB", "mode": "u=rw,g=r,o="}, capsys)
    assert result["written"] == ["model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors",
                                 "model.safetensors.index.json"]
    for name in result["written"]:
        assert os.stat(str(model / name)).st_mode & 0o777 == 0o640
    result = run({"path": str(model), "shard_size": "100KB", "mode": "0600"}, capsys)
    assert result["changed"] is True and result["written"] == []  # modes only
    assert os.stat(str(model / "model.safetensors.index.json")).st_mode & 0o777 == 0o600
    result = run({"path": str(model), "shard_size": "100KB", "owner": "no-such-user-here"}, capsys)
    assert result["failed"] and "chown failed" in result["msg"]


def test_keep_describes_and_converts_nothing(model, capsys):
    before = snapshot(model)
    result = run({"path": str(model), "format": "keep"}, capsys)
    assert result["changed"] is False and result["parameters"] == 90688
    assert [f["name"] for f in result["files"]] == sorted(n for n in os.listdir(str(model)) if n.endswith(".bin"))
    assert {k: v for k, v in snapshot(model).items() if not k.startswith(".")} == before
    result = run({"path": str(model), "format": "keep", "remove_source": True}, capsys)
    assert result["failed"] and "remove_source needs format safetensors" in result["msg"]


def test_bad_options(tmp_path, capsys):
    assert "not a size" in run({"path": str(tmp_path), "shard_size": "lots"}, capsys)["msg"]
    assert "is not a directory" in run({"path": str(tmp_path / "none")}, capsys)["msg"]
    assert "checksums must be a dict" in run({"path": str(tmp_path), "checksums": [1]}, capsys)["msg"]
