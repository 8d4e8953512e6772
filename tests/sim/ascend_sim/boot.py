"""What happens at power-on (ascend-sim-boot.service, before multi-user.target): the hardware appears, a new boot
id is drawn, and the installed driver and the flashed firmware become the running ones. A container restart is the
reboot, and it clears /run, so nothing loaded survives it.
"""

from __future__ import annotations

import os
import stat
import uuid

from . import catalog, pci, profiles, state

DAVINCI_MAJOR = 236  # real hosts get a dynamic major; any character device will do for existence checks


def hardware_from_environ(environ: dict) -> dict:
    """Host parameters come from the container's environment (the platform definition in molecule or the demo)."""
    server_index = environ.get("ASCEND_SIM_SERVER_INDEX")
    return profiles.build(
        environ.get("ASCEND_SIM_PROFILE", "atlas-800i-a2"),
        node=int(environ.get("ASCEND_SIM_NODE", "0")),
        server_index=int(server_index) if server_index not in (None, "") else None,
        super_pod_id=int(environ.get("ASCEND_SIM_SUPER_POD_ID", "0")),
        hostname=environ.get("HOSTNAME", "ascend-sim"),
    )


def pid1_environ() -> dict:
    """systemd (PID 1) holds the container's environment; services started by it do not."""
    try:
        with open("/proc/1/environ", "rb") as f:
            items = f.read().split(b"\0")
    except OSError:
        return dict(os.environ)
    return dict(i.decode().split("=", 1) for i in items if b"=" in i)


def _device_nodes(hw: dict) -> None:
    names = ["davinci%d" % c["phy_id"] for card in hw["cards"] for c in card["chips"]]
    names += ["davinci_manager", "devmm_svm", "hisi_hdc"]
    os.makedirs(state.path("/dev"), exist_ok=True)
    for minor, name in enumerate(names):
        node = state.path("/dev/" + name)
        if os.path.exists(node):
            continue
        try:
            os.mknod(node, 0o660 | stat.S_IFCHR, os.makedev(DAVINCI_MAJOR, minor))
        except OSError:  # no CAP_MKNOD: a plain file still tells "the driver created its device nodes"
            open(node, "a").close()
            os.chmod(node, 0o660)


def _pci_sysfs(hw: dict) -> None:
    """Fill /sys/bus/pci/devices when the container mounts a writable volume there (a container otherwise sees the
    machine's real sysfs, which has no Ascend cards): class, vendor, device and subsystem IDs per function."""
    root = state.path("/sys/bus/pci/devices")
    if not os.access(root, os.W_OK):
        return
    for dev in pci.devices(hw):
        slot = os.path.join(root, dev["slot"])
        os.makedirs(slot, exist_ok=True)
        for name, value in (("class", "0x%06x" % (dev["class"] << 8)), ("vendor", "0x%04x" % dev["vendor"]),
                            ("device", "0x%04x" % dev["device"]), ("subsystem_vendor", "0x%04x" % dev["svendor"]),
                            ("subsystem_device", "0x%04x" % dev["sdevice"]), ("revision", "0x%02x" % dev["rev"])):
            with open(os.path.join(slot, name), "w") as f:
                f.write(value + "\n")


def boot(environ: dict | None = None) -> dict:
    environ = pid1_environ() if environ is None else environ
    hw = state.read_json(state.HOST)
    if not hw:
        hw = hardware_from_environ(environ)
        state.write_json(state.HOST, hw)
    _pci_sysfs(hw)
    os.makedirs(state.path("/run/ascend-sim"), exist_ok=True)
    with open(state.path(state.BOOT_ID), "w") as f:
        f.write(str(uuid.uuid4()) + "\n")

    preset = state.path("/var/lib/ascend-sim/hccn-preset")
    if hw["roce"] and environ.get("ASCEND_SIM_HCCN_PRESET", "1") == "1" and not os.path.exists(preset):
        # Servers arrive with their RoCE addresses planned; the profile's are written once, like an operator would.
        conf = state.read_kv(state.HCCN_CONF)
        for phy, net in sorted(hw["roce"].items(), key=lambda kv: int(kv[0])):
            for key in ("address", "netmask", "netdetect", "gateway"):
                conf.setdefault("%s_%s" % (key, phy), net[key])
        state.write_kv(state.HCCN_CONF, conf, 0o600)
        os.makedirs(os.path.dirname(preset), exist_ok=True)
        open(preset, "w").close()

    loaded = {}
    driver = state.read_kv(state.DRIVER_VERSION)
    if driver:
        loaded["driver"] = driver.get("package_version") or driver["Version"]
        loaded["driver_fw_range"] = driver.get("compatible_version_fw", "")
        flashed = state.read_json(state.FLASH) or {}
        loaded["firmware"] = flashed.get("version", hw["factory_firmware"])
        loaded["firmware_drv_range"] = flashed.get(
            "drv", catalog.firmware_info(hw["factory_firmware"])["drv"])
        _device_nodes(hw)
    state.write_json(state.LOADED, loaded)
    return loaded
