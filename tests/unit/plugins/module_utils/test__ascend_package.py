"""ascend_package's decisions, and the package name table (across families, versions, architectures)."""

from __future__ import annotations

import pytest

from ansible_collections.ascendops.llm.plugins.module_utils import _ascend_package as pkg
from ansible_collections.ascendops.llm.plugins.module_utils import _versions


@pytest.mark.parametrize("component,family,version,arch,name", [
    ("driver", "910b", "24.1.rc3", "aarch64", "Ascend-hdk-910b-npu-driver_24.1.rc3_linux-aarch64.run"),
    ("driver", "910b", "24.1.rc3", "x86_64", "Ascend-hdk-910b-npu-driver_24.1.rc3_linux-x86-64.run"),
    ("driver", "910_93", "25.0.rc1.3", "aarch64", "Atlas-A3-hdk-npu-driver_25.0.rc1.3_linux-aarch64.run"),
    ("driver", "310p", "23.0.0", "arm64", "Ascend-hdk-310p-npu-driver_23.0.0_linux-aarch64.run"),
    ("firmware", "910b", "7.5.0.1.129", "aarch64", "Ascend-hdk-910b-npu-firmware_7.5.0.1.129.run"),
    ("firmware", "910_93", "7.7.0.1.231", "x86_64", "Atlas-A3-hdk-npu-firmware_7.7.0.1.231.run"),
    ("toolkit", "910b", "8.0.rc3", "x86_64", "Ascend-cann-toolkit_8.0.RC3_linux-x86_64.run"),
    ("kernels", "910b", "8.0.0", "x86_64", "Ascend-cann-kernels-910b_8.0.0_linux-x86_64.run"),
    ("kernels", "310p", "8.2.RC1", "aarch64", "Ascend-cann-kernels-310p_8.2.RC1_linux-aarch64.run"),
    ("kernels", "910_93", "8.2.RC1", "aarch64", "Atlas-A3-cann-kernels_8.2.RC1_linux-aarch64.run"),
    ("kernels", "910b", "8.5.0", "aarch64", "Ascend-cann-910b-ops_8.5.0_linux-aarch64.run"),
    ("kernels", "910_93", "8.5.0", "aarch64", "Ascend-cann-A3-ops_8.5.0_linux-aarch64.run"),
    ("nnal", "910b", "8.2.RC1", "aarch64", "Ascend-cann-nnal_8.2.RC1_linux-aarch64.run"),
    ("mindie", "910b", "2.1.RC1", "aarch64", "Ascend-mindie_2.1.RC1_linux-aarch64.run"),
    ("docker-runtime", "910b", "6.0.0", "x86_64", "Ascend-docker-runtime_6.0.0_linux-x86_64.run"),
    ("driver", "910b", "25.0.rc1.2.sph001", "amd64", "Ascend-hdk-910b-npu-driver_25.0.rc1.2.sph001_linux-x86-64.run"),
    ("kernels", "310p", "8.5.0", "amd64", "Ascend-cann-310p-ops_8.5.0_linux-x86_64.run"),
    ("toolkit", None, "8.2.RC1", "arm64", "Ascend-cann-toolkit_8.2.RC1_linux-aarch64.run"),
])
def test_package_file_names(component, family, version, arch, name):
    assert _versions.package_file_name(component, family, version, arch) == name


@pytest.mark.parametrize("args,message", [
    (("driver", "910", "24.1.rc3", "aarch64"), "no HDK packages for chip family '910'"),
    (("driver", "910b", "latest", "aarch64"), "unrecognised version"),
    (("driver", "910b", "24.1.rc3", "riscv64"), "unsupported CPU architecture 'riscv64'"),
    (("driver", None, "24.1.rc3", "aarch64"), r"no HDK packages for chip family None \(one of 310p, 910b, 910_93\)"),
    (("kernels", "950", "8.2.RC1", "aarch64"), "no CANN kernels for chip family '950'"),
    (("kernels", "910", "8.5.0", "aarch64"), "no CANN kernels for chip family '910'"),
    (("compiler", "910b", "8.0.0", "aarch64"), "unknown package component"),
])
def test_package_file_name_errors(args, message):
    with pytest.raises(ValueError, match=message):
        _versions.package_file_name(*args)


def test_match_file_ignores_case():
    names = ["Ascend-hdk-910b-npu-driver_26.0.RC1_linux-aarch64.run", "SHA256SUMS"]
    assert _versions.match_file(names, "Ascend-hdk-910b-npu-driver_26.0.rc1_linux-aarch64.run") == names[0]
    assert _versions.match_file(names, "other.run") is None


def read_from(files):
    return files.get


