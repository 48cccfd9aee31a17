"""Console pages: the overview on the admin home, a page per agent/workflow, model usage.

Thin: parse the project and range, check the user may see the project (else 404), ask the
selectors, and hand the figures and the rendered SVG charts to the templates."""
from __future__ import annotations

from django.contrib import admin
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from accounts.admin_scoping import visible_projects
from accounts.models import Project
from agents.models import Agent
from dashboards import selectors
from dashboards.chart_sets import model_charts, run_charts
from workflows.models import Workflow

TARGET_MODELS = {"agent": Agent, "workflow": Workflow}


class BadParameter(ValueError):
    def __init__(self, name: str, message: str) -> None:
        super().__init__(f"{name}: {message}")
        self.name, self.message = name, message


def _window(request: HttpRequest) -> selectors.Window:
    key = request.GET.get("range", selectors.DEFAULT_RANGE)
    if key not in selectors.RANGES:
        raise BadParameter("range", f"must be one of {', '.join(selectors.RANGES)}")
    return selectors.window(key)


def _project(request: HttpRequest) -> Project | None:
    """The project named by `?project=<slug>` (404 if the user cannot see it), else the first visible one."""
    projects = visible_projects(request.user)
    slug = request.GET.get("project")
    if slug:
        project = projects.filter(slug=slug).first()
        if project is None:
            raise Http404("no such project")
        return project
    return projects.order_by("slug").first()


def _controls(request: HttpRequest, project: Project | None, win: selectors.Window, *, projects: bool = True) -> dict:
    return {"projects": list(visible_projects(request.user).order_by("slug")) if projects else [],
            "project": project, "window": win,
            "ranges": [(key, label) for key, (label, _, _) in selectors.RANGES.items()]}


def _bad_request(request: HttpRequest, error: BadParameter) -> HttpResponse:
    context = {**admin.site.each_context(request), "title": "Bad request", "error": error}
    return render(request, "dashboards/bad_request.html", context, status=400)


def overview_context(request: HttpRequest) -> dict:
    """What the admin home shows above the app list (an empty dict when the user sees no project)."""
    win = _window(request)
    project = _project(request)
    if project is None:
        return {}
    data = selectors.overview(project, win)
    return {**_controls(request, project, win), "overview": data, "charts": run_charts(data.series),
            "targets": data.targets}


def admin_home(request: HttpRequest) -> HttpResponse:
    try:
        dashboard = overview_context(request)
    except BadParameter as error:
        return _bad_request(request, error)
    return admin.site.index(request, extra_context={"dashboard": dashboard})


def target_page(request: HttpRequest, kind: str, target_id: str) -> HttpResponse:
    model = TARGET_MODELS.get(kind)
    definition = model.objects.filter(pk=target_id, project__in=visible_projects(request.user)).select_related(
        "project").first() if model else None
    if definition is None:
        raise Http404(f"no such {kind}")
    try:
        win = _window(request)
    except BadParameter as error:
        return _bad_request(request, error)
    data = selectors.target(definition.project, kind, definition.pk, win)
    context = {**admin.site.each_context(request), **_controls(request, definition.project, win, projects=False),
               "title": f"{kind.capitalize()} {definition.name}", "kind": kind, "definition": definition,
               "page": data, "charts": run_charts(data.series)}
    return render(request, "dashboards/target.html", context)


def models_page(request: HttpRequest) -> HttpResponse:
    try:
        win = _window(request)
        project = _project(request)
    except BadParameter as error:
        return _bad_request(request, error)
    context = {**admin.site.each_context(request), **_controls(request, project, win), "title": "Model usage and cost"}
    if project is not None:
        data = selectors.models(project, win)
        context.update(page=data, charts=model_charts(data))
    return render(request, "dashboards/models.html", context)
