"""Reads for the dashboard pages, from the hourly rollups only (never a scan of runs or events),
plus two live figures the rollups cannot hold: the queued runs and the oldest one's age."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.db.models import Count, Min
from django.utils import timezone

from accounts.models import Project
from dashboards.aggregates import MODEL_TABLE, RUN_TABLE, TARGET_TABLE, Stats, summed, total
from runs.models import QUEUED, Run

# Range choices: (label, number of steps, step).
RANGES: dict[str, tuple[str, int, str]] = {
    "24h": ("last 24 hours", 24, "hour"),
    "7d": ("last 7 days", 7, "day"),
    "30d": ("last 30 days", 30, "day"),
}
DEFAULT_RANGE = "24h"
TOP_FAILING = 5


@dataclass(frozen=True)
class Window:
    key: str
    label: str
    step: str  # hour | day
    steps: tuple[datetime, ...]  # the start of every step, oldest first
    since: datetime
    until: datetime


def window(key: str, now: datetime | None = None) -> Window:
    """The steps of a range ending with the current (partial) hour or day."""
    label, count, step = RANGES[key]
    now = (now or timezone.now()).astimezone(UTC)
    if step == "hour":
        last = now.replace(minute=0, second=0, microsecond=0)
        size = timedelta(hours=1)
    else:
        last = now.replace(hour=0, minute=0, second=0, microsecond=0)
        size = timedelta(days=1)
    steps = tuple(last - size * (count - 1 - i) for i in range(count))
    return Window(key, label, step, steps, steps[0], last + size)


@dataclass
class Series:
    """One Stats per step of a window (empty steps included)."""

    window: Window
    points: list[tuple[datetime, Stats]]

    @property
    def total(self) -> Stats:
        return total(self.points)


def _series(table: str, project: Project, win: Window, where: dict | None = None) -> Series:
    groups = dict(summed(table, project_id=project.pk, since=win.since, until=win.until, group_by=(win.step,),
                         where=where))
    found = {key[0]: stats for key, stats in groups.items()}
    return Series(win, [(step, found.get(step) or Stats()) for step in win.steps])


@dataclass
class QueueState:
    queued: int
    oldest_age_s: float | None


def queue_state(project: Project) -> QueueState:
    """Runs of the project waiting for a worker now, and how long the oldest has waited."""
    row = Run.objects.filter(project=project, status=QUEUED).aggregate(n=Count("id"), oldest=Min("created_at"))
    age = (timezone.now() - row["oldest"]).total_seconds() if row["oldest"] else None
    return QueueState(row["n"], age)


@dataclass
class Overview:
    series: Series
    targets: list[Stats]  # every agent and workflow with runs in the window, most runs first
    top_failing: list[Stats]
    queue: QueueState


def overview(project: Project, win: Window) -> Overview:
    """One query on the per-target rollups, grouped by step and target: the series sums the
    targets of each step, the target list sums the steps of each target."""
    rows = summed(TARGET_TABLE, project_id=project.pk, since=win.since, until=win.until,
                  group_by=(win.step, "target_kind", "target_id", "target_name"))
    by_step: dict[datetime, list] = {}
    by_target: dict[tuple[str, str], list] = {}
    names: dict[tuple[str, str], str] = {}
    for (step, kind, target_id, name), stats in rows:
        by_step.setdefault(step, []).append(((), stats))
        by_target.setdefault((kind, target_id), []).append(((), stats))
        names[(kind, target_id)] = name
    series = Series(win, [(step, total(by_step[step]) if step in by_step else Stats()) for step in win.steps])
    targets = []
    for (kind, target_id), groups in by_target.items():
        stats = total(groups)
        stats.values.update(kind=kind, target_id=target_id, name=names[(kind, target_id)])
        targets.append(stats)
    targets.sort(key=lambda s: -s.runs)
    failing = sorted((t for t in targets if t.problems), key=lambda s: (-s.problems, s.success_rate or 0))
    return Overview(series, targets, failing[:TOP_FAILING], queue_state(project))


@dataclass
class TargetPage:
    series: Series
    by_deployment: list[tuple[int, str, Stats]]  # (version, environment, stats), newest version first
    by_version: list[tuple[int, Stats, Stats | None]]  # (version, stats, previous version's stats)


def target(project: Project, kind: str, target_id: str, win: Window) -> TargetPage:
    where = {"target_kind": kind, "target_id": target_id}
    series = _series(RUN_TABLE, project, win, where)
    deployments = summed(RUN_TABLE, project_id=project.pk, since=win.since, until=win.until,
                         group_by=("version", "environment"), where=where)
    by_deployment = sorted(((v, env or "—", stats) for (v, env), stats in deployments),
                           key=lambda row: (-row[0], row[1]))
    versions = sorted(summed(RUN_TABLE, project_id=project.pk, since=win.since, until=win.until,
                             group_by=("version",), where=where), key=lambda row: row[0][0])
    by_version = []
    previous: Stats | None = None
    for (number,), stats in versions:
        by_version.append((number, stats, previous))
        previous = stats
    return TargetPage(series, by_deployment, list(reversed(by_version)))


def targets_in_range(project: Project, win: Window) -> list[Stats]:
    """Every agent and workflow with runs in the window."""
    rows = summed(TARGET_TABLE, project_id=project.pk, since=win.since, until=win.until,
                  group_by=("target_kind", "target_id", "target_name"))
    out = []
    for (kind, target_id, name), stats in rows:
        stats.values.update(kind=kind, target_id=target_id, name=name)
        out.append(stats)
    return sorted(out, key=lambda s: -s.runs)


@dataclass
class ModelsPage:
    series: Series
    models: list[tuple[str, Stats]]


def models(project: Project, win: Window) -> ModelsPage:
    series = _series(MODEL_TABLE, project, win)
    rows = summed(MODEL_TABLE, project_id=project.pk, since=win.since, until=win.until, group_by=("model",))
    return ModelsPage(series, sorted(((key[0], stats) for key, stats in rows), key=lambda row: -row[1].cost_usd))
