"""`code`: a user scoring function run in the real bubblewrap sandbox."""
from __future__ import annotations

import pytest

from runtime.evals import MetricServices, ToolCallRecord, score_case
from runtime.tools.sandbox import Sandbox, SandboxLimits
from tests.runtime.evals.factories import case, metric
from tests.runtime.tools.sandbox_helpers import needs_bwrap

pytestmark = needs_bwrap


@pytest.fixture(scope="module")
def services() -> MetricServices:
    sandbox = Sandbox(SandboxLimits(wall_s=10.0))
    assert sandbox.unavailable_reason() is None  # really isolated, not the unsandboxed fallback
    return MetricServices(sandbox=sandbox)


WORD_OVERLAP = """
want = set(input["expected"].lower().split())
got = set(input["output"]["text"].lower().split())
return len(want & got) / len(want)
"""


def test_a_numeric_score_passes_at_the_threshold(services):
    m = metric({"type": "code", "code": WORD_OVERLAP}, services)
    half = m.score(case({"text": "Paris France"}, "paris is nice capital"))
    assert (half.value, half.passed, half.reason) == (0.25, False, "score 0.25 < threshold 0.5")
    full = m.score(case({"text": "Paris is a nice capital"}, "paris is nice capital"))
    assert (full.value, full.passed) == (1.0, True)


def test_a_boolean_and_an_object_result(services):
    boolean = metric({"type": "code", "code": "return len(input['tool_calls']) <= 1"}, services)
    calls = (ToolCallRecord("search", {"q": "a"}), ToolCallRecord("search", {"q": "b"}))
    assert boolean.score(case({"text": "x"}, tool_calls=calls)).value == 0.0
    assert boolean.score(case({"text": "x"})).passed is True
    detailed = metric({"type": "code", "code": "n = input['tokens']['output']\n"
                                              "return {'score': 1 - n / 100, 'passed': n < 50, 'reason': f'{n} tokens'}"},
                      services)
    result = detailed.score(case({"text": "x"}, output_tokens=60))
    assert (result.value, result.passed, result.reason) == (0.4, False, "60 tokens")


def test_the_function_sees_no_network(services):
    code = """
import socket
try:
    socket.create_connection(("127.0.0.1", 5432), timeout=1)
    return 1
except OSError:
    return 0
"""
    assert metric({"type": "code", "code": code}, services).score(case({"text": "x"})).value == 0.0


def test_an_exception_or_a_bad_return_is_an_error_result(services):
    raising = metric({"type": "code", "code": "return 1 / 0"}, services)
    result = score_case([raising], case({"text": "x"}))["code"]
    assert (result.value, result.passed) == (None, False)
    assert result.details["error"]["type"] == "code_error"
    assert "ZeroDivisionError" in result.reason
    text = metric({"type": "code", "code": "return 'great'"}, services)
    result = score_case([text], case({"text": "x"}))["code"]
    assert result.details["error"]["type"] == "metric_scoring_failed"
    assert "returned str" in result.reason
