from agent_platform.definitions.api.urls import definition_urlpatterns
from workflows.api.views import WORKFLOW_API

urlpatterns = definition_urlpatterns(WORKFLOW_API)
