import pytest
from django.test import override_settings

from agent_platform import embedded


def test_healthz(client):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json() == {"status": "ok"}


@pytest.mark.django_db
def test_readyz_reports_ready(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json()["checks"] == {"database": "ok", "redis": "ok"}


@pytest.mark.django_db
def test_readyz_reports_a_stopped_redis_as_not_ready(client, tmp_path):
    var = tmp_path / "var"
    var.mkdir()
    url = embedded.ensure_redis(var)
    try:
        with override_settings(REDIS_URL=url):
            assert client.get("/readyz").status_code == 200
            embedded.stop_redis(var)
            response = client.get("/readyz")
    finally:
        embedded.stop_redis(var)
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "not_ready" and body["checks"]["redis"].startswith("error")
    assert body["checks"]["database"] == "ok"
