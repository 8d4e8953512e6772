"""What an OpenAI-compatible endpoint answered: bodies, the model listing, a reply, a streamed reply."""

from __future__ import annotations

import json

from ansible_collections.ascendops.llm.plugins.module_utils import _openai as o

# The shapes MindIE answers with (serving-reference 1.3): the listing's root is masked.
LISTING = {"object": "list", "data": [{"id": "qwen2-7b", "object": "model", "root": "***/Qwen2-7B",
                                       "owned_by": "MindIE Server", "parent": None}]}
ANSWER = {"id": "chatcmpl-1", "object": "chat.completion", "model": "qwen2-7b",
          "choices": [{"index": 0, "message": {"role": "assistant", "content": "npu ascend"}, "finish_reason": "stop"}],
          "usage": {"prompt_tokens": 35, "completion_tokens": 3, "total_tokens": 38}}


def test_bodies():
    assert o.chat_body("m", "hi", 8, False) == {"model": "m", "messages": [{"role": "user", "content": "hi"}],
                                                "max_tokens": 8}
    streamed = o.chat_body("m", "hi", 8, True)
    assert (streamed["stream"], streamed["stream_options"]) == (True, {"include_usage": True})


def test_model_ids():
    assert o.model_ids(LISTING) == ["qwen2-7b"]
    assert o.model_ids({"error": "x"}) == [] and o.model_ids([]) == []


def test_reply_of():
    assert o.reply_of(ANSWER) == {"content": "npu ascend", "finish_reason": "stop", "usage": ANSWER["usage"]}
    assert o.reply_of({"choices": []}) == {"content": "", "finish_reason": None, "usage": None}
    assert o.reply_of(None)["content"] == ""


def stream_text(chunks, done=True):
    return "".join("data: %s\n\n" % json.dumps(c) for c in chunks) + ("data: [DONE]\n\n" if done else "")


CHUNKS = [{"choices": [{"delta": {"role": "assistant", "content": "np"}, "finish_reason": None}]},
          {"choices": [{"delta": {"content": "u"}, "finish_reason": None}]},
          {"choices": [{"delta": {}, "finish_reason": "length"}]},
          {"choices": [], "usage": {"completion_tokens": 3}}]


def test_parse_a_streamed_reply():
    assert o.parse_sse(stream_text(CHUNKS)) == {"content": "npu", "chunks": 4, "usage": {"completion_tokens": 3},
                                                "done": True, "finish_reason": "length"}
    assert o.parse_sse(stream_text(CHUNKS[:2], done=False))["done"] is False
    assert o.parse_sse("data: {broken\n: keep-alive\n")["chunks"] == 0


def test_sse_events_and_completion_chunks():
    assert o.sse_event("data: [DONE]") == ("done", None)
    assert o.sse_event("event: ping") is None
    assert o.chunk_text({"choices": [{"text": "abc"}]}) == "abc"   # /v1/completions chunks carry text
