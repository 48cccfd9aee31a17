"""The create path keeps its behaviour while it does less: the run's answer is built without
ModelSerializer's field machinery, a request reads the caller's limits once, and the API key and
the pinned agent are each read with one raw statement."""
import pytest
from rest_framework import serializers as drf

from limits.models import Limits
from limits.selectors import applicable_limits, request_memo
from runs.api.serializers import RunOut
from runs.executor import execute_run
from runs.models import Run
from runs.services import create_run
from tests.runs.factories import scripted_agent

pytestmark = pytest.mark.django_db(transaction=True)


def generic(run: Run) -> dict:
    """What ModelSerializer builds for RunOut's declared fields."""
    serializer = RunOut(run)
    return dict(drf.ModelSerializer.to_representation(serializer, run))


def test_run_answer_matches_the_model_serializer_in_every_state(project):
    scripted_agent(project, script=[{"text": "done", "usage": {"input_tokens": 7, "output_tokens": 3}}])
    run = create_run(project=project, agent="helper", input={"message": "hi"}, metadata={"k": "v"},
                     webhook_url="https://example.com/hook")
    queued = Run.objects.get(pk=run.pk)
    assert RunOut(queued).data == generic(queued)
    assert list(RunOut(queued).data) == list(generic(queued))  # same key order
    assert execute_run(run.pk) == "succeeded"
    done = Run.objects.get(pk=run.pk)
    answer = RunOut(done).data
    assert answer == generic(done)
    assert answer["usage"] == {"input_tokens": 7, "output_tokens": 3, "cost_usd": 0.0}
    assert answer["finished_at"].endswith("Z") and answer["timings"]["total_ms"] is not None
    child = create_run(project=project, agent="helper", version=1, input={"message": "again"}, parent_run=done)
    child = Run.objects.get(pk=child.pk)
    assert RunOut(child).data == generic(child) and RunOut(child).data["parent_run"] == done.pk
    assert RunOut([queued, done], many=True).data == [generic(queued), generic(done)]


def test_limits_are_read_once_per_request_and_a_change_is_seen_at_once(project, django_assert_num_queries):
    Limits.objects.create(project=project, concurrent_runs=5)
    with request_memo():
        with django_assert_num_queries(1):
            assert applicable_limits(project)[0].concurrent_runs == 5
            assert applicable_limits(project)[0].concurrent_runs == 5
        row = Limits.objects.get(project=project, api_key__isnull=True)
        row.concurrent_runs = 2
        row.save()
        assert applicable_limits(project)[0].concurrent_runs == 2  # the save forgot the memo
    Limits.objects.filter(project=project).update(concurrent_runs=9)
    assert applicable_limits(project)[0].concurrent_runs == 9  # outside a request: always read


def test_the_api_key_lookup_loads_what_select_related_loads(project):
    from django.contrib.auth import get_user_model

    from accounts import services
    from accounts.models import ApiKey
    from accounts.selectors import _key_with_project, active_api_key

    user = get_user_model().objects.create_user(username="owner", email="o@example.com", password="x")
    project.settings = {"prices": {"m": {"input": 1.5, "output": 2}}}
    project.http_allowlist = ["example.com"]
    project.save()
    for created_by in (user, None):
        key, raw = services.create_api_key(project=project, name=f"k-{created_by}", role="developer",
                                           created_by=created_by)
        expected = ApiKey.objects.select_related("project", "created_by").get(pk=key.pk)
        found = _key_with_project(key.key_hash)
        for model_field in ApiKey._meta.concrete_fields:
            assert getattr(found, model_field.attname) == getattr(expected, model_field.attname)
        assert found.project.settings == {"prices": {"m": {"input": 1.5, "output": 2}}}
        assert found.project.http_allowlist == ["example.com"] and found.project.slug == project.slug
        assert found.created_by == expected.created_by
        if created_by is not None:
            assert found.created_by.email == "o@example.com"
        assert active_api_key(raw).pk == key.pk
    services.revoke_api_key(key=key)
    assert active_api_key(raw) is None
    assert _key_with_project("0" * 64) is None


