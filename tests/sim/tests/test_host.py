"""The simulated host end to end, on a temporary root (ASCEND_SIM_ROOT): boot, packages built and installed with
their real rules, loaded versus installed state across a reboot, npu-smi and hccn_tool answers, fault injection."""

from __future__ import annotations

import io
import json
import os
import subprocess

import pytest

from ascend_sim import boot, catalog, hccn, installer, npusmi, pci, pkgbuild, profiles, state


@pytest.fixture()
def host(tmp_path, monkeypatch):
    """A powered-on 800I A2 with every driver prerequisite present (tools, kernel build tree)."""
    root = tmp_path / "root"
    monkeypatch.setenv("ASCEND_SIM_ROOT", str(root))
    (root / "lib/modules" / os.uname().release / "build").mkdir(parents=True)
    monkeypatch.setattr(installer.shutil, "which", lambda tool: "/usr/bin/" + tool)
    return root


def power_on(profile="atlas-800i-a2", **env):
    return boot.boot({"ASCEND_SIM_PROFILE": profile, **env})


def install(tmp_path, component, version, family="910b", args=("--full", "--install-for-all", "--quiet"),
            **kw):
    run = pkgbuild.build(component, family, version, "x86_64", str(tmp_path / "pkgs"), **kw)
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
    assert tool("-i", "3", "-ip", "-s", "address", "192.168.1.5", "netmask", "255.255.255.0")[0] == 1
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
    env = dict(os.environ, PYTHONPATH=os.path.dirname(os.path.dirname(installer.__file__)))
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
