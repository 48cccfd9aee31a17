"""What judging costs: an `llm_judge` metric's tokens and USD, from the price table runs are
costed with (the project's `settings.prices` override included), stored with each metric result
and totalled in the eval's report, API detail and Markdown export."""
from __future__ import annotations

import pytest

from evals.models import EvalResult
from evals.runner import execute_eval
from tests.evals.helpers import create_dataset
from tests.runs.factories import scripted_agent

pytestmark = pytest.mark.django_db(transaction=True)
ITEMS = [{"id": "a", "input": "alpha", "expected": "alpha"}, {"id": "b", "input": "beta", "expected": "beta"}]
VERDICT = {"json": {"reasoning": "matches the reference", "score": 5}, "usage": {"input_tokens": 1200,
                                                                                "output_tokens": 300}}


def test_judge_tokens_and_cost_are_stored_per_result_and_totalled(api, project):
    # USD per 1M tokens: 1200 in x $2 + 300 out x $10 = $0.0054 per verdict.
    project.settings = {**(project.settings or {}), "prices": {"scripted/judge": {"input": 2.0, "output": 10.0}},
                        "scripts": {"judge": [VERDICT, VERDICT]}}  # one turn per verdict
    project.save(update_fields=["settings"])
    scripted_agent(project, "helper", [{"echo": True}])
    create_dataset(project, "qa", ITEMS)
    created = api.post("/api/v1/evals", {"dataset": "qa", "target": {"agent": "helper"}, "metrics": [
        {"type": "llm_judge", "rubric": "Same as the reference?", "model": "scripted/judge"}]}, format="json")
    assert created.status_code == 202, created.content
    eval_id = created.json()["id"]
    assert execute_eval(eval_id, worker_name="test") == "succeeded"

    for row in EvalResult.objects.filter(eval_id=eval_id):
        details = row.scores["llm_judge"]["details"]
        assert "judge_model" in details, row.scores
        assert details["judge_model"] == "scripted/judge"
        assert details["judge_usage"] == {"input_tokens": 1200, "output_tokens": 300, "cost_usd": 0.0054}
        assert row.scores["llm_judge"]["value"] == 1.0
    detail = api.get(f"/api/v1/evals/{eval_id}").json()
    assert detail["totals"] == {"judge_scored": 2, "judge_input_tokens": 2400, "judge_output_tokens": 600,
                                "judge_cost_usd": 0.0108}
    markdown = api.get(f"/api/v1/evals/{eval_id}/report", {"format": "markdown"})
    assert markdown.status_code == 200
    text = b"".join(markdown.streaming_content).decode()  # the file stored when the eval finished
    assert "Judging: 2 verdicts, 2400 input + 600 output tokens, $0.010800." in text


def test_a_free_judge_costs_nothing_and_pairwise_counts_both_orders(api, project):
    # scripted/* without a price is free; pairwise asks twice per item (the two orders).
    project.settings = {**(project.settings or {}), "scripts": {"judge": [
        {"json": {"reasoning": "same", "winner": "tie"}, "usage": {"input_tokens": 100, "output_tokens": 10}},
        {"json": {"reasoning": "same", "winner": "tie"}, "usage": {"input_tokens": 100, "output_tokens": 10}}]}}
    project.save(update_fields=["settings"])
    scripted_agent(project, "helper", [{"echo": True}])
    create_dataset(project, "qa", ITEMS[:1])
    first = api.post("/api/v1/evals", {"dataset": "qa", "target": {"agent": "helper"},
                                       "metrics": [{"type": "exact"}]}, format="json").json()["id"]
    assert execute_eval(first, worker_name="test") == "succeeded"
    second = api.post("/api/v1/evals", {"dataset": "qa", "target": {"agent": "helper"}, "baseline": first, "metrics": [
        {"type": "llm_judge", "mode": "pairwise", "rubric": "Better?", "model": "scripted/judge"}]},
        format="json").json()["id"]
    assert execute_eval(second, worker_name="test") == "succeeded"
    row = EvalResult.objects.get(eval_id=second)
    assert row.scores["llm_judge"]["details"]["judge_usage"] == {"input_tokens": 200, "output_tokens": 20,
                                                                 "cost_usd": 0.0}
    assert api.get(f"/api/v1/evals/{second}").json()["totals"] == {
        "judge_scored": 1, "judge_input_tokens": 200, "judge_output_tokens": 20, "judge_cost_usd": 0.0}
