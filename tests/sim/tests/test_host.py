"""The simulated host end to end, on a temporary root (ASCEND_SIM_ROOT): boot, packages built and installed with
their real rules, loaded versus installed state across a reboot, npu-smi and hccn_tool answers, fault injection."""

from __future__ import annotations

import grp
import io
import json
import os
import platform
import pwd
import stat
import subprocess
import sys
import types

import pytest

from ascend_sim import boot, catalog, cli, hccn, installer, npusmi, pci, pkgbuild, profiles, state

SIM_DIR = os.path.dirname(os.path.dirname(installer.__file__))


@pytest.fixture()
def nodes(monkeypatch):
    """The device nodes boot makes, by name: (major, minor, mode, uid, gid). mknod needs root, so the unit tests
    record them and leave a plain file in their place."""
    made = {}

    def record(path, major, minor, mode, uid, gid):
        open(path, "w").close()
        made[os.path.basename(path)] = (major, minor, mode, uid, gid)

    monkeypatch.setattr(boot, "make_char_device", record)
    return made


@pytest.fixture()
def host(tmp_path, monkeypatch, nodes):
    """A powered-on 800I A2 with every driver prerequisite present (tools, kernel build tree), x86_64 like the
    packages the tests build."""
    root = tmp_path / "root"
    monkeypatch.setenv("ASCEND_SIM_ROOT", str(root))
    (root / "lib/modules" / os.uname().release / "build").mkdir(parents=True)
    monkeypatch.setattr(installer.shutil, "which", lambda tool: "/usr/bin/" + tool)
    monkeypatch.setattr(installer, "host_arch", lambda: "x86_64")
    return root


def power_on(profile="atlas-800i-a2", **env):
    return boot.boot({"ASCEND_SIM_PROFILE": profile, **env})


def install(tmp_path, component, version, family="910b", args=("--full", "--install-for-all", "--quiet"),
            arch="x86_64", **kw):
    run = pkgbuild.build(component, family, version, arch, str(tmp_path / "pkgs"), **kw)
    return run_package(tmp_path, run, args)


def run_package(tmp_path, run, args):
    """Extract the .run as makeself does and run its installer in this process (so the tests can patch it)."""
    dest = tmp_path / ("x-" + os.path.basename(run))
    subprocess.run(["sh", run, "--noexec", "--extract=%s" % dest, "--quiet"], check=True)
    out = io.StringIO()
    manifest = json.loads((dest / "manifest.json").read_text())
    inst = installer.Installer(dict(manifest, payload_dir=str(dest)), list(args), out)
    return inst.run(), out.getvalue()


def npu_smi(*argv, version="24.1.rc3"):
    out = io.StringIO()
    rc = npusmi.main(list(argv), version, out)
    return rc, out.getvalue()


ROOT_USER = ("--full", "--install-for-all", "--quiet", "--install-username=root", "--install-usergroup=root")


def test_bare_host_shows_cards_only_through_pci(host):
    (host / "sys/bus/pci/devices").mkdir(parents=True)
    power_on()
    slot = host / "sys/bus/pci/devices/0000:c1:00.0"
    assert [(slot / f).read_text() for f in ("class", "vendor", "device", "subsystem_vendor", "subsystem_device")] \
        == ["0x120000\n", "0x19e5\n", "0xd802\n", "0x19e5\n", "0x3002\n"]
    assert state.loaded() == {}
    rc, text = npu_smi("info")
    assert rc == npusmi.RC_ERROR and text == npusmi.DCMI_INIT_FAILED + "\n"
    out = io.StringIO()
    pci.lspci(["-Dvmmn", "-d", "19e5:"], out)
    records = [r for r in out.getvalue().split("\n\n") if r.strip()]
    assert len(records) == 8
    assert records[0].splitlines()[:6] == ["Slot:\t0000:01:00.0", "Class:\t1200", "Vendor:\t19e5", "Device:\td802",
                                           "SVendor:\t19e5", "SDevice:\t3002"]
    out = io.StringIO()
    pci.lspci([], out)
    assert "01:00.0 Processing accelerators: Huawei Technologies Co., Ltd. Device d802 (rev 20)" in out.getvalue()
    out = io.StringIO()
    pci.dmidecode(["-s", "system-product-name"], out)
    assert out.getvalue() == "Atlas 800I A2\n"


def test_driver_needs_the_account_and_the_tools(host, tmp_path, monkeypatch):
    power_on()
    rc, out = install(tmp_path, "driver", "24.1.rc3", args=("--full", "--quiet", "--install-username=nobody-x"))
    assert rc == 1 and "ERR_NO:0x0091;ERR_DES:nobody-x not exists! Please add nobody-x" in out
    monkeypatch.setattr(installer.shutil, "which", lambda tool: None if tool in ("lspci", "ifconfig") else tool)
    rc, out = install(tmp_path, "driver", "24.1.rc3", args=ROOT_USER)
    assert rc == 1 and "[ERROR]The list of missing tools: lspci,ifconfig," in out
    assert not os.path.exists(state.path(state.DRIVER_VERSION))


def test_driver_without_kernel_headers_fails_the_vermagic_check(host, tmp_path):
    power_on()
    os.rmdir(host / "lib/modules" / os.uname().release / "build")
    rc, out = install(tmp_path, "driver", "24.1.rc3", args=ROOT_USER)
    assert rc == 1 and "[ERROR]driver vermagic check failed." in out


