"""The definition pages of the console: write a new version, promote a version (a confirmation
page), compare two versions. They go through the layer's services exactly as the API does; the
page only translates the form and shows the service's errors next to the fields."""
from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse

from accounts.admin_scoping import DEPLOY, WRITE, admin_url, user_can
from agent_platform.api.errors import ApiError, NotFound
from agent_platform.definitions import selectors, services
from agent_platform.definitions.admin_forms import PromoteForm, add_field_errors
from agent_platform.definitions.diff import body_diff
from agent_platform.definitions.errors import PromotionForbidden, PromotionGateFailed
from agent_platform.definitions.models import ENVIRONMENTS
from agent_platform.service_errors import ObjectNotFound, ServiceError

TEMPLATES = "admin/definitions"
PROD_NEEDS_DEPLOY = "Promoting to prod needs the admin role (deploy_project) on this project."


def page(model_admin, request: HttpRequest, template: str, status: int = 200, **context) -> TemplateResponse:
    """An admin page with the site's context and `opts` of `model_admin`'s model."""
    base = {**model_admin.admin_site.each_context(request), "opts": model_admin.model._meta}
    return TemplateResponse(request, template, {**base, **context}, status=status)


def new_version_view(model_admin, request: HttpRequest, object_id: str) -> HttpResponse:
    """GET: the kind's form prefilled from the latest version. POST: create the version (or say
    which existing version has the same body), or show every problem the service found."""
    kind = model_admin.kind
    definition = model_admin.object_or_404(request, object_id)
    if not user_can(request.user, WRITE, definition.project):
        raise PermissionDenied
    latest = selectors.latest_version(kind, definition)
    form_class = model_admin.version_form
    context = {"definition": definition, "definition_opts": definition._meta, "latest": latest,
               "title": f"New version of {definition.name}", "help": model_admin.new_version_help,
               "submit": model_admin.new_version_submit, "errors": []}
    if request.method != "POST":
        form = form_class(initial=form_class.initial_from(latest.body if latest else None))
        return page(model_admin, request, f"{TEMPLATES}/new_version.html", form=form,
                    extra=model_admin.new_version_extra(latest.body if latest else None),
                    **context)
    form = form_class(request.POST)
    body = None
    if form.is_valid():
        body = form.version_body()
        try:
            version, created = services.create_version(kind, definition, body, created_by=request.user,
                                                       validate_refs=kind.refs_validator())
        except (ApiError, ServiceError) as error:
            context["errors"] = form.add_api_errors(error)
        else:
            if created:
                messages.success(request, f"Created version {version.number} of {definition.name}.")
            else:
                messages.warning(request, f"Not saved: the body is identical to version {version.number}.")
            return HttpResponseRedirect(admin_url(version if model_admin.after_new_version == "version"
                                                  else definition))
    return page(model_admin, request, f"{TEMPLATES}/new_version.html", status=400, form=form,
                extra=model_admin.new_version_extra(body if body is not None else {}), **context)


def _environment_rows(kind, definition, version, can_deploy: bool) -> list[dict]:
    current = selectors.environment_numbers(kind, definition)
    return [{"name": name, "current": current.get(name), "target": version.number,
             "unchanged": current.get(name) == version.number, "allowed": name != "prod" or can_deploy}
            for name in ENVIRONMENTS]


def promote_view(model_admin, request: HttpRequest, object_id: str) -> HttpResponse:
    """A confirmation page: each environment's current version and the one it will point at.
    POST with `environment` promotes; prod needs `deploy_project` on the project."""
    kind = model_admin.kind
    version = model_admin.object_or_404(request, object_id)
    definition = version.definition
    if not user_can(request.user, WRITE, definition.project):
        raise PermissionDenied
    can_deploy = user_can(request.user, DEPLOY, definition.project)
    status = 200
    if request.method == "POST" and "cancel" in request.POST:
        return HttpResponseRedirect(admin_url(definition))
    if request.method == "POST":
        form = PromoteForm(request.POST)
        status = 400
        if form.is_valid():
            status, done = _promote(request, form, kind, definition, version, can_deploy)
            if done:
                return HttpResponseRedirect(admin_url(definition))
    else:
        form = PromoteForm(initial={"environment": request.GET.get("environment", "dev")})
    summarise = model_admin.definition_admin.version_summary
    return page(model_admin, request, f"{TEMPLATES}/promote.html", status=status, definition=definition,
                definition_opts=definition._meta, version=version, form=form, can_deploy=can_deploy,
                rows=_environment_rows(kind, definition, version, can_deploy),
                summary=summarise(version) if summarise else "", title=f"Promote {definition.name} v{version.number}")


def _promote(request: HttpRequest, form: PromoteForm, kind, definition, version, can_deploy: bool) -> tuple[int, bool]:
    environment = form.cleaned_data["environment"]
    try:
        promotion = services.promote(kind, definition, version, environment, actor=request.user.username,
                                     note=form.cleaned_data.get("note", ""), can_deploy=can_deploy)
    except PromotionForbidden:
        form.add_error("environment", PROD_NEEDS_DEPLOY)
        return 403, False
    except PromotionGateFailed as error:
        form.add_error(None, str(error.detail))
        return 409, False
    except (ApiError, ServiceError) as error:
        add_field_errors(form, error)
        return 400, False
    was = f"v{promotion.previous_version.number}" if promotion.previous_version else "nothing"
    messages.success(request, f"Promoted {definition.name} v{version.number} to {environment} (it pointed at {was}).")
    return 200, True


def diff_view(model_admin, request: HttpRequest, object_id: str) -> HttpResponse:
    """The body of this version against another (`?against=<number>`, default the previous one)."""
    kind = model_admin.kind
    version = model_admin.object_or_404(request, object_id)
    definition = version.definition
    against = request.GET.get("against") or str(version.number - 1)
    other = None
    if against.isdigit() and int(against) > 0:
        try:
            other = selectors.get_version(kind, definition, int(against))
        except (NotFound, ObjectNotFound):
            other = None
    numbers = list(selectors.versions_of(kind, definition).order_by("-number").values_list("number", flat=True))
    return page(model_admin, request, f"{TEMPLATES}/version_diff.html", status=200 if other or against == "0" else 404,
                definition=definition, definition_opts=definition._meta, version=version, other=other,
                numbers=[n for n in numbers if n != version.number],
                lines=body_diff(other.body if other else None, version.body),
                title=f"{definition.name} v{version.number} compared with "
                      f"{f'v{other.number}' if other else 'nothing'}")
