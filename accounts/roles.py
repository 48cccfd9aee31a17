"""Project roles and the permission matrix (documented in docs/permissions.md).

Each role holds the permissions of the roles below it. Permissions are django-guardian
object permissions on `Project`; API keys carry a role directly and get the same set.
"""
from __future__ import annotations

VIEWER, DEVELOPER, ADMIN, OWNER = "viewer", "developer", "admin", "owner"
ROLES = (VIEWER, DEVELOPER, ADMIN, OWNER)
ROLE_CHOICES = [(r, r) for r in ROLES]

#: codename -> what it allows
PERMISSIONS = {
    "read_project": "read everything in the project: definitions, runs, events, traces, datasets, evals",
    "write_project": "create and edit agents, tools, workflows, knowledge bases, datasets; start, cancel "
                     "and resume runs; invoke tools; promote to dev and stage",
    "deploy_project": "promote versions to prod; delete definitions",
    "manage_project": "manage secrets, API keys and members (except owners)",
    "own_project": "manage owners, rename or delete the project",
}

ROLE_PERMISSIONS: dict[str, frozenset[str]] = {
    VIEWER: frozenset({"read_project"}),
    DEVELOPER: frozenset({"read_project", "write_project"}),
    ADMIN: frozenset({"read_project", "write_project", "deploy_project", "manage_project"}),
    OWNER: frozenset(PERMISSIONS),
}


def role_allows(role: str, permission: str) -> bool:
    return permission in ROLE_PERMISSIONS.get(role, frozenset())


def role_rank(role: str) -> int:
    return ROLES.index(role)
