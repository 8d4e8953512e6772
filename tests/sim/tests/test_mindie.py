"""The MindIE stand-in (ascend_sim/mindie.py) run as the daemon it replaces, on a temporary host root: what it
refuses and with which words, its readiness stages, the OpenAI API through the real `openai` client, the fixture
tokenizer's token counts, the memory it holds in the simulated driver's ledger, and two nodes joining."""

from __future__ import annotations

import contextlib
import io
import json
import os
import socket
import struct
import subprocess
import sys
import time
import urllib.error
import urllib.request

import openai
import pytest
from tokenizers import Tokenizer

from ascend_sim import cli, profiles, state

HERE = os.path.dirname(os.path.abspath(__file__))
SIM = os.path.dirname(HERE)
DAEMON = [sys.executable, "-m", "ascend_sim.mindie"]   # as the image's mindieservice_daemon runs it
TEMPLATE = os.path.join(HERE, "..", "mindie", "config.json")
TOKENIZER = os.path.join(HERE, "..", "..", "fixtures", "tokenizer", "tokenizer.json")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def make_host(root, profile="atlas-800i-a2", node=0):
    """A simulated host's kernel view: hardware, device nodes (plain files stand in for character devices), the
    ledger directory and hccn.conf with the profile's addresses."""
    hw = profiles.build(profile, node=node)
    os.makedirs(os.path.join(root, "etc/ascend-sim"))
    with open(os.path.join(root, "etc/ascend-sim/host.json"), "w") as f:
        json.dump(hw, f)
    os.makedirs(os.path.join(root, "dev"))
    for chip in [c for card in hw["cards"] for c in card["chips"]]:
        open(os.path.join(root, "dev/davinci%d" % chip["phy_id"]), "w").close()
    open(os.path.join(root, "dev/davinci_manager"), "w").close()
    os.makedirs(os.path.join(root, "run/ascend-sim/holders.d"))
    with open(os.path.join(root, "etc/hccn.conf"), "w") as f:
        for phy, net in sorted(hw["roce"].items()):
            f.write("address_%s=%s\nnetmask_%s=%s\n" % (phy, net["address"], phy, net["netmask"]))
    return hw


def make_weights(path, dtype="bfloat16"):
    os.makedirs(path, mode=0o750)
    with open(os.path.join(path, "config.json"), "w") as f:
        json.dump({"model_type": "qwen2", "torch_dtype": dtype, "num_attention_heads": 4}, f)
    header = json.dumps({"__metadata__": {"format": "pt"},
                         "w": {"dtype": "BF16", "shape": [2], "data_offsets": [0, 4]}}).encode()
    with open(os.path.join(path, "model.safetensors"), "wb") as f:
        f.write(struct.pack("<Q", len(header)) + header + b"\0\0\0\0")
    for name in os.listdir(path):
        os.chmod(os.path.join(path, name), 0o640)
    return path


def write_config(path, **changes):
    with open(TEMPLATE) as f:
        config = json.load(f)
    server, backend = config["ServerConfig"], config["BackendConfig"]
    model = backend["ModelDeployConfig"]["ModelConfig"][0]
    server.update(httpsEnabled=False, interCommTLSEnabled=False, port=free_port(), managementPort=free_port(),
                  metricsPort=free_port(), ipAddress="127.0.0.1", managementIpAddress="127.0.0.2")
    backend.update(interNodeTLSEnabled=False, npuDeviceIds=[[0, 1]], multiNodesInferPort=free_port())
    model.update(modelName="tiny-qwen2", worldSize=2)
    for key, value in changes.items():
        section, name = key.split("__")
        {"server": server, "backend": backend, "model": model,
         "schedule": backend["ScheduleConfig"]}[section][name] = value
    with open(path, "w") as f:
        json.dump(config, f)
    os.chmod(path, 0o640)
    return config


class Daemon:
    def __init__(self, root, config_path, **env):
        environ = dict(os.environ, ASCEND_SIM_ROOT=str(root), ASCEND_SIM_MINDIE_LOAD_SECONDS="0.2",
                       ASCEND_SIM_MINDIE_DECODE_MS="1", PYTHONUNBUFFERED="1")
        for name in ("RANK_TABLE_FILE", "MIES_CONTAINER_IP", "http_proxy", "https_proxy"):
            environ.pop(name, None)
        environ.update(env)
        self.proc = subprocess.Popen(DAEMON + ["--config-file", str(config_path)], env=environ, cwd=SIM,
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        self.lines = []

    def wait_for(self, text, timeout=20):
        deadline = time.time() + timeout
        while time.time() < deadline:
            line = self.proc.stdout.readline()
            if not line and self.proc.poll() is not None:
                break
            self.lines.append(line.rstrip("\n"))
            if text in line:
                return True
        return False

    def output(self):
        self.proc.wait(timeout=20)
        return "\n".join(self.lines + self.proc.stdout.read().splitlines())

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=10)


