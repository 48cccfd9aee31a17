"""`human`: thumbs and scores of feedback as a metric."""
from __future__ import annotations

from runtime.evals import Feedback, score_case
from tests.runtime.evals.factories import case, metric, score


def test_thumbs_up_and_down():
    assert score({"type": "human"}, case({"text": "x"}, feedback=(Feedback(thumbs="up"),))).value == 1.0
    down = score({"type": "human"}, case({"text": "x"}, feedback=(Feedback(thumbs="down", comment="wrong city"),)))
    assert (down.value, down.passed, down.details["comments"]) == (0.0, False, ["wrong city"])
    assert score({"type": "human"}, case({"text": "x"}, feedback=(Feedback(thumbs=True),))).passed is True


def test_scores_are_normalised_and_averaged():
    c = case({"text": "x"}, feedback=(Feedback(score=4), Feedback(thumbs="down"), Feedback(comment="meh")))
    result = score({"type": "human"}, c)  # (0.75 + 0.0) / 2
    assert (result.value, result.passed, result.details["ratings"]) == (0.375, False, 2)
    assert score({"type": "human", "score_min": 0, "score_max": 10}, case({"text": "x"},
                 feedback=(Feedback(score=7),))).value == 0.7


def test_no_feedback_is_not_counted():
    result = score({"type": "human"}, case({"text": "x"}))
    assert (result.value, result.passed) == (None, None)


def test_a_score_outside_the_scale_is_an_error_result():
    m = metric({"type": "human"})
    result = score_case([m], case({"text": "x"}, feedback=(Feedback(score=9),)))["human"]
    assert result.details["error"]["type"] == "metric_scoring_failed"
    assert "outside 1–5" in result.reason
