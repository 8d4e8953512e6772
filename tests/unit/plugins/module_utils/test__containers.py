"""The container arguments of a set of chips, the holder check, the runtime's proof and the daemon configuration."""

from __future__ import annotations

import json
import pathlib

import pytest

from ansible_collections.ascendops.llm.plugins.module_utils import _containers as c

REFERENCE = pathlib.Path(__file__).resolve().parents[3] / "fixtures" / "reference"
# A 300I Duo as the facts describe it: four cards of two chips, NPU IDs 0, 96, 32768, 32896 (the host in
# info-310p3-25.3.rc1.txt), physical IDs 0-7, one process on chip 3.
DUO = {
    "chips": [{"npu_id": npu, "chip_id": chip, "phy_id": 2 * i + chip, "device": "/dev/davinci%d" % (2 * i + chip)}
              for i, npu in enumerate((0, 96, 32768, 32896)) for chip in (0, 1)],
    "processes": [{"npu_id": 96, "chip_id": 1, "pid": 4242, "name": "mindieservice_b", "memory_mb": 27474}],
}
ALL_PATHS = c.driver_mounts()


def test_driver_mounts_are_the_reference_recipe():
    assert c.driver_mounts("/opt/Ascend") == [
        "/opt/Ascend/driver/lib64", "/usr/local/dcmi", "/usr/local/bin/npu-smi", "/opt/Ascend/driver/version.info",
        "/etc/ascend_install.info", "/opt/Ascend/driver/tools/hccn_tool", "/etc/hccn.conf"]


@pytest.mark.parametrize("wanted, ids", [
    ("all", list(range(8))), (None, list(range(8))), ([2, 3], [2, 3]), ("0-2,5", [0, 1, 2, 5]),
    (["1", "6-7"], [1, 6, 7]), ("npu-4", [4]), ("Ascend310P-3", [3]), ("3,3", [3]),
])
def test_chip_forms(wanted, ids):
    assert c.select_chips(DUO, wanted) == {"chips": ids, "problems": []}


@pytest.mark.parametrize("wanted, words", [
    ("0-9", ["chips 8, 9 are not on this host", "0, 1, 2, 3, 4, 5, 6, 7"]),
    ("3-1", ["'3-1' is an empty range"]),
    ("zero", ["'zero' is not a chip ID"]),
])
def test_chips_the_host_does_not_have(wanted, words):
    problems = c.select_chips(DUO, wanted)["problems"]
    assert len(problems) == 1 and all(w in problems[0] for w in words), problems


def test_a_chip_without_its_node_is_refused():
    npu = {"chips": [dict(DUO["chips"][0], device=None)] + DUO["chips"][1:]}
    assert c.select_chips(npu, [0, 1])["problems"] == ["chips 0 have no /dev/davinci node (is the driver loaded?)"]
    assert c.select_chips({"chips": []}, "all")["problems"] == ["no chips to give the container (this host shows none)"]


def test_container_args_for_one_duo_card():
    args = c.container_args(DUO, "2-3", ALL_PATHS[:4])   # no ascend_install.info, hccn_tool or hccn.conf here
    assert args == {
        "chips": [2, 3], "problems": [], "visible_devices": "2,3",
        "devices": ["/dev/davinci2:/dev/davinci2:rwm", "/dev/davinci3:/dev/davinci3:rwm",
                    "/dev/davinci_manager:/dev/davinci_manager:rwm", "/dev/devmm_svm:/dev/devmm_svm:rwm",
                    "/dev/hisi_hdc:/dev/hisi_hdc:rwm"],
        "volumes": ["/usr/local/Ascend/driver/lib64:/usr/local/Ascend/driver/lib64:ro",
                    "/usr/local/dcmi:/usr/local/dcmi:ro", "/usr/local/bin/npu-smi:/usr/local/bin/npu-smi:ro",
                    "/usr/local/Ascend/driver/version.info:/usr/local/Ascend/driver/version.info:ro"]}


def test_a3_gets_sixteen_dies():
    a3 = {"chips": [{"npu_id": n, "chip_id": d, "phy_id": 2 * n + d, "device": "/dev/davinci%d" % (2 * n + d)}
                    for n in range(8) for d in (0, 1)]}
    args = c.container_args(a3, "all", ALL_PATHS)
    assert [d.split(":")[0] for d in args["devices"][:16]] == ["/dev/davinci%d" % i for i in range(16)]
    assert len(args["volumes"]) == 7 and all(v.endswith(":ro") for v in args["volumes"])


def inspect(name, devices=(), runtime="runc", env=()):
    return {"Name": "/" + name, "Id": "f" * 64,
            "HostConfig": {"Runtime": runtime, "Devices": [{"PathOnHost": d, "PathInContainer": d,
                                                            "CgroupPermissions": "rwm"} for d in devices]},
            "Config": {"Env": list(env)}}


def test_container_chips_from_devices_and_the_runtime():
    assert c.container_chips(inspect("a", ["/dev/davinci1", "/dev/davinci_manager", "/dev/davinci12"])) == [1, 12]
    assert c.container_chips(inspect("b", runtime="ascend", env=["ASCEND_VISIBLE_DEVICES=0-2"])) == [0, 1, 2]
    # the variable does nothing under runc, and `void` injects nothing
    assert c.container_chips(inspect("c", env=["ASCEND_VISIBLE_DEVICES=0-2"])) == []
    assert c.container_chips(inspect("d", runtime="ascend", env=["ASCEND_VISIBLE_DEVICES=void"])) == []
    assert c.container_chips({"Id": "x"}) == []


