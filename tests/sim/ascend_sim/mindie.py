"""MindIE Service stand-in: `mindieservice_daemon` of the simulator's MindIE image.

Written from serving-reference.md sections 1.1 to 1.6 and ascend-tech-reference.md sections 3.4 and 5: the two
options the daemon takes, how it finds its config.json, the checks it makes and the words it refuses with, the
startup order (config, weights, HTTP servers, `Daemon start success!`), the ports each group of endpoints lives on,
and multi-node (rank table, MIES_CONTAINER_IP, followers without HTTP). The image carries this module with the
simulator's state.py and ledger.py (standard library only) as the package ascend_sim, and the daemon runs it;
containers see nothing of the simulator but the simulated kernel's state (/etc/ascend-sim, /run/ascend-sim, bound in by the runc
shim when the container has Ascend devices).

Where the reference gives no words or numbers, the choices are listed in tests/sim/README.md ("MindIE stand-in").
"""

from __future__ import annotations

import errno
import glob
import hashlib
import json
import os
import re
import signal
import socket
import stat
import sys
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from . import ledger, state


PATH_CHARS = re.compile(r"^(?!.*\.\.)[a-zA-Z0-9_./-]+$")
MODEL_NAME = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9._-]{0,254}[A-Za-z0-9])?$")
BACKEND_PROCESS = "mindieservice_b"
CHAT_ROLE_SEPARATOR = ": "   # the fixture tokenizer's chat template: "<role>: <content>\n" ..., then "assistant: "
WORDS = ("npu", "ascend", "token", "tensor", "rank", "cache", "batch", "layer", "kernel", "stream", "model",
         "serve", "graph", "expert", "weight", "prefill", "decode", "shard", "node", "die")


class Refusal(Exception):
    """A fatal startup error: MindIE prints it and kills its process group."""


def say(*lines):
    for line in lines:
        sys.stdout.write(line + "\n")
    sys.stdout.flush()


def env_int(name, default):
    try:
        return int(os.environ.get(name, default))
    except ValueError:
        return default


def env_float(name, default):
    try:
        return float(os.environ.get(name, default))
    except ValueError:
        return default


# ---------------------------------------------------------------------------------------------------------- args

def parse_args(argv):
    """The daemon's two options; anything else is refused as MindIE does (exit -1)."""
    options = {"config_file": None, "expert_parallel": "false"}
    i = 0
    while i < len(argv):
        arg = argv[i]
        if arg in ("--config-file", "--expert-parallel") and i + 1 < len(argv):
            options["config_file" if arg == "--config-file" else "expert_parallel"] = argv[i + 1]
            i += 2
            continue
        raise Refusal("Unrecognized command-line argument, expect [--config-file, --expert-parallel]")
    return options


def config_path(options, binary):
    """common_util.cpp GetConfigPath: --config-file, MIES_CONFIG_JSON_PATH, then <home>/conf/config.json."""
    if options["config_file"]:
        return options["config_file"]
    if os.environ.get("MIES_CONFIG_JSON_PATH"):
        return os.environ["MIES_CONFIG_JSON_PATH"]
    home = os.environ.get("MINDIE_LLM_HOME_PATH", "")
    if not (home and os.path.isfile(os.path.join(home, "__init__.py"))):
        home = os.environ.get("MIES_INSTALL_PATH") or os.path.dirname(os.path.dirname(os.path.realpath(binary)))
    return os.path.join(home, "conf", "config.json")


# ----------------------------------------------------------------------------------------------------- permissions

CLASSES = (("Owner", 6), ("Group", 3), ("Other group", 0))


def mode_problem(path, mode, limit):
    """ConstrainPermission: each class's bits must be a subset of the limit's (640: 600 and 440 pass, 644 fails)."""
    for name, shift in CLASSES:
        have, allowed = (mode >> shift) & 7, (limit >> shift) & 7
        if have & ~allowed:
            return ("Check %s permission failed: %s current permission is %d, but required no greater than %d. "
                    "Required permisssion is %o, but got permission is %o" % (name, path, have, allowed, limit,
                                                                              mode & 0o777))
    return None


def check_service_file(path, label):
    """FileUtils::IsFileValid for config.json and the rank table: owner is this uid (root included), mode <= 640.
    MINDIE_CHECK_INPUTFILES_PERMISSION=0 no longer relaxes it (MindIE-LLM 921a406)."""
    try:
        st = os.lstat(path)
    except OSError:
        raise Refusal("Check path: %s failed, by: %s is not exist" % (label, path))
    if stat.S_ISLNK(st.st_mode):
        raise Refusal("Check path: %s failed, by: Found symlink path: %s" % (label, path))
    if st.st_uid != os.getuid():
        raise Refusal("Check path: %s failed, by: owner id diff: current process user id is %d, file owner id is %d"
                      % (label, os.getuid(), st.st_uid))
    problem = mode_problem(path, st.st_mode, 0o640)
    if problem:
        raise Refusal("Check path: %s failed, by: %s" % (label, problem))