@pytest.fixture
def host(tmp_path):
    root = tmp_path / "host"
    make_host(str(root))
    weights = make_weights(str(tmp_path / "data" / "models" / "tiny-qwen2"))
    started = []

    def start(config_changes=None, **env):
        config_path = tmp_path / ("config-%d.json" % len(started))
        config = write_config(config_path, model__modelWeightPath=weights, **(config_changes or {}))
        daemon = Daemon(root, config_path, **env)
        started.append(daemon)
        daemon.config = config
        return daemon

    start.root, start.weights, start.tmp = root, weights, tmp_path
    yield start
    for daemon in started:
        daemon.stop()


def get(url):
    try:
        with urllib.request.urlopen(url, timeout=5) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def test_serves_the_openai_api_after_its_readiness_stages(host, monkeypatch):
    daemon = host()
    server = daemon.config["ServerConfig"]
    assert daemon.wait_for("Daemon start success!"), daemon.lines
    assert daemon.lines[0] == "ConfigManager: Load Config from %s." % (host.tmp / "config-0.json")
    management = "http://127.0.0.2:%d" % server["managementPort"]
    assert get(management + "/v2/health/ready") == (200, "")
    assert get(management + "/health/timed-3") == (200, '{"status": "healthy"}')
    client = openai.OpenAI(base_url="http://127.0.0.1:%d/v1" % server["port"], api_key="none", max_retries=0)
    assert [m.id for m in client.models.list().data] == ["tiny-qwen2"]
    masked = "***/" + "/".join(host.weights.strip("/").split("/")[2:])  # the first two levels hidden, as MindIE does
    assert client.models.list().data[0].root == masked

    messages = [{"role": "user", "content": "Say hello to Ascend."}]
    reply = client.chat.completions.create(model="tiny-qwen2", messages=messages, max_tokens=12)
    text = reply.choices[0].message.content
    assert len(text) == 12 and reply.choices[0].finish_reason == "length"
    rendered = Tokenizer.from_file(TOKENIZER).encode("user: Say hello to Ascend.\nassistant: ").ids
    assert reply.usage.prompt_tokens == len(rendered)
    assert reply.usage.completion_tokens == 12
    again = client.chat.completions.create(model="tiny-qwen2", messages=messages, max_tokens=12)
    assert again.choices[0].message.content == text  # deterministic for weights and prompt

    chunks = list(client.chat.completions.create(model="tiny-qwen2", messages=messages, max_tokens=12, stream=True,
                                                 stream_options={"include_usage": True}))
    assert "".join(c.choices[0].delta.content or "" for c in chunks if c.choices) == text
    assert chunks[-1].usage.completion_tokens == 12
    completion = client.completions.create(model="tiny-qwen2", prompt="Ascend", max_tokens=5)
    assert completion.usage.prompt_tokens == 6 and len(completion.choices[0].text) == 5

    with pytest.raises(openai.NotFoundError):
        client.chat.completions.create(model="other", messages=messages)

    monkeypatch.setenv("ASCEND_SIM_ROOT", str(host.root))
    holders = state.holders()  # what npu-smi on the host shows
    assert sorted((h["npu_id"], h["name"], h["pid"]) for h in holders) == [
        (0, "mindieservice_b", daemon.proc.pid), (1, "mindieservice_b", daemon.proc.pid)]
    assert holders[0]["memory_mb"] == int(32768 * 0.8) - 2815


def test_metrics_only_in_monitor_mode(host):
    daemon = host(MIES_SERVICE_MONITOR_MODE="1")
    assert daemon.wait_for("Daemon start success!"), daemon.lines
    server = daemon.config["ServerConfig"]
    client = openai.OpenAI(base_url="http://127.0.0.1:%d/v1" % server["port"], api_key="none", max_retries=0)
    client.completions.create(model="tiny-qwen2", prompt="abc", max_tokens=4)
    code, text = get("http://127.0.0.2:%d/metrics" % server["metricsPort"])
    assert code == 200
    assert 'generation_tokens_total{model_name="tiny-qwen2"} 4' in text
    assert 'prompt_tokens_total{model_name="tiny-qwen2"} 3' in text


