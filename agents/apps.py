from django.apps import AppConfig


class AgentsConfig(AppConfig):
    name = "agents"

    def ready(self) -> None:
        from accounts import audit
        from agents.models import Agent, AgentEnvironment, AgentPromotion, AgentVersion

        for model in (Agent, AgentVersion, AgentEnvironment, AgentPromotion):
            audit.register(model)
