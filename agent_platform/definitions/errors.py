"""Typed errors of the definition layer. They are `ApiError`s, so the one exception handler of
`agent_platform.api.errors` maps them to problem+json (type `.../problems/<default_code>`)."""
from __future__ import annotations

from agent_platform.api.errors import ApiError, Conflict


class PromotionGateFailed(Conflict):
    """A promotion gate (e.g. an evaluation threshold) refused the promotion: 409."""

    default_code, title = "promotion_gate_failed", "Promotion gate failed"

    def __init__(self, detail: str, *, gate: str = "", details: dict | None = None) -> None:
        super().__init__(detail, errors={"version": [detail]})
        self.gate = gate
        self.details = details or {}


class PromotionForbidden(ApiError):
    """The actor may not point this environment (prod needs `deploy_project`): 403."""

    status_code, default_code, title = 403, "permission_denied", "Forbidden"
