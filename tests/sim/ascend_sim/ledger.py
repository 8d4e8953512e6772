"""The simulated driver's memory ledger: one JSON file per holder of NPU memory in a directory
(/run/ascend-sim/holders.d), held under an flock its process keeps for its life, so an entry counts exactly while
its holder lives, however it ends, and from any pid namespace (containers cannot see host pids).

Standalone (standard library only, no package imports): the simulator reads it as `ascend_sim.ledger`, and the
MindIE stand-in's image carries it beside the daemon, which imports it as `ledger`.
"""

from __future__ import annotations

import fcntl
import glob
import json
import os
import sys
import time

DIR = "/run/ascend-sim/holders.d"


def held(entry_path: str) -> bool:
    """Whether a process holds the entry's flock."""
    try:
        fd = os.open(entry_path, os.O_RDONLY)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        return False
    except OSError:
        return True
    finally:
        os.close(fd)


def owner_pid(entry_path: str):
    """The pid, in this pid namespace, of the process holding the entry's flock (the kernel's /proc/locks names it
    by inode, translated to the reader's namespace), or None."""
    try:
        inode = os.stat(entry_path).st_ino
        with open("/proc/locks") as f:
            for line in f:
                fields = line.split()
                if len(fields) >= 6 and fields[1] == "FLOCK" and fields[5].rsplit(":", 1)[-1] == str(inode):
                    return int(fields[4])
    except (OSError, ValueError):
        return None
    return None


def live(directory: str) -> list:
    """[(entry path, [holder, ...])] of the entries whose flock is held, in name order."""
    found = []
    for entry_path in sorted(glob.glob(os.path.join(directory, "*.json"))):
        if not held(entry_path):
            continue
        try:
            with open(entry_path) as f:
                found.append((entry_path, json.load(f).get("holders", [])))
        except (OSError, ValueError):
            continue
    return found


def write(directory: str, name: str, holders: list) -> str:
    """Write an entry (its holder takes the lock); returns its path."""
    os.makedirs(directory, exist_ok=True)
    entry_path = os.path.join(directory, name + ".json")
    with open(entry_path, "w") as f:
        json.dump({"holders": holders}, f)
    return entry_path


def take(entry_path: str) -> int:
    """Lock an entry for the life of this process: the returned descriptor stays open until the holder lets go."""
    fd = os.open(entry_path, os.O_RDWR)
    fcntl.flock(fd, fcntl.LOCK_EX)
    return fd


def hold_forever(entry_path: str) -> None:
    """`python ledger.py ENTRY`: the holder `ascend-sim hold` starts. It names itself `sleep` (what npu-smi showed
    before the ledger), takes the entry, says so on stdout and sleeps until it is killed."""
    import ctypes  # here only: container images (the probe, MindIE's) read the ledger without libffi

    ctypes.CDLL(None).prctl(15, b"sleep", 0, 0, 0)  # PR_SET_NAME
    take(entry_path)
    os.write(1, b"held")
    os.close(1)
    while True:
        time.sleep(3600)


if __name__ == "__main__":
    hold_forever(sys.argv[1])
