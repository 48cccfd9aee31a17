"""torch and sentence-transformers load only where embeddings are computed, never at import."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]

PROBE = """
import sys
import runtime.rag.assembly, runtime.rag.chunking, runtime.rag.embeddings, runtime.rag.extract
import runtime.rag.filters, runtime.rag.ingest, runtime.rag.local_embedder, runtime.rag.memory_index
import runtime.rag.openai_embedder, runtime.rag.ranking, runtime.rag.retrieval, runtime.rag.tokens
from runtime.rag.embeddings import embedder_from_ref
embedder = embedder_from_ref("local/all-minilm-l6-v2")
assert embedder.dimensions == 384
heavy = sorted(m for m in ("torch", "sentence_transformers", "transformers") if m in sys.modules)
print(",".join(heavy) or "none")
"""


def test_importing_the_rag_package_and_building_the_local_embedder_loads_no_torch():
    result = subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, capture_output=True, text=True, timeout=60,
                            check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "none"