def test_fresh_install_then_reboot_loads_driver_and_firmware(host, tmp_path):
    power_on()
    rc, out = install(tmp_path, "driver", "24.1.rc3", args=ROOT_USER)
    assert rc == 0, out
    assert "Driver package installed successfully! Reboot needed for installation/upgrade to take effect!" in out
    assert state.read_kv(state.DRIVER_VERSION)["package_version"] == "24.1.rc3"
    assert state.read_kv(state.INSTALL_INFO)["Driver_Install_Status"] == "complete"
    # installed, not loaded: the new npu-smi cannot talk to the device yet
    assert npu_smi("info") == (npusmi.RC_ERROR, npusmi.DCMI_INIT_FAILED + "\n")
    rc, out = install(tmp_path, "firmware", "7.5.0.1.129", args=("--full", "--quiet"))
    assert rc == 0 and "The firmware of [8] chips are successfully upgraded." in out
    first_boot = (host / "run/ascend-sim/boot_id").read_text()
    loaded = power_on()
    assert (host / "run/ascend-sim/boot_id").read_text() != first_boot
    assert loaded["driver"] == "24.1.rc3" and loaded["firmware"] == "7.5.0.1.129"
    rc, text = npu_smi("info")
    assert rc == 0 and "| npu-smi 24.1.rc3                 Version: 24.1.rc3" in text
    rc, board = npu_smi("info", "-t", "board", "-i", "3")
    assert "\tFirmware Version               : 7.5.0.1.129\n" in board
    assert "\tCompatibility                  : OK\n" in board
    assert "\tSoftware Version               : 24.1.rc3\n" in board
    assert sorted(os.listdir(host / "dev"))[:2] == ["davinci0", "davinci1"]
    log = state.path(state.INSTALL_LOG)
    lines = open(log).read().splitlines()
    assert lines.index(next(x for x in lines if x.startswith("[Driver]"))) < \
        lines.index(next(x for x in lines if x.startswith("[Firmware]")))


def test_firmware_needs_an_installed_driver(host, tmp_path):
    power_on()
    rc, out = install(tmp_path, "firmware", "7.5.0.1.129", args=("--full", "--quiet"))
    assert rc == 1 and "[ERROR]driver not installed, please install driver first" in out


def test_same_firmware_again_returns_2_and_flashes_nothing(host, tmp_path):
    power_on()
    install(tmp_path, "driver", "24.1.rc3", args=ROOT_USER)
    assert install(tmp_path, "firmware", "7.5.0.1.129", args=("--full", "--quiet"))[0] == 0
    rc, out = install(tmp_path, "firmware", "7.5.0.1.129", args=("--upgrade", "--quiet"))
    assert rc == 2 and "no need to upgrade" in out


def test_upgrade_before_reboot_breaks_npu_smi_until_the_reboot(host, tmp_path):
    power_on()
    install(tmp_path, "driver", "24.1.rc3", args=ROOT_USER)
    power_on()
    assert npu_smi("info")[0] == 0
    rc, out = install(tmp_path, "driver", "25.0.rc1.1", args=("--upgrade", "--quiet"))
    assert rc == 0 and "Driver package upgraded successfully! Reboot needed" in out
    assert npu_smi("info", version="25.0.rc1.1")[0] == npusmi.RC_ERROR  # new tool, old modules
    power_on()
    assert npu_smi("info", version="25.0.rc1.1")[0] == 0


def test_incompatible_pair_reports_not_support(host, tmp_path):
    power_on()
    install(tmp_path, "driver", "23.0.rc3", args=ROOT_USER)
    install(tmp_path, "firmware", "7.8.0.6.201", args=("--full", "--quiet"))
    power_on()
    board = npu_smi("info", "-t", "board", "-i", "0", version="23.0.rc3")[1]
    assert "\tCompatibility                  : NOT SUPPORT\n" in board


def test_installer_failing_halfway_leaves_a_partial_install(host, tmp_path):
    power_on()
    state.write_json(state.FAULTS, {"installer_fail": {"driver": 40}})
    rc, out = install(tmp_path, "driver", "24.1.rc3", args=ROOT_USER)
    assert rc == 1 and "[ERROR]Driver package install failed" in out
    assert os.path.exists(state.path("/usr/local/bin/npu-smi"))
    assert not os.path.exists(state.path(state.DRIVER_VERSION))
    assert "Driver_Install_Status" not in state.read_kv(state.INSTALL_INFO)
    assert state.faults() == {"installer_fail": {}}  # one shot: the next run succeeds
    assert install(tmp_path, "driver", "24.1.rc3", args=ROOT_USER)[0] == 0


def test_unhealthy_chip_and_holder_show_in_npu_smi(host, tmp_path):
    power_on()
    install(tmp_path, "driver", "24.1.rc3", args=ROOT_USER)
    power_on()
    state.write_json(state.FAULTS, {"chips": {"2:0": {"health": "Alarm", "codes": ["80E18005"], "info": "x"}}})
    state.write_json(state.HOLDERS, [{"npu_id": 5, "chip_id": 0, "pid": os.getpid(), "memory_mb": 20000,
                                      "name": "python3"}])
    text = npu_smi("info")[1]
    assert "| 2     910B4               | Alarm         |" in text
    assert "| 5       0                 | %-13d | python3                  | 20000" % os.getpid() in text
    assert "22815/ 32768" in text or "22816/ 32768" in text
    assert "\tError Code                     : 80E18005\n" in npu_smi("info", "-t", "health", "-i", "2", "-c", "0")[1]
    assert npu_smi("info", "-t", "board", "-i", "9") == (npusmi.RC_ERROR, npusmi.INVALID_ID + "\n")


