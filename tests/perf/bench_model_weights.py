"""Benchmarks of model_weights' conversion (numbers to watch, never assertions).

  python tests/perf/bench_model_weights.py [--mb 320] [--shard-size 100MB] [--dir DIR]

Generates a bf16 Qwen-like checkpoint of about --mb megabytes as two `.bin` shards plus an index (written with the
unit tests' torch-free checkpoint writer, streamed, so generating it needs little memory; with a tied lm_head and a
transposed o_proj), then, each in a fresh interpreter:
1. converts it with --shard-size: wall time, throughput, peak RSS and tracemalloc peak against the largest output
   shard and the largest tensor (the issue's target: peak RSS below 1.5 x the largest shard);
2. runs again over the unchanged directory: wall time and the bytes the process read (/proc/self/io rchar), which
   should be a few kilobytes of JSON, no weights;
3. converts to one file (the default 5GB shard size): peak RSS does not grow with the file.
"""

from __future__ import annotations

import argparse
import collections
import json
import pathlib
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT / ".collections"), str(ROOT / "tests" / "unit" / "plugins" / "module_utils")]

import torch_checkpoints as tc  # noqa: E402

MB = 1 << 20


def layers_for(mb, hidden=1536, inter=4096, vocab=32000):
    """(name, shape, transposed) of a Qwen-like model of about mb megabytes in bf16."""
    per_layer = (4 * hidden * hidden + 3 * hidden * inter) * 2
    count = max(1, int((mb * MB - vocab * hidden * 2) / per_layer))
    out = [("model.embed_tokens.weight", (vocab, hidden), False)]
    for i in range(count):
        p = "model.layers.%d." % i
        out += [(p + "self_attn.q_proj.weight", (hidden, hidden), False),
                (p + "self_attn.k_proj.weight", (hidden, hidden), False),
                (p + "self_attn.v_proj.weight", (hidden, hidden), False),
                (p + "self_attn.o_proj.weight", (hidden, hidden), True),  # stored column-major
                (p + "mlp.gate_proj.weight", (inter, hidden), False),
                (p + "mlp.up_proj.weight", (inter, hidden), False),
                (p + "mlp.down_proj.weight", (hidden, inter), False),
                (p + "input_layernorm.weight", (hidden,), False)]
    return out + [("model.norm.weight", (hidden,), False)]


def fill(key, nbytes):
    rng = random.Random(key)
    block = rng.getrandbits(8 * 4096).to_bytes(4096, "little") * 256  # 1 MiB, distinct per storage
    while nbytes:
        yield block[:min(nbytes, len(block))]
        nbytes -= min(nbytes, len(block))


def generate(path, mb):
    specs = layers_for(mb)
    half = len(specs) // 2
    weight_map, largest = {}, 0
    for number, part in enumerate((specs[:half], specs[half:]), 1):
        name = "pytorch_model-%05d-of-00002.bin" % number
        tensors = collections.OrderedDict()
        for key, (tensor, shape, transposed) in enumerate(part):
            count = 1
            for n in shape:
                count *= n
            stride = (1, shape[0]) if transposed else None
            tensors[tensor] = tc.T(str(key), "bfloat16", None, shape, stride, nbytes=count * 2)
            largest = max(largest, count * 2)
            weight_map[tensor] = name
        if number == 2:  # the tied head: the embedding's storage is in the other file, as transformers shards it
            tensors["lm_head.weight"] = tc.T(str(len(part)), "bfloat16", None, specs[0][1],
                                             nbytes=specs[0][1][0] * specs[0][1][1] * 2)
            weight_map["lm_head.weight"] = name
        tc.write_streamed(path / name, tensors, fill)
    (path / "pytorch_model.bin.index.json").write_text(json.dumps({"metadata": {}, "weight_map": weight_map}))
    (path / "config.json").write_text(json.dumps({"model_type": "qwen2", "tie_word_embeddings": True,
                                                  "torch_dtype": "bfloat16"}, indent=2))
    return sum(p.stat().st_size for p in path.glob("*.bin")), largest


def child(path, shard_size, trace):
    """One run of the module's logic in this (fresh) process; prints its numbers as JSON."""
    from ansible_collections.ascendops.llm.plugins.module_utils import _weights
    if trace:
        import tracemalloc
        tracemalloc.start()
    baseline = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    rchar = _rchar()
    start = time.perf_counter()
    result = _weights.sync(path, shard_size=shard_size)
    elapsed = time.perf_counter() - start
    out = {"seconds": elapsed, "peak_rss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
           "baseline_rss": baseline, "read": _rchar() - rchar, "written": result["written"],
           "largest_file": max(f["size"] for f in result["files"]), "files": len(result["files"]),
           "total_bytes": result["total_bytes"]}
    if trace:
        out["traced_peak"] = tracemalloc.get_traced_memory()[1]
    print(json.dumps(out))


def _rchar():
    try:
        with open("/proc/self/io") as f:
            return int(dict(line.split(": ") for line in f.read().splitlines())["rchar"])
    except (OSError, KeyError, ValueError):
        return -1


def run_child(path, shard_size, trace=False):
    cmd = [sys.executable, __file__, "--child", str(path), "--shard-size", shard_size] + (["--trace"] if trace else [])
    return json.loads(subprocess.run(cmd, check=True, capture_output=True, text=True).stdout)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--mb", type=int, default=320, help="model size to generate")
    parser.add_argument("--shard-size", default="100MB")
    parser.add_argument("--dir", help="where to generate (default: a temporary directory, removed after)")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--trace", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return child(args.child, args.shard_size, args.trace)
    base = pathlib.Path(args.dir or tempfile.mkdtemp(prefix="bench-weights-"))
    path = base / "model"
    try:
        shutil.rmtree(str(path), ignore_errors=True)
        path.mkdir(parents=True)
        start = time.perf_counter()
        size, largest_tensor = generate(path, args.mb)
        print("model: %.0f MB of bf16 .bin in 2 shards (largest tensor %.1f MB), generated in %.1f s"
              % (size / MB, largest_tensor / MB, time.perf_counter() - start))
        runs = [("convert, shard_size %s" % args.shard_size, args.shard_size, False),
                ("unchanged re-run", args.shard_size, False),
                ("convert to one file (5GB)", "5GB", False),
                ("unchanged re-run", "5GB", False),
                ("convert to one file, tracemalloc on", "5GB", True)]
        for label, shard_size, trace in runs:
            if trace:  # a fresh conversion: drop the outputs and the record
                for p in list(path.glob("*.safetensors*")) + [path / ".ascendops-weights.json"]:
                    p.unlink()
            r = run_child(path, shard_size, trace)
            speed = "%4.0f MB/s" % (r["total_bytes"] / MB / r["seconds"]) if r["written"] else "   -     "
            line = ("%-36s %9.1f ms  %s  files %d (largest %6.1f MB)  peak RSS %6.1f MB (baseline %5.1f MB)"
                    " = %.2f x largest file  read %s"
                    % (label, r["seconds"] * 1000, speed, r["files"], r["largest_file"] / MB, r["peak_rss"] / MB,
                       r["baseline_rss"] / MB, r["peak_rss"] / r["largest_file"], _human(r["read"])))
            if trace:
                line += "  traced peak %.1f MB" % (r["traced_peak"] / MB)
            print(line)
    finally:
        if not args.dir:
            shutil.rmtree(str(base), ignore_errors=True)


def _human(n):
    return "%.1f MB" % (n / MB) if n >= MB else "%.1f kB" % (n / 1024.0)


if __name__ == "__main__":
    main()
