from django.apps import AppConfig


class EvalsConfig(AppConfig):
    name = "evals"

    def ready(self) -> None:
        from accounts import audit
        from agent_platform.definitions import gates
        from evals.gates import eval_policy_gate
        from evals.models import (
            Dataset,
            DatasetEnvironment,
            DatasetPromotion,
            DatasetVersion,
            GateOverride,
            PromotionPolicy,
        )

        for model in (Dataset, DatasetVersion, DatasetEnvironment, DatasetPromotion, PromotionPolicy, GateOverride):
            audit.register(model)
        gates.register(eval_policy_gate, kinds={"agent", "workflow"})
