"""Percentiles of merged bucket counts."""
from dashboards import buckets


def test_percentile_interpolates_inside_the_bucket_of_the_rank():
    counts = buckets.empty()
    counts[buckets.bucket_index(75)] = 10  # all in (50, 100]
    assert buckets.percentile(counts, 0.5) == 75.0
    assert buckets.percentile(counts, 1.0) == 100.0


def test_merged_rows_give_the_percentile_of_all_samples():
    fast, slow = buckets.empty(), buckets.empty()
    fast[buckets.bucket_index(40)] = 95
    slow[buckets.bucket_index(4000)] = 5
    merged = buckets.merge([fast, slow])
    assert sum(merged) == 100
    assert buckets.percentile(merged, 0.5) <= 50
    assert 2500 < buckets.percentile(merged, 0.99) <= 5000


def test_no_samples_no_percentile_and_overflow_answers_the_last_bound():
    assert buckets.percentile(buckets.empty(), 0.95) is None
    counts = buckets.empty()
    counts[-1] = 3
    assert buckets.percentile(counts, 0.95) == buckets.DURATION_BOUNDS_MS[-1]
    assert buckets.bucket_index(50) == 0 and buckets.bucket_index(50.01) == 1
