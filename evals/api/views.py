# Views translate HTTP and delegate to evals.services / eval_requests / selectors.
from __future__ import annotations

import base64
import binascii

from django.db import transaction
from django.http import HttpResponse, StreamingHttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from agent_platform.api.errors import FieldError, NotFound
from agent_platform.api.idempotency import idempotent
from agent_platform.api.input_boundary import BoundedJSONParser, BoundedMultiPartParser
from agent_platform.api.serializers import validated
from agent_platform.api.views import ProjectAPIView
from agent_platform.definitions import selectors as definition_selectors
from agent_platform.definitions import services as definition_services
from agent_platform.definitions.api.views import DefinitionApi
from evals import eval_requests, selectors, services
from evals.api import serializers as s
from evals.dataset_files import items_from_upload
from evals.models import DATASETS

DATASET_API = DefinitionApi(DATASETS, body_serializer=s.DatasetVersionIn, module="evals.api.serializers",
                            routes=("detail", "versions", "version", "promote"))
ITEMS_PAGE_MAX = 1000


def _user(request):
    return request.user if getattr(request.user, "pk", None) else None


def dataset_dict(dataset) -> dict:
    latest = definition_selectors.latest_version(DATASETS, dataset)
    return {"id": dataset.id, "name": dataset.name, "description": dataset.description,
            "latest_version": latest.number if latest else None, "items": len(latest.items) if latest else 0,
            "environments": definition_selectors.environment_numbers(DATASETS, dataset),
            "created_at": dataset.created_at, "updated_at": dataset.updated_at}


def _items_of_request(request, data: dict, *, required: bool) -> list[dict] | None:
    """Items from `items`, an uploaded `file`, or (items endpoint) `from_runs`; tags added."""
    sources = [k for k in ("items", "file", "from_runs") if data.get(k) is not None]
    if len(sources) > 1:
        raise FieldError(sources[1], f"give one of items, file or from_runs (got {', '.join(sources)})")
    if not sources:
        if required:
            raise FieldError("items", "give items, a file (multipart) or from_runs")
        return None
    if sources[0] == "file":
        items = items_from_upload(data["file"], mapping=data.get("mapping"), format=data.get("format"))
    elif sources[0] == "from_runs":
        items = services.items_from_runs(project=request.project, run_ids=list(data["from_runs"]))
    else:
        items = list(data["items"])
    tags = data.get("tags") or []
    if tags:
        items = [{**i, "tags": sorted({*(i.get("tags") or []), *tags})} if isinstance(i, dict) else i for i in items]
    return items


def _form_data(request) -> dict:
    """Multipart fields as plain values (lists for list fields), JSON bodies as they are."""
    if request.content_type.startswith("multipart/"):
        data = {k: request.data.get(k) for k in request.data if k != "file"}
        for name in ("tags", "remove"):
            if name in request.data:
                data[name] = [v for value in request.data.getlist(name) for v in str(value).split(",") if v]
        if "replace" in data:
            data["replace"] = str(data["replace"]).lower() in ("1", "true", "yes", "on")
        if request.FILES.get("file") is not None:
            data["file"] = request.FILES["file"]
        return data
    return request.data


class DatasetList(ProjectAPIView):
    parser_classes = [BoundedJSONParser, BoundedMultiPartParser]

    @extend_schema(responses=s.DatasetDetailOut(many=True), operation_id="datasets_list")
    def get(self, request):
        return self.list_response(definition_selectors.definitions_for_project(DATASETS, request.project),
                                  dataset_dict)

    @extend_schema(request={"application/json": s.DatasetCreateIn, "multipart/form-data": s.DatasetCreateIn},
                   responses={201: s.DatasetDetailOut}, operation_id="datasets_create")
    def post(self, request):
        data = validated(s.DatasetCreateIn, _form_data(request))

        def create():
            items = _items_of_request(request, data, required=False)
            dataset, _ = services.create_dataset(project=request.project, name=data["name"],
                                                 description=data.get("description", ""), items=items,
                                                 created_by=_user(request))
            return Response(dataset_dict(dataset), status=201)
        if data.get("file") is not None:
            return create()  # an upload's body cannot be hashed for idempotency
        return idempotent(request, "POST /datasets", create)


