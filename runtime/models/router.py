"""Model references → providers, with per-model retries, ordered fallbacks and a response cache.

A model ref names a provider and a model:

    openai/gpt-4.1-mini          anthropic/claude-sonnet-4      local/default
    scripted/<script name>       compat:<provider name>/<model>   (any OpenAI-compatible server)

`ModelRouter` is built from a plain dict (the Django side assembles it from settings and
project secrets):

    {"providers": {"openai": {"api_key": "...", "base_url": None},
                   "anthropic": {"api_key": "..."},
                   "compat:ollama": {"base_url": "http://127.0.0.1:11434/v1"},
                   "local": {"n_ctx": 2048}},
     "scripted": {"demo": [{"echo": true, "prefix": "You said: "}]},
     "prices": {"openai/gpt-4.1-mini": {"input": 0.4, "output": 1.6}}}

Adapters are created lazily, once per provider. `scripted/echo` is built in.
"""
from __future__ import annotations

import functools
import random
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from runtime.errors import ModelBadRequest, ModelError, ModelUnavailable, PlatformError
from runtime.models.base import ChatModel, DeltaCallback, ModelRequest, ModelResponse
from runtime.models.cache import ResponseCache, request_key, response_from_dict, response_to_dict
from runtime.models.pricing import PriceTable
from runtime.models.scripted import ScriptedModel
from runtime.retry import Backoff, retry_call
from runtime.store import CancelToken

DEFAULT_BACKOFF = Backoff()
BUILTIN_SCRIPTS: dict[str, list[dict[str, Any]]] = {"echo": [{"echo": True}]}

# One model attempt: (ref, model, request, on_delta, attempt number) -> response.
AttemptRunner = Callable[[str, ChatModel, ModelRequest, "DeltaCallback | None", int], ModelResponse]
RetryObserver = Callable[[str, int, BaseException, float], None]  # (ref, failed attempt, its error, delay_s)


def parse_ref(ref: str) -> tuple[str, str]:
    """Split a model ref into (provider key, provider's model name)."""
    provider, sep, model = ref.partition("/")
    if not sep or not provider or not model:
        raise ModelBadRequest(f"invalid model ref {ref!r}: expected '<provider>/<model>'")
    return provider, model


def can_fall_back(exc: ModelError) -> bool:
    """Whether the next model in the fallback list should be tried after this error."""
    return exc.retryable or isinstance(exc, ModelUnavailable)


@dataclass
class RoutedResponse:
    """A model answer with where it came from: the ref that answered, whether the cache did,
    how many attempts it took over all refs, and the errors of the attempts that failed."""

    response: ModelResponse
    ref: str
    cached: bool = False
    attempts: int = 1
    failures: list[dict[str, Any]] = field(default_factory=list)  # errors of earlier attempts


def _run_attempt(ref: str, model: ChatModel, request: ModelRequest, on_delta: DeltaCallback | None,
                 attempt: int) -> ModelResponse:
    return model.complete(request, on_delta)


def _note_retry(routed: RoutedResponse, ref: str, observer: RetryObserver | None, attempt: int, exc: BaseException,
                delay: float) -> None:
    error = exc.to_dict() if isinstance(exc, PlatformError) else {"type": type(exc).__name__, "message": str(exc)}
    routed.failures.append({"ref": ref, "attempt": attempt, "error": error, "retry_in_s": round(delay, 3)})
    if observer is not None:
        observer(ref, attempt, exc, delay)


