# Generated from the _async/ twin by scripts/unasync.py: edit that file, not this one.
"""`client.datasets`: datasets; every change of their items makes a new immutable version."""
from __future__ import annotations

from typing import IO, Any, Dict, List

from agent_platform_sdk._sync._pagination import Paginator
from agent_platform_sdk._sync.resources._resource import Resource, segment
from agent_platform_sdk._types import NOT_GIVEN, NotGiven, TimeoutTypes, query_params, strip_not_given
from agent_platform_sdk.models import (
    Dataset,
    DatasetCreate,
    DatasetItem,
    DatasetItemsChange,
    DatasetSummary,
    DatasetUpdate,
    DatasetVersion,
)

Timeout = TimeoutTypes | NotGiven
Items = List[DatasetItem | Dict[str, Any]]


def _items(items: Items | NotGiven) -> List[Dict[str, Any]] | NotGiven:
    if isinstance(items, NotGiven):
        return items
    return [item.payload() if isinstance(item, DatasetItem) else DatasetItem(**item).payload() for item in items]


class Datasets(Resource):
    def create(self, *, name: str, description: str | NotGiven = NOT_GIVEN,
                     items: Items | NotGiven = NOT_GIVEN, idempotency_key: str | None = None,
                     timeout: Timeout = NOT_GIVEN) -> DatasetSummary:
        """A dataset, with a first version when `items` (each `{input, expected?, tags?, ...}`) are given."""
        payload = DatasetCreate(**strip_not_given({"name": name, "description": description,
                                                   "items": _items(items)})).payload()
        return self._client.send_model("POST", "/datasets", DatasetSummary, json=payload, create=True,
                                             idempotency_key=idempotency_key, timeout=timeout)

    def get(self, dataset_id: str, *, timeout: Timeout = NOT_GIVEN) -> Dataset:
        return self._client.get_model(f"/datasets/{segment(dataset_id)}", Dataset, timeout=timeout)

    def list(self, *, limit: int | None = None, timeout: Timeout = NOT_GIVEN) -> Paginator[DatasetSummary]:
        return Paginator(self._client, "/datasets", DatasetSummary, query_params({"limit": limit}),
                              timeout=timeout)

    def update(self, dataset_id: str, *, name: str | NotGiven = NOT_GIVEN,
                     description: str | NotGiven = NOT_GIVEN, timeout: Timeout = NOT_GIVEN) -> Dataset:
        payload = DatasetUpdate(**strip_not_given({"name": name, "description": description})).payload()
        return self._client.send_model("PATCH", f"/datasets/{segment(dataset_id)}", Dataset, json=payload,
                                             timeout=timeout)

    def delete(self, dataset_id: str, *, timeout: Timeout = NOT_GIVEN) -> None:
        self._client.request("DELETE", f"/datasets/{segment(dataset_id)}", timeout=timeout)

    def add_items(self, dataset_id: str, *, items: Items | NotGiven = NOT_GIVEN,
                        from_runs: List[str] | NotGiven = NOT_GIVEN,
                        remove: List[str] | NotGiven = NOT_GIVEN, replace: bool | NotGiven = NOT_GIVEN,
                        tags: List[str] | NotGiven = NOT_GIVEN, idempotency_key: str | None = None,
                        timeout: Timeout = NOT_GIVEN) -> DatasetVersion:
        """A new version with these items added (or made from finished runs, or some removed)."""
        payload = DatasetItemsChange(**strip_not_given({"items": _items(items), "from_runs": from_runs,
                                                        "remove": remove, "replace": replace,
                                                        "tags": tags})).payload()
        return self._client.send_model("POST", f"/datasets/{segment(dataset_id)}/items", DatasetVersion,
                                             json=payload, create=True, idempotency_key=idempotency_key,
                                             timeout=timeout)

    def upload_items(self, dataset_id: str, *, file: bytes | IO[bytes], filename: str,
                           format: str | NotGiven = NOT_GIVEN, idempotency_key: str | None = None,
                           timeout: Timeout = NOT_GIVEN) -> DatasetVersion:
        """A new version with the items of a CSV or JSONL file added."""
        content = file if isinstance(file, bytes) else file.read()
        return self._client.send_model("POST", f"/datasets/{segment(dataset_id)}/items", DatasetVersion,
                                             data=strip_not_given({"format": format}),
                                             files={"file": (filename, content, "application/octet-stream")},
                                             create=True, idempotency_key=idempotency_key, timeout=timeout)

    def get_version(self, dataset_id: str, number: int, *, timeout: Timeout = NOT_GIVEN) -> DatasetVersion:
        return self._client.get_model(f"/datasets/{segment(dataset_id)}/versions/{number}", DatasetVersion,
                                            timeout=timeout)

    def list_versions(self, dataset_id: str, *, timeout: Timeout = NOT_GIVEN) -> Paginator[DatasetVersion]:
        return Paginator(self._client, f"/datasets/{segment(dataset_id)}/versions", DatasetVersion, {},
                              timeout=timeout)
