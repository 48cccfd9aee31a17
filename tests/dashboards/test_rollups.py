"""The hourly rollups equal the sums computed from the raw runs, and stay equal as runs arrive."""
from __future__ import annotations

from collections import defaultdict
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from dashboards import buckets
from dashboards.models import ModelRollupHour, RollupState, RunRollupHour, TargetRollupHour
from dashboards.rollups import rollup_runs
from runs.models import TERMINAL, Run, Span
from tests.dashboards.factories import finished_run, random_runs
from tests.runs.factories import scripted_agent

pytestmark = pytest.mark.django_db


def hour_of(moment):
    return moment.replace(minute=0, second=0, microsecond=0)


def expected_run_rows(project) -> dict:
    """The rollup rows recomputed in Python from the runs table."""
    rows: dict = defaultdict(lambda: {"runs": 0, "succeeded": 0, "failed": 0, "cancelled": 0, "timed_out": 0,
                                      "timed_runs": 0, "duration_sum_ms": 0.0, "buckets": buckets.empty(),
                                      "input_tokens": 0, "output_tokens": 0, "cost_usd": 0.0})
    for run in Run.objects.filter(project=project, status__in=TERMINAL).select_related("agent", "agent_version"):
        key = (hour_of(run.finished_at), run.kind, run.agent_id, run.agent.name, run.agent_version.number,
               run.environment, run.agent_version.body["model"])
        row = rows[key]
        row["runs"] += 1
        row[run.status] += 1
        if run.started_at is not None:
            ms = (run.finished_at - run.started_at).total_seconds() * 1000
            row["timed_runs"] += 1
            row["duration_sum_ms"] += ms
            row["buckets"][buckets.bucket_index(ms)] += 1
        row["input_tokens"] += run.usage["input_tokens"]
        row["output_tokens"] += run.usage["output_tokens"]
        row["cost_usd"] += run.usage["cost_usd"]
    return dict(rows)


def stored_run_rows(project) -> dict:
    out = {}
    for r in RunRollupHour.objects.filter(project=project):
        out[(r.hour, r.target_kind, r.target_id, r.target_name, r.version, r.environment, r.model)] = {
            "runs": r.runs, "succeeded": r.succeeded, "failed": r.failed, "cancelled": r.cancelled,
            "timed_out": r.timed_out, "timed_runs": r.timed_runs, "duration_sum_ms": r.duration_sum_ms,
            "buckets": list(r.duration_buckets), "input_tokens": r.input_tokens, "output_tokens": r.output_tokens,
            "cost_usd": r.cost_usd}
    return out


def assert_rollups_match(project) -> None:
    expected, stored = expected_run_rows(project), stored_run_rows(project)
    assert stored.keys() == expected.keys()
    for key, row in expected.items():
        got = stored[key]
        for field in ("runs", "succeeded", "failed", "cancelled", "timed_out", "timed_runs", "buckets",
                      "input_tokens", "output_tokens"):
            assert got[field] == row[field], (key, field)
        assert got["duration_sum_ms"] == pytest.approx(row["duration_sum_ms"], rel=1e-9)
        assert got["cost_usd"] == pytest.approx(row["cost_usd"], rel=1e-9)
    per_target: dict = defaultdict(lambda: {"runs": 0, "failed": 0, "buckets": buckets.empty(), "cost_usd": 0.0})
    for (hour, kind, target_id, _name, _v, _env, _model), row in expected.items():
        into = per_target[(hour, kind, target_id)]
        into["runs"] += row["runs"]
        into["failed"] += row["failed"]
        into["buckets"] = buckets.merge([into["buckets"], row["buckets"]])
        into["cost_usd"] += row["cost_usd"]
    stored_targets = {(t.hour, t.target_kind, t.target_id): t for t in TargetRollupHour.objects.filter(project=project)}
    assert stored_targets.keys() == per_target.keys()
    for key, row in per_target.items():
        got = stored_targets[key]
        assert (got.runs, got.failed, list(got.duration_buckets)) == (row["runs"], row["failed"], row["buckets"]), key
        assert got.cost_usd == pytest.approx(row["cost_usd"], rel=1e-9)
    models: dict = defaultdict(lambda: [0, 0, 0, 0, 0.0])
    for span in Span.objects.filter(run__project=project, kind="model", run__status__in=TERMINAL).select_related("run"):
        row = models[(hour_of(span.run.finished_at), span.name)]
        row[0] += 1
        row[1] += span.status != "ok"
        row[2] += span.input_tokens
        row[3] += span.output_tokens
        row[4] += span.cost_usd
    stored_models = {(m.hour, m.model): [m.calls, m.errors, m.input_tokens, m.output_tokens, m.cost_usd]
                     for m in ModelRollupHour.objects.filter(project=project)}
    assert stored_models.keys() == models.keys()
    for key, row in models.items():
        assert stored_models[key][:4] == row[:4], key
        assert stored_models[key][4] == pytest.approx(row[4], rel=1e-9)


