"""The real implementations of the graph engine's services for one workflow run (one module each):
agents (the agent loop), tools (call_tool), prompt models (the model router), retrieval (the RAG app)
and code (the sandboxed `code` tool). `build_services` wires them and resolves the graph's agent and
tool references once, on the worker's thread."""
from __future__ import annotations

from typing import Any

from runtime.graph import GraphServices
from tools.resolution import tool_services
from workflows.adapters.agents import LoopAgentRunner
from workflows.adapters.code import SandboxCodeRunner
from workflows.adapters.prompts import RouterPromptModel
from workflows.adapters.retrieval import ProjectRetrieverAdapter
from workflows.adapters.tools import ProjectToolInvoker
from workflows.graph_nodes import iter_nodes


def build_services(run, graph: dict[str, Any], *, store, control, secrets: dict[str, str]) -> GraphServices:
    """GraphServices for `run`, with the graph's agents and tools resolved up front."""
    project = run.project
    deadline = getattr(control, "deadline", None)
    tools = ProjectToolInvoker(project, run_id=run.pk, secrets=secrets, services=tool_services(project, run=run),
                               default_deadline=deadline)
    agents = LoopAgentRunner(run, store=store, control=control, secrets=secrets)
    for _, node in iter_nodes(graph):
        config = node.get("config") or {}
        if node.get("type") == "agent" and isinstance(config.get("agent"), str):
            agents.prepare(config["agent"])
        elif node.get("type") == "tool" and isinstance(config.get("tool"), str):
            tools.prepare(config["tool"], config.get("config") or {})
        elif node.get("type") == "http":
            tools.prepare("http", config.get("tool_config") or {})
    return GraphServices(agents=agents, tools=tools, models=RouterPromptModel(project, secrets=secrets,
                                                                              default_deadline=deadline),
                         retriever=ProjectRetrieverAdapter(project), code=SandboxCodeRunner(tools))
