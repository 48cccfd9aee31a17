"""Webhook endpoints, their delivery log, redelivery and the signing secret over HTTP."""
from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.response import Response

from agent_platform.api.idempotency import idempotent
from agent_platform.api.serializers import validated
from agent_platform.api.views import ProjectAPIView
from webhooks import selectors, services
from webhooks.api import serializers as s

READ, MANAGE = "read_project", "manage_project"
TAGS = ["webhooks"]
PAGE_PARAMETERS = [
    OpenApiParameter("limit", int, required=False, description="page size, 1..200 (default 50)"),
    OpenApiParameter("cursor", str, required=False, description="`next_cursor` of the previous page"),
]


class WebhookList(ProjectAPIView):
    """Endpoint subscriptions of the project: each gets a signed POST (Standard Webhooks) for every
    event whose type is in its `event_types` (`["*"]` = all). See docs/webhooks.md."""

    permission_map = {"GET": READ, "POST": MANAGE}

    @extend_schema(tags=TAGS, operation_id="webhooks_list", summary="List webhook endpoints",
                   parameters=PAGE_PARAMETERS, responses=s.WebhookPageOut)
    def get(self, request):
        return self.list_response(selectors.endpoints_for_project(request.project), lambda e: s.WebhookOut(e).data)

    @extend_schema(tags=TAGS, operation_id="webhooks_create", summary="Subscribe an endpoint to event types", request=s.WebhookIn,
                   responses={201: s.WebhookOut})
    def post(self, request):
        data = validated(s.WebhookIn, request.data)

        def create():
            endpoint = services.create_endpoint(project=request.project, **data)
            return Response(s.WebhookOut(endpoint).data, status=201)
        return idempotent(request, "POST /webhooks", create)


class WebhookDetail(ProjectAPIView):
    """One endpoint subscription of the project (another project's answers 404)."""

    permission_map = {"GET": READ, "PATCH": MANAGE, "DELETE": MANAGE}

    @extend_schema(tags=TAGS, operation_id="webhooks_retrieve", summary="Get a webhook endpoint", responses=s.WebhookOut)
    def get(self, request, webhook_id: str):
        return Response(s.WebhookOut(selectors.endpoint_of_project(request.project, webhook_id)).data)

    @extend_schema(tags=TAGS, operation_id="webhooks_partial_update", summary="Change a webhook endpoint", request=s.WebhookPatch, responses=s.WebhookOut)
    def patch(self, request, webhook_id: str):
        endpoint = selectors.endpoint_of_project(request.project, webhook_id)
        data = validated(s.WebhookPatch, request.data)
        return Response(s.WebhookOut(services.update_endpoint(endpoint=endpoint, data=data)).data)

    @extend_schema(tags=TAGS, operation_id="webhooks_destroy",
                   summary="Delete a webhook endpoint (and its delivery log)", responses={204: None})
    def delete(self, request, webhook_id: str):
        services.delete_endpoint(endpoint=selectors.endpoint_of_project(request.project, webhook_id))
        return Response(status=204)


class WebhookDeliveries(ProjectAPIView):
    """Deliveries to the endpoint with their attempts (status code, latency, error) and the next retry."""

    permission_map = {"GET": READ}

    @extend_schema(tags=TAGS, operation_id="webhooks_deliveries_list",
                   summary="The delivery log of a webhook endpoint (newest first)", parameters=PAGE_PARAMETERS,
                   responses=s.DeliveryPageOut)
    def get(self, request, webhook_id: str):
        endpoint = selectors.endpoint_of_project(request.project, webhook_id)
        return self.list_response(selectors.deliveries_of_endpoint(endpoint), lambda d: s.DeliveryOut(d).data)


class DeliveryRedeliver(ProjectAPIView):
    """Queue the delivery again: the same frozen body under the same `webhook-id`, a fresh retry budget."""

    permission_map = {"POST": MANAGE}

    @extend_schema(tags=TAGS, operation_id="webhooks_deliveries_redeliver",
                   summary="Send a delivery again (same body and webhook-id)", request=None,
                   responses={202: s.DeliveryOut})
    def post(self, request, delivery_id: str):
        delivery = services.redeliver(delivery=selectors.delivery_of_project(request.project, delivery_id))
        return Response(s.DeliveryOut(delivery).data, status=202)


class SigningSecretRotate(ProjectAPIView):
    """Generate a new `whsec_…` signing secret for the project; the response is the only time it is
    shown. Deliveries from now on are signed with it; signatures made with the old one no longer verify."""

    permission_map = {"POST": MANAGE}

    @extend_schema(tags=TAGS, operation_id="webhooks_signing_secret_rotate",
                   summary="Rotate the project's webhook signing secret (shown once)", request=None,
                   responses={200: s.SigningSecretOut})
    def post(self, request):
        secret, row = services.rotate_signing_secret(project=request.project)
        return Response({"secret": secret, "created_at": row.created_at, "rotated_at": row.rotated_at})