@pytest.mark.parametrize("case, expected", [
    ("mode", "Check path: config.json failed, by: Check Other group permission failed: {config} current permission "
             "is 4, but required no greater than 0. Required permisssion is 640, but got permission is 644"),
    ("instances", "Invalid modelInstanceNumber: 2 or modelInstanceNumber not equal to npuDeviceIds size: 1"),
    ("memsize", "The value of 'npuMemSize' in ModelDeployConfig in config.json is 0 it should be within "
                "(0, 4294967295] or -1"),
    ("zero", "ipAddress is invalid"),
    ("weights_mode", "Path permission exceeds maximum allowed: {weights}/config.json, actual=0644, limit=0640"),
    ("no_safetensors", "No local weights found in {weights} with extension .safetensors"),
    ("float32", "`torch_dtype` is only supported for type `float16` and `bfloat16`"),
    ("device", "Set visible device failed, invalid device=8, input visible devices:0,1,2,3,4,5,6,7"),
    ("rank_table", "Ranktable file is not exist, please set a valid ranktable file path with RANK_TABLE_FILE "
                   "environment."),
])
def test_refuses_what_mindie_refuses(host, case, expected):
    changes = {}
    if case == "instances":
        changes["backend__modelInstanceNumber"] = 2
    elif case == "memsize":
        changes["model__npuMemSize"] = 0
    elif case == "zero":
        changes["server__ipAddress"] = "0.0.0.0"
    elif case == "weights_mode":  # (a 0755 directory is refused too, unless the service runs as root)
        os.chmod(os.path.join(host.weights, "config.json"), 0o644)
    elif case == "no_safetensors":
        os.unlink(os.path.join(host.weights, "model.safetensors"))
    elif case == "float32":
        with open(os.path.join(host.weights, "config.json"), "w") as f:
            json.dump({"torch_dtype": "float32"}, f)
        os.chmod(os.path.join(host.weights, "config.json"), 0o640)
    elif case == "device":
        changes["backend__npuDeviceIds"] = [[0, 8]]
    elif case == "rank_table":
        changes["backend__multiNodesInferEnabled"] = True
    daemon = host(changes)
    config = host.tmp / "config-0.json"
    if case == "mode":
        os.chmod(config, 0o644)
    out = daemon.output()
    assert expected.format(config=config, weights=host.weights) in out
    assert "Daemon start success!" not in out
    assert "Failed to init endpoint! Please check the service log or console output." in out
    assert daemon.proc.returncode == -9  # the process group is killed


def test_an_option_mindie_does_not_have_is_refused():
    proc = subprocess.run(DAEMON + ["--port", "8080"], capture_output=True, text=True, check=False, cwd=SIM)
    assert (proc.returncode, proc.stdout) == (
        255, "Unrecognized command-line argument, expect [--config-file, --expert-parallel]\n")


def test_bf16_is_refused_on_310p(tmp_path):
    root = tmp_path / "duo"
    make_host(str(root), "atlas-300i-duo")
    weights = make_weights(str(tmp_path / "w"))
    write_config(tmp_path / "c.json", model__modelWeightPath=weights)
    daemon = Daemon(root, tmp_path / "c.json")
    assert ("This device does not support bfloat16.Please change the data type(i.e. `torch_dtype`) to float16 in "
            "config.json from model weights.") in daemon.output()


def test_a_busy_chip_and_a_taken_port_are_refused(host):
    first = host()
    assert first.wait_for("Daemon start success!"), first.lines
    busy = host()  # the same chips
    assert "dcmi model initialized failed, because the device is used. ret is -8020" in busy.output()
    port = first.config["ServerConfig"]["port"]
    taken = host({"backend__npuDeviceIds": [[2, 3]], "server__port": port})
    out = taken.output()
    assert "Socket bind failed, bind_result is -1. Address already in use" in out
    assert "Management or Business or Metrics Http server listen port is occupied" in out


def test_a_stopped_daemon_gives_its_memory_back(host):
    daemon = host()
    assert daemon.wait_for("Daemon start success!"), daemon.lines
    daemon.stop()
    assert daemon.proc.returncode == 0
    assert os.listdir(host.root / "run/ascend-sim/holders.d") == []