def test_installed_release_from_each_record():
    files = {
        "/usr/local/Ascend/driver/version.info": "Version=24.1.rc1\nInnerversion=V100R001C17\n",
        "/usr/local/Ascend/firmware/version.info": "Version=7.5.0.1.129\npackage_version=24.1.rc3\n",
        "/usr/local/Ascend/ascend-toolkit/latest/aarch64-linux/ascend_toolkit_install.info":
            "package_name=Ascend-cann-toolkit\nversion=8.2.RC1\ninnerversion=V100R001C22SPC001B231\n",
        "/usr/local/Ascend/ascend-toolkit/latest/opp_kernel/version.info": "Version=8.2.0.0.201\nversion_dir=8.2.RC1\n",
        "/usr/local/Ascend/nnal/atb/latest/version.info": "    Ascend-cann-atb : 8.2.RC1\n"
                                                          "    Ascend-cann-atb Version : 8.2.RC1.B150\n",
        "/usr/local/Ascend/mindie/latest/version.info": "Ascend-mindie : MindIE 2.1.RC1.B152\nmindie-rt: 2.1.RC1\n",
    }
    expected = {"driver": "24.1.rc1", "firmware": "7.5.0.1.129", "toolkit": "8.2.RC1", "kernels": "8.2.RC1",
                "nnal": "8.2.RC1", "mindie": "2.1.RC1"}
    for component, release in expected.items():
        assert pkg.installed_release(component, read_from(files), "/usr/local/Ascend", "aarch64") == release
    assert pkg.installed_release("driver", read_from({}), "/usr/local/Ascend", "aarch64") is None


def test_package_records_and_file_names():
    records = pkg.package_records("driver", {
        "driver/version.info": "Version=25.0.rc1.1\nInnerversion=V100R001C21SPC002B220\n"
                               "compatible_version=[V100R001C17],[V100R001C21]\ncompatible_version_fw=[7.0.0,7.7.99]\n"
                               "package_version=25.0.rc1.1\n",
        "install.sh": ""})
    assert records == {"release": "25.0.rc1.1", "compatible_fw": "[7.0.0,7.7.99]", "compatible_drv": None,
                       "compatible_inner": "[V100R001C17],[V100R001C21]", "inner": "V100R001C21SPC002B220"}
    fw = pkg.package_records("firmware", {"firmware/version.info": "Version=7.7.0.1.231\n"
                                                                   "compatible_version_drv=[25.0,25.0.]\n"})
    assert (fw["release"], fw["compatible_drv"]) == ("7.7.0.1.231", "[25.0,25.0.]")
    assert pkg.release_from_file_name("Ascend-hdk-910b-npu-driver_24.1.rc3_linux-aarch64.run") == "24.1.rc3"
    assert pkg.release_from_file_name("Atlas-A3-hdk-npu-firmware_7.7.0.1.231.run") == "7.7.0.1.231"
    assert pkg.release_from_file_name("Ascend-cann-910b-ops_8.5.0_linux-aarch64.run") == "8.5.0"
    assert pkg.release_from_file_name("Ascend-cann-toolkit_8.2.RC1_linux-x86_64.run") == "8.2.RC1"
    assert pkg.release_from_file_name("Ascend-cann-kernels-310p_8.1.RC1_linux-x86_64.run") == "8.1.RC1"
    assert pkg.release_from_file_name("Ascend-hdk-910b-npu-driver_25.0.rc1.1_linux-x86-64.run") == "25.0.rc1.1"
    assert pkg.release_from_file_name("Ascend-cann-kernels-910b_7.0.0_linux.run") == "7.0.0"  # seed 003
    assert pkg.release_from_file_name("Ascend-cann-toolkit.run") is None


def test_installer_flags():
    assert pkg.installer_args("driver", "install", "/opt/Ascend", True, "HwHiAiUser", "HwHiAiUser") == [
        "--nox11", "--full", "--install-for-all", "--install-username=HwHiAiUser",
        "--install-usergroup=HwHiAiUser", "--install-path=/opt/Ascend", "--quiet"]
    # the driver refuses --install-path with --upgrade: an upgrade keeps the recorded path
    assert pkg.installer_args("driver", "upgrade", "/opt/Ascend") == ["--nox11", "--upgrade", "--quiet"]
    assert pkg.installer_args("firmware", "install", "/usr/local/Ascend") == ["--nox11", "--full", "--quiet"]
    assert pkg.installer_args("toolkit", "upgrade", "/usr/local/Ascend", False) == [
        "--nox11", "--install", "--install-path=/usr/local/Ascend", "--quiet"]
    assert pkg.succeeded("firmware", 2) and not pkg.succeeded("driver", 2)
    assert pkg.needs_reboot("driver") and pkg.needs_reboot("firmware") and not pkg.needs_reboot("toolkit")
    assert pkg.tail("\x1b[32mok\x1b[0m\n" + "x\n" * 30, 3) == ["x", "x", "x"]
