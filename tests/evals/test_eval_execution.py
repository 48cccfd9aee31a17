"""Eval runs on a real worker: items fan out as ordinary runs, results are scored and reported,
identical results are reused, exports parse."""
from __future__ import annotations

import xml.etree.ElementTree as ET

from tests.evals.helpers import create_agent, create_dataset, items_of, start_eval, wait_for_eval

ITEMS = [{"id": "a", "input": "alpha", "expected": "alpha", "tags": ["smoke"]},
         {"id": "b", "input": "beta", "expected": "beta"},
         {"id": "c", "input": "gamma", "expected": "delta", "tags": ["smoke"]}]


def test_items_run_as_ordinary_runs_and_are_scored(http, e2e_project):
    create_agent(e2e_project, "echo", [{"echo": True}])
    create_dataset(e2e_project, "qa", ITEMS)
    started = start_eval(http, dataset="qa", target={"agent": "echo"}, concurrency=2,
                         metrics=[{"type": "exact"}, {"type": "latency_ms"}, {"type": "icontains", "value": "A"}],
                         thresholds=["pass_rate(exact) >= 0.6", "mean(icontains) >= 0.9"])
    done = wait_for_eval(http, started["id"])
    assert done["status"] == "succeeded", done
    assert done["progress"] == {"completed": 3, "total": 3}
    assert done["summary"]["exact"]["pass_rate"] == 0.666667
    assert done["summary"]["exact"]["passed"] == 2 and done["summary"]["exact"]["failed"] == 1
    assert done["summary"]["icontains"]["mean"] == 1.0
    assert done["summary"]["latency_ms"]["p50"] > 0
    assert [(t["expr"], t["passed"]) for t in done["thresholds"]] == [("pass_rate(exact) >= 0.6", True),
                                                                       ("mean(icontains) >= 0.9", True)]
    assert done["passed"] is True
    rows = items_of(http, started["id"])
    assert [(r["item_id"], r["passed"]) for r in rows] == [("a", True), ("b", True), ("c", False)]
    assert rows[2]["scores"]["exact"]["passed"] is False and rows[2]["output"] == {"text": "gamma"}
    for row in rows:  # each item is an ordinary run with its events
        run = http.get(f"/api/v1/runs/{row['run_id']}").json()
        assert run["status"] == "succeeded" and run["metadata"]["eval"] == started["id"]
        types = [e["type"] for e in http.get(f"/api/v1/runs/{row['run_id']}/events").json()["data"]]
        assert types[0] == "run.queued" and types[-1] == "run.succeeded"
    assert [r["item_id"] for r in items_of(http, started["id"], failed="true")] == ["c"]
    assert [r["item_id"] for r in items_of(http, started["id"], tag="smoke")] == ["a", "c"]

    junit = http.get(f"/api/v1/evals/{started['id']}/report", params={"format": "junit"})
    assert junit.status_code == 200 and junit.headers["content-type"].startswith("application/xml")
    root = ET.fromstring(junit.content)
    assert root.tag == "testsuites" and root.get("failures") == "1"
    failing = [c.get("classname") + "/" + c.get("name") for c in root.iter("testcase") if c.find("failure") is not None]
    assert failing == ["eval.qa.c/exact"]
    markdown = http.get(f"/api/v1/evals/{started['id']}/report", params={"format": "markdown"})
    assert markdown.status_code == 200 and "passed" in markdown.text and "| exact |" in markdown.text
    assert http.get(f"/api/v1/evals/{started['id']}/report", params={"format": "pdf"}).status_code == 400


def test_identical_results_are_reused_unless_fresh(http, e2e_project):
    create_agent(e2e_project, "echo2", [{"echo": True}])
    create_dataset(e2e_project, "qa2", ITEMS)
    request = {"dataset": "qa2", "target": {"agent": "echo2"}, "metrics": [{"type": "exact"}], "repeats": 2}
    first = wait_for_eval(http, start_eval(http, **request)["id"])
    first_rows = items_of(http, first["id"])
    assert len(first_rows) == 6 and not any(r["reused"] for r in first_rows)
    assert len({r["run_id"] for r in first_rows}) == 6  # one run per item x repeat
    second = wait_for_eval(http, start_eval(http, **request)["id"])
    second_rows = items_of(http, second["id"])
    assert all(r["reused"] for r in second_rows)
    assert [r["run_id"] for r in second_rows] == [r["run_id"] for r in first_rows]
    assert second["summary"]["exact"]["pass_rate"] == first["summary"]["exact"]["pass_rate"]
    fresh = wait_for_eval(http, start_eval(http, **request, fresh=True)["id"])
    fresh_rows = items_of(http, fresh["id"])
    assert not any(r["reused"] for r in fresh_rows)
    assert not {r["run_id"] for r in fresh_rows} & {r["run_id"] for r in first_rows}


def test_a_run_that_rejects_the_item_is_an_errored_result(http, e2e_project):
    create_agent(e2e_project, "strict", [{"echo": True}],
                 input_schema={"type": "object", "required": ["message"],
                               "properties": {"message": {"type": "string"}}})
    create_dataset(e2e_project, "mixed", [{"id": "ok", "input": "fine", "expected": "fine"},
                                   {"id": "bad", "input": {"nope": 1}}])
    done = wait_for_eval(http, start_eval(http, dataset="mixed", target={"agent": "strict"},
                                          metrics=[{"type": "exact"}])["id"])
    assert done["status"] == "succeeded"
    rows = {r["item_id"]: r for r in items_of(http, done["id"])}
    assert rows["ok"]["passed"] is True
    assert rows["bad"]["status"] == "errored" and rows["bad"]["run_id"] is None
    assert rows["bad"]["error"]["type"] and rows["bad"]["scores"]["exact"]["passed"] is False
    assert done["summary"]["exact"]["errors"] == 1


def test_cancel_an_eval(http, e2e_project):
    create_agent(e2e_project, "slow", [{"delay": 0.5, "echo": True}])
    create_dataset(e2e_project, "many", [{"input": f"q{i}"} for i in range(20)])
    started = start_eval(http, dataset="many", target={"agent": "slow"}, metrics=[{"type": "exact"}], concurrency=1)
    r = http.post(f"/api/v1/evals/{started['id']}/cancel")
    assert r.status_code == 200
    done = wait_for_eval(http, started["id"])
    assert done["status"] == "cancelled"
    assert done["progress"]["completed"] < 20
    assert http.post(f"/api/v1/evals/{started['id']}/cancel").status_code == 409
