"""`GET /v1/models`: the project's agents and workflows as OpenAI model objects — each as
`agent:<name>` (the latest version) and `agent:<name>@<env>` for every environment that points
at a version; workflows alike."""
from __future__ import annotations

from agent_platform.definitions.selectors import environment_numbers
from surfaces.db import db_call
from surfaces.openai_compat.errors import OpenAIError
from surfaces.targets import KINDS, TargetRef, UnknownTarget, resolve, runnable_targets


def _model(model_id: str, definition, project) -> dict:
    return {"id": model_id, "object": "model", "created": int(definition.created_at.timestamp()),
            "owned_by": project.slug}


@db_call
def model_list(project) -> dict:
    data = []
    for kind, definition in runnable_targets(project):
        data.append(_model(f"{kind}:{definition.name}", definition, project))
        for env, number in environment_numbers(KINDS[kind], definition).items():
            if number is not None:
                data.append(_model(f"{kind}:{definition.name}@{env}", definition, project))
    return {"object": "list", "data": data}


@db_call
def model_entry(project, model_id: str) -> dict:
    try:
        target = resolve(project, TargetRef.parse(model_id))
    except UnknownTarget as exc:
        raise OpenAIError(404, str(exc), param="model", code="model_not_found") from None
    return _model(model_id, target.definition, project)