def test_a3_spod_info_matches_the_sdid_layout(host, tmp_path):
    power_on("atlas-800i-a3", ASCEND_SIM_SERVER_INDEX="4")
    install(tmp_path, "driver", "25.2.0", family="910_93", args=ROOT_USER)
    power_on("atlas-800i-a3")
    text = npu_smi("info", "-t", "spod-info", "-i", "3", "-c", "1", version="25.2.0")[1]
    assert text == ("\tSDID                           : %d\n\tSuper Pod Size                 : 384\n"
                    "\tSuper Pod ID                   : 0\n\tServer Index                   : 4\n"
                    % ((4 << 22) | (13 << 16) | 7))
    assert "Chip  Phy-ID" in npu_smi("info", version="25.2.0")[1]


def test_hccn_tool_reads_and_persists_hccn_conf(host, tmp_path):
    power_on()
    install(tmp_path, "driver", "24.1.rc3", args=ROOT_USER)
    power_on()

    def tool(*argv):
        out = io.StringIO()
        return hccn.main(list(argv), out), out.getvalue()

    assert tool("-i", "0", "-ip", "-g") == (0, "ipaddr:192.168.100.10\nnetmask:255.255.255.0\n")
    assert tool("-i", "3", "-ip", "-s", "address", "10.1.0.3", "netmask", "255.255.0.0") == \
        (0, hccn.OK_SET + "\n")
    assert "address_3=10.1.0.3\n" in open(state.path(state.HCCN_CONF)).read()
    assert tool("-i", "3", "-ip", "-s", "address", "192.168.1.5", "netmask", "255.255.255.0") == \
        (7, "The ip address configured is conflicted!\n")  # UDA_PARAM_CONFLICT_IP_ADDR_ERR 0x2007
    assert tool("-i", "1", "-tls", "-s", "enable", "0")[0] == 0
    assert "tls switch[0]" in tool("-i", "1", "-tls", "-g")[1]
    assert tool("-i", "0", "-net_health", "-g") == (0, "net health status: Success\n")
    assert tool("-i", "0", "-gateway", "-g") == (0, "default gateway:192.168.100.1, Iface:eth0\n")
    assert tool("-i", "9", "-ip", "-g") == (1, hccn.NOT_EXIST + "\n")
    assert tool("-i", "2", "-link", "-s", "down") == (0, hccn.OK_SET + "\n")
    assert tool("-i", "2", "-link", "-g") == (0, "link status: DOWN\n")
    assert tool("-i", "2", "-net_health", "-g") == (0, "net health status: Fault\n")
    assert tool("-i", "2", "-link", "-s", "up")[0] == 0 and tool("-i", "2", "-link", "-g")[1] == "link status: UP\n"


def test_hccn_tool_unset_address(host, tmp_path):
    power_on(ASCEND_SIM_HCCN_PRESET="0")
    install(tmp_path, "driver", "24.1.rc3", args=ROOT_USER)
    power_on(ASCEND_SIM_HCCN_PRESET="0")
    out = io.StringIO()
    assert hccn.main(["-i", "0", "-ip", "-g"], out) == 13
    assert out.getvalue() == "Get ipconf failed, because no ip was preset there!\n"


def test_cann_order_and_environment_rules(host, tmp_path, monkeypatch):
    power_on()
    args = ("--install", "--install-for-all", "--quiet")
    monkeypatch.delenv("ASCEND_TOOLKIT_HOME", raising=False)
    rc, out = install(tmp_path, "kernels", "8.0.0", args=args)
    assert rc == 1 and "ASCEND_TOOLKIT_HOME is not set" in out
    assert install(tmp_path, "toolkit", "8.0.0", args=args)[0] == 0
    assert os.readlink(host / "usr/local/Ascend/ascend-toolkit/latest") == "8.0.0"
    monkeypatch.setenv("ASCEND_TOOLKIT_HOME", "/usr/local/Ascend/ascend-toolkit/latest")
    rc, out = install(tmp_path, "kernels", "8.1.RC1", args=args)
    assert rc == 1 and "does not match this package (8.1.RC1)" in out
    assert install(tmp_path, "kernels", "8.0.0", args=args)[0] == 0
    assert (host / "usr/local/Ascend/ascend-toolkit/8.0.0/opp/built-in/op_impl/ai_core/tbe/kernel/ascend910b").is_dir()
    assert install(tmp_path, "nnal", "8.0.0", args=args)[0] == 0
    info = (host / "usr/local/Ascend/nnal/atb/latest/version.info").read_text()
    assert info.startswith("    Ascend-cann-atb : 8.0.0\n")
    # 8.5 lives in cann-<ver> and becomes `latest` through the `cann` link
    assert install(tmp_path, "toolkit", "8.5.0", args=args)[0] == 0
    assert os.path.realpath(host / "usr/local/Ascend/ascend-toolkit/latest") == \
        str(host / "usr/local/Ascend/cann-8.5.0")
    rec = state.read_kv("/usr/local/Ascend/ascend-toolkit/latest/x86_64-linux/ascend_toolkit_install.info")
    assert rec["version"] == "8.5.0" and rec["path"] == "/usr/local/Ascend/cann-8.5.0/x86_64-linux"


