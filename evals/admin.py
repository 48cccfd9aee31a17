"""Evals in the admin console: datasets (the versioned-definition admin: versions with their
items, a JSON editor for new versions by hand), eval runs (a read-only list and an eval page with
the summary, filtered per-item table, outputs side by side with the baseline and a chart of
each metric across the target's versions), policies, overrides and feedback (with an "add these
runs to a dataset" action)."""
from __future__ import annotations

import json

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ActionForm
from django.http import JsonResponse
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from accounts.admin_scoping import WRITE, ProjectScopedAdmin, user_can
from agent_platform.api.errors import ApiError
from agent_platform.definitions import admin as definitions
from agent_platform.definitions.admin_forms import JsonBodyForm
from agent_platform.service_errors import ServiceError
from evals import selectors, services
from evals.charts import metric_chart_svg
from evals.models import DATASETS, EvalResult, EvalRun, Feedback, GateOverride, PromotionPolicy


class DatasetVersionForm(JsonBodyForm):
    starter_body = {"items": [{"id": "1", "input": "What is 2+2?", "expected": "4", "tags": ["smoke"]}]}
    error_prefix = "items"
    body_help = ('{"items": [{"id": ..., "input": ..., "expected"?: ..., "metadata"?: {...}, "tags"?: [...], '
                 '"split"?: ...}]} — the whole item set of the new version')


def items_table(version) -> str:
    rows = format_html_join("", "<tr><td>{}</td><td><code>{}</code></td><td><code>{}</code></td><td>{}</td></tr>", (
        (item["id"], _short(item.get("input")), _short(item.get("expected")), ", ".join(item.get("tags") or []))
        for item in (version.body or {}).get("items", [])[:500]))
    return format_html('<table class="eval-items"><thead><tr><th>id</th><th>input</th><th>expected</th>'
                       '<th>tags</th></tr></thead><tbody>{}</tbody></table>', rows)


def _short(value, limit: int = 200) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return text if len(text) <= limit else text[: limit - 1] + "…"


class DatasetAdmin(definitions.DefinitionAdmin):
    kind = DATASETS
    version_form = DatasetVersionForm
    version_columns = (definitions.Column("n_items", "items", lambda v: len((v.body or {}).get("items", []))),)
    version_fields = (definitions.Column("item_table", "items", items_table),)


definitions.register(DatasetAdmin)


@admin.register(EvalRun)
class EvalRunAdmin(ProjectScopedAdmin):
    list_display = ("id", "status", "target_label", "dataset_label", "progress", "passed", "created_at")
    list_filter = ("status", "kind")
    search_fields = ("id", "agent__name", "workflow__name", "dataset__name")

    def has_add_permission(self, request) -> bool:
        return False  # evals start from the API or run_eval

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    @admin.display(description="target")
    def target_label(self, obj: EvalRun) -> str:
        return f"{obj.kind} {obj.target.name if obj.target else '?'} v{obj.target_version.number}"

    @admin.display(description="dataset")
    def dataset_label(self, obj: EvalRun) -> str:
        return f"{obj.dataset.name} v{obj.dataset_version.number}"

    @admin.display(description="progress")
    def progress(self, obj: EvalRun) -> str:
        return f"{obj.completed}/{obj.total}"

    def get_urls(self):
        view = self.admin_site.admin_view
        return [path("<path:object_id>/progress.json", view(self.progress_json), name="evals_evalrun_progress"),
                path("<path:object_id>/change/", view(self.eval_page), name="evals_evalrun_change"),
                *super().get_urls()]

    def progress_json(self, request, object_id):
        """The eval's progress for the page's live mode (eval-live.js polls it while it runs)."""
        eval_run = self.object_or_404(request, object_id)
        return JsonResponse({"status": eval_run.status, "completed": eval_run.completed, "total": eval_run.total,
                             "percent": _percent(eval_run), "passed": eval_run.passed,
                             "terminal": eval_run.is_terminal})

    def eval_page(self, request, object_id):
        eval_run = self.object_or_404(request, object_id)
        body = selectors.eval_dict(eval_run)
        params = request.GET
        rows = selectors.results_of(eval_run, params)
        items = selectors.items_by_id(eval_run)
        baseline = {}
        if eval_run.baseline_id:
            baseline = {(r.item_id, r.repeat): r for r in EvalResult.objects.filter(eval_id=eval_run.baseline_id)}
        regressed = selectors.regressed_items(eval_run)
        table = [{"row": r, "item": items.get(r.item_id, {}), "passed": selectors.result_passed(r),
                  "output": _short(r.output, 400), "baseline": _short(baseline[(r.item_id, r.repeat)].output, 400)
                  if (r.item_id, r.repeat) in baseline else None, "regressed": r.item_id in regressed,
                  "input": _short(items.get(r.item_id, {}).get("input"), 300),
                  "expected": _short(items.get(r.item_id, {}).get("expected"), 300)}
                 for r in rows[:1000]]
        definition_id = getattr(eval_run, f"{eval_run.kind}_id")
        charts = [mark_safe(metric_chart_svg(  # noqa: S308 - every text in it is escaped
            name, selectors.metric_history(eval_run.project, eval_run.kind, definition_id, name,
                                           dataset_id=eval_run.dataset_id),
            current=eval_run.target_version.number)) for name in (body["summary"] or {})]
        tags = sorted({t for r in EvalResult.objects.filter(eval=eval_run) for t in (r.tags or [])})
        context = {**self.admin_site.each_context(request), "opts": self.model._meta, "eval": eval_run,
                   "body": body, "target_name": eval_run.target.name if eval_run.target else "?", "table": table, "charts": charts, "tags": tags, "title": f"Eval {eval_run.id}",
                   "filter": {k: params.get(k, "") for k in ("failed", "regressed", "tag")},
                   "percent": _percent(eval_run)}
        return TemplateResponse(request, "admin/evals/evalrun/detail.html", context)


