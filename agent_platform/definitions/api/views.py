# One set of API views for every versioned kind, configured by a `DefinitionApi` (the kind, its
# body serializer and component names). Views translate HTTP and delegate to the layer's services
# and selectors. No class docstrings on purpose: drf-spectacular would make them every kind's
# operation descriptions.
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework.response import Response

from accounts.permissions import caller_can
from agent_platform.api.idempotency import idempotent
from agent_platform.api.serializers import validated
from agent_platform.api.views import ProjectAPIView
from agent_platform.definitions import selectors, services
from agent_platform.definitions.api.serializers import DefinitionSerializers, SerializerNames, serializers_for
from agent_platform.definitions.kinds import DefinitionKind


@dataclass(frozen=True, eq=False)
class DefinitionApi:
    """A kind's REST API: `/<url_prefix>`, `/<url_prefix>/<id>`, `.../versions`,
    `.../versions/<number>` and `.../promote`, or the `routes` named (e.g. custom tools have their
    own list and detail views, and no environments: routes=("versions", "version"))."""

    kind: DefinitionKind
    body_serializer: type  # documents POST .../versions; the kind's validate_body decides
    module: str  # where the serializer classes are said to live (the kind's api.serializers)
    names: SerializerNames = field(default_factory=SerializerNames)
    routes: tuple[str, ...] = ("list", "detail", "versions", "version", "promote")
    before_new_version: Callable[[str], None] | None = None  # (ref) -> None, or raise (e.g. read-only)

    @cached_property
    def serializers(self) -> DefinitionSerializers:
        parts = {part for route in self.routes for part in _PARTS[route]}
        return serializers_for(self.kind, self.names, self.module, parts)

    @property
    def url_param(self) -> str:
        return f"{self.kind.name}_id"

    def get_definition(self, request, path: dict):
        return selectors.get_definition(self.kind, request.project, path[self.url_param])

    @cached_property
    def views(self) -> dict[str, type[ProjectAPIView]]:
        return {route: _VIEW_MAKERS[route](self) for route in self.routes}


def _user(request):
    return request.user if getattr(request.user, "pk", None) else None


class DefinitionList(ProjectAPIView):
    api: DefinitionApi

    def get(self, request, **path):
        out = self.api.serializers.out
        return self.list_response(selectors.definitions_for_project(self.api.kind, request.project),
                                  lambda d: out(d).data)

    def post(self, request, **path):
        data = validated(self.api.serializers.create, request.data)

        def create():
            definition = services.create_definition(self.api.kind, project=request.project, **data)
            return Response(self.api.serializers.out(definition).data, status=201)
        return idempotent(request, f"POST /{self.api.kind.url_prefix}", create)


class DefinitionDetail(ProjectAPIView):
    api: DefinitionApi
    permission_map = {"DELETE": "deploy_project"}

    def get(self, request, **path):
        return Response(self.api.serializers.out(self.api.get_definition(request, path)).data)

    def patch(self, request, **path):
        definition = self.api.get_definition(request, path)
        data = validated(self.api.serializers.patch, request.data)
        updated = services.update_definition(self.api.kind, definition, **data)
        return Response(self.api.serializers.out(updated).data)

    def delete(self, request, **path):
        services.delete_definition(self.api.kind, self.api.get_definition(request, path))
        return Response(status=204)


class VersionList(ProjectAPIView):
    api: DefinitionApi

    def get(self, request, **path):
        definition = self.api.get_definition(request, path)
        out = self.api.serializers.version_out
        return self.list_response(selectors.versions_of(self.api.kind, definition), lambda v: out(v).data)

    def post(self, request, **path):
        if self.api.before_new_version is not None:
            self.api.before_new_version(path[self.api.url_param])
        definition = self.api.get_definition(request, path)
        version, created = services.create_version(self.api.kind, definition, request.data,
                                                   created_by=_user(request),
                                                   validate_refs=self.api.kind.refs_validator())
        return Response(self.api.serializers.version_out(version).data, status=201 if created else 200)


class VersionDetail(ProjectAPIView):
    api: DefinitionApi

    def get(self, request, number: int, **path):
        definition = self.api.get_definition(request, path)
        version = selectors.get_version(self.api.kind, definition, number)
        return Response(self.api.serializers.version_out(version).data)


class Promote(ProjectAPIView):
    api: DefinitionApi

    def post(self, request, **path):
        definition = self.api.get_definition(request, path)
        data = validated(self.api.serializers.promote_in, request.data)
        version = selectors.get_version(self.api.kind, definition, data["version"])
        promotion = services.promote(self.api.kind, definition, version, data["environment"],
                                     actor=services.actor_label(request), note=data.get("note", ""),
                                     can_deploy=caller_can(request, request.project, "deploy_project"))
        return Response(self.api.serializers.promotion_out(promotion).data, status=201)

    def get(self, request, **path):
        definition = self.api.get_definition(request, path)
        promotions = definition.promotions.select_related("version", "previous_version")
        out = self.api.serializers.promotion_out
        return self.list_response(promotions, lambda p: out(p).data, time_field="promoted_at")


def _view(api: DefinitionApi, base: type, suffix: str, **schemas) -> type[ProjectAPIView]:
    view = type(f"{api.kind.label}{suffix}", (base,), {"api": api, "__module__": api.module, "__doc__": None})
    return extend_schema_view(**{method: extend_schema(**schema) for method, schema in schemas.items()})(view)


def _list(api: DefinitionApi):
    s = api.serializers
    return _view(api, DefinitionList, "List", get={"responses": s.out(many=True)},
                 post={"request": s.create, "responses": {201: s.out}})


def _detail(api: DefinitionApi):
    s = api.serializers
    return _view(api, DefinitionDetail, "Detail", get={"responses": s.out},
                 patch={"request": s.patch, "responses": s.out}, delete={"responses": {204: None}})


def _versions(api: DefinitionApi):
    s = api.serializers
    return _view(api, VersionList, "VersionList", get={"responses": s.version_out(many=True)},
                 post={"request": api.body_serializer, "responses": {201: s.version_out, 200: s.version_out}})


def _version(api: DefinitionApi):
    return _view(api, VersionDetail, "VersionDetail", get={"responses": api.serializers.version_out})


def _promote(api: DefinitionApi):
    s = api.serializers
    return _view(api, Promote, "Promote", post={"request": s.promote_in, "responses": {201: s.promotion_out}},
                 get={"responses": s.promotion_out(many=True)})


_PARTS = {"list": ("out", "create"), "detail": ("out", "patch"), "versions": ("version_out",),
          "version": ("version_out",), "promote": ("promote_in", "promotion_out")}
_VIEW_MAKERS = {"list": _list, "detail": _detail, "versions": _versions, "version": _version, "promote": _promote}
