from django.apps import AppConfig


class ToolsConfig(AppConfig):
    name = "tools"

    def ready(self) -> None:
        from accounts import audit
        from tools.models import CustomTool, CustomToolVersion, McpServer, ToolApproval

        for model in (CustomTool, CustomToolVersion, McpServer, ToolApproval):
            audit.register(model)