def test_run_package_check_detects_corruption(tmp_path):
    run = pkgbuild.build("driver", "910b", "24.1.rc3", "aarch64", str(tmp_path))
    assert os.path.basename(run) == "Ascend-hdk-910b-npu-driver_24.1.rc3_linux-aarch64.run"
    ok = subprocess.run(["sh", run, "--check"], capture_output=True, text=True, check=False)
    assert ok.returncode == 0
    assert ok.stdout == "Verifying archive integrity...  100%   SHA256 checksums are OK. All good.\n"
    env = dict(os.environ, PYTHONPATH=SIM_DIR)
    version = subprocess.run(["sh", run, "--version", "--quiet"], capture_output=True, text=True, env=env, check=False)
    assert version.stdout == "24.1.rc3\n"
    listing = subprocess.run(["sh", run, "--tar", "tf"], capture_output=True, text=True, check=True).stdout
    assert sorted(listing.split()) == ["driver/version.info", "install.sh", "manifest.json"]
    with open(run, "r+b") as f:
        f.seek(-10, 2)
        f.write(b"corrupted!")
    bad = subprocess.run(["sh", run, "--check"], capture_output=True, text=True, check=False)
    assert bad.returncode == 2 and "Error in SHA256 checksums" in bad.stderr


def test_packages_are_reproducible_and_summed(tmp_path):
    a = pkgbuild.build("toolkit", "910b", "8.2.RC1", "x86_64", str(tmp_path / "a"))
    b = pkgbuild.build("toolkit", "910b", "8.2.RC1", "x86_64", str(tmp_path / "b"))
    assert pkgbuild.sha256_file(a) == pkgbuild.sha256_file(b)
    sums = open(pkgbuild.write_sums(str(tmp_path / "a"))).read()
    assert sums == "%s  Ascend-cann-toolkit_8.2.RC1_linux-x86_64.run\n" % pkgbuild.sha256_file(a)


@pytest.mark.parametrize("component,family,version,arch,name", [
    ("driver", "910_93", "25.0.rc1.3", "aarch64", "Atlas-A3-hdk-npu-driver_25.0.rc1.3_linux-aarch64.run"),
    ("driver", "310p", "24.1.rc3", "x86_64", "Ascend-hdk-310p-npu-driver_24.1.rc3_linux-x86-64.run"),
    ("firmware", "910b", "7.5.0.1.129", "aarch64", "Ascend-hdk-910b-npu-firmware_7.5.0.1.129.run"),
    ("kernels", "910b", "8.0.0", "x86_64", "Ascend-cann-kernels-910b_8.0.0_linux-x86_64.run"),
    ("kernels", "910_93", "8.2.RC1", "aarch64", "Atlas-A3-cann-kernels_8.2.RC1_linux-aarch64.run"),
    ("kernels", "910b", "8.5.0", "aarch64", "Ascend-cann-910b-ops_8.5.0_linux-aarch64.run"),
    ("nnal", "310p", "8.2.RC1", "aarch64", "Ascend-cann-nnal_8.2.RC1_linux-aarch64.run"),
])
def test_real_package_file_names(component, family, version, arch, name):
    assert catalog.package_file_name(component, family, version, arch) == name


def test_profiles_match_the_products():
    duo = profiles.build("atlas-300i-duo")
    assert [c["npu_id"] for c in duo["cards"]] == [0, 96, 32768, 32896]
    assert duo["cards"][1]["chips"][0]["bus_id"] == duo["cards"][1]["chips"][1]["bus_id"]
    assert duo["roce"] == {}
    a3 = profiles.build("atlas-800i-a3", server_index=27)
    assert a3["cards"][0]["chips"][1]["sdid"] == 113311745  # a real value from the mind-cluster docs
    assert a3["cards"][6]["chips"][1]["sdid"] == (27 << 22) | (25 << 16) | 13
    assert a3["roce"]["0"]["address"].startswith("10.0.2.") and a3["roce"]["1"]["address"].startswith("10.0.3.")


# -- installers as strict as the vendor's ---------------------------------------------------------------------------

UNRECOGNIZED = "[ERROR]ERR_NO:0x0004;ERR_DES: Unrecognized parameters: %s. Try './xxx.run --help' for more information."
NOT_MATCH = "[ERROR]The current installation package and environment is not match, please check."
CANN_ARGS = ("--install", "--install-for-all", "--quiet")


def snapshot(root) -> dict:
    """Every file and link of the host except its logs, with its content: what a refusal must leave alone."""
    files = {}
    for folder, dirs, names in os.walk(root):
        for name in names + [d for d in dirs if os.path.islink(os.path.join(folder, d))]:
            full = os.path.join(folder, name)
            rel = os.path.relpath(full, root)
            if not rel.startswith("var/log/"):
                files[rel] = os.readlink(full) if os.path.islink(full) else open(full, "rb").read()
    return files


def driver_nodes(root) -> list:
    dev = root / "dev"
    return sorted(n for n in os.listdir(dev) if boot.DRIVER_NODE.match(n)) if dev.is_dir() else []


