"""Writes of the evals app: datasets and their versions, feedback on runs, promotion policies.
Eval runs are created in `evals.eval_requests` and executed by `evals.runner`."""
from __future__ import annotations

from django.db import transaction

from agent_platform.definitions import selectors as definition_selectors
from agent_platform.definitions import services as definition_services
from agent_platform.definitions.models import ENVIRONMENTS
from agent_platform.service_errors import InvalidField, ObjectNotFound, StateConflict
from evals.dataset_items import InvalidItems, check_items, check_size, merge_items, redacted_items
from evals.models import DATASETS, THUMBS, Dataset, DatasetVersion, Feedback, PromotionPolicy
from runtime.evals import parse_threshold, parse_thresholds
from runtime.evals.errors import EvalError

_datasets = definition_services.for_kind(DATASETS)


def create_dataset(*, project, name: str, description: str = "", items: list[dict] | None = None,
                   created_by=None) -> tuple[Dataset, DatasetVersion | None]:
    """A dataset, with a first version when `items` are given (one transaction: a bad item
    leaves no dataset behind)."""
    with transaction.atomic():
        dataset = _datasets.create(project=project, name=name, description=description)
        version = None
        if items is not None:
            version = add_items(dataset=dataset, items=items, created_by=created_by)
    return dataset, version


def add_items(*, dataset: Dataset, items: list[dict], replace: bool = False, remove: list[str] | None = None,
              created_by=None, field: str = "items", labels: list[str] | None = None) -> DatasetVersion:
    """The next version: the latest one's items with `items` upserted by id (`replace`: only
    `items`), and the ids in `remove` dropped. An unchanged item set returns the latest version."""
    check_items(items, field=field, labels=labels)
    items = redacted_items(dataset.project, items)
    with transaction.atomic():
        Dataset.objects.select_for_update().filter(pk=dataset.pk).first()  # one writer per dataset at a time
        latest = definition_selectors.latest_version(DATASETS, dataset)
        current = latest.items if latest is not None else []
        merged = merge_items(current, items, replace=replace)
        if remove:
            unknown = sorted(set(remove) - {i["id"] for i in merged})
            if unknown:
                raise InvalidField("remove", f"no items with ids {', '.join(unknown)}")
            merged = [i for i in merged if i["id"] not in set(remove)]
        if not merged:
            raise InvalidItems("a dataset version needs at least one item", field=field)
        check_size(merged, field=field)
        version, _ = definition_services.store_version(DATASETS, dataset, {"items": merged}, created_by=created_by)
    return version


def items_from_runs(*, project, run_ids: list, field: str = "from_runs") -> list[dict]:
    """Items built from finished runs of this project: the run's input, its output as expected."""
    from runs.models import Run

    if not isinstance(run_ids, list) or not run_ids or not all(isinstance(r, str) for r in run_ids):
        raise InvalidField(field, "must be a non-empty list of run ids")
    runs = {r.pk: r for r in Run.objects.filter(project=project, pk__in=run_ids)}
    missing = [f"{field}[{i}]: run {rid!r} not found" for i, rid in enumerate(run_ids) if rid not in runs]
    if missing:
        raise ObjectNotFound(missing[0], errors={field: missing})
    unfinished = [f"{field}[{i}]: run {rid!r} is {runs[rid].status}, not succeeded" for i, rid in enumerate(run_ids)
                  if runs[rid].status != "succeeded"]
    if unfinished:
        raise InvalidItems(unfinished[0], errors={field: unfinished})
    items = []
    for rid in dict.fromkeys(run_ids):
        run = runs[rid]
        target = run.agent.name if run.agent_id and run.agent else (run.workflow.name if run.workflow else "")
        items.append({"id": rid, "input": run.input, "expected": run.output,
                      "metadata": {"source_run": rid, "target": target}})
    return redacted_items(project, items)  # as the runs' own rows are: a dataset must not undo redaction


def record_feedback(*, run, thumbs: str | None = None, score: float | None = None, comment: str = "",
                    created_by: str = "") -> Feedback:
    if thumbs is None and score is None and not comment:
        raise InvalidField("body", "give at least one of thumbs, score or comment")
    if thumbs is not None and thumbs not in THUMBS:
        raise InvalidField("thumbs", "must be 'up' or 'down'")
    from evals.rescoring import rescore_human

    entry = Feedback.objects.create(project=run.project, run=run, thumbs=thumbs or "", score=score,
                                    comment=comment or "", created_by=created_by)
    rescore_human(run.pk)  # the `human` metric of evals that scored this run reads it now
    return entry


def create_policy(*, project, target: dict, environment: str, dataset: str, thresholds: list[str],
                  latest_dataset_version: bool = True, max_age_days: int | None = 7,
                  created_by: str = "") -> PromotionPolicy:
    """A promotion policy; thresholds must parse (metric names are checked at promotion time,
    against the metrics the eval computed)."""
    if environment not in ENVIRONMENTS:
        raise InvalidField("environment", f"must be one of {', '.join(ENVIRONMENTS)}")
    kind, ref = _target_ref(target)
    definition = _find_target(project, kind, ref)
    ds = definition_selectors.find_definition(DATASETS, project, dataset)
    if ds is None:
        raise InvalidField("dataset", f"unknown dataset {dataset!r}")
    if not thresholds:
        raise InvalidField("thresholds", "a policy needs at least one threshold")
    if not isinstance(thresholds, list) or not all(isinstance(t, str) for t in thresholds):
        raise InvalidField("thresholds", "must be a list of threshold expressions")
    for index, text in enumerate(thresholds):
        try:
            parse_threshold(text)
        except EvalError as exc:
            raise InvalidField(f"thresholds[{index}]", exc.message) from None
    if any(t.strip().startswith(("delta", "no_regression")) for t in thresholds):
        raise InvalidField("thresholds", "a policy's thresholds are absolute (no baseline at promotion time)")
    existing = PromotionPolicy.objects.filter(project=project, environment=environment,
                                              **{kind: definition}).first()
    if existing is not None:
        raise StateConflict(f"{kind} {definition.name!r} already has a policy for {environment} ({existing.id})",
                            field="environment")
    return PromotionPolicy.objects.create(project=project, kind=kind, environment=environment, dataset=ds,
                                          thresholds=list(thresholds), latest_dataset_version=latest_dataset_version,
                                          max_age_days=max_age_days, created_by=created_by, **{kind: definition})


def _target_ref(target) -> tuple[str, str]:
    if not isinstance(target, dict):
        raise InvalidField("target", "must be an object {agent|workflow, version?|environment?}")
    kinds = [k for k in ("agent", "workflow") if target.get(k)]
    if len(kinds) != 1:
        raise InvalidField("target", "give exactly one of 'agent' or 'workflow'")
    ref = target[kinds[0]]
    if not isinstance(ref, str):
        raise InvalidField(f"target.{kinds[0]}", "must be a name or id")
    return kinds[0], ref


def _find_target(project, kind: str, ref: str):
    from agents.models import AGENTS
    from workflows.models import WORKFLOWS

    definition = definition_selectors.find_definition(AGENTS if kind == "agent" else WORKFLOWS, project, ref)
    if definition is None:
        raise InvalidField(f"target.{kind}", f"unknown {kind} {ref!r}")
    return definition


def check_thresholds(texts, metric_names, *, has_baseline: bool) -> list:
    try:
        return parse_thresholds(texts, metric_names, has_baseline=has_baseline)
    except EvalError as exc:
        raise InvalidField(str(exc.details.get("field") or "thresholds"), exc.message) from None
