"""`GET|PUT /api/v1/limits`, `/api/v1/api-keys/{id}/limits`, `GET /api/v1/usage`."""
import pytest

from accounts.models import ApiKey
from tests.conftest import client_for, make_key

pytestmark = pytest.mark.django_db

FULL = {"requests_per_minute": 600, "concurrent_runs": 10, "tokens_per_day": 1_000_000, "usd_per_day": 5.5,
        "usd_per_month": 100, "run_token_estimate": 2000}


def test_put_then_get_project_limits(project):
    admin = client_for(make_key(project, "admin"))
    assert admin.get("/api/v1/limits").json()["tokens_per_day"] is None  # none set yet
    put = admin.put("/api/v1/limits", FULL, format="json")
    assert put.status_code == 200, put.content
    assert put.json() == {**FULL, "usd_per_month": 100.0, "scope": "project", "api_key_id": None}
    assert admin.get("/api/v1/limits").json() == put.json()
    # PUT replaces: a limit left out is removed
    assert admin.put("/api/v1/limits", {"concurrent_runs": 3}, format="json").json()["tokens_per_day"] is None


@pytest.mark.parametrize("body, field", [
    ({"concurrent_runs": -1}, "concurrent_runs"), ({"usd_per_day": "lots"}, "usd_per_day"),
    ({"tokens_per_day": 1.5}, "tokens_per_day"), ({"burst": 3}, "burst"), ({"requests_per_minute": 0},
                                                                              "requests_per_minute")])
def test_bad_values_are_refused_naming_the_field(project, body, field):
    answer = client_for(make_key(project, "admin")).put("/api/v1/limits", body, format="json")
    assert answer.status_code == 400 and answer["Content-Type"] == "application/problem+json"
    assert field in answer.json()["errors"]


def test_only_managers_change_limits(project):
    assert client_for(make_key(project, "developer")).put("/api/v1/limits", FULL, format="json").status_code == 403
    assert client_for(make_key(project, "viewer")).get("/api/v1/limits").status_code == 200


def test_key_limits_are_scoped_to_the_callers_project(project, other_project):
    raw = make_key(project, "developer")
    key = ApiKey.objects.get(prefix=raw[:10])
    admin = client_for(make_key(project, "admin"))
    put = admin.put(f"/api/v1/api-keys/{key.pk}/limits", {"tokens_per_day": 10}, format="json")
    assert put.status_code == 200 and put.json()["scope"] == "api_key" and put.json()["api_key_id"] == key.pk
    outsider = client_for(make_key(other_project, "owner"))
    assert outsider.get(f"/api/v1/api-keys/{key.pk}/limits").status_code == 404
    assert outsider.put(f"/api/v1/api-keys/{key.pk}/limits", {"tokens_per_day": 1}, format="json").status_code == 404
    usage = admin.get("/api/v1/usage").json()
    assert usage["project"]["tokens_per_day"] == {"limit": None, "used": 0, "remaining": None, "reserved": 0,
                                                  "resets_at": usage["project"]["tokens_per_day"]["resets_at"]}
    assert [k["api_key_id"] for k in usage["api_keys"]] == [key.pk]
    assert outsider.get("/api/v1/usage").json()["api_keys"] == []
