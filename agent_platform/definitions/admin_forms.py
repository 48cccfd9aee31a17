"""Forms of the definition pages in the console: JSON text fields, the whole-body JSON editor,
the promotion form, and how a service's field errors are shown next to form fields."""
from __future__ import annotations

import json
import re
from typing import Any

from django import forms

from agent_platform.api.errors import ApiError
from agent_platform.definitions.models import ENVIRONMENT_CHOICES
from agent_platform.service_errors import ServiceError


class JsonTextField(forms.CharField):
    """A textarea holding JSON of one type; empty means "not set" (None)."""

    def __init__(self, *, expected: type, **kwargs: Any) -> None:
        self.expected = expected
        kwargs.setdefault("required", False)
        kwargs.setdefault("widget", forms.Textarea(attrs={"rows": 6, "cols": 90, "class": "vLargeTextField json"}))
        super().__init__(strip=True, **kwargs)

    def prepare_value(self, value: Any) -> Any:
        if value is None or isinstance(value, str):
            return value
        return json.dumps(value, indent=2, ensure_ascii=False)

    def to_python(self, value: Any) -> Any:
        text = super().to_python(value)
        if not text:
            return None
        try:
            parsed = json.loads(text)
        except json.JSONDecodeError as exc:
            raise forms.ValidationError(f"Not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno}).")
        if not isinstance(parsed, self.expected):
            raise forms.ValidationError(f"Expected a JSON {'array' if self.expected is list else 'object'}.")
        return parsed


def error_rows(errors: dict[str, list[str]], prefix: str = "") -> list[dict[str, str]]:
    """API error keys as table rows {node, field, message}; a key `<prefix><node>.<field>` names
    its node (e.g. prefix `graph.nodes.`), any other key is a field of the whole body."""
    rows = []
    for key, problems in sorted(errors.items()):
        node, field = "", key
        if prefix and key.startswith(prefix):
            node, _, field = key[len(prefix):].partition(".")
        rows.extend({"node": node, "field": field, "message": problem} for problem in problems)
    return rows


class VersionBodyForm(forms.Form):
    """What the new-version page needs of a kind's form: initial values from a body, the body
    from the cleaned data, and the service's errors shown (returned as table rows if any)."""

    @classmethod
    def initial_from(cls, body: dict | None) -> dict[str, Any]:
        raise NotImplementedError

    def version_body(self) -> dict[str, Any]:
        raise NotImplementedError

    def add_api_errors(self, error: ApiError | ServiceError) -> list[dict[str, str]]:
        raise NotImplementedError


class JsonBodyForm(VersionBodyForm):
    """The whole body as one JSON object in a monospace editor; the service's errors are listed as
    rows (keys under `error_prefix` name a node)."""

    starter_body: dict[str, Any] = {}
    error_prefix = ""
    body_help = ""

    body = forms.CharField(label="", strip=False, widget=forms.Textarea(attrs={
        "rows": 28, "cols": 110, "spellcheck": "false", "class": "vLargeTextField json",
        "style": "font-family: monospace"}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["body"].help_text = self.body_help

    @classmethod
    def initial_from(cls, body: dict | None) -> dict[str, Any]:
        return {"body": json.dumps(body or cls.starter_body, indent=2, ensure_ascii=False)}

    def clean_body(self) -> dict:
        try:
            body = json.loads(self.cleaned_data["body"])
        except json.JSONDecodeError as exc:
            raise forms.ValidationError(f"Not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno}).")
        if not isinstance(body, dict):
            raise forms.ValidationError("The version body must be a JSON object.")
        return body

    def version_body(self) -> dict[str, Any]:
        return self.cleaned_data["body"]

    def add_api_errors(self, error: ApiError | ServiceError) -> list[dict[str, str]]:
        return error_rows(error.errors or {"body": [str(error.detail)]}, self.error_prefix)


def add_field_errors(form: forms.Form, error: ApiError | ServiceError, *, fallback: str | None = None) -> None:
    """Show a service's field errors (`limits.max_steps`, `tools[0]`) next to their fields: a key's
    top-level name if the form has that field, else `fallback` (None: the top of the form)."""
    if not error.errors:
        form.add_error(None, str(error.detail))
    for key, messages in error.errors.items():
        top = re.split(r"[.\[]", key, maxsplit=1)[0]
        field = top if top in form.fields else (None if top == "body" else fallback)
        for message in messages:
            form.add_error(field, message if key in (top, "body") else f"{key}: {message}")


class PromoteForm(forms.Form):
    environment = forms.ChoiceField(choices=ENVIRONMENT_CHOICES, widget=forms.RadioSelect)
    note = forms.CharField(max_length=500, required=False, widget=forms.TextInput(attrs={"size": 60}))
