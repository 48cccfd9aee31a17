"""Items 5-7 of issue 15: the platform's OpenAI key never goes to a project's own base URL,
project base URLs pass the SSRF guard, and the response cache is per project and provider."""
from __future__ import annotations

import uuid

import pytest

from accounts import services
from runs.model_config import response_cache, router_for
from runtime.errors import ModelUnavailable
from runtime.models.base import Message, ModelRequest
from tests.security.conftest import chat_answer

PLATFORM_KEY = "sk-platform-operator-key-0123456789"


def ask(router, ref: str, text: str = "hello", cache=None):
    request = ModelRequest(model="", messages=[Message("user", text)], timeout_s=5, stream=False)
    return router.complete_with_fallbacks([ref], request, cache=cache).response


@pytest.mark.django_db
def test_project_base_url_never_receives_the_platform_key(project, server, settings):
    settings.OPENAI_API_KEY = PLATFORM_KEY
    settings.OPENAI_BASE_URL = ""
    project.http_allowlist = ["127.0.0.1"]
    project.save(update_fields=["http_allowlist"])
    server.route("/v1/chat/completions", chat_answer("hi"))
    services.set_secret(project=project, name="OPENAI_BASE_URL", value=server.url("/v1"))
    router = router_for(project, {"model": "openai/gpt-x"}, services.reveal_secrets(project))
    assert ask(router, "openai/gpt-x").text == "hi"
    assert len(server.seen) == 1
    sent = " ".join(server.seen[0].headers.values())
    assert PLATFORM_KEY not in sent


@pytest.mark.django_db
def test_platform_key_still_goes_to_the_platform_base_url(project, server, settings):
    settings.OPENAI_API_KEY = PLATFORM_KEY
    settings.OPENAI_BASE_URL = server.url("/v1")  # the operator's own gateway
    server.route("/v1/chat/completions", chat_answer("from the platform"))
    router = router_for(project, {"model": "openai/gpt-x"}, services.reveal_secrets(project))
    assert ask(router, "openai/gpt-x").text == "from the platform"
    headers = {k.lower(): v for k, v in server.seen[0].headers.items()}
    assert headers["authorization"] == f"Bearer {PLATFORM_KEY}"


@pytest.mark.django_db
def test_a_compat_base_url_outside_the_allow_list_is_refused_by_the_ssrf_guard(project, server):
    project.http_allowlist = []
    project.settings = {"providers": {"compat:local": {"base_url": server.url("/v1")}}}
    project.save(update_fields=["http_allowlist", "settings"])
    server.route("/v1/chat/completions", chat_answer("should not answer"))
    router = router_for(project, {"model": "compat:local/m"}, services.reveal_secrets(project))
    with pytest.raises(ModelUnavailable) as refused:
        ask(router, "compat:local/m")
    assert refused.value.details.get("reason") == "ssrf"
    assert server.seen == []


@pytest.mark.django_db
def test_a_scoped_key_secret_is_not_sent_to_another_provider_host(project, server):
    project.http_allowlist = ["127.0.0.1"]
    project.settings = {"providers": {"compat:local": {"base_url": server.url("/v1"), "api_key_secret": "LLM_KEY"}}}
    project.save(update_fields=["http_allowlist", "settings"])
    services.set_secret(project=project, name="LLM_KEY", value="llm-key-value-123", allowed_hosts=["llm.example.com"])
    server.route("/v1/chat/completions", chat_answer("should not answer"))
    router = router_for(project, {"model": "compat:local/m"}, services.reveal_secrets(project))
    with pytest.raises(ModelUnavailable) as refused:
        ask(router, "compat:local/m")
    assert "LLM_KEY" in refused.value.message
    assert server.seen == []


@pytest.mark.django_db
def test_two_projects_with_the_same_prompt_get_their_own_cached_answers(server, other_server):
    server.route("/v1/chat/completions", chat_answer("answer from A"))
    other_server.route("/v1/chat/completions", chat_answer("answer from B"))
    prompt = f"the same prompt {uuid.uuid4().hex}"
    answers = []
    for slug, srv in (("tenant-a", server), ("tenant-b", other_server)):
        project = services.create_project(slug=slug)
        project.http_allowlist = ["127.0.0.1"]
        project.settings = {"providers": {"compat:llm": {"base_url": srv.url("/v1")}}}
        project.save(update_fields=["http_allowlist", "settings"])
        router = router_for(project, {"model": "compat:llm/m"}, services.reveal_secrets(project))
        cache = response_cache(project, router)
        answers.append(ask(router, "compat:llm/m", prompt, cache=cache).text)
        answers.append(ask(router, "compat:llm/m", prompt, cache=cache).text)  # the second from the cache
    assert answers == ["answer from A", "answer from A", "answer from B", "answer from B"]
    assert len(server.seen) == 1 and len(other_server.seen) == 1
