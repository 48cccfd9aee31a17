from django.db import migrations, models


class Migration(migrations.Migration):
    """Secrets name the hosts they may be sent to. Existing secrets stay unscoped (null): they keep
    working for model providers (whose base URL only an admin sets) and are refused for tool HTTP
    requests until an admin scopes them (docs/security.md, "Secret scopes")."""

    dependencies = [("accounts", "0001_initial")]

    operations = [
        migrations.AddField(
            model_name="secret",
            name="allowed_hosts",
            field=models.JSONField(blank=True, default=None, null=True),
        ),
    ]
