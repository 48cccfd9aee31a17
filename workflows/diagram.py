"""A server-side SVG diagram of a workflow graph for the admin console (no JavaScript, no CDN).

Layered layout: a node's column is the length of the longest path from a source to it, nodes of a
column are stacked in definition order; edges are curves with their port as a label (error routes are
dashed red). Loop and Map nodes draw their body as a smaller diagram underneath the main one.
"""
from __future__ import annotations

from dataclasses import dataclass
from html import escape
from typing import Any

NODE_W, NODE_H, COL_GAP, ROW_GAP, MARGIN = 150, 46, 70, 24, 16
COLORS = {"start": "#d1fae5", "end": "#d1fae5", "agent": "#e0e7ff", "prompt": "#e0e7ff", "tool": "#fef3c7",
          "http": "#fef3c7", "retrieval": "#fce7f3", "code": "#f3f4f6", "branch": "#ffedd5", "join": "#ffedd5",
          "loop": "#cffafe", "map": "#cffafe", "human": "#fee2e2", "transform": "#f3f4f6"}


@dataclass
class Box:
    id: str
    type: str
    label: str
    x: int
    y: int


def layers(nodes: list[dict[str, Any]], edges: list[dict[str, Any]]) -> dict[str, int]:
    """Column of each node: longest path from a node without incoming edges (cycles are cut)."""
    ids = [n["id"] for n in nodes]
    succ: dict[str, list[str]] = {i: [] for i in ids}
    indegree = {i: 0 for i in ids}
    for edge in edges:
        src, dst = edge.get("from"), edge.get("to")
        if src in succ and dst in indegree:
            succ[src].append(dst)
            indegree[dst] += 1
    column = {i: 0 for i in ids}
    ready = [i for i in ids if indegree[i] == 0]
    seen: set[str] = set()
    while ready:
        current = ready.pop(0)
        seen.add(current)
        for nxt in succ[current]:
            column[nxt] = max(column[nxt], column[current] + 1)
            indegree[nxt] -= 1
            if indegree[nxt] == 0:
                ready.append(nxt)
    for leftover in (i for i in ids if i not in seen):  # on a cycle: put it after everything placed
        column[leftover] = max(column.values(), default=0) + 1
    return column


def _boxes(graph: dict[str, Any], top: int) -> tuple[list[Box], int, int]:
    nodes = [n for n in graph.get("nodes", []) if isinstance(n, dict) and isinstance(n.get("id"), str)]
    column = layers(nodes, [e for e in graph.get("edges", []) if isinstance(e, dict)])
    rows: dict[int, int] = {}
    boxes = []
    for node in nodes:
        col = column[node["id"]]
        row = rows.get(col, 0)
        rows[col] = row + 1
        label = node.get("name") or node["id"]
        boxes.append(Box(node["id"], str(node.get("type", "?")), str(label), MARGIN + col * (NODE_W + COL_GAP),
                         top + row * (NODE_H + ROW_GAP)))
    width = MARGIN * 2 + (max(column.values(), default=0) + 1) * (NODE_W + COL_GAP) - COL_GAP
    height = max(rows.values(), default=1) * (NODE_H + ROW_GAP) - ROW_GAP
    return boxes, width, height


def _edge_svg(src: Box, dst: Box, port: str | None) -> str:
    x1, y1 = src.x + NODE_W, src.y + NODE_H // 2
    x2, y2 = dst.x, dst.y + NODE_H // 2
    if dst.x <= src.x:  # a back or same-column edge: go around below
        x2 = dst.x + NODE_W // 2
        y2 = dst.y + NODE_H
    mid = (x1 + x2) // 2
    error = port == "on_error"
    style = 'stroke="#dc2626" stroke-dasharray="5,3"' if error else 'stroke="#6b7280"'
    path = f'<path d="M{x1},{y1} C{mid},{y1} {mid},{y2} {x2},{y2}" fill="none" {style} marker-end="url(#arrow)"/>'
    if port and port != "default":
        color = "#dc2626" if error else "#374151"
        path += (f'<text x="{mid}" y="{(y1 + y2) // 2 - 4}" font-size="10" text-anchor="middle" '
                 f'fill="{color}">{escape(port)}</text>')
    return path


def _node_svg(box: Box) -> str:
    fill = COLORS.get(box.type, "#ffffff")
    label = box.label if len(box.label) <= 20 else box.label[:19] + "…"
    return (f'<g class="node" data-node="{escape(box.id)}"><title>{escape(box.id)} ({escape(box.type)})</title>'
            f'<rect x="{box.x}" y="{box.y}" width="{NODE_W}" height="{NODE_H}" rx="8" fill="{fill}" '
            f'stroke="#374151"/><text x="{box.x + NODE_W // 2}" y="{box.y + 19}" font-size="12" font-weight="bold" '
            f'text-anchor="middle">{escape(label)}</text><text x="{box.x + NODE_W // 2}" y="{box.y + 35}" '
            f'font-size="10" fill="#4b5563" text-anchor="middle">{escape(box.type)}</text></g>')


def _section(graph: dict[str, Any], top: int, title: str | None) -> tuple[list[str], int, int]:
    parts: list[str] = []
    if title:
        parts.append(f'<text x="{MARGIN}" y="{top + 12}" font-size="12" fill="#0e7490">{escape(title)}</text>')
        top += 20
    boxes, width, height = _boxes(graph, top)
    by_id = {b.id: b for b in boxes}
    for edge in graph.get("edges", []):
        if isinstance(edge, dict) and edge.get("from") in by_id and edge.get("to") in by_id:
            parts.append(_edge_svg(by_id[edge["from"]], by_id[edge["to"]], edge.get("port")))
    parts.extend(_node_svg(b) for b in boxes)
    bottom = top + height
    for node in graph.get("nodes", []):
        body = (node.get("config") or {}).get("body") if isinstance(node, dict) else None
        if isinstance(body, dict) and node.get("type") in ("loop", "map"):
            nested, nested_width, bottom = _section(body, bottom + 30, f"body of {node['id']} ({node['type']})")
            parts.extend(nested)
            width = max(width, nested_width)
    return parts, width, bottom


def graph_svg(graph: dict[str, Any]) -> str:
    """The graph as an inline SVG document (safe to embed: every label is escaped)."""
    if not isinstance(graph, dict) or not isinstance(graph.get("nodes"), list):
        return '<svg xmlns="http://www.w3.org/2000/svg" width="300" height="30"><text y="20">no graph</text></svg>'
    parts, width, bottom = _section(graph, MARGIN, None)
    height = bottom + MARGIN
    defs = ('<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" '
            'orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#6b7280"/></marker></defs>')
    # Scales down to its container (never wider than its natural size), so a wide graph fits a
    # 1440 px page; the inline style works on pages that do not load console.css.
    return (f'<svg xmlns="http://www.w3.org/2000/svg" class="workflow-diagram" width="{width}" height="{height}" '
            f'viewBox="0 0 {width} {height}" style="max-width:100%;height:auto" font-family="sans-serif">'
            f'{defs}{"".join(parts)}</svg>')
