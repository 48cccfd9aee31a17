"""Agents in the admin console: the versioned-definition admin (agent_platform/definitions/admin.py)
for the agent kind, with the per-part new-version form and the model shown per version.
Project scoping (who sees and changes what) is accounts/admin_scoping.py's."""
from __future__ import annotations

from agent_platform.definitions import admin as definitions
from agents.admin_forms import VersionForm
from agents.models import AGENTS


def _model(version) -> str:
    return version.body.get("model", "")


class AgentAdmin(definitions.DefinitionAdmin):
    kind = AGENTS
    version_form = VersionForm
    version_columns = (definitions.Column("model_name", "model", _model),)
    version_summary = staticmethod(_model)


definitions.register(AgentAdmin)
