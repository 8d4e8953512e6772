"""After the single_node scenario. Container runtime: the engine runs with the Ascend runtime registered and not the default, the
operator's daemon.json keys kept; a container started through the runtime sees exactly its chip and npu-smi there
lists it under the host's NPU IDs; the container started from npu_container_args holds exactly chips 0 and 1.
Model weights: the fixture's .bin became a model.safetensors that the real safetensors library reads with every
tensor of the checkpoint but the tied lm_head, byte-identical on both hosts; torch_dtype float16 on the Duo only;
owner and modes MindIE accepts. Everything is read from docker, npu-smi, the files and the safetensors library,
never from the collection's facts."""

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


MODEL = "/data/models/tiny-qwen2"
FIXTURE = os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir, os.pardir, os.pardir, "tests", "fixtures",
                       "models", "tiny-qwen2-bin")


def fixture_tensor_names():
    """The tensor names of the fixture's pickle, read with zipfile and the data.pkl's string opcodes only."""
    import pickletools
    import zipfile
    with zipfile.ZipFile(os.path.join(FIXTURE, "pytorch_model.bin")) as z:
        pkl = z.read([n for n in z.namelist() if n.endswith("/data.pkl")][0])
    strings = [arg for op, arg, _pos in pickletools.genops(pkl) if op.name in ("BINUNICODE", "SHORT_BINUNICODE")]
    return set(n for n in strings if n.endswith((".weight", ".bias")))


def test_weights_are_safetensors_the_library_reads(host):
    import safetensors
    data = host.file(MODEL + "/model.safetensors").content
    tensors = dict(safetensors.deserialize(data))
    assert set(tensors) == fixture_tensor_names() - {"lm_head.weight"}
    assert set(t["dtype"] for t in tensors.values()) == {"BF16"}   # the tensors keep their dtype
    header = json.loads(data[8:8 + int.from_bytes(data[:8], "little")])
    assert header["__metadata__"] == {"format": "pt"}
    other = "mol-a2" if host.backend.get_hostname() == "mol-duo" else "mol-duo"
    other_host = testinfra.utils.ansible_runner.AnsibleRunner(
        os.environ["MOLECULE_INVENTORY_FILE"]).get_host(other)
    assert other_host.file(MODEL + "/model.safetensors").sha256sum == host.file(MODEL + "/model.safetensors").sha256sum


def test_dtype_for_the_chip_and_sources_kept_or_removed(host):
    duo = host.backend.get_hostname() == "mol-duo"
    config = json.loads(host.file(MODEL + "/config.json").content_string)
    assert config["torch_dtype"] == ("float16" if duo else "bfloat16")
    with open(os.path.join(FIXTURE, "config.json")) as f:
        shipped = json.load(f)
    assert dict(config, torch_dtype=shipped["torch_dtype"]) == shipped
    assert host.file(MODEL + "/pytorch_model.bin").exists is not duo   # remove_source on the Duo only
    assert host.file(MODEL + "/generation_config.json").exists and host.file(MODEL + "/SHA256SUMS").exists


def test_owner_and_modes_mindie_accepts(host):
    d = host.file(MODEL)
    assert (d.user, d.group, d.mode) == ("HwHiAiUser", "HwHiAiUser", 0o750)
    for line in host.check_output("find %s -mindepth 1 -printf '%%y %%m %%u %%g %%p\\n'" % MODEL).splitlines():
        kind, mode, user, group, path = line.split(" ", 4)
        assert (kind, user, group) == ("f", "HwHiAiUser", "HwHiAiUser"), line
        assert int(mode, 8) & 0o027 == 0, line


def test_sharded_model_from_a_host_directory_and_a_mirror(host):
    """The side effect staged the sharded fixture from /srv/models on the A2 and from the HTTP mirror on the Duo."""
    import safetensors
    with open(os.path.join(os.path.dirname(FIXTURE), "tiny-qwen2-sharded-bin", "pytorch_model.bin.index.json")) as f:
        names = set(json.load(f)["weight_map"])
    path = "/data/models/tiny-qwen2-sharded"
    tensors = dict(safetensors.deserialize(host.file(path + "/model.safetensors").content))
    assert set(tensors) == names - {"lm_head.weight"}
    assert host.file(path + "/pytorch_model-00002-of-00002.bin").exists   # remove_source off
    config = json.loads(host.file(path + "/config.json").content_string)
    assert config["torch_dtype"] == ("float16" if host.backend.get_hostname() == "mol-duo" else "bfloat16")
