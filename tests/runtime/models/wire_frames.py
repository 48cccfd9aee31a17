"""Wire-format frames for the fake provider servers (OpenAI chunks, Anthropic events)."""
from __future__ import annotations

import json
from typing import Any


# --- OpenAI Chat Completions stream frames -------------------------------------------------
def openai_chunk(delta: dict[str, Any] | None = None, finish: str | None = None,
                 usage: dict[str, int] | None = None) -> str:
    chunk: dict[str, Any] = {"id": "chatcmpl-1", "object": "chat.completion.chunk", "created": 1,
                             "model": "test-model", "choices": []}
    if delta is not None or finish is not None:
        chunk["choices"] = [{"index": 0, "delta": delta or {}, "finish_reason": finish}]
    if usage is not None:
        chunk["usage"] = {"prompt_tokens": usage["in"], "completion_tokens": usage["out"],
                          "total_tokens": usage["in"] + usage["out"]}
    return f"data: {json.dumps(chunk)}\n\n"


def openai_text_stream(pieces: list[str], usage: tuple[int, int] = (11, 7)) -> list[str]:
    frames = [openai_chunk({"role": "assistant", "content": ""})]
    frames += [openai_chunk({"content": p}) for p in pieces]
    frames += [openai_chunk({}, finish="stop"), openai_chunk(usage={"in": usage[0], "out": usage[1]}),
               "data: [DONE]\n\n"]
    return frames


def anthropic_event(kind: str, data: dict[str, Any]) -> str:
    return f"event: {kind}\ndata: {json.dumps({'type': kind, **data})}\n\n"
