"""Error answers become typed exceptions carrying the problem+json: status, type, field errors."""
from __future__ import annotations

import pytest
from factories import scripted_agent, unique

from agent_platform_sdk import (
    APIStatusError,
    AuthenticationError,
    BadRequestError,
    Client,
    NotFoundError,
    UnprocessableEntityError,
)


def test_bad_input_names_the_field(client: Client) -> None:
    agent = client.agents.create(name=unique("bad"))
    with pytest.raises((BadRequestError, UnprocessableEntityError)) as raised:
        client.agents.create_version(agent.id, model="scripted/x", tools=["no-such-tool"])
    error = raised.value
    assert error.status in (400, 422) and error.type.startswith("https://")
    assert error.errors and any("tools" in field for field in error.errors), error.errors
    assert error.title and error.detail


def test_not_found_and_unauthorised(client: Client, base_url: str) -> None:
    with pytest.raises(NotFoundError) as missing:
        client.agents.get("agt_nope")
    assert missing.value.status == 404 and isinstance(missing.value, APIStatusError)
    with Client("ap_not_a_key", base_url=base_url) as stranger:
        with pytest.raises(AuthenticationError) as denied:
            stranger.agents.get("agt_nope")
    assert denied.value.status == 401


def test_run_input_errors_name_the_field(client: Client) -> None:
    agent = scripted_agent(client)
    with pytest.raises(APIStatusError) as raised:
        client.runs.create(agent=agent, input={"message": 42})
    assert 400 <= raised.value.status < 500 and any(f.startswith("input") for f in raised.value.errors)


def test_an_idempotency_key_reused_with_another_body(client: Client) -> None:
    agent = scripted_agent(client)
    first = client.runs.create(agent=agent, input={"message": "one"}, idempotency_key="sdk-reuse-" + agent)
    again = client.runs.create(agent=agent, input={"message": "one"}, idempotency_key="sdk-reuse-" + agent)
    assert again.id == first.id  # the same key and body: the original run
    with pytest.raises(UnprocessableEntityError) as raised:
        client.runs.create(agent=agent, input={"message": "two"}, idempotency_key="sdk-reuse-" + agent)
    assert raised.value.code == "idempotency_key_reused" and "Idempotency-Key" in raised.value.errors
