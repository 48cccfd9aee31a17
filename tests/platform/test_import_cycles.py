"""No import cycle among the app modules, function-local imports included.

The test reads every module of the apps with `ast` (nothing is imported), resolves each import to
the module it loads — relative imports, `from package import module`, and the packages a dotted
import executes on the way — and fails with every strongly connected group of modules it finds,
one cycle and the import lines behind it for each. Imports under `if TYPE_CHECKING:` are left out:
they never run. `runtime/` is walked too: it imports no app (a separate rule), so a cycle
through it can only be among its own modules, and there must be none either.
"""
from __future__ import annotations

import ast
from collections import deque
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("runtime", "agent_platform", "agents", "tools", "rag", "workflows", "runs", "evals", "accounts",
            "alerts", "dashboards", "limits", "retention", "webhooks")


@dataclass(frozen=True)
class ImportEdge:
    source: str
    target: str
    where: str  # "path:line"


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def discover_modules() -> dict[str, Path]:
    modules: dict[str, Path] = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = path.relative_to(ROOT).parts
            if "migrations" in parts or "tests" in parts:
                continue
            modules[_module_name(path)] = path
    return modules


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _runtime_imports(tree: ast.AST) -> list[ast.Import | ast.ImportFrom]:
    """Every import statement that can run: module level, in functions and classes, not TYPE_CHECKING."""
    found: list[ast.Import | ast.ImportFrom] = []

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            found.append(node)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return found


def _resolve_from(module: str, is_package: bool, node: ast.ImportFrom) -> str:
    if not node.level:
        return node.module or ""
    base = module.split(".") if is_package else module.split(".")[:-1]
    if node.level > 1:
        base = base[: len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def _ancestors(name: str) -> list[str]:
    parts = name.split(".")
    return [".".join(parts[:i]) for i in range(1, len(parts))]


def imports_of(module: str, path: Path, modules: dict[str, Path], root: Path = ROOT) -> list[ImportEdge]:
    tree = ast.parse(path.read_text(), filename=str(path))
    is_package = path.name == "__init__.py"
    targets: list[tuple[str, int]] = []
    for node in _runtime_imports(tree):
        if isinstance(node, ast.Import):
            targets.extend((alias.name, node.lineno) for alias in node.names)
            continue
        base = _resolve_from(module, is_package, node)
        for alias in node.names:
            submodule = f"{base}.{alias.name}" if base else alias.name
            targets.append((submodule if submodule in modules else base, node.lineno))
    own_packages = set(_ancestors(module)) | ({module} if is_package else set())
    where_prefix = path.relative_to(root)
    edges: list[ImportEdge] = []
    for target, line in targets:
        # the deepest module of the dotted name that is ours, plus the packages it executes on the way
        while target and target not in modules:
            target = target.rpartition(".")[0]
        if not target:
            continue
        for name in [*_ancestors(target), target]:
            if name in modules and name != module and name not in own_packages:
                edges.append(ImportEdge(module, name, f"{where_prefix}:{line}"))
    return edges


def import_graph() -> tuple[dict[str, set[str]], dict[tuple[str, str], list[str]]]:
    modules = discover_modules()
    graph: dict[str, set[str]] = {name: set() for name in modules}
    where: dict[tuple[str, str], list[str]] = {}
    for name, path in modules.items():
        for edge in imports_of(name, path, modules):
            graph[name].add(edge.target)
            places = where.setdefault((edge.source, edge.target), [])
            if edge.where not in places:
                places.append(edge.where)
    return graph, where


def strongly_connected(graph: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's algorithm, iterative; groups of two or more modules (or one that imports itself)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []
    counter = 0
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            advanced = False
            for child in children:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                    advanced = True
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            if advanced:
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                group = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.append(member)
                    if member == node:
                        break
                if len(group) > 1 or node in graph[node]:
                    groups.append(sorted(group))
    return groups


def shortest_cycle(graph: dict[str, set[str]], group: list[str]) -> list[str]:
    members = set(group)
    start = group[0]
    parents: dict[str, str | None] = {start: None}
    queue = deque([start])
    while queue:
        node = queue.popleft()
        for child in sorted(graph[node] & members):
            if child == start:
                path = [node]
                while parents[path[-1]] is not None:
                    path.append(parents[path[-1]])  # type: ignore[arg-type]
                return [*reversed(path), start]
            if child not in parents:
                parents[child] = node
                queue.append(child)
    return group


def describe_cycles(graph, where) -> list[str]:
    lines = []
    for group in strongly_connected(graph):
        cycle = shortest_cycle(graph, group)
        lines.append(f"cycle among {len(group)} modules: " + " -> ".join(cycle))
        for source, target in zip(cycle, cycle[1:]):
            lines.append(f"    {source} -> {target} at {', '.join(where[(source, target)])}")
        if len(group) > len(cycle) - 1:
            lines.append("    also in this group: " + ", ".join(m for m in group if m not in cycle))
    return lines


def test_the_walk_sees_function_local_and_relative_imports():
    graph, where = import_graph()
    assert "runs.services" in graph and "agent_platform.settings" in graph and "runtime.graph.compiled" in graph
    assert not any(".migrations" in name or ".tests" in name for name in graph)
    # a module-level absolute import is an edge
    assert "accounts.models" in graph["accounts.services"]


def test_the_resolver_follows_function_local_relative_and_package_imports(tmp_path):
    (tmp_path / "pkg/sub").mkdir(parents=True)
    source = tmp_path / "pkg/a.py"
    source.write_text("from typing import TYPE_CHECKING\n"
                      "if TYPE_CHECKING:\n    from pkg import sub\n"
                      "def f():\n    from . import b\n    from .sub.c import thing\n    import pkg.sub.c\n")
    modules = {"pkg": tmp_path / "pkg/__init__.py", "pkg.a": source, "pkg.b": tmp_path / "pkg/b.py",
               "pkg.sub": tmp_path / "pkg/sub/__init__.py", "pkg.sub.c": tmp_path / "pkg/sub/c.py"}

    edges = imports_of("pkg.a", source, modules, root=tmp_path)

    # function-local and relative imports count; the TYPE_CHECKING one does not (line 3)
    assert {(edge.target, edge.where) for edge in edges} == {
        ("pkg.b", "pkg/a.py:5"), ("pkg.sub", "pkg/a.py:6"), ("pkg.sub.c", "pkg/a.py:6"),
        ("pkg.sub", "pkg/a.py:7"), ("pkg.sub.c", "pkg/a.py:7")}


def test_cycle_finder_reports_a_cycle():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert strongly_connected(graph) == [["a", "b", "c"]]
    assert shortest_cycle(graph, ["a", "b", "c"]) == ["a", "b", "c", "a"]


def test_no_import_cycle_among_app_modules():
    graph, where = import_graph()
    cycles = describe_cycles(graph, where)
    assert not cycles, "import cycles among app modules:\n" + "\n".join(cycles)
