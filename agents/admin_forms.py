"""Forms of the agent authoring pages: a new version's body, and a promotion."""
from __future__ import annotations

import json
import re
from typing import Any

from django import forms

from agent_platform.api.errors import ApiError
from agent_platform.versioning import ENVIRONMENT_CHOICES

#: body keys with their own form field (JSON ones give the type they must parse to)
JSON_FIELDS: dict[str, type] = {"tools": list, "knowledge": list, "input_schema": dict, "output_schema": dict,
                                "guardrails": list, "limits": dict}
ADVANCED = "advanced"  # every other body key (fallbacks, model_settings, cache, ...) as one JSON object


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


class VersionForm(forms.Form):
    """The body of a new agent version, one field per part; `body()` assembles it."""

    model = forms.CharField(max_length=200, help_text="provider/model, e.g. openai/gpt-4o-mini or local/gemma3")
    instructions = forms.CharField(required=False, strip=False,
                                   widget=forms.Textarea(attrs={"rows": 10, "cols": 90, "class": "vLargeTextField"}))
    tools = JsonTextField(expected=list, help_text='e.g. ["http", {"name": "kv", "requires_approval": true}]')
    knowledge = JsonTextField(expected=list, help_text='e.g. [{"knowledge_base": "docs", "top_k": 5}]')
    input_schema = JsonTextField(expected=dict, help_text="JSON Schema of the run input (default: {message})")
    output_schema = JsonTextField(expected=dict, help_text="JSON Schema of the output (structured output)")
    guardrails = JsonTextField(expected=list, help_text='e.g. [{"type": "pii", "stage": "output"}]')
    limits = JsonTextField(expected=dict, help_text="max_steps, max_tokens, max_cost_usd, timeout_s, ...")
    advanced = JsonTextField(expected=dict, label="Other settings",
                             help_text="Any other body keys: fallbacks, model_settings, cache")

    @classmethod
    def initial_from(cls, body: dict | None) -> dict[str, Any]:
        """Initial values that reproduce `body` (e.g. the latest version's)."""
        if not body:
            return {}
        initial: dict[str, Any] = {key: body[key] for key in ("model", "instructions", *JSON_FIELDS) if key in body}
        rest = {key: value for key, value in body.items() if key not in initial}
        if rest:
            initial[ADVANCED] = rest
        return initial

    def clean_instructions(self) -> str:
        # Browsers submit textarea line breaks as CRLF; the stored body (and its hash) uses LF.
        return (self.cleaned_data.get("instructions") or "").replace("\r\n", "\n")

    def clean_advanced(self) -> dict | None:
        value = self.cleaned_data.get(ADVANCED)
        clashes = sorted(set(value or {}) & set(self.fields))
        if clashes:
            raise forms.ValidationError(f"Set {', '.join(clashes)} in its own field.")
        return value

    def body(self) -> dict[str, Any]:
        data = self.cleaned_data
        body: dict[str, Any] = {"model": data["model"], "instructions": data.get("instructions") or ""}
        body.update({key: data[key] for key in JSON_FIELDS if data.get(key) is not None})
        body.update(data.get(ADVANCED) or {})
        return body

    def add_api_errors(self, error: ApiError) -> None:
        """Show a service's field errors (`limits.max_steps`, `tools[0]`) next to their fields."""
        if not error.errors:
            self.add_error(None, str(error.detail))
        for key, messages in error.errors.items():
            top = re.split(r"[.\[]", key, maxsplit=1)[0]
            field = top if top in self.fields else (None if top == "body" else ADVANCED)
            for message in messages:
                self.add_error(field, message if key in (top, "body") else f"{key}: {message}")


class PromoteForm(forms.Form):
    environment = forms.ChoiceField(choices=ENVIRONMENT_CHOICES, widget=forms.RadioSelect)
    note = forms.CharField(max_length=500, required=False)
