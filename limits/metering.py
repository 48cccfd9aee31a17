"""The worker side of budgets: a `runtime.spend.SpendMeter` over the Redis counters of the run's
scopes (recorded at admission), so a run stops with `budget_exceeded` when its project's or API
key's daily tokens or daily/monthly USD would pass the limit — counting every other run's usage too."""
from __future__ import annotations

from agent_platform.redis_client import redis_client
from limits import counters, thresholds
from limits.models import Limits
from limits.windows import windows
from runtime.errors import BudgetExceeded

_BUDGETS = (("tokens_per_day", "tok:d", False), ("usd_per_day", "usd:d", True), ("usd_per_month", "usd:m", True))


class RedisSpendMeter:
    def __init__(self, run_id: str, project_id: str, rows: list[Limits], order: list[str]) -> None:
        self.run_id, self.project_id = run_id, project_id
        self.rows = rows
        self.order = order  # the scopes as the admission record lists them (the charge script's answer order)
        self.limits = {row.scope: {name: (counters.to_micro(getattr(row, name)) if usd else int(getattr(row, name)))
                                   for name, _, usd in _BUDGETS if getattr(row, name) is not None}
                       for row in rows}

    def charge(self, tokens: int, cost_usd: float) -> None:
        w = windows()
        micro = counters.to_micro(cost_usd)
        totals = counters.script("charge")(keys=[counters.run_record(self.run_id)], client=redis_client(), args=[
            tokens, micro, w.day, w.month, counters.COUNTER_TTL_S["d"], counters.COUNTER_TTL_S["m"]])
        for row in self.rows:
            index = self.order.index(row.scope)
            after = dict(zip(("tokens_per_day", "usd_per_day", "usd_per_month"),
                             (int(v) for v in totals[index * 3:index * 3 + 3]), strict=True))
            for name, limit in self.limits[row.scope].items():
                spent = tokens if name == "tokens_per_day" else micro
                thresholds.announce(project_id=self.project_id, scope=row.scope, budget=name,
                                    before=after[name] - spent, after=after[name], limit=limit, w=w,
                                    unit_scale=1.0 if name == "tokens_per_day" else 1e6)

    def ensure(self, next_tokens: int = 0, next_cost_usd: float = 0.0) -> None:
        w = windows()
        checks = [(scope, name, f"lim:{scope}:{suffix}:{w.month if suffix == 'usd:m' else w.day}", limit)
                  for scope, budgets in self.limits.items() for name, limit in budgets.items()
                  for budget, suffix, _ in _BUDGETS if budget == name]
        if not checks:
            return
        used = [int(v or 0) for v in redis_client().mget([key for _, _, key, _ in checks])]
        for (scope, name, _, limit), spent in zip(checks, used, strict=True):
            upcoming = next_tokens if name == "tokens_per_day" else counters.to_micro(next_cost_usd)
            if spent + upcoming > limit or spent > limit:
                usd = name != "tokens_per_day"
                who = "API key" if scope.startswith("k:") else "project"
                show = (lambda v: f"{v / 1e6:g} USD") if usd else str
                raise BudgetExceeded(
                    f"the {who}'s {name} budget ({show(limit)}) is used up ({show(spent)} used"
                    + (f", the next call needs about {show(upcoming)})" if upcoming else ")"),
                    budget=name, scope="api_key" if scope.startswith("k:") else "project",
                    limit=limit / 1e6 if usd else limit, used=spent / 1e6 if usd else spent)


def meter_for(run) -> RedisSpendMeter | None:
    """The meter of a run admitted under budgets (its admission record names the scopes), or None."""
    scopes = redis_client().hget(counters.run_record(run.pk), "scopes")
    if not scopes:
        return None
    wanted = scopes.decode().split(",")
    rows = {row.scope: row for row in Limits.objects.filter(project_id=run.project_id)}
    chosen = [rows[scope] for scope in wanted if scope in rows and rows[scope].has_budget()]
    return RedisSpendMeter(run.pk, run.project_id, chosen, wanted) if chosen else None
