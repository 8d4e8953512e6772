"""The package pipeline's decisions: locating files, expected and computed checksums, URL credentials, the
compatibility of inspected packages and the one result the pipeline reports."""

from __future__ import annotations

import pytest

from ansible_collections.ascendops.llm.plugins.module_utils import _packages

DRIVER = "Ascend-hdk-910b-npu-driver_24.1.rc3_linux-aarch64.run"
FIRMWARE = "Ascend-hdk-910b-npu-firmware_7.5.0.1.129.run"
COMPONENTS = [{"name": "driver", "file": DRIVER, "version": "24.1.rc3", "install": True},
              {"name": "firmware", "file": FIRMWARE, "version": "7.5.0.1.129", "install": False}]
SUM_A, SUM_B = "a" * 64, "b" * 64


def test_the_pipeline_handles_what_is_installed_and_what_is_only_inspected():
    assert [c["name"] for c in _packages.handled(COMPONENTS)] == ["driver"]
    assert _packages.handled([{"name": "x", "file": "x.run"}]) == [{"name": "x", "file": "x.run", "install": True}]
    inspected = [dict(COMPONENTS[0], install=False, inspect=True), COMPONENTS[1]]
    assert _packages.handled(inspected) == []  # nothing to install: nothing to inspect either
    inspected[1] = dict(COMPONENTS[1], install=True)
    assert [c["name"] for c in _packages.handled(inspected)] == ["driver", "firmware"]


def test_locate_ignores_case_and_names_the_missing():
    found = ["Ascend-hdk-910b-npu-driver_24.1.RC3_linux-aarch64.run", "other.run"]
    assert _packages.locate(COMPONENTS, found, "controller") == {
        "files": {"driver": "Ascend-hdk-910b-npu-driver_24.1.RC3_linux-aarch64.run"}, "missing": ["firmware"]}
    # a mirror cannot be listed: the wanted names are taken and checked by HEAD requests
    assert _packages.locate(COMPONENTS, [], "url")["files"] == {"driver": DRIVER, "firmware": FIRMWARE}
    message = _packages.missing_message("hdk", COMPONENTS, ["firmware"], "/srv/hdk", "controller")
    assert message == ("the firmware package %s is not in /srv/hdk (hdk_packages_source controller). Put it there, "
                       "or set hdk_firmware_package if yours is named differently." % FIRMWARE)
    assert "are not in" in _packages.missing_message("cann", COMPONENTS, ["driver", "firmware"], "/d", "host")


@pytest.mark.parametrize("source,directory,url,problem", [
    ("controller", "/srv", "", ""),
    ("url", "", "https://mirror/ascend", ""),
    ("controller", "", "", "hdk_packages_dir is empty"),
    ("url", "", "ftp://u:secret@mirror", "is not an http(s) URL"),
    ("nfs", "/srv", "", "one of controller, host, url"),
])
def test_source_problems(source, directory, url, problem):
    found = _packages.source_problem("hdk", source, directory, url)
    assert (problem in found) if problem else found == ""
    assert "secret" not in found


def test_checksums_come_from_the_inventory_first_then_sha256sums():
    files = {"driver": "Ascend-hdk-910b-npu-driver_24.1.RC3_linux-aarch64.run", "firmware": FIRMWARE}
    sums = "%s  ./sub/%s\n%s *%s\nnot a checksum line\n" % (SUM_A, DRIVER, SUM_A, FIRMWARE)
    assert _packages.expected_checksums(files, {FIRMWARE: SUM_B.upper()}, sums) == \
        {"driver": SUM_A, "firmware": SUM_B}
    assert _packages.expected_checksums(files, {}, "") == {"driver": None, "firmware": None}
    assert _packages.unverified(files, {"driver": SUM_A, "firmware": None}) == [FIRMWARE]
    assert _packages.checksum_problems("hdk", files, {"driver": "abc", "firmware": SUM_A}) == \
        ["hdk_checksums gives abc for %s, which is not a SHA-256 (64 hex digits)" % files["driver"]]


def test_mismatches_read_the_stat_results():
    files = {"driver": DRIVER, "firmware": FIRMWARE}
    stats = [{"item": "driver", "stat": {"checksum": SUM_B}}, {"item": "firmware", "skipped": True}]
    bad = _packages.mismatches(files, {"driver": SUM_A, "firmware": None}, stats)
    assert bad == [(DRIVER, SUM_B, SUM_A)]
    assert _packages.mismatches(files, {"driver": SUM_B}, stats) == []
    message = _packages.mismatch_message("hdk", "https://u:p@mirror/x", bad)
    expected = "https://***@mirror/x/%s has SHA-256 %s, not %s. The file is corrupt" % (DRIVER, SUM_B, SUM_A)
    assert message.startswith(expected)
    assert "correct hdk_checksums" in message


