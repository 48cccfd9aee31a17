"""The agent kind's new-version form: one field per part of the body (promotion and the JSON
fields are the layer's, agent_platform/definitions/admin_forms.py)."""
from __future__ import annotations

from typing import Any

from django import forms

from agent_platform.api.errors import ApiError
from agent_platform.definitions.admin_forms import JsonTextField, VersionBodyForm, add_field_errors
from agent_platform.service_errors import ServiceError

#: body keys with their own form field (JSON ones give the type they must parse to)
JSON_FIELDS: dict[str, type] = {"tools": list, "knowledge": list, "input_schema": dict, "output_schema": dict,
                                "guardrails": list, "limits": dict}
ADVANCED = "advanced"  # every other body key (fallbacks, model_settings, cache, ...) as one JSON object


class VersionForm(VersionBodyForm):
    """The body of a new agent version, one field per part; `body()` assembles it."""

    model = forms.CharField(max_length=200, help_text="provider/model, e.g. openai/gpt-4o-mini, local/default or "
                            "compat:ollama/llama3 (a compat provider in the project settings)")
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

    def version_body(self) -> dict[str, Any]:
        data = self.cleaned_data
        body: dict[str, Any] = {"model": data["model"], "instructions": data.get("instructions") or ""}
        body.update({key: data[key] for key in JSON_FIELDS if data.get(key) is not None})
        body.update(data.get(ADVANCED) or {})
        return body

    def add_api_errors(self, error: ApiError | ServiceError) -> list[dict[str, str]]:
        """Show a service's field errors (`limits.max_steps`, `tools[0]`) next to their fields."""
        add_field_errors(self, error, fallback=ADVANCED)
        return []