class DatasetItems(ProjectAPIView):
    parser_classes = [BoundedJSONParser, BoundedMultiPartParser]

    @extend_schema(request={"application/json": s.DatasetItemsIn, "multipart/form-data": s.DatasetItemsIn},
                   responses={201: DATASET_API.serializers.version_out, 200: DATASET_API.serializers.version_out},
                   operation_id="datasets_items_create")
    def post(self, request, dataset_id: str):
        dataset = selectors.get_dataset(request.project, dataset_id)
        data = validated(s.DatasetItemsIn, _form_data(request))
        items = _items_of_request(request, data, required=not data.get("remove"))
        latest = definition_selectors.latest_number(DATASETS, dataset)
        version = services.add_items(dataset=dataset, items=items or [], replace=data.get("replace", False),
                                     remove=data.get("remove"), created_by=_user(request),
                                     field="from_runs" if data.get("from_runs") else "items")
        created = version.number != latest
        return Response(DATASET_API.serializers.version_out(version).data, status=201 if created else 200)


class EvalList(ProjectAPIView):
    @extend_schema(responses=s.EvalOut(many=True), operation_id="evals_list",
                   parameters=[OpenApiParameter(n, str, required=False)
                               for n in ("status", "dataset", "agent", "workflow", "kind")])
    def get(self, request):
        return self.list_response(selectors.evals_for_project(request.project, request.query_params),
                                  selectors.eval_dict)

    @extend_schema(request=s.EvalCreateIn, responses={202: s.EvalOut}, operation_id="evals_create")
    def post(self, request):
        def create():
            eval_run = eval_requests.create_eval(project=request.project, data=request.data,
                                                 created_by=definition_services.actor_label(request))
            return Response(selectors.eval_dict(selectors.get_eval(request.project, eval_run.pk)), status=202)
        return idempotent(request, "POST /evals", create)


class EvalDetail(ProjectAPIView):
    @extend_schema(responses=s.EvalOut, operation_id="evals_retrieve")
    def get(self, request, eval_id: str):
        return Response(selectors.eval_dict(selectors.get_eval(request.project, eval_id)))


def _offset(raw: str | None) -> int:
    if not raw:
        return 0
    try:
        value = int(base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)).decode())
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise FieldError("cursor", "is not a valid cursor") from None
    if value < 0:
        raise FieldError("cursor", "is not a valid cursor")
    return value


class EvalItems(ProjectAPIView):
    @extend_schema(responses=s.EvalItemOut(many=True), operation_id="evals_items_list",
                   parameters=[OpenApiParameter("status", str, required=False),
                               OpenApiParameter("tag", str, required=False),
                               OpenApiParameter("failed", bool, required=False),
                               OpenApiParameter("regressed", bool, required=False),
                               OpenApiParameter("limit", int, required=False),
                               OpenApiParameter("cursor", str, required=False)])
    def get(self, request, eval_id: str):
        eval_run = selectors.get_eval(request.project, eval_id)
        rows = selectors.results_of(eval_run, request.query_params)
        raw_limit = request.query_params.get("limit") or "200"
        if not raw_limit.isdigit() or not 1 <= int(raw_limit) <= ITEMS_PAGE_MAX:
            raise FieldError("limit", f"must be an integer from 1 to {ITEMS_PAGE_MAX}")
        start, limit = _offset(request.query_params.get("cursor")), int(raw_limit)
        page = rows[start:start + limit]
        items = selectors.items_by_id(eval_run)
        nxt = base64.urlsafe_b64encode(str(start + limit).encode()).decode().rstrip("=") \
            if start + limit < len(rows) else None
        return Response({"data": [selectors.item_dict(r, items.get(r.item_id)) for r in page], "next_cursor": nxt})


class EvalCancel(ProjectAPIView):
    @extend_schema(request=None, responses=s.EvalOut, operation_id="evals_cancel")
    def post(self, request, eval_id: str):
        eval_run = eval_requests.cancel_eval(eval_run=selectors.get_eval(request.project, eval_id))
        return Response(selectors.eval_dict(eval_run))