def test_holders_name_processes_and_containers_but_not_the_callers_own():
    containers = [inspect("mindie-a", ["/dev/davinci2"]), inspect("web"), inspect("mine", ["/dev/davinci3"])]
    found = c.holders(DUO, [2, 3, 4], containers, ignore=["mine"])
    assert found == [{"phy_id": 2, "holder": "container mindie-a"},
                     {"phy_id": 3, "holder": "process 4242 (mindieservice_b, 27474 MB of NPU memory)"}]
    assert c.holders(DUO, [0, 1], containers) == []
    assert c.npu_containers(containers) == ["mindie-a", "mine"]
    assert c.npu_containers(containers, ignore=["mine"]) == ["mindie-a"]
    message = c.holders_message(found, "duo-1", "mindie_chips")
    assert message.startswith("duo-1: chip 2 is held by container mindie-a; chip 3 is held by process 4242")
    assert "mindie_chips" in message
    # the process of the caller's own container (its host pid from docker top) is not a holder either
    assert c.top_pids("    PID\n   4242\n   4250\n") == [4242, 4250]
    assert c.holders(DUO, [3], containers, ignore=["mine"], ignore_pids=[4242]) == []


def probe_output(devices, table):
    return "\n".join(devices) + "\n--- sep ---\n" + table


def one_chip_table(text, index):
    """The real table cut to the banner, the heads and chip `index`'s block, as npu-smi prints a single chip."""
    lines = text.splitlines()
    head = lines[:6]
    block = lines[6 + 3 * index:8 + 3 * index]
    return "\n".join(head + block + ["+" + "=" * 31 + "+" + "=" * 17 + "+" + "=" * 54 + "+"]) + "\n"


def test_probe_of_exactly_one_chip():
    text = (REFERENCE / "info-310p3-25.3.rc1.txt").read_text()
    devices = ["console", "davinci3", "davinci_manager", "devmm_svm", "hisi_hdc", "null"]
    result = c.probe_result(probe_output(devices, one_chip_table(text, 3)), DUO, 3, "--- sep ---")
    assert result == {"devices": ["davinci3", "davinci_manager", "devmm_svm", "hisi_hdc"],
                      "npu_smi_chips": [{"npu_id": 96, "chip_id": 1}], "problems": []}


def test_probe_problems_name_what_differs():
    text = (REFERENCE / "info-310p3-25.3.rc1.txt").read_text()
    result = c.probe_result(probe_output(["davinci3", "davinci4", "davinci_manager"], text), DUO, 3, "--- sep ---")
    assert result["problems"][0] == ("the container saw devices davinci3, davinci4, davinci_manager instead of "
                                     "davinci3, davinci_manager, devmm_svm, hisi_hdc")
    assert result["problems"][1].startswith("npu-smi in the container listed NPU 0 chip 0, NPU 0 chip 1,")
    broken = c.probe_result(probe_output(["davinci3"], "dcmi module initialize failed. ret is -8005"), DUO, 3,
                            "--- sep ---")
    assert "npu-smi did not work in the container (dcmi module initialize failed. ret is -8005)" in broken["problems"]


def test_daemon_config_keeps_the_operators_keys():
    current = c.parse_daemon_config('{"log-level": "warn", "runtimes": {"nvidia": {"path": "nvidia-container-runtime"}},'
                                    ' "default-runtime": "nvidia"}')
    path = c.runtime_path()
    merged = c.daemon_config(current, path, False, {"live-restore": True})
    assert merged == {"log-level": "warn", "default-runtime": "nvidia", "live-restore": True,
                      "runtimes": {"nvidia": {"path": "nvidia-container-runtime"},
                                   "ascend": {"path": "/usr/local/Ascend/Ascend-Docker-Runtime/ascend-docker-runtime",
                                              "runtimeArgs": []}}}
    assert current["runtimes"] == {"nvidia": {"path": "nvidia-container-runtime"}}   # the input is not changed
    assert c.daemon_config(merged, path, True)["default-runtime"] == "ascend"


def test_daemon_config_drops_only_an_ascend_default():
    installed = {"runtimes": {"ascend": {"path": "/x", "runtimeArgs": ["--debug"]}}, "default-runtime": "ascend"}
    merged = c.daemon_config(installed, "/x", False)
    assert merged == {"runtimes": {"ascend": {"path": "/x", "runtimeArgs": ["--debug"]}}}   # its args kept
    assert c.daemon_config({}, None, False) == {}
    assert json.loads(c.render_daemon_config(merged)) == merged


@pytest.mark.parametrize("text, words", [
    ('{"log-level": "warn", ', "not valid JSON"), ("[1, 2]", "a JSON list, not an object"),
])
def test_daemon_config_refuses_what_is_not_an_object(text, words):
    with pytest.raises(ValueError, match=words):
        c.parse_daemon_config(text)
    assert c.parse_daemon_config("") == {} and c.parse_daemon_config(None) == {}