def check_input_path(path, is_dir):
    """SafePath for the weights directory and the model's json files: characters, symlinks, owner, mode."""
    if not PATH_CHARS.match(path):
        raise Refusal("Path contains special characters: %s" % path)
    parts = path.rstrip("/").split("/")
    for i in range(2, len(parts) + 1):
        part = "/".join(parts[:i])
        if os.path.islink(part):
            raise Refusal("Found symlink path: %s" % part)
    try:
        st = os.stat(path)
    except OSError:
        raise Refusal("Path is not exist: %s" % path)
    if is_dir != stat.S_ISDIR(st.st_mode):
        raise Refusal("Path is not a %s: %s" % ("directory" if is_dir else "file", path))
    if os.environ.get("MINDIE_CHECK_INPUTFILES_PERMISSION") == "0":
        say("[WARN] MINDIE_CHECK_INPUTFILES_PERMISSION=0: the owner and mode of %s are not checked" % path)
        return
    uid = os.getuid()
    if uid != 0 and st.st_uid != uid:
        raise Refusal("path owner uid mismatch: %s owner uid is %d, current process uid is %d" % (path, st.st_uid, uid))
    limit = 0o750 if is_dir else 0o640
    if is_dir and uid == 0:
        return
    mode = st.st_mode & 0o777
    if mode & ~limit:
        raise Refusal("Path permission exceeds maximum allowed: %s%s, actual=%04o, limit=%04o"
                      % (path.rstrip("/"), "/" if is_dir else "", mode, limit))


# --------------------------------------------------------------------------------------------------------- config

def load_config(path):
    say("ConfigManager: Load Config from %s." % path)
    check_service_file(path, "config.json")
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError) as exc:
        raise Refusal("Failed to parse config.json %s: %s" % (path, exc))


def settings_of(config):
    """The values the stand-in acts on, from the current schema, with MindIE's environment overrides."""
    server = config.get("ServerConfig") or {}
    backend = config.get("BackendConfig") or {}
    deploy = backend.get("ModelDeployConfig") or {}
    models = deploy.get("ModelConfig") or [{}]
    schedule = backend.get("ScheduleConfig") or {}
    if not server or not backend:
        raise Refusal("config.json has no ServerConfig or BackendConfig: this daemon reads the current schema")
    ip = os.environ.get("MIES_CONTAINER_IP") or server.get("ipAddress", "127.0.0.1")
    management_ip = (os.environ.get("MIES_CONTAINER_MANAGEMENT_IP") or server.get("managementIpAddress") or ip)
    return {
        "ip": ip, "port": server.get("port"), "management_ip": management_ip,
        "management_port": server.get("managementPort"), "metrics_port": server.get("metricsPort"),
        "inter_comm_port": server.get("interCommPort", 1121),
        "all_zero": bool(server.get("allowAllZeroIpListening")), "https": bool(server.get("httpsEnabled")),
        "max_link": server.get("maxLinkNum", 1000),
        "instances": backend.get("modelInstanceNumber", 1), "device_ids": backend.get("npuDeviceIds") or [],
        "multi_node": bool(backend.get("multiNodesInferEnabled")),
        "multi_node_port": backend.get("multiNodesInferPort", 1120),
        "inter_node_tls": bool(backend.get("interNodeTLSEnabled")),
        "max_seq_len": deploy.get("maxSeqLen", 2560), "max_input": deploy.get("maxInputTokenLen", 2048),
        "model_name": models[0].get("modelName", ""), "weights": models[0].get("modelWeightPath", ""),
        "world_size": models[0].get("worldSize"), "npu_mem_size": models[0].get("npuMemSize", -1),
        "backend": models[0].get("backendType", "atb"), "tp": models[0].get("tp"),
        "max_batch": schedule.get("maxBatchSize", 200), "max_iter": schedule.get("maxIterTimes", 512),
        "max_prefill_tokens": schedule.get("maxPrefillTokens", 8192),
    }


