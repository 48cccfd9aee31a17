"""A realistic English-text corpus that needs no download, for RAG benchmarks.

Sources, in this fixed order (each read from disk, nothing fetched):
1. the Python documentation topics shipped with the interpreter (`pydoc_data.topics`),
2. docstrings of the standard library (test suites excluded),
3. the licence texts in `/usr/share/common-licenses` (Debian; skipped where absent),
4. package descriptions (`*.dist-info/METADATA` bodies) in the venv,
5. docstrings of a fixed list of large, pinned libraries in the venv (numpy, scipy, sklearn, django, ...).

Output is deterministic for a given interpreter and set of installed package versions: files are
read in sorted order, doctest/code lines and underline rules are dropped, and identical passages
are removed. `text_chunks(20_000)` takes about 5 s and gives 20k distinct ~60-word passages of
real technical prose, good enough for recall measurements (unlike uniform random vectors,
embeddings of real text are clustered the way production data is).

For recall benchmarks, `corpus_vectors(n)` embeds the first `n` passages with the local model
once and caches them under `var/bench/` (20k passages take about 4 minutes to embed on two
cores), and `clustered_vectors(real, n)` adds synthetic vectors scattered around real ones to
reach 100k for latency runs (uniform random vectors are HNSW's worst case and say nothing
about real data; these keep the real data's cluster structure).

Usage: `python bench/corpus.py 20000` prints a count and a sample.
"""
from __future__ import annotations

import hashlib
import re
import sys
import sysconfig
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# Large libraries with plenty of prose docstrings, read in this order after the stdlib.
SITE_PACKAGES_ORDER = ("numpy", "scipy", "sklearn", "django", "rest_framework", "transformers", "torch")
_DOCSTRING = re.compile(r'(?:"""(.*?)"""|\'\'\'(.*?)\'\'\')', re.DOTALL)
_NOISE_LINE = re.compile(r"^\s*(>>>|\.\.\.|[-=~^*#+]{3,}\s*$|\.\. |:[a-z]+:)")
_LICENSE_DIR = Path("/usr/share/common-licenses")


@dataclass(frozen=True)
class CorpusDocument:
    """One source document: a docstring file, a pydoc topic, a licence, a package description."""

    name: str
    source: str
    text: str


def _clean(text: str) -> str:
    """Drop doctest lines, reST directives and underline rules; keep prose paragraphs."""
    lines = [line.strip() for line in text.splitlines() if not _NOISE_LINE.match(line)]
    return "\n".join(lines).strip()


def _docstrings(path: Path) -> str:
    try:
        source = path.read_text(encoding="utf-8")
    except (UnicodeDecodeError, OSError):
        return ""
    parts = []
    for match in _DOCSTRING.finditer(source):
        text = _clean(match.group(1) or match.group(2) or "")
        if len(text.split()) >= 8:
            parts.append(text)
    return "\n\n".join(parts)


def _pydoc_topics() -> Iterator[CorpusDocument]:
    from pydoc_data.topics import topics

    for key in sorted(topics):
        yield CorpusDocument(f"pydoc:{key}", "pydoc-topics", _clean(topics[key]))


def _python_files(root: Path, *, skip_dirs: set[str]) -> Iterator[Path]:
    for path in sorted(root.rglob("*.py")):
        if not skip_dirs.intersection(path.relative_to(root).parts):
            yield path


def _stdlib_docstrings() -> Iterator[CorpusDocument]:
    root = Path(sysconfig.get_paths()["stdlib"])
    for path in _python_files(root, skip_dirs={"site-packages", "test", "tests", "idle_test"}):
        yield CorpusDocument(f"stdlib:{path.relative_to(root)}", "stdlib-docstrings", _docstrings(path))


def _licenses() -> Iterator[CorpusDocument]:
    if not _LICENSE_DIR.is_dir():
        return
    for path in sorted(_LICENSE_DIR.iterdir()):
        if path.is_file() and not path.is_symlink():
            yield CorpusDocument(f"license:{path.name}", "licenses", _clean(path.read_text(errors="replace")))


