"""Prometheus metrics at `/metrics` (prometheus_client, multiprocess mode). See docs/observability.md.

- `multiproc`   where every process of a host writes its samples (PROMETHEUS_MULTIPROC_DIR); no
                prometheus_client import, so settings and `serve up` can use it first
- `instruments` the counters and histograms (GenAI semantic-convention names for model calls)
- `labels`      the labels of a run (looked up once per run per process) and the cardinality bound
- `recorders`   the one-line hooks called where runs start and finish and where spans end
- `collectors`  gauges computed at scrape time: queue depth and oldest age, runs in progress, rollup lag
- `exposition`  the `/metrics` view, behind the scrape token
"""
