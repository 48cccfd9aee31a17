"""The API process never imports torch: loading every URL, serving knowledge-base requests and
creating a knowledge base on the local model loads nothing heavy (only a query would)."""
from __future__ import annotations

import subprocess
import sys

import pytest

from tests.conftest import make_key
from tests.e2e.servers import ROOT, child_env

pytestmark = pytest.mark.django_db(transaction=True)

PROBE = """
import sys
import django
django.setup()
from django.test import Client
from django.urls import get_resolver
get_resolver().url_patterns  # imports every app's API views
import rag.admin, rag.ingestion, rag.retrieval, runs.knowledge
client = Client(HTTP_AUTHORIZATION="Bearer " + sys.argv[1])
created = client.post("/api/v1/knowledge-bases", {"name": "probe"}, content_type="application/json")
assert created.status_code == 201, created.content
assert client.get("/api/v1/knowledge-bases").status_code == 200
assert client.get("/api/v1/schema/").status_code == 200
heavy = sorted(m for m in ("torch", "sentence_transformers", "transformers") if m in sys.modules)
print(",".join(heavy) or "none")
"""


def test_serving_knowledge_base_requests_does_not_import_torch(project):
    key = make_key(project, "owner")
    result = subprocess.run([sys.executable, "-c", PROBE, key], cwd=ROOT, env=child_env(), capture_output=True,
                            text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.strip().splitlines()[-1] == "none"