def test_urls_lose_their_credentials():
    assert _packages.split_url("https://user:t0ken@mirror.example.com:8443/ascend/") == {
        "url": "https://mirror.example.com:8443/ascend", "username": "user", "password": "t0ken"}
    assert _packages.split_url("http://mirror/a") == {"url": "http://mirror/a", "username": None, "password": None}
    text = "GET https://user:t0ken@mirror/a and --extra-index-url http://t0ken@pypi/simple"
    assert _packages.redact_url(text) == "GET https://***@mirror/a and --extra-index-url http://***@pypi/simple"
    assert _packages.has_credentials(text) and not _packages.has_credentials("https://mirror/a --trusted-host x")


def test_staged_paths():
    files = {"driver": DRIVER}
    assert _packages.staged_paths(files, "host", "/srv/hdk", "/var/cache/p") == {"driver": "/srv/hdk/" + DRIVER}
    assert _packages.staged_paths(files, "url", "", "/var/cache/p") == {"driver": "/var/cache/p/" + DRIVER}


def _inspected(name, **package):
    return {"item": {"name": name}, "package": package, "action": "install", "changed": True}


def test_compatibility_of_inspected_packages():
    results = [_inspected("driver", compatible_fw="[7.0.0,7.5.99]"),
               _inspected("firmware", compatible_drv="[24.1,24.1.]")]
    assert _packages.compat_problems(results, {"driver": "24.1.rc3", "firmware": "7.5.0.1.129"}) == []
    assert _packages.compat_problems(results, {"driver": "25.0.rc1", "firmware": "7.7.0.1.231"}) == [
        "driver 25.0.rc1 accepts firmware [7.0.0,7.5.99] only, not 7.7.0.1.231",
        "firmware 7.7.0.1.231 runs with drivers [24.1,24.1.] only, not 25.0.rc1"]
    toolkit = [_inspected("toolkit", release="8.2.RC1", compatible_inner="[V100R001C19],[V100R001C20]")]
    assert _packages.compat_problems(toolkit, {"driver_inner": "V100R001C20SPC001B231"}) == []
    assert _packages.compat_problems(toolkit, {"driver_inner": "V100R001C21B220"}) == [
        "CANN 8.2.RC1 runs on drivers [V100R001C19],[V100R001C20] and the installed driver is V100R001C21B220"]
    assert _packages.compat_problems(toolkit, {"driver_inner": None}) == []  # no driver yet: nothing to hold against
    assert _packages.compat_problems([{"item": {"name": "driver"}, "skipped": True}], {"firmware": "x"}) == []


def test_result_reports_each_component_and_the_summary():
    files = {"driver": DRIVER}
    inspect = [_inspected("driver", release="24.1.rc3")]
    install = [dict(_inspected("driver", release="24.1.rc3"), reboot_required=True)]
    out = _packages.result(COMPONENTS, files, {"driver": SUM_A}, {"driver": "/c/" + DRIVER}, inspect, install)
    assert out == {
        "components": {"driver": {"file": DRIVER, "path": "/c/" + DRIVER, "sha256": SUM_A,
                                  "package": {"release": "24.1.rc3"}, "action": "install", "changed": True,
                                  "reboot_required": True}},
        "order": ["driver"], "inspected": True, "installed": ["driver"], "reboot_required": True}
    # check mode without staged packages: nothing inspected, nothing done
    skipped = [{"item": {"name": "driver"}, "skipped": True}]
    out = _packages.result(COMPONENTS, files, {"driver": None}, {"driver": "/c/x"}, skipped, skipped)
    assert (out["inspected"], out["installed"], out["components"]["driver"]["action"]) == (False, [], None)
    assert _packages.result([], {}, {}, {}, [], [])["components"] == {}


def test_failure_message_keeps_the_failing_item_and_the_log_tail():
    failed = {"msg": "One or more items failed", "results": [
        {"item": {"name": "firmware"}, "failed": False, "msg": ""},
        {"item": {"name": "driver"}, "failed": True, "msg": "The driver installer x.run failed with rc 1",
         "log_tail": ["a", "", "b", "c", "d", "e", "[Driver] package install failed"]}]}
    assert _packages.failure_message(failed, "h1") == (
        "h1: The driver installer x.run failed with rc 1 Install log: b | c | d | e | [Driver] package install failed")
    assert _packages.failure_message({"msg": "GET https://u:p@m/x failed"}) == "GET https://***@m/x failed"
    assert _packages.failure_message({"msg": "h1: refused"}, "h1") == "h1: refused"
    assert _packages.failure_message(None) == "the task failed without a message"
