"""openai_probe against a local HTTP server answering as MindIE does: the model listed, a chat completion timed, a
stream timed to its first token; each failure names its step."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from ansible.module_utils.testing import patch_module_args

from ansible_collections.ascendops.llm.plugins.modules import openai_probe

MODEL = "tiny-qwen2"


class Endpoint(BaseHTTPRequestHandler):
    behaviour = {}
    seen = []

    def log_message(self, fmt, *args):
        pass

    def send(self, code, body, content_type="application/json"):
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.send_response(code)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        self.seen.append(("GET", self.path, self.headers.get("Authorization")))
        self.send(200, {"object": "list", "data": [{"id": self.behaviour.get("listed", MODEL)}]})

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        self.seen.append(("POST", self.path, body))
        if body["model"] != MODEL:
            self.send(404, {"error": {"message": "The model `%s` does not exist." % body["model"]}})
        elif body.get("stream"):
            chunks = [{"choices": [{"delta": {"content": c}, "finish_reason": None}]} for c in "npu"]
            chunks.append({"choices": [], "usage": {"completion_tokens": 3}})
            text = "".join("data: %s\n\n" % json.dumps(c) for c in chunks)
            self.send(200, (text + ("" if self.behaviour.get("no_done") else "data: [DONE]\n\n")).encode(),
                      "text/event-stream")
        else:
            content = self.behaviour.get("content", "npu")
            self.send(200, {"choices": [{"message": {"role": "assistant", "content": content},
                                         "finish_reason": "length"}],
                            "usage": {"prompt_tokens": 30, "completion_tokens": len(content)}})


@pytest.fixture
def endpoint():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Endpoint)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    Endpoint.behaviour, Endpoint.seen = {}, []
    yield "http://127.0.0.1:%d/v1" % server.server_address[1]
    server.shutdown()


def run(capsys, **args):
    with patch_module_args(args), pytest.raises(SystemExit):
        openai_probe.main()
    return json.loads(capsys.readouterr().out)


def test_proves_and_times_the_endpoint(endpoint, capsys):
    result = run(capsys, base_url=endpoint + "/", model=MODEL, max_tokens=3, api_key="secret")
    assert result["changed"] is False and result["models"] == [MODEL]
    assert (result["chat"]["content"], result["chat"]["usage"]["completion_tokens"]) == ("npu", 3)
    assert result["chat"]["latency_ms"] > 0
    stream = result["stream"]
    assert (stream["content"], stream["chunks"], stream["done"], stream["usage"]) == (
        "npu", 4, True, {"completion_tokens": 3})
    assert 0 < stream["ttft_ms"] <= stream["total_ms"]
    assert [s[:2] for s in Endpoint.seen] == [("GET", "/v1/models"), ("POST", "/v1/chat/completions"),
                                              ("POST", "/v1/chat/completions")]
    assert Endpoint.seen[0][2] == "Bearer secret"
    assert Endpoint.seen[1][2]["max_tokens"] == 3 and Endpoint.seen[2][2]["stream"] is True
    assert "secret" not in json.dumps(result)


@pytest.mark.parametrize("behaviour, model, words", [
    ({"listed": "other"}, MODEL, "the endpoint lists ['other'], not tiny-qwen2"),
    ({}, "nope", "the endpoint lists ['tiny-qwen2'], not nope"),
    ({"content": ""}, MODEL, "the chat completion returned no text"),
    ({"no_done": True}, MODEL, "the streamed chat completion did not end with [DONE]"),
])
def test_each_failure_names_its_step(endpoint, capsys, behaviour, model, words):
    Endpoint.behaviour = behaviour
    result = run(capsys, base_url=endpoint, model=model)
    assert result["failed"] and words in result["msg"], result["msg"]


def test_an_endpoint_that_does_not_answer(capsys):
    result = run(capsys, base_url="http://127.0.0.1:1/v1", model=MODEL, timeout=2)
    assert result["failed"] and result["msg"].startswith("GET http://127.0.0.1:1/v1/models failed")