def check_settings(s):
    """The config manager's rules the deployment roles can break (reference 5.4)."""
    for key in ("port", "management_port", "metrics_port", "inter_comm_port", "multi_node_port"):
        value = s[key]
        if not isinstance(value, int) or not 1024 <= value <= 65535:
            raise Refusal("The value of '%s' in config.json is %r, it should be within [1024, 65535]"
                          % (camel(key), value))
    if s["port"] == s["multi_node_port"]:
        raise Refusal("The value of 'port' should not be equal to 'multiNodesInferPort' in config.json")
    if s["ip"] == "0.0.0.0" and not s["all_zero"]:
        raise Refusal("ipAddress is invalid")
    if s["management_ip"] == "0.0.0.0" and not s["all_zero"]:
        raise Refusal("Management address is invalid")
    if s["https"]:
        raise Refusal("httpsEnabled is true but the stand-in ships no certificates under security/; set it false")
    if s["backend"] not in ("atb", "ms", "torch"):
        raise Refusal("Backend type only supports atb, ms, torch.")
    if s["instances"] != len(s["device_ids"]):
        raise Refusal("Invalid modelInstanceNumber: %s or modelInstanceNumber not equal to npuDeviceIds size: %d"
                      % (s["instances"], len(s["device_ids"])))
    if s["npu_mem_size"] == 0:
        raise Refusal("The value of 'npuMemSize' in ModelDeployConfig in config.json is 0 it should be within "
                      "(0, 4294967295] or -1")
    if s["max_prefill_tokens"] < s["max_input"]:
        raise Refusal("The value of maxPrefillTokens should not be less than maxInputTokenLen.")
    if not MODEL_NAME.match(s["model_name"] or ""):
        raise Refusal("The value of 'modelName' in config.json is %r: only [A-Za-z0-9._-] are allowed, not at the "
                      "start or end" % s["model_name"])
    if s["multi_node"]:
        if s["instances"] != 1:
            raise Refusal("modelInstanceNumber must be 1 when multiNodesInferEnabled is true")
        if s["inter_node_tls"]:
            raise Refusal("interNodeTLSEnabled is true but the stand-in ships no certificates; set it false")
    elif s["world_size"] != len(s["device_ids"][0] if s["device_ids"] else []):
        raise Refusal("The value of 'worldSize' %s is not equal to the number of npuDeviceIds %d"
                      % (s["world_size"], len(s["device_ids"][0] if s["device_ids"] else [])))


def camel(key):
    return {"port": "port", "management_port": "managementPort", "metrics_port": "metricsPort",
            "inter_comm_port": "interCommPort", "multi_node_port": "multiNodesInferPort"}[key]


# -------------------------------------------------------------------------------------------------------- devices

def visible_devices():
    """The chips this process can reach: /dev/davinciN nodes, in physical order (logic IDs follow this order)."""
    found = []
    for node in glob.glob(state.path("/dev/davinci[0-9]*")):
        suffix = os.path.basename(node)[len("davinci"):]
        if suffix.isdigit():
            found.append(int(suffix))
    return sorted(found)


def chip_of(hw, phy):
    for card in hw.get("cards", []):
        for chip in card["chips"]:
            if chip["phy_id"] == phy:
                return card["npu_id"], chip
    return None, None


def held_chips():
    """Chips a live holder of the simulated driver's ledger holds (other MindIE instances, ascend-sim hold)."""
    return set((h["npu_id"], h["chip_id"]) for h in state.ledger_holders())


def open_devices(s):
    """The physical chips of npuDeviceIds[0] (logic IDs), each reachable and free, as dcmi would find them."""
    visible = visible_devices()
    if not visible or not os.path.exists(state.path("/dev/davinci_manager")):
        raise Refusal("dcmi module initialize failed. ret is -8005")
    wanted = s["device_ids"][0] if s["device_ids"] else []
    chips = []
    for logic in wanted:
        if not isinstance(logic, int) or not 0 <= logic < len(visible):
            raise Refusal("Set visible device failed, invalid device=%s, input visible devices:%s"
                          % (logic, ",".join(str(v) for v in range(len(visible)))))
        phy = visible[logic]
        if not os.access(state.path("/dev/davinci%d" % phy), os.R_OK | os.W_OK):
            raise Refusal("dcmi module initialize failed. ret is -8005")
        chips.append(phy)
    hw = state.read_json(state.HOST, {}) or {}
    held = held_chips()
    for phy in chips:
        npu_id, chip = chip_of(hw, phy)
        if chip is not None and (npu_id, chip["chip_id"]) in held:
            raise Refusal("dcmi model initialized failed, because the device is used. ret is -8020")
    return chips


# -------------------------------------------------------------------------------------------------------- weights

