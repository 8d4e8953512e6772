"""After the container_runtime scenario: the engine runs with the Ascend runtime registered and not the default, the
operator's daemon.json keys kept; a container started through the runtime sees exactly its chip and npu-smi there
lists it under the host's NPU IDs; the container started from npu_container_args holds exactly chips 0 and 1.
Everything is read from docker, npu-smi and the files, never from the collection's facts."""

import json
import os
import re
import sys

import testinfra.utils.ansible_runner

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir, os.pardir, "shared", "tests"))
import ascend_raw  # noqa: E402

testinfra_hosts = testinfra.utils.ansible_runner.AnsibleRunner(os.environ["MOLECULE_INVENTORY_FILE"]).get_hosts("all")

RUNTIME = "/usr/local/Ascend/Ascend-Docker-Runtime"
MANAGERS = ["davinci_manager", "devmm_svm", "hisi_hdc"]
PROBE = "ascend-sim/probe:1"


def npu_ids(host):
    """(NPU ID, chip ID) of every physical chip ID, from `npu-smi info -m` on the host (phy id = logic id here)."""
    out = {}
    for line in host.check_output("npu-smi info -m").splitlines():
        cells = line.split()
        if len(cells) >= 3 and cells[0].isdigit() and cells[1].isdigit() and cells[2].isdigit():
            out[int(cells[2])] = (int(cells[0]), int(cells[1]))
    return out


def listed(npu_smi_output):
    """(NPU ID, chip ID) of the chips an `npu-smi info` table lists: the second row of a chip has the chip ID."""
    table = npu_smi_output.split("Process id")[0]   # the device table, not the process table below it
    rows = [line for line in table.splitlines() if re.match(r"^\| \d+ +\S", line)]
    chips = []
    for first, second in zip(rows[::2], rows[1::2]):
        chips.append((int(first.split()[1]), int(second.split()[1])))
    return chips


def test_engine_runs_with_the_runtime_registered(host):
    assert host.service("docker").is_running and host.service("docker").is_enabled
    info = json.loads(host.check_output("docker info --format '{{json .}}'"))
    assert info["Runtimes"]["ascend"]["path"] == RUNTIME + "/ascend-docker-runtime"
    assert info["DefaultRuntime"] == "runc"   # container_runtime_default_ascend is false


def test_daemon_json_merged_and_private(host):
    conf = host.file("/etc/docker/daemon.json")
    assert (conf.mode, conf.user) == (0o600, "root")
    data = json.loads(conf.content_string)
    assert data["runtimes"]["ascend"] == {"path": RUNTIME + "/ascend-docker-runtime", "runtimeArgs": []}
    assert "default-runtime" not in data
    if host.backend.get_hostname() == "mol-a2":   # the operator's keys, written before Docker was installed
        assert data["log-level"] == "warn" and data["storage-driver"] == "vfs"


def test_runtime_installed_once_from_its_package(host):
    record = ascend_raw.read_kv(host, RUNTIME + "/ascend_docker_runtime_install.info")
    assert record["version"] == "v6.0.0" and record["path"] == RUNTIME
    log = host.file("/var/log/ascend-docker-runtime/installer.log").content_string
    assert log.count("installing ascend docker runtime") == 1
    assert host.file("/etc/ascend-docker-runtime.d/base.list").mode == 0o440


def test_runtime_container_sees_exactly_its_chip(host):
    chip = 3 if host.backend.get_hostname() == "mol-duo" else 0
    out = host.check_output("docker run --rm --runtime ascend -e ASCEND_VISIBLE_DEVICES=%d %s sh -c "
                            "'ls -1 /dev; echo @@; npu-smi info'" % (chip, PROBE))
    devices, smi = out.split("@@")
    nodes = sorted(d for d in devices.split() if d.startswith(("davinci", "devmm", "hisi")))
    assert nodes == sorted(["davinci%d" % chip] + MANAGERS)
    assert listed(smi) == [npu_ids(host)[chip]]


def test_explicit_container_holds_exactly_chips_0_and_1(host):
    inspect = json.loads(host.check_output("docker inspect npu-explicit"))[0]
    devices = sorted(d["PathOnHost"] for d in inspect["HostConfig"]["Devices"])
    assert devices == sorted(["/dev/davinci0", "/dev/davinci1"] + ["/dev/" + m for m in MANAGERS])
    assert all(d["CgroupPermissions"] == "rwm" for d in inspect["HostConfig"]["Devices"])
    assert inspect["HostConfig"]["Privileged"] is False
    binds = inspect["HostConfig"]["Binds"]
    assert all(b.endswith(":ro") for b in binds)
    assert "/usr/local/Ascend/driver/lib64:/usr/local/Ascend/driver/lib64:ro" in binds
    assert "/usr/local/bin/npu-smi:/usr/local/bin/npu-smi:ro" in binds
    assert ("/etc/hccn.conf:/etc/hccn.conf:ro" in binds) == host.file("/etc/hccn.conf").exists
    smi = host.check_output("docker exec npu-explicit npu-smi info")
    ids = npu_ids(host)
    assert listed(smi) == [ids[0], ids[1]]
