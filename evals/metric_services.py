"""What metrics need from the platform, for one project: judge models (any provider the project
has, `local/...`, or `scripted/<name>` with the turns in `project.settings["scripts"][name]`),
the embedding model (`semantic_similarity`), the code sandbox (`code`), and the price table
the judges' tokens are costed with."""
from __future__ import annotations

from django.conf import settings

from runtime.evals import MetricServices
from runtime.models.base import ChatModel
from runtime.rag.embeddings import LOCAL_DEFAULT_REF


def _judge_resolver(project):
    def resolve(ref: str) -> ChatModel:
        from accounts.services import reveal_secrets
        from runs.model_config import router_for

        body: dict = {"model": ref}
        provider, _, name = ref.partition("/")
        scripts = (project.settings or {}).get("scripts") or {}
        if provider == "scripted" and name in scripts:
            body["model_settings"] = {"script": scripts[name]}
        router = router_for(project, body, reveal_secrets(project))
        model, _ = router.resolve(ref)  # ModelUnavailable for an unknown script or provider
        return model
    return resolve


def _embedder_resolver(project):
    def resolve(ref: str | None):
        from rag.embedders import embedder_for

        return embedder_for(project, ref or (project.settings or {}).get("embedding_model") or LOCAL_DEFAULT_REF)
    return resolve


def metric_services(project) -> MetricServices:
    from runtime.models.pricing import PriceTable
    from runtime.tools.sandbox import Sandbox

    # The price table runs are costed with (runs.model_config: the project's `settings.prices` overrides).
    prices = PriceTable((project.settings or {}).get("prices") or {})
    return MetricServices(judge_model=_judge_resolver(project), embedder=_embedder_resolver(project),
                          sandbox=Sandbox(allow_unsandboxed=settings.PLATFORM_ALLOW_UNSANDBOXED_CODE), prices=prices)
