"""Checkpoint deltas of workflow runs: their shapes, the fold that rebuilds a run's state, and
the helpers the Django side uses to retry a failed run or fork one from a checkpoint.

Deltas appended by the engine (key `node:<path>`), one per completed node:
    {"kind": "node", "node": "<path>", "status": "completed", "output": ..., "port"?, "usage"?, ...}
    {"kind": "node", "node": "<path>", "status": "failed", "error": {...}}   # failure taken by an on_error route
`<path>` is the node id, prefixed inside Loop/Map bodies by the iteration: `loop1[3]/body_node`.

Deltas appended by the API side before (re-)enqueueing a run:
    {"kind": "resume", "node": "<path>", "input": {...}}   # answer to a Human input node (key `resume:<path>`)
    {"kind": "patch", "state": {"input"?: {...}, "vars"?: {...}, "nodes"?: {"<path>": {"output": ...}}}}
A patched node counts as completed with the given output. Other kinds are ignored by the engine.

Retry from failure = a new run whose store is pre-filled with `retry_deltas(old deltas)`; a fork =
a new run pre-filled with `fork_deltas(old deltas, checkpoint, state_patch)`. The new run is then
executed normally: completed nodes are replayed from their deltas (no tokens paid twice), the rest runs.
"""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from runtime.errors import InputInvalid

NODE = "node"
RESUME = "resume"
PATCH = "patch"


def checkpoint_key(delta: dict[str, Any]) -> str:
    """The store key of a delta (`node:<path>`, `resume:<path>`, `patch`)."""
    kind = delta.get("kind")
    return PATCH if kind == PATCH else f"{kind}:{delta.get('node')}"


def split_path(path: str) -> tuple[str, str]:
    """`loop1[3]/b` -> (`loop1[3]/`, `b`); a top-level id has the empty prefix."""
    cut = path.rfind("/") + 1
    return path[:cut], path[cut:]


def top_level_id(path: str) -> str:
    """The id of the top-level node a path belongs to (`loop1[3]/b` -> `loop1`)."""
    head = path.split("/", 1)[0]
    return head.split("[", 1)[0]


def _deep_merge(base: dict[str, Any], patch: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in patch.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged


class RunMemory:
    """The fold of a run's deltas: node records by scope prefix, human answers, state patches."""

    def __init__(self) -> None:
        self.scopes: dict[str, dict[str, dict[str, Any]]] = {"": {}}
        self.resumes: dict[str, Any] = {}
        self.input_patch: dict[str, Any] = {}
        self.vars_patch: dict[str, Any] = {}
        self.steps = 0
        self.usage = {"input_tokens": 0, "output_tokens": 0, "cost_usd": 0.0}

    @classmethod
    def fold(cls, deltas: Iterable[dict[str, Any]]) -> RunMemory:
        """Rebuild the memory from deltas, oldest first (later deltas win)."""
        memory = cls()
        for delta in deltas:
            kind = delta.get("kind")
            if kind == NODE:
                memory.add_record(delta)
            elif kind == RESUME:
                memory.resumes[str(delta["node"])] = delta.get("input")
            elif kind == PATCH:
                memory.apply_patch(delta.get("state") or {})
        return memory

    def records(self, prefix: str) -> dict[str, dict[str, Any]]:
        """The records of one scope (top level: prefix ``""``), created empty if new."""
        return self.scopes.setdefault(prefix, {})

    def add_record(self, record: dict[str, Any]) -> None:
        prefix, local = split_path(str(record["node"]))
        self.records(prefix)[local] = record
        self.steps += 1
        usage = record.get("usage")
        if usage:
            add_usage(self.usage, usage)

    def apply_patch(self, state: dict[str, Any]) -> None:
        """Apply a fork's state patch: merge `input` and `vars`, set node outputs as completed."""
        if isinstance(state.get("input"), dict):
            self.input_patch = _deep_merge(self.input_patch, state["input"])
        if isinstance(state.get("vars"), dict):
            self.vars_patch = _deep_merge(self.vars_patch, state["vars"])
        for path, patch in (state.get("nodes") or {}).items():
            prefix, local = split_path(path)
            current = self.records(prefix).get(local) or {"kind": NODE, "node": path, "status": "completed"}
            record = _deep_merge(current, patch if isinstance(patch, dict) else {"output": patch})
            record["status"] = record.get("status") or "completed"
            self.records(prefix)[local] = record

    def initial_input(self, input: Any) -> Any:
        if not self.input_patch:
            return input
        if not isinstance(input, dict):
            raise InputInvalid("a state patch of `input` needs an object input")
        return _deep_merge(input, self.input_patch)

    def initial_vars(self, defaults: dict[str, Any]) -> dict[str, Any]:
        return _deep_merge(defaults, self.vars_patch) if self.vars_patch else dict(defaults)


def add_usage(total: dict[str, Any], usage: dict[str, Any]) -> None:
    """Add one node's usage to a running total."""
    total["input_tokens"] += int(usage.get("input_tokens") or 0)
    total["output_tokens"] += int(usage.get("output_tokens") or 0)
    total["cost_usd"] += float(usage.get("cost_usd") or 0.0)


def list_checkpoints(deltas: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Forkable checkpoints of a run: `{checkpoint, key, node, status}`; `checkpoint` counts deltas (1-based)."""
    return [{"checkpoint": i, "key": checkpoint_key(d), "node": d.get("node"), "status": d.get("status")}
            for i, d in enumerate(deltas, start=1) if d.get("kind") == NODE]


def retry_deltas(deltas: list[dict[str, Any]], *, from_node: str | None = None,
                 graph: dict[str, Any] | None = None) -> list[tuple[str, dict[str, Any]]]:
    """Deltas to pre-fill a retry run with: everything completed, except (with `from_node`, a
    top-level node id, and the graph) that node and every node downstream of it, which run again."""
    dropped: set[str] = set()
    if from_node is not None:
        if graph is None:
            raise InputInvalid("retry from a node needs the graph", field="from_node")
        dropped = downstream_of(graph, from_node)
    return [(checkpoint_key(d), d) for d in deltas
            if not (d.get("kind") == NODE and top_level_id(str(d.get("node"))) in dropped)]


def fork_deltas(deltas: list[dict[str, Any]], checkpoint: int,
                state_patch: dict[str, Any] | None = None) -> list[tuple[str, dict[str, Any]]]:
    """Deltas to pre-fill a fork with: the first `checkpoint` deltas, then the optional state patch."""
    if not 0 <= checkpoint <= len(deltas):
        raise InputInvalid(f"checkpoint must be between 0 and {len(deltas)}", field="checkpoint")
    kept = [(checkpoint_key(d), d) for d in deltas[:checkpoint]]
    if state_patch:
        kept.append((PATCH, {"kind": PATCH, "state": state_patch}))
    return kept


def downstream_of(graph: dict[str, Any], node_id: str) -> set[str]:
    """`node_id` and every top-level node reachable from it (ports and error routes alike)."""
    ids = {n.get("id") for n in graph.get("nodes", [])}
    if node_id not in ids:
        raise InputInvalid(f"unknown node {node_id!r}", field="from_node")
    successors: dict[str, list[str]] = {}
    for edge in graph.get("edges", []):
        successors.setdefault(edge.get("from"), []).append(edge.get("to"))
    seen, stack = {node_id}, [node_id]
    while stack:
        for nxt in successors.get(stack.pop(), []):
            if nxt not in seen:
                seen.add(nxt)
                stack.append(nxt)
    return seen