@pytest.mark.parametrize("component,version,args,bad", [
    ("driver", "24.1.rc3", ("--full", "--quiet", "--install-for-al"), "--install-for-al"),
    ("driver", "24.1.rc3", ("--full", "--install-path", "/opt/ascend"), "--install-path"),
    ("driver", "24.1.rc3", ("--install", "--quiet"), "--install"),
    ("firmware", "7.5.0.1.129", ("--full", "--install-path=/usr/local/Ascend"), "--install-path=/usr/local/Ascend"),
    ("firmware", "7.5.0.1.129", ("--full", "--install-for-all", "--quiet"), "--install-for-all"),
    ("toolkit", "8.0.0", ("--full", "--quiet"), "--full"),
    ("kernels", "8.0.0", ("--install", "-y"), "-y"),
    ("nnal", "8.0.0", ("--install", "--install-username=root"), "--install-username=root"),
])
def test_installers_refuse_unknown_options_and_change_nothing(host, tmp_path, component, version, args, bad):
    power_on()
    if component == "firmware":
        assert install(tmp_path, "driver", "24.1.rc3", args=ROOT_USER)[0] == 0
    before = snapshot(host)
    rc, out = install(tmp_path, component, version, args=args)
    assert rc == 1 and UNRECOGNIZED % bad in out
    assert snapshot(host) == before


def test_unknown_option_is_refused_through_the_run_package(host, tmp_path):
    power_on()
    run = pkgbuild.build("driver", "910b", "24.1.rc3", "x86_64", str(tmp_path / "pkgs"))
    res = subprocess.run(["sh", run, "--nox11", "--full", "--quiet", "--no-such-option"], capture_output=True,
                         text=True, env=dict(os.environ, PYTHONPATH=SIM_DIR), check=False)
    assert res.returncode == 1 and UNRECOGNIZED % "--no-such-option" in res.stdout
    assert not os.path.exists(state.path(state.DRIVER_VERSION))


def test_driver_upgrade_takes_no_install_path_or_account(host, tmp_path):
    power_on()
    assert install(tmp_path, "driver", "24.1.rc3", args=ROOT_USER)[0] == 0
    before = snapshot(host)
    rc, out = install(tmp_path, "driver", "25.0.rc1.1", args=("--upgrade", "--install-path=/usr/local/Ascend"))
    assert rc == 1 and "[ERROR]ERR_NO:0x0004;ERR_DES:install-path param need used with full/debug/run/docker/devel." \
        in out
    rc, out = install(tmp_path, "driver", "25.0.rc1.1",
                      args=("--upgrade", "--install-username=root", "--install-usergroup=root", "--quiet"))
    assert rc == 1 and "[ERROR]ERR_NO:0x0004;ERR_DES:install-username and install-usergroup params need used with " \
                       "full/debug/run/docker/devel." in out
    assert snapshot(host) == before
    assert install(tmp_path, "driver", "25.0.rc1.1", args=("--upgrade", "--install-for-all", "--quiet"))[0] == 0


def test_installers_refuse_another_cpu_architecture(host, tmp_path, monkeypatch):
    power_on()
    before = snapshot(host)
    rc, out = install(tmp_path, "driver", "24.1.rc3", args=ROOT_USER, arch="aarch64")
    assert rc == 1 and "[ERROR]\033[31mArch mismatch, src package is aarch64, cur os is x86_64 \033[0m" in out
    rc, out = install(tmp_path, "toolkit", "8.0.0", args=CANN_ARGS, arch="aarch64")
    assert rc == 1 and "[ERROR]ERR_NO:0x0001;ERR_DES:The architecture of the run package is inconsistent with " \
                       "that of the current environment. " in out
    monkeypatch.setattr(installer, "host_arch", lambda: "aarch64")
    rc, out = install(tmp_path, "driver", "24.1.rc3", args=ROOT_USER)
    assert rc == 1 and "Arch mismatch, src package is x86-64, cur os is aarch64" in out  # the HDK spelling
    assert snapshot(host) == before


def test_hdk_packages_refuse_another_chip_family(host, tmp_path, monkeypatch):
    power_on()  # an 800I A2: 910b
    before = snapshot(host)
    for family in ("310p", "910_93"):
        rc, out = install(tmp_path, "driver", "24.1.rc3", family=family, args=ROOT_USER)
        assert rc == 1 and NOT_MATCH in out
    assert snapshot(host) == before
    assert install(tmp_path, "driver", "24.1.rc3", args=ROOT_USER)[0] == 0
    before = snapshot(host)
    rc, out = install(tmp_path, "firmware", "7.5.0.1.129", family="910_93", args=("--full", "--quiet"))
    assert rc == 1 and NOT_MATCH in out
    assert snapshot(host) == before
    # Op kernels carry a family too, but install on any host, as into an image built without NPUs.
    monkeypatch.setenv("ASCEND_TOOLKIT_HOME", "/usr/local/Ascend/ascend-toolkit/latest")
    assert install(tmp_path, "toolkit", "8.0.0", args=CANN_ARGS)[0] == 0
    assert install(tmp_path, "kernels", "8.0.0", family="310p", args=CANN_ARGS)[0] == 0


@pytest.mark.parametrize("profile", profiles.PROFILES)
def test_mkrepo_packages_for_the_hosts_family_and_arch_install(host, tmp_path, monkeypatch, capsys, profile):
    monkeypatch.setattr(installer, "host_arch", platform.machine)  # the controller's arch is the hosts' arch
    power_on(profile)
    family = state.host()["family"]
    assert cli.main(["mkrepo", "--out", str(tmp_path / "repo"), "--family", family]) == 0
    driver, firmware = sorted(str(p) for p in (tmp_path / "repo").glob("*.run"))
    assert capsys.readouterr().out == "%s\n" % (tmp_path / "repo" / "SHA256SUMS")
    assert run_package(tmp_path, driver, ROOT_USER)[0] == 0
    assert run_package(tmp_path, firmware, ("--full", "--quiet"))[0] == 0
    power_on(profile)
    assert state.loaded()["driver"] == "24.1.rc3" and state.loaded()["firmware"] == "7.5.0.1.129"
    assert npu_smi("info")[0] == 0


