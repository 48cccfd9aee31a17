"""Dataset items: their shape, their limits, and the body rule of the dataset kind.

An item is `{id, input, expected?, metadata?, tags?, split?}`. Ids are strings, unique within a
version; an item without one gets the next free number. A version body is `{"items": [...]}`.
"""
from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any

from accounts.redaction_policy import redactor_for
from agent_platform.api.errors import ApiError, Unprocessable

MAX_ITEMS = 10_000
MAX_ITEM_BYTES = 256 * 1024
MAX_VERSION_BYTES = 20 * 1024 * 1024
MAX_UPLOAD_BYTES = 20 * 1024 * 1024
ITEM_KEYS = ("id", "input", "expected", "metadata", "tags", "split")
ID_RE = re.compile(r"^[^\s/][^/]{0,199}$")
TAG_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:\-]{0,63}$")


class InvalidItems(Unprocessable):
    default_code = "invalid_items"
    title = "Invalid dataset items"


def item_problems(item: Any) -> list[str]:
    """What is wrong with one item (before ids are assigned); empty when it is fine."""
    if not isinstance(item, dict):
        return ["must be an object {id?, input, expected?, metadata?, tags?, split?}"]
    problems = []
    extra = sorted(set(item) - set(ITEM_KEYS))
    if extra:
        problems.append(f"unknown keys: {', '.join(extra)} (known: {', '.join(ITEM_KEYS)})")
    if "input" not in item:
        problems.append("'input' is required")
    if "id" in item and item["id"] is not None:
        if isinstance(item["id"], bool) or not isinstance(item["id"], (str, int)) or not ID_RE.match(str(item["id"])):
            problems.append("'id' must be a string of 1-200 characters without '/' or leading space")
    if item.get("metadata") is not None and not isinstance(item["metadata"], dict):
        problems.append("'metadata' must be an object")
    tags = item.get("tags")
    if tags is not None and (not isinstance(tags, list) or not all(isinstance(t, str) and TAG_RE.match(t)
                                                                  for t in tags)):
        problems.append("'tags' must be a list of tags (letters, digits, '_', '.', ':', '-'; at most 64 characters)")
    split = item.get("split")
    if split is not None and (not isinstance(split, str) or not TAG_RE.match(split)):
        problems.append("'split' must be a tag-like string (e.g. 'train', 'test')")
    if not problems and len(json.dumps(item, ensure_ascii=False, default=str)) > MAX_ITEM_BYTES:
        problems.append(f"is larger than {MAX_ITEM_BYTES // 1024} KiB")
    return problems


def normalise_item(item: dict, item_id: str) -> dict:
    out: dict[str, Any] = {"id": item_id, "input": item["input"]}
    if item.get("expected") is not None:
        out["expected"] = item["expected"]
    if item.get("metadata"):
        out["metadata"] = dict(item["metadata"])
    if item.get("tags"):
        out["tags"] = sorted(set(item["tags"]))
    if item.get("split"):
        out["split"] = item["split"]
    return out


def check_items(items: Any, *, field: str = "items", labels: list[str] | None = None) -> list[dict]:
    """Validate raw items (`labels[i]` names item i in errors, e.g. "line 7"); all problems are
    reported at once as a 422 `{field: ["<label>: problem", ...]}`."""
    if not isinstance(items, list):
        raise InvalidItems(f"{field} must be a list of items", field=field)
    messages: list[str] = []
    for index, item in enumerate(items):
        label = labels[index] if labels else f"{field}[{index}]"
        messages.extend(f"{label}: {problem}" for problem in item_problems(item))
    if messages:
        raise InvalidItems(f"{len(messages)} invalid item(s): {messages[0]}", errors={field: messages[:50]})
    return items


def merge_items(current: Iterable[dict], new: Iterable[dict], *, replace: bool = False) -> list[dict]:
    """The next version's items: `new` replaces items with the same id, others are appended
    (`replace`: `new` is the whole set). Items without an id get the next free number."""
    merged: dict[str, dict] = {} if replace else {str(i["id"]): i for i in current}
    used = set(merged)
    for item in new:
        raw_id = item.get("id")
        if raw_id is None or raw_id == "":
            counter = len(merged) + 1  # its position, unless that id is taken
            while str(counter) in used:
                counter += 1
            item_id = str(counter)
        else:
            item_id = str(raw_id)
        used.add(item_id)
        merged[item_id] = normalise_item(item, item_id)
    return list(merged.values())


def check_size(items: list[dict], *, field: str = "items") -> None:
    if len(items) > MAX_ITEMS:
        raise InvalidItems(f"a dataset version holds at most {MAX_ITEMS} items ({len(items)} given)", field=field)
    size = len(json.dumps(items, ensure_ascii=False, default=str))
    if size > MAX_VERSION_BYTES:
        raise InvalidItems(f"a dataset version holds at most {MAX_VERSION_BYTES // (1024 * 1024)} MiB of items "
                           f"({size // (1024 * 1024)} MiB given)", field=field)


def validate_dataset_body(dataset, body: dict) -> dict:
    """The body rule of the dataset kind: `{"items": [...]}`, ids unique, within the limits."""
    if not isinstance(body, dict):
        raise ApiError("A dataset version body is {\"items\": [...]}.", field="items", code="invalid_items")
    unknown = sorted(set(body) - {"items"})
    if unknown:  # named like every other unknown field
        raise ApiError(f"{unknown[0]}: unknown field; a dataset version body is {{\"items\": [...]}}.",
                       field=unknown[0], code="invalid_items")
    items = check_items(body.get("items"))
    if not items:
        raise InvalidItems("a dataset version needs at least one item", field="items")
    seen: dict[str, int] = {}
    for index, item in enumerate(items):
        if item.get("id") is None:
            continue
        key = str(item["id"])
        if key in seen:
            raise InvalidItems(f"items[{index}].id: duplicate id {key!r} (also items[{seen[key]}])",
                               errors={f"items[{index}].id": [f"duplicate id {key!r}"]})
        seen[key] = index
    merged = redacted_items(dataset.project, merge_items([], items, replace=True))
    check_size(merged)
    return {"items": merged}


def redacted_items(project, items: list[dict]) -> list[dict]:
    """Dataset items as the project's redactor leaves them: uploaded, given or copied from runs, a
    dataset is written like every other row (its secrets, credentials, PII and field rules)."""
    return redactor_for(project).data(items)


def item_content(item: dict) -> dict:
    """What identifies an item's content for result reuse (id excluded: a renamed item is the same case)."""
    return {k: item.get(k) for k in ("input", "expected", "metadata")}


def items_with_tags(items: list[dict], tags: list[str]) -> list[dict]:
    """Items carrying any of `tags` (or whose split is one of them); all items when `tags` is empty."""
    if not tags:
        return items
    wanted = set(tags)
    return [i for i in items if wanted & set(i.get("tags") or ()) or i.get("split") in wanted]
