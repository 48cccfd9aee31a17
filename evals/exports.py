"""A finished eval's exports as files in the artifacts storage (STORAGES["artifacts"]).

When an eval succeeds (and again when late feedback re-scores it), its report is rendered once
as JUnit XML, Markdown and JSON and written under its content address (`exports/<xx>/<sha256>`,
agent_platform/artifacts.py); an `EvalExport` row per format names the object. The report
endpoint streams the stored file; an eval without one (finished before exports were stored, or
whose write failed) is rendered on request as before. Purging an eval deletes its rows (cascade),
and the artifacts collector removes objects no row names (retention/artifacts_gc.py).
"""
from __future__ import annotations

import json
import logging
from collections.abc import Iterator

from django.db import transaction

from agent_platform import artifacts
from evals import selectors
from evals.models import EvalExport, EvalRun
from evals.reports import CONTENT_TYPES, render

logger = logging.getLogger(__name__)


def rendered(eval_run: EvalRun, fmt: str) -> bytes:
    if fmt == "json":
        return json.dumps(selectors.eval_dict(eval_run), ensure_ascii=False, sort_keys=True, default=str).encode()
    body, _ = render(eval_run, fmt)
    return body.encode()


def store_exports(eval_run: EvalRun) -> dict[str, str]:
    """Render and store every export of `eval_run`; returns `{format: sha256}`. Best effort: a
    storage or database failure (a restart mid-way) is logged and leaves the eval as it is — its
    exports are then rendered on request, and the collector removes objects no row names."""
    try:
        eval_run.refresh_from_db()
        stored = {fmt: artifacts.put_bytes(artifacts.EXPORTS, rendered(eval_run, fmt)) for fmt in CONTENT_TYPES}
        with transaction.atomic():
            EvalExport.objects.filter(eval=eval_run).delete()
            EvalExport.objects.bulk_create([EvalExport(eval=eval_run, format=fmt, sha256=s.sha256, size=s.size)
                                            for fmt, s in stored.items()])
    except Exception as exc:  # noqa: BLE001 - the eval's result stands without its files
        logger.warning("eval %s: exports not stored: %s: %s", eval_run.pk, type(exc).__name__, exc)
        return {}
    return {fmt: s.sha256 for fmt, s in stored.items()}


def stored_export(eval_run: EvalRun, fmt: str) -> tuple[Iterator[bytes], str] | None:
    """(the stored file's chunks, its content type), or None when there is no stored file."""
    row = EvalExport.objects.filter(eval=eval_run, format=fmt).first()
    if row is None:
        return None
    key = artifacts.key_for(artifacts.EXPORTS, row.sha256)
    if not artifacts.exists(key):
        return None
    return artifacts.iter_chunks(key), CONTENT_TYPES[fmt]


def referenced(shas: list[str]) -> set[str]:
    """Which of `shas` an export row names (for the artifacts collector)."""
    return set(EvalExport.objects.filter(sha256__in=shas).values_list("sha256", flat=True))