def read_weights(s, family):
    """modelWeightPath as ATB reads it: safe path, config.json, torch_dtype, safetensors files."""
    path = s["weights"]
    check_input_path(path, True)
    model_config = os.path.join(path, "config.json")
    check_input_path(model_config, False)
    try:
        with open(model_config) as f:
            model = json.load(f)
    except (OSError, ValueError) as exc:
        raise Refusal("Failed to load %s: %s" % (model_config, exc))
    dtype = model.get("torch_dtype", "float16")
    if dtype not in ("float16", "bfloat16"):
        raise Refusal("NotImplementedError: `torch_dtype` is only supported for type `float16` and `bfloat16`")
    if dtype == "bfloat16" and family == "310p":
        raise Refusal("This device does not support bfloat16.Please change the data type(i.e. `torch_dtype`) to "
                      "float16 in config.json from model weights.")
    files = sorted(glob.glob(os.path.join(path, "*.safetensors")))
    if not files:
        raise Refusal("No local weights found in %s with extension .safetensors; Only safetensors format is "
                      "supported. Please convert the weights to safetensors." % path)
    digest, total = hashlib.sha256(), 0
    for name in files:
        st = os.stat(name)
        if os.environ.get("MINDIE_CHECK_INPUTFILES_PERMISSION") != "0" and st.st_mode & stat.S_IWOTH:
            raise Refusal("The file %s is writable by others" % name)
        total += st.st_size
        with open(name, "rb") as f:  # the header is enough to tell models apart
            head = f.read(8)
            digest.update(head + f.read(int.from_bytes(head, "little") if len(head) == 8 else 0))
    return {"bytes": total, "digest": digest.hexdigest(), "dtype": dtype, "config": model}


def hold_memory(hw, chips, weights_bytes, world_size):
    """Take NPU memory as the backend does (NPU_MEMORY_FRACTION of each chip) in the simulated driver's ledger,
    under an flock that dies with this process, so npu-smi shows it and frees it when the process goes."""
    fraction = env_float("NPU_MEMORY_FRACTION", 0.8)
    entries = []
    for phy in chips:
        npu_id, chip = chip_of(hw, phy)
        if chip is None:
            continue
        total = chip["hbm_total"] or chip["mem_total"]
        idle = chip["idle_hbm"] if chip["hbm_total"] else chip["idle_mem"]
        weights_mb = weights_bytes // max(world_size, 1) // (1024 * 1024)
        budget = int(total * fraction) - idle
        if weights_mb + env_int("RESERVED_MEMORY_GB", 3) * 1024 >= budget:
            raise Refusal("NPU out of memory: device %d needs %d MB for weights and %d GB reserved, "
                          "NPU_MEMORY_FRACTION %s leaves %d MB and no KV cache"
                          % (phy, weights_mb, env_int("RESERVED_MEMORY_GB", 3), fraction, budget))
        entries.append({"npu_id": npu_id, "chip_id": chip["chip_id"], "memory_mb": budget, "name": BACKEND_PROCESS})
    if not entries or not os.path.isdir(state.path(ledger.DIR)):
        return None
    path = ledger.write(state.path(ledger.DIR), "mindie-%s" % uuid.uuid4().hex[:12], entries)
    fd = ledger.take(path)
    return fd, path  # kept open and locked for the life of the process


# ----------------------------------------------------------------------------------------------------- multi-node

def load_rank_table(s, chips):
    path = os.environ.get("RANK_TABLE_FILE", "")
    if not path or not os.path.isfile(path):
        raise Refusal("Ranktable file is not exist, please set a valid ranktable file path with RANK_TABLE_FILE "
                      "environment.")
    check_service_file(path, "ranktable file")
    try:
        with open(path) as f:
            table = json.load(f)
    except (OSError, ValueError) as exc:
        raise Refusal("Failed to parse ranktable file %s: %s" % (path, exc))
    servers = table.get("server_list") or []
    count = int(table.get("server_count", 0))
    if count != len(servers):
        raise Refusal("Parameter server_count is %d, which is not equal to server_list length in ranktable file, "
                      "which is %d" % (count, len(servers)))
    if not 2 <= count <= 60:
        raise Refusal("Parameter server_count is %d, it should be within [2, 60]" % count)
    sizes = set(len(server.get("device", [])) for server in servers)
    if len(sizes) != 1:
        raise Refusal("Every server in ranktable file must have the same device count")
    for server in servers:
        if not server.get("container_ip"):
            raise Refusal("The containerIp in the server node is empty in ranktable file.")
    me = os.environ.get("MIES_CONTAINER_IP")
    if not me:
        say("The env variable MIES_CONTAINER_IP isn't exist.")
        me = socket.gethostbyname(socket.gethostname())
    local = [i for i, server in enumerate(servers)
             if server["container_ip"] == me or server.get("server_id") == os.environ.get("HOST_IP")]
    if not local:
        raise Refusal("Local ip %s is not found in the server_list of ranktable file %s" % (me, path))
    index = local[0]
    devices = servers[index]["device"]
    if sorted(int(d["device_id"]) for d in devices) != sorted(chips):
        raise Refusal("The device_id of server %s in ranktable file (%s) are not the devices in use (%s)"
                      % (servers[index]["server_id"], ",".join(d["device_id"] for d in devices),
                         ",".join(str(c) for c in chips)))
    conf = state.read_kv(state.HCCN_CONF)
    for device in devices:
        configured = conf.get("address_%s" % device["device_id"])
        if conf and configured != device.get("device_ip"):
            raise Refusal("The device_ip %s of device %s in ranktable file is not the address of the device (%s)"
                          % (device.get("device_ip"), device["device_id"], configured or "none"))
    master = min(range(len(servers)), key=lambda i: min(int(d["rank_id"]) for d in servers[i]["device"]))
    return {"servers": servers, "index": index, "master": master,
            "world_size": sum(len(server["device"]) for server in servers)}


