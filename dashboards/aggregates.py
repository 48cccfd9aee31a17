"""Sums over rollup rows in SQL: counts, tokens and cost, and the duration buckets merged
element by element (`sum(duration_buckets[i])`), grouped by whatever the page needs."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import connection

from dashboards import buckets

RUN_TABLE = "dashboards_runrolluphour"
TARGET_TABLE = "dashboards_targetrolluphour"  # the same sums per target (no version/environment/model)
MODEL_TABLE = "dashboards_modelrolluphour"
RUN_SUMS = ("runs", "succeeded", "failed", "cancelled", "timed_out", "timed_runs", "duration_sum_ms",
            "input_tokens", "output_tokens", "cost_usd")
MODEL_SUMS = ("calls", "errors", "input_tokens", "output_tokens", "cost_usd", "duration_sum_ms")
# Grouping expressions a page may ask for (never user input: keys of this map only).
GROUPS = {
    "hour": "hour",
    "day": "date_trunc('day', hour AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'",
    "target_kind": "target_kind", "target_id": "target_id", "target_name": "max(target_name)",
    "version": "version", "environment": "environment", "model": "model",
}
_AGGREGATED = {"target_name"}  # shown, not grouped by


@dataclass
class Stats:
    """The sums of a group of rollup rows, with the figures the pages show."""

    values: dict[str, float] = field(default_factory=dict)
    counts: list[int] = field(default_factory=buckets.empty)

    def __getattr__(self, name: str) -> Any:
        try:
            return self.__dict__["values"][name]
        except KeyError:
            raise AttributeError(name) from None

    @property
    def p50_ms(self) -> float | None:
        return buckets.percentile(self.counts, 0.50)

    @property
    def p95_ms(self) -> float | None:
        return buckets.percentile(self.counts, 0.95)

    @property
    def success_rate(self) -> float | None:
        runs = self.values.get("runs", 0)
        return self.values.get("succeeded", 0) / runs if runs else None

    @property
    def error_rate(self) -> float | None:
        calls = self.values.get("calls", 0)
        return self.values.get("errors", 0) / calls if calls else None

    @property
    def problems(self) -> int:
        return int(self.values.get("failed", 0) + self.values.get("timed_out", 0))

    @property
    def cost_per_run(self) -> float | None:
        runs = self.values.get("runs", 0)
        return self.values.get("cost_usd", 0) / runs if runs else None

    @property
    def tokens(self) -> int:
        return int(self.values.get("input_tokens", 0) + self.values.get("output_tokens", 0))


def summed(table: str, *, project_id: str, since: datetime, until: datetime, group_by: tuple[str, ...] = (),
           where: dict[str, Any] | None = None) -> list[tuple[tuple, Stats]]:
    """[(group key, Stats)] of the rows of `project_id` in [since, until), grouped by `group_by`
    (names of GROUPS), filtered by `where` (column = value; columns of the rollup table)."""
    sums = MODEL_SUMS if table == MODEL_TABLE else RUN_SUMS
    keys = [f"{GROUPS[name]} AS {name}" for name in group_by]
    columns = [*keys, *(f"sum({col}) AS {col}" for col in sums),
               *(f"sum(duration_buckets[{i + 1}])" for i in range(buckets.BUCKET_COUNT))]
    conditions = ["project_id = %(project)s", "hour >= %(since)s", "hour < %(until)s"]
    params: dict[str, Any] = {"project": project_id, "since": since, "until": until}
    for index, (column, value) in enumerate((where or {}).items()):
        if column not in GROUPS:
            raise ValueError(f"not a rollup column: {column}")
        conditions.append(f"{column} = %(w{index})s")
        params[f"w{index}"] = value
    grouped = [GROUPS[name] for name in group_by if name not in _AGGREGATED]
    sql = f"SELECT {', '.join(columns)} FROM {table} WHERE {' AND '.join(conditions)}"
    if grouped:
        sql += f" GROUP BY {', '.join(grouped)}"
    elif not group_by:
        sql += " HAVING count(*) > 0"
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    out = []
    width = len(group_by)
    for row in rows:
        values = {col: float(row[width + i] or 0) for i, col in enumerate(sums)}
        counts = [int(c or 0) for c in row[width + len(sums):]]
        out.append((tuple(row[:width]), Stats(values, counts)))
    return out


def total(groups: list[tuple[tuple, Stats]]) -> Stats:
    """The sum of several groups (the totals of a time series)."""
    merged = Stats({}, buckets.merge(stats.counts for _, stats in groups))
    for _, stats in groups:
        for key, value in stats.values.items():
            merged.values[key] = merged.values.get(key, 0) + value
    return merged
