"""Document bytes move from a `bytea` column to the artifacts storage under their content address
(agent_platform/artifacts.py); the row keeps the hash (the key) and the size."""
import hashlib
import io

from django.db import migrations, models


def contents_to_artifacts(apps, schema_editor):
    from agent_platform import artifacts

    DocumentContent = apps.get_model("rag", "DocumentContent")
    for pk in DocumentContent.objects.filter(data__isnull=False).values_list("pk", flat=True).iterator():
        row = DocumentContent.objects.get(pk=pk)  # one document's bytes in memory at a time
        data = bytes(row.data)
        sha = hashlib.sha256(data).hexdigest()
        stored = artifacts.Stored(artifacts.key_for(artifacts.DOCUMENTS, sha), sha, len(data))
        artifacts.ensure(stored, io.BytesIO(data))
        DocumentContent.objects.filter(pk=pk).update(data=None, size=len(data), content_hash=f"sha256:{sha}")


def contents_from_artifacts(apps, schema_editor):
    from agent_platform import artifacts

    DocumentContent = apps.get_model("rag", "DocumentContent")
    for row in DocumentContent.objects.filter(data__isnull=True).iterator(chunk_size=20):
        key = artifacts.key_for(artifacts.DOCUMENTS, row.content_hash.removeprefix("sha256:"))
        DocumentContent.objects.filter(pk=row.pk).update(data=artifacts.read_bytes(key))


class Migration(migrations.Migration):

    dependencies = [
        ("rag", "0002_knowledge_bases_documents_chunks"),
    ]

    operations = [
        migrations.AddField(model_name="documentcontent", name="size", field=models.BigIntegerField(default=0)),
        migrations.AlterField(model_name="documentcontent", name="data", field=models.BinaryField(null=True)),
        migrations.RunPython(contents_to_artifacts, contents_from_artifacts),
        migrations.RemoveField(model_name="documentcontent", name="data"),
    ]
