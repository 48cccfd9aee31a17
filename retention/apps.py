from django.apps import AppConfig


class RetentionConfig(AppConfig):
    name = "retention"
    verbose_name = "Retention"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from accounts.audit import register
        from retention.models import Purge, RetentionOverride, RetentionPolicy, RunHold

        register(RetentionPolicy)
        register(RetentionOverride)
        register(RunHold)
        register(Purge)  # each purge's counts land in the audit log as the entry's changes
