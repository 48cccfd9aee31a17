"""Prefixed opaque ids (`run_…`, `agt_…`). Each model's default is a module-level function
(migrations must be able to import it by name)."""
import uuid


def new_id(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex[:24]}"
