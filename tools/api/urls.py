from django.urls import path

from agent_platform.definitions.api.urls import definition_urlpatterns
from tools.api import mcp_views, views

urlpatterns = [
    path("tools", views.ToolList.as_view(), name="tool-list"),
    path("tools/import-openapi", views.ToolImportOpenAPI.as_view(), name="tool-import-openapi"),
    path("tools/<str:tool_id>", views.ToolDetail.as_view(), name="tool-detail"),
    *definition_urlpatterns(views.TOOL_VERSIONS_API),
    path("tools/<str:tool_id>/invoke", views.ToolInvoke.as_view(), name="tool-invoke"),
    path("mcp-servers", mcp_views.McpServerList.as_view(), name="mcp-server-list"),
    path("mcp-servers/<str:server_id>", mcp_views.McpServerDetail.as_view(), name="mcp-server-detail"),
    path("mcp-servers/<str:server_id>/refresh", mcp_views.McpServerRefresh.as_view(), name="mcp-server-refresh"),
]
