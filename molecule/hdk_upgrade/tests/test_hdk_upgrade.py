"""After the upgrade (and the side effect's recovery): firmware went before driver, the final releases run.
Releases and health come from raw sources (the vendor's version files, npu-smi, `ascend-sim show`), not npu_info."""

import os
import sys

import testinfra.utils.ansible_runner

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir, os.pardir, "shared", "tests"))
import ascend_raw  # noqa: E402

testinfra_hosts = testinfra.utils.ansible_runner.AnsibleRunner(os.environ["MOLECULE_INVENTORY_FILE"]).get_hosts("all")


def test_the_upgrade_flashed_firmware_before_the_driver(host):
    log = host.file("/var/log/ascend_seclog/ascend_install.log").content_string
    upgrade = log.split("=== upgrade starts ===", 1)[1]
    done = [line.split("]", 1)[0] + "]" for line in upgrade.splitlines()
            if "package installed successfully" in line or "package upgraded successfully" in line]
    assert done[:2] == ["[Firmware]", "[Driver]"]


def test_the_final_releases_run_after_the_recovery(host):
    hdk = ascend_raw.hdk_state(host)
    assert hdk["installed"] == hdk["loaded"] == ("25.5.1", "7.8.0.6.201")
    assert hdk["banner"] == ("25.5.1", "25.5.1")
    assert hdk["boards"] == {("25.5.1", "7.8.0.6.201", "OK")}
    assert hdk["health"] == ["OK"] * hdk["dies"]
    assert ascend_raw.read_kv(host, "/etc/ascend_install.info").get("Driver_Install_Status") == "complete"
    assert not host.file("/run/reboot-required").exists
