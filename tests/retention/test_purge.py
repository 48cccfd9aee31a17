"""The purge removes what is past its period, per project and environment, and keeps what is held."""
from __future__ import annotations

import pytest
from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command

from agent_platform import artifacts
from evals.models import Feedback
from retention.models import Purge, RetentionOverride, RetentionPolicy, RunHold
from retention.purge import purge
from runs.models import Blob, Checkpoint, Event, Run, Span, ToolCallRecord
from tests.retention.seed import big_value, checkpoint_with_blob, make_run, seed_runs

pytestmark = pytest.mark.django_db(transaction=True)


def policy(project, **periods) -> RetentionPolicy:
    return RetentionPolicy.objects.create(project=project, **periods)


def surviving(ids) -> set[str]:
    return set(Run.objects.filter(pk__in=ids).values_list("pk", flat=True))


def test_runs_past_their_age_go_with_everything_they_left(project):
    policy(project, runs_days=30)
    old = seed_runs(project, 12, age_days=40)
    new = seed_runs(project, 3, age_days=5)
    [(owner, outcome), _] = purge(batch_size=5)
    assert owner == project
    assert surviving(old + new) == set(new)
    for model in (Event, Checkpoint, Span, ToolCallRecord, Feedback):
        assert not model.objects.filter(run_id__in=old).exists()
        assert model.objects.filter(run_id__in=new).exists()
    assert outcome.counts["runs.Run"] == 12
    assert outcome.counts["runs.Event"] == 12 * 4 and outcome.counts["runs.Checkpoint"] == 24
    assert outcome.counts["evals.Feedback"] == 12


def test_running_and_waiting_runs_are_never_purged(project):
    policy(project, runs_days=1)
    running = make_run(project, status="running", age_days=10)
    waiting = make_run(project, status="waiting", age_days=10)
    queued = make_run(project, status="queued", age_days=10)
    parent = make_run(project, status="succeeded", age_days=10)
    make_run(project, status="running", parent_run=parent)  # a child still executing keeps its parent
    purge()
    assert surviving([running.pk, waiting.pk, queued.pk, parent.pk]) == {running.pk, waiting.pk, queued.pk,
                                                                         parent.pk}


def test_held_runs_and_held_projects_survive(project, other_project):
    policy(project, runs_days=1)
    policy(other_project, runs_days=1, legal_hold=True, legal_hold_reason="litigation")
    held = make_run(project, age_days=10)
    RunHold.objects.create(run=held, project=project, reason="case 42")
    gone = make_run(project, age_days=10)
    other = seed_runs(other_project, 3, age_days=10)
    purge()
    assert surviving([held.pk, gone.pk, *other]) == {held.pk, *other}
    assert Feedback.objects.filter(run_id__in=other).count() == 3


def test_environment_overrides_change_the_period_of_their_runs(project):
    base = policy(project, runs_days=30)
    RetentionOverride.objects.create(policy=base, environment="prod", runs_days=365)
    RetentionOverride.objects.create(policy=base, environment="dev", runs_days=7)
    prod = seed_runs(project, 2, age_days=100, environment="prod")
    dev = seed_runs(project, 2, age_days=10, environment="dev")
    stage = seed_runs(project, 2, age_days=40, environment="stage")
    kept_stage = seed_runs(project, 2, age_days=20, environment="stage")
    purge()
    assert surviving(prod + dev + stage + kept_stage) == set(prod + kept_stage)


def test_projects_without_a_policy_keep_everything(project):
    ids = seed_runs(project, 3, age_days=3650)
    purge()
    assert surviving(ids) == set(ids)


def test_feedback_has_its_own_period(project):
    policy(project, feedback_days=10)
    ids = seed_runs(project, 2, age_days=20)
    purge()
    assert surviving(ids) == set(ids)
    assert not Feedback.objects.filter(run_id__in=ids).exists()


