"""Console: a project's limits and its usage against each (on the project's page), and a list of
every limits row (project and API keys) with usage."""
from __future__ import annotations

from django.contrib import admin
from django.utils.html import format_html, format_html_join

from accounts.admin_scoping import ProjectScopedAdmin, in_any_project, projects_where, user_can
from limits.models import LIMIT_FIELDS, Limits
from limits.usage import usage_for

LABELS = {"requests_per_minute": "requests / minute", "concurrent_runs": "concurrent runs",
          "tokens_per_day": "tokens / day", "usd_per_day": "USD / day", "usd_per_month": "USD / month"}


def usage_table(row: Limits) -> str:
    """A small table: each limit, what is used (and reserved), what remains."""
    if row.project_id is None:
        return "—"
    try:
        usage = usage_for(row)
    except Exception as exc:  # noqa: BLE001 - the page still shows the limits when Redis is down
        return format_html('<span class="ac-muted">usage unavailable ({})</span>', type(exc).__name__)
    cells = []
    for name in LIMIT_FIELDS:
        entry = usage[name]
        limit = "no limit" if entry["limit"] is None else f"{entry['limit']:g}"
        reserved = f" (+{entry['reserved']:g} reserved)" if entry.get("reserved") else ""
        cells.append((LABELS[name], f"{entry['used']:g}{reserved}", limit))
    rows = format_html_join("", "<tr><th>{}</th><td>{}</td><td>{}</td></tr>", cells)
    return format_html('<table class="limits-usage"><thead><tr><th>limit</th><th>used</th><th>of</th></tr>'
                       "</thead><tbody>{}</tbody></table>", rows)


class ProjectLimitsInline(admin.StackedInline):
    """On the project's page: the project-wide limits (API keys' own rows are under Limits)."""

    model = Limits
    fk_name = "project"
    extra = 0
    max_num = 1
    can_delete = True
    verbose_name = verbose_name_plural = "budgets and rate limits"
    fields = [*LIMIT_FIELDS, "run_token_estimate", "usage"]
    readonly_fields = ["usage"]

    def get_queryset(self, request):
        return super().get_queryset(request).filter(api_key__isnull=True)

    @admin.display(description="usage now")
    def usage(self, obj):
        return usage_table(obj) if obj and obj.pk else "—"


MANAGE = "manage_project"


@admin.register(Limits)
class LimitsAdmin(ProjectScopedAdmin):
    """Staff see the limits of their projects; changing them takes `manage_project` (as in the API)."""

    list_display = ["__str__", "project", "api_key", *LIMIT_FIELDS]
    list_filter = ["project"]
    fields = ["project", "api_key", *LIMIT_FIELDS, "run_token_estimate", "usage"]
    readonly_fields = ["usage"]
    raw_id_fields = ["api_key"]

    @admin.display(description="usage now")
    def usage(self, obj):
        return usage_table(obj) if obj and obj.pk else "—"

    def has_change_permission(self, request, obj=None) -> bool:
        if obj is None:
            return in_any_project(request, MANAGE)
        return user_can(request.user, MANAGE, obj.project)

    has_delete_permission = has_change_permission

    def has_add_permission(self, request) -> bool:
        return in_any_project(request, MANAGE)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "project":
            kwargs["queryset"] = projects_where(request.user, MANAGE)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)