def join_nodes(s, table, status):
    """HCCL's link setup as the service sees it: followers connect to the master's multiNodesInferPort; everyone
    is up when every server of the table is; a node that goes away takes the service down."""
    timeout = env_int("HCCL_CONNECT_TIMEOUT", 120)
    servers, me, master = table["servers"], table["index"], table["master"]
    master_ip = servers[master]["container_ip"]
    rank = min(int(d["rank_id"]) for d in servers[me]["device"])
    if me == master:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            listener.bind((master_ip, s["multi_node_port"]))
        except OSError as exc:
            raise Refusal("Socket bind failed, bind_result is -1. %s" % os.strerror(exc.errno or errno.EADDRINUSE))
        listener.listen(64)
        listener.settimeout(1)
        peers, deadline = {}, time.time() + timeout
        wanted = set(server["container_ip"] for i, server in enumerate(servers) if i != me)
        while set(peers) != wanted:
            if time.time() > deadline:
                raise Refusal("wait socket establish timeout, role[0] rank[%d] timeout[%d s]" % (rank, timeout))
            try:
                conn = listener.accept()[0]
            except socket.timeout:
                continue
            conn.settimeout(5)
            try:
                hello = json.loads(conn.makefile().readline() or "{}")
            except (OSError, ValueError):
                conn.close()
                continue
            if hello.get("container_ip") in wanted:
                peers[hello["container_ip"]] = conn
            else:
                conn.close()
        for conn in peers.values():
            conn.sendall(b"start\n")
            conn.settimeout(None)
            threading.Thread(target=watch_peer, args=(conn, status, False), daemon=True).start()
        status["listener"] = listener
        return
    deadline = time.time() + timeout
    while True:
        try:
            conn = socket.create_connection((master_ip, s["multi_node_port"]), timeout=2)
            conn.sendall((json.dumps({"container_ip": servers[me]["container_ip"]}) + "\n").encode())
            conn.settimeout(max(deadline - time.time(), 1))
            if conn.makefile().readline().strip() == "start":
                conn.settimeout(None)
                threading.Thread(target=watch_peer, args=(conn, status, True), daemon=True).start()
                return
            conn.close()
        except OSError:
            pass
        if time.time() > deadline:
            raise Refusal("wait socket establish timeout, role[1] rank[%d] timeout[%d s]" % (rank, timeout))
        time.sleep(1)


def watch_peer(conn, status, fatal):
    """A follower whose master goes, or a master whose follower goes, can no longer serve."""
    try:
        while conn.recv(64):
            pass
    except OSError:
        pass
    status["abnormal"] = True
    say("Multi nodes infer: a node of the ranktable is lost, the service is abnormal")
    if fatal:
        die("The master node of the ranktable is lost.")


# ------------------------------------------------------------------------------------------------------- serving

