from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts, projects and secrets"

    def ready(self) -> None:
        from django.conf import settings

        from accounts import audit
        from agent_platform.api import schema  # noqa: F401  (registers the OpenAPI auth extension)
        from agent_platform.observability import install_redacting_record_factory, setup_telemetry

        install_redacting_record_factory()
        audit.register_models()
        setup_telemetry(settings.OTEL_EXPORTER_OTLP_ENDPOINT)
