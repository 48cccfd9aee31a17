# Generated from the _async/ twin by scripts/unasync.py: edit that file, not this one.
"""`client.evals`: run a dataset through an agent or workflow version and score it."""
from __future__ import annotations

import time
from typing import Any, Dict, List

from agent_platform_sdk._sync._pagination import Paginator
from agent_platform_sdk._sync.resources._resource import Resource, segment
from agent_platform_sdk._retry import sync_sleep
from agent_platform_sdk._types import NOT_GIVEN, NotGiven, TimeoutTypes, query_params, strip_not_given
from agent_platform_sdk.errors import APITimeoutError
from agent_platform_sdk.models import Eval, EvalCreate, EvalItem, EvalTarget

Timeout = TimeoutTypes | NotGiven


class Evals(Resource):
    def create(self, *, dataset: str, target: EvalTarget | Dict[str, Any], metrics: List[Dict[str, Any]],
                     dataset_version: int | NotGiven = NOT_GIVEN,
                     thresholds: List[str] | NotGiven = NOT_GIVEN, baseline: str | NotGiven = NOT_GIVEN,
                     repeats: int | NotGiven = NOT_GIVEN, concurrency: int | NotGiven = NOT_GIVEN,
                     fresh: bool | NotGiven = NOT_GIVEN, tags: List[str] | NotGiven = NOT_GIVEN,
                     idempotency_key: str | None = None, timeout: Timeout = NOT_GIVEN) -> Eval:
        """Queue an eval (202): `target` is `{agent|workflow, version?|environment?}`, `metrics`
        `[{type, name?, ...config}]`, `thresholds` e.g. `["pass_rate(exact) >= 0.9"]`."""
        payload = EvalCreate(**strip_not_given({
            "dataset": dataset, "target": target if isinstance(target, EvalTarget) else EvalTarget(**target),
            "metrics": metrics, "dataset_version": dataset_version, "thresholds": thresholds, "baseline": baseline,
            "repeats": repeats, "concurrency": concurrency, "fresh": fresh, "tags": tags})).payload()
        return self._client.send_model("POST", "/evals", Eval, json=payload, create=True,
                                             idempotency_key=idempotency_key, timeout=timeout)

    def get(self, eval_id: str, *, timeout: Timeout = NOT_GIVEN) -> Eval:
        return self._client.get_model(f"/evals/{segment(eval_id)}", Eval, timeout=timeout)

    def list(self, *, status: str | None = None, dataset: str | None = None, agent: str | None = None,
             workflow: str | None = None, limit: int | None = None,
             timeout: Timeout = NOT_GIVEN) -> Paginator[Eval]:
        params = query_params({"status": status, "dataset": dataset, "agent": agent, "workflow": workflow,
                               "limit": limit})
        return Paginator(self._client, "/evals", Eval, params, timeout=timeout)

    def items(self, eval_id: str, *, failed: bool | None = None, status: str | None = None,
              tag: str | None = None, limit: int | None = None,
              timeout: Timeout = NOT_GIVEN) -> Paginator[EvalItem]:
        params = query_params({"failed": failed, "status": status, "tag": tag, "limit": limit})
        return Paginator(self._client, f"/evals/{segment(eval_id)}/items", EvalItem, params, timeout=timeout)

    def cancel(self, eval_id: str, *, timeout: Timeout = NOT_GIVEN) -> Eval:
        return self._client.send_model("POST", f"/evals/{segment(eval_id)}/cancel", Eval, timeout=timeout)

    def report(self, eval_id: str, *, format: str = "markdown", timeout: Timeout = NOT_GIVEN) -> str:
        """The report as text: `format` "markdown" or "junit" (XML)."""
        response = self._client.request("GET", f"/evals/{segment(eval_id)}/report",
                                              params={"format": format}, timeout=timeout)
        return response.text

    def wait(self, eval_id: str, *, wait_timeout: float = 600.0, poll_interval: float = 0.5) -> Eval:
        """Poll until the eval has finished (evals offer no event stream)."""
        deadline = time.monotonic() + wait_timeout
        while True:
            current = self.get(eval_id)
            if current.is_terminal:
                return current
            if time.monotonic() >= deadline:
                raise APITimeoutError(f"eval {eval_id} still {current.status} after {wait_timeout} s")
            sync_sleep(poll_interval)
