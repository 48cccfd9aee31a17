"""The execute path keeps its behaviour while it does less: a fresh run's store skips the reads
that can only find nothing (checkpoints, counts, the usage sum), and a run's webhooks are built
only when there is a destination."""
import pytest

from runs import leases
from runs.executor import execute_run
from runs.models import Checkpoint, Run, Span
from runs.services import create_run
from tests.runs.factories import scripted_agent
from webhooks.models import WebhookDelivery, WebhookEndpoint

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_fresh_run_is_claimed_fresh_and_its_usage_is_its_stored_spans(project):
    scripted_agent(project, script=[{"text": "a", "usage": {"input_tokens": 11, "output_tokens": 4}}])
    run = create_run(project=project, agent="helper", input={"message": "x"})
    claim = leases.claim(run.pk, "w/1", "w")
    assert claim and claim.fresh
    leases.release(run.pk, "w/1")
    Run.objects.filter(pk=run.pk).update(status="queued")
    again = leases.claim(run.pk, "w/2", "w")  # started before: not fresh
    assert again and not again.fresh
    leases.release(run.pk, "w/2")
    Run.objects.filter(pk=run.pk).update(status="queued")

    other = create_run(project=project, agent="helper", input={"message": "y"})
    assert execute_run(other.pk) == "succeeded"
    stored = Span.objects.filter(run_id=other.pk, kind="model")
    usage = Run.objects.get(pk=other.pk).usage
    assert usage["input_tokens"] == sum(s.input_tokens for s in stored) == 11
    assert usage["output_tokens"] == sum(s.output_tokens for s in stored) == 4


def test_a_run_with_a_stored_checkpoint_is_not_fresh(project):
    scripted_agent(project)
    run = create_run(project=project, agent="helper", input={"message": "x"})
    Checkpoint.objects.create(run_id=run.pk, idx=0, key="patch:0", delta={"kind": "patch"})
    claim = leases.claim(run.pk, "w/1", "w")
    assert claim and not claim.fresh


def test_webhooks_only_for_subscribed_endpoints_or_the_runs_own_url(project):
    scripted_agent(project)
    WebhookEndpoint.objects.create(project=project, url="https://example.com/a", event_types=["run.failed"])
    quiet = create_run(project=project, agent="helper", input={"message": "x"})
    assert execute_run(quiet.pk) == "succeeded"
    assert not WebhookDelivery.objects.filter(run_id=quiet.pk).exists()  # subscribed to another type

    own = create_run(project=project, agent="helper", input={"message": "x"}, webhook_url="https://example.com/own")
    assert execute_run(own.pk) == "succeeded"
    assert list(WebhookDelivery.objects.filter(run_id=own.pk).values_list("url", "event_type")) == [
        ("https://example.com/own", "run.succeeded")]

    WebhookEndpoint.objects.create(project=project, url="https://example.com/all", event_types=["*"])
    loud = create_run(project=project, agent="helper", input={"message": "x"})
    assert execute_run(loud.pk) == "succeeded"
    assert WebhookDelivery.objects.filter(run_id=loud.pk, event_type="run.succeeded").count() == 1


def test_the_executor_loads_what_select_related_loads(project):
    from accounts.services import reveal_secrets, set_secret
    from runs.executor import _load_run

    project.settings = {"prices": {"scripted/helper": {"input": 1, "output": 2}}}
    project.save()
    agent, version = scripted_agent(project)
    run = create_run(project=project, agent="helper", input={"message": "x"}, metadata={"a": [1, 2]})
    expected = Run.objects.select_related("project", "agent_version", "workflow_version").get(pk=run.pk)
    loaded, secrets = _load_run(run.pk)
    assert len(secrets) == 0 and secrets.sealed_items() == []
    set_secret(project=project, name="API_TOKEN", value="tok-1", allowed_hosts=["api.example.com"])
    set_secret(project=project, name="OTHER", value="tok-2")
    _, secrets = _load_run(run.pk)  # the same secrets reveal_secrets reads, with their scopes
    known = reveal_secrets(project)
    assert sorted(secrets.sealed_items()) == sorted(known.sealed_items()) and len(secrets) == 2
    assert secrets["API_TOKEN"] == "tok-1" and secrets["OTHER"] == "tok-2"
    assert secrets.scope("API_TOKEN") == known.scope("API_TOKEN") and secrets.scope("OTHER") == known.scope("OTHER")
    for field in Run._meta.concrete_fields:
        assert getattr(loaded, field.attname) == getattr(expected, field.attname), field.name
    assert loaded.input == {"message": "x"} and loaded.metadata == {"a": [1, 2]}
    assert loaded.project.settings == project.settings and loaded.agent_version.body == version.body
    assert loaded.workflow_version is None and loaded.agent_version.number == 1
    with pytest.raises(Run.DoesNotExist):
        _load_run("run_missing")


