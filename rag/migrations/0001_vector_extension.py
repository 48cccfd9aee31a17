from django.db import migrations
from pgvector.django import VectorExtension


class Migration(migrations.Migration):
    """pgvector, for knowledge-base embeddings. Needs a superuser or a pre-created extension."""

    initial = True
    dependencies: list = []
    operations = [VectorExtension()]
