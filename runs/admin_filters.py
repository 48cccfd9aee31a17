"""List filters of the console's runs list: agent, workflow and pinned version, each listing only
what the user's projects hold (a related-field filter would list every project's agents)."""
from __future__ import annotations

from django.contrib import admin
from django.db.models import Q

from accounts.admin_scoping import visible_projects
from agents.models import Agent
from workflows.models import Workflow


class _DefinitionFilter(admin.SimpleListFilter):
    model: type = Agent
    field = "agent"

    def lookups(self, request, model_admin):
        definitions = self.model.objects.filter(project__in=visible_projects(request.user)).select_related("project")
        multi = len({d.project_id for d in definitions}) > 1
        return [(d.pk, f"{d.name} ({d.project.slug})" if multi else d.name)
                for d in definitions.order_by("name", "project__slug")]

    def queryset(self, request, queryset):
        return queryset.filter(**{f"{self.field}_id": self.value()}) if self.value() else queryset


class AgentFilter(_DefinitionFilter):
    title, parameter_name = "agent", "agent"
    model, field = Agent, "agent"


class WorkflowFilter(_DefinitionFilter):
    title, parameter_name = "workflow", "workflow"
    model, field = Workflow, "workflow"


class VersionFilter(admin.SimpleListFilter):
    """The pinned version number (of the agent or workflow, whichever the run targets)."""

    title, parameter_name = "version", "version"

    def lookups(self, request, model_admin):
        numbers = set(model_admin.get_queryset(request).exclude(agent_version=None)
                      .values_list("agent_version__number", flat=True).distinct())
        numbers |= set(model_admin.get_queryset(request).exclude(workflow_version=None)
                       .values_list("workflow_version__number", flat=True).distinct())
        return [(str(n), f"v{n}") for n in sorted(numbers)]

    def queryset(self, request, queryset):
        if not (self.value() or "").isdigit():
            return queryset
        number = int(self.value())
        return queryset.filter(Q(agent_version__number=number) | Q(workflow_version__number=number))
