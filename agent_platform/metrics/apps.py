from django.apps import AppConfig


class MetricsConfig(AppConfig):
    name = "agent_platform.metrics"
    label = "metrics"
    verbose_name = "Metrics"
