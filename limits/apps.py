from django.apps import AppConfig


class LimitsConfig(AppConfig):
    name = "limits"
    verbose_name = "Budgets and rate limits"
    default_auto_field = "django.db.models.BigAutoField"
