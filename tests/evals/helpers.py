"""Small helpers for eval tests: scripted agents, datasets and waiting for an eval to finish."""
from __future__ import annotations

import httpx

from tests.e2e.servers import wait_until


def create_agent(project, name: str, script: list[dict], **body):
    """In the test process: the server caches content types, which the test database's flush
    between tests renews, so audited definitions are created here, not over HTTP."""
    from tests.runs.factories import scripted_agent

    agent, _ = scripted_agent(project, name, script, **body)
    return agent


def new_agent_version(agent, script: list[dict]) -> int:
    from agents import services as agent_services

    body = {"model": f"scripted/{agent.name}", "model_settings": {"script": script}, "instructions": "Be brief."}
    version, _ = agent_services.create_agent_version(agent=agent, body=body)
    return version.number


def create_dataset(project, name: str, items: list[dict]):
    from evals import services

    dataset, _ = services.create_dataset(project=project, name=name, items=items)
    return dataset


def start_eval(http: httpx.Client, **body) -> dict:
    r = http.post("/api/v1/evals", json=body)
    assert r.status_code == 202, r.text
    return r.json()


def wait_for_eval(http: httpx.Client, eval_id: str, timeout_s: float = 90) -> dict:
    def finished():
        body = http.get(f"/api/v1/evals/{eval_id}").json()
        return body if body["status"] in ("succeeded", "failed", "cancelled") else None
    return wait_until(finished, timeout_s=timeout_s, what=f"eval {eval_id} to finish", interval_s=0.05)


def items_of(http: httpx.Client, eval_id: str, **params) -> list[dict]:
    r = http.get(f"/api/v1/evals/{eval_id}/items", params=params)
    assert r.status_code == 200, r.text
    return r.json()["data"]
