"""One entry point from a tool reference to a ready tool (`tools.resolution.resolve_tool`): the spec
overrides of the reference, the HTTP timeout and the rate limit are composed there, the same for an
agent's reference, a workflow node's and the playground's."""
from __future__ import annotations

import pytest

from runtime.errors import AgentSpecInvalid, ToolInputInvalid, ToolNotFound
from tools import services
from tools.http_timeouts import HttpTimeoutTool
from tools.rate_limits import RateLimitedTool
from tools.resolution import ToolRef, resolve_tool, toolset_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def orders(project):
    services.create_custom_tool(project=project, name="orders", description="Look up an order", body={
        "method": "GET", "url": "https://api.example.com/orders/{id}", "rate_limit_per_min": 60,
        "timeout_s": 2.5})
    return project


def layers(tool) -> list[type]:
    found = []
    while tool is not None:
        found.append(type(tool))
        tool = getattr(tool, "inner", None) or getattr(tool, "_tool", None)
    return found


def test_a_custom_tool_is_built_once_with_its_timeout_inside_its_rate_limit(orders):
    tool = resolve_tool(orders, "orders")
    assert tool.spec.name == "orders" and tool.spec.description == "Look up an order"
    assert tool.spec.rate_limit_per_min == 60
    kinds = layers(tool)
    assert kinds[0] is RateLimitedTool and kinds[1] is HttpTimeoutTool  # the limit is checked first
    assert tool.inner.timeout_s == 2.5


def test_a_node_reference_overrides_the_side_effect_class(orders):
    tool = resolve_tool(orders, ToolRef.for_node("orders", {"side_effect": "side_effecting"}))
    assert tool.spec.side_effect == "side_effecting"
    assert layers(tool)[0] is RateLimitedTool  # still limited: the policies are composed in one place
    with pytest.raises(ToolInputInvalid):
        ToolRef.for_node("orders", {"side_effect": "sometimes"})


def test_a_node_config_configures_a_builtin_and_is_refused_for_a_custom_tool(orders):
    http = resolve_tool(orders, ToolRef.for_node("http", {"timeout_s": 1.5, "side_effect": "read_only"}))
    assert http.spec.side_effect == "read_only" and HttpTimeoutTool in layers(http)
    with pytest.raises(ToolInputInvalid):
        resolve_tool(orders, ToolRef.for_node("orders", {"timeout_s": 1.0}))


def test_an_agent_reference_pins_versions_and_may_require_approval(orders):
    tools = toolset_for(orders, [{"name": "orders", "requires_approval": True}, "kv"], secrets={})
    assert tools["orders"].spec.requires_approval is True
    assert tools["kv"].spec.name == "kv"
    with pytest.raises(ToolNotFound):
        toolset_for(orders, [{"name": "orders", "version": 9}], secrets={})
    with pytest.raises(AgentSpecInvalid):
        ToolRef.for_agent({"name": "orders", "config": {"timeout_s": 1}})
    with pytest.raises(ToolNotFound):
        resolve_tool(orders, "no-such-tool")