def test_driver_uninstall_removes_what_the_install_wrote(host, tmp_path):
    power_on()
    before = snapshot(host)
    assert install(tmp_path, "driver", "24.1.rc3", args=ROOT_USER)[0] == 0
    power_on()
    assert "davinci0" in driver_nodes(host)
    rc, out = install(tmp_path, "driver", "24.1.rc3", args=("--uninstall",))
    assert rc == 0 and \
        "[INFO]Driver package uninstalled successfully! Reboot needed for uninstallation to take effect!" in out
    for gone in ("usr/local/Ascend/driver", "usr/local/bin/npu-smi", "lib/davinci.conf", "usr/local/dcmi"):
        assert not os.path.exists(host / gone)
    assert state.read_kv(state.INSTALL_INFO) == {"UserName": "root", "UserGroup": "root"}
    done = open(state.path(state.INSTALL_LOG)).read().splitlines()[-2]  # the last line is the End time
    assert done.startswith("[Driver] ") and \
        done.endswith("[INFO]Driver package uninstalled successfully! Reboot needed for uninstallation to take effect!")
    assert open(state.path(state.OPERATION_LOG)).read().splitlines()[-1].endswith(" Driver uninstall 24.1.rc3 success")
    assert state.loaded()["driver"] == "24.1.rc3" and "davinci0" in driver_nodes(host)  # loaded until the reboot
    power_on()
    assert state.loaded() == {} and driver_nodes(host) == []
    assert set(snapshot(host)) - set(before) == {"etc/ascend_install.info"}  # the account record stays
    rc, out = install(tmp_path, "driver", "24.1.rc3", args=("--uninstall",))
    assert rc == 1 and \
        "[ERROR]ERR_NO:0x0080;ERR_DES:Driver package is not installed on this device, uninstall failed" in out


def test_interrupted_driver_install_can_be_uninstalled(host, tmp_path):
    power_on()
    state.write_json(state.FAULTS, {"installer_fail": {"driver": 40}})
    assert install(tmp_path, "driver", "24.1.rc3", args=ROOT_USER)[0] == 1
    assert install(tmp_path, "driver", "24.1.rc3", args=("--uninstall", "--quiet"))[0] == 0
    assert not os.path.exists(host / "usr/local/bin/npu-smi")


def test_firmware_uninstall_keeps_what_the_cards_run(host, tmp_path):
    power_on()
    assert install(tmp_path, "driver", "24.1.rc3", args=ROOT_USER)[0] == 0
    before = snapshot(host)
    assert install(tmp_path, "firmware", "7.5.0.1.129", args=("--full", "--quiet"))[0] == 0
    rc, out = install(tmp_path, "firmware", "7.5.0.1.129", args=("--uninstall",))
    assert rc == 0 and "[INFO]Firmware package uninstalled successfully! Uninstallation takes effect immediately." \
        in out
    after = snapshot(host)
    assert set(after) - set(before) == {"var/lib/ascend-sim/flash.json"}
    assert after["etc/ascend_install.info"] == before["etc/ascend_install.info"]
    rc, out = install(tmp_path, "firmware", "7.5.0.1.129", args=("--uninstall",))
    assert rc == 1 and \
        "[ERROR]ERR_NO:0x0080;ERR_DES:Firmware package is not installed on this device, uninstall failed" in out


def test_cann_uninstall_removes_each_package(host, tmp_path, monkeypatch):
    power_on()
    monkeypatch.setenv("ASCEND_TOOLKIT_HOME", "/usr/local/Ascend/ascend-toolkit/latest")
    before = snapshot(host)
    for component in ("toolkit", "kernels", "nnal"):
        assert install(tmp_path, component, "8.0.0", args=CANN_ARGS)[0] == 0
    for component, name in (("nnal", "nnal"), ("kernels", "kernels"), ("toolkit", "toolkit")):
        rc, out = install(tmp_path, component, "8.0.0", args=("--uninstall",))
        assert rc == 0 and "[INFO] Ascend-cann-%s uninstall success" % name in out
    assert snapshot(host) == before
    rc, out = install(tmp_path, "toolkit", "8.0.0", args=("--uninstall", "--quiet"))
    assert rc == 1 and "[ERROR]ERR_NO:0x0080;ERR_DES:Runfile is not installed on /usr/local/Ascend, uninstall failed" \
        in out


