"""Benchmarks of the NPU facts (numbers to watch, never assertions).

  python tests/perf/bench_npu_info.py [--host CONTAINER ...]

1. Parse time of `npu-smi info` for the 16-die A3 table (the largest real sample) and of the other samples.
2. `gather` (the module's logic) on the recorded hosts of the unit tests (the reference's verbatim npu-smi samples,
   tests/unit/plugins/module_utils/npu_smi_recordings.py) for each profile: wall time and npu-smi calls with the
   default details, and the calls each `details` value adds.
3. With --host, the real module run through ansible against running simulator containers (`make demo` starts
   sim-a2-1, sim-duo-1, sim-a3-1, sim-a3-2): wall time and npu-smi calls, end to end.
"""

from __future__ import annotations

import argparse
import json
import os
import pathlib
import subprocess
import sys
import timeit

ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT / ".collections"), str(ROOT / "tests" / "unit" / "plugins" / "module_utils")]

from ansible_collections.ascendops.llm.plugins.module_utils import _npu_info, _npu_smi  # noqa: E402
import npu_smi_recordings as recorded  # noqa: E402

REFERENCE = ROOT / "tests" / "fixtures" / "reference"


def bench_parse():
    print("parse_info (best of 5 x 200 parses)")
    for name in ("info-a3-25.2.3.txt", "info-910b3-25.2.0.txt", "info-310p3-25.3.rc1.txt"):
        text = (REFERENCE / name).read_text()
        best = min(timeit.repeat(lambda: _npu_smi.parse_info(text), number=200, repeat=5)) / 200
        print("  %-28s %3d chips  %7.1f us/parse" % (name, len(_npu_smi.parse_info(text)["chips"]), best * 1e6))


def bench_gather():
    print("gather on the recorded hosts: default details, then the calls each details value adds")
    for profile in sorted(recorded.PROFILES):
        outputs, pci, nodes = recorded.outputs(profile), recorded.pci(profile), recorded.device_nodes(profile)

        def once(details=()):
            run = recorded.Recorded(outputs)
            facts = _npu_info.gather(run, pci, recorded.VERSION_FILES, nodes, list(details))
            return facts, len(run.calls)

        best = min(timeit.repeat(once, number=20, repeat=3)) / 20
        facts, calls = once()
        extra = []
        for detail in _npu_info.DETAILS:
            try:
                extra.append("%s +%d" % (detail, once([detail])[1] - calls))
            except AssertionError:  # the reference has no sample of this query on this product
                extra.append("%s n/a" % detail)
        print("  %-16s %2s chips  %6.2f ms  %d npu-smi calls  (%s)"
              % (profile, facts["chip_count"], best * 1e3, calls, ", ".join(extra)))


def bench_hosts(hosts):
    print("npu_info module through ansible on simulator containers")
    env = dict(os.environ, ANSIBLE_CONFIG=str(ROOT / "ansible.cfg"))
    for host in hosts:
        cmd = [str(ROOT / ".venv" / "bin" / "ansible"), host, "-i", "%s," % host, "-c", "community.docker.docker",
               "-m", "ascendops.llm.npu_info", "-o"]
        start = timeit.default_timer()
        out = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False).stdout
        elapsed = timeit.default_timer() - start
        result = json.loads(out.split("=>", 1)[1]) if "=>" in out else {}
        source = result.get("ansible_facts", {}).get("npu", {}).get("source")
        print("  %-10s %5.2f s  %s npu-smi calls  source=%s"
              % (host, elapsed, result.get("npu_smi_calls", "?"), source))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--host", action="append", default=[], help="a running simulator container")
    args = parser.parse_args()
    bench_parse()
    bench_gather()
    if args.host:
        bench_hosts(args.host)


if __name__ == "__main__":
    main()
