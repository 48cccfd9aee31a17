"""Small factories for the SDK tests: unique names and scripted agents made through the SDK."""
from __future__ import annotations

import uuid
from typing import Any

from agent_platform_sdk import Client


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def scripted_agent(client: Client, script: list[dict[str, Any]] | None = None, *, prefix: str = "agent",
                   **version: Any) -> str:
    """An agent whose model is the platform's deterministic `scripted` provider; its name."""
    name = unique(prefix)
    agent = client.agents.create(name=name, description="SDK test agent")
    client.agents.create_version(agent.id, model=f"scripted/{name}", instructions="Be brief.",
                                 model_settings={"script": script or [{"echo": True, "prefix": "echo: "}]}, **version)
    return name


TERMINAL = {"run.succeeded", "run.failed", "run.cancelled", "run.timed_out"}
