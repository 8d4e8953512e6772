"""Benchmarks of the npu_network role's controller-side logic (numbers to watch, never assertions).

  python tests/perf/bench_npu_network.py

The plan of every die (refusals included) and the ping pairs of every host, as the role computes them once per run:
for 2 x 800I A2, 2 x A3, and the largest deployment MindIE and HCCL accept (32 A3 nodes, 512 dies), plus the same
32 nodes as 4 deployments of 8 in one inventory.
"""

from __future__ import annotations

import pathlib
import sys
import timeit

ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT / ".collections")]

from ansible_collections.ascendops.llm.plugins.module_utils import _roce  # noqa: E402


def best(fn, number):
    return min(timeit.repeat(fn, number=number, repeat=5)) / number


def inventory(nodes, dies, groups):
    family, product = ("910_93", "atlas-800i-a3") if dies == 16 else ("910b", "atlas-800i-a2")
    settings = {"single_host": False, "netmask": "16", "tls": False}
    members, group_map = {}, {}
    for n in range(nodes):
        host, group = "node-%03d" % n, "dep-%d" % (n * groups // nodes)
        group_map.setdefault(group, []).append(host)
        members[host] = {"npu": {"chip_family": family, "product": product,
                                 "chips": [{"phy_id": d, "super_pod_id": 0, "server_index": n} for d in range(dies)]},
                         "settings": dict(settings, formula="10.%d.{node}.{die+1}" % (n * groups // nodes),
                                          gateway="10.%d.255.254" % (n * groups // nodes))}
    return group_map, members


def run(group_map, members):
    result = _roce.inventory_plan(sorted(group_map), group_map, members)
    assert not result["refusals"], result["refusals"][:2]
    npu = {h: m["npu"] for h, m in members.items()}
    pairs = sum(len(_roce.host_pairs(result, h)) + len(_roce.host_pairs(result, h, npu, hccs=True))
                for h in members)
    return result, pairs


def bench():
    print("npu_network plan + every host's RoCE and HCCS pairs (controller side)")
    for label, nodes, dies, groups in (("2 x 800I A2", 2, 8, 1), ("2 x 800I A3", 2, 16, 1),
                                       ("32 x 800I A3 (512 dies)", 32, 16, 1),
                                       ("32 x 800I A3 as 4 deployments", 32, 16, 4)):
        group_map, members = inventory(nodes, dies, groups)
        pairs = run(group_map, members)[1]
        seconds = best(lambda: run(group_map, members), 3 if nodes > 2 else 50)
        print("  %-30s %9.2f ms  %6d pairs" % (label, seconds * 1e3, pairs))


if __name__ == "__main__":
    bench()
