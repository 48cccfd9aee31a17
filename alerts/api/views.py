"""Alert rules and the alert history over HTTP (docs/observability.md#alerts)."""
from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.response import Response

from agent_platform.api.errors import FieldError
from agent_platform.api.idempotency import idempotent
from agent_platform.api.serializers import validated
from agent_platform.api.views import ProjectAPIView
from alerts import selectors, services
from alerts.api import serializers as s

READ, MANAGE = "read_project", "manage_project"  # rules send project data out (emails, webhooks): admins
TAGS = ["alerts"]
PAGE_PARAMETERS = [
    OpenApiParameter("limit", int, required=False, description="page size, 1..200 (default 50)"),
    OpenApiParameter("cursor", str, required=False, description="`next_cursor` of the previous page"),
]


class AlertRuleList(ProjectAPIView):
    """Alert rules of the project, evaluated every minute by the scheduler."""

    permission_map = {"GET": READ, "POST": MANAGE}

    @extend_schema(tags=TAGS, operation_id="alert_rules_list", summary="List alert rules",
                   parameters=PAGE_PARAMETERS, responses=s.AlertRulePageOut)
    def get(self, request):
        return self.list_response(selectors.rules_for_project(request.project), lambda r: s.AlertRuleOut(r).data)

    @extend_schema(tags=TAGS, operation_id="alert_rules_create", summary="Create an alert rule",
                   request=s.AlertRuleIn, responses={201: s.AlertRuleOut})
    def post(self, request):
        data = validated(s.AlertRuleIn, request.data)

        def create():
            rule = services.create_rule(project=request.project, data=data)
            return Response(s.AlertRuleOut(rule).data, status=201)
        return idempotent(request, "POST /alert-rules", create)


class AlertRuleDetail(ProjectAPIView):
    """One alert rule of the project (another project's answers 404)."""

    permission_map = {"GET": READ, "PATCH": MANAGE, "DELETE": MANAGE}

    @extend_schema(tags=TAGS, operation_id="alert_rules_retrieve", summary="Get an alert rule",
                   responses=s.AlertRuleOut)
    def get(self, request, rule_id: str):
        return Response(s.AlertRuleOut(selectors.rule_of_project(request.project, rule_id)).data)

    @extend_schema(tags=TAGS, operation_id="alert_rules_partial_update", summary="Change an alert rule",
                   request=s.AlertRulePatch, responses=s.AlertRuleOut)
    def patch(self, request, rule_id: str):
        rule = selectors.rule_of_project(request.project, rule_id)
        data = validated(s.AlertRulePatch, request.data)
        return Response(s.AlertRuleOut(services.update_rule(rule=rule, data=data)).data)

    @extend_schema(tags=TAGS, operation_id="alert_rules_destroy", summary="Delete an alert rule (and its history)",
                   responses={204: None})
    def delete(self, request, rule_id: str):
        services.delete_rule(rule=selectors.rule_of_project(request.project, rule_id))
        return Response(status=204)


class AlertList(ProjectAPIView):
    """The alert history of the project: every firing and resolution, newest first."""

    permission_map = {"GET": READ}

    @extend_schema(tags=TAGS, operation_id="alerts_list", summary="List alerts (firing and resolved events)",
                   parameters=[*PAGE_PARAMETERS,
                               OpenApiParameter("rule", str, required=False, description="only this rule's"),
                               OpenApiParameter("state", str, required=False, enum=["firing", "resolved"])],
                   responses=s.AlertPageOut)
    def get(self, request):
        state = request.query_params.get("state") or None
        if state not in (None, "firing", "resolved"):
            raise FieldError("state", "one of firing, resolved")
        events = selectors.alerts_for_project(request.project, rule_id=request.query_params.get("rule") or None,
                                              state=state)
        return self.list_response(events, lambda e: s.AlertOut(e).data, time_field="at")
