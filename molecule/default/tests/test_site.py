"""After site.yml on bare simulated hosts (one per product): the driver account and the driver's prerequisites, the
driver and firmware installed and running, CANN active for this chip with its environment in login shells, and the
packages cached privately. Every check reads a raw source: npu-smi, the vendor's files, the package manager, the
simulator's state (`ascend-sim show`); never the collection's own modules."""

import os
import sys

import testinfra.utils.ansible_runner

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir, os.pardir, "shared", "tests"))
import ascend_raw  # noqa: E402

testinfra_hosts = testinfra.utils.ansible_runner.AnsibleRunner(os.environ["MOLECULE_INVENTORY_FILE"]).get_hosts("all")

ROOT = ascend_raw.ASCEND


def test_driver_account(host):
    user, group = host.user("HwHiAiUser"), host.group("HwHiAiUser")
    assert (user.uid, user.gid, user.group, group.gid) == (1000, 1000, "HwHiAiUser", 1000)
    info = ascend_raw.read_kv(host, "/etc/ascend_install.info")
    assert (info.get("UserName"), info.get("UserGroup")) == ("HwHiAiUser", "HwHiAiUser")


def test_driver_prerequisites_installed(host):
    kernel = host.check_output("uname -r")
    for package in ("dkms", "gcc", "make", "net-tools", "pciutils", "linux-headers-" + kernel):
        assert host.package(package).is_installed, package


def test_driver_and_firmware_installed_and_running(host):
    hdk = ascend_raw.hdk_state(host)
    assert hdk["installed"] == hdk["loaded"] == ("24.1.rc3", "7.5.0.1.129")
    assert hdk["banner"] == ("24.1.rc3", "24.1.rc3")
    assert hdk["boards"] == {("24.1.rc3", "7.5.0.1.129", "OK")}
    assert ascend_raw.read_kv(host, "/etc/ascend_install.info").get("Driver_Install_Status") == "complete"


def test_every_chip_healthy(host):
    hdk = ascend_raw.hdk_state(host)
    assert hdk["health"] == ["OK"] * hdk["dies"]


def test_cann_active_for_this_chip(host):
    family = ascend_raw.show(host)["hardware"]["family"]
    assert ascend_raw.cann_state(host) == {"toolkit": "8.2.RC1", "kernels": "8.2.RC1", "nnal": "8.2.RC1",
                                           "op kernel dirs": [ascend_raw.KERNEL_DIRS[family]]}
    assert host.file(ROOT + "/ascend-toolkit/latest").linked_to == ROOT + "/ascend-toolkit/8.2.RC1"
    assert host.file(ROOT + "/nnal/atb/latest").linked_to == ROOT + "/nnal/atb/8.2.RC1"


def test_login_shells_get_the_cann_environment(host):
    for shell in ascend_raw.LOGIN_SHELLS:
        home, atb, libs = ascend_raw.login_environment(host, shell)
        assert (home, atb) == (ROOT + "/ascend-toolkit/latest", ROOT + "/nnal/atb/latest/atb/cxx_abi_1"), shell
        assert home + "/lib64" in libs and atb + "/lib" in libs, shell


def test_packages_cached_privately(host):
    """Driver, firmware, toolkit, kernels, NNAL and the Ascend Docker Runtime, copied from the controller: root
    only."""
    cache = host.file("/var/cache/ascendops/packages")
    assert (cache.user, cache.group, cache.mode) == ("root", "root", 0o750)
    files = [host.file("%s/%s" % (cache.path, name)) for name in cache.listdir()]
    assert len(files) == 6
    assert {(f.user, f.mode) for f in files} == {("root", 0o600)}


def test_containers_get_their_chip_through_the_ascend_runtime(host):
    """The container runtime stage: the engine knows runtime ascend, and a container given the last chip sees it
    alone with the manager devices."""
    assert "ascend" in host.check_output("docker info --format '{{json .Runtimes}}'")
    last = max(int(n[len("davinci"):]) for n in host.file("/dev").listdir() if n[len("davinci"):].isdigit()
               and n.startswith("davinci"))
    seen = host.check_output("docker run --rm --runtime ascend -e ASCEND_VISIBLE_DEVICES=%d ascend-sim/probe:1 "
                             "ls /dev" % last).split()
    assert sorted(n for n in seen if n.startswith(("davinci", "devmm", "hisi"))) == sorted(
        ["davinci%d" % last, "davinci_manager", "devmm_svm", "hisi_hdc"])
