"""`make demo`: seed the demo project, create the demo agent, run it through the public API
and print its events as they stream in, then the result and how to open the admin console."""
from __future__ import annotations

import json

import httpx
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from httpx_sse import connect_sse

from accounts.management.commands.seed_demo import seed_demo_project
from agents import services as agent_services
from agents.models import Agent

DEMO_QUESTION = "In one sentence, what is the capital of France?"


def demo_agent_body() -> dict:
    """The local model by default (no key needed); a hosted one when OPENAI_API_KEY is set."""
    model = "openai/gpt-4.1-mini" if settings.OPENAI_API_KEY else "local/default"
    return {"model": model, "instructions": "You are a concise, helpful assistant.",
            "limits": {"max_steps": 4, "timeout_s": 120, "call_timeout_s": 90},
            "model_settings": {"max_tokens": 64}}


class Command(BaseCommand):
    help = "Run the demo flow end to end against the running server (make up)."

    def add_arguments(self, parser):
        parser.add_argument("--base-url", default="http://127.0.0.1:8000")
        parser.add_argument("--message", default=DEMO_QUESTION)

    def handle(self, *args, base_url: str, message: str, **options):
        project, password, key = seed_demo_project()
        agent = Agent.objects.filter(project=project, name="assistant").first() or \
            agent_services.create_agent(project=project, name="assistant", description="The demo agent")
        version, _ = agent_services.create_agent_version(agent=agent, body=demo_agent_body())
        agent_services.promote(agent=agent, version=version, environment="dev", actor="demo")
        self.stdout.write(f"demo agent 'assistant' v{version.number} ({version.body['model']}); asking: {message}\n")
        with httpx.Client(base_url=base_url, headers={"Authorization": f"Bearer {key}"}, timeout=300) as client:
            created = client.post("/api/v1/runs", json={"agent": "assistant", "environment": "dev",
                                                         "input": {"message": message}})
            if created.status_code != 201:
                raise CommandError(f"create_run failed: {created.status_code} {created.text}")
            run_id = created.json()["id"]
            self.stdout.write(f"run {run_id} created; streaming events from /api/v1/runs/{run_id}/stream\n")
            self._stream(client, run_id)
            run = client.get(f"/api/v1/runs/{run_id}").json()
        self.stdout.write(f"\nresult: status={run['status']} output={json.dumps(run['output'])} "
                          f"error={json.dumps(run['error'])} usage={json.dumps(run['usage'])}")
        self.stdout.write(f"\nadmin console: {base_url}/admin/ (user admin, password {password})\n"
                          f"API docs: {base_url}/api/v1/docs/   API key (owner): {key}")
        if run["status"] != "succeeded":
            raise CommandError(f"the demo run ended {run['status']}: {run['error']}")

    def _stream(self, client: httpx.Client, run_id: str) -> None:
        streaming_text = False
        with connect_sse(client, "GET", f"/api/v1/runs/{run_id}/stream") as source:
            for sse in source.iter_sse():
                event = json.loads(sse.data)
                if event["type"] == "model.delta":
                    if not streaming_text:
                        self.stdout.write("      model.delta: ", ending="")
                    self.stdout.write(event["data"]["text"], ending="")
                    self.stdout.flush()
                    streaming_text = True
                    continue
                if streaming_text:
                    self.stdout.write("")
                    streaming_text = False
                self.stdout.write(f"[{event['seq']:>3}] {event['type']} "
                                  f"{json.dumps(event['data'], ensure_ascii=False)[:160]}")
                if event["type"] in ("run.succeeded", "run.failed", "run.cancelled", "run.timed_out"):
                    break
