"""Fixtures for the tenant-isolation tests: local HTTP servers posing as providers and targets."""
from __future__ import annotations

import pytest

from tests.conftest import client_for, make_key

# The same two local servers the runtime tool tests use.
from tests.runtime.tools.conftest import other_server, server  # noqa: E402, F401
from tests.runtime.tools.local_server import json_answer


@pytest.fixture
def admin_api(project):
    return client_for(make_key(project, "admin"))


@pytest.fixture
def dev_api(project):
    return client_for(make_key(project, "developer"))


def chat_answer(text: str):
    """A route answering like an OpenAI-compatible /chat/completions endpoint."""
    def route(seen):
        return json_answer({"id": "c1", "object": "chat.completion", "created": 0, "model": "m",
                            "choices": [{"index": 0, "finish_reason": "stop",
                                         "message": {"role": "assistant", "content": text}}],
                            "usage": {"prompt_tokens": 3, "completion_tokens": 2, "total_tokens": 5}})
    return route
