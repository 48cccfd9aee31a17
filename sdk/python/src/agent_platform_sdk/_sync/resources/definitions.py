# Generated from the _async/ twin by scripts/unasync.py: edit that file, not this one.
"""The versioned-definition resources (agents, workflows): CRUD, immutable versions, promotion."""
from __future__ import annotations

from typing import Any, Dict, Generic, Type, TypeVar

from agent_platform_sdk._sync._base import BaseClient
from agent_platform_sdk._sync._pagination import Paginator
from agent_platform_sdk._sync.resources._resource import Resource, segment
from agent_platform_sdk._types import NOT_GIVEN, NotGiven, TimeoutTypes, query_params, strip_not_given
from agent_platform_sdk.models import APIModel, PromoteRequest, RequestModel

DefinitionT = TypeVar("DefinitionT", bound=APIModel)
VersionT = TypeVar("VersionT", bound=APIModel)
PromotionT = TypeVar("PromotionT", bound=APIModel)
Timeout = TimeoutTypes | NotGiven


class DefinitionResource(Resource, Generic[DefinitionT, VersionT, PromotionT]):
    def __init__(self, client: BaseClient, *, prefix: str, model: Type[DefinitionT], version_model: Type[VersionT],
                 promotion_model: Type[PromotionT], create_model: Type[RequestModel], update_model: Type[RequestModel],
                 promote_model: Type[RequestModel] = PromoteRequest) -> None:
        super().__init__(client)
        self._prefix, self._model, self._version_model = prefix, model, version_model
        self._promotion_model, self._create_model = promotion_model, create_model
        self._update_model, self._promote_model = update_model, promote_model

    def _path(self, definition_id: str, *rest: object) -> str:
        return "/".join([self._prefix, segment(definition_id), *(segment(part) for part in rest)])

    def create(self, *, name: str, description: str | NotGiven = NOT_GIVEN,
                     idempotency_key: str | None = None, timeout: Timeout = NOT_GIVEN) -> DefinitionT:
        body = self._create_model(**strip_not_given({"name": name, "description": description})).payload()
        return self._client.send_model("POST", self._prefix, self._model, json=body, create=True,
                                             idempotency_key=idempotency_key, timeout=timeout)

    def get(self, definition_id: str, *, timeout: Timeout = NOT_GIVEN) -> DefinitionT:
        return self._client.get_model(self._path(definition_id), self._model, timeout=timeout)

    def list(self, *, limit: int | None = None, timeout: Timeout = NOT_GIVEN) -> Paginator[DefinitionT]:
        return Paginator(self._client, self._prefix, self._model, query_params({"limit": limit}),
                              timeout=timeout)

    def update(self, definition_id: str, *, name: str | NotGiven = NOT_GIVEN,
                     description: str | NotGiven = NOT_GIVEN, timeout: Timeout = NOT_GIVEN) -> DefinitionT:
        body = self._update_model(**strip_not_given({"name": name, "description": description})).payload()
        return self._client.send_model("PATCH", self._path(definition_id), self._model, json=body,
                                             timeout=timeout)

    def delete(self, definition_id: str, *, timeout: Timeout = NOT_GIVEN) -> None:
        self._client.request("DELETE", self._path(definition_id), timeout=timeout)

    def _create_version(self, definition_id: str, body: Dict[str, Any], idempotency_key: str | None,
                              timeout: Timeout) -> VersionT:
        return self._client.send_model("POST", self._path(definition_id, "versions"),
                                             self._version_model, json=body, create=True,
                                             idempotency_key=idempotency_key, timeout=timeout)

    def get_version(self, definition_id: str, number: int, *, timeout: Timeout = NOT_GIVEN) -> VersionT:
        return self._client.get_model(self._path(definition_id, "versions", number),
                                            self._version_model, timeout=timeout)

    def list_versions(self, definition_id: str, *, limit: int | None = None,
                      timeout: Timeout = NOT_GIVEN) -> Paginator[VersionT]:
        return Paginator(self._client, self._path(definition_id, "versions"), self._version_model,
                              query_params({"limit": limit}), timeout=timeout)

    def promote(self, definition_id: str, *, version: int, environment: str,
                      note: str | NotGiven = NOT_GIVEN, timeout: Timeout = NOT_GIVEN) -> PromotionT:
        """Point `environment` (dev, stage, prod) at `version`; a refused gate raises ConflictError."""
        body = self._promote_model(**strip_not_given({"version": version, "environment": environment,
                                                      "note": note})).payload()
        return self._client.send_model("POST", self._path(definition_id, "promote"),
                                             self._promotion_model, json=body, timeout=timeout)

    def list_promotions(self, definition_id: str, *, limit: int | None = None,
                        timeout: Timeout = NOT_GIVEN) -> Paginator[PromotionT]:
        return Paginator(self._client, self._path(definition_id, "promote"), self._promotion_model,
                              query_params({"limit": limit}), timeout=timeout)
