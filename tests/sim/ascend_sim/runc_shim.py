"""The simulated kernel's share with containers: /usr/local/sbin/runc, ahead of the real /usr/sbin/runc on the PATH
of containerd.

On a real host a process in a container that opens /dev/davinciN talks to the host's driver: the kernel is shared.
The simulated driver keeps its state in files (/etc/ascend-sim, /run/ascend-sim, /var/lib/ascend-sim) read by
simulator code in /opt/ascend-sim, so a container given any Ascend device node also gets those paths bound in,
whoever started it (the Ascend Docker Runtime or explicit --device options). Containers without Ascend devices are
left as they are. Test infrastructure only: the collection never sees or relies on it.
"""

from __future__ import annotations

import os
import sys

from . import boot, docker_runtime

REAL_RUNC = "/usr/sbin/runc"
KERNEL_PATHS = (("/opt/ascend-sim", "ro"), ("/etc/ascend-sim", "ro"), ("/var/lib/ascend-sim", "ro"),
                ("/run/ascend-sim", "rw"))
ASCEND_MAJORS = set(boot.DEVICE_MAJORS.values())


def share_kernel(spec: dict) -> dict:
    devices = spec.get("linux", {}).get("devices") or []
    if not any(d.get("major") in ASCEND_MAJORS for d in devices):
        return spec
    taken = set(m.get("destination") for m in spec.get("mounts", []))
    for path, mode in KERNEL_PATHS:
        if path not in taken and os.path.isdir(path):
            spec.setdefault("mounts", []).append(
                {"destination": path, "type": "bind", "source": path, "options": ["rbind", mode]})
    return spec


def main(argv: list) -> int:
    bundle = docker_runtime.bundle_of(argv)
    if bundle is not None:
        try:
            docker_runtime.edit_bundle(bundle, share_kernel)
        except (OSError, ValueError) as err:
            sys.stderr.write("ascend-sim runc: %s\n" % err)
            return 1
    os.execv(REAL_RUNC, [REAL_RUNC] + argv)
    return 127
