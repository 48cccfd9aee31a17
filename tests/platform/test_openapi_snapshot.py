"""The served OpenAPI document keeps its shape: the same paths, operations, parameters, request
bodies, responses and component schemas as the committed snapshot
`tests/platform/fixtures/openapi_before_definitions.json` (the schema of the commit before the
versioned-definition layer, issue 11). Description and summary texts and the order of lists that
are sets (`required`, `enum`, parameters) are ignored; everything else must be equal.

When the API changes ON PURPOSE, regenerate the snapshot and commit it with the change:

    cd /work/main && OPENAPI_SNAPSHOT_WRITE=1 PLATFORM_VAR_DIR=$PWD/var/test \\
        .venv/bin/python -m pytest -q -p no:cacheprovider tests/platform/test_openapi_snapshot.py

(the test then writes the served document to the fixture and is skipped).
"""
from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

FIXTURE = Path(__file__).parent / "fixtures" / "openapi_before_definitions.json"
IGNORED_KEYS = {"description", "summary"}
SET_LIKE = {"required", "enum", "tags"}
METHODS = ("get", "put", "post", "delete", "patch", "head", "options", "trace")


def normalise(value: Any, key: str | None = None) -> Any:
    """Drop prose, sort set-like lists, key parameters by (in, name)."""
    if isinstance(value, dict):
        return {k: normalise(v, k) for k, v in sorted(value.items()) if k not in IGNORED_KEYS}
    if isinstance(value, list):
        items = [normalise(item) for item in value]
        if key == "parameters":
            return sorted(items, key=lambda p: (p.get("in", ""), p.get("name", ""), json.dumps(p, sort_keys=True)))
        if key in SET_LIKE:
            return sorted(items, key=lambda item: json.dumps(item, sort_keys=True))
        return items
    return value


def served_document(client) -> dict:
    response = client.get("/api/v1/schema/", {"format": "json"})
    assert response.status_code == 200
    return json.loads(response.content)


def differences(before: dict, after: dict, where: str = "") -> list[str]:
    """Readable differences between two normalised documents (first 40)."""
    found: list[str] = []
    if isinstance(before, dict) and isinstance(after, dict):
        for key in sorted(set(before) | set(after)):
            here = f"{where}/{key}"
            if key not in after:
                found.append(f"missing now: {here}")
            elif key not in before:
                found.append(f"new: {here}")
            else:
                found.extend(differences(before[key], after[key], here))
    elif before != after:
        found.append(f"changed: {where}: {json.dumps(before)[:200]} -> {json.dumps(after)[:200]}")
    return found[:40]


@pytest.mark.django_db
def test_served_schema_matches_the_snapshot(client):
    document = served_document(client)
    if os.environ.get("OPENAPI_SNAPSHOT_WRITE") == "1":
        FIXTURE.parent.mkdir(parents=True, exist_ok=True)
        FIXTURE.write_text(json.dumps(document, indent=1, sort_keys=True) + "\n")
        pytest.skip(f"wrote {FIXTURE}")
    before = json.loads(FIXTURE.read_text())
    assert sorted(document["paths"]) == sorted(before["paths"])
    operations = {(path, method) for path, item in document["paths"].items() for method in item if method in METHODS}
    assert operations == {(path, method) for path, item in before["paths"].items() for method in item
                          if method in METHODS}
    assert sorted(document["components"]["schemas"]) == sorted(before["components"]["schemas"])
    for part in ("paths", "components"):
        assert not differences(normalise(before[part]), normalise(document[part]), part)


def test_normalising_ignores_prose_and_order_but_not_shapes():
    one = {"required": ["b", "a"], "description": "x", "properties": {"a": {"type": "string"}}}
    two = {"required": ["a", "b"], "description": "y", "properties": {"a": {"type": "string"}}}
    assert normalise(one) == normalise(two)
    three = {**two, "properties": {"a": {"type": "integer"}}}
    assert differences(normalise(one), normalise(three)) == [
        'changed: /properties/a/type: "string" -> "integer"']