def test_upgrade_refuses_what_is_not_installed(host, tmp_path, monkeypatch):
    power_on()
    before = snapshot(host)
    rc, out = install(tmp_path, "driver", "24.1.rc3", args=("--upgrade", "--quiet"))
    assert rc == 1 and "ERR_NO:0x0080;ERR_DES:Driver package is not installed, please use --full to install it" in out
    rc, out = install(tmp_path, "toolkit", "8.0.0", args=("--upgrade", "--quiet"))
    assert rc == 1 and "ERR_NO:0x0080;ERR_DES:Runfile is not installed in /usr/local/Ascend, upgrade failed" in out
    assert snapshot(host) == before
    assert install(tmp_path, "driver", "24.1.rc3", args=ROOT_USER)[0] == 0
    rc, out = install(tmp_path, "firmware", "7.5.0.1.129", args=("--upgrade", "--quiet"))
    assert rc == 1 and "Firmware package is not installed, please use --full to install it" in out
    assert state.read_json(state.FLASH) is None
    monkeypatch.setenv("ASCEND_TOOLKIT_HOME", "/usr/local/Ascend/ascend-toolkit/latest")
    assert install(tmp_path, "toolkit", "8.0.0", args=CANN_ARGS)[0] == 0
    for component in ("kernels", "nnal"):
        rc, out = install(tmp_path, component, "8.0.0", args=("--upgrade", "--quiet"))
        assert rc == 1 and "Runfile is not installed in /usr/local/Ascend, upgrade failed" in out


def test_cann_upgrade_replaces_the_installed_release(host, tmp_path, monkeypatch):
    power_on()
    monkeypatch.setenv("ASCEND_TOOLKIT_HOME", "/usr/local/Ascend/ascend-toolkit/latest")
    for component in ("toolkit", "nnal"):
        assert install(tmp_path, component, "8.0.0", args=CANN_ARGS)[0] == 0
    for component in ("toolkit", "nnal"):
        assert install(tmp_path, component, "8.1.RC1", args=("--upgrade", "--quiet"))[0] == 0
    assert sorted(os.listdir(host / "usr/local/Ascend/ascend-toolkit")) == ["8.1.RC1", "latest", "set_env.sh"]
    assert sorted(os.listdir(host / "usr/local/Ascend/nnal/atb")) == ["8.1.RC1", "latest", "set_env.sh"]
    assert open(state.path(state.OPERATION_LOG)).read().splitlines()[-2].endswith(" Toolkit upgrade 8.1.RC1 success")


# -- npu-smi on every profile, through the tool a host runs ---------------------------------------------------------

QUERY_TYPES = ("board", "usages", "health", "memory", "temp", "power", "spod-info")


def installed_npu_smi(*argv) -> tuple:
    """The npu-smi the driver package installed, run as a process (the same entry point a host runs)."""
    res = subprocess.run([sys.executable, state.path("/usr/local/bin/npu-smi")] + list(argv), capture_output=True,
                         text=True, env=dict(os.environ, PYTHONPATH=SIM_DIR), check=False)
    assert res.stderr == ""
    return res.returncode, res.stdout


@pytest.mark.parametrize("profile", profiles.PROFILES)
def test_every_query_type_answers_on_every_profile(host, tmp_path, profile):
    power_on(profile)
    hw = state.host()
    assert install(tmp_path, "driver", "25.2.0", family=hw["family"], args=ROOT_USER)[0] == 0
    power_on(profile)
    for card in hw["cards"]:
        chip_ids = [c["chip_id"] for c in card["chips"]]
        for kind in QUERY_TYPES:
            for chip_id in [None] + chip_ids:
                argv = ["info", "-t", kind, "-i", str(card["npu_id"])]
                argv += [] if chip_id is None else ["-c", str(chip_id)]
                rc, text = npu_smi(*argv, version="25.2.0")
                if kind == "spod-info" and hw["family"] != "910_93":
                    assert (rc, text) == (npusmi.RC_ERROR, "This device does not support querying spod-info.\n")
                    continue
                assert rc == 0 and text.endswith("\n"), (argv, text)
                assert all(line.startswith("\t") for line in text.splitlines() if line), (argv, text)
                if chip_id is None and kind not in ("board", "spod-info"):  # the card-level wrapper
                    lines = text.splitlines()
                    assert lines[:3] == ["\tNPU ID                         : %d" % card["npu_id"],
                                         "\tChip Count                     : %d" % len(chip_ids), ""]
                    assert [line for line in lines if line.startswith("\tChip ID ")] == \
                        ["\tChip ID                        : %d" % c for c in chip_ids]
    usages = npu_smi("info", "-t", "usages", "-i", str(hw["cards"][0]["npu_id"]), version="25.2.0")[1]
    assert ("HBM Capacity(MB)" in usages) == ("Aivector Usage Rate(%)" in usages) == (hw["family"] != "310p")
    assert usages.count("\tAicore Usage Rate(%)") == len(hw["cards"][0]["chips"])
    # The installed tool, as a process, prints the same for each type.
    first = str(hw["cards"][0]["npu_id"])
    for kind in QUERY_TYPES:
        assert installed_npu_smi("info", "-t", kind, "-i", first) == npu_smi("info", "-t", kind, "-i", first,
                                                                             version="25.2.0")
    assert installed_npu_smi("info", "-t", "usages", "-i", first, "-c", "0")[0] == 0


def test_fault_bus_na_prints_na_for_the_chip(host, tmp_path):
    power_on()
    install(tmp_path, "driver", "24.1.rc3", args=ROOT_USER)
    power_on()
    assert cli.main(["fault", "bus-na", "--npu", "3"]) == 0
    text = npu_smi("info")[1]
    assert "| 0                         | NA            | 0           0    / 0          2816 / 32768         |" \
        in text.splitlines()
    assert "\tPCIe Bus Info                  : NA\n" in npu_smi("info", "-t", "board", "-i", "3", "-c", "0")[1]


# -- device nodes ---------------------------------------------------------------------------------------------------

