"""Which model refs a project can run, checked where refs are stored (agent versions, fallbacks,
workflow Prompt nodes) so a bad ref is a 422 naming the field, not a failed run later.

A ref is runnable when it is `<provider>/<model>` with a provider the platform knows how to build:
`openai`, `anthropic`, `local`, `scripted` (the keys of OpenAI/Anthropic are checked at run time:
secrets can be set after the version), or `compat:<name>` when the project's settings configure
that OpenAI-compatible server (`project.settings["providers"]["compat:<name>"]["base_url"]`)."""
from __future__ import annotations

from collections.abc import Mapping

from agent_platform.service_errors import InputRejected

BUILT_IN_PROVIDERS = ("openai", "anthropic", "local", "scripted")


def configured_compat_providers(project) -> list[str]:
    providers = (getattr(project, "settings", None) or {}).get("providers") or {}
    return sorted(name for name, conf in providers.items()
                  if name.startswith("compat:") and isinstance(conf, dict) and conf.get("base_url"))


def model_ref_problem(project, ref: object) -> str | None:
    """Why `ref` cannot be run in `project`, or None when it can."""
    if not isinstance(ref, str):
        return "must be a string '<provider>/<model>'"
    provider, sep, model = ref.partition("/")
    if not sep or not provider or not model:
        return f"invalid model ref {ref!r}: expected '<provider>/<model>'"
    if provider in BUILT_IN_PROVIDERS:
        return None
    compat = configured_compat_providers(project)
    if provider in compat:
        return None
    known = ", ".join([*BUILT_IN_PROVIDERS, *compat])
    if provider.startswith("compat:"):
        return (f"model provider {provider!r} is not configured: add it to the project's settings "
                f"(providers.{provider}.base_url); configured: {known}")
    return f"model provider {provider!r} is not configured; known providers: {known}"


def check_model_refs(project, refs: Mapping[str, object], *, message: str) -> None:
    """Raise a 422 (`unknown_model_provider`) naming every field whose ref cannot be run (a domain error,
    `InputRejected`, like the other reference checks, so the console's version form shows it next to the field)."""
    errors = {field: [problem] for field, ref in refs.items()
              if (problem := model_ref_problem(project, ref)) is not None}
    if errors:
        raise InputRejected(message, errors=errors, code="unknown_model_provider")
