"""`llm_judge` with the real `scripted` provider as the judge model (through the model router)."""
from __future__ import annotations

import json

import pytest

from runtime.evals import score_case
from runtime.evals.metrics.base import MetricServices
from runtime.models.base import ModelRequest
from runtime.models.router import ModelRouter
from tests.runtime.evals.factories import case, judge_services, metric

RUBRIC = "The answer names the capital of the country asked about."


def judge_says(*answers: dict) -> MetricServices:
    return judge_services(("judge", [{"json": a} for a in answers]))


def spec(**extra):
    return {"type": "llm_judge", "rubric": RUBRIC, "model": "scripted/judge", **extra}


def test_scale_scores_are_normalised_and_the_reasoning_kept():
    m = metric(spec(), judge_says({"reasoning": "Names Paris, correct.", "score": 4},
                                  {"reasoning": "Names Lyon, wrong.", "score": 2}))
    good = m.score(case({"text": "Paris"}, "Paris", input={"message": "Capital of France?"}))
    assert (good.value, good.passed, good.reason) == (0.75, True, None)
    assert good.details["reasoning"] == "Names Paris, correct."
    assert good.details["score"] == 4 and good.details["judge_model"] == "scripted/judge"
    assert good.details["judge_usage"]["output_tokens"] > 0
    bad = m.score(case({"text": "Lyon"}, "Paris"))
    assert (bad.value, bad.passed) == (0.25, False)
    assert bad.reason == "judge score 2/5: Names Lyon, wrong."


def test_custom_scale_and_threshold():
    m = metric(spec(scale_min=0, scale_max=10, threshold=0.9), judge_says({"reasoning": "ok", "score": 8}))
    result = m.score(case({"text": "x"}))
    assert (result.value, result.passed) == (0.8, False)


def test_pass_fail_mode():
    m = metric(spec(mode="pass_fail"), judge_says({"reasoning": "fine", "verdict": "pass"},
                                                  {"reasoning": "off-topic", "verdict": "fail"}))
    assert (m.score(case({"text": "Paris"})).value, m.score(case({"text": "?"})).value) == (1.0, 0.0)


def test_the_judge_answer_may_be_wrapped_in_prose_or_a_fence():
    services = judge_services(("judge", [
        {"text": 'Here is my grade:\n```json\n{"reasoning": "good", "score": 5}\n```'},
        {"text": 'Sure. {"reasoning": "meh", "score": 3} Hope that helps.'}]))
    m = metric(spec(), services)
    assert m.score(case({"text": "a"})).value == 1.0
    assert m.score(case({"text": "b"})).value == 0.5


@pytest.mark.parametrize("answer", [{"text": "I think it is good."}, {"json": {"reasoning": "x", "score": 9}},
                                    {"json": {"reasoning": "x", "score": "high"}}])
def test_an_unusable_judge_answer_is_an_error_result_not_a_crash(answer):
    m = metric(spec(), judge_services(("judge", [answer])))
    result = score_case([m], case({"text": "a"}))["llm_judge"]
    assert (result.value, result.passed) == (None, False)
    assert result.details["error"]["type"] == "metric_scoring_failed"


def test_a_judge_model_error_is_recorded_on_the_result():
    m = metric(spec(), judge_services(("judge", [{"error": "model_auth_error", "message": "bad key"}])))
    result = score_case([m], case({"text": "a"}))["llm_judge"]
    assert result.details["error"]["type"] == "model_auth_error"
    assert result.passed is False


class Recording:
    """Delegates to the real scripted model and keeps the requests (to check the prompt)."""

    def __init__(self, router: ModelRouter) -> None:
        self.router = router
        self.requests: list[ModelRequest] = []

    def resolve(self, ref: str):
        model = self.router.resolve(ref)[0]
        outer = self

        class _Model:
            def complete(self, request, on_delta=None):
                outer.requests.append(request)
                return model.complete(request, on_delta)

        return _Model()


def test_the_prompt_holds_rubric_input_reference_and_response_and_asks_for_json():
    recorder = Recording(ModelRouter({"scripted": {"judge": [{"json": {"reasoning": "r", "score": 5}}]}}))
    m = metric(spec(), MetricServices(judge_model=recorder.resolve))
    m.score(case({"text": "It is Paris."}, "Paris", input={"message": "Capital of France?"}))
    (request,) = recorder.requests
    system, user = request.messages
    assert system.role == "system" and user.role == "user"
    for fragment in (RUBRIC, "Capital of France?", "## REFERENCE ANSWER\nParis", "## RESPONSE\nIt is Paris.",
                     '"score": <integer from 1 to 5'):
        assert fragment in user.content
    assert request.temperature == 0.0 and request.model == "judge"
    assert request.response_format["required"] == ["reasoning", "score"]


def test_pairwise_consistent_win_loss_and_inconsistent_tie():
    turns = [{"json": {"reasoning": "A is right", "winner": "A"}},  # candidate first: candidate wins
             {"json": {"reasoning": "B is right", "winner": "B"}},  # baseline first: candidate (B) wins
             {"json": {"reasoning": "B better", "winner": "B"}},  # candidate first: baseline wins
             {"json": {"reasoning": "A better", "winner": "A"}},  # baseline first: baseline wins
             {"json": {"reasoning": "first is better", "winner": "A"}},  # position bias: always A
             {"json": {"reasoning": "first is better", "winner": "A"}}]
    m = metric(spec(mode="pairwise"), judge_services(("judge", turns)))
    win = m.score(case({"text": "Paris"}, baseline_output={"text": "Lyon"}))
    assert (win.value, win.passed, win.details["outcome"], win.details["consistent"]) == (1.0, True, "win", True)
    assert [v["winner"] for v in win.details["verdicts"]] == ["A", "B"]
    loss = m.score(case({"text": "Lyon"}, baseline_output={"text": "Paris"}))
    assert (loss.value, loss.passed, loss.details["outcome"]) == (0.0, False, "loss")
    assert loss.reason == "the judge preferred the baseline's answer in both orders"
    tie = m.score(case({"text": "Paris"}, baseline_output={"text": "Paris!"}))
    assert (tie.value, tie.passed, tie.details["outcome"], tie.details["consistent"]) == (0.5, True, "tie", False)


def test_pairwise_swaps_the_positions_between_the_two_questions():
    turns = [{"json": {"reasoning": "-", "winner": "tie"}}, {"json": {"reasoning": "-", "winner": "tie"}}]
    recorder = Recording(ModelRouter({"scripted": {"judge": turns}}))
    m = metric(spec(mode="pairwise"), MetricServices(judge_model=recorder.resolve))
    result = m.score(case({"text": "CANDIDATE"}, baseline_output={"text": "BASELINE"}))
    first, second = (r.messages[1].content for r in recorder.requests)
    assert "## RESPONSE A\nCANDIDATE" in first and "## RESPONSE B\nBASELINE" in first
    assert "## RESPONSE A\nBASELINE" in second and "## RESPONSE B\nCANDIDATE" in second
    assert result.value == 0.5


def test_pairwise_without_a_baseline_output_is_an_error_result():
    m = metric(spec(mode="pairwise"), judge_says({"reasoning": "-", "winner": "A"}))
    result = score_case([m], case({"text": "x"}))["llm_judge"]
    assert "needs the baseline's output" in result.reason


def test_results_are_json_serialisable():
    m = metric(spec(), judge_says({"reasoning": "ok", "score": 5}))
    json.dumps(m.score(case({"text": "x"})).to_dict())
