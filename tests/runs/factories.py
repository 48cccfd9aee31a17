"""Small factories for runs tests: agents with scripted models."""
from __future__ import annotations

from agents import services as agent_services


def scripted_agent(project, name: str = "helper", script=None, **body):
    """An agent whose model is the deterministic scripted provider, with one version."""
    agent = agent_services.create_agent(project=project, name=name)
    version_body = {"model": f"scripted/{name}", "model_settings": {"script": script or [{"echo": True}]},
                    "instructions": "Be brief.", **body}
    version, _ = agent_services.create_agent_version(agent=agent, body=version_body)
    return agent, version
