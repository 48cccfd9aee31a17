"""The safe state-mapping language of workflow graphs (no `eval`).

Three forms, each compiled once into a plain Python closure:

- **values** (node `inputs`, operands of conditions): a path string `"$.nodes.search.output.hits[0].text"`,
  a template string `"Hi {{ $.input.name }}"` (always renders to a string), any other JSON literal, or a
  list/object whose members are themselves values. `{"$literal": x}` yields `x` untouched (to pass a string
  that starts with `$.` or contains `{{`).
- **paths**: `$` then `.name`, `[3]`, `[-1]` or `["key"]` segments. The first segment is a root of the
  scope: `input`, `nodes`, `vars`, `loop` (inside Loop/Map bodies), `inputs` (the node's own resolved
  inputs, in config templates and conditions). A missing key or index yields `None`, never an error.
- **conditions**: `true`/`false`, a value (its truthiness), `{"all": [...]}`, `{"any": [...]}`, `{"not": c}`
  and `{"left": value, "op": OP, "right": value}` with OP one of `eq ne gt gte lt lte contains in exists
  empty matches`. Comparisons between incomparable types are false.
"""
from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from runtime.errors import ExpressionInvalid
from runtime.user_regex import UnsupportedRegex, compile_user_regex

ROOTS = frozenset({"input", "nodes", "vars", "loop", "inputs"})
OPS = frozenset({"eq", "ne", "gt", "gte", "lt", "lte", "contains", "in", "exists", "empty", "matches"})
UNARY_OPS = frozenset({"exists", "empty"})

Scope = dict[str, Any]
Segment = str | int

_IDENT = r"[A-Za-z_][A-Za-z0-9_\-]*"
_SEGMENT_RE = re.compile(rf"\.({_IDENT})|\[(-?\d+)\]|\[\"((?:[^\"\\]|\\.)*)\"\]|\['([^']*)'\]")
_TEMPLATE_RE = re.compile(r"\{\{(.*?)\}\}", re.DOTALL)


@dataclass(frozen=True)
class Path:
    """A parsed path: its source text and segments (the first is the root)."""

    source: str
    segments: tuple[Segment, ...]

    @property
    def root(self) -> str:
        return str(self.segments[0])


@dataclass
class Compiled:
    """A compiled value or condition: call `evaluate(scope)`; `paths` lists every path it reads."""

    evaluate: Callable[[Scope], Any]
    kind: str  # "path" | "literal" | "template" | "object" | "list" | "condition"
    paths: tuple[Path, ...] = ()
    literal: Any = None
    source: Any = field(default=None, repr=False)


def parse_path(text: str) -> Path:
    """Parse `$.a.b[0]["c"]` into segments; raise `ExpressionInvalid` on bad syntax or an unknown root."""
    if not text.startswith("$"):
        raise ExpressionInvalid(f"path must start with '$': {text!r}")
    segments: list[Segment] = []
    pos = 1
    while pos < len(text):
        match = _SEGMENT_RE.match(text, pos)
        if match is None:
            raise ExpressionInvalid(f"bad path syntax at position {pos}: {text!r}")
        name, index, dquoted, squoted = match.groups()
        if name is not None:
            segments.append(name)
        elif index is not None:
            segments.append(int(index))
        else:
            segments.append(json.loads(f'"{dquoted}"') if dquoted is not None else squoted)
        pos = match.end()
    if not segments or not isinstance(segments[0], str):
        raise ExpressionInvalid(f"path must name a root ({', '.join(sorted(ROOTS))}): {text!r}")
    if segments[0] not in ROOTS:
        raise ExpressionInvalid(f"unknown path root {segments[0]!r} in {text!r}; use one of {sorted(ROOTS)}")
    return Path(text, tuple(segments))


def _getter(segments: tuple[Segment, ...]) -> Callable[[Scope], Any]:
    if len(segments) == 1:
        key = str(segments[0])
        return lambda scope: scope.get(key)

    def get(scope: Scope) -> Any:
        value: Any = scope
        for seg in segments:
            try:
                value = value[seg]
            except (KeyError, IndexError, TypeError):
                return None
        return value

    return get