def _percent(eval_run: EvalRun) -> int:
    return int(100 * eval_run.completed / eval_run.total) if eval_run.total else 100


@admin.register(PromotionPolicy)
class PromotionPolicyAdmin(ProjectScopedAdmin):
    list_display = ("id", "kind", "target_name", "environment", "dataset", "thresholds", "max_age_days")
    readonly_fields = ("project", "kind", "agent", "workflow", "environment", "dataset", "latest_dataset_version",
                       "thresholds", "max_age_days", "created_by", "created_at")

    def has_add_permission(self, request) -> bool:
        return False  # created over the API (POST /api/v1/promotion-policies)

    @admin.display(description="target")
    def target_name(self, obj: PromotionPolicy) -> str:
        return obj.target.name if obj.target else "?"


@admin.register(GateOverride)
class GateOverrideAdmin(ProjectScopedAdmin):
    list_display = ("created_at", "kind", "target_id", "version_number", "environment", "actor", "reason")
    readonly_fields = ("project", "policy", "kind", "target_id", "version_number", "environment", "actor", "reason",
                       "failures", "eval", "created_at")

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


class AddToDatasetForm(ActionForm):
    dataset = forms.CharField(required=False, label="dataset name",
                              help_text="for “add runs to dataset” (created if missing)")


@admin.register(Feedback)
class FeedbackAdmin(ProjectScopedAdmin):
    list_display = ("created_at", "run_link", "thumbs", "score", "comment", "created_by")
    list_filter = ("thumbs",)
    readonly_fields = ("project", "run", "thumbs", "score", "comment", "created_by", "created_at")
    action_form = AddToDatasetForm
    actions = ("add_runs_to_dataset",)

    def has_add_permission(self, request) -> bool:
        return False

    @admin.display(description="run")
    def run_link(self, obj: Feedback):
        return format_html('<a href="../../runs/run/{}/change/">{}</a>', obj.run_id, obj.run_id)

    @admin.action(description="Add these runs to a dataset (input, and output as expected)")
    def add_runs_to_dataset(self, request, queryset):
        name = (request.POST.get("dataset") or "").strip()
        if not name:
            self.message_user(request, "Name the dataset in the field next to the action.", messages.ERROR)
            return
        by_project: dict = {}
        for entry in queryset.select_related("project"):
            by_project.setdefault(entry.project, []).append(entry.run_id)
        for project, run_ids in by_project.items():
            if not user_can(request.user, WRITE, project):
                self.message_user(request, f"You may not change datasets of {project}.", messages.ERROR)
                continue
            try:
                items = services.items_from_runs(project=project, run_ids=list(dict.fromkeys(run_ids)))
                dataset = DATASETS.definition_model.objects.filter(project=project, name=name).first()
                if dataset is None:
                    dataset, version = services.create_dataset(project=project, name=name, items=items,
                                                               created_by=request.user)
                else:
                    version = services.add_items(dataset=dataset, items=items, created_by=request.user)
            except (ApiError, ServiceError) as exc:
                self.message_user(request, f"{project}: {exc.detail} {exc.errors}", messages.ERROR)
                continue
            self.message_user(request, f"{project}: dataset {name!r} is now at v{version.number} "
                                       f"({len(version.items)} items).", messages.SUCCESS)

