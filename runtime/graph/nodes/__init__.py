"""Node types of workflow graphs, one module per type, and the registry mapping type -> class.

Each module holds the type's typed config (a dataclass), its config JSON Schema, its declared IO
schemas and its executor (`execute`); errors are the typed ones of `runtime.errors`.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from runtime.graph.nodes.base import NodeType

_REGISTRY: dict[str, type[NodeType]] = {}


def register(cls: type[NodeType]) -> type[NodeType]:
    """Class decorator: make a node type available to graphs under `cls.type`."""
    _REGISTRY[cls.type] = cls
    return cls


def node_class(type_name: object) -> type[NodeType] | None:
    """The class of a node type, or None when the type is unknown."""
    return _REGISTRY.get(type_name) if isinstance(type_name, str) else None


def node_types() -> dict[str, type[NodeType]]:
    """Every registered node type (for the admin editor and validation messages)."""
    return dict(_REGISTRY)


# Import the built-in types so that they register themselves.
from runtime.graph.nodes import (  # noqa: E402, F401  (registration after the registry exists)
    agent,
    branch,
    code,
    end,
    http,
    human,
    join,
    loop,
    parallel_map,
    prompt,
    retrieval,
    start,
    tool,
    transform,
)
