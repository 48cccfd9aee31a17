"""Reads: usage against each limit of a scope, from the Redis counters (what admission decides on)."""
from __future__ import annotations

from agent_platform.redis_client import redis_client
from limits import counters
from limits.models import Limits
from limits.windows import windows

WINDOW_MS = 60_000


def _entry(limit, used, resets_at=None, **extra) -> dict:
    remaining = None if limit is None else max(0, limit - used)
    out = {"limit": limit, "used": used, "remaining": remaining, **extra}
    if resets_at is not None:
        out["resets_at"] = resets_at.isoformat().replace("+00:00", "Z")
    return out


def usage_for(row: Limits) -> dict:
    """`{limit name: {limit, used, remaining, reserved?, resets_at?}}` for one scope (null limit: none)."""
    w = windows()
    scope, now = row.scope, w.now_ms
    p = counters.scope_prefix(scope)
    pipe = redis_client().pipeline(transaction=False)
    pipe.zcount(f"{p}:rpm", now - WINDOW_MS, "+inf")
    pipe.zcount(f"{p}:slots", now, "+inf")
    pipe.mget([f"{p}:tok:d:{w.day}", f"{p}:usd:d:{w.day}", f"{p}:usd:m:{w.month}", f"{p}:res:tok", f"{p}:res:usd"])
    rpm, busy, values = pipe.execute()
    tok, usd_d, usd_m, res_tok, res_usd = (max(0, int(v or 0)) for v in values)

    def usd(value):
        return None if value is None else float(value)
    return {
        "requests_per_minute": _entry(row.requests_per_minute, rpm),
        "concurrent_runs": _entry(row.concurrent_runs, busy),
        "tokens_per_day": _entry(row.tokens_per_day, tok, w.day_ends, reserved=res_tok),
        "usd_per_day": _entry(usd(row.usd_per_day), usd_d / 1e6, w.day_ends, reserved=res_usd / 1e6),
        "usd_per_month": _entry(usd(row.usd_per_month), usd_m / 1e6, w.month_ends, reserved=res_usd / 1e6),
    }