class Engine:
    """The timing model: prefill and decode per token from the environment, scaled by the tensor-parallel size
    and the chip, at most maxBatchSize requests decoding together, the rest queued."""

    def __init__(self, s, weights, family, tp):
        self.s, self.weights = s, weights
        speed = 4.0 / (min(tp, 16) + 3) * (2.0 if family == "310p" else 1.0)
        self.prefill_s = env_float("ASCEND_SIM_MINDIE_PREFILL_US", 40.0) * speed / 1e6
        self.decode_s = env_float("ASCEND_SIM_MINDIE_DECODE_MS", 6.0) * speed / 1e3
        self.slots = threading.BoundedSemaphore(max(int(s["max_batch"]), 1))
        self.lock = threading.Lock()
        self.running = self.waiting = 0
        self.counters = {"received": 0, "success": 0, "failed": 0, "prompt_tokens": 0, "generation_tokens": 0}

    def count(self, **changes):
        with self.lock:
            for key, value in changes.items():
                if key in ("running", "waiting"):
                    setattr(self, key, getattr(self, key) + value)
                else:
                    self.counters[key] += value

    def budget(self, prompt_tokens, max_tokens):
        limit = min(int(self.s["max_iter"]), int(self.s["max_seq_len"]) - prompt_tokens)
        return max(min(limit, max_tokens) if max_tokens else limit, 0)

    def text(self, prompt, budget):
        """Deterministic output of the loaded weights for a prompt: byte tokens (the fixture's vocabulary of 256),
        words drawn from a hash of weights and prompt, ending early where the hash says the model would stop."""
        seed = hashlib.sha256((self.weights["digest"] + "\0" + prompt).encode()).digest()
        stop_at = 24 + seed[0] % 40
        out, i = "", 0
        while len(out) < min(budget, stop_at):
            out += ("" if not out else " ") + WORDS[seed[i % len(seed)] % len(WORDS)]
            i += 1
        out = out[:min(budget, stop_at)]
        return out, ("length" if budget <= stop_at else "stop")

    def run(self, prompt_tokens, tokens, emit):
        """Queue for a batch slot, prefill, then decode one token per step through emit(token, index)."""
        self.count(received=1, waiting=1)
        self.slots.acquire()
        self.count(waiting=-1, running=1)
        try:
            time.sleep(self.prefill_s * prompt_tokens)
            for index, token in enumerate(tokens):
                with self.lock:
                    batch = self.running
                time.sleep(self.decode_s * (1 + batch / max(float(self.s["max_batch"]), 1.0)))
                emit(token, index)
            self.count(success=1, prompt_tokens=prompt_tokens, generation_tokens=len(tokens))
        except OSError:
            self.count(failed=1)
            raise
        finally:
            self.count(running=-1)
            self.slots.release()


def render_chat(messages):
    return "".join("%s%s%s\n" % (m.get("role", ""), CHAT_ROLE_SEPARATOR, content_text(m.get("content")))
                   for m in messages) + "assistant" + CHAT_ROLE_SEPARATOR


def content_text(content):
    if isinstance(content, list):  # OpenAI content parts
        return "".join(part.get("text", "") for part in content if isinstance(part, dict))
    return content or ""


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "MindIE-Stand-in"
    routes = ()
    service = None

    def log_message(self, fmt, *args):  # MindIE logs requests to its own files, not the console
        pass

    def reply(self, code, body=None, content_type="application/json"):
        data = b"" if body is None else (body if isinstance(body, bytes) else json.dumps(body).encode())
        self.send_response(code)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        self.dispatch("GET")

    def do_POST(self):
        self.dispatch("POST")

    def dispatch(self, method):
        path = self.path.split("?", 1)[0]
        for group in self.routes:
            handler = getattr(self.service, "%s_%s" % (group, method.lower()))
            if handler(self, path):
                return
        self.reply(404, {"error": "Not Found", "path": path})

    def body(self):
        length = int(self.headers.get("Content-Length") or 0)
        try:
            return json.loads(self.rfile.read(length) or b"{}")
        except ValueError:
            return None


