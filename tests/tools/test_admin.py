"""The tools pages of the admin console: authoring custom tools (versions read-only, schemas
pretty-printed), OpenAPI import, the playground, MCP servers with "refresh tools", KV entries."""
import json
import sys
from pathlib import Path

import pytest
from django.urls import reverse

from accounts.admin_scoping import admin_url
from tests.admin.conftest import console_client, staff_user
from tools.models import CustomTool, KVEntry, McpServer
from tools.services import create_custom_tool

pytestmark = pytest.mark.django_db
TEST_SERVER = Path(__file__).parents[1] / "runtime" / "tools" / "mcp_test_server.py"
BODY = {"method": "GET", "url": "https://api.example.com/orders/{order_id}",
        "input_schema": {"type": "object", "properties": {"order_id": {"type": "string", "pattern": "^[0-9]+$"}}}}


@pytest.fixture
def member(project):
    def make(role: str = "developer"):
        return console_client(staff_user(f"member-{role}", project=project, role=role))
    return make


def test_tool_page_shows_versions_and_pretty_schemas(project, member):
    tool, _ = create_custom_tool(project=project, name="get_order", body=BODY)
    page = member("viewer").get(admin_url(tool))
    assert page.status_code == 200
    html = page.content.decode()
    assert "Versions (newest first, immutable)" in html
    assert "&quot;pattern&quot;: &quot;^[0-9]+$&quot;" in html  # the input schema, indented JSON
    assert "side effect <b>read_only</b>" in html


def test_tool_is_authored_in_the_console(project, member):
    client = member("developer")
    response = client.post(reverse("admin:tools_customtool_add"), {
        "project": project.pk, "name": "get_order", "description": "Fetch", "body": json.dumps(BODY)})
    assert response.status_code == 302, response.content.decode()[:2000]
    tool = CustomTool.objects.get(project=project, name="get_order")
    assert tool.latest_version().body["url"] == BODY["url"]
    prefix = client.get(admin_url(tool)).context["inline_admin_formsets"][0].formset.prefix
    management = {f"{prefix}-TOTAL_FORMS": "1", f"{prefix}-INITIAL_FORMS": "1"}
    changed = client.post(admin_url(tool), {"name": "get_order", "description": "Fetch",
                                            "body": json.dumps({**BODY, "timeout_s": 3}), **management})
    assert changed.status_code == 302, changed.content.decode()[:3000]
    assert tool.latest_version().number == 2
    bad = client.post(reverse("admin:tools_customtool_add"), {"project": project.pk, "name": "kv", "body": "{}"})
    assert bad.status_code == 200 and "built-in" in bad.content.decode()


def test_openapi_import_page(project, member):
    document = ('{"openapi": "3.0.0", "info": {"title": "t", "version": "1"}, "paths": {"/ping": {"get": '
                '{"operationId": "ping", "responses": {"200": {"description": "ok"}}}}}}')
    response = member().post(reverse("admin:tools_customtool_import_openapi"), {
        "project": project.pk, "document": document, "base_url": "https://api.example.com", "prefix": "x_"})
    assert response.status_code == 302, response.content.decode()[:3000]
    assert CustomTool.objects.get(project=project, name="x_ping").kind == "openapi"
    missing = member().post(reverse("admin:tools_customtool_import_openapi"), {
        "project": project.pk, "document": document})
    assert missing.status_code == 400 and "base_url" in missing.content.decode()


@pytest.mark.django_db(transaction=True)  # the kv tool writes from the call's own thread
def test_playground_page_runs_a_tool(project, member):
    client = member()
    url = reverse("admin:tools_customtool_playground")
    assert client.get(url).status_code == 200
    ok = client.post(url, {"project": project.pk, "tool": "kv", "input": '{"op": "set", "key": "a", "value": [1]}'})
    assert ok.status_code == 200 and 'id="ac-playground-result"' in ok.content.decode()
    assert KVEntry.objects.get(project=project, key="a").value == [1]
    failed = client.post(url, {"project": project.pk, "tool": "kv", "input": '{"op": "explode"}'})
    assert "tool_input_invalid" in failed.content.decode() and "HTTP 422" in failed.content.decode()
    unknown = client.post(url, {"project": project.pk, "tool": "nope", "input": "{}"})
    assert unknown.status_code == 400 and "not found" in unknown.content.decode()


def test_viewers_cannot_use_the_playground_of_a_project(project, member):
    response = member("viewer").post(reverse("admin:tools_customtool_playground"),
                                     {"project": project.pk, "tool": "kv", "input": '{"op": "list"}'})
    assert response.status_code == 400  # the project is not offered to a viewer
    assert not KVEntry.objects.filter(project=project).exists()


def test_stdio_servers_need_the_admin_role_in_the_console(project, member):
    form = {"project": project.pk, "name": "echo", "transport": "stdio", "command": sys.executable,
            "args": f'["{TEST_SERVER}"]', "env": "", "url": "", "headers": "", "timeout_s": "10"}
    refused = member("developer").post(reverse("admin:tools_mcpserver_add"), form)
    assert refused.status_code == 200 and "manage_project" in refused.content.decode()
    assert not McpServer.objects.exists()
    admin = member("admin")
    assert admin.post(reverse("admin:tools_mcpserver_add"), form).status_code == 302
    server = McpServer.objects.get(project=project, name="echo")
    refreshed = admin.post(reverse("admin:tools_mcpserver_refresh", args=[server.pk]), follow=True)
    assert "Refreshed echo" in refreshed.content.decode()
    assert set(CustomTool.objects.filter(mcp_server=server).values_list("name", flat=True)) == {"echo__echo",
                                                                                               "echo__hang"}


def test_kv_entries_are_listed_with_truncated_values(project, member):
    KVEntry.objects.create(project=project, key="big", value={"text": "y" * 5000})
    page = member("viewer").get(reverse("admin:tools_kventry_changelist"))
    assert page.status_code == 200
    html = page.content.decode()
    assert "big" in html and "y" * 200 not in html and "…" in html


def test_server_form_names_the_missing_field(project, member):
    response = member("admin").post(reverse("admin:tools_mcpserver_add"), {
        "project": project.pk, "name": "remote", "transport": "http", "url": "", "timeout_s": "10"})
    assert response.status_code == 200 and "streamable-HTTP server needs" in response.content.decode()
    assert not McpServer.objects.exists()