def to_text(value: Any) -> str:
    """How a value is rendered inside a template."""
    if type(value) is str:
        return value
    if value is None:
        return ""
    if value is True or value is False:
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    return json.dumps(value, ensure_ascii=False, default=str)


def _compile_template(text: str) -> Compiled:
    parts: list[Any] = []
    paths: list[Path] = []
    pos = 0
    for match in _TEMPLATE_RE.finditer(text):
        if match.start() > pos:
            parts.append(text[pos:match.start()])
        path = parse_path(match.group(1).strip())
        paths.append(path)
        parts.append(_getter(path.segments))
        pos = match.end()
    tail = text[pos:]
    if "{{" in tail or "}}" in tail:
        raise ExpressionInvalid(f"unbalanced '{{{{ }}}}' in template {text!r}")
    if tail:
        parts.append(tail)

    def render(scope: Scope) -> str:
        return "".join(p if type(p) is str else to_text(p(scope)) for p in parts)

    return Compiled(render, "template", tuple(paths), source=text)


@lru_cache(maxsize=4096)
def _compile_string(text: str) -> Compiled:
    if text.startswith(("$.", "$[")) or text == "$":
        path = parse_path(text)
        return Compiled(_getter(path.segments), "path", (path,), source=text)
    if "{{" in text or "}}" in text:
        return _compile_template(text)
    return _literal(text)


def _literal(value: Any) -> Compiled:
    return Compiled(lambda scope: value, "literal", (), literal=value, source=value)


def compile_value(raw: Any) -> Compiled:
    """Compile a value expression (path, template, literal, or list/object of values)."""
    if type(raw) is str:
        return _compile_string(raw)
    if isinstance(raw, dict):
        if len(raw) == 1 and "$literal" in raw:
            return _literal(raw["$literal"])
        members = {str(k): compile_value(v) for k, v in raw.items()}
        paths = tuple(p for c in members.values() for p in c.paths)
        if all(c.kind == "literal" for c in members.values()):
            return _literal({k: c.literal for k, c in members.items()})
        items = tuple((k, c.evaluate) for k, c in members.items())
        return Compiled(lambda scope: {k: f(scope) for k, f in items}, "object", paths, source=raw)
    if isinstance(raw, list):
        elements = [compile_value(v) for v in raw]
        if all(c.kind == "literal" for c in elements):
            return _literal([c.literal for c in elements])
        funcs = tuple(c.evaluate for c in elements)
        paths = tuple(p for c in elements for p in c.paths)
        return Compiled(lambda scope: [f(scope) for f in funcs], "list", paths, source=raw)
    if raw is None or isinstance(raw, (bool, int, float)):
        return _literal(raw)
    raise ExpressionInvalid(f"not a JSON value: {type(raw).__name__}")


def compile_template(text: Any) -> Compiled:
    """Compile a string that is always a template (prompt text): `{{ path }}` placeholders, rest literal."""
    if not isinstance(text, str):
        raise ExpressionInvalid("a template must be a string")
    return _compile_template(text)


def _ordered(op: str) -> Callable[[Any, Any], bool]:
    compare = {"gt": lambda a, b: a > b, "gte": lambda a, b: a >= b,
               "lt": lambda a, b: a < b, "lte": lambda a, b: a <= b}[op]

    def check(left: Any, right: Any) -> bool:
        if left is None or right is None or isinstance(left, bool) or isinstance(right, bool):
            return False
        try:
            return bool(compare(left, right))
        except TypeError:
            return False

    return check


def _contains(container: Any, member: Any) -> bool:
    if isinstance(container, str):
        return isinstance(member, str) and member in container
    if isinstance(container, (list, tuple, dict)):
        try:
            return member in container
        except TypeError:  # unhashable member tested against a dict
            return False
    return False