class Service:
    def __init__(self, s, engine, status):
        self.s, self.engine, self.status = s, engine, status
        self.created = int(time.time())

    def health(self):
        """(code, body) of MindIE's readiness: 503 before ready, 500 abnormal, 503 busy on ready only."""
        if self.status.get("abnormal"):
            return 500, {"message": "Service is abnormal"}
        if not self.status.get("ready"):
            return 503, None
        return 200, None

    def management_get(self, request, path):
        code, body = self.health()
        if path in ("/v2/health/live", "/health", "/v2/models/%s/ready" % self.s["model_name"]):
            if code == 200 and self.engine.waiting:
                body = {"message": "Service is alive but busy"}
            request.reply(code, body)
        elif path == "/v2/health/ready":
            if code == 200 and self.engine.waiting:
                code, body = 503, {"message": "Service is alive but busy. Consider reducing request frequency"}
            request.reply(code, body)
        elif re.match(r"^/health/timed(-\d{1,3})?$", path):
            seconds = int(path.rsplit("-", 1)[1]) if "-" in path[8:] else 10
            if not 1 <= seconds <= 600:
                request.reply(404, {"error": "Not Found"})
            elif code != 200:
                request.reply(code, body)
            else:
                prompt = "health"
                out = self.engine.text(prompt, 4)[0]
                self.engine.run(len(prompt), list(out), lambda token, index: None)
                request.reply(200, {"status": "healthy"})
        elif path in ("/info", "/v1/status", "/v2/status", "/v1/config"):
            if code != 200:
                request.reply(code, body)
            else:
                request.reply(200, {"modelName": self.s["model_name"], "maxBatchSize": self.s["max_batch"],
                                    "maxSeqLen": self.s["max_seq_len"], "running": self.engine.running,
                                    "waiting": self.engine.waiting, "status": "normal"})
        else:
            return False
        return True

    def management_post(self, request, path):
        return False

    def metrics_get(self, request, path):
        if path != "/metrics":
            return False
        if os.environ.get("MIES_SERVICE_MONITOR_MODE") != "1":
            request.reply(200, b"", "text/plain; version=0.0.4")
            return True
        c, name = self.engine.counters, self.s["model_name"]
        lines = []
        for metric, kind, value in (("request_received_total", "counter", c["received"]),
                                    ("request_success_total", "counter", c["success"]),
                                    ("request_failed_total", "counter", c["failed"]),
                                    ("prompt_tokens_total", "counter", c["prompt_tokens"]),
                                    ("generation_tokens_total", "counter", c["generation_tokens"]),
                                    ("num_requests_running", "gauge", self.engine.running),
                                    ("num_requests_waiting", "gauge", self.engine.waiting)):
            lines += ["# TYPE %s %s" % (metric, kind), '%s{model_name="%s"} %d' % (metric, name, value)]
        request.reply(200, ("\n".join(lines) + "\n").encode(), "text/plain; version=0.0.4")
        return True

    def metrics_post(self, request, path):
        return False

    def model_card(self):
        parts = [p for p in self.s["weights"].split("/") if p]
        return {"id": self.s["model_name"], "object": "model", "created": self.created,
                "root": "***/" + "/".join(parts[2:]), "owned_by": "MindIE Server", "parent": None}

    def business_get(self, request, path):
        if path == "/v1/models":
            request.reply(200, {"object": "list", "data": [self.model_card()]})
        elif path == "/v1/models/%s" % self.s["model_name"]:
            request.reply(200, self.model_card())
        else:
            return False
        return True

    def business_post(self, request, path):
        if path not in ("/v1/chat/completions", "/v1/completions"):
            return False
        body = request.body()
        if not isinstance(body, dict):
            request.reply(400, error("The request body is not valid JSON.", 400))
            return True
        if body.get("model") != self.s["model_name"]:
            request.reply(404, error("The model `%s` does not exist." % body.get("model"), 404))
            return True
        chat = path == "/v1/chat/completions"
        if chat and not isinstance(body.get("messages"), list):
            request.reply(400, error("messages must be a list", 400))
            return True
        prompt = render_chat(body["messages"]) if chat else str(body.get("prompt", ""))
        prompt_tokens = len(prompt.encode())
        if prompt_tokens > min(int(self.s["max_input"]), int(self.s["max_seq_len"]) - 1):
            message = "The input length %d exceeds maxInputTokenLen %s" % (prompt_tokens, self.s["max_input"])
            request.reply(400, error(message, 400))
            return True
        max_tokens = body.get("max_completion_tokens", body.get("max_tokens"))
        text, finish = self.engine.text(prompt, self.engine.budget(prompt_tokens, max_tokens))
        tokens = list(text)
        ident = ("chatcmpl-" if chat else "cmpl-") + uuid.uuid4().hex
        usage = {"prompt_tokens": prompt_tokens, "completion_tokens": len(tokens),
                 "total_tokens": prompt_tokens + len(tokens)}
        common = {"id": ident, "created": int(time.time()), "model": self.s["model_name"]}
        if body.get("stream"):
            self.stream(request, chat, common, tokens, finish, usage, prompt_tokens,
                        bool((body.get("stream_options") or {}).get("include_usage")))
            return True
        self.engine.run(prompt_tokens, tokens, lambda token, index: None)
        if chat:
            choice = {"index": 0, "message": {"role": "assistant", "content": text}, "logprobs": None,
                      "finish_reason": finish}
            request.reply(200, dict(common, object="chat.completion", choices=[choice], usage=usage))
        else:
            choice = {"index": 0, "text": text, "logprobs": None, "finish_reason": finish}
            request.reply(200, dict(common, object="text_completion", choices=[choice], usage=usage))
        return True

    def stream(self, request, chat, common, tokens, finish, usage, prompt_tokens, include_usage):
        request.send_response(200)
        request.send_header("Content-Type", "text/event-stream")
        request.send_header("Cache-Control", "no-cache")
        request.send_header("Connection", "close")
        request.end_headers()
        request.close_connection = True
        kind = "chat.completion.chunk" if chat else "text_completion"

        def send(choices, extra=None):
            chunk = dict(common, object=kind, choices=choices, **(extra or {}))
            request.wfile.write(("data: %s\n\n" % json.dumps(chunk)).encode())
            request.wfile.flush()

        def emit(token, index):
            if chat:
                delta = {"content": token}
                if index == 0:
                    delta["role"] = "assistant"
                send([{"index": 0, "delta": delta, "logprobs": None, "finish_reason": None}])
            else:
                send([{"index": 0, "text": token, "logprobs": None, "finish_reason": None}])

        self.engine.run(prompt_tokens, tokens, emit)
        if chat:
            send([{"index": 0, "delta": {}, "logprobs": None, "finish_reason": finish}])
        else:
            send([{"index": 0, "text": "", "logprobs": None, "finish_reason": finish}])
        if include_usage:
            send([], {"usage": usage})
        request.wfile.write(b"data: [DONE]\n\n")
        request.wfile.flush()


