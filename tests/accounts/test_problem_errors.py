"""Bad input gets 4xx problem+json naming the field, never a 500."""
import pytest
from django.test import override_settings

from tests.conftest import client_for, make_key


def assert_problem(response, status: int, field: str | None = None) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert {"type", "title", "status", "detail"} <= set(body) and body["status"] == status
    if field:
        assert field in body["errors"], body
    return body


@pytest.fixture
def admin(project):
    return client_for(make_key(project, "admin"))


@pytest.mark.django_db
def test_malformed_json_names_the_body(admin):
    response = admin.post("/api/v1/secrets", data='{"name": "A", "value": ', content_type="application/json")
    assert_problem(response, 400, "body")


@pytest.mark.django_db
def test_unknown_field_is_named(admin):
    response = admin.post("/api/v1/secrets", {"name": "A", "value": "vvvvvv", "colour": "red"}, format="json")
    assert_problem(response, 400, "colour")


@pytest.mark.django_db
def test_wrong_type_is_named(admin):
    response = admin.post("/api/v1/api-keys", {"name": "k", "role": "viewer", "expires_at": 12}, format="json")
    assert_problem(response, 400, "expires_at")
    assert_problem(admin.post("/api/v1/secrets", {"name": "A", "value": ["x"]}, format="json"), 400, "value")


@pytest.mark.django_db
def test_non_object_body_is_refused(admin):
    assert_problem(admin.post("/api/v1/secrets", [1, 2], format="json"), 400, "body")


@pytest.mark.django_db
@override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=1024)
def test_oversized_body_gets_413(admin):
    response = admin.post("/api/v1/secrets", {"name": "A", "value": "x" * 5000}, format="json")
    assert_problem(response, 413, "body")


@pytest.mark.django_db
def test_bad_pagination_params_are_named(admin):
    assert_problem(admin.get("/api/v1/secrets?limit=abc"), 400, "limit")
    assert_problem(admin.get("/api/v1/secrets?cursor=%%%"), 400, "cursor")


@pytest.mark.django_db
def test_unknown_api_path_is_problem_404(admin):
    assert_problem(admin.get("/api/v1/no-such-thing"), 404)


@pytest.mark.django_db
def test_cursor_pagination_walks_every_item_once(admin, project):
    from accounts import services
    for i in range(7):
        services.set_secret(project=project, name=f"S{i}", value=f"value-{i}-xyz")
    seen, cursor = [], None
    while True:
        url = "/api/v1/secrets?limit=3" + (f"&cursor={cursor}" if cursor else "")
        page = admin.get(url).json()
        seen += [item["name"] for item in page["data"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert sorted(seen) == [f"S{i}" for i in range(7)]
