"""Knowledge attached to an agent version: retrieve for the user's message, assemble the
chunks into a cited context, and prepend it to the agent's instructions.

Each entry of the version's `knowledge` list (`{knowledge_base, top_k?, filter?, mode?,
assembly?}`, see agents/spec.py) is searched with the run's retriever inside a `retrieval` span
that records the query, filter, hits and scores, and emits `retrieval.completed` through the
run's event sink. The hits of all entries are assembled once (`runtime.rag.assembly`) under the
first entry's `assembly` policy (token budget, ordering, dedupe, citation markers `[n]`, and
the "no answer found" instruction when nothing relevant was found).

The query is the user's message after the version's input guardrails (a PII rewrite applies to
the search too; a blocked message is not searched). A resumed run (its checkpoints already hold
the initial messages) does not search again.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from runtime.agent.context import AgentContext, NullSink
from runtime.errors import AgentSpecInvalid, GuardrailBlocked
from runtime.guardrails import apply_guardrails, build_guardrails
from runtime.rag.assembly import AssembledContext, AssemblyPolicy, assemble
from runtime.rag.hits import Hit
from runtime.rag.retrieval import traced_search

DEFAULT_TOP_K = 5


class _WithMode:
    """Passes an entry's `mode` (vector | hybrid) to the project retriever."""

    def __init__(self, retriever: Any, mode: str | None) -> None:
        self.retriever, self.mode = retriever, mode

    def search(self, knowledge_base: str, query: str, top_k: int, filter: Mapping[str, Any] | None, *,
               project_id: str | None = None) -> Sequence[Any]:
        if self.mode is None:
            return self.retriever.search(knowledge_base, query, top_k, filter, project_id=project_id)
        return self.retriever.search(knowledge_base, query, top_k, filter, project_id=project_id, mode=self.mode)


def agent_knowledge_context(entries: Sequence[Mapping[str, Any]], message: str, ctx: AgentContext) -> AssembledContext:
    """Search every entry (one traced retrieval each) and assemble the hits into one context."""
    retriever = ctx.services.get("retriever")
    if retriever is None:
        raise AgentSpecInvalid("the agent has knowledge attached but this run has no retriever service")
    hits: list[Hit] = []
    for entry in entries:
        hits += traced_search(_WithMode(retriever, entry.get("mode")), knowledge_base=entry["knowledge_base"],
                              query=message, top_k=int(entry.get("top_k") or DEFAULT_TOP_K),
                              filter=entry.get("filter"), project_id=ctx.project_id, tracer=ctx.tracer,
                              parent_id=ctx.parent_span_id, sink=ctx.sink, node_id=ctx.node_id)
    policy = next((AssemblyPolicy.from_dict(e["assembly"]) for e in entries if e.get("assembly")), AssemblyPolicy())
    return assemble(sorted(hits, key=lambda h: -h.score), policy)


def _guarded_query(spec: Mapping[str, Any], message: str) -> str | None:
    """The message after the version's input guardrails (a PII rewrite must not reach the
    retrieval span or the embedding provider); None if they block it."""
    try:
        return apply_guardrails(build_guardrails(spec.get("guardrails") or ()), message, stage="input",
                                sink=NullSink())
    except GuardrailBlocked:
        return None


def with_knowledge(spec: dict[str, Any], input: Mapping[str, Any], *, ctx: AgentContext) -> dict[str, Any]:
    """The agent spec dict with the knowledge context prepended to its instructions (unchanged when
    the version has no knowledge, the input has no message, or the run is resuming)."""
    entries = spec.get("knowledge") or []
    message = input.get("message") if isinstance(input, Mapping) else None
    if not entries or not isinstance(message, str) or not message.strip():
        return spec
    if ctx.checkpoints.load_checkpoints(ctx.run_id):
        return spec  # the initial messages (with the context) are already in the checkpoints
    query = _guarded_query(spec, message)
    if query is None:
        return spec  # the loop's own input guardrails block the run
    context = agent_knowledge_context(entries, query, ctx)
    if not context.text:
        return spec
    instructions = spec.get("instructions") or ""
    return {**spec, "instructions": f"{context.text}\n\n{instructions}" if instructions else context.text}