def test_blobs_of_kept_checkpoints_survive_and_the_rest_go(artifacts_backend, project, settings):
    settings.RETENTION_BLOB_GRACE_S = 3600
    policy(project, runs_days=30)
    kept_run, old_run = make_run(project, age_days=5), make_run(project, age_days=40)
    shared = big_value("shared")
    kept_sha = checkpoint_with_blob(kept_run, big_value("kept"), age_days=40)
    shared_sha = checkpoint_with_blob(kept_run, shared, idx=11, age_days=40)
    assert checkpoint_with_blob(old_run, shared, age_days=40) == shared_sha
    gone_sha = checkpoint_with_blob(old_run, big_value("gone"), idx=11, age_days=40)
    fresh_sha = checkpoint_with_blob(old_run, big_value("fresh"), idx=12, age_days=0)  # in its grace period
    results = purge()
    assert set(Blob.objects.values_list("sha256", flat=True)) == {kept_sha, shared_sha, fresh_sha}
    keys = set(artifacts.iter_keys(artifacts.BLOBS))
    assert keys == {artifacts.key_for(artifacts.BLOBS, sha) for sha in (kept_sha, shared_sha, fresh_sha)}
    assert artifacts.read_bytes(artifacts.key_for(artifacts.BLOBS, kept_sha))
    install = dict(results)[None]
    assert install.counts["runs.Blob"] == 1 and install.counts["artifacts"] == 1
    assert gone_sha not in keys


def test_purged_runs_leave_no_objects_behind(artifacts_backend, project, settings):
    settings.RETENTION_BLOB_GRACE_S = 0
    policy(project, runs_days=30)
    old = make_run(project, age_days=40)
    for idx in range(3):
        checkpoint_with_blob(old, big_value(f"old-{idx}"), idx=idx, age_days=40)
    assert len(list(artifacts.iter_keys(artifacts.BLOBS))) == 3
    purge()
    assert not Run.objects.filter(pk=old.pk).exists()
    assert list(artifacts.iter_keys(artifacts.BLOBS)) == [] and not Blob.objects.exists()


def test_each_purge_records_its_counts_in_the_audit_log(project):
    policy(project, runs_days=30)
    seed_runs(project, 4, age_days=40)
    purge(trigger="scheduler")
    record = Purge.objects.get(project=project)
    assert record.trigger == "scheduler" and record.counts["runs.Run"] == 4
    entry = LogEntry.objects.get(content_type=ContentType.objects.get_for_model(Purge), object_pk=str(record.pk))
    assert entry.action == LogEntry.Action.CREATE
    assert '"runs.Run": 4' in entry.changes_str or "runs.Run" in str(entry.changes)


def test_a_dry_run_changes_nothing_and_counts_what_would_go(project, capsys):
    policy(project, runs_days=30)
    old = seed_runs(project, 6, age_days=40)
    audit_before = LogEntry.objects.count()
    call_command("purge", "--dry-run")
    out = capsys.readouterr().out
    assert f"{project.slug}: would delete" in out and "runs.Run 6" in out and "runs.Event 24" in out
    assert surviving(old) == set(old) and not Purge.objects.exists()
    assert LogEntry.objects.count() == audit_before
    call_command("purge", "--project", project.slug)
    assert f"{project.slug}: deleted" in capsys.readouterr().out
    assert surviving(old) == set()


def test_audit_entries_of_the_project_past_their_age_go(project, other_project):
    from datetime import timedelta

    from django.utils import timezone

    policy(project, audit_days=90)
    ct = ContentType.objects.get_for_model(RetentionPolicy)
    old = timezone.now() - timedelta(days=100)
    mine = LogEntry.objects.create(content_type=ct, object_pk="x", object_repr="x", action=1, timestamp=old,
                                   additional_data={"project": project.pk})
    theirs = LogEntry.objects.create(content_type=ct, object_pk="y", object_repr="y", action=1, timestamp=old,
                                     additional_data={"project": other_project.pk})
    purge()
    assert not LogEntry.objects.filter(pk=mine.pk).exists()
    assert LogEntry.objects.filter(pk=theirs.pk).exists()