def test_an_endpoint_subscribed_to_all_or_disabled(project):
    from runs.webhooks import _subscribed

    assert not _subscribed(project.pk, "run.succeeded")
    endpoint = WebhookEndpoint.objects.create(project=project, url="https://example.com/a",
                                              event_types=["run.failed", "run.waiting"])
    assert _subscribed(project.pk, "run.failed") and not _subscribed(project.pk, "run.succeeded")
    endpoint.enabled = False
    endpoint.save()
    assert not _subscribed(project.pk, "run.failed")
    WebhookEndpoint.objects.create(project=project, url="https://example.com/b", event_types=["*"])
    assert _subscribed(project.pk, "run.succeeded")


@pytest.mark.parametrize("delay", [0, 0.06])
def test_a_model_turn_is_one_write_however_long_the_model_takes(project, monkeypatch, delay):
    """The agent's deferred start checkpoint waits for the turn's write: a model call longer than
    the events' MAX_DELAY_S no longer makes its first delta write the start checkpoint alone."""
    from runs import store as run_store
    from runs.models import Event

    assert delay == 0 or delay > run_store.MAX_DELAY_S
    writes = []
    real_write = run_store.RunStore._write

    def counted(self):
        writes.append(([e.type for e in self._events], [key for _, key, _ in self._checkpoints]))
        return real_write(self)

    monkeypatch.setattr(run_store.RunStore, "_write", counted)
    scripted_agent(project, script=[{"text": "answer", "delay": delay}])
    run = create_run(project=project, agent="helper", input={"message": "x"})
    assert execute_run(run.pk) == "succeeded"
    model_writes = [w for w in writes if "model.delta" in w[0]]
    assert model_writes == [(["model.delta", "model.completed"], ["turn:0", "turn:1"])]
    assert list(Checkpoint.objects.filter(run_id=run.pk).order_by("idx").values_list("key", flat=True)) == [
        "turn:0", "turn:1"]
    types = list(Event.objects.filter(run_id=run.pk).order_by("seq").values_list("type", flat=True))
    assert types.index("model.delta") < types.index("model.completed") < types.index("run.succeeded")


def test_the_terminal_transition_answers_whether_an_endpoint_wants_its_event(project):
    from runs import lifecycle
    from runs.db import writer
    from runs.event_log import PendingEvent
    from runs.store import _now

    scripted_agent(project)

    def finish_one(event_type="run.succeeded", to="succeeded"):
        run = create_run(project=project, agent="helper", input={"message": "x"})
        Run.objects.filter(pk=run.pk).update(status="running")
        with writer() as cur:
            return lifecycle.transition_notifying(cur, run.pk, to, event=PendingEvent(event_type, _now(), {}, step=-1))

    seq, subscribed = finish_one()
    assert seq and subscribed is False
    endpoint = WebhookEndpoint.objects.create(project=project, url="https://example.com/a", event_types=["run.failed"])
    assert finish_one()[1] is False and finish_one("run.failed", "failed")[1] is True
    endpoint.enabled = False
    endpoint.save()
    assert finish_one("run.failed", "failed")[1] is False
    WebhookEndpoint.objects.create(project=project, url="https://example.com/b", event_types=["*"])
    assert finish_one()[1] is True
    with writer() as cur:  # a run that does not move: nothing answered
        assert lifecycle.transition_notifying(cur, "run_missing", "succeeded",
                                              event=PendingEvent("run.succeeded", _now(), {}, step=-1)) == (False, False)
