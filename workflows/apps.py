from django.apps import AppConfig


class WorkflowsConfig(AppConfig):
    name = "workflows"
    verbose_name = "Workflows"

    def ready(self) -> None:
        from accounts.audit import register
        from workflows.models import Workflow, WorkflowEnvironment, WorkflowPromotion, WorkflowVersion

        register(Workflow)
        register(WorkflowVersion)
        register(WorkflowEnvironment)
        register(WorkflowPromotion)
