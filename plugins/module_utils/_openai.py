# -*- coding: utf-8 -*-
# Copyright: ascendops.llm contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
# SPDX-License-Identifier: Apache-2.0
"""What an OpenAI-compatible endpoint (MindIE, vLLM) answered, as pure functions for the openai_probe module: the
request bodies, the model listing, a reply and a server-sent-events stream."""

from __future__ import annotations

import json


def chat_body(model: str, prompt: str, max_tokens: int, stream: bool) -> dict:
    body = {"model": model, "messages": [{"role": "user", "content": prompt}], "max_tokens": max_tokens}
    if stream:
        body.update(stream=True, stream_options={"include_usage": True})
    return body


def model_ids(listing) -> list:
    """The ids of a /v1/models answer ({"object": "list", "data": [{"id": ...}]})."""
    data = listing.get("data") if isinstance(listing, dict) else None
    return [m.get("id") for m in data or [] if isinstance(m, dict)]


def reply_of(answer) -> dict:
    """The text, finish reason and usage of a non-streamed chat completion."""
    answer = answer if isinstance(answer, dict) else {}
    choice = (answer.get("choices") or [{}])[0]
    return {"content": (choice.get("message") or {}).get("content") or "",
            "finish_reason": choice.get("finish_reason"), "usage": answer.get("usage")}


def sse_event(line: str):
    """One server-sent-events line: ("done", None) for [DONE], ("chunk", dict) for a JSON chunk, else None."""
    if not line.startswith("data:"):
        return None
    data = line[5:].strip()
    if data == "[DONE]":
        return ("done", None)
    try:
        chunk = json.loads(data)
    except ValueError:
        return None
    return ("chunk", chunk) if isinstance(chunk, dict) else None


def chunk_text(chunk: dict) -> str:
    """The text a chat (delta.content) or completion (text) chunk adds."""
    return "".join((c.get("delta") or {}).get("content") or c.get("text") or "" for c in chunk.get("choices") or [])


def parse_sse(text: str) -> dict:
    """A whole streamed reply: the text, the number of chunks, the usage when sent, whether it ended with [DONE]."""
    content, chunks, usage, done, finish = [], 0, None, False, None
    for line in text.splitlines():
        event = sse_event(line)
        if event is None:
            continue
        if event[0] == "done":
            done = True
            continue
        chunk = event[1]
        chunks += 1
        usage = chunk.get("usage") or usage
        content.append(chunk_text(chunk))
        for choice in chunk.get("choices") or []:
            finish = choice.get("finish_reason") or finish
    return {"content": "".join(content), "chunks": chunks, "usage": usage, "done": done, "finish_reason": finish}
