"""ascend_package up to the point where it would run an installer: checksums, makeself integrity, the package's
records, the plan, check mode and diff. The package is a makeself-style archive built by the test around the real
driver version.info of the reference (tests/fixtures/reference)."""

from __future__ import annotations

import json
import pathlib

import pytest
from ansible.module_utils.testing import patch_module_args

from ansible_collections.ascendops.llm.plugins.modules import ascend_package

import makeself  # beside this file (pytest puts a test's directory on sys.path)

DRIVER_INFO = (pathlib.Path(__file__).resolve().parents[3] / "fixtures" / "reference"
               / "driver-version-25.0.rc1.1.info").read_text()


def run(args, capsys):
    args = dict({"allow_unverified": "checksum" not in args}, **args)
    with patch_module_args(args), pytest.raises(SystemExit):
        ascend_package.main()
    return json.loads(capsys.readouterr().out)


@pytest.fixture()
def driver(tmp_path):
    (tmp_path / "pkgs").mkdir()
    return makeself.build(tmp_path / "pkgs" / "Ascend-hdk-910b-npu-driver_25.0.rc1.1_linux-x86-64.run",
                          {"driver/version.info": DRIVER_INFO})


def install_root(tmp_path, driver_release=None):
    root = tmp_path / "Ascend"
    if driver_release:
        (root / "driver").mkdir(parents=True)
        (root / "driver" / "version.info").write_text("Version=%s\npackage_version=%s\n" % ((driver_release,) * 2))
    return str(root)


def test_check_mode_reports_the_install_with_the_package_records(driver, tmp_path, capsys):
    result = run({"path": driver, "component": "driver", "install_path": install_root(tmp_path),
                  "checksum": makeself.sha256_file(driver), "_ansible_check_mode": True, "_ansible_diff": True},
                 capsys)
    assert (result["changed"], result["action"], result["before"], result["after"]) == \
        (True, "install", None, "25.0.rc1.1")
    assert result["reboot_required"] is True and "rc" not in result
    assert result["diff"] == {"before": {"driver": None}, "after": {"driver": "25.0.rc1.1"}}
    assert result["package"]["compatible_fw"] == "[7.0.0,7.7.99]"
    assert result["package"]["sha256"] == makeself.sha256_file(driver)


def test_same_release_installed_changes_nothing(driver, tmp_path, capsys):
    result = run({"path": driver, "component": "driver", "install_path": install_root(tmp_path, "25.0.RC1.1")},
                 capsys)
    assert (result["changed"], result["action"], result["reboot_required"]) == (False, "none", False)


def test_older_package_is_refused_without_allow_downgrade(driver, tmp_path, capsys):
    root = install_root(tmp_path, "25.2.0")
    result = run({"path": driver, "component": "driver", "install_path": root}, capsys)
    assert result["failed"] and "set allow_downgrade" in result["msg"]
    result = run({"path": driver, "component": "driver", "install_path": root, "allow_downgrade": True,
                  "_ansible_check_mode": True}, capsys)
    assert result["action"] == "downgrade" and result["changed"]


@pytest.mark.parametrize("args,message", [
    ({"checksum": "0" * 64}, "not the expected 0000"),
    ({"version": "24.1.rc3"}, "carries driver 25.0.rc1.1, not the requested 24.1.rc3"),
    ({"path": "/nonexistent/x.run"}, "does not exist on this host"),
])
def test_refusals(driver, tmp_path, capsys, args, message):
    result = run(dict({"path": driver, "component": "driver", "install_path": install_root(tmp_path)}, **args), capsys)
    assert result["failed"] and message in result["msg"]


def test_corrupt_package_fails_the_integrity_check(driver, tmp_path, capsys):
    with open(driver, "r+b") as f:
        f.seek(-20, 2)
        f.write(b"x" * 20)
    result = run({"path": driver, "component": "driver", "install_path": install_root(tmp_path)}, capsys)
    assert result["failed"] and "fails its makeself integrity check (--check, rc 2)" in result["msg"]


def test_unreadable_installed_record_fails_with_a_message(driver, tmp_path, capsys):
    root = install_root(tmp_path, "custom-build")
    result = run({"path": driver, "component": "driver", "install_path": root}, capsys)
    assert result["failed"] and "the installed driver record holds 'custom-build', which is not a release string; " \
        "fix or remove that record" in result["msg"]


def test_no_package_code_runs_without_a_checksum(driver, tmp_path, capsys):
    marker = tmp_path / "ran"
    tampered = tmp_path / "tampered.run"  # a package whose first command records that it ran
    tampered.write_bytes(open(driver, "rb").read().replace(b"\n", b"\ntouch %s\n" % str(marker).encode(), 1))
    args = {"path": str(tampered), "component": "driver", "install_path": install_root(tmp_path)}
    result = run(dict(args, allow_unverified=False), capsys)
    assert result["failed"] and "has no checksum to verify" in result["msg"] and result["package"]["sha256"]
    assert not marker.exists()
    run(dict(args, allow_unverified=True), capsys)
    assert marker.exists()  # the same call with the opt-out does run it


def test_unverified_package_warns(driver, tmp_path, capsys, monkeypatch):
    warned = []  # recorded at the call: how warnings reach the result depends on ansible-core's global state
    monkeypatch.setattr(ascend_package.AnsibleModule, "warn", lambda self, msg: warned.append(msg))
    result = run({"path": driver, "component": "driver", "install_path": install_root(tmp_path),
                  "allow_unverified": True, "_ansible_check_mode": True}, capsys)
    assert result["changed"] and any("without a verified checksum" in w for w in warned)
