"""Workflows in the admin console: the versioned-definition admin (agent_platform/definitions/admin.py)
for the workflow kind: a JSON editor for new versions validated like the API (errors per node and
field, a preview diagram), the graph rendered as a diagram on the version and workflow pages."""
from __future__ import annotations

import json

from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from agent_platform.definitions import admin as definitions
from agent_platform.definitions.admin_forms import JsonBodyForm
from runtime.graph import node_types
from workflows.diagram import graph_svg
from workflows.models import WORKFLOWS

STARTER_BODY = {"graph": {"nodes": [{"id": "start", "type": "start"},
                                    {"id": "end", "type": "end", "inputs": {"echo": "$.input"}}],
                          "edges": [{"from": "start", "to": "end"}]}}


def diagram_html(graph) -> str:
    """The graph's SVG diagram, scrollable (every label in it is escaped by `graph_svg`)."""
    return format_html('<div class="wf-diagram" style="overflow:auto; max-width:100%">{}</div>',
                       mark_safe(graph_svg(graph)))  # noqa: S308


class WorkflowVersionForm(JsonBodyForm):
    starter_body = STARTER_BODY
    error_prefix = "graph.nodes."
    body_help = '{"graph": {"nodes": [...], "edges": [...]}, "input_schema"?: {...}, "limits"?: {...}}'


def _latest_diagram(workflow) -> str:
    latest = workflow.versions.order_by("-number").first()
    return diagram_html(latest.body.get("graph")) if latest else "—"


class WorkflowAdmin(definitions.DefinitionAdmin):
    kind = WORKFLOWS
    version_form = WorkflowVersionForm
    after_new_version = "version"
    new_version_submit = "Validate and create version"
    new_version_help = mark_safe(  # noqa: S308 - constant text
        "The body is validated before it is saved: node types and configs, edges and ports, Start/End, "
        "reachability, cycles (repeat work with a Loop node), Joins, expressions, schema types between nodes, "
        "and references to agents, tools and knowledge bases (see <code>docs/workflows.md</code>).")
    version_columns = (definitions.Column("nodes", "nodes",
                                          lambda version: len(version.body.get("graph", {}).get("nodes", []))),)
    version_fields = (definitions.Column("diagram", "graph",
                                         lambda version: diagram_html((version.body or {}).get("graph"))),)
    definition_fields = (definitions.Column("latest_diagram", "graph of the latest version", _latest_diagram),)

    def new_version_extra(self, body: dict | None) -> str:
        """The diagram of what parses, and every node type's config schema."""
        graph = (STARTER_BODY if body is None else body).get("graph")
        preview = format_html(
            '<h2>Diagram</h2><div class="wf-diagram" style="overflow:auto; border:1px solid var(--hairline-color);'
            ' padding:8px; background:#fff">{}</div>', mark_safe(graph_svg(graph))) if isinstance(graph, dict) else ""
        schemas = format_html_join("", '<h3>{}</h3><pre class="ac-json">{}</pre>', sorted(
            (name, json.dumps(cls.config_schema, indent=1)) for name, cls in node_types().items()))
        return format_html("{}<details><summary>Node types and their config schemas</summary>{}</details>",
                           preview, schemas)


definitions.register(WorkflowAdmin)
