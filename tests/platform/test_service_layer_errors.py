"""Services, selectors and body rules raise domain errors (agent_platform/service_errors.py), never the
HTTP types: no `services.py` / `selectors.py` / `spec.py` (or `*_services.py` / `*_selectors.py`)
outside `api/` packages and admin modules imports `agent_platform.api.errors` or `rest_framework`,
at module level or inside a function. The mapping to problem+json happens once, in
agent_platform/api/errors.py.
"""
from __future__ import annotations

import ast
from pathlib import Path

from tests.platform.test_import_cycles import PACKAGES, ROOT, _runtime_imports

HTTP_MODULES = ("agent_platform.api", "rest_framework")

ALLOWED: set[str] = set()  # every service-layer module raises domain errors


def service_layer_modules(root: Path = ROOT) -> list[Path]:
    found = []
    for package in PACKAGES:
        for path in sorted((root / package).rglob("*.py")):
            parts = path.relative_to(root).parts
            if {"api", "migrations", "tests"} & set(parts[:-1]) or "admin" in path.name:
                continue
            if path.name in ("services.py", "selectors.py", "spec.py") or path.name.endswith(
                    ("_services.py", "_selectors.py")):
                found.append(path)
    return found


def http_imports(path: Path) -> list[str]:
    """`module (line)` for each import of an HTTP error type or of DRF in `path`."""
    found = []
    for node in _runtime_imports(ast.parse(path.read_text(), filename=str(path))):
        names = [alias.name for alias in node.names] if isinstance(node, ast.Import) else [node.module or ""]
        found += [f"{name} (line {node.lineno})" for name in names
                  if any(name == m or name.startswith(m + ".") for m in HTTP_MODULES)]
    return found


def test_the_check_finds_module_level_and_function_local_http_imports(tmp_path):
    module = tmp_path / "services.py"
    module.write_text("from agent_platform.api.errors import FieldError\n"
                      "from agent_platform.service_errors import InvalidField\n"
                      "def f():\n    import rest_framework.exceptions\n")
    assert http_imports(module) == ["agent_platform.api.errors (line 1)", "rest_framework.exceptions (line 4)"]


def test_the_check_covers_the_service_layer_of_every_app():
    names = {str(path.relative_to(ROOT)) for path in service_layer_modules()}
    assert {"accounts/services.py", "agent_platform/definitions/services.py", "rag/selectors.py",
            "tools/mcp_services.py", "agents/spec.py", "runs/services.py"} <= names
    assert not any("/api/" in name or "admin" in name for name in names)


def test_services_selectors_and_body_rules_import_no_http_error_types():
    offenders = {}
    for path in service_layer_modules():
        relative = str(path.relative_to(ROOT))
        if relative not in ALLOWED and (found := http_imports(path)):
            offenders[relative] = found
    assert not offenders, "raise agent_platform.service_errors types instead:\n" + "\n".join(
        f"  {name}: {', '.join(found)}" for name, found in sorted(offenders.items()))


def test_the_allow_list_names_only_modules_that_still_need_it():
    """A converted module leaves the allow-list (so it cannot slip back)."""
    stale = sorted(name for name in ALLOWED if not http_imports(ROOT / name))
    assert not stale, f"converted, remove from ALLOWED: {stale}"