def test_the_agent_lookup_of_a_create_finds_what_the_selectors_find(project, other_project):
    from agents import selectors as agent_selectors
    from agents import services as agent_services
    from runs.services import _agent_and_latest

    agent, first = scripted_agent(project)
    second, _ = agent_services.create_agent_version(agent=agent, body={**first.body, "instructions": "Two."})
    from accounts.redaction_policy import sealed_secrets
    from accounts.services import set_secret

    set_secret(project=project, name="API_TOKEN", value="tok-1")
    set_secret(project=other_project, name="OTHER", value="tok-2")
    for ref in ("helper", agent.pk):
        found, pinned, sealed = _agent_and_latest(project, ref)
        assert sorted(sealed) == sorted(sealed_secrets(project.pk)) and [n for n, _ in sealed] == ["API_TOKEN"]
        expected = agent_selectors.get_agent_for_run(project, ref)
        latest, _ = agent_selectors.resolve_version(expected)
        assert found.pk == expected.pk and found.name == "helper" and found.project_id == project.pk
        assert pinned.pk == latest.pk == second.pk and pinned.number == 2 and pinned.body == second.body
        assert pinned.agent is found
    assert _agent_and_latest(other_project, "helper") is None
    assert _agent_and_latest(project, "nobody") is None
    agent_services.create_agent(project=project, name="empty")
    assert _agent_and_latest(project, "empty") is None  # the selectors answer its field error
    run = create_run(project=project, agent="helper", input={"message": "x"})
    assert run.agent_version_id == second.pk and run.agent_id == agent.pk
    with pytest.raises(Exception, match="no versions yet"):
        create_run(project=project, agent="empty", input={"message": "x"})


def test_the_limits_rows_are_the_project_row_then_the_keys_own(project, other_project):
    from accounts import services

    key, _ = services.create_api_key(project=project, name="k", role="developer")
    other_key, _ = services.create_api_key(project=project, name="other", role="developer")
    assert applicable_limits(project, key) == []
    Limits.objects.create(project=project, api_key=key, concurrent_runs=1)
    Limits.objects.create(project=project, api_key=other_key, concurrent_runs=7)
    Limits.objects.create(project=other_project, concurrent_runs=8)
    Limits.objects.create(project=project, tokens_per_day=1000)
    rows = applicable_limits(project, key)
    assert [(row.api_key_id, row.concurrent_runs, row.tokens_per_day) for row in rows] == [
        (None, None, 1000), (key.pk, 1, None)]
    assert [row.api_key_id for row in applicable_limits(project)] == [None]


def test_a_created_run_and_its_queued_event_are_what_the_orm_would_store(project):
    from datetime import timedelta

    from django.utils import timezone

    from runs import services
    from runs.models import Event

    agent, version = scripted_agent(project)
    parent = create_run(project=project, agent="helper", input={"message": "p"})
    hold = ("eval-1/hold", timezone.now() + timedelta(seconds=30))
    run = create_run(project=project, agent="helper", input={"message": "x \u00e9 \U0001f600"},
                     metadata={"eval": "e1", "deep": {"a": None}}, webhook_url="https://example.com/h",
                     parent_run=parent, held_by=hold, enqueue=False)
    stored = Run.objects.get(pk=run.pk)
    for field in Run._meta.concrete_fields:
        assert getattr(stored, field.attname) == getattr(run, field.attname), field.name
    assert (stored.status, stored.kind, stored.agent_id, stored.agent_version_id) == ("queued", "agent", agent.pk,
                                                                                    version.pk)
    assert stored.input == {"message": "x \u00e9 \U0001f600"} and stored.metadata == {"eval": "e1", "deep": {"a": None}}
    assert (stored.parent_run_id, stored.lease_owner, stored.last_seq) == (parent.pk, "eval-1/hold", 1)
    assert stored.usage == {} and stored.output is None and stored.timeout_s == 300
    assert not run._state.adding and run.project is project
    events = list(Event.objects.filter(run_id=run.pk).values_list("seq", "type", "data", "step"))
    assert events == [(1, "run.queued", {"kind": "agent", "version": version.number, "environment": None}, -1)]
    services.append_event(run.pk, "note", {"a": 1})  # the next event continues the sequence
    assert list(Event.objects.filter(run_id=run.pk).values_list("seq", flat=True).order_by("seq")) == [1, 2]
