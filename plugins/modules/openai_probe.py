#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: ascendops.llm contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
# SPDX-License-Identifier: Apache-2.0

from __future__ import annotations

DOCUMENTATION = r"""
---
module: openai_probe
short_description: Prove an OpenAI-compatible endpoint serves a model, and time it
version_added: 1.0.0
description:
  - Asks an OpenAI-compatible endpoint (MindIE, vLLM) what a client would - C(GET /models) must list O(model), a
    chat completion must return text, and (with O(stream)) a streamed chat completion must return text and end with
    C([DONE]) - and times each request on the host it runs on (the endpoint's own machine for a smoke test, so the
    network adds nothing).
  - Fails, saying which step and what the endpoint answered, when any of that does not hold.
author:
  - ascendops.llm maintainers (@ascendops)
attributes:
  check_mode:
    support: full
    description: Only sends requests that change nothing on the endpoint; runs the same in check mode.
  diff_mode:
    support: none
    description: Changes nothing, so there is nothing to diff.
  idempotent:
    support: full
    description: Changes nothing.
options:
  base_url:
    description: The API's base URL, up to and including C(/v1) (for example C(http://10.0.0.11:1025/v1)).
    type: str
    required: true
  model:
    description: The model name requests send, which the listing must hold.
    type: str
    required: true
  prompt:
    description: The user message of the chat completions.
    type: str
    default: Say hello in five words.
  max_tokens:
    description: C(max_tokens) of the chat completions.
    type: int
    default: 16
  stream:
    description: Also ask for a streamed chat completion and time its first token.
    type: bool
    default: true
  api_key:
    description: A bearer token, when the endpoint wants one.
    type: str
  timeout:
    description: Seconds each request may take.
    type: int
    default: 300
"""

EXAMPLES = r"""
---
- name: Prove the MindIE endpoint on its master
  ascendops.llm.openai_probe:
    base_url: http://10.0.0.11:1025/v1
    model: qwen2-7b
  register: probe

- name: Show the latency
  ansible.builtin.debug:
    msg: "{{ probe['chat']['latency_ms'] }} ms, first streamed token after {{ probe['stream']['ttft_ms'] }} ms"
"""

RETURN = r"""
---
models:
  description: The model ids the endpoint lists.
  returned: always
  type: list
  elements: str
  sample: [qwen2-7b]
chat:
  description: The non-streamed chat completion - its text, finish reason, usage and latency.
  returned: success
  type: dict
  sample: {"content": "npu ascend token", "finish_reason": "length", "latency_ms": 82.4,
           "usage": {"prompt_tokens": 35, "completion_tokens": 16, "total_tokens": 51}}
stream:
  description: The streamed chat completion - text, chunks, usage (when sent), time to the first token and in all.
  returned: success and O(stream)
  type: dict
  sample: {"content": "npu ascend token", "chunks": 18, "done": true, "finish_reason": "length",
           "usage": {"completion_tokens": 16}, "ttft_ms": 9.1, "total_ms": 80.2}
"""

import json
import time

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.common.text.converters import to_native, to_text
from ansible.module_utils.urls import open_url

from ansible_collections.ascendops.llm.plugins.module_utils import _openai


def request(module, path, body=None):
    """Open a request to the endpoint; fails the module naming the step on any error."""
    headers = {"Content-Type": "application/json"}
    if module.params["api_key"]:
        headers["Authorization"] = "Bearer %s" % module.params["api_key"]
    url = module.params["base_url"].rstrip("/") + path
    try:
        return open_url(url, method="POST" if body is not None else "GET", headers=headers,
                        data=json.dumps(body) if body is not None else None, timeout=module.params["timeout"])
    except Exception as exc:  # HTTPError, URLError, socket errors: all mean the endpoint did not answer
        detail = ""
        if hasattr(exc, "read"):
            detail = ": %s" % to_text(exc.read(), errors="surrogate_or_strict")[:500]
        module.fail_json(msg="%s %s failed: %s%s" % ("POST" if body is not None else "GET", url, to_native(exc),
                                                     detail))


def main():
    module = AnsibleModule(
        argument_spec=dict(
            base_url=dict(type="str", required=True),
            model=dict(type="str", required=True),
            prompt=dict(type="str", default="Say hello in five words."),
            max_tokens=dict(type="int", default=16, no_log=False),   # a count of tokens, not a secret
            stream=dict(type="bool", default=True),
            api_key=dict(type="str", no_log=True),
            timeout=dict(type="int", default=300),
        ),
        supports_check_mode=True,
    )
    p = module.params
    models = _openai.model_ids(json.loads(request(module, "/models").read() or b"{}"))
    if p["model"] not in models:
        module.fail_json(msg="the endpoint lists %s, not %s; requests for it would fail: check the model name the "
                             "service was given" % (models or "no model", p["model"]), models=models)

    body = _openai.chat_body(p["model"], p["prompt"], p["max_tokens"], False)
    start = time.monotonic()
    answer = json.loads(request(module, "/chat/completions", body).read())
    chat = dict(_openai.reply_of(answer), latency_ms=round((time.monotonic() - start) * 1000, 1))
    if not chat["content"]:
        module.fail_json(msg="the chat completion returned no text: %s" % json.dumps(answer)[:500], models=models)
    result = dict(changed=False, models=models, chat=chat)

    if p["stream"]:
        body = _openai.chat_body(p["model"], p["prompt"], p["max_tokens"], True)
        start, first, lines = time.monotonic(), None, []
        response = request(module, "/chat/completions", body)
        for raw in response:
            line = to_text(raw, errors="surrogate_or_strict").rstrip("\r\n")
            lines.append(line)
            event = _openai.sse_event(line)
            if first is None and event and event[0] == "chunk" and _openai.chunk_text(event[1]):
                first = time.monotonic()
        total = time.monotonic()
        stream = _openai.parse_sse("\n".join(lines))
        stream.update(ttft_ms=round((first - start) * 1000, 1) if first else None,
                      total_ms=round((total - start) * 1000, 1))
        result["stream"] = stream
        if not (stream["done"] and stream["content"]):
            module.fail_json(msg="the streamed chat completion %s" % (
                "returned no text" if stream["done"] else "did not end with [DONE]"), **result)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
