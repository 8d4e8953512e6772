"""Whether a model fits a host (seed 002's host-memory rule, ascend-tech-reference.md 7.3), with df and meminfo
texts as the tools print them."""

import pytest

from ansible_collections.ascendops.llm.plugins.module_utils import _model_fit, _weights

GB, MB = 1 << 30, 1 << 20
DF = ("Filesystem        1-blocks         Used    Available Capacity Mounted on\n"
      "/dev/nvme0n1p2 1967317549056 523133239296 1344112832512      29% /data\n")
MEMINFO = "MemTotal:       1056245244 kB\nMemFree:         9876543 kB\nMemAvailable:   987654321 kB\nCached: 5 kB\n"
CONFIG = '{"num_attention_heads": 64, "num_key_value_heads": 8, "torch_dtype": "bfloat16"}'


def a2(free_mb=32768 - 2800, dies=8):
    return {"chips": [{"phy_id": p, "hbm_total_mb": 32768, "hbm_used_mb": 32768 - free_mb, "memory_total_mb": 0}
                      for p in range(dies)]}


def qwen72(**kw):
    files = [{"name": "model-%05d-of-00037.safetensors" % i, "size": 145 * 10 ** 9 // 37} for i in range(1, 38)]
    return dict({"name": "Qwen2.5-72B", "files": files + [{"name": "config.json", "size": 700}],
                 "config": CONFIG, "format": "safetensors"}, **kw)


def place(present=None, df=DF, meminfo=MEMINFO):
    return {"path": "/data/models/Qwen2.5-72B", "present": present or {}, "df": _model_fit.parse_df(df),
            "memory": _model_fit.parse_meminfo(meminfo)}


def test_parsers_read_what_the_tools_print():
    assert _model_fit.parse_df(DF) == {"available": 1344112832512, "mount": "/data"}
    assert _model_fit.parse_meminfo(MEMINFO) == 987654321 * 1024
    assert _model_fit.parse_meminfo("MemFree: 10 kB\nCached: 5 kB\n") == 15 * 1024   # kernels before 3.14
    with pytest.raises(ValueError):
        _model_fit.parse_df("df: /nope: No such file or directory\n")
    assert _model_fit.die_free_mb({"hbm_total_mb": 0, "memory_total_mb": 21534, "memory_used_mb": 1534}) == 20000
    assert _model_fit.heads('{"text_config": {"num_attention_heads": 28}}') == 28 and _model_fit.heads("x") is None


def test_the_reference_worked_example_fits():
    """Qwen2.5-72B bf16 (145 GB) on 8 x 910B4-32G: 18.1 GB a die + 3 GiB reserve < 29.2 GiB free."""
    result = _model_fit.check("a2", qwen72(), place(), a2(), {"nodes": 1, "tensor_parallel": 0,
                                                              "npu_reserve_mb": 3072})
    assert result["refusals"] == []
    assert result["need"]["tensor_parallel"] == 8 and round(result["need"]["per_die"] / GB, 2) == 19.88
    assert result["need"]["memory"] == 145 * 10 ** 9 // 37 * 37 * 1.3


def test_every_refusal_names_host_variable_and_fix():
    tight = place(df=DF.replace("1344112832512", str(100 * GB)), meminfo="MemAvailable: %d kB\n" % (150 * 10 ** 6))
    bins = [{"name": "pytorch_model-%05d-of-00037.bin" % i, "size": 145 * 10 ** 9 // 37} for i in range(1, 38)]
    result = _model_fit.check("a2", qwen72(files=bins), tight, a2(free_mb=16000),
                              {"nodes": 1, "tensor_parallel": 3})
    assert result["refusals"] == [
        "a2: /data/models/Qwen2.5-72B needs 270.1 GiB on /data (the copy 135.0 GiB, the conversion to safetensors "
        "135.0 GiB) and /data has 100.0 GiB free; free space there or set model_weights_root to a larger "
        "filesystem.",
        "a2: loading Qwen2.5-72B needs 175.6 GiB of host memory (weights 135.0 GiB / 1 node x 1.3) and 143.1 GiB is "
        "available; free memory, add nodes (model_weights_nodes) or choose a smaller or quantised model.",
        "a2: model_weights_tensor_parallel 3 does not divide the 8 dies of the deployment (8 per node x 1 node); "
        "choose a divisor of 8.",
        "a2: Qwen2.5-72B has 64 attention heads, which tensor-parallel size 3 does not divide; set "
        "model_weights_tensor_parallel to a divisor of 64 (and serve it on that many dies).",
        "a2: each die needs 48.0 GiB (weights 135.0 GiB / tensor-parallel 3 + 3.0 GiB MindIE reserve) and die 0 has "
        "15.6 GiB free (8 of 8 dies are short); stop what holds NPU memory, raise model_weights_tensor_parallel or "
        "model_weights_nodes, or choose a smaller or quantised model."]


def test_files_already_in_place_need_no_disk_and_nodes_share_memory():
    files = qwen72()["files"]
    present = {f["name"]: f["size"] for f in files}
    present[files[0]["name"]] -= 1   # a truncated shard is copied again
    result = _model_fit.check("a3", qwen72(), place(present), a2(dies=16), {"nodes": 2})
    assert result["need"]["copy"] == files[0]["size"] and result["need"]["tensor_parallel"] == 32
    assert result["need"]["memory"] == files[0]["size"] * 37 / 2.0 * 1.3
    assert _model_fit.check("h", qwen72(), place(), {"chips": []}, {})["refusals"][-1].startswith(
        "h: the NPU facts list no dies")


def test_config_current_and_dtype():
    edited = _weights.set_config_dtype(CONFIG, "float16")
    assert _model_fit.config_current(CONFIG, CONFIG, "keep") is True
    assert _model_fit.config_current(edited, CONFIG, "float16") is True
    assert _model_fit.config_current(edited, CONFIG, "keep") is False
    assert _model_fit.config_current(None, CONFIG, "float16") is False
    assert _model_fit.config_current(CONFIG.replace("64", "32"), CONFIG, "float16") is False
    assert _model_fit.wanted_dtype("auto", CONFIG, False) == "float16"
    assert _model_fit.wanted_dtype("auto", CONFIG, True) == "keep"
    assert _model_fit.wanted_dtype("auto", CONFIG.replace("bfloat16", "float16"), False) == "keep"
    # MindIE refuses float32 everywhere (serving-reference 1.5)
    assert _model_fit.wanted_dtype("auto", CONFIG.replace("bfloat16", "float32"), False) == "float16"
    assert _model_fit.wanted_dtype("auto", CONFIG.replace("bfloat16", "float32"), True) == "bfloat16"
    assert _model_fit.wanted_dtype("auto", '{"dtype": "float32"}', True) == "bfloat16"
    assert _model_fit.wanted_dtype("bfloat16", CONFIG, False) == "bfloat16"


def test_what_is_copied_and_which_modes_are_fixed():
    bins = [{"name": "pytorch_model.bin", "size": 10}, {"name": "config.json", "size": 2},
            {"name": "tokenizer.json", "size": 3}]
    assert _model_fit.converts(bins, {}, "safetensors") is True
    assert _model_fit.converts(bins, {"model.safetensors": 9}, "safetensors") is False
    assert _model_fit.converts(bins, {}, "keep") is False
    assert _model_fit.to_copy(bins, {}, "safetensors", True, False) == ["pytorch_model.bin", "config.json",
                                                                        "tokenizer.json"]
    # converted and removed by an earlier run; config.json carries this role's dtype edit
    assert _model_fit.to_copy(bins, {"model.safetensors": 9}, "safetensors", True, True) == ["tokenizer.json"]
    assert _model_fit.to_copy(bins, {"model.safetensors": 9}, "safetensors", False, True) == [
        "pytorch_model.bin", "tokenizer.json"]
    entries = [{"path": "/m/a", "mode": "0640", "isreg": True, "pw_name": "svc", "gr_name": "svc"},
               {"path": "/m/b", "mode": "0664", "isreg": True, "pw_name": "svc", "gr_name": "svc"},
               {"path": "/m/c", "mode": "0644", "isreg": True, "pw_name": "svc", "gr_name": "svc"},
               {"path": "/m/d", "mode": "0750", "isdir": True, "pw_name": "root", "gr_name": "svc"},
               {"path": "/m/e", "mode": "0600", "isreg": True, "pw_name": "svc", "gr_name": "svc"},
               {"path": "/m/f", "mode": "0440", "isreg": True, "pw_name": "svc", "gr_name": "svc"},
               {"path": "/m/g", "mode": "0700", "isreg": True, "pw_name": "svc", "gr_name": "svc"},
               {"path": "/m/h", "mode": "0700", "isdir": True, "pw_name": "svc", "gr_name": "svc"},
               {"path": "/m/i", "mode": "0755", "isdir": True, "pw_name": "svc", "gr_name": "svc"},
               {"path": "/m/l", "mode": "0777", "islnk": True, "pw_name": "svc", "gr_name": "svc"}]
    assert _model_fit.fix_modes(entries, "svc", "svc") == [{"path": "/m/b", "mode": "0640"},
                                                           {"path": "/m/c", "mode": "0640"},
                                                           {"path": "/m/d", "mode": "0750"},
                                                           {"path": "/m/g", "mode": "0640"},
                                                           {"path": "/m/i", "mode": "0750"}]
    assert _model_fit.path_problem("/data/models/Qwen2.5-7B-Instruct") is None
    assert _model_fit.path_problem("/data/models/Qwen 2+") == "it holds ' ', '+'"
    assert _model_fit.path_problem("/data/models/../x") == "it holds '..'"
    assert _model_fit.path_problem("/data/模型") == "it holds '型', '模'"
