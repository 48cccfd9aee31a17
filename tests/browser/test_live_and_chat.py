"""Live mode of the run viewer on a running run, and the agent chat: a message to a scripted
agent streams its tool call and answer in, and the next message carries the conversation."""
from __future__ import annotations

import pytest
from django.contrib.admin.utils import quote
from django.urls import reverse

from accounts import services as account_services
from runs.models import Event, Run
from tests.browser.seed import PASSWORD, agent, helper_agent, start_run, superuser, wait_for_status

pytestmark = [pytest.mark.browser, pytest.mark.e2e, pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def test_live_mode_follows_a_running_run_to_its_end(console_page, api_project):
    console_page.login(superuser().username)
    agent(api_project, "slow", [{"delay": 2.0, "text": "A slow, considered answer."}])
    run_id = start_run(api_project, "slow", {"agent": "slow"}, "take your time")
    wait_for_status(api_project.client, run_id, ("running",))
    page = console_page.open(reverse("admin:runs_run_change", args=[quote(run_id)]), "run-viewer-live",
                             console_css=True, shot=True)
    assert page.locator("#ac-live").is_visible()
    assert page.locator("#ac-finished").is_hidden()
    # The viewer polls events.json; the terminal event arrives without a reload.
    page.wait_for_selector('#ac-events tr[data-type="run.succeeded"]', timeout=30_000)
    page.wait_for_selector("#ac-finished", state="visible")
    assert page.locator("#ac-live").is_hidden()
    assert page.locator("#ac-run-status").inner_text() == "succeeded"
    assert page.locator('#ac-events tr[data-type="model.delta"]').count() >= 1
    console_page.check("run-viewer-live-finished", console_css=True)


def test_chat_streams_the_answer_and_tool_call_and_continues_the_conversation(console_page, api_project):
    owner = account_services.create_user(username="chat-owner", password=PASSWORD, is_staff=True)
    account_services.set_member_role(project=api_project.project, user=owner, role="owner")
    helper = helper_agent(api_project)
    console_page.login(owner.username)
    page = console_page.open(reverse("admin:runs_run_chat") + f"?agent={helper['id']}", "chat", console_css=True)
    assert page.locator("#ac-chat-agent").input_value() == helper["id"]
    page.select_option("#ac-chat-pin", "env:dev")

    page.fill("#ac-chat-message", "tea please")
    page.click("#ac-chat-send")
    first = page.locator(".ac-msg-assistant.ac-msg-done").first
    first.wait_for(timeout=30_000)
    assert first.locator(".ac-tool .ac-tool-name").inner_text() == "kv"
    assert '"last-message"' in first.locator(".ac-tool-input").inner_text()
    assert first.locator(".ac-msg-text").last.inner_text() == "Stored it. You said: tea please"
    assert int(first.get_attribute("data-deltas")) >= 1  # the text arrived as model.delta events
    run_id = first.get_attribute("data-run")
    first_run = Run.objects.get(pk=run_id)
    assert (first_run.environment, first_run.agent_version.number) == ("dev", 1)
    assert first_run.metadata == {"source": "console-chat", "user": "chat-owner"}
    assert Event.objects.filter(run_id=run_id, type="model.delta").exists()

    page.select_option("#ac-chat-pin", "v:2")  # changing the version starts a new conversation
    assert page.locator(".ac-msg").count() == 0
    page.fill("#ac-chat-message", "first")
    page.keyboard.press("Enter")
    page.locator(".ac-msg-assistant.ac-msg-done").nth(0).wait_for(timeout=30_000)
    page.fill("#ac-chat-message", "second")
    page.click("#ac-chat-send")
    second = page.locator(".ac-msg-assistant.ac-msg-done").nth(1)
    second.wait_for(timeout=30_000)
    assert second.locator(".ac-msg-text").last.inner_text() == "Stored it. You said: second"
    later = Run.objects.get(pk=second.get_attribute("data-run"))
    assert later.agent_version.number == 2 and later.environment == ""
    assert later.input == {"message": "second", "messages": [
        {"role": "user", "content": "first"}, {"role": "assistant", "content": "Stored it. You said: first"}]}
    console_page.check("chat-conversation", console_css=True, shot=True, allowed={(201, "/chat/send/")})

    # A bad turn is a 400 problem naming the field (the page shows it above the composer).
    answer = page.evaluate("""async () => {
        const csrf = document.querySelector('input[name=csrfmiddlewaretoken]').value;
        const r = await fetch(document.getElementById('ac-chat').dataset.sendUrl, {method: 'POST',
          headers: {'Content-Type': 'application/json', 'X-CSRFToken': csrf},
          body: JSON.stringify({agent: 'agt_nope', message: 'x', messages: [{role: 'system', content: 1}]})});
        return {status: r.status, type: r.headers.get('content-type'), body: await r.json()};
    }""")
    assert answer["status"] == 400 and answer["type"] == "application/problem+json"
    assert "messages" in str(answer["body"]["errors"])
    console_page.watch.reset()  # the 400 above was asked for
    page.fill("#ac-chat-message", "x" * 100_001)
    page.click("#ac-chat-send")
    page.wait_for_selector("#ac-chat-error:not([hidden])")
    assert page.locator("#ac-chat-error").inner_text().startswith("message:")
    assert page.locator(".ac-msg").count() == 4  # nothing was added
    console_page.watch.reset()
