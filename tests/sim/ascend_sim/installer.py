"""The install logic inside the simulated `.run` packages (driver, firmware, CANN toolkit, kernels/ops, nnal).

It enforces what the real installers enforce (ascend-tech-reference.md sections 4.1 to 4.6): root, the options each
package knows, the CPU architecture and (HDK) the chip family it was built for, the HwHiAiUser account, the tools
and kernel build prerequisites of the driver, firmware only over an installed driver, kernels and nnal only over a
toolkit of the same version (nnal with the toolkit's environment set), `--upgrade` and `--uninstall` only over an
installed package, and it writes (and `--uninstall` removes) the real version and record files. A driver or firmware
change takes effect only after a reboot.

Run from the extracted package directory, which holds manifest.json and the version records to install.
"""

from __future__ import annotations

import datetime
import grp
import json
import os
import pwd
import shutil
import sys

from . import catalog, docker_runtime, state

TAGS = {"driver": "Driver", "firmware": "Firmware", "toolkit": "Toolkit", "kernels": "Kernels", "nnal": "NNAL"}
DRIVER_TOOLS = ["which", "awk", "lspci", "ifconfig", "chattr", "lsattr", "ldconfig", "modprobe", "cksum"]

# The options each installer script knows (section 4.1); the makeself header has consumed its own (--check, --nox11,
# --noexec, --extract=, ...) and passes --quiet and everything else on. A trailing "=" marks an option with a value.
_CANN_OPTIONS = {"install", "upgrade", "uninstall", "version", "quiet", "install-for-all", "install-path="}
OPTIONS = {
    "driver": {"full", "run", "devel", "docker", "upgrade", "uninstall", "version", "quiet", "force", "norebuild",
               "install-for-all", "install-path=", "install-username=", "install-usergroup="},
    "firmware": {"full", "upgrade", "uninstall", "version", "quiet"},
    "toolkit": _CANN_OPTIONS,
    "kernels": _CANN_OPTIONS,
    "nnal": _CANN_OPTIONS,
}
# Driver options that only a fresh install takes (section 4.1 nests them under --full), in the driver script's words.
_ACCOUNT_ONLY = "install-username and install-usergroup params need used with full/debug/run/docker/devel."
INSTALL_ONLY = {"install-path": "install-path param need used with full/debug/run/docker/devel.",
                "install-username": _ACCOUNT_ONLY, "install-usergroup": _ACCOUNT_ONLY}


def host_arch() -> str:
    """`uname -m` of the host the package runs on."""
    return os.uname().machine


class InstallError(Exception):
    pass


