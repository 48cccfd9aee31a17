"""The alerts API: rules CRUD (problem+json naming the field, project scoping, roles) and the history."""
from __future__ import annotations

from datetime import timedelta

import pytest

from alerts.evaluation import evaluate_all
from tests.alerts.conftest import add_runs, minute
from tests.conftest import client_for, make_key
from webhooks import services as webhook_services

pytestmark = pytest.mark.django_db

RULE = {"name": "Errors", "metric": "error_rate", "comparison": "gt", "threshold": 0.2, "window_s": 600,
        "cooldown_s": 900, "emails": ["oncall@example.com"]}


def create(api, **body):
    return api.post("/api/v1/alert-rules", {**RULE, **body}, format="json")


def test_rules_are_created_listed_changed_and_deleted(api, project):
    endpoint = webhook_services.create_endpoint(project=project, url="https://hooks.example.com/a",
                                                event_types=["run.failed"])
    created = create(api, webhooks=[endpoint.pk])
    assert created.status_code == 201, created.json()
    rule = created.json()
    assert rule["id"].startswith("alr_") and rule["state"] == "ok" and rule["webhooks"] == [endpoint.pk]
    assert {k: rule[k] for k in RULE} == RULE
    assert rule["agent"] is None and rule["environment"] == "" and rule["enabled"] is True
    assert api.get("/api/v1/alert-rules").json() == {"data": [rule], "next_cursor": None}
    changed = api.patch(f"/api/v1/alert-rules/{rule['id']}", {"threshold": 0.5, "enabled": False, "webhooks": []},
                        format="json")
    assert changed.status_code == 200, changed.json()
    assert changed.json()["threshold"] == 0.5 and changed.json()["enabled"] is False and changed.json()["webhooks"] == []
    assert api.get(f"/api/v1/alert-rules/{rule['id']}").json()["threshold"] == 0.5
    assert api.delete(f"/api/v1/alert-rules/{rule['id']}").status_code == 204
    assert api.get(f"/api/v1/alert-rules/{rule['id']}").status_code == 404


def test_defaults_for_an_absence_rule(api):
    response = api.post("/api/v1/alert-rules", {"name": "quiet", "metric": "run_count", "comparison": "lt",
                                                "threshold": 1}, format="json")
    assert response.status_code == 201
    assert response.json()["window_s"] == 300 and response.json()["cooldown_s"] == 3600


@pytest.mark.parametrize("body, field", [
    ({"metric": "latency"}, "metric"),
    ({"comparison": "eq"}, "comparison"),
    ({"threshold": "high"}, "threshold"),
    ({"window_s": 10}, "window_s"),
    ({"cooldown_s": -1}, "cooldown_s"),
    ({"emails": ["not-an-address"]}, "emails.0"),
    ({"environment": "qa"}, "environment"),
    ({"agent": "no-such-agent"}, "agent"),
    ({"webhooks": ["whk_nope"]}, "webhooks.0"),
    ({"colour": "red"}, "colour"),
    ({"name": 5}, "name"),
])
def test_bad_input_is_a_400_problem_naming_the_field(api, body, field):
    response = create(api, **body)
    assert response.status_code == 400, response.json()
    assert response["Content-Type"].startswith("application/problem+json")
    assert field in response.json()["errors"], response.json()


def test_a_rule_needs_its_metric_and_threshold(api):
    response = api.post("/api/v1/alert-rules", {"name": "x"}, format="json")
    assert response.status_code == 400 and {"metric", "threshold"} <= set(response.json()["errors"])


def test_another_projects_rules_endpoints_and_alerts_are_invisible(api, project, other_project):
    other = client_for(make_key(other_project, "owner"))
    theirs = create(other).json()
    their_endpoint = webhook_services.create_endpoint(project=other_project, url="https://hooks.example.com/b",
                                                      event_types=["run.failed"])
    for method in ("get", "patch", "delete"):
        assert getattr(api, method)(f"/api/v1/alert-rules/{theirs['id']}", {}, format="json").status_code == 404
    assert create(api, webhooks=[their_endpoint.pk]).status_code == 400
    assert api.get("/api/v1/alert-rules").json()["data"] == []
    add_runs(other_project, minute(-1), ["failed"])
    assert len(evaluate_all(now=minute())) == 1
    assert api.get("/api/v1/alerts").json()["data"] == []
    assert len(other.get("/api/v1/alerts").json()["data"]) == 1


def test_viewers_and_developers_read_but_do_not_manage_rules(project, api):
    rule = create(api).json()
    for role in ("viewer", "developer"):
        client = client_for(make_key(project, role))
        assert client.get("/api/v1/alert-rules").status_code == 200
        assert client.get("/api/v1/alerts").status_code == 200
        assert create(client).status_code == 403
        assert client.patch(f"/api/v1/alert-rules/{rule['id']}", {"enabled": False}, format="json").status_code == 403
        assert client.delete(f"/api/v1/alert-rules/{rule['id']}").status_code == 403
    assert client_for(None).get("/api/v1/alert-rules").status_code == 401


def test_the_history_pages_and_filters(api, project):
    rule = create(api, threshold=0.5, cooldown_s=0).json()
    t0 = minute()
    for i in range(3):  # firing, resolved, firing, resolved, firing, resolved
        add_runs(project, t0 + timedelta(minutes=20 * i), ["failed"])
        evaluate_all(now=t0 + timedelta(minutes=20 * i, seconds=60))
        add_runs(project, t0 + timedelta(minutes=20 * i + 1), ["succeeded"] * 3)
        evaluate_all(now=t0 + timedelta(minutes=20 * i + 2))
    first = api.get("/api/v1/alerts", {"limit": 4})
    assert first.status_code == 200
    page = first.json()
    assert [a["state"] for a in page["data"]] == ["resolved", "firing", "resolved", "firing"]
    assert page["data"][0]["rule"] == rule["id"] and page["data"][0]["rule_name"] == "Errors"
    assert page["data"][1]["value"] == 1.0 and page["data"][1]["threshold"] == 0.5
    rest = api.get("/api/v1/alerts", {"limit": 4, "cursor": page["next_cursor"]}).json()
    assert len(rest["data"]) == 2 and rest["next_cursor"] is None
    firing = api.get("/api/v1/alerts", {"state": "firing", "rule": rule["id"]}).json()["data"]
    assert len(firing) == 3 and {a["state"] for a in firing} == {"firing"}
    bad = api.get("/api/v1/alerts", {"state": "burning"})
    assert bad.status_code == 400 and "state" in bad.json()["errors"]
    assert api.get("/api/v1/alert-rules/" + rule["id"]).json()["state"] == "ok"
