"""After the hdk role on a fresh host: account, installed and loaded releases, the vendor's order, the reboot.
Releases and health come from raw sources (the vendor's version files, npu-smi, `ascend-sim show`), not npu_info."""

import os
import sys

import testinfra.utils.ansible_runner

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir, os.pardir, "shared", "tests"))
import ascend_raw  # noqa: E402

testinfra_hosts = testinfra.utils.ansible_runner.AnsibleRunner(os.environ["MOLECULE_INVENTORY_FILE"]).get_hosts("all")


def test_account_matches_the_images(host):
    user = host.user("HwHiAiUser")
    assert (user.uid, user.gid, user.group, user.home, user.shell) == (1000, 1000, "HwHiAiUser",
                                                                       "/home/HwHiAiUser", "/bin/bash")


def test_installed_in_the_vendors_order(host):
    log = host.file("/var/log/ascend_seclog/ascend_install.log").content_string.splitlines()
    components = [line.split("]", 1)[0] + "]" for line in log if "package installed successfully" in line]
    assert components == ["[Driver]", "[Firmware]"]
    info = ascend_raw.read_kv(host, "/etc/ascend_install.info")
    assert (info.get("UserName"), info.get("Driver_Install_For_All"), info.get("Driver_Install_Status")) == \
        ("HwHiAiUser", "yes", "complete")


def test_the_reboot_loaded_the_targets(host):
    assert host.file("/run/ascend-sim/boot_id").content_string != host.file("/root/boot_id.before").content_string
    hdk = ascend_raw.hdk_state(host)
    assert hdk["installed"] == hdk["loaded"] == ("24.1.rc3", "7.5.0.1.129")
    assert hdk["banner"] == ("24.1.rc3", "24.1.rc3")
    assert hdk["boards"] == {("24.1.rc3", "7.5.0.1.129", "OK")}
    assert hdk["health"] == ["OK"] * hdk["dies"]
    assert not host.file("/run/reboot-required").exists


def test_packages_staged_privately_or_used_in_place(host):
    cache = host.file("/var/cache/ascendops/packages")
    if host.file("/srv/ascend-packages").exists:  # hdk_packages_source: host reads them where they are
        assert not cache.exists
        return
    assert (cache.user, cache.group, cache.mode) == ("root", "root", 0o750)
    files = [host.file("%s/%s" % (cache.path, name)) for name in cache.listdir()]
    assert len(files) == 2  # driver and firmware
    assert {(f.user, f.mode) for f in files} == {("root", 0o600)}
