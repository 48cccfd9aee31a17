"""The conventions' input-message shape built from agent-loop checkpoints (runs/otel_genai.py)."""
from __future__ import annotations

import json

from runs import otel_genai


def test_checkpoint_messages_become_conventions_chat_messages():
    start = {"kind": "start", "messages": [{"role": "system", "content": "Be brief."},
                                           {"role": "user", "content": "hi"}]}
    model = {"kind": "model", "messages": [{"role": "assistant", "content": None, "tool_calls": [
        {"id": "c1", "name": "kv", "arguments": {"op": "get", "key": "k"}}]}]}
    tools = {"kind": "tools", "messages": [{"role": "tool", "content": '{"value": 1}', "tool_call_id": "c1",
                                            "name": "kv"}], "handoff": None}
    messages = [m for delta in (start, model, tools) for m in otel_genai.conversation_messages(delta)]
    assert messages == [
        {"role": "system", "parts": [{"type": "text", "content": "Be brief."}]},
        {"role": "user", "parts": [{"type": "text", "content": "hi"}]},
        {"role": "assistant", "parts": [{"type": "tool_call", "id": "c1", "name": "kv",
                                         "arguments": {"op": "get", "key": "k"}}]},
        {"role": "tool", "parts": [{"type": "tool_call_response", "id": "c1", "response": '{"value": 1}'}]}]


def test_other_checkpoints_add_no_messages():
    assert otel_genai.conversation_messages({"kind": "node", "messages": [{"role": "user", "content": "x"}]}) == []
    assert otel_genai.conversation_messages({"state": {"messages": []}}) == []
    assert otel_genai.conversation_messages(["not", "a", "delta"]) == []


def test_a_long_conversation_keeps_its_system_message_and_newest_messages_as_valid_json():
    system = {"role": "system", "parts": [{"type": "text", "content": "rules"}]}
    turns = [{"role": "user", "parts": [{"type": "text", "content": f"{i}:" + "x" * 1000}]} for i in range(40)]
    text = otel_genai.messages_json([system, *turns])
    assert len(text) <= otel_genai.MAX_CONTENT_CHARS
    kept = json.loads(text)
    assert kept[0] == system and kept[-1] == turns[-1]
    assert 1 < len(kept) < 41 and kept[1:] == turns[len(turns) - len(kept) + 1:]
