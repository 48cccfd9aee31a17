"""`context_hit` and `faithfulness` (judged by the scripted provider)."""
from __future__ import annotations

from runtime.evals import Citation, score_case
from tests.runtime.evals.factories import case, judge_services, metric, score

CITATIONS = (Citation("doc_1", "refunds.md", "Refunds are accepted within 30 days of purchase."),
             Citation("doc_2", "shipping.md", "We ship to the EU and the UK."),
             Citation("doc_3", "warranty.md", "The warranty lasts two years."))


def test_context_hit_by_id_or_name():
    c = case({"text": "x"}, "refunds.md", citations=CITATIONS)
    hit = score({"type": "context_hit"}, c)
    assert (hit.value, hit.passed, hit.details["found"]) == (1.0, True, ["refunds.md"])
    assert score({"type": "context_hit", "documents": ["doc_2"]}, c).passed is True
    miss = score({"type": "context_hit", "documents": ["doc_9"]}, c)
    assert (miss.value, miss.passed, miss.reason) == (0.0, False, "not retrieved: doc_9")


def test_context_hit_any_all_and_top_k():
    c = case({"text": "x"}, ["doc_1", "doc_3", "doc_9"], citations=CITATIONS)
    any_ = score({"type": "context_hit"}, c)
    assert (any_.value, any_.passed) == (0.666667, True)
    assert score({"type": "context_hit", "match": "all"}, c).passed is False
    top1 = score({"type": "context_hit", "top_k": 1, "documents": ["doc_3"]}, c)
    assert (top1.value, top1.passed) == (0.0, False)


def judge(*answers):
    return judge_services(("judge", [{"json": a} for a in answers]))


def test_faithfulness_passes_when_the_judge_finds_the_answer_supported():
    m = metric({"type": "faithfulness", "model": "scripted/judge"},
               judge({"reasoning": "Stated in [1].", "unsupported_claims": [], "score": 1.0},
                     {"reasoning": "The 60 days are not in the context.", "unsupported_claims": ["60 days"],
                      "score": 0.5}))
    good = m.score(case({"text": "Refunds within 30 days."}, input={"message": "Refund window?"}, citations=CITATIONS))
    assert (good.value, good.passed, good.details["reasoning"]) == (1.0, True, "Stated in [1].")
    bad = m.score(case({"text": "Refunds within 60 days, shipping worldwide."}, citations=CITATIONS))
    assert (bad.value, bad.passed, bad.details["unsupported_claims"]) == (0.5, False, ["60 days"])
    assert bad.reason == "faithfulness 0.50 < 0.8: The 60 days are not in the context."


def test_faithfulness_without_retrieved_text_fails_without_asking():
    services = judge({"reasoning": "-", "score": 1.0})
    m = metric({"type": "faithfulness", "model": "scripted/judge"}, services)
    result = m.score(case({"text": "x"}, citations=(Citation("doc_1"),)))
    assert (result.value, result.passed) == (None, False)
    assert result.reason == "the run retrieved no context to support its answer"


def test_faithfulness_judge_score_out_of_range_is_an_error_result():
    m = metric({"type": "faithfulness", "model": "scripted/judge"}, judge({"reasoning": "-", "score": 7}))
    result = score_case([m], case({"text": "x"}, citations=CITATIONS))["faithfulness"]
    assert result.details["error"]["type"] == "metric_scoring_failed"