def _package_descriptions(site: Path) -> Iterator[CorpusDocument]:
    for path in sorted(site.glob("*.dist-info/METADATA")):
        body = path.read_text(encoding="utf-8", errors="replace").partition("\n\n")[2]
        yield CorpusDocument(f"metadata:{path.parent.name}", "package-descriptions", _clean(body))


def _library_docstrings(site: Path) -> Iterator[CorpusDocument]:
    for package in SITE_PACKAGES_ORDER:
        root = site / package
        if root.is_dir():
            for path in _python_files(root, skip_dirs={"tests", "test"}):
                yield CorpusDocument(f"{package}:{path.relative_to(root)}", "library-docstrings", _docstrings(path))


def iter_documents() -> Iterator[CorpusDocument]:
    """Yield the corpus documents lazily, in a fixed order; empty documents are skipped."""
    site = Path(sysconfig.get_paths()["purelib"])
    for source in (_pydoc_topics(), _stdlib_docstrings(), _licenses(), _package_descriptions(site),
                   _library_docstrings(site)):
        for doc in source:
            if doc.text:
                yield doc


def _windows(text: str, words: int, min_words: int) -> Iterator[str]:
    tokens = text.split()
    for start in range(0, len(tokens), words):
        window = tokens[start:start + words]
        if len(window) >= min_words:
            yield " ".join(window)


def text_chunks(n: int, *, words: int = 60, min_words: int = 20) -> list[str]:
    """Return `n` distinct passages of about `words` words each (deterministic).

    Raises ValueError if the machine's corpus is too small (about 60k passages of 60 words with
    the pinned requirements installed; fill larger benchmarks with synthetic vectors).
    """
    seen: set[bytes] = set()
    chunks: list[str] = []
    for doc in iter_documents():
        for passage in _windows(doc.text, words, min_words):
            digest = hashlib.blake2b(passage.lower().encode(), digest_size=16).digest()
            if digest not in seen:
                seen.add(digest)
                chunks.append(passage)
                if len(chunks) == n:
                    return chunks
    raise ValueError(f"corpus has only {len(chunks)} passages of {words} words, {n} requested")


def corpus_vectors(n: int, *, cache_dir: Path | None = None) -> tuple[list[str], Any]:
    """The first `n` passages and their local-model embeddings (float32, unit length), cached on disk."""
    import numpy as np

    texts = text_chunks(n)
    digest = hashlib.blake2b("\n".join(texts).encode(), digest_size=8).hexdigest()
    cache = (cache_dir or Path(__file__).resolve().parent.parent / "var" / "bench") / f"minilm-{n}-{digest}.npy"
    if cache.exists():
        return texts, np.load(cache)
    from runtime.rag.local_embedder import LocalMiniLMEmbedder

    vectors = LocalMiniLMEmbedder().embed_documents_array(texts)
    cache.parent.mkdir(parents=True, exist_ok=True)
    np.save(cache, vectors)
    return texts, vectors


def clustered_vectors(real: Any, n: int, *, noise: float = 0.6, seed: int = 0) -> Any:
    """`n` unit vectors, each a random real vector plus Gaussian noise (deterministic for `seed`).

    With `noise=0.6` a synthetic vector keeps a cosine of about 0.86 with its
    origin, like paraphrases of the same passage, so neighbourhoods stay clustered.
    """
    import numpy as np

    rng = np.random.default_rng(seed)
    origins = real[rng.integers(0, len(real), size=n)]
    scale = noise / np.sqrt(real.shape[1])
    vectors = origins + rng.normal(0.0, scale, size=origins.shape).astype(np.float32)
    return (vectors / np.linalg.norm(vectors, axis=1, keepdims=True)).astype(np.float32)


def main(argv: list[str]) -> None:
    n = int(argv[1]) if len(argv) > 1 else 1000
    chunks = text_chunks(n)
    print(f"{len(chunks)} passages, {sum(len(c.split()) for c in chunks)} words")
    for passage in chunks[:: max(1, n // 3)]:
        print("-", passage[:200])


if __name__ == "__main__":
    main(sys.argv)
