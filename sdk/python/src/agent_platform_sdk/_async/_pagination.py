"""Auto-paginating lists: `{data, next_cursor}` pages fetched with `?limit=&cursor=` as you iterate."""
from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any, Generic, TypeVar

from pydantic import BaseModel

from agent_platform_sdk._async._base import AsyncBaseClient
from agent_platform_sdk._types import NOT_GIVEN, NotGiven, TimeoutTypes
from agent_platform_sdk.models import Page

ItemT = TypeVar("ItemT", bound=BaseModel)


class AsyncPaginator(Generic[ItemT]):
    """Iterate it for every item of every page (`async for item in client.runs.list()`), or call
    `iter_pages()` for the pages themselves, or `first_page()` for one. Pages are fetched lazily,
    `limit` items at a time; each page request has the client's retries and the call's timeout."""

    def __init__(self, client: AsyncBaseClient, path: str, model: type[ItemT], params: dict[str, Any], *,
                 cursor_param: str = "cursor", timeout: TimeoutTypes | NotGiven = NOT_GIVEN) -> None:
        self._client, self._path, self._model = client, path, model
        self._params, self._cursor_param, self._timeout = params, cursor_param, timeout

    async def _fetch(self, cursor: str | None) -> Page[ItemT]:
        params = dict(self._params)
        if cursor is not None:
            params[self._cursor_param] = cursor
        response = await self._client.request("GET", self._path, params=params, timeout=self._timeout)
        body = response.json()
        items: list[ItemT] = [self._model.model_validate(item) for item in body["data"]]
        return Page[self._model](data=items, next_cursor=body.get("next_cursor"))  # type: ignore[name-defined]

    async def first_page(self) -> Page[ItemT]:
        return await self._fetch(self._params.get(self._cursor_param))

    async def iter_pages(self) -> AsyncIterator[Page[ItemT]]:
        cursor = self._params.get(self._cursor_param)
        while True:
            page = await self._fetch(cursor)
            yield page
            if not page.next_cursor:
                return
            cursor = page.next_cursor

    async def __aiter__(self) -> AsyncIterator[ItemT]:
        async for page in self.iter_pages():
            for item in page.data:
                yield item

    async def to_list(self) -> list[ItemT]:
        """Every item of every page (mind the size of what you list)."""
        return [item async for item in self]