class ModelRouter:
    """Resolves model refs to adapters and runs calls with retries and fallbacks."""

    def __init__(self, config: Mapping[str, Any] | None = None, *, models: Mapping[str, ChatModel] | None = None) -> None:
        config = dict(config or {})
        self.providers: dict[str, dict[str, Any]] = dict(config.get("providers", {}))
        self.scripts: dict[str, Any] = {**BUILTIN_SCRIPTS, **config.get("scripted", {})}
        self.prices = PriceTable(config.get("prices"))
        self._instances: dict[str, ChatModel] = dict(models or {})  # by ref or provider key
        self._lock = threading.Lock()

    def register(self, ref_or_provider: str, model: ChatModel) -> None:
        """Use this adapter instance for a ref (`scripted/x`) or a whole provider (`openai`)."""
        with self._lock:
            self._instances[ref_or_provider] = model

    def resolve(self, ref: str) -> tuple[ChatModel, str]:
        """(adapter, model name) for a ref; raises ModelUnavailable for unknown providers."""
        provider, name = parse_ref(ref)
        model = self._instances.get(ref) or self._instances.get(provider)
        if model is not None:
            return model, name
        key = ref if provider == "scripted" else provider
        with self._lock:
            if key not in self._instances:
                self._instances[key] = self._build(provider, name)
            return self._instances[key], name

    def _build(self, provider: str, name: str) -> ChatModel:
        settings = dict(self.providers.get(provider, {}))
        if provider == "scripted":
            if name not in self.scripts:
                raise ModelUnavailable(f"no script named {name!r} for scripted/{name}")
            return ScriptedModel.from_config(self.scripts[name], name=f"scripted/{name}")
        if provider == "local":
            from runtime.models.local import LocalModel  # optional extra: imported only when used
            return LocalModel(**settings)
        if provider == "anthropic":
            from runtime.models.anthropic import AnthropicModel
            return AnthropicModel(provider=provider, **settings)
        if provider == "openai" or (provider.startswith("compat:") and provider in self.providers):
            from runtime.models.openai_compat import OpenAICompatModel
            if provider == "openai":
                settings.setdefault("max_tokens_param", "max_completion_tokens")
            return OpenAICompatModel(provider=provider, **settings)
        raise ModelUnavailable(f"model provider {provider!r} is not configured")

    def complete(self, ref: str, request: ModelRequest, on_delta: DeltaCallback | None = None) -> ModelResponse:
        """One attempt on one ref, no retries."""
        model, name = self.resolve(ref)
        return model.complete(replace(request, model=name), on_delta)

    def complete_with_fallbacks(
        self, refs: Sequence[str], request: ModelRequest, on_delta: DeltaCallback | None = None, *,
        policy: Backoff = DEFAULT_BACKOFF, cache: ResponseCache | None = None, cache_ttl_s: int = 3600,
        run_attempt: AttemptRunner = _run_attempt, sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic, rng: random.Random | None = None,
        deadline: float | None = None, cancel: CancelToken | None = None, on_retry: RetryObserver | None = None,
    ) -> RoutedResponse:
        """Try `refs` in order: each with up to `policy.max_attempts` attempts on retryable
        errors (backoff with jitter, `retry_after` honoured; `on_retry(ref, attempt, error, delay)` hears
        of each retry before its wait), then the next ref. Non-retryable
        errors are raised at once; the last error is raised when every ref failed. With a
        `cache`, a stored answer for (ref, request) is returned instead of calling."""
        if not refs:
            raise ModelBadRequest("no model ref given")
        routed = RoutedResponse(ModelResponse(text=""), refs[0], attempts=0)
        for index, ref in enumerate(refs):
            key = request_key(ref, replace(request, model=parse_ref(ref)[1])) if cache is not None else ""
            hit = cache.get(key) if cache is not None else None
            if hit is not None:
                routed.response, routed.ref, routed.cached = response_from_dict(hit), ref, True
                return routed
            try:
                routed.response = retry_call(
                    functools.partial(self._attempt, ref, request, on_delta, run_attempt=run_attempt, routed=routed),
                    policy=policy, sleep=sleep, rng=rng, clock=clock, deadline=deadline, cancel=cancel,
                    on_retry=functools.partial(_note_retry, routed, ref, on_retry))
            except ModelError as exc:
                routed.failures.append({"ref": ref, "error": exc.to_dict()})
                out_of_time = deadline is not None and clock() >= deadline
                if not can_fall_back(exc) or index == len(refs) - 1 or out_of_time:
                    raise
                continue
            routed.ref = ref
            if cache is not None:
                cache.set(key, response_to_dict(routed.response), cache_ttl_s)
            return routed
        raise AssertionError("unreachable: the last ref either returns or raises")

    def _attempt(self, ref: str, request: ModelRequest, on_delta: DeltaCallback | None, attempt: int, *,
                 run_attempt: AttemptRunner, routed: RoutedResponse) -> ModelResponse:
        routed.attempts += 1
        model, name = self.resolve(ref)
        return run_attempt(ref, model, replace(request, model=name), on_delta, attempt)
