"""`ascend-sim`: the simulator's own controls (inside a simulated host unless noted).

  ascend-sim boot                                   what ascend-sim-boot.service runs at every (re)boot
  ascend-sim show                                   the hardware profile and what is loaded, as JSON
  ascend-sim fault chip --npu N --chip C --health Alarm [--code 80E18005 ...] [--info TEXT]
  ascend-sim fault installer --component driver [--percent 40]   the next install of it fails halfway
  ascend-sim fault link-down --phy N                 a RoCE port loses its link (its address leaves the network)
  ascend-sim fault bus-na --npu N [--chip C]         npu-smi shows the chip's Bus-Id as NA (as on edge boards)
  ascend-sim fault clear                             no faults
  ascend-sim hold --npu N --chip C --memory MB [--pid PID] [--name NAME]
                                                    a process holds NPU memory (a new one named sleep unless --pid)
  ascend-sim release [--pid PID]                     drop one holder (and stop it if ascend-sim started it), or all
  ascend-sim mkpkg --component C --family F --version V [--arch A] --out DIR [--file-name N]
                   [--compat-fw RANGE] [--compat-drv RANGE]   (controller side) build a .run package
  ascend-sim sums DIR                                (controller side) write DIR/SHA256SUMS
  ascend-sim mkrepo --out DIR [--package COMPONENT=VERSION ...] [--family F ...] [--arch A]
                                                    (controller side) packages for every family, and SHA256SUMS
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import signal
import subprocess
import sys

from . import boot, hccn, ledger, pkgbuild, state


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="ascend-sim", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    sub.add_parser("boot")
    sub.add_parser("show")
    fault = sub.add_parser("fault").add_subparsers(dest="kind", required=True)
    chip = fault.add_parser("chip")
    chip.add_argument("--npu", type=int, required=True)
    chip.add_argument("--chip", type=int, default=0)
    chip.add_argument("--health", choices=("OK", "Warning", "Alarm", "Critical"), required=True)
    chip.add_argument("--code", action="append", default=[])
    chip.add_argument("--info")
    inst = fault.add_parser("installer")
    inst.add_argument("--component", choices=("driver", "firmware", "toolkit", "kernels", "nnal"), required=True)
    inst.add_argument("--percent", type=int, default=40)
    link = fault.add_parser("link-down")
    link.add_argument("--phy", type=int, required=True)
    bus_na = fault.add_parser("bus-na")
    bus_na.add_argument("--npu", type=int, required=True)
    bus_na.add_argument("--chip", type=int, default=0)
    fault.add_parser("clear")
    hold = sub.add_parser("hold")
    hold.add_argument("--npu", type=int, required=True)
    hold.add_argument("--chip", type=int, default=0)
    hold.add_argument("--memory", type=int, required=True)
    hold.add_argument("--pid", type=int)
    hold.add_argument("--name")
    release = sub.add_parser("release")
    release.add_argument("--pid", type=int)
    mk = sub.add_parser("mkpkg")
    mk.add_argument("--component", required=True)
    mk.add_argument("--family", required=True)
    mk.add_argument("--version", required=True)
    mk.add_argument("--arch", default=platform.machine())
    mk.add_argument("--out", required=True)
    mk.add_argument("--file-name")
    mk.add_argument("--compat-fw")
    mk.add_argument("--compat-drv")
    sums = sub.add_parser("sums")
    sums.add_argument("dir")
    repo = sub.add_parser("mkrepo")
    repo.add_argument("--out", required=True)
    repo.add_argument("--package", action="append", default=[], help="COMPONENT=VERSION")
    repo.add_argument("--family", action="append", default=[])
    repo.add_argument("--arch", default=platform.machine())
    return p


def hold_in_ledger(entry: dict) -> int:
    """A process holding NPU memory through a ledger entry it locks itself: held while it lives, and seen from
    containers too (they cannot see host pids)."""
    name = "hold-%d-%d-%s" % (entry["npu_id"], entry["chip_id"], os.urandom(4).hex())
    entry_path = ledger.write(state.path(ledger.DIR), name, [entry])
    proc = subprocess.Popen([sys.executable, ledger.__file__, entry_path], stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, start_new_session=True)
    proc.stdout.read(4)
    proc.stdout.close()
    return proc.pid


def main(argv=None) -> int:
    args = _parser().parse_args(argv)
    if args.cmd == "boot":
        print(json.dumps(boot.boot(), sort_keys=True))
    elif args.cmd == "show":
        print(json.dumps({"hardware": state.host(), "loaded": state.loaded(), "faults": state.faults(),
                          "holders": state.holders(), "network": state.read_json(hccn.NET_STATE, {})},
                         indent=1, sort_keys=True))
    elif args.cmd == "fault":
        faults = state.faults()
        if args.kind == "chip":
            key = "%d:%d" % (args.npu, args.chip)
            if args.health == "OK":
                faults.get("chips", {}).pop(key, None)
            else:
                faults.setdefault("chips", {})[key] = {"health": args.health, "codes": args.code,
                                                       "info": args.info}
        elif args.kind == "installer":
            faults.setdefault("installer_fail", {})[args.component] = args.percent
        elif args.kind == "link-down":
            faults["link_down"] = sorted(set(faults.get("link_down", [])) | {args.phy})
        elif args.kind == "bus-na":
            faults.setdefault("bus_na", []).append("%d:%d" % (args.npu, args.chip))
        else:
            faults = {}
        state.write_json(state.FAULTS, faults)
        hccn.sync_netns()  # a link down takes its die's address off the network; clear brings it back
    elif args.cmd == "hold":
        entry = {"npu_id": args.npu, "chip_id": args.chip, "memory_mb": args.memory}
        if args.name is not None:
            entry["name"] = args.name
        if args.pid is not None:  # someone else's process: held while that pid lives
            holders = state.read_json(state.HOLDERS, []) or []
            holders.append(dict(entry, pid=args.pid, spawned=False))
            state.write_json(state.HOLDERS, holders)
            print(args.pid)
        else:  # a new holder keeping the ledger entry's flock, seen as held from containers too
            print(hold_in_ledger(entry))
    elif args.cmd == "release":
        holders = state.read_json(state.HOLDERS, []) or []
        state.write_json(state.HOLDERS, [h for h in holders if args.pid is not None and h["pid"] != args.pid])
        for h in state.ledger_holders():
            if (args.pid is None or h["pid"] == args.pid) and os.path.basename(h["ledger"]).startswith("hold-"):
                try:
                    os.kill(h["pid"], signal.SIGTERM)
                except OSError:
                    pass
                try:
                    os.unlink(h["ledger"])
                except OSError:
                    pass
    elif args.cmd == "mkpkg":
        print(pkgbuild.build(args.component, args.family, args.version, args.arch, args.out, args.file_name,
                             args.compat_fw, args.compat_drv))
    elif args.cmd == "sums":
        print(pkgbuild.write_sums(args.dir))
    elif args.cmd == "mkrepo":
        wanted = [p.split("=", 1) for p in args.package] or [["driver", "24.1.rc3"], ["firmware", "7.5.0.1.129"]]
        for component, version in wanted:
            for family in args.family or ["910b", "310p", "910_93"]:
                pkgbuild.build(component, family, version, args.arch, args.out)
        print(pkgbuild.write_sums(args.out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
