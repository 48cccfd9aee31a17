"""Small statistics for eval reports (deterministic: seeded NumPy draws; no SciPy).

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
from collections.abc import Sequence
from statistics import NormalDist

import numpy as np

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


_BATCH_CELLS = 2_000_000  # values drawn per numpy batch (bounded memory for large evals)


def _bootstrap_means(groups: Sequence[Sequence[float]], resamples: int, seed: int) -> np.ndarray:
    """`resamples` bootstrap means of per-item means (vectorised; the same seed gives the same
    draws)."""
    rng = np.random.default_rng(seed)
    n = len(groups)
    counts = np.array([len(g) for g in groups])
    width = int(counts.max())
    padded = np.zeros((n, width))
    for i, group in enumerate(groups):
        padded[i, : len(group)] = group
    out = np.empty(resamples)
    batch = max(1, _BATCH_CELLS // (n * width))
    for start in range(0, resamples, batch):
        size = min(batch, resamples - start)
        items = rng.integers(0, n, size=(size, n))
        if width == 1:
            out[start:start + size] = padded[items, 0].mean(axis=1)
            continue
        chosen = counts[items]  # repeats of each drawn item
        repeats = (rng.random((size, n, width)) * chosen[..., None]).astype(np.int64)
        mask = np.arange(width) < chosen[..., None]
        values = padded[items[..., None], repeats]
        out[start:start + size] = ((values * mask).sum(axis=2) / chosen).mean(axis=1)
    return out


def bootstrap_mean_ci(groups: Sequence[Sequence[float]], *, level: float = DEFAULT_LEVEL,
                      resamples: int = DEFAULT_RESAMPLES, seed: int = DEFAULT_SEED) -> tuple[float, float] | None:
    """Percentile-bootstrap interval of the mean of per-item means; `groups` = the repeat values
    of each item. None without data."""
    groups = [g for g in groups if g]
    if not groups:
        return None
    means = _bootstrap_means(groups, resamples, seed)
    tail = (1.0 - level) / 2.0 * 100.0
    low, high = np.percentile(means, [tail, 100.0 - tail])
    return float(low), float(high)


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
    centred = [[d - observed] for d in differences]
    means = _bootstrap_means(centred, resamples, seed)
    extreme = int((np.abs(means) >= abs(observed) - 1e-12).sum())
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
