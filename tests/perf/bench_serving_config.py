"""Benchmarks of the serving configuration logic (numbers to watch, never assertions).

  python tests/perf/bench_serving_config.py

1. mindie_config's logic on seed 004's config.json: apply the options, validate, render.
2. Rank tables: build (which validates once) for 2 x 800I A2 and for the largest tables HCCL accepts (32 x 16 dies
   of A3, 512 ranks), as the rank_table action does on the controller for every member.
"""

from __future__ import annotations

import json
import pathlib
import sys
import timeit

ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT / ".collections")]

from ansible_collections.ascendops.llm.plugins.module_utils import _mindie, _rank_table  # noqa: E402

REFERENCE = ROOT / "tests" / "fixtures" / "reference"


def best(fn, number):
    return min(timeit.repeat(fn, number=number, repeat=5)) / number


def bench_mindie():
    config = json.loads((REFERENCE / "mindie-config-seed004.json").read_text())
    options = {"model_name": "deepseek", "npu_device_ids": list(range(16)), "multi_node": True,
               "parallel": {"dp": 4, "tp": 8, "moe_ep": 8, "moe_tp": 4}}

    def run():
        result, schema = _mindie.apply(config, options)
        assert not _mindie.validate(result, schema, 2)
        return _mindie.render(result)

    print("mindie_config logic on seed 004 (apply + validate + render): %.1f us" % (best(run, 200) * 1e6))


def servers(count, dies, a3):
    out = []
    for n in range(count):
        ip = "10.10.%d.%d" % divmod(n + 11, 256)
        out.append({"server_id": ip, "container_ip": ip,
                    "super_pod_id": "0" if a3 else None,
                    "devices": [{"device_id": d, "device_ip": "10.%d.%d.%d" % (d, n // 200, n % 200 + 1),
                                 "super_device_id": ((n + 4) << 22) | (d << 16) | d if a3 else None}
                                for d in range(dies)]})
    return out


def _table_run(data):
    def run():
        return json.dumps(_rank_table.build_rank_table(data), indent=4)
    return run


def bench_rank_tables():
    print("rank tables (build, validated once)")
    for label, count, dies, a3 in (("2 x 800I A2", 2, 8, False), ("2 x 800I A3", 2, 16, True),
                                   ("32 x 800I A3 (512 ranks)", 32, 16, True)):
        print("  %-26s %8.1f us" % (label, best(_table_run(servers(count, dies, a3)), 20) * 1e6))


if __name__ == "__main__":
    bench_mindie()
    bench_rank_tables()
