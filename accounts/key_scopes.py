"""API key scopes: a key may be narrowed below its role (`read_only`, `runs_only`); `""` = the role's
whole permission set. Checked with the role by every API view (accounts.permissions) and by the
OpenAI-compatible and MCP surfaces (surfaces.access)."""
from __future__ import annotations

FULL, READ_ONLY, RUNS_ONLY = "", "read_only", "runs_only"
SCOPE_CHOICES = [(FULL, "full (the role's permissions)"), (READ_ONLY, "read-only"),
                 (RUNS_ONLY, "runs only (create, read, cancel and resume runs; read traces)")]
SCOPES = tuple(value for value, _ in SCOPE_CHOICES)
RUN_PATHS = ("/api/v1/runs", "/api/v1/traces")
READ = "read_project"


def scope_allows(scope: str, permission: str, path: str | None = None) -> bool:
    """Whether a key of `scope` may use `permission` (on the API `path`, when there is one)."""
    if scope == READ_ONLY:
        return permission == READ
    if scope == RUNS_ONLY:
        return permission in (READ, "write_project") and (path is None or path.startswith(RUN_PATHS))
    return True
