"""After the upgrade (and the side effect's recovery): firmware went before driver, the final releases run."""

import os

import testinfra.utils.ansible_runner

testinfra_hosts = testinfra.utils.ansible_runner.AnsibleRunner(os.environ["MOLECULE_INVENTORY_FILE"]).get_hosts("all")


def test_the_upgrade_flashed_firmware_before_the_driver(host):
    log = host.file("/var/log/ascend_seclog/ascend_install.log").content_string
    upgrade = log.split("=== upgrade starts ===", 1)[1]
    done = [line.split("]", 1)[0] + "]" for line in upgrade.splitlines()
            if "package installed successfully" in line or "package upgraded successfully" in line]
    assert done[:2] == ["[Firmware]", "[Driver]"]


def test_the_final_releases_run_after_the_recovery(host):
    facts = host.ansible("ascendops.llm.npu_info", check=False)["ansible_facts"]["npu"]
    assert facts["driver"] == {"loaded": "25.5.1", "installed": "25.5.1"}
    assert facts["firmware"] == {"loaded": "7.8.0.6.201", "installed": "7.8.0.6.201"}
    assert facts["healthy"] and {c["compatibility"] for c in facts["cards"]} == {"OK"}
    assert not host.file("/run/reboot-required").exists
