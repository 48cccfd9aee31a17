"""Fixtures for the SDK suite, run against a live platform (sdk/testing/live_server.py).

The server's address and an owner key come from AGENT_PLATFORM_BASE_URL / AGENT_PLATFORM_API_KEY,
or from the env file named by AGENT_PLATFORM_ENV_FILE (what `live_server.py start` writes).
Nothing here imports the platform: the suite talks HTTP only, as a user's code would.
"""
from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from agent_platform_sdk import AsyncClient, Client


def _settings() -> dict[str, str]:
    values = {key: os.environ[key] for key in ("AGENT_PLATFORM_BASE_URL", "AGENT_PLATFORM_API_KEY") if key in os.environ}
    env_file = os.environ.get("AGENT_PLATFORM_ENV_FILE")
    if env_file and Path(env_file).exists():
        for line in Path(env_file).read_text().splitlines():
            key, _, value = line.partition("=")
            values.setdefault(key.strip(), value.strip())
    return values


SETTINGS = _settings()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    live = {"base_url", "api_key", "client", "aclient"}
    if not SETTINGS.get("AGENT_PLATFORM_API_KEY") and any(live & set(getattr(item, "fixturenames", ())) for item in items):
        raise pytest.UsageError("no live server: run `make test-sdk`, or start sdk/testing/live_server.py and set "
                                "AGENT_PLATFORM_ENV_FILE (or AGENT_PLATFORM_BASE_URL and AGENT_PLATFORM_API_KEY)")


@pytest.fixture(scope="session")
def base_url() -> str:
    return SETTINGS["AGENT_PLATFORM_BASE_URL"]


@pytest.fixture(scope="session")
def api_key() -> str:
    return SETTINGS["AGENT_PLATFORM_API_KEY"]


@pytest.fixture(scope="module")
def client(base_url: str, api_key: str) -> Iterator[Client]:
    with Client(api_key, base_url=base_url) as sdk:
        yield sdk


@pytest.fixture
async def aclient(base_url: str, api_key: str):
    async with AsyncClient(api_key, base_url=base_url) as sdk:
        yield sdk
