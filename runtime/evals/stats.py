"""Small statistics for eval reports, in plain Python (deterministic, seeded, no SciPy).

- `percentile`: linear interpolation between the two nearest ranks (Hyndman & Fan type 7, the
  default of NumPy and of spreadsheet PERCENTILE): p50 of [1, 2, 3, 4] is 2.5.
- `bootstrap_mean_ci`: percentile bootstrap of the mean over items, two-stage when items have
  repeats (resample items, then each chosen item's repeats), so the interval covers both the
  choice of items and the run-to-run noise.
- `wilson_interval`: the Wilson score interval of a proportion (sane at 0 % and 100 %, where a
  bootstrap collapses to a point).
- `paired_bootstrap_p`: two-sided p-value of "mean difference = 0" for paired differences, by
  resampling the differences re-centred on zero; never 0 (the (k + 1) / (B + 1) rule).
- `sign_test_p`: exact two-sided binomial sign test on wins vs losses (ties dropped).
"""
from __future__ import annotations

import math
import random
from collections.abc import Sequence
from statistics import NormalDist

DEFAULT_RESAMPLES = 2000
DEFAULT_SEED = 20_240_601
DEFAULT_LEVEL = 0.95


def mean(values: Sequence[float]) -> float | None:
    return math.fsum(values) / len(values) if values else None


def percentile(values: Sequence[float], q: float) -> float | None:
    """The q-th percentile (0..100) by linear interpolation; None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    rank = (len(ordered) - 1) * q / 100.0
    low = math.floor(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def _bootstrap_means(groups: Sequence[Sequence[float]], resamples: int, seed: int) -> list[float]:
    rng = random.Random(seed)
    n = len(groups)
    if all(len(g) == 1 for g in groups):
        flat = [g[0] for g in groups]
        return [math.fsum(rng.choices(flat, k=n)) / n for _ in range(resamples)]
    means = []
    for _ in range(resamples):
        total = 0.0
        for group in rng.choices(groups, k=n):
            total += math.fsum(rng.choices(group, k=len(group))) / len(group)
        means.append(total / n)
    return means


def bootstrap_mean_ci(groups: Sequence[Sequence[float]], *, level: float = DEFAULT_LEVEL,
                      resamples: int = DEFAULT_RESAMPLES, seed: int = DEFAULT_SEED) -> tuple[float, float] | None:
    """Percentile-bootstrap interval of the mean of per-item means; `groups` = the repeat values
    of each item. None without data."""
    groups = [g for g in groups if g]
    if not groups:
        return None
    means = _bootstrap_means(groups, resamples, seed)
    tail = (1.0 - level) / 2.0 * 100.0
    low, high = percentile(means, tail), percentile(means, 100.0 - tail)
    assert low is not None and high is not None
    return low, high


def wilson_interval(successes: float, n: int, *, level: float = DEFAULT_LEVEL) -> tuple[float, float] | None:
    """Wilson score interval for `successes` out of `n` (successes may be fractional: the sum of
    per-item pass fractions over repeats)."""
    if n <= 0:
        return None
    z = NormalDist().inv_cdf(0.5 + level / 2.0)
    p = successes / n
    denominator = 1.0 + z * z / n
    centre = (p + z * z / (2 * n)) / denominator
    margin = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denominator
    return max(0.0, centre - margin), min(1.0, centre + margin)


def paired_bootstrap_p(differences: Sequence[float], *, resamples: int = DEFAULT_RESAMPLES,
                       seed: int = DEFAULT_SEED) -> float:
    """Two-sided p-value of mean(differences) != 0. All-zero differences give 1.0."""
    n = len(differences)
    if n == 0:
        return 1.0
    observed = math.fsum(differences) / n
    if all(d == differences[0] for d in differences):
        return 1.0 if observed == 0 else 1.0 / (resamples + 1)
    centred = [d - observed for d in differences]
    rng = random.Random(seed)
    threshold = abs(observed) - 1e-12
    extreme = sum(1 for _ in range(resamples) if abs(math.fsum(rng.choices(centred, k=n)) / n) >= threshold)
    return (extreme + 1) / (resamples + 1)


def bootstrap_difference_ci(differences: Sequence[float], *, level: float = DEFAULT_LEVEL,
                            resamples: int = DEFAULT_RESAMPLES, seed: int = DEFAULT_SEED) -> tuple[float, float] | None:
    """Percentile-bootstrap interval of the mean paired difference."""
    return bootstrap_mean_ci([[d] for d in differences], level=level, resamples=resamples, seed=seed)


def sign_test_p(wins: int, losses: int) -> float:
    """Exact two-sided sign test: P(a split at least this uneven | each side equally likely)."""
    n = wins + losses
    if n == 0:
        return 1.0
    k = min(wins, losses)
    tail = math.fsum(math.comb(n, i) for i in range(k + 1)) / 2.0 ** n
    return min(1.0, 2.0 * tail)
