"""Reading dataset items from uploaded files: JSONL and CSV (UTF-8, with or without BOM).

Every problem names the line it is on (`line 7: ...`, counted from 1 in the file, the header
being line 1 of a CSV). CSV records may span lines (quoted fields with newlines); a record's
line is the one it starts on. Cells holding JSON objects or arrays are parsed (nested JSON).
"""
from __future__ import annotations

import csv
import io
import json
from typing import Any

from evals.dataset_items import ITEM_KEYS, MAX_ITEMS, MAX_UPLOAD_BYTES, InvalidItems, item_problems

FIELD = "file"


def _bad(messages: list[str]) -> InvalidItems:
    return InvalidItems(f"{len(messages)} problem(s) in the file: {messages[0]}", errors={FIELD: messages[:50]})


def decode(data: bytes) -> str:
    if len(data) > MAX_UPLOAD_BYTES:
        raise _bad([f"the file is larger than {MAX_UPLOAD_BYTES // (1024 * 1024)} MiB"])
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise _bad([f"line {line}: not valid UTF-8 (byte {exc.start})"]) from None
    return text


def format_of(filename: str, content_type: str = "") -> str | None:
    name = filename.lower()
    if name.endswith((".jsonl", ".ndjson")) or "ndjson" in content_type or "jsonl" in content_type:
        return "jsonl"
    if name.endswith(".csv") or content_type.startswith("text/csv"):
        return "csv"
    return None


def parse_jsonl(text: str) -> tuple[list[dict], list[str]]:
    """(items, labels) from JSON Lines; blank lines are skipped."""
    items: list[dict] = []
    labels: list[str] = []
    messages: list[str] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except json.JSONDecodeError as exc:
            messages.append(f"line {number}: not valid JSON ({exc.msg} at column {exc.colno})")
            continue
        problems = item_problems(value)
        messages.extend(f"line {number}: {p}" for p in problems)
        if not problems:
            items.append(value)
            labels.append(f"line {number}")
        if len(items) > MAX_ITEMS:
            raise _bad([f"line {number}: more than {MAX_ITEMS} items"])
    if messages:
        raise _bad(messages)
    return items, labels


def _cell(value: str) -> Any:
    """A cell's value: JSON objects/arrays (and quoted JSON strings) are parsed, the rest is text."""
    stripped = value.strip()
    if stripped[:1] in ("{", "[") and stripped[-1:] in ("}", "]"):
        try:
            return json.loads(stripped)
        except json.JSONDecodeError:
            return value
    return value


def _tags(value: Any) -> Any:
    if isinstance(value, str):
        return [t.strip() for t in value.replace(";", ",").split(",") if t.strip()]
    return value


def check_mapping(mapping: Any) -> dict[str, str]:
    """A CSV column mapping `{item key or "metadata.<name>": column}`."""
    if mapping is None:
        return {}
    if isinstance(mapping, str):
        try:
            mapping = json.loads(mapping) if mapping.strip() else {}
        except json.JSONDecodeError as exc:
            raise InvalidItems(f"mapping: not valid JSON ({exc.msg})", field="mapping") from None
    if not isinstance(mapping, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in mapping.items()):
        raise InvalidItems("mapping must be an object {item key: CSV column}", field="mapping")
    for key in mapping:
        if key not in ITEM_KEYS and not key.startswith("metadata."):
            raise InvalidItems(f"mapping: unknown item key {key!r} (use {', '.join(ITEM_KEYS)} or metadata.<name>)",
                               field="mapping")
    return dict(mapping)


def parse_csv(text: str, mapping: dict[str, str] | None = None) -> tuple[list[dict], list[str]]:
    """(items, labels) from CSV with a header row. Without a mapping, columns named like item keys
    are used as such; if there is no `input` column, the other columns form the input object."""
    mapping = dict(mapping or {})
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = next(reader)
    except StopIteration:
        raise _bad(["line 1: the file is empty (a header row is expected)"]) from None
    except csv.Error as exc:
        raise _bad([f"line 1: {exc}"]) from None
    header = [h.strip() for h in header]
    missing = sorted(column for column in mapping.values() if column not in header)
    if missing:
        raise InvalidItems(f"mapping names columns the file lacks: {', '.join(missing)} (columns: {', '.join(header)})",
                           field="mapping")
    if not mapping:
        mapping = {h: h for h in header if h in ITEM_KEYS}
        if "input" not in mapping:
            rest = [h for h in header if h not in mapping]
            if not rest:
                raise _bad(["line 1: no 'input' column and no other columns to build the input from"])
            mapping["input"] = ""  # built from the remaining columns
    used = set(mapping.values())
    items: list[dict] = []
    labels: list[str] = []
    messages: list[str] = []
    line = reader.line_num
    while True:
        start = line + 1
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            messages.append(f"line {start}: {exc}")
            break
        line = reader.line_num
        if not row or all(not cell.strip() for cell in row):
            continue
        if len(row) != len(header):
            messages.append(f"line {start}: {len(row)} fields, the header has {len(header)}")
            continue
        cells = dict(zip(header, row, strict=True))
        item: dict[str, Any] = {}
        metadata: dict[str, Any] = {}
        for key, column in mapping.items():
            if key == "input" and column == "":
                item["input"] = {h: _cell(v) for h, v in cells.items() if h not in used}
                continue
            raw = cells[column]
            if key.startswith("metadata."):
                metadata[key.split(".", 1)[1]] = _cell(raw)
            elif key == "tags":
                item["tags"] = _tags(_cell(raw))
            elif key in ("id", "split"):
                if raw.strip():
                    item[key] = raw.strip()
            elif key == "expected" and raw == "":
                continue
            else:
                item[key] = _cell(raw)
        if metadata:
            item["metadata"] = {**(item.get("metadata") if isinstance(item.get("metadata"), dict) else {}), **metadata}
        problems = item_problems(item)
        messages.extend(f"line {start}: {p}" for p in problems)
        if not problems:
            items.append(item)
            labels.append(f"line {start}")
        if len(items) > MAX_ITEMS:
            raise _bad([f"line {start}: more than {MAX_ITEMS} items"])
    if messages:
        raise _bad(messages)
    return items, labels


def items_from_upload(upload, *, mapping: Any = None, format: str | None = None) -> list[dict]:
    """Items from an uploaded file (Django `UploadedFile`)."""
    kind = format or format_of(upload.name or "", getattr(upload, "content_type", "") or "")
    if kind not in ("csv", "jsonl"):
        raise InvalidItems("the file must be CSV (.csv) or JSON Lines (.jsonl); name it so or pass format",
                           field=FIELD)
    if upload.size is not None and upload.size > MAX_UPLOAD_BYTES:
        raise _bad([f"the file is larger than {MAX_UPLOAD_BYTES // (1024 * 1024)} MiB"])
    text = decode(upload.read())
    if kind == "jsonl":
        items, labels = parse_jsonl(text)
    else:
        items, labels = parse_csv(text, check_mapping(mapping))
    seen: dict[str, str] = {}
    duplicates = []
    for item, label in zip(items, labels, strict=True):
        if item.get("id") not in (None, ""):
            key = str(item["id"])
            if key in seen:
                duplicates.append(f"{label}: duplicate id {key!r} (first on {seen[key]})")
            seen.setdefault(key, label)
    if duplicates:
        raise _bad(duplicates)
    if not items:
        raise _bad(["the file holds no items"])
    return items
