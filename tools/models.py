"""Tool storage: custom tools with immutable versions, MCP servers, approval decisions, and the
per-project key-value entries of the `kv` built-in.

A custom tool (`tool_…`) is a mutable name and description around immutable versions whose body
says how to call it (see tools/spec.py): an HTTP endpoint, an imported OpenAPI operation, or a
tool of a registered MCP server. The latest version is used unless an agent pins one.
"""
from __future__ import annotations

from django.db import models
from django.utils import timezone

from agent_platform.definitions.kinds import DefinitionKind
from agent_platform.definitions.models import Definition, DefinitionVersion
from agent_platform.ids import new_id
from runs.models import Run

HTTP, OPENAPI, MCP = "http", "openapi", "mcp"
KINDS = (HTTP, OPENAPI, MCP)
STDIO, STREAMABLE_HTTP = "stdio", "http"
TRANSPORTS = (STDIO, STREAMABLE_HTTP)


def new_tool_id() -> str:
    return new_id("tool")


def new_mcp_server_id() -> str:
    return new_id("mcp")


class McpServer(models.Model):
    """An MCP server of a project: a stdio command (run on the worker hosts) or a streamable-HTTP
    URL. `env` and `headers` values may use `{secret:NAME}`. `tools` caches the last listing."""

    id = models.CharField(primary_key=True, max_length=40, default=new_mcp_server_id, editable=False)
    project = models.ForeignKey("accounts.Project", on_delete=models.CASCADE, related_name="+")
    name = models.CharField(max_length=40)
    transport = models.CharField(max_length=8, choices=[(t, t) for t in TRANSPORTS])
    command = models.CharField(max_length=500, blank=True, default="")
    args = models.JSONField(default=list, blank=True)
    env = models.JSONField(default=dict, blank=True)
    url = models.URLField(max_length=2000, blank=True, default="")
    headers = models.JSONField(default=dict, blank=True)
    timeout_s = models.FloatField(default=30.0)
    requires_approval = models.BooleanField(default=False)  # applies to every tool listed from it
    tools = models.JSONField(default=list, blank=True)
    last_listed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["project", "name"], name="uniq_mcp_server_name")]
        ordering = ["name"]
        verbose_name = "MCP server"

    def __str__(self) -> str:
        return self.name

    def runtime_config(self) -> dict:
        """The stored JSON `runtime.tools.mcp_session.MCPServerConfig.from_config` takes."""
        if self.transport == STDIO:
            return {"name": self.name, "command": self.command, "args": list(self.args), "env": dict(self.env),
                    "timeout_s": self.timeout_s}
        return {"name": self.name, "url": self.url, "headers": dict(self.headers), "timeout_s": self.timeout_s}


class CustomTool(Definition):
    id = models.CharField(primary_key=True, max_length=40, default=new_tool_id, editable=False)
    kind = models.CharField(max_length=8, choices=[(k, k) for k in KINDS], default=HTTP)
    mcp_server = models.ForeignKey(McpServer, null=True, blank=True, on_delete=models.CASCADE,
                                   related_name="custom_tools")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["project", "name"], name="uniq_custom_tool_name")]
        ordering = ["name"]

    def latest_version(self) -> CustomToolVersion | None:
        return self.versions.order_by("-number").first()


class CustomToolVersion(DefinitionVersion):
    """How to call the tool (see tools/spec.py for each kind's body). Never updated."""

    tool = models.ForeignKey(CustomTool, on_delete=models.CASCADE, related_name="versions")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tool", "number"], name="uniq_custom_tool_version_number"),
            models.UniqueConstraint(fields=["tool", "content_hash"], name="uniq_custom_tool_version_hash"),
        ]
        ordering = ["-number"]


CUSTOM_TOOLS = DefinitionKind(
    name="tool", label="Tool", id_prefix="tool", url_prefix="tools", definition_model=CustomTool,
    version_model=CustomToolVersion, validate_body="tools.services.validate_version_body")


class ToolApproval(models.Model):
    """A reviewer's decision on a tool call that required approval (also in the audit log and
    in the run's `run.resumed` event)."""

    run = models.ForeignKey("runs.Run", on_delete=models.CASCADE, related_name="+")
    tool = models.CharField(max_length=100)
    key = models.CharField(max_length=300)
    input = models.JSONField(default=dict, blank=True)
    approved = models.BooleanField()
    reason = models.CharField(max_length=1000, blank=True, default="")
    actor = models.CharField(max_length=200, blank=True, default="")
    decided_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-decided_at"]

    def __str__(self) -> str:
        return f"{self.tool} {'approved' if self.approved else 'rejected'} ({self.run_id})"


class PendingToolApproval(Run):
    """Runs waiting for a tool approval, as the admin's approvals queue (a proxy of `runs.Run`)."""

    class Meta:
        proxy = True
        verbose_name = "pending tool approval"


class KVEntry(models.Model):
    project = models.ForeignKey("accounts.Project", on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=256)
    value = models.JSONField()
    expires_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["project", "key"], name="uniq_kv_key")]
        verbose_name = "KV entry"
        verbose_name_plural = "KV entries"
