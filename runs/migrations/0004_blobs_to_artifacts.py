"""Checkpoint blobs move from a JSON column to the artifacts storage (agent_platform/artifacts.py),
and checkpoints get an index of the blobs they reference (retention collects the others)."""
import io
import json

from django.db import migrations, models

BLOB_REFS_INDEX = (
    "CREATE INDEX runs_checkpoint_blob_refs ON runs_checkpoint "
    "USING gin ((jsonb_path_query_array(delta, '$.*.\"$blob\"'))) "
    "WHERE jsonb_path_exists(delta, '$.*.\"$blob\"')")


def blobs_to_artifacts(apps, schema_editor):
    from agent_platform import artifacts

    Blob = apps.get_model("runs", "Blob")
    for blob in Blob.objects.filter(data__isnull=False).iterator(chunk_size=100):
        data = json.dumps(blob.data, separators=(",", ":"), sort_keys=True).encode()
        stored = artifacts.Stored(artifacts.key_for(artifacts.BLOBS, blob.sha256), blob.sha256, len(data))
        artifacts.ensure(stored, io.BytesIO(data))
        Blob.objects.filter(pk=blob.pk).update(data=None, size=len(data))


def blobs_from_artifacts(apps, schema_editor):
    from agent_platform import artifacts

    Blob = apps.get_model("runs", "Blob")
    for blob in Blob.objects.filter(data__isnull=True).iterator(chunk_size=100):
        key = artifacts.key_for(artifacts.BLOBS, blob.sha256)
        Blob.objects.filter(pk=blob.pk).update(data=json.loads(artifacts.read_bytes(key)))


class Migration(migrations.Migration):

    dependencies = [
        ("runs", "0003_run_resumed_at"),
    ]

    operations = [
        migrations.AlterField(model_name="blob", name="data", field=models.JSONField(null=True)),
        migrations.RunPython(blobs_to_artifacts, blobs_from_artifacts),
        migrations.RemoveField(model_name="blob", name="data"),
        migrations.RunSQL(BLOB_REFS_INDEX, "DROP INDEX IF EXISTS runs_checkpoint_blob_refs"),
    ]
