from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    name = "webhooks"

    def ready(self) -> None:
        from accounts import audit
        from webhooks.models import WebhookEndpoint

        audit.register(WebhookEndpoint)
