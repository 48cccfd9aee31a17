"""Labels: a run's context, looked up once per run and process, and a bound on series.

Context labels are names, never ids or free text: the project slug, `agent`/`workflow`, the
definition's name, the version number and the environment (dev/stage/prod or ""). Names a
project chooses (definitions, tools, knowledge bases, models) are bounded per metric family and
process by `PLATFORM_METRICS_MAX_SERIES`: past it, a new combination is recorded with those
labels set to `_other` (the totals stay right; the breakdown is cut).
"""
from __future__ import annotations

import threading
from collections import OrderedDict

from django.conf import settings

CONTEXT = ("project", "target_kind", "target", "version", "environment")
CHOSEN = frozenset({"target", "version", "model", "tool", "knowledge_base", "gen_ai_request_model",
                    "gen_ai_provider_name", "error_type"})
OTHER = "_other"
_CACHE_SIZE = 4096

_LABELS_SQL = """
SELECT p.slug, r.kind, coalesce(a.name, w.name, ''), coalesce(av.number::text, wv.number::text, ''), r.environment,
       coalesce(av.body->>'model', ''), r.started_at, r.finished_at
FROM runs_run r JOIN accounts_project p ON p.id = r.project_id
LEFT JOIN agents_agent a ON a.id = r.agent_id LEFT JOIN agents_agentversion av ON av.id = r.agent_version_id
LEFT JOIN workflows_workflow w ON w.id = r.workflow_id LEFT JOIN workflows_workflowversion wv ON wv.id = r.workflow_version_id
WHERE r.id = %s
"""


class RunContext:
    __slots__ = ("labels", "model")

    def __init__(self, labels: dict[str, str], model: str) -> None:
        self.labels, self.model = labels, model


_lock = threading.Lock()
_contexts: OrderedDict[str, RunContext] = OrderedDict()
_seen: dict[str, set[tuple]] = {}


def fetch(cursor, run_id: str) -> tuple[RunContext, object, object] | None:
    """(context, started_at, finished_at) of a run, read on `cursor`; caches the context."""
    cursor.execute(_LABELS_SQL, (run_id,))
    row = cursor.fetchone()
    if row is None:
        return None
    return from_row(run_id, row), row[6], row[7]


def from_row(run_id: str, row) -> RunContext:
    """The context from the label columns of `_LABELS_SQL` (its first six), remembered."""
    context = RunContext(dict(zip(CONTEXT, (str(v) for v in row[:5]), strict=True)), row[5])
    remember(run_id, context)
    return context


def remember(run_id: str, context: RunContext) -> None:
    with _lock:
        _contexts[run_id] = context
        _contexts.move_to_end(run_id)
        while len(_contexts) > _CACHE_SIZE:
            _contexts.popitem(last=False)


def cached(run_id: str) -> RunContext | None:
    with _lock:
        return _contexts.get(run_id)


def forget(run_id: str) -> None:
    with _lock:
        _contexts.pop(run_id, None)


def bounded(family: str, labels: dict[str, str]) -> dict[str, str]:
    """`labels`, or — once `family` has PLATFORM_METRICS_MAX_SERIES combinations in this process —
    the same with every project-chosen label replaced by `_other`."""
    key = tuple(sorted(labels.items()))
    with _lock:
        seen = _seen.setdefault(family, set())
        if key in seen:
            return labels
        if len(seen) < settings.PLATFORM_METRICS_MAX_SERIES:
            seen.add(key)
            return labels
    return {name: (OTHER if name in CHOSEN else value) for name, value in labels.items()}


def split_model_ref(ref: str) -> tuple[str, str]:
    """(provider, model) of a model ref: `openai/gpt-4.1-mini` → (`openai`, `gpt-4.1-mini`)."""
    provider, _, model = ref.partition("/")
    return (provider, model) if model else ("", ref)