class EvalReport(ProjectAPIView):
    @extend_schema(responses={(200, "application/json"): s.EvalOut, (200, "application/xml"): OpenApiTypes.STR,
                              (200, "text/markdown"): OpenApiTypes.STR}, operation_id="evals_report",
                   parameters=[OpenApiParameter("format", str, enum=["json", "junit", "markdown"], required=False)])
    def get(self, request, eval_id: str):
        from evals import exports, reports

        eval_run = selectors.get_eval(request.project, eval_id)
        fmt = request.query_params.get("format") or "json"
        if fmt == "json":
            return Response(selectors.eval_dict(eval_run))
        if fmt not in ("junit", "markdown"):
            raise FieldError("format", "must be json, junit or markdown")
        stored = exports.stored_export(eval_run, fmt)  # the file written when the eval finished
        if stored is not None:
            chunks, content_type = stored
            return StreamingHttpResponse(chunks, content_type=content_type)
        body, content_type = reports.render(eval_run, fmt)
        return HttpResponse(body, content_type=content_type)

    def perform_content_negotiation(self, request, force=False):
        # `?format=` names the export here, not a DRF renderer.
        return JSONRenderer(), "application/json"


class PolicyList(ProjectAPIView):
    permission_map = {"POST": "deploy_project"}

    @extend_schema(responses=s.PolicyOut(many=True), operation_id="promotion_policies_list")
    def get(self, request):
        return self.list_response(selectors.policies_for_project(request.project), selectors.policy_dict)

    @extend_schema(request=s.PolicyIn, responses={201: s.PolicyOut}, operation_id="promotion_policies_create")
    def post(self, request):
        data = validated(s.PolicyIn, request.data)
        policy = services.create_policy(project=request.project, created_by=definition_services.actor_label(request),
                                        **data)
        return Response(selectors.policy_dict(policy), status=201)


class PolicyDetail(ProjectAPIView):
    permission_map = {"DELETE": "deploy_project"}

    def _get(self, request, policy_id: str):
        policy = selectors.policies_for_project(request.project).filter(pk=policy_id).first()
        if policy is None:
            raise NotFound(f"Promotion policy {policy_id!r} not found.")
        return policy

    @extend_schema(responses=s.PolicyOut, operation_id="promotion_policies_retrieve")
    def get(self, request, policy_id: str):
        return Response(selectors.policy_dict(self._get(request, policy_id)))

    @extend_schema(responses={204: None}, operation_id="promotion_policies_destroy")
    def delete(self, request, policy_id: str):
        with transaction.atomic():
            self._get(request, policy_id).delete()
        return Response(status=204)


class RunFeedback(ProjectAPIView):
    def _run(self, request, run_id: str):
        from runs.models import Run

        run = Run.objects.filter(project=request.project, pk=run_id).first()
        if run is None:
            raise NotFound(f"Run {run_id!r} not found.")
        return run

    @extend_schema(responses=s.FeedbackOut(many=True), operation_id="runs_feedback_list")
    def get(self, request, run_id: str):
        run = self._run(request, run_id)
        return self.list_response(run.feedback.all(), selectors.feedback_dict)

    @extend_schema(request=s.FeedbackIn, responses={201: s.FeedbackOut}, operation_id="runs_feedback_create")
    def post(self, request, run_id: str):
        run = self._run(request, run_id)
        data = validated(s.FeedbackIn, request.data)
        entry = services.record_feedback(run=run, created_by=definition_services.actor_label(request), **data)
        return Response(selectors.feedback_dict(entry), status=201)


class PromotionOverride(ProjectAPIView):
    permission_map = {"POST": "own_project"}

    @extend_schema(request=s.OverrideIn, responses={201: s.OverrideOut}, operation_id="promotion_overrides_create")
    def post(self, request):
        from accounts.permissions import caller_can
        from evals.gates import promote_with_override

        data = validated(s.OverrideIn, request.data)
        promotion = promote_with_override(project=request.project, target=data["target"],
                                          environment=data["environment"], reason=data["reason"],
                                          actor=definition_services.actor_label(request),
                                          can_deploy=caller_can(request, request.project, "deploy_project"))
        return Response({"environment": promotion.environment, "version": promotion.version.number,
                         "previous_version": promotion.previous_version.number if promotion.previous_version else None,
                         "promoted_by": promotion.promoted_by, "promoted_at": promotion.promoted_at,
                         "note": promotion.note}, status=201)
