"""The simulated Ascend Docker Runtime: its `.run` installer, its daemon.json helper and the OCI runtime itself.

Installer (serving-reference.md section 2, ascend-tech-reference.md section 6.2; the vendor's run_main.sh): options
--install, --upgrade, --uninstall, --install-path=<abs> (the runtime goes into <path>/Ascend-Docker-Runtime), --quiet,
--ce=isula, --install-type=<edge product>; an unknown option, a repeated one, a relative path or --install-path alone
is refused; root only. Install copies the binaries (0550), writes /etc/ascend-docker-runtime.d/base.list (0440),
merges the `ascend` runtime and `"default-runtime": "ascend"` into /etc/docker/daemon.json (creating it; other keys
kept; 0600) and records ascend_docker_runtime_install.info. Like the vendor's binaries, the helper of a package built
for another CPU cannot execute: the files are already copied when it fails.

Runtime: Docker calls `ascend-docker-runtime <runc arguments>`. On `create` it reads ASCEND_VISIBLE_DEVICES from the
container's process environment (unset, empty or `void`: nothing is injected); for each physical ID it adds
/dev/davinciN, then davinci_manager, devmm_svm and hisi_hdc, with device cgroup rules, and read-only binds of the
base.list paths that exist (unless ASCEND_RUNTIME_OPTIONS has NODRV), sets ASCEND_DOCKER_RUNTIME=True, and hands
over to runc. The real runtime does this through a prestart hook; the container sees the same result.
"""

from __future__ import annotations

import datetime
import json
import os
import re
import shutil
import stat
import sys

from . import state

DIR_NAME = "Ascend-Docker-Runtime"
DEFAULT_PREFIX = "/usr/local/Ascend"
CONFIG_DIR = "/etc/ascend-docker-runtime.d"
DAEMON_JSON = "/etc/docker/daemon.json"
INSTALLER_LOG = "/var/log/ascend-docker-runtime/installer.log"
BINARIES = ("ascend-docker-runtime", "ascend-docker-hook", "ascend-docker-cli", "ascend-docker-plugin-install-helper",
            "ascend-docker-destroy")
BASE_LIST = ("/usr/local/Ascend/driver/lib64", "/usr/local/Ascend/driver/include", "/usr/local/dcmi",
             "/usr/local/bin/npu-smi")
MANAGER_NODES = ("davinci_manager", "devmm_svm", "hisi_hdc")
EDGE_TYPES = ("A500", "A500A2", "A200ISoC", "A200IA2", "A200")
RUNTIME_PY = """#!/usr/bin/python3
import sys
sys.path.insert(0, "/opt/ascend-sim")
from ascend_sim.docker_runtime import runtime_main
sys.exit(runtime_main(sys.argv[1:]))
"""


class Refused(Exception):
    pass


def _log(text: str) -> None:
    full = state.path(INSTALLER_LOG)
    os.makedirs(os.path.dirname(full), exist_ok=True)
    with open(full, "a") as f:
        f.write("[%s] %s\n" % (datetime.datetime.now().strftime("%Y-%m-%d %H:%M:%S"), text))


def parse_args(args: list) -> dict:
    opts = {"mode": [], "install_path": None, "isula": False, "install_type": None, "quiet": False}
    for arg in args:
        if arg in ("--install", "--uninstall", "--upgrade"):
            if arg[2:] in opts["mode"]:
                raise Refused("warning :Repeat parameter!")
            opts["mode"].append(arg[2:])
        elif arg == "--quiet":
            opts["quiet"] = True
        elif arg.startswith("--install-path="):
            if opts["install_path"] is not None:
                raise Refused("warning :Repeat parameter!")
            opts["install_path"] = arg.split("=", 1)[1]
        elif arg.startswith("--ce="):
            if arg != "--ce=isula":
                raise Refused("ERROR :Please check the parameter of --ce=<ce>")
            opts["isula"] = True
        elif arg.startswith("--install-type="):
            if arg.split("=", 1)[1] not in EDGE_TYPES:
                raise Refused("ERROR :Please check the parameter of --install-type=<type>")
            opts["install_type"] = arg.split("=", 1)[1]
        else:
            raise Refused("warning :Unsupported parameters: %s" % arg)
    prefix = opts["install_path"] if opts["install_path"] is not None else DEFAULT_PREFIX
    if not prefix.startswith("/"):
        raise Refused("ERROR :Please follow the installation address after the --install-path=<Absolute path>")
    if opts["install_path"] is not None and not opts["mode"]:
        raise Refused("Error:only input <install_path> command. When use --install-path you also need intput "
                      "--install or --uninstall or --upgrade or --devel")
    if opts["quiet"] and not opts["mode"]:
        raise Refused("[ERROR] parameter error ! Mode is neither install, uninstall, upgrade.")
    opts["home"] = os.path.join(prefix.rstrip("/") or "/", DIR_NAME)
    return opts