def error(message, code):
    return {"error": {"message": message, "type": "BadRequestError" if code == 400 else "NotFoundError",
                      "code": code}}


def check_ports(s):
    """MindIE binds INADDR_ANY on each port before it listens: another instance on any address clashes."""
    for port in sorted(set((s["port"], s["management_port"], s["metrics_port"]))):
        probe = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            probe.bind(("", port))
        except OSError as exc:
            raise Refusal("Socket bind failed, bind_result is -1. %s\nManagement or Business or Metrics Http server "
                          "listen port is occupied" % os.strerror(exc.errno or errno.EADDRINUSE))
        finally:
            probe.close()


def start_http(s, service):
    """One server per distinct (address, port); the groups that share one are served together."""
    sockets = {}
    for group, address in (("business", (s["ip"], s["port"])),
                           ("management", (s["management_ip"], s["management_port"])),
                           ("metrics", (s["management_ip"], s["metrics_port"]))):
        sockets.setdefault(address, []).append(group)
    servers = []
    for address, groups in sockets.items():
        handler = type("Handler", (Handler,), {"routes": tuple(groups), "service": service})
        try:
            server = ThreadingHTTPServer(address, handler)
        except OSError:
            raise Refusal("[MIE04E02041C] [endpoint] Failed to listen %s:%d, please check if business ip and port "
                          "are legal.\n[MIE04E02011C] [endpoint] Failed to start http wrapper" % address)
        server.daemon_threads = True
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
    return servers


def die(message):
    """A fatal error: MindIE prints it and kills its whole process group with SIGKILL."""
    say(message, "Failed to init endpoint! Please check the service log or console output.")
    sys.stderr.flush()
    os.killpg(os.getpgrp(), signal.SIGKILL)


def main(argv=None):
    argv = sys.argv if argv is None else argv
    try:
        os.setpgrp()
    except OSError:
        pass
    status = {"ready": False, "abnormal": False}
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    try:
        options = parse_args(argv[1:])
    except Refusal as exc:
        say(str(exc))
        return 255
    try:
        s = settings_of(load_config(config_path(options, argv[0])))
        check_settings(s)
        chips = open_devices(s)
        hw = state.read_json(state.HOST, {}) or {}
        family = hw.get("family", "")
        table = load_rank_table(s, chips) if s["multi_node"] else None
        if table is None and os.environ.get("RANK_TABLE_FILE"):
            say("[WARN] RANK_TABLE_FILE is set for a single-node service; ATB reads it anyway")
        check_ports(s)
        weights = read_weights(s, family)
        ranks = table["world_size"] if table else len(chips)
        tp = s["tp"] or ranks
        time.sleep(env_float("ASCEND_SIM_MINDIE_LOAD_SECONDS", 2.0))  # loading weights: the ports stay closed
        held_memory = hold_memory(hw, chips, weights["bytes"], tp)
        if table:
            join_nodes(s, table, status)
        engine = Engine(s, weights, family, tp)
        if table and table["index"] != table["master"]:
            say("Multi Nodes infer slave instance need not init TokenizerProcessPool and HttpWrapper")
            servers = []
        else:
            servers = start_http(s, Service(s, engine, status))
    except Refusal as exc:
        die(str(exc))
        return 1
    say("Daemon start success!")
    status["ready"] = True
    while not stop.wait(1):
        pass
    status["ready"] = False
    say("Received stop signal, the service is stopping.")
    for server in servers:
        server.shutdown()
    if held_memory is not None:  # the memory goes back with the process; a clean stop also tidies the ledger
        os.unlink(held_memory[1])
        os.close(held_memory[0])
    return 0


if __name__ == "__main__":
    sys.exit(main())