def _empty(value: Any, _: Any = None) -> bool:
    return value is None or (isinstance(value, (str, list, tuple, dict)) and len(value) == 0)


def _matches(value: Any, pattern: Any) -> bool:
    """RE2 search (linear time, so no pattern can stall the worker); a bad pattern matches nothing."""
    if not isinstance(value, str) or not isinstance(pattern, str):
        return False
    try:
        return compile_user_regex(pattern, field="right").search(value) is not None
    except UnsupportedRegex:
        return False


_BINARY: dict[str, Callable[[Any, Any], bool]] = {
    "eq": lambda a, b: a == b,
    "ne": lambda a, b: a != b,
    "gt": _ordered("gt"), "gte": _ordered("gte"), "lt": _ordered("lt"), "lte": _ordered("lte"),
    "contains": _contains,
    "in": lambda a, b: _contains(b, a),
    "exists": lambda a, _: a is not None,
    "empty": _empty,
    "matches": _matches,
}


def _compile_comparison(raw: dict[str, Any]) -> Compiled:
    op = raw.get("op")
    if op not in OPS:
        raise ExpressionInvalid(f"unknown condition op {op!r}; use one of {sorted(OPS)}")
    if "left" not in raw:
        raise ExpressionInvalid(f"condition with op {op!r} needs 'left'")
    if op not in UNARY_OPS and "right" not in raw:
        raise ExpressionInvalid(f"condition with op {op!r} needs 'right'")
    unknown = set(raw) - {"left", "op", "right"}
    if unknown:
        raise ExpressionInvalid(f"unknown condition keys {sorted(unknown)}")
    left = compile_value(raw["left"])
    right = compile_value(raw.get("right"))
    if op == "matches" and right.kind == "literal":
        try:
            compile_user_regex(str(right.literal), field="right")
        except UnsupportedRegex as exc:
            raise ExpressionInvalid(f"condition 'matches': {exc}", field="right") from None
    check, lf, rf = _BINARY[op], left.evaluate, right.evaluate
    return Compiled(lambda scope: check(lf(scope), rf(scope)), "condition", left.paths + right.paths, source=raw)


def _compile_group(key: str, raw: dict[str, Any]) -> Compiled:
    if len(raw) != 1 or not isinstance(raw[key], list):
        raise ExpressionInvalid(f"'{key}' takes a list of conditions and nothing else")
    subs = [compile_condition(c) for c in raw[key]]
    funcs = tuple(c.evaluate for c in subs)
    paths = tuple(p for c in subs for p in c.paths)
    combine = all if key == "all" else any
    return Compiled(lambda scope: combine(f(scope) for f in funcs), "condition", paths, source=raw)


def compile_condition(raw: Any) -> Compiled:
    """Compile a condition into a closure returning a bool."""
    if raw is True or raw is False:
        return Compiled(lambda scope: raw, "condition", (), literal=raw, source=raw)
    if isinstance(raw, str):
        value = compile_value(raw)
        fn = value.evaluate
        return Compiled(lambda scope: bool(fn(scope)), "condition", value.paths, source=raw)
    if not isinstance(raw, dict):
        raise ExpressionInvalid(f"a condition must be an object, a boolean or a path, not {type(raw).__name__}")
    group = "all" if "all" in raw else "any" if "any" in raw else None
    if group is not None:
        return _compile_group(group, raw)
    if "not" in raw:
        if len(raw) != 1:
            raise ExpressionInvalid("'not' takes one condition and nothing else")
        inner = compile_condition(raw["not"])
        fn = inner.evaluate
        return Compiled(lambda scope: not fn(scope), "condition", inner.paths, source=raw)
    return _compile_comparison(raw)


def compile_mapping(mapping: dict[str, Any]) -> tuple[tuple[str, Callable[[Scope], Any]], ...]:
    """Compile a node's `inputs` mapping into `(name, evaluate)` pairs, resolved in order."""
    return tuple((name, compile_value(raw).evaluate) for name, raw in mapping.items())
