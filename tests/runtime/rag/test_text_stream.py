"""Streamed text and Markdown: the same encoding choice, errors and chunks as the whole-bytes path,
blocks that cover the text exactly, and embedding from a one-shot chunk stream with progress."""
from __future__ import annotations

import io

import pytest

from runtime.errors import DocumentCorrupt, DocumentEmpty
from runtime.rag.chunking import ChunkingPolicy, chunk, chunk_blocks
from runtime.rag.extract import ExtractedDocument, decode_text
from runtime.rag.ingest import content_hash, embed_chunks, prepare_document, stream_document
from runtime.rag.text_stream import EncodingSniffer, decode_pieces, text_blocks
from tests.runtime.rag.hashing_embedder import HashingEmbedder

MARKDOWN = ("---\ntitle: Guide\n---\n# Guide\r\n\r\n" + "\r\n\r\n".join(
    f"## Part {i}\r\n\r\n" + f"Part {i} explains one setting in detail. " * 12 for i in range(40))).encode()
POLICY = ChunkingPolicy(strategy="markdown", chunk_tokens=64, overlap_tokens=8)


def as_tuples(chunks):
    return [(c.text, c.position, c.token_count, c.metadata) for c in chunks]


def test_a_streamed_document_under_a_block_is_chunked_exactly_as_the_whole_bytes():
    whole = prepare_document(MARKDOWN, filename="guide.md", policy=POLICY)
    streamed = stream_document(io.BytesIO(MARKDOWN), filename="guide.md", policy=POLICY)
    assert streamed.content_hash == whole.content_hash == content_hash(MARKDOWN)
    assert streamed.format == "markdown" and not isinstance(streamed.chunks, list)
    assert as_tuples(streamed.chunks) == as_tuples(whole.chunks) and len(whole.chunks) > 40
    assert streamed.consumed() == 1.0


@pytest.mark.parametrize("content, charset", [
    ("café\r\nnaïve\rdone".encode(), None),               # UTF-8, mixed newlines
    ("café au lait".encode("cp1252"), None),               # not UTF-8: Windows-1252
    ("\ufeffbom text".encode(), None),                     # UTF-8 BOM
    ("utf16 text".encode("utf-16"), None),                 # UTF-16 BOM
    ("grüße".encode("latin-1"), "latin-1"),                # the declared charset
    (b"plain", "no-such-charset"),                         # an unknown charset is ignored
])
def test_decoding_in_pieces_matches_decoding_the_whole(content, charset):
    sniffer = EncodingSniffer(charset)
    pieces = [content[i:i + 3] for i in range(0, len(content), 3)]  # splits characters and "\r\n"
    for piece in pieces:
        sniffer.feed(piece)
    assert "".join(decode_pieces(pieces, sniffer.result())) == decode_text(content, charset=charset)


def test_invalid_utf8_late_in_the_file_still_chooses_windows_1252():
    content = b"a" * 5000 + "é".encode("cp1252")
    sniffer = EncodingSniffer()
    for i in range(0, len(content), 1000):
        sniffer.feed(content[i:i + 1000])
    assert sniffer.result().name == "cp1252"


def test_binary_data_is_refused_wherever_it_is():
    text = b"clean text line\n" * 80_000  # 1.28 MB: the NUL is in the second piece read, after a first block
    with pytest.raises(DocumentCorrupt):
        list(stream_document(io.BytesIO(text + b"\x00tail"), content_type="text/plain").chunks)
    with pytest.raises(DocumentCorrupt):
        list(stream_document(io.BytesIO(b"\x01\x02\x03\x04" * 1000 + text), content_type="text/plain").chunks)


def test_empty_and_blank_streams():
    with pytest.raises(DocumentEmpty):
        stream_document(io.BytesIO(b""), content_type="text/plain")
    with pytest.raises(DocumentEmpty):
        list(stream_document(io.BytesIO(b" \n\n \n"), content_type="text/plain").chunks)


def test_blocks_cover_the_text_and_end_at_paragraph_breaks():
    text = "\n\n".join(f"Paragraph {i}. " + "word " * (i % 50) for i in range(2000))
    blocks = list(text_blocks((text[i:i + 700] for i in range(0, len(text), 700)), block_chars=4000))
    assert "".join(blocks) == text and len(blocks) > 10
    assert all(block.endswith("\n\n") and len(block) <= 4000 for block in blocks[:-1])


def test_a_run_without_breaks_is_cut_at_a_space_then_anywhere():
    spaced = ("x" * 9 + " ") * 1_000_000  # 10 M characters, no line break
    blocks = list(text_blocks([spaced[i:i + 1_000_000] for i in range(0, len(spaced), 1_000_000)]))
    assert "".join(blocks) == spaced and all(block.endswith(" ") for block in blocks[:-1])


def test_chunks_of_blocks_are_exact_slices_with_headings_carried_over():
    text = "# Guide\n\n" + "\n\n".join(f"## Part {i}\n\n" + f"Part {i} is long enough. " * 30 for i in range(60))
    blocks = list(text_blocks([text], block_chars=3000))
    chunks = list(chunk_blocks(blocks, POLICY))
    assert [c.position for c in chunks] == list(range(len(chunks)))
    assert all(text[c.metadata["start_char"]:c.metadata["end_char"]] == c.text for c in chunks)
    assert {c.metadata["heading_path"][0] for c in chunks} == {"Guide"}
    whole = chunk(ExtractedDocument(text=text, format="markdown"), POLICY)
    assert {tuple(c.metadata["heading_path"]) for c in chunks} == {tuple(c.metadata["heading_path"]) for c in whole}


def test_a_chunk_stream_is_embedded_in_batches_with_an_exact_last_total():
    text = ("Backups run hourly and are kept for thirty days.\n" * 25_000).encode()
    prepared = stream_document(io.BytesIO(text), content_type="text/plain",
                               policy=ChunkingPolicy(chunk_tokens=64, overlap_tokens=0))
    progress: list[tuple[int, int]] = []
    batches = list(embed_chunks(prepared.chunks, HashingEmbedder(), batch_size=100, consumed=prepared.consumed,
                                on_progress=lambda done, total: progress.append((done, total))))
    count = sum(len(b.chunks) for b in batches)
    assert count > 1000 and progress[-1] == (count, count)
    assert all(total > done for done, total in progress[:-1])  # an estimate, always ahead of done
    assert [c.position for b in batches for c in b.chunks] == list(range(count))