def merge_daemon_config(text, runtime_path: str, keep_default: bool) -> dict:
    """What ascend-docker-plugin-install-helper `add` writes: the file's keys kept, the ascend runtime added and,
    for Docker, made the default runtime. A file that is not JSON makes the helper fail."""
    config = json.loads(text) if text and text.strip() else {}
    if not isinstance(config, dict):
        raise ValueError("not a JSON object")
    config.setdefault("runtimes", {})["ascend"] = {"path": runtime_path, "runtimeArgs": []}
    if not keep_default:
        config["default-runtime"] = "ascend"
    return config


def _read(path: str):
    try:
        with open(state.path(path)) as f:
            return f.read()
    except OSError:
        return None


def _write(path: str, text: str, mode: int) -> None:
    full = state.path(path)
    os.makedirs(os.path.dirname(full), exist_ok=True)
    with open(full, "w") as f:
        f.write(text)
    os.chmod(full, mode)


def _install_files(home: str, payload_dir: str) -> None:
    for name in BINARIES:
        body = RUNTIME_PY if name == "ascend-docker-runtime" else "#!/bin/sh\nexit 0\n"
        _write(os.path.join(home, name), body, 0o550)
    _write(os.path.join(home, "script/uninstall.sh"), "#!/bin/sh\nexit 0\n", 0o500)
    _write(os.path.join(home, "README.md"), "Ascend Docker Runtime (simulated)\n", 0o644)
    config_dir = state.path(CONFIG_DIR)
    shutil.rmtree(config_dir, ignore_errors=True)
    os.makedirs(config_dir, mode=0o750, exist_ok=True)
    _write(CONFIG_DIR + "/base.list", "".join(p + "\n" for p in BASE_LIST), 0o440)


def _record(home: str, manifest: dict, opts: dict) -> None:
    edge = dict((t.lower(), "y" if opts["install_type"] == t else "n") for t in EDGE_TYPES)
    lines = ["version=v%s" % manifest["version"], "arch=%s" % os.uname().machine, "os=linux", "path=%s" % home,
             "build=Ascend-docker-runtime_%s-%s" % (manifest["version"], os.uname().machine)]
    lines += ["%s=%s" % (k, edge[k]) for k in ("a500", "a500a2", "a200", "a200isoc", "a200ia2")]
    _write(os.path.join(home, "ascend_docker_runtime_install.info"), "\n".join(lines) + "\n", 0o640)


def install(manifest: dict, args: list, out) -> int:
    """The .run's install.sh for the docker-runtime component."""
    def say(text):
        out.write(text + "\n")
        _log(text)

    try:
        opts = parse_args(args)
        if os.geteuid() != 0 and not os.environ.get("ASCEND_SIM_ROOT"):
            raise Refused("please run with root permission")
    except Refused as err:
        out.write(str(err) + "\n")
        return 1
    home = opts["home"]
    mode = opts["mode"][0] if opts["mode"] else None
    if mode == "uninstall":
        say("[INFO]: Uninstalling ascend docker runtime v%s" % manifest["version"])
        if not os.path.isdir(state.path(home)):
            say("WARNING: the specified install path does not exist, skipping")
            return 0
        config = json.loads(_read(DAEMON_JSON) or "{}")
        config.get("runtimes", {}).pop("ascend", None)
        if not config.get("runtimes"):
            config.pop("runtimes", None)
        if config.get("default-runtime") == "ascend":
            config.pop("default-runtime")
        _write(DAEMON_JSON, json.dumps(config, indent=4) + "\n", 0o600)
        say("remove daemon.json setting success")
        shutil.rmtree(state.path(home))
        say("remove executable files success")
        return 0
    if mode == "upgrade":
        say("upgrading ascend docker runtime")
        if not os.path.isdir(state.path(home)):
            say("ERROR: the specified install path does not exist, stopping upgrading")
            return 1
        _install_files(home, manifest["payload_dir"])
        _record(home, manifest, opts)
        say("[INFO]: Ascend Docker Runtime has been installed in: %s" % home)
        say("[INFO]: upgrade ascend docker runtime success")
        say("[INFO]: The version of Ascend Docker Runtime is: v%s" % manifest["version"])
        return 0
    if mode != "install":
        return 0
    say("installing ascend docker runtime")
    _install_files(home, manifest["payload_dir"])
    say("install executable files success")
    if manifest["arch"] != os.uname().machine:  # the vendor's helper binary is built for the package's CPU
        out.write("./ascend-docker-plugin-install-helper: cannot execute binary file: Exec format error\n")
        say("create damon.json failed")
        return 1
    config_dir = os.path.dirname("/etc/isulad/daemon.json" if opts["isula"] else DAEMON_JSON)
    target = os.path.join(config_dir, "daemon.json")
    try:
        config = merge_daemon_config(_read(target), os.path.join(home, "ascend-docker-runtime"), opts["isula"])
    except ValueError:
        say("create damon.json failed")
        return 1
    _write(target, json.dumps(config, indent=4) + "\n", 0o600)
    say("create damom.json success")
    _record(home, manifest, opts)
    say("[INFO]: Ascend Docker Runtime has been installed in: %s" % home)
    say("[INFO]: The version of Ascend Docker Runtime is: v%s" % manifest["version"])
    say("please reboot daemon and container engine to take effect")
    return 0


