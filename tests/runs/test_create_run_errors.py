"""Bad run requests get 4xx problem+json naming the field; nothing is stored or enqueued."""
import django_rq
import pytest

from agents import services as agent_services
from runs.models import Run
from tests.conftest import client_for, make_key
from tests.runs.factories import scripted_agent


@pytest.fixture
def dev(project):
    return client_for(make_key(project, "developer"))


def queued_jobs() -> int:
    return django_rq.get_queue("runs").count


def assert_refused(response, status: int, field: str):
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    assert field in response.json()["errors"], response.json()


@pytest.mark.django_db
def test_unknown_agent(dev):
    before = queued_jobs()
    assert_refused(dev.post("/api/v1/runs", {"agent": "nope", "input": {"message": "x"}}, format="json"), 400, "agent")
    assert Run.objects.count() == 0 and queued_jobs() == before


@pytest.mark.django_db
def test_version_the_agent_does_not_have(dev, project):
    scripted_agent(project, name="a")
    other, _ = scripted_agent(project, name="b")
    agent_services.create_agent_version(agent=other, body={"model": "scripted/b", "instructions": "v2"})
    before = queued_jobs()
    assert_refused(dev.post("/api/v1/runs", {"agent": "a", "version": 2, "input": {"message": "x"}}, format="json"),
                   400, "version")
    assert Run.objects.count() == 0 and queued_jobs() == before


@pytest.mark.django_db
def test_input_failing_the_input_schema(dev, project):
    scripted_agent(project, name="a")
    before = queued_jobs()
    response = dev.post("/api/v1/runs", {"agent": "a", "input": {"message": 42}}, format="json")
    assert_refused(response, 422, "input.message")
    response = dev.post("/api/v1/runs", {"agent": "a", "input": {"text": "hi"}}, format="json")
    assert response.status_code == 422
    assert Run.objects.count() == 0 and queued_jobs() == before


@pytest.mark.django_db
def test_environment_with_no_version(dev, project):
    scripted_agent(project, name="a")
    before = queued_jobs()
    assert_refused(dev.post("/api/v1/runs", {"agent": "a", "environment": "prod", "input": {"message": "x"}},
                            format="json"), 400, "environment")
    assert Run.objects.count() == 0 and queued_jobs() == before


@pytest.mark.django_db
def test_malformed_run_bodies(dev, project):
    scripted_agent(project, name="a")
    assert_refused(dev.post("/api/v1/runs", {"agent": "a", "input": "text"}, format="json"), 400, "input")
    assert_refused(dev.post("/api/v1/runs", {"agent": "a", "workflow": "w"}, format="json"), 400, "agent")
    assert_refused(dev.post("/api/v1/runs", {"agent": "a", "priority": 1}, format="json"), 400, "priority")
    assert_refused(dev.post("/api/v1/runs", {"agent": "a", "version": "one"}, format="json"), 400, "version")


@pytest.mark.django_db
def test_viewer_cannot_start_runs(project):
    scripted_agent(project, name="a")
    viewer = client_for(make_key(project, "viewer"))
    assert viewer.post("/api/v1/runs", {"agent": "a", "input": {"message": "x"}}, format="json").status_code == 403


@pytest.mark.django_db
def test_idempotency_key_returns_the_same_run(dev, project):
    scripted_agent(project, name="a")
    body = {"agent": "a", "input": {"message": "x"}}
    first = dev.post("/api/v1/runs", body, format="json", HTTP_IDEMPOTENCY_KEY="run-1")
    again = dev.post("/api/v1/runs", body, format="json", HTTP_IDEMPOTENCY_KEY="run-1")
    assert first.status_code == again.status_code == 201
    assert first.json()["id"] == again.json()["id"] and Run.objects.count() == 1
