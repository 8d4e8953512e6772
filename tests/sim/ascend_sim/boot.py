"""What happens at power-on (ascend-sim-boot.service, before multi-user.target): the hardware appears, a new boot
id is drawn, and the installed driver and the flashed firmware become the running ones; the loaded driver makes its
device nodes. A container restart is the reboot, and it clears /run and /dev, so nothing loaded survives it.
"""

from __future__ import annotations

import grp
import os
import pwd
import re
import stat
import uuid

from . import catalog, hccn, ledger, pci, profiles, state

# Each driver module registers its character device with a dynamic major; these are fixed values from the range
# the kernel hands out (234-254). /dev/davinciN takes the chip's physical id as its minor.
DEVICE_MAJORS = {"davinci": 236, "davinci_manager": 237, "devmm_svm": 238, "hisi_hdc": 239}
DRIVER_NODE = re.compile(r"^(davinci\d+|davinci_manager|devmm_svm|hisi_hdc)$")


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


def make_char_device(path: str, major: int, minor: int, mode: int, uid: int, gid: int) -> None:
    """mknod needs CAP_MKNOD (root in the container); unit tests on a temporary root replace this function."""
    os.mknod(path, stat.S_IFCHR | mode, os.makedev(major, minor))
    os.chmod(path, mode)  # mknod applies the umask
    os.chown(path, uid, gid)


def _node_owner() -> tuple:
    """The driver's boot script gives the nodes to the account the driver was installed for, mode 0660, or 0666
    with --install-for-all (host_sys_init.sh); chown fails quietly there for a deleted account, leaving root."""
    info = state.read_kv(state.INSTALL_INFO)
    try:
        uid = pwd.getpwnam(info.get("UserName", "HwHiAiUser")).pw_uid
        gid = grp.getgrnam(info.get("UserGroup", "HwHiAiUser")).gr_gid
    except KeyError:
        uid = gid = 0
    return uid, gid, 0o666 if info.get("Driver_Install_For_All") == "yes" else 0o660


def _remove_device_nodes() -> None:
    dev = state.path("/dev")
    for name in os.listdir(dev) if os.path.isdir(dev) else ():
        if DRIVER_NODE.match(name):
            os.remove(os.path.join(dev, name))


def _device_nodes(hw: dict) -> None:
    """What the loaded driver creates: one node per chip (physical id) and the three management nodes."""
    nodes = [("davinci%d" % c["phy_id"], DEVICE_MAJORS["davinci"], c["phy_id"])
             for card in hw["cards"] for c in card["chips"]]
    nodes += [(name, DEVICE_MAJORS[name], 0) for name in ("davinci_manager", "devmm_svm", "hisi_hdc")]
    uid, gid, mode = _node_owner()
    os.makedirs(state.path("/dev"), exist_ok=True)
    for name, major, minor in nodes:
        make_char_device(state.path("/dev/" + name), major, minor, mode, uid, gid)


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
    # The driver's memory ledger: any process that opens a chip (the service user in a container) records there.
    os.makedirs(state.path(ledger.DIR), exist_ok=True)
    os.chmod(state.path(ledger.DIR), 0o1777)
    with open(state.path(state.BOOT_ID), "w") as f:
        f.write(str(uuid.uuid4()) + "\n")

    preset = state.path("/var/lib/ascend-sim/hccn-preset")
    if hw["roce"] and environ.get("ASCEND_SIM_HCCN_PRESET", "1") == "1" and not os.path.exists(preset):
        # Servers arrive with their RoCE addresses planned; the profile's are written once, like an operator would.
        conf = state.read_kv(state.HCCN_CONF)
        for phy, net in sorted(hw["roce"].items(), key=lambda kv: int(kv[0])):
            for key in ("address", "netmask", "netdetect", "gateway"):
                conf.setdefault("%s_%s" % (key, phy), net[key])
            conf.setdefault("send_arp_status_%s" % phy, "1")  # as in the real hccn.conf of the reference
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
        if environ.get("ASCEND_SIM_DRIVER_PATCH"):  # a hot patch (sph001) the running driver reports on top
            loaded["driver_patch"] = environ["ASCEND_SIM_DRIVER_PATCH"]
    # A container restart brings a fresh /dev; a temporary root keeps its old one, so clear it the same way.
    _remove_device_nodes()
    if driver:
        _device_nodes(hw)
    state.write_json(state.LOADED, loaded)
    # The loaded driver brings the dies' RoCE addresses up from hccn.conf (a restart gave a fresh namespace).
    hccn.sync_netns(environ.get("ASCEND_SIM_ROCE_DEV") or "eth0")
    return loaded
