"""Services raise typed errors without HTTP in them; the API maps each to problem+json once."""
from __future__ import annotations

from agent_platform.api.errors import problem_exception_handler
from agent_platform.service_errors import InputRejected, InvalidField, ObjectNotFound, StateConflict


def problem_of(exc: Exception) -> tuple[int, dict]:
    response = problem_exception_handler(exc, {})
    assert response is not None and response.content_type == "application/problem+json"
    return response.status_code, response.data


def test_each_service_error_class_has_its_status_and_keeps_message_code_and_fields() -> None:
    assert problem_of(InvalidField("agent", "give exactly one of 'agent' or 'workflow'")) == (400, {
        "type": "https://agent-platform.dev/problems/bad_request", "title": "Bad request", "status": 400,
        "detail": "agent: give exactly one of 'agent' or 'workflow'",
        "errors": {"agent": ["give exactly one of 'agent' or 'workflow'"]}})
    status, body = problem_of(StateConflict("run is already succeeded", field="status"))
    assert status == 409 and body["type"].endswith("/conflict") and body["errors"] == {
        "status": ["run is already succeeded"]}
    status, body = problem_of(InputRejected("The run input does not match the input schema.",
                                            errors={"input.message": ["'message' is a required property"]},
                                            code="invalid_input"))
    assert status == 422 and body["type"].endswith("/invalid_input") and body["title"] == "Unprocessable request"
    status, body = problem_of(ObjectNotFound("Run 'x' not found."))
    assert status == 404 and body["detail"] == "Run 'x' not found." and "errors" not in body


def test_a_refused_permission_is_a_403_and_a_class_title_replaces_the_default() -> None:
    from agent_platform.definitions.errors import PromotionForbidden, PromotionGateFailed

    assert problem_of(PromotionForbidden("Promoting to prod needs the admin role (deploy_project).")) == (403, {
        "type": "https://agent-platform.dev/problems/permission_denied", "title": "Forbidden", "status": 403,
        "detail": "Promoting to prod needs the admin role (deploy_project)."})
    assert problem_of(PromotionGateFailed("eval below threshold", gate="g")) == (409, {
        "type": "https://agent-platform.dev/problems/promotion_gate_failed", "title": "Promotion gate failed",
        "status": 409, "detail": "eval below threshold", "errors": {"version": ["eval below threshold"]}})


def test_an_unreachable_dependency_is_a_503_with_its_code() -> None:
    from agent_platform.service_errors import DependencyUnavailable

    assert problem_of(DependencyUnavailable("the embedding model is unavailable: timed out",
                                            code="embedding_unavailable")) == (503, {
        "type": "https://agent-platform.dev/problems/embedding_unavailable", "title": "Service unavailable",
        "status": 503, "detail": "the embedding model is unavailable: timed out"})
