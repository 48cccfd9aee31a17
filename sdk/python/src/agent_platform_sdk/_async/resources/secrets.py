"""`client.secrets`: encrypted project secrets; values are write-only."""
from __future__ import annotations

from typing import List

from agent_platform_sdk._async._pagination import AsyncPaginator
from agent_platform_sdk._async.resources._resource import AsyncResource, segment
from agent_platform_sdk._types import NOT_GIVEN, NotGiven, TimeoutTypes, query_params, strip_not_given
from agent_platform_sdk.models import Secret, SecretCreate, SecretUpdate

Timeout = TimeoutTypes | NotGiven


class AsyncSecrets(AsyncResource):
    async def create(self, *, name: str, value: str, description: str | NotGiven = NOT_GIVEN,
                     allowed_hosts: List[str] | NotGiven = NOT_GIVEN, idempotency_key: str | None = None,
                     timeout: Timeout = NOT_GIVEN) -> Secret:
        payload = SecretCreate(**strip_not_given({"name": name, "value": value, "description": description,
                                                  "allowed_hosts": allowed_hosts})).payload()
        return await self._client.send_model("POST", "/secrets", Secret, json=payload, create=True,
                                             idempotency_key=idempotency_key, timeout=timeout)

    async def get(self, name: str, *, timeout: Timeout = NOT_GIVEN) -> Secret:
        return await self._client.get_model(f"/secrets/{segment(name)}", Secret, timeout=timeout)

    def list(self, *, limit: int | None = None, timeout: Timeout = NOT_GIVEN) -> AsyncPaginator[Secret]:
        return AsyncPaginator(self._client, "/secrets", Secret, query_params({"limit": limit}), timeout=timeout)

    async def update(self, name: str, *, value: str | NotGiven = NOT_GIVEN,
                     description: str | NotGiven = NOT_GIVEN,
                     allowed_hosts: List[str] | NotGiven = NOT_GIVEN, timeout: Timeout = NOT_GIVEN) -> Secret:
        """Rotate the value and/or change its description or allowed hosts."""
        payload = SecretUpdate(**strip_not_given({"value": value, "description": description,
                                                  "allowed_hosts": allowed_hosts})).payload()
        return await self._client.send_model("PATCH", f"/secrets/{segment(name)}", Secret, json=payload,
                                             timeout=timeout)

    async def delete(self, name: str, *, timeout: Timeout = NOT_GIVEN) -> None:
        await self._client.request("DELETE", f"/secrets/{segment(name)}", timeout=timeout)
