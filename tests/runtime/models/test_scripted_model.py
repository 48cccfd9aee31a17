"""The scripted provider: deterministic turns, streamed text, tool calls, errors, delays."""
from __future__ import annotations

import threading

import pytest

from runtime.errors import ModelRateLimited, ModelServerError, ModelTimeout
from runtime.models.base import Message, ModelRequest, ToolCall
from runtime.models.scripted import ScriptedModel


def _request(turn: int | None = None, run_id: str = "r1", message: str = "hello there", timeout_s: float | None = None):
    metadata = {} if turn is None else {"run_id": run_id, "turn": turn}
    return ModelRequest(model="x", messages=[Message("user", message)], metadata=metadata, timeout_s=timeout_s)


def test_text_turns_stream_as_several_deltas() -> None:
    model = ScriptedModel([{"text": "The quick brown fox jumps over the lazy dog"}])
    deltas: list[str] = []

    response = model.complete(_request(), deltas.append)

    assert len(deltas) > 1 and "".join(deltas) == response.text == "The quick brown fox jumps over the lazy dog"


def test_turns_are_picked_by_conversation_turn_so_every_run_replays_the_script() -> None:
    model = ScriptedModel([{"tool_calls": [{"name": "add", "arguments": {"a": 1}}]}, {"text": "second"}])

    first_run = [model.complete(_request(turn, run_id="a")) for turn in (1, 2, 3)]
    second_run = [model.complete(_request(turn, run_id="b")) for turn in (1, 2)]

    assert first_run[0].tool_calls == [ToolCall("call_0", "add", {"a": 1})]
    assert [r.text for r in first_run[1:]] == ["second", "Done."]
    assert second_run[0].tool_calls == first_run[0].tool_calls and second_run[1].text == "second"


def test_without_metadata_a_cursor_walks_the_script() -> None:
    model = ScriptedModel([{"text": "one"}, {"text": "two"}], final_text="no more")

    assert [model.complete(_request()).text for _ in range(3)] == ["one", "two", "no more"]


def test_error_entries_fire_once_per_attempt_before_their_answer() -> None:
    model = ScriptedModel([{"error": "model_rate_limited", "retry_after": 0.5}, {"error": "model_server_error"},
                           {"text": "finally"}])

    with pytest.raises(ModelRateLimited) as caught:
        model.complete(_request(1))
    assert caught.value.retry_after == 0.5
    with pytest.raises(ModelServerError):
        model.complete(_request(1))
    assert model.complete(_request(1)).text == "finally"


def test_echo_and_message_placeholder_use_the_last_user_message() -> None:
    model = ScriptedModel([{"echo": True, "prefix": "You said: "}, {"text": "Re: {message}"}])

    assert model.complete(_request(1, message="ping")).text == "You said: ping"
    assert model.complete(_request(2, message="pong")).text == "Re: pong"


def test_delay_longer_than_the_request_timeout_raises_model_timeout() -> None:
    model = ScriptedModel([{"delay": 5, "text": "too late"}])

    with pytest.raises(ModelTimeout):
        model.complete(_request(timeout_s=0.05))


def test_concurrent_runs_each_get_their_own_turns() -> None:
    model = ScriptedModel([{"error": "model_server_error"}, {"text": "ok"}])
    results: dict[str, list[str]] = {}

    def run(run_id: str) -> None:
        out = []
        for _ in range(2):
            try:
                out.append(model.complete(_request(1, run_id=run_id)).text)
            except ModelServerError:
                out.append("error")
        results[run_id] = out

    threads = [threading.Thread(target=run, args=(f"run{i}",)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(5)

    assert results == {f"run{i}": ["error", "ok"] for i in range(8)}
