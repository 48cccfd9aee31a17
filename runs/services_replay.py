"""Replaying workflow runs: retry a failed run from its failed node, fork a run from a checkpoint.

Both create a NEW run (`parent_run` = the old one, same pinned version and environment) whose checkpoints are
pre-filled, in the same transaction, before it is enqueued: the engine then replays every node those
checkpoints complete (no side effect repeated, no token paid twice) and runs the rest.
- retry: every delta of the failed run (`runtime.graph.retry_deltas`), minus, with `from_node`, that
  node and everything downstream of it; an agent node that failed mid-loop keeps its completed turns.
- fork: the first `checkpoint` deltas (`fork_deltas`) plus an optional state patch (`input`, `vars`,
  node outputs); the new run's input is the patched input.
"""
from __future__ import annotations

from typing import Any

from django.db import transaction

from agent_platform.service_errors import InvalidField, StateConflict
from runs.models import FAILED, Checkpoint, Run
from runs.services import create_run
from runs.store import NAMESPACED
from runtime.errors import InputInvalid
from runtime.graph import fork_deltas, list_checkpoints, retry_deltas
from runtime.graph.checkpoints import NODE, downstream_of, top_level_id

Rows = list[tuple[str, dict[str, Any]]]
PATCH_KEYS = frozenset({"input", "vars", "nodes"})


def _require_workflow(run: Run) -> None:
    if run.kind != "workflow" or run.workflow_version is None:
        raise StateConflict("only workflow runs have node checkpoints to retry or fork from", field="id")


def _checkpoints(run: Run) -> tuple[list[dict[str, Any]], Rows]:
    """The run's own deltas (what the engine folds), and the namespaced rows of agents inside nodes."""
    own, namespaced = [], []
    for key, delta in Checkpoint.objects.filter(run=run).order_by("idx").values_list("key", "delta"):
        if key.startswith(NAMESPACED):
            namespaced.append((key, delta))
        else:
            own.append(delta)
    return own, namespaced


def run_checkpoints(run: Run) -> list[dict[str, Any]]:
    """The checkpoints a fork may start from: `{checkpoint, key, node, status}` (1-based count)."""
    _require_workflow(run)
    return list_checkpoints(_checkpoints(run)[0])


def retry_run(*, run: Run, from_node: str | None = None) -> Run:
    """A new run of a failed workflow run that reuses every completed node's output."""
    _require_workflow(run)
    if run.status != FAILED:
        raise StateConflict(f"only failed runs can be retried; this one is {run.status}", field="status")
    graph = run.workflow_version.body["graph"]
    own, namespaced = _checkpoints(run)
    try:
        kept = retry_deltas(own, from_node=from_node, graph=graph)
        dropped = downstream_of(graph, from_node) if from_node else set()
    except InputInvalid as exc:
        raise InvalidField("from_node", exc.message) from None
    completed = {str(delta.get("node")) for _, delta in kept if delta.get("kind") == NODE}
    progress = [(key, delta) for key, delta in namespaced
                if _sub_run_path(key) not in completed and top_level_id(_sub_run_path(key)) not in dropped]
    return _replay(run, kept + progress, input=run.input)


def fork_run(*, run: Run, checkpoint: int, state_patch: dict[str, Any] | None = None) -> Run:
    """A new run starting from checkpoint `checkpoint` of `run` (0 = from the start), optionally with
    an edited state."""
    _require_workflow(run)
    if state_patch is not None:
        unknown = sorted(set(state_patch) - PATCH_KEYS)
        if unknown:
            raise InvalidField(f"state_patch.{unknown[0]}", f"a state patch edits {', '.join(sorted(PATCH_KEYS))}")
        if "input" in state_patch and not isinstance(state_patch["input"], dict):
            raise InvalidField("state_patch.input", "must be an object (merged into the run's input)")
    try:
        kept = fork_deltas(_checkpoints(run)[0], checkpoint, state_patch)
    except InputInvalid as exc:
        raise InvalidField("checkpoint", exc.message) from None
    patched_input = (state_patch or {}).get("input")
    new_input = _deep_merge(run.input, patched_input) if patched_input and isinstance(run.input, dict) else run.input
    return _replay(run, kept, input=new_input)


def _sub_run_path(key: str) -> str:
    return key[len(NAMESPACED):].split(":", 1)[0]


def _deep_merge(base: dict[str, Any], patch: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in patch.items():
        merged[key] = _deep_merge(merged[key], value) if isinstance(value, dict) and isinstance(
            merged.get(key), dict) else value
    return merged


def _replay(old: Run, rows: Rows, *, input: Any) -> Run:
    """Create the new run and its checkpoints in one transaction; it is enqueued after commit."""
    with transaction.atomic():
        run = create_run(project=old.project, workflow=old.workflow_id, version=old.workflow_version.number,
                         input=input, metadata=old.metadata, webhook_url=old.webhook_url, parent_run=old,
                         via_environment=old.environment or None)
        Checkpoint.objects.bulk_create([Checkpoint(run=run, idx=i, key=key, delta=delta)
                                        for i, (key, delta) in enumerate(rows)])
    return run
