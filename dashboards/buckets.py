"""Fixed duration buckets, shared by the hourly rollups and the Prometheus run-duration histogram.

A rollup row stores how many runs fell in each bucket (not cumulative), so the rows of any set
of hours add up bucket by bucket and a percentile of the merged counts is as exact as the bucket
resolution allows (linear interpolation inside the bucket that holds the rank).
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence

# Upper bounds in milliseconds; one more bucket holds everything above the last bound.
DURATION_BOUNDS_MS: tuple[float, ...] = (
    50, 100, 250, 500, 1_000, 2_500, 5_000, 10_000, 30_000, 60_000, 120_000, 300_000, 600_000, 1_800_000,
)
BUCKET_COUNT = len(DURATION_BOUNDS_MS) + 1


def empty() -> list[int]:
    return [0] * BUCKET_COUNT


def merge(rows: Iterable[Sequence[int]]) -> list[int]:
    """Bucket-by-bucket sum of several rows' counts."""
    total = empty()
    for row in rows:
        for index, count in enumerate(row):
            total[index] += count
    return total


def bucket_index(duration_ms: float) -> int:
    """The bucket a duration falls in (bounds are inclusive upper limits, as in Prometheus)."""
    for index, bound in enumerate(DURATION_BOUNDS_MS):
        if duration_ms <= bound:
            return index
    return len(DURATION_BOUNDS_MS)


def percentile(counts: Sequence[int], q: float) -> float | None:
    """The q-quantile (0 < q ≤ 1) in ms of merged bucket counts; None without any sample.

    Interpolates linearly inside the bucket holding the rank; a rank in the overflow bucket
    answers the last bound (the histogram cannot say more, as Prometheus' histogram_quantile)."""
    total = sum(counts)
    if total == 0:
        return None
    rank = q * total
    seen = 0
    for index, count in enumerate(counts):
        if count and seen + count >= rank:
            if index == len(DURATION_BOUNDS_MS):
                return float(DURATION_BOUNDS_MS[-1])
            lower = 0.0 if index == 0 else float(DURATION_BOUNDS_MS[index - 1])
            upper = float(DURATION_BOUNDS_MS[index])
            return lower + (upper - lower) * (rank - seen) / count
        seen += count
    return float(DURATION_BOUNDS_MS[-1])


def sql_bucket_array(expression: str) -> str:
    """A PostgreSQL ARRAY[...] of per-bucket counts of `expression` (ms; NULLs count nowhere)."""
    parts = []
    lower: float | None = None
    for bound in DURATION_BOUNDS_MS:
        low = f"{expression} > {lower} AND " if lower is not None else ""
        parts.append(f"count(*) FILTER (WHERE {low}{expression} <= {bound})")
        lower = bound
    parts.append(f"count(*) FILTER (WHERE {expression} > {lower})")
    return "ARRAY[" + ", ".join(parts) + "]::integer[]"