class Installer:
    def __init__(self, manifest: dict, args: list, out=None):
        self.m = manifest
        self.out = out or sys.stdout
        self.component = manifest["component"]
        self.version = manifest["version"]
        self.tag = TAGS[self.component]
        self.opts = {}
        self.flags = set()
        self.unrecognized = None
        known = OPTIONS[self.component]
        for arg in args:
            if not arg.startswith("-"):
                break  # like the vendor scripts, option parsing stops at the first operand
            key, eq, value = arg[2:].partition("=") if arg.startswith("--") else (arg, "", "")
            if key + eq not in known:
                self.unrecognized = arg
                break
            if eq:
                self.opts[key] = value
            else:
                self.flags.add(key)
        self.prefix = self.opts.get("install-path", state.ASCEND)
        if self.component == "firmware":  # firmware takes no path: it goes beside the driver
            self.prefix = state.read_kv(state.INSTALL_INFO).get("Driver_Install_Path_Param", state.ASCEND)
        self.quiet = "quiet" in self.flags
        # the operation log's word; every other mode installs
        self.action = next((mode for mode in ("upgrade", "uninstall") if mode in self.flags), "install")

    # -- logging, as the real installers print and log ------------------------------------------------------------
    def log(self, level: str, text: str) -> None:
        now = datetime.datetime.now().strftime("%Y-%m-%d %H:%M:%S")
        line = "[%s] [%s] [%s]%s" % (self.tag, now, level, text)
        self.out.write(line + "\n")
        full = state.path(state.INSTALL_LOG)
        os.makedirs(os.path.dirname(full), exist_ok=True)
        with open(full, "a") as f:
            f.write(line + "\n")

    def operation(self, action: str, result: str) -> None:
        full = state.path(state.OPERATION_LOG)
        os.makedirs(os.path.dirname(full), exist_ok=True)
        with open(full, "a") as f:
            f.write("%s %s %s %s %s\n" % (datetime.datetime.now().strftime("%Y-%m-%d %H:%M:%S"), self.tag,
                                          action, self.version, result))

    def fail(self, text: str):
        raise InstallError(text)

    # -- helpers ---------------------------------------------------------------------------------------------------
    def logical(self, rel: str) -> str:
        """A path under the install prefix as the host sees it."""
        return os.path.join(self.prefix, rel)

    def p(self, rel: str) -> str:
        """The same path where this process writes it (under ASCEND_SIM_ROOT in unit tests)."""
        return state.path(self.logical(rel))

    def write(self, rel_or_abs: str, text: str, mode: int = 0o644, absolute: bool = False) -> None:
        full = state.path(rel_or_abs) if absolute else self.p(rel_or_abs)
        os.makedirs(os.path.dirname(full), exist_ok=True)
        with open(full, "w") as f:
            f.write(text)
        os.chmod(full, mode)

    def record(self, name: str) -> str:
        """A version record shipped in the package payload (the same bytes land on the host)."""
        with open(os.path.join(self.m["payload_dir"], name)) as f:
            return f.read()

    def take_fault(self):
        """A one-shot injected failure of this component's next install: the percentage it dies at."""
        faults = state.faults()
        percent = faults.get("installer_fail", {}).pop(self.component, None)
        if percent is not None:
            state.write_json(state.FAULTS, faults)
        return percent

    def mode(self, allowed: tuple) -> str:
        modes = [m for m in allowed if m in self.flags]
        if len(modes) != 1:
            self.fail("ERR_NO:0x0001;ERR_DES:exactly one of %s is required" % ", ".join("--" + m for m in allowed))
        return modes[0]

    def require_root(self):
        if os.geteuid() != 0 and not os.environ.get("ASCEND_SIM_ROOT"):
            self.fail("ERR_NO:0x0093;ERR_DES:do not have root permission, operation failed, please use root "
                      "permission!")

    def check_options(self):
        if self.unrecognized is not None:
            self.fail("ERR_NO:0x0004;ERR_DES: Unrecognized parameters: %s. Try './xxx.run --help' for more "
                      "information." % self.unrecognized)
        if self.component == "driver" and self.action == "upgrade":
            for option in self.opts:  # every driver option with a value belongs to a fresh install
                self.fail("ERR_NO:0x0004;ERR_DES:" + INSTALL_ONLY[option])

    def check_target(self):
        """A package for another CPU architecture or (HDK) another chip family refuses before touching anything."""
        if self.component != "firmware" and self.m["arch"] != host_arch():  # firmware runs on the card, any CPU
            if self.component == "driver":
                self.fail("\033[31mArch mismatch, src package is %s, cur os is %s \033[0m"
                          % (catalog.hdk_arch(self.m["arch"]), host_arch()))
            self.fail("ERR_NO:0x0001;ERR_DES:The architecture of the run package is inconsistent with that of the "
                      "current environment. ")
        hw = state.read_json(state.HOST) or {}
        # Only HDK packages probe the cards (lspci); CANN and its op kernels install on any host, images included.
        if self.component in ("driver", "firmware") and self.action != "uninstall" and hw \
                and hw["family"] != self.m["family"]:
            self.fail("The current installation package and environment is not match, please check.")

    def ask_continue(self, installed: str, where: str) -> bool:
        self.log("INFO", "%s package has been installed on the path %s, the version is %s, and the version of this "
                         "package is %s, do you want to continue?  [y/n]" % (self.tag, where, installed, self.version))
        if self.quiet:
            return True
        answer = sys.stdin.readline().strip().lower()
        return answer in ("y", "yes")

    # -- entry -----------------------------------------------------------------------------------------------------
    def run(self) -> int:
        if "version" in self.flags and self.unrecognized is None:
            self.out.write("%s\n" % self.version)
            return 0
        try:
            self.require_root()
            self.log("INFO", "Start time: %s" % datetime.datetime.now().strftime("%Y-%m-%d %H:%M:%S"))
            self.log("INFO", "LogFile: %s" % state.INSTALL_LOG)
            self.log("INFO", "OperationLogFile: %s" % state.OPERATION_LOG)
            self.check_options()
            self.check_target()
            rc = getattr(self, "do_" + self.component)()
        except InstallError as err:
            self.log("ERROR", str(err))
            self.operation(self.action, "failed")
            return 1
        self.log("INFO", "End time: %s" % datetime.datetime.now().strftime("%Y-%m-%d %H:%M:%S"))
        return rc

    # -- HDK ---------------------------------------------------------------------------------------------------------
    def do_driver(self) -> int:
        mode = self.mode(("full", "run", "devel", "docker", "upgrade", "uninstall"))
        if mode == "uninstall":
            return self.uninstall_driver()
        installed = state.read_kv(state.DRIVER_VERSION)
        if mode == "upgrade" and not installed:
            self.fail("ERR_NO:0x0080;ERR_DES:Driver package is not installed, please use --full to install it")
        self.log("WARNING", "Do not power off or restart the system during the installation/upgrade")
        # An upgrade keeps the account the first install recorded; a first install defaults to HwHiAiUser.
        recorded = state.read_kv(state.INSTALL_INFO)
        user = self.opts.get("install-username", recorded.get("UserName", "HwHiAiUser"))
        group = self.opts.get("install-usergroup",
                              user if "install-username" in self.opts else recorded.get("UserGroup", "HwHiAiUser"))
        try:
            pwd.getpwnam(user)
        except KeyError:
            self.fail("ERR_NO:0x0091;ERR_DES:%s not exists! Please add %s" % (user, user))
        try:
            grp.getgrnam(group)
        except KeyError:
            self.fail("ERR_NO:0x0091;ERR_DES:%s group not exists! Please add %s group" % (group, group))
        self.log("INFO", "set username and usergroup, %s:%s" % (user, group))
        missing = [t for t in DRIVER_TOOLS if not shutil.which(t)]
        if missing:
            self.fail("The list of missing tools: %s" % "".join(t + "," for t in missing))
        kernel = os.uname().release
        dkms_ready = all(shutil.which(t) for t in ("dkms", "gcc", "make")) and \
            os.path.exists(state.path("/lib/modules/%s/build" % kernel))
        if not dkms_ready:
            self.log("ERROR", "driver vermagic check failed.")
            self.fail("Dkms install failed, details in : var/log/ascend_seclog/ascend_install.log.")
        current = installed.get("package_version") or installed.get("Version")
        if current and current == self.version and not self.ask_continue(current, self.prefix):
            return 0
        self.log("INFO", "driver install type: DKMS")
        # The old driver goes first: from here until the end a failure leaves no version record at all.
        if os.path.exists(self.p("driver/version.info")):
            os.remove(self.p("driver/version.info"))
        fault = self.take_fault()
        for percent in (10, 30, 40, 90):
            if fault is not None and percent >= fault:
                self.partial_driver(user, group)
                self.fail("Driver package install failed, details in : %s" % state.INSTALL_LOG)
            self.log("INFO", "upgradePercentage:%d%%" % percent)
            if percent == 30:
                self.partial_driver(user, group)
        self.complete_driver(user, group)
        self.log("INFO", "upgradePercentage:100%")
        verb = "upgraded" if installed else "installed"
        self.log("INFO", "Driver package %s successfully! Reboot needed for installation/upgrade to take effect!"
                 % verb)
        self.operation("upgrade" if installed else "install", "success")
        return 0

    def partial_driver(self, user: str, group: str) -> None:
        """The files an interrupted install leaves behind: the libraries and tools, but no version record."""
        for_all = "install-for-all" in self.flags
        lib_mode = 0o755 if for_all else 0o750
        self.write("driver/lib64/common/libc_sec.so", "sim\n", lib_mode)
        self.write("driver/lib64/driver/libdcmi.so", "sim\n", lib_mode)
        self.write("/usr/local/dcmi/dcmi_interface_api.h", "/* dcmi */\n", 0o644, absolute=True)
        tool = "#!/usr/bin/python3\nimport sys\nsys.path.insert(0, '/opt/ascend-sim')\n" \
               "from ascend_sim.%s import main\nsys.exit(main(sys.argv[1:]%s))\n"
        self.write("/usr/local/bin/npu-smi", tool % ("npusmi", ", %r" % self.version), 0o755, absolute=True)
        if self.m["family"] != "310p":
            self.write("driver/tools/hccn_tool", tool % ("hccn", ""), 0o755)
        info = state.read_kv(state.INSTALL_INFO)
        info.update(UserName=user, UserGroup=group, Driver_Install_Type="full",
                    Driver_Install_Path_Param=self.prefix, Driver_Install_For_All="yes" if for_all else "no",
                    Driver_Install_Mode="normal")
        info.pop("Driver_Install_Status", None)
        state.write_kv(state.INSTALL_INFO, info)

    def complete_driver(self, user: str, group: str) -> None:
        self.write("driver/tools/upgrade-tool", "#!/bin/sh\necho succeed\n", 0o755)
        self.write("driver/script/uninstall.sh", "#!/bin/sh\necho 'use the package with --uninstall'\n", 0o755)
        self.write("/lib/davinci.conf", "DAVINCI_HOME_PATH=%s\n" % self.prefix, 0o444, absolute=True)
        info = state.read_kv(state.INSTALL_INFO)
        info["Driver_Install_Status"] = "complete"
        state.write_kv(state.INSTALL_INFO, info)
        self.write("driver/version.info", self.record("driver/version.info"))  # written last: the install's proof

    def uninstall_driver(self) -> int:
        """Everything the install wrote goes; the modules stay loaded (and the device nodes present) until a reboot.
        An interrupted install, which recorded its path but no version, can be uninstalled too."""
        info = state.read_kv(state.INSTALL_INFO)
        if not info.get("Driver_Install_Path_Param"):
            self.fail("ERR_NO:0x0080;ERR_DES:Driver package is not installed on this device, uninstall failed")
        self.prefix = info["Driver_Install_Path_Param"]
        shutil.rmtree(self.p("driver"), ignore_errors=True)
        for f in ("/usr/local/bin/npu-smi", "/lib/davinci.conf"):
            if os.path.exists(state.path(f)):
                os.remove(state.path(f))
        shutil.rmtree(state.path("/usr/local/dcmi"), ignore_errors=True)
        state.write_kv(state.INSTALL_INFO, {k: v for k, v in info.items() if not k.startswith("Driver_")})
        self.log("INFO", "Driver package uninstalled successfully! Reboot needed for uninstallation to take effect!")
        self.operation("uninstall", "success")
        return 0

    def do_firmware(self) -> int:
        mode = self.mode(("full", "upgrade", "uninstall"))
        installed = os.path.exists(self.p("firmware/version.info"))
        if mode == "uninstall":
            if not installed:
                self.fail("ERR_NO:0x0080;ERR_DES:Firmware package is not installed on this device, uninstall failed")
            # The cards keep the flashed firmware: only the package's files and records go.
            shutil.rmtree(self.p("firmware"))
            state.write_kv(state.INSTALL_INFO, {k: v for k, v in state.read_kv(state.INSTALL_INFO).items()
                                                if not k.startswith("Firmware_")})
            self.log("INFO", "Firmware package uninstalled successfully! Uninstallation takes effect immediately.")
            self.operation("uninstall", "success")
            return 0
        self.log("WARNING", "Do not power off or restart the system during the installation/upgrade")
        if not (state.read_kv(state.DRIVER_VERSION) and os.path.exists(self.p("driver/tools/upgrade-tool"))):
            self.fail("driver not installed, please install driver first")
        if mode == "upgrade" and not installed:
            self.fail("ERR_NO:0x0080;ERR_DES:Firmware package is not installed, please use --full to install it")
        flashed = (state.read_json(state.FLASH) or {}).get("version")
        chips = sum(len(card["chips"]) for card in state.host()["cards"])
        fault = self.take_fault()
        self.log("INFO", "upgradePercentage: 0%")
        if fault is not None:
            self.write("firmware/image/npu_fw.bin", "partial\n", 0o644)
            self.fail("Firmware package install failed, details in : %s" % state.INSTALL_LOG)
        self.write("firmware/image/npu_fw.bin", "sim firmware %s\n" % self.version, 0o644)
        self.write("firmware/script/uninstall.sh", "#!/bin/sh\necho 'use the package with --uninstall'\n", 0o755)
        info = state.read_kv(state.INSTALL_INFO)
        info.update(Firmware_Install_Type="full", Firmware_Install_Path_Param=self.prefix)
        state.write_kv(state.INSTALL_INFO, info)
        self.write("firmware/version.info", self.record("firmware/version.info"))
        if flashed == self.version:
            self.log("INFO", "The firmware of [%d] chips are the same version, no need to upgrade." % chips)
            return 2  # ascend-deployer treats rc 2 as success: nothing was flashed
        state.write_json(state.FLASH, {"version": self.version, "drv": self.m["records"]["drv_range"]})
        self.log("INFO", "upgradePercentage: 100%")
        self.log("INFO", "The firmware of [%d] chips are successfully upgraded." % chips)
        self.log("INFO", "Firmware package installed successfully! Reboot now or after driver installation for the "
                         "installation/upgrade to take effect.")
        self.operation(self.action, "success")
        return 0

    # -- CANN ------------------------------------------------------------------------------------------------------
    def toolkit_dir(self, version: str) -> str:
        """8.5 and later install into cann-<ver>; older releases into ascend-toolkit/<ver>."""
        if catalog.version_key(version) >= catalog.version_key("8.5.0"):
            return "cann-%s" % version
        return "ascend-toolkit/%s" % version

    def installed_toolkit(self) -> str | None:
        info = "ascend-toolkit/latest/%s-linux/ascend_toolkit_install.info" % self.m["arch"]
        return state.read_kv(self.logical(info)).get("version")

    def not_installed(self):
        if self.action == "uninstall":
            self.fail("ERR_NO:0x0080;ERR_DES:Runfile is not installed on %s, uninstall failed" % self.prefix)
        self.fail("ERR_NO:0x0080;ERR_DES:Runfile is not installed in %s, upgrade failed" % self.prefix)

    def drop_dangling(self, *links: str) -> None:
        for link in map(self.p, links):
            if os.path.islink(link) and not os.path.exists(link):
                os.remove(link)

    def uninstalled(self, name: str) -> int:
        self.log("INFO", " %s uninstall success" % name)
        self.operation("uninstall", "success")
        return 0

    def do_toolkit(self) -> int:
        mode = self.mode(("install", "upgrade", "uninstall"))
        vdir = self.toolkit_dir(self.version)
        arch_dir = "%s/%s-linux" % (vdir, self.m["arch"])
        info = os.path.join(self.p(arch_dir), "ascend_toolkit_install.info")
        previous = self.installed_toolkit()
        if mode == "uninstall":
            return self.uninstall_toolkit(vdir, info)
        if mode == "upgrade" and previous is None:
            self.not_installed()
        if os.path.exists(info) and not self.ask_continue(self.version, self.p(vdir)):
            return 0
        fault = self.take_fault()
        lib_mode = 0o755 if "install-for-all" in self.flags else 0o750
        self.write(arch_dir + "/lib64/libascendcl.so", "sim\n", lib_mode)
        self.write(vdir + "/runtime/lib64/libruntime.so", "sim\n", lib_mode)
        if fault is not None:
            self.fail("Ascend-cann-toolkit install failed, details in : %s" % state.INSTALL_LOG)
        env = (
            "export ASCEND_TOOLKIT_HOME={root}/latest\n"
            "export ASCEND_HOME_PATH=${{ASCEND_TOOLKIT_HOME}}\n"
            "export ASCEND_OPP_PATH=${{ASCEND_TOOLKIT_HOME}}/opp\n"
            "export ASCEND_AICPU_PATH=${{ASCEND_TOOLKIT_HOME}}\n"
            "export LD_LIBRARY_PATH=${{ASCEND_TOOLKIT_HOME}}/lib64:${{ASCEND_TOOLKIT_HOME}}/{arch}-linux/lib64:"
            "${{LD_LIBRARY_PATH}}\n"
            "export PATH=${{ASCEND_TOOLKIT_HOME}}/bin:${{ASCEND_TOOLKIT_HOME}}/compiler/ccec_compiler/bin:${{PATH}}\n"
            "export PYTHONPATH=${{ASCEND_TOOLKIT_HOME}}/python/site-packages:${{PYTHONPATH}}\n"
        ).format(root=os.path.join(self.prefix, "ascend-toolkit"), arch=self.m["arch"])
        self.write(vdir + "/set_env.sh", env, 0o755)
        self.write(vdir + "/version.cfg", self.record("version.cfg"), 0o644)
        self.write(vdir + "/toolkit/version.info", self.record("toolkit/version.info"), 0o644)
        self.write(arch_dir + "/ascend_toolkit_install.info",
                   self.record("ascend_toolkit_install.info").replace("@PATH@", self.logical(arch_dir)), 0o644)
        self.write("ascend-toolkit/set_env.sh", env, 0o755)
        # `latest` follows the newest install; 8.5+ goes through the `cann` link as the real layout does.
        os.makedirs(self.p("ascend-toolkit"), exist_ok=True)
        if vdir.startswith("cann-"):
            self.relink(self.p("cann"), self.p(vdir))
            self.relink(self.p("ascend-toolkit/latest"), self.p("cann"))
        else:
            self.relink(self.p("ascend-toolkit/latest"), self.p(vdir))
        self.write("/etc/Ascend/ascend_cann_install.info",
                   "UserName=root\nUserGroup=root\nInstall_Path_Param=%s\n" % self.prefix, 0o644, absolute=True)
        if self.action == "upgrade" and previous != self.version:  # an upgrade replaces the release it upgrades
            shutil.rmtree(self.p(self.toolkit_dir(previous)), ignore_errors=True)
            self.drop_dangling("cann")
        self.log("INFO", " Ascend-cann-toolkit install success")
        self.operation(self.action, "success")
        return 0

    def uninstall_toolkit(self, vdir: str, info: str) -> int:
        if not os.path.exists(info):
            self.not_installed()
        shutil.rmtree(self.p(vdir))
        self.drop_dangling("ascend-toolkit/latest", "cann")
        others = [d for d in os.listdir(self.p("ascend-toolkit")) if os.path.isdir(self.p("ascend-toolkit/" + d))]
        if not others and not any(d.startswith("cann-") for d in os.listdir(self.p(""))):
            # the last release takes the shared environment script and the CANN install record with it
            shutil.rmtree(self.p("ascend-toolkit"))
            if os.path.exists(state.path("/etc/Ascend/ascend_cann_install.info")):
                os.remove(state.path("/etc/Ascend/ascend_cann_install.info"))
        return self.uninstalled("Ascend-cann-toolkit")

    @staticmethod
    def relink(link: str, target: str) -> None:
        tmp = link + ".tmp"
        if os.path.lexists(tmp):
            os.remove(tmp)
        os.symlink(os.path.relpath(target, os.path.dirname(link)), tmp)
        os.replace(tmp, link)

    def require_toolkit(self, need_env: bool) -> str:
        toolkit = self.installed_toolkit()
        if need_env and not os.environ.get("ASCEND_TOOLKIT_HOME"):
            self.fail("Please source the set_env.sh of cann-toolkit (ASCEND_TOOLKIT_HOME is not set)")
        if toolkit is None:
            self.fail("Ascend-cann-toolkit is not installed in %s, please install it first" % self.prefix)
        if toolkit != self.version:
            self.fail("The version of Ascend-cann-toolkit (%s) does not match this package (%s)"
                      % (toolkit, self.version))
        return self.toolkit_dir(toolkit)

    def do_kernels(self) -> int:
        mode = self.mode(("install", "upgrade", "uninstall"))
        kernel_dir = "opp/built-in/op_impl/ai_core/tbe/kernel/" + catalog.FAMILIES[self.m["family"]]["kernel_dir"]
        if mode == "uninstall":
            vdir = self.toolkit_dir(self.version)
            if not os.path.exists(self.p(vdir + "/opp_kernel/version.info")):
                self.not_installed()
            shutil.rmtree(self.p(vdir + "/opp_kernel"))
            shutil.rmtree(self.p("%s/%s" % (vdir, kernel_dir)), ignore_errors=True)
            return self.uninstalled("Ascend-cann-kernels")
        vdir = self.require_toolkit(need_env=True)
        record = vdir + "/opp_kernel/version.info"
        if mode == "upgrade" and not os.path.exists(self.p(record)):
            self.not_installed()
        if os.path.exists(self.p(record)) and not self.ask_continue(self.version, self.p(vdir)):
            return 0
        fault = self.take_fault()
        self.write("%s/%s/binary_info_config.json" % (vdir, kernel_dir), "{}\n")
        if fault is not None:
            self.fail("Ascend-cann-kernels install failed, details in : %s" % state.INSTALL_LOG)
        self.write(record, self.record("opp_kernel/version.info"))
        self.log("INFO", " Ascend-cann-kernels install success")
        self.operation(self.action, "success")
        return 0

    def do_nnal(self) -> int:
        mode = self.mode(("install", "upgrade", "uninstall"))
        vdir = "nnal/atb/%s" % self.version
        if mode == "uninstall":
            if not os.path.exists(self.p(vdir + "/version.info")):
                self.not_installed()
            shutil.rmtree(self.p(vdir))
            self.drop_dangling("nnal/atb/latest")
            if not os.path.lexists(self.p("nnal/atb/latest")):  # no release left: the environment script goes
                shutil.rmtree(self.p("nnal"))
            return self.uninstalled("Ascend-cann-nnal")
        self.require_toolkit(need_env=True)
        previous = os.path.realpath(self.p("nnal/atb/latest"))
        if mode == "upgrade" and not os.path.exists(previous):
            self.not_installed()
        if os.path.exists(self.p(vdir + "/version.info")) and not self.ask_continue(self.version, self.p(vdir)):
            return 0
        fault = self.take_fault()
        for abi in (0, 1):
            self.write("%s/atb/cxx_abi_%d/lib/libatb.so" % (vdir, abi), "sim\n")
        if fault is not None:
            self.fail("Ascend-cann-nnal install failed, details in : %s" % state.INSTALL_LOG)
        env = (
            'cxx_abi=1\nfor arg in "$@"; do case "$arg" in --cxx_abi=*) cxx_abi="${{arg#--cxx_abi=}}";; esac; done\n'
            "export ATB_HOME_PATH={root}/latest/atb/cxx_abi_${{cxx_abi}}\n"
            "export LD_LIBRARY_PATH=${{ATB_HOME_PATH}}/lib:${{LD_LIBRARY_PATH}}\n"
        ).format(root=os.path.join(self.prefix, "nnal/atb"))
        self.write("nnal/atb/set_env.sh", env, 0o755)
        self.write(vdir + "/version.info", self.record("nnal/version.info"))
        self.relink(self.p("nnal/atb/latest"), self.p(vdir))
        if mode == "upgrade" and previous != os.path.realpath(self.p(vdir)):  # the upgraded release goes
            shutil.rmtree(previous)
        self.log("INFO", " Ascend-cann-nnal install success")
        self.operation(self.action, "success")
        return 0


def main(argv: list, payload_dir: str = ".") -> int:
    with open(os.path.join(payload_dir, "manifest.json")) as f:
        manifest = json.load(f)
    manifest["payload_dir"] = payload_dir
    if manifest["component"] == "docker-runtime":  # MindCluster's installer, not the HDK/CANN framework
        return docker_runtime.install(manifest, argv, sys.stdout)
    return Installer(manifest, argv).run()