def test_driver_load_creates_the_device_nodes(host, tmp_path, nodes):
    power_on("atlas-800i-a3")
    args = ("--full", "--quiet", "--install-username=root", "--install-usergroup=root")
    assert install(tmp_path, "driver", "25.2.0", family="910_93", args=args)[0] == 0
    assert driver_nodes(host) == []  # installed, not loaded
    power_on("atlas-800i-a3")
    assert driver_nodes(host) == sorted(["davinci%d" % n for n in range(16)] +
                                        ["davinci_manager", "devmm_svm", "hisi_hdc"])
    assert nodes["davinci13"] == (236, 13, 0o660, 0, 0)
    assert [nodes[n] for n in ("davinci_manager", "devmm_svm", "hisi_hdc")] == \
        [(237, 0, 0o660, 0, 0), (238, 0, 0o660, 0, 0), (239, 0, 0o660, 0, 0)]


def test_device_nodes_belong_to_the_driver_account(host, tmp_path, nodes, monkeypatch):
    def account(name):
        if name != "HwHiAiUser":
            raise KeyError(name)
        return types.SimpleNamespace(pw_uid=1000, gr_gid=1000)

    monkeypatch.setattr(pwd, "getpwnam", account)
    monkeypatch.setattr(grp, "getgrnam", account)
    power_on("atlas-300i-duo")
    assert install(tmp_path, "driver", "24.1.rc3", family="310p")[0] == 0  # HwHiAiUser, --install-for-all
    power_on("atlas-300i-duo")
    assert nodes["davinci7"] == (236, 7, 0o666, 1000, 1000)
    assert nodes["hisi_hdc"] == (239, 0, 0o666, 1000, 1000)


def mknod_allowed(folder) -> bool:
    probe = os.path.join(folder, "probe")
    try:
        os.mknod(probe, stat.S_IFCHR | 0o600, os.makedev(1, 3))
    except OSError:
        return False
    os.remove(probe)
    return True


def test_boot_makes_real_character_devices(tmp_path, monkeypatch):
    """The real code path, without the `nodes` stand-in: needs CAP_MKNOD, as the boot unit in a container has."""
    if not mknod_allowed(tmp_path):
        pytest.skip("mknod needs CAP_MKNOD (root)")
    monkeypatch.setenv("ASCEND_SIM_ROOT", str(tmp_path))
    power_on("atlas-300i-duo")
    state.write_kv(state.INSTALL_INFO, {"UserName": "root", "UserGroup": "root", "Driver_Install_For_All": "no"})
    state.write_kv(state.DRIVER_VERSION, {"Version": "24.1.rc3", "package_version": "24.1.rc3"})
    power_on("atlas-300i-duo")
    for name, number in (("davinci7", (236, 7)), ("davinci_manager", (237, 0)), ("devmm_svm", (238, 0)),
                         ("hisi_hdc", (239, 0))):
        st = os.lstat(tmp_path / "dev" / name)
        assert stat.S_ISCHR(st.st_mode) and (os.major(st.st_rdev), os.minor(st.st_rdev)) == number
        assert stat.S_IMODE(st.st_mode) == 0o660 and (st.st_uid, st.st_gid) == (0, 0)
    os.remove(state.path(state.DRIVER_VERSION))
    power_on("atlas-300i-duo")
    assert driver_nodes(tmp_path) == []


# -- versions with patch and build suffixes -------------------------------------------------------------------------

def test_hot_patched_driver_reports_the_patch(host, tmp_path):
    power_on()
    assert install(tmp_path, "driver", "25.0.rc1.2", args=ROOT_USER)[0] == 0
    power_on(ASCEND_SIM_DRIVER_PATCH="sph001")
    rc, text = npu_smi("info", version="25.0.rc1.2")
    assert rc == 0 and text.splitlines()[1] == \
        "| npu-smi 25.0.rc1.2               Version: 25.0.rc1.2.sph001                                    |"
    assert "\tSoftware Version               : 25.0.rc1.2.sph001\n" in \
        npu_smi("info", "-t", "board", "-i", "0", version="25.0.rc1.2")[1]
    assert npu_smi("-v", version="25.0.rc1.2") == (0, "npu-smi version: 25.0.rc1.2\n")
    assert state.read_kv(state.DRIVER_VERSION)["package_version"] == "25.0.rc1.2"
    power_on()  # the patch is gone with the environment that loaded it
    assert npu_smi("info", version="25.0.rc1.2")[1].splitlines()[1] == \
        "| npu-smi 25.0.rc1.2               Version: 25.0.rc1.2                                           |"


@pytest.mark.parametrize("version,banner", [
    ("24.1.rc2.b050",
     "| npu-smi 24.1.rc2.b050            Version: 24.1.rc2.b050                                        |"),
    ("25.2.0.spc001",
     "| npu-smi 25.2.0.spc001            Version: 25.2.0.spc001                                        |"),
])
def test_driver_releases_with_build_and_patch_suffixes(host, tmp_path, version, banner):
    power_on()
    assert catalog.package_file_name("driver", "910b", version, "aarch64") == \
        "Ascend-hdk-910b-npu-driver_%s_linux-aarch64.run" % version
    assert install(tmp_path, "driver", version, args=ROOT_USER)[0] == 0
    record = state.read_kv(state.DRIVER_VERSION)
    assert record["Version"] == record["package_version"] == version
    power_on()
    assert npu_smi("info", version=version)[1].splitlines()[1] == banner
    assert "\tSoftware Version               : %s\n" % version in npu_smi("info", "-t", "board", "-i", "0",
                                                                          version=version)[1]
