"""After the hdk role on a fresh host: account, installed and loaded releases, the vendor's order, one reboot."""

import os

import testinfra.utils.ansible_runner

testinfra_hosts = testinfra.utils.ansible_runner.AnsibleRunner(os.environ["MOLECULE_INVENTORY_FILE"]).get_hosts("all")


def npu(host):
    result = host.ansible("ascendops.llm.npu_info", check=False)
    assert "failed" not in result, result
    return result["ansible_facts"]["npu"]


def test_account_matches_the_images(host):
    user = host.user("HwHiAiUser")
    assert (user.uid, user.gid, user.group, user.home, user.shell) == (1000, 1000, "HwHiAiUser",
                                                                       "/home/HwHiAiUser", "/bin/bash")


def test_installed_in_the_vendors_order(host):
    log = host.file("/var/log/ascend_seclog/ascend_install.log").content_string.splitlines()
    components = [line.split("]", 1)[0] + "]" for line in log if "package installed successfully" in line]
    assert components == ["[Driver]", "[Firmware]"]
    info = host.file("/etc/ascend_install.info").content_string
    assert "UserName=HwHiAiUser\n" in info and "Driver_Install_For_All=yes\n" in info
    assert "Driver_Install_Status=complete\n" in info


def test_one_reboot_loaded_the_targets(host):
    assert host.file("/run/ascend-sim/boot_id").content_string != host.file("/root/boot_id.before").content_string
    facts = npu(host)
    assert facts["driver"] == {"loaded": "24.1.rc3", "installed": "24.1.rc3"}
    assert facts["firmware"] == {"loaded": "7.5.0.1.129", "installed": "7.5.0.1.129"}
    assert facts["healthy"] and {c["compatibility"] for c in facts["cards"]} == {"OK"}
    assert not host.file("/run/reboot-required").exists


def test_packages_staged_privately_or_used_in_place(host):
    cache = host.file("/var/cache/ascendops/packages")
    if host.file("/srv/ascend-packages").exists:  # hdk_packages_source: host reads them where they are
        assert not cache.exists
        return
    assert (cache.mode, cache.user) == (0o750, "root")
    assert all(host.file("/var/cache/ascendops/packages/" + f).mode == 0o600 for f in cache.listdir())
    assert len(cache.listdir()) == 2
