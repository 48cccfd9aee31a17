"""Admission control at `create_run`: reserve a concurrency slot and a usage estimate against every
limit of the caller (its project, and its API key), atomically in Redis (one Lua script, so any
number of API replicas share the limits exactly).

The reservation is an estimate; the worker charges the real usage as it goes (`limits.metering`)
and the run's end settles it (`limits.settlement`): the slot is freed, the unused estimate returned.
"""
from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import redis

from agent_platform.redis_client import redis_client
from agent_platform.service_errors import InputRejected
from limits import counters, sweeper
from limits.errors import LimitExceeded
from limits.models import Limits
from limits.selectors import applicable_limits
from limits.windows import windows
from runtime.models.pricing import PriceTable

logger = logging.getLogger(__name__)
QUEUE_GRACE_S = 600  # a slot's lease: the run's timeout plus this long to wait in the queue


@dataclass(frozen=True)
class Estimate:
    tokens: int
    usd_micro: int


def _limit_args(row: Limits) -> list[int]:
    def value(name: str, usd: bool = False) -> int:
        raw = getattr(row, name)
        if raw is None:
            return counters.NO_LIMIT
        return counters.to_micro(raw) if usd else int(raw)
    return [value("concurrent_runs"), value("tokens_per_day"), value("usd_per_day", True),
            value("usd_per_month", True)]


def require_prices(rows: list[Limits], project, models: list[str]) -> None:
    """A USD budget cannot count what it has no price for: such a model is refused, not free."""
    if not models or not any(row.has_usd_budget() for row in rows):
        return
    table = PriceTable((project.settings or {}).get("prices") or {})
    for model in models:
        if not table.known(model):
            raise InputRejected(
                f"model {model!r} has no price and this project has a USD budget; set one in the project's "
                f"settings.prices ({{\"{model}\": {{\"input\": <USD per 1M>, \"output\": <USD per 1M>}}}})",
                field="model", code="model_price_missing")


def estimate(rows: list[Limits], project, *, models: list[str], max_tokens: int | None, input_tokens: int) -> Estimate:
    """Tokens: the limits' `run_token_estimate`, else the input's size (every run sends its input at
    least once), never more than the agent's own `limits.max_tokens`; USD: those tokens at the
    dearest input price of the run's models."""
    configured = [row.run_token_estimate for row in rows if row.run_token_estimate is not None]
    tokens = max(configured) if configured else input_tokens
    if max_tokens is not None:
        tokens = min(tokens, max_tokens)
    table = PriceTable((project.settings or {}).get("prices") or {})
    per_m = max([p.input_per_m for p in (table.price(m) for m in models) if p is not None], default=0.0)
    return Estimate(tokens=int(tokens), usd_micro=int(round(tokens * per_m)))  # per 1M tokens → micro-USD


def admit_run(*, run_id: str, project, api_key=None, models: list[str], max_tokens: int | None,
              input_tokens: int, timeout_s: float) -> bool:
    """Reserve or refuse (`LimitExceeded`, 429). Returns False when no limit applies (nothing
    reserved, Redis not touched). Redis down with limits set: the Redis error propagates (503)."""
    rows = applicable_limits(project, api_key)
    if not rows:
        return False
    require_prices(rows, project, models)
    guess = estimate(rows, project, models=models, max_tokens=max_tokens, input_tokens=input_tokens)
    try:
        refused = _admit(run_id, rows, guess, timeout_s)
        if refused is not None and refused.limit == "concurrent_runs":
            # A slot may be held by a run that ended without settling (its worker died): reconcile
            # with the database, then decide again.
            if sweeper.reconcile_scope(refused.scope):
                refused = _admit(run_id, rows, guess, timeout_s)
    except redis.RedisError as exc:  # fail closed: answered 503 dependency_unavailable, like any outage
        logger.warning("limits: Redis unavailable, refusing run admission for project %s: %s", project.pk, exc)
        raise
    if refused is not None:
        raise refused
    return True


def _admit(run_id: str, rows: list[Limits], guess: Estimate, timeout_s: float) -> LimitExceeded | None:
    w = windows()
    keys = [counters.run_record(run_id)]
    args: list = [w.now_ms, run_id, w.now_ms + int((timeout_s + QUEUE_GRACE_S) * 1000), guess.tokens,
                  guess.usd_micro, ",".join(row.scope for row in rows), w.ms_to_day_end, w.ms_to_month_end,
                  counters.RUN_RECORD_TTL_S]
    for row in rows:
        keys += counters.admission_keys(row.scope, w.day, w.month)
    for row in rows:
        args += _limit_args(row)
    result = counters.script("admit")(keys=keys, args=args, client=redis_client())
    if int(result[0]) == 1:
        return None
    _, index, limit, retry_ms, current, maximum = result
    limit = limit.decode() if isinstance(limit, bytes) else str(limit)
    usd = limit.startswith("usd")
    needed = None
    if limit != "concurrent_runs":
        needed = guess.usd_micro / 1e6 if usd else guess.tokens
    return LimitExceeded(limit=limit, scope=rows[int(index)].scope,
                         current=int(current) / 1e6 if usd else int(current),
                         maximum=int(maximum) / 1e6 if usd else int(maximum), retry_after_ms=int(retry_ms),
                         unit=" USD" if usd else "", needed=needed)


def run_models(kind: str, body: dict) -> list[str]:
    """The models a run's version names: an agent's model, a workflow's Prompt nodes' models."""
    if kind == "agent":
        return [body.get("model") or "local/default"]
    from workflows.graph_nodes import iter_nodes

    return sorted({str((node.get("config") or {}).get("model")) for _, node in iter_nodes(body.get("graph") or {})
                   if node.get("type") == "prompt" and (node.get("config") or {}).get("model")})


def admit_new_run(*, project, api_key=None, kind: str, body: dict, input, timeout_s: float) -> tuple[str, bool]:
    """The id the new run must take, and whether limits reserved for it (see `admit_run`)."""
    from runs.models import new_run_id

    run_id = new_run_id()
    max_tokens = (body.get("limits") or {}).get("max_tokens")
    admitted = admit_run(run_id=run_id, project=project, api_key=api_key, models=run_models(kind, body),
                         max_tokens=int(max_tokens) if isinstance(max_tokens, int) else None,
                         input_tokens=len(json.dumps(input, default=str)) // 4 + 4, timeout_s=timeout_s)
    return run_id, admitted


@contextmanager
def released_if_failed(run_id: str, admitted: bool) -> Iterator[None]:
    """Give the reservation back if the run is not stored after all."""
    try:
        yield
    except BaseException:
        if admitted:
            from limits.settlement import settle_run

            settle_run(run_id, None)
        raise