@pytest.fixture
def targets(project):
    helper, v1 = scripted_agent(project, name="helper")
    from agents import services as agent_services

    v2, _ = agent_services.create_agent_version(agent=helper, body={**v1.body, "instructions": "Shorter."})
    writer, w1 = scripted_agent(project, name="writer")
    return [(helper, v1), (helper, v2), (writer, w1)]


def test_rollups_equal_the_sums_of_the_raw_runs(project, targets):
    now = timezone.now()
    random_runs(project, targets, now=now, count=300, hours=30)
    Run.objects.create(project=project, kind="agent", agent=targets[0][0], agent_version=targets[0][1])  # queued
    done = rollup_runs()
    assert done.run_rows == RunRollupHour.objects.count() > 30
    assert_rollups_match(project)
    assert sum(RunRollupHour.objects.values_list("runs", flat=True)) == 300


def test_an_incremental_pass_adds_new_runs_and_never_recounts(project, targets):
    now = timezone.now()
    random_runs(project, targets, now=now - timedelta(hours=2), count=80, hours=20)
    rollup_runs()
    old_rows = {r.pk: (r.hour, r.runs) for r in RunRollupHour.objects.filter(hour__lt=hour_of(now) - timedelta(hours=2))}
    # New runs in the open hour; a pass again (twice: idempotent).
    random_runs(project, targets, now=timezone.now(), count=40, hours=0, seed=11)
    first = rollup_runs()
    assert first.window_start <= hour_of(timezone.now())
    assert first.window_start >= hour_of(now) - timedelta(hours=1)
    rollup_runs()
    assert_rollups_match(project)
    # Hours before the window were not rewritten (same primary keys, same counts).
    assert {r.pk: (r.hour, r.runs) for r in RunRollupHour.objects.filter(pk__in=old_rows)} == old_rows


def test_a_run_committed_late_inside_the_grace_window_is_counted(project, targets, settings):
    settings.PLATFORM_ROLLUP_GRACE_S = 600
    agent, version = targets[0]
    rollup_runs()
    mark = RollupState.objects.get().high_water
    # Finished 5 minutes before the mark, committed only now (a slow transaction).
    finished_run(project, agent, version, finished_at=mark - timedelta(minutes=5))
    rollup_runs()
    assert_rollups_match(project)
    assert sum(RunRollupHour.objects.values_list("runs", flat=True)) == 1


def test_rebuild_recomputes_everything_and_the_command_reports(project, targets, capsys):
    now = timezone.now()
    random_runs(project, targets, now=now, count=60, hours=10)
    rollup_runs()
    RunRollupHour.objects.update(runs=0)  # damage every row
    call_command("rollup_runs", "--rebuild")
    assert "run rows" in capsys.readouterr().out
    assert_rollups_match(project)


def test_runs_of_another_project_stay_in_their_own_rows(project, other_project, targets):
    now = timezone.now()
    random_runs(project, targets, now=now, count=30, hours=3)
    other_agent, other_version = scripted_agent(other_project, name="helper")
    random_runs(other_project, [(other_agent, other_version)], now=now, count=20, hours=3, seed=3)
    rollup_runs()
    assert_rollups_match(project)
    assert_rollups_match(other_project)
    assert sum(RunRollupHour.objects.filter(project=other_project).values_list("runs", flat=True)) == 20
