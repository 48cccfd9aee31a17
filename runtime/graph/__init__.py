"""The workflow graph engine: typed DAGs of nodes, validated before save, executed with parallel
branches, per-node policies and one checkpoint delta per completed node (resumable, forkable).

Entry points for the Django side:
- `validate_graph(graph) -> list[GraphError]` before saving a workflow version;
- `compile_graph(graph)` once per version (cacheable), `run_graph(...)` per run (also to resume);
- `check_resume_input` / `resume_delta` to answer a Human input pause;
- `retry_deltas` / `fork_deltas` / `list_checkpoints` to retry a failed run or fork one.
"""
from runtime.graph.checkpoints import RunMemory, fork_deltas, list_checkpoints, retry_deltas
from runtime.graph.compiled import CompiledGraph, compile_graph
from runtime.graph.context import RunLimits
from runtime.graph.executor import GraphResult, run_graph
from runtime.graph.nodes import node_class, node_types, register
from runtime.graph.resume import check_resume_input, find_node, resume_delta
from runtime.graph.services import (
    AgentRunner,
    CodeRunner,
    GraphServices,
    PromptModel,
    Retriever,
    ServiceContext,
    ToolInvoker,
)
from runtime.graph.validate import GraphError, assert_valid, validate_graph

__all__ = [
    "AgentRunner", "CodeRunner", "CompiledGraph", "GraphError", "GraphResult", "GraphServices", "PromptModel",
    "Retriever", "RunLimits", "RunMemory", "ServiceContext", "ToolInvoker", "assert_valid", "check_resume_input",
    "compile_graph", "find_node", "fork_deltas", "list_checkpoints", "node_class", "node_types", "register",
    "resume_delta", "retry_deltas", "run_graph", "validate_graph",
]