def rank_table(path, hosts):
    servers, rank = [], 0
    for container_ip, hw in hosts:
        devices = []
        for phy in (0, 1):
            devices.append({"device_id": str(phy), "device_ip": hw["roce"][str(phy)]["address"],
                            "rank_id": str(rank)})
            rank += 1
        servers.append({"server_id": container_ip, "container_ip": container_ip, "device": devices})
    with open(path, "w") as f:
        json.dump({"version": "1.0", "server_count": str(len(servers)), "server_list": servers,
                   "status": "completed"}, f)
    os.chmod(path, 0o640)


def test_two_nodes_serve_once_both_have_joined(tmp_path):
    roots, hws = [tmp_path / "n0", tmp_path / "n1"], []
    for i, root in enumerate(roots):
        hws.append(make_host(str(root), node=i))
    weights = make_weights(str(tmp_path / "data" / "models" / "m"))
    config = write_config(tmp_path / "config.json", model__modelWeightPath=weights, backend__multiNodesInferEnabled=True,
                          model__worldSize=4)
    table = tmp_path / "rank_table.json"
    rank_table(table, [("127.0.0.1", hws[0]), ("127.0.0.3", hws[1])])
    env = {"RANK_TABLE_FILE": str(table), "HCCL_CONNECT_TIMEOUT": "20"}
    master = Daemon(roots[0], tmp_path / "config.json", MIES_CONTAINER_IP="127.0.0.1", **env)
    try:
        time.sleep(1.0)
        management = "http://127.0.0.2:%d" % config["ServerConfig"]["managementPort"]
        with pytest.raises(urllib.error.URLError):  # no HTTP until every node has joined
            urllib.request.urlopen(management + "/v2/health/ready", timeout=2)
        follower = Daemon(roots[1], tmp_path / "config.json", MIES_CONTAINER_IP="127.0.0.3", **env)
        try:
            assert follower.wait_for("Daemon start success!"), follower.lines
            assert ("Multi Nodes infer slave instance need not init TokenizerProcessPool and HttpWrapper"
                    in follower.lines)
            assert master.wait_for("Daemon start success!"), master.lines
            assert get(management + "/v2/health/ready") == (200, "")
            follower.proc.kill()
            follower.proc.wait()
            time.sleep(0.5)
            assert get(management + "/v2/health/ready")[0] == 500  # a node of the table is gone
        finally:
            follower.stop()
    finally:
        master.stop()


def test_a_device_ip_other_than_the_die_s_is_refused(tmp_path):
    roots, hws = [tmp_path / "n0", tmp_path / "n1"], []
    for i, root in enumerate(roots):
        hws.append(make_host(str(root), node=i))
    weights = make_weights(str(tmp_path / "w"))
    write_config(tmp_path / "config.json", model__modelWeightPath=weights, backend__multiNodesInferEnabled=True)
    table = tmp_path / "rank_table.json"
    rank_table(table, [("127.0.0.1", hws[1]), ("127.0.0.3", hws[0])])  # the other node's addresses
    daemon = Daemon(roots[0], tmp_path / "config.json", MIES_CONTAINER_IP="127.0.0.1", RANK_TABLE_FILE=str(table))
    assert ("The device_ip %s of device 0 in ranktable file is not the address of the device (%s)"
            % (hws[1]["roce"]["0"]["address"], hws[0]["roce"]["0"]["address"])) in daemon.output()


def test_a_chip_ascend_sim_hold_holds_is_used_from_a_container_too(host, monkeypatch):
    """`ascend-sim hold` and the daemon share the driver's ledger: the daemon sees the held chip as used, and
    npu-smi on the host names the holder by its pid until it is released."""
    monkeypatch.setenv("ASCEND_SIM_ROOT", str(host.root))
    pid = None
    try:
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            cli.main(["hold", "--npu", "1", "--chip", "0", "--memory", "1000"])
        pid = int(out.getvalue())
        assert [(h["npu_id"], h["pid"], h["memory_mb"]) for h in state.holders()] == [(1, pid, 1000)]
        busy = host({"backend__npuDeviceIds": [[1]], "model__worldSize": 1})
        assert "dcmi model initialized failed, because the device is used. ret is -8020" in busy.output()
    finally:
        cli.main(["release"])
    assert state.holders() == []

    def gone():
        try:
            with open("/proc/%d/stat" % pid) as f:
                return f.read().split()[2] == "Z"   # exited; its parent (this test) has not reaped it
        except OSError:
            return True
    deadline = time.time() + 5
    while not gone() and time.time() < deadline:
        time.sleep(0.1)
    assert gone()   # release stops the holder it started
