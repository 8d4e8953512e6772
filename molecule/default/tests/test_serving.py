"""After site.yml: each host serves the fixture model through MindIE (the simulator's stand-in) as a deployment of
its own. Checked from raw sources: docker's inspect, npu-smi's process table, the files' modes, the listening
sockets, and the real `openai` client against the endpoint, with the fixture tokenizer counting the prompt."""

import os
import stat
import sys

import openai
import testinfra.utils.ansible_runner
from tokenizers import Tokenizer

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir, os.pardir, "shared", "tests"))
import ascend_raw  # noqa: E402

testinfra_hosts = testinfra.utils.ansible_runner.AnsibleRunner(os.environ["MOLECULE_INVENTORY_FILE"]).get_hosts("all")

TOKENIZER = os.path.join(os.environ["MOLECULE_PROJECT_DIRECTORY"], "tests", "fixtures", "tokenizer", "tokenizer.json")
CONFIG_DIR = "/etc/ascendops/mindie"


def deployment(host):
    return host.backend.get_hostname()   # each host is a deployment of its own here


def test_container_has_explicit_devices_and_no_privilege(host):
    name = deployment(host)
    c = ascend_raw.docker_inspect(host, "mindie-" + name)
    hc = c["HostConfig"]
    assert c["State"]["Running"] and not hc["Privileged"]
    assert (hc["NetworkMode"], hc["IpcMode"], hc["RestartPolicy"]["Name"]) == ("host", "host", "always")
    dies = ascend_raw.show(host)["hardware"]["cards"]
    phys = sorted(chip["phy_id"] for card in dies for chip in card["chips"])
    devices = sorted(d["PathOnHost"] for d in hc["Devices"])
    expected = ["/dev/davinci%d" % p for p in phys] + ["/dev/davinci_manager", "/dev/devmm_svm", "/dev/hisi_hdc"]
    assert devices == sorted(expected)
    uid = host.user("HwHiAiUser").uid
    assert c["Config"]["User"] == "%d:%d" % (uid, host.group("HwHiAiUser").gid)
    assert "%s/%s:/etc/ascendops/mindie:ro" % (CONFIG_DIR, name) in hc["Binds"]


def test_files_belong_to_the_service_user_0640(host):
    for f in ("config.json", "mindie.env"):
        info = host.file("%s/%s/%s" % (CONFIG_DIR, deployment(host), f))
        assert (info.user, stat.S_IMODE(info.mode)) == ("HwHiAiUser", 0o640), f
    env = host.file("%s/%s/mindie.env" % (CONFIG_DIR, deployment(host))).content_string
    assert "RANK_TABLE_FILE" not in env   # a single node must not name one


def test_npu_smi_shows_the_backend_on_every_die(host):
    dies = [(card["npu_id"], chip["chip_id"]) for card in ascend_raw.show(host)["hardware"]["cards"]
            for chip in card["chips"]]
    rows = ascend_raw.npu_processes(host)
    assert sorted(row[:2] for row in rows if row[3] == "mindieservice_b") == sorted(dies)
    pids = set(row[2] for row in rows)
    top = host.check_output("docker top mindie-%s -eo pid" % deployment(host)).split()[1:]
    assert pids <= set(int(p) for p in top)   # the container's own process holds them


def test_the_openai_api_answers(host):
    address = ascend_raw.listener(host, 1025)
    assert address and address not in ("0.0.0.0", "127.0.0.1")
    assert ascend_raw.listener(host, 1026) == "127.0.0.2"   # management stays on the host
    client = openai.OpenAI(base_url="http://%s:1025/v1" % address, api_key="none", max_retries=0, timeout=60)
    assert [m.id for m in client.models.list().data] == ["tiny-qwen2"]
    messages = [{"role": "user", "content": "Which NPU is this?"}]
    reply = client.chat.completions.create(model="tiny-qwen2", messages=messages, max_tokens=10)
    prompt = Tokenizer.from_file(TOKENIZER).encode("user: Which NPU is this?\nassistant: ").ids
    assert (reply.usage.prompt_tokens, reply.usage.completion_tokens) == (len(prompt), 10)
    assert len(reply.choices[0].message.content) == 10
    stream = client.chat.completions.create(model="tiny-qwen2", messages=messages, max_tokens=10, stream=True)
    assert "".join(c.choices[0].delta.content or "" for c in stream if c.choices) == reply.choices[0].message.content
