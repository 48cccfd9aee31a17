"""`make demo`: seed the demo project, create the demo agent, run it through the public API
and print its events as they stream in, then the result and how to open the admin console."""
from __future__ import annotations

import json
import time

import httpx
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from httpx_sse import connect_sse

from accounts.management.commands.seed_demo import key_hint, local_base_url, seed_demo_project
from agents import services as agent_services
from agents.models import Agent

DEMO_QUESTION = "In one sentence, what is the capital of France?"
TERMINAL = ("run.succeeded", "run.failed", "run.cancelled", "run.timed_out")


def demo_agent_body() -> dict:
    """The local model by default (no key needed); a hosted one when OPENAI_API_KEY is set."""
    model = "openai/gpt-4.1-mini" if settings.OPENAI_API_KEY else "local/default"
    return {"model": model, "instructions": "You are a concise, helpful assistant.",
            "limits": {"max_steps": 4, "timeout_s": 120, "call_timeout_s": 90},
            "model_settings": {"max_tokens": 64}}


class Command(BaseCommand):
    help = "Run the demo flow end to end against the running server (make up)."

    def add_arguments(self, parser):
        parser.add_argument("--base-url", default=None,
                            help="the running server (default: http://PLATFORM_HOST:PLATFORM_PORT)")
        parser.add_argument("--message", default=DEMO_QUESTION)

    def handle(self, *args, base_url: str | None, message: str, **options):
        base_url = (base_url or local_base_url()).rstrip("/")
        project, password, key = seed_demo_project()
        agent = Agent.objects.filter(project=project, name="assistant").first() or \
            agent_services.create_agent(project=project, name="assistant", description="The demo agent")
        version, _ = agent_services.create_agent_version(agent=agent, body=demo_agent_body())
        agent_services.promote(agent=agent, version=version, environment="dev", actor="demo")
        self.stdout.write(f"demo agent 'assistant' v{version.number} ({version.body['model']}); asking: {message}\n")
        with httpx.Client(base_url=base_url, headers={"Authorization": f"Bearer {key}"}, timeout=300) as client:
            agent_run = self._run(client, {"agent": "assistant", "environment": "dev", "input": {"message": message}})
            workflow_run = self._workflow_demo(client, project)
        self.stdout.write(f"\nadmin console: {base_url}/admin/ (user admin, password {password}); "
                          f"runs are in the run viewer\nAPI docs: {base_url}/api/v1/docs/   API key (owner): {key_hint(key)}")
        failed = [run for run in (agent_run, workflow_run) if run["status"] != "succeeded"]
        if failed:
            raise CommandError(f"a demo run ended {failed[0]['status']}: {failed[0]['error']}")

    def _run(self, client: httpx.Client, body: dict) -> dict:
        """Start a run through the public API, print its events as they stream, return the run."""
        created = client.post("/api/v1/runs", json=body)
        if created.status_code != 201:
            raise CommandError(f"create_run failed: {created.status_code} {created.text}")
        run_id = created.json()["id"]
        self.stdout.write(f"run {run_id} created; streaming events from /api/v1/runs/{run_id}/stream")
        self._stream(client, run_id)
        run = client.get(f"/api/v1/runs/{run_id}").json()
        self.stdout.write(f"result: status={run['status']} output={json.dumps(run['output'])} "
                          f"error={json.dumps(run['error'])} usage={json.dumps(run['usage'])}\n")
        return run

    def _workflow_demo(self, client: httpx.Client, project) -> dict:
        """Start → Retrieval over the bundled handbook → Agent with the HTTP tool against a local
        orders service → Branch → End."""
        from rag.models import Document
        from workflows.demo import DemoOrderService, seed_demo_workflow

        with DemoOrderService() as service:
            workflow, version = seed_demo_workflow(project, service.url)
            self.stdout.write(f"\ndemo workflow 'order-help' v{version.number}: start → retrieval (handbook) → "
                              f"agent + http tool ({service.url}) → branch → end; waiting for the handbook to be "
                              "indexed by the worker...")
            documents = Document.objects.filter(knowledge_base__project=project,
                                                knowledge_base__name="demo-handbook")
            deadline = time.monotonic() + 300
            while documents.exclude(status__in=("ready", "failed")).exists():
                if time.monotonic() > deadline:
                    raise CommandError("the handbook was not indexed in time; is the worker running (make up)?")
                time.sleep(0.2)  # waiting on another process's job; the API offers no push for it
            return self._run(client, {"workflow": "order-help", "environment": "dev",
                                      "input": {"order_id": "42", "question": "When will my order ship?"}})

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
                if event["type"] in TERMINAL:
                    break
