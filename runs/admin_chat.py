"""Agent chat in the console (`/admin/runs/run/chat/`): pick an agent and a version or an
environment, send a message, watch the answer and tool calls stream in, continue the conversation.

Each turn is one ordinary run, created by `runs.services.create_run` with the Agent IO input
`{message, messages}` (the previous turns); the page follows the run's events through the same
session-authenticated `<run>/events.json` as the run viewer's live mode (the SSE stream of the
API takes API keys, not the console session). The page script is static/admin-console/chat.js.
"""
from __future__ import annotations

import json

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed, JsonResponse
from django.template.response import TemplateResponse
from django.urls import reverse
from rest_framework import exceptions, serializers

from accounts.admin_scoping import WRITE, admin_url, in_any_project, projects_where, user_can
from agent_platform.api.errors import PROBLEM_TYPE, FieldError, problem_exception_handler
from agent_platform.api.serializers import StrictSerializer
from agent_platform.definitions.models import ENVIRONMENTS
from agent_platform.service_errors import ServiceError
from agents import selectors as agent_selectors
from agents.models import Agent
from runs import services
from runs.lifecycle import TERMINAL_EVENT

MAX_TURNS = 100  # previous messages sent back with a turn


class ChatMessageIn(StrictSerializer):
    role = serializers.ChoiceField(choices=["user", "assistant"])
    content = serializers.CharField(max_length=100_000, allow_blank=True, trim_whitespace=False)


class ChatTurnIn(StrictSerializer):
    agent = serializers.CharField(max_length=100, help_text="agent id")
    version = serializers.IntegerField(required=False, min_value=1)
    environment = serializers.ChoiceField(choices=ENVIRONMENTS, required=False)
    message = serializers.CharField(max_length=100_000, trim_whitespace=False)
    messages = ChatMessageIn(many=True, required=False, max_length=MAX_TURNS)


def chat_agents(user) -> list[dict]:
    """The agents this user may run, with their versions and the environments that point somewhere."""
    agents = Agent.objects.filter(project__in=projects_where(user, WRITE)).select_related("project") \
        .prefetch_related("versions").order_by("name", "project__slug")
    out = []
    for agent in agents:
        numbers = sorted((v.number for v in agent.versions.all()), reverse=True)
        if not numbers:
            continue
        environments = {env: n for env, n in agent_selectors.environments(agent).items() if n is not None}
        out.append({"id": agent.pk, "name": agent.name, "project": agent.project.slug, "versions": numbers,
                    "environments": environments, "url": admin_url(agent)})
    return out


def chat_page(model_admin, request: HttpRequest) -> HttpResponse:
    agents = chat_agents(request.user)
    if not agents and not in_any_project(request, WRITE):
        raise PermissionDenied  # chatting starts runs: developers and up
    context = {**model_admin.admin_site.each_context(request), "opts": model_admin.model._meta,
               "title": "Agent chat", "agents": agents, "selected": request.GET.get("agent", ""),
               "send_url": reverse("admin:runs_run_chat_send"),
               "terminal_types": " ".join(TERMINAL_EVENT.values())}
    return TemplateResponse(request, "admin/runs/run/chat.html", context)


def _problem(exc: Exception) -> JsonResponse:
    response = problem_exception_handler(exc, {})
    return JsonResponse(response.data, status=response.status_code, content_type=PROBLEM_TYPE)


def chat_send(model_admin, request: HttpRequest) -> HttpResponse:
    """POST one turn `{agent, version?|environment?, message, messages?}` → 201 `{run, status, ...}`."""
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    try:
        try:
            body = json.loads(request.body or b"{}")
        except (ValueError, UnicodeDecodeError):
            raise exceptions.ParseError("The body is not valid JSON.") from None
        data = ChatTurnIn(data=body)
        data.is_valid(raise_exception=True)
        turn = data.validated_data
        agent = Agent.objects.select_related("project").filter(pk=turn["agent"]).first()
        if agent is None or not user_can(request.user, WRITE, agent.project):
            raise FieldError("agent", f"unknown agent {turn['agent']!r}")
        run = services.create_run(
            project=agent.project, agent=agent.pk, version=turn.get("version"), environment=turn.get("environment"),
            input={"message": turn["message"], "messages": [dict(m) for m in turn.get("messages", [])]},
            metadata={"source": "console-chat", "user": request.user.get_username()})
    except (exceptions.APIException, FieldError, ServiceError) as error:
        return _problem(error)
    return JsonResponse({"run": run.pk, "status": run.status, "version": run.agent_version.number,
                         "environment": run.environment or None,
                         "events_url": admin_url(run, "events"),
                         "viewer_url": admin_url(run)}, status=201)

