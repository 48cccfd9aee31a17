"""Moved to agent_platform/definitions (issue 11). This re-export stays only until every
committed module imports ENVIRONMENTS from agent_platform.definitions.models; then delete it."""
from agent_platform.definitions.models import ENVIRONMENTS

__all__ = ["ENVIRONMENTS"]