# -- the OCI runtime ---------------------------------------------------------------------------------------------------

def parse_visible_devices(value: str) -> list:
    """`0`, `1,3`, `0-2`, `0-2,4`, `npu-1`, `Ascend910-1` -> sorted physical IDs; numbers and names do not mix."""
    ids = set()
    parts = [p.strip() for p in value.split(",") if p.strip()]
    named = [bool(re.match(r"^[A-Za-z]", p)) for p in parts]
    if any(named) and not all(named):
        raise ValueError("mixed device ID forms in ASCEND_VISIBLE_DEVICES=%s" % value)
    for part in parts:
        m = re.fullmatch(r"(\d+)-(\d+)", part) or re.fullmatch(r"(\d+)", part) or \
            re.fullmatch(r"(?:npu|Ascend\w+?)-(\d+)", part)
        if not m:
            raise ValueError("invalid device ID %r in ASCEND_VISIBLE_DEVICES" % part)
        lo = int(m.group(1))
        hi = int(m.group(2)) if m.re.pattern.startswith(r"(\d+)-") else lo
        if lo > hi or hi > 128:
            raise ValueError("device ID range %s out of 0..128" % part)
        ids.update(range(lo, hi + 1))
    return sorted(ids)


def _device_entry(path: str) -> tuple:
    st = os.stat(state.path(path))
    if not stat.S_ISCHR(st.st_mode):
        raise ValueError("%s is not a character device" % path)
    device = {"path": path, "type": "c", "major": os.major(st.st_rdev), "minor": os.minor(st.st_rdev),
              "fileMode": stat.S_IMODE(st.st_mode), "uid": st.st_uid, "gid": st.st_gid}
    rule = {"allow": True, "type": "c", "major": device["major"], "minor": device["minor"], "access": "rwm"}
    return device, rule


def inject(spec: dict) -> dict:
    """The spec Docker gave, with the devices and mounts ASCEND_VISIBLE_DEVICES asks for."""
    env = dict(e.split("=", 1) for e in spec.get("process", {}).get("env", []) if "=" in e)
    value = env.get("ASCEND_VISIBLE_DEVICES", "").strip()
    if value in ("", "void"):
        return spec
    options = set(o.strip().upper() for o in env.get("ASCEND_RUNTIME_OPTIONS", "").split(",") if o.strip())
    if options - {"NODRV", "VIRTUAL"}:
        raise ValueError("invalid ASCEND_RUNTIME_OPTIONS=%s" % env["ASCEND_RUNTIME_OPTIONS"])
    paths = ["/dev/davinci%d" % i for i in parse_visible_devices(value)] + ["/dev/" + n for n in MANAGER_NODES]
    linux = spec.setdefault("linux", {})
    devices = linux.setdefault("devices", [])
    rules = linux.setdefault("resources", {}).setdefault("devices", [])
    for path in paths:
        if not os.path.exists(state.path(path)):
            raise ValueError("failed to get device info of %s: no such file or directory" % path)
        device, rule = _device_entry(path)
        if device["path"] not in [d["path"] for d in devices]:
            devices.append(device)
            rules.append(rule)
    if "NODRV" not in options:
        lists = ["base"] + [n.strip().lower() for n in env.get("ASCEND_RUNTIME_MOUNTS", "").split(",") if n.strip()]
        for name in lists:
            for line in (_read("%s/%s.list" % (CONFIG_DIR, name)) or "").splitlines():
                src = line.strip()
                if src and not src.startswith("#") and os.path.exists(state.path(src)):
                    spec.setdefault("mounts", []).append(
                        {"destination": src, "type": "bind", "source": src, "options": ["rbind", "ro"]})
    spec["process"]["env"] = spec["process"].get("env", []) + ["ASCEND_DOCKER_RUNTIME=True"]
    return spec


def bundle_of(argv: list):
    """The bundle directory of a `create` call, or None for every other runc command."""
    if "create" not in argv:
        return None
    rest = argv[argv.index("create") + 1:]
    for i, arg in enumerate(rest):
        if arg in ("--bundle", "-b") and i + 1 < len(rest):
            return rest[i + 1]
        if arg.startswith("--bundle="):
            return arg.split("=", 1)[1]
    return os.getcwd()


def edit_bundle(bundle: str, edit) -> None:
    path = os.path.join(bundle, "config.json")
    with open(path) as f:
        spec = json.load(f)
    spec = edit(spec)
    with open(path + ".tmp", "w") as f:
        json.dump(spec, f)
    os.replace(path + ".tmp", path)


def runtime_main(argv: list) -> int:
    bundle = bundle_of(argv)
    if bundle is not None:
        try:
            edit_bundle(bundle, inject)
        except (ValueError, OSError) as err:
            sys.stderr.write("ascend-docker-runtime: %s\n" % err)
            return 1
    os.execvp("runc", ["runc"] + argv)  # PATH finds the host's runc, as the real runtime does
    return 127
