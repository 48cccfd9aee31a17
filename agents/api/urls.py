from agent_platform.definitions.api.urls import definition_urlpatterns
from agents.api.views import AGENT_API

urlpatterns = definition_urlpatterns(AGENT_API)
