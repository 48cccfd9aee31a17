"""Text and Markdown bytes read as a stream, so a large document never sits whole in memory.

`extract.decode_text` chooses an encoding from the whole bytes (a BOM, then the declared
charset, then UTF-8, then Windows-1252); `EncodingSniffer` makes that same choice fed piece by
piece, so a file can be read twice, one piece at a time:

    scan      sha256, size and the encoding (`scan`)
    decode    the pieces decoded with that encoding, binary data refused, newlines normalised
              (`decode_pieces`), then cut into blocks of about `BLOCK_CHARS` at paragraph breaks,
              else line breaks (`text_blocks`), for `chunking.chunk_blocks`

Memory is O(piece + block), whatever the document's size.
"""
from __future__ import annotations

import codecs
import hashlib
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import IO

from runtime.errors import DocumentCorrupt

PIECE_BYTES = 1024 * 1024
BLOCK_CHARS = 1024 * 1024  # a block is cut at the last paragraph (else line) break past half of this
MAX_BLOCK_CHARS = 4 * BLOCK_CHARS  # a longer run without a line break is cut at a space, else anywhere
CHECKED_CHARS = 65536  # control characters are counted in this many leading characters
_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")
_SPACE = re.compile(r"\s")


@dataclass(frozen=True)
class Encoding:
    name: str
    errors: str  # "strict" when the whole content decoded cleanly with it, else "replace"


class EncodingSniffer:
    """The encoding `decode_text` would choose for the bytes fed so far (the first piece first)."""

    def __init__(self, charset: str | None = None) -> None:
        self._head = b""
        self._live: list[tuple[str, codecs.IncrementalDecoder]] = []
        for name in (charset, "utf-8"):
            decoder = _strict_decoder(name) if name else None
            if name and decoder is not None:
                self._live.append((name, decoder))

    def feed(self, piece: bytes) -> None:
        if len(self._head) < 4:
            self._head += piece[:4]
        if self._bom() is None:
            self._live = [(name, decoder) for name, decoder in self._live if _decodes(decoder, piece)]

    def result(self) -> Encoding:
        bom = self._bom()
        if bom is not None:
            return Encoding(bom, "replace")
        for name, decoder in self._live:
            if _decodes(decoder, b"", final=True):
                return Encoding(name, "strict")
        return Encoding("cp1252", "replace")

    def _bom(self) -> str | None:
        if self._head.startswith(codecs.BOM_UTF8):
            return "utf-8-sig"
        if self._head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            return "utf-16"
        return None


def _strict_decoder(name: str) -> codecs.IncrementalDecoder | None:
    try:
        info = codecs.lookup(name)
    except LookupError:
        return None
    if not getattr(info, "_is_text_encoding", True):  # rot13, base64...: `bytes.decode` refuses them too
        return None
    return info.incrementaldecoder("strict")


def _decodes(decoder: codecs.IncrementalDecoder, piece: bytes, final: bool = False) -> bool:
    try:
        decoder.decode(piece, final)
    except UnicodeDecodeError:
        return False
    return True


@dataclass(frozen=True)
class Scan:
    sha256: str  # hex
    size: int
    encoding: Encoding


def read_pieces(handle: IO[bytes], piece_bytes: int = PIECE_BYTES) -> Iterator[bytes]:
    while piece := handle.read(piece_bytes):
        yield piece


def scan(pieces: Iterable[bytes], charset: str | None = None) -> Scan:
    """One pass: the sha256 and size of the bytes and the encoding to decode them with."""
    digest, size, sniffer = hashlib.sha256(), 0, EncodingSniffer(charset)
    for piece in pieces:
        digest.update(piece)
        size += len(piece)
        sniffer.feed(piece)
    return Scan(digest.hexdigest(), size, sniffer.result())


def decode_pieces(pieces: Iterable[bytes], encoding: Encoding) -> Iterator[str]:
    """Decode with `encoding`, newlines normalised to `\\n`; binary data (a NUL, or more than 1 % control
    characters in the first `CHECKED_CHARS`) raises `DocumentCorrupt`."""
    decoder = codecs.getincrementaldecoder(encoding.name)(encoding.errors)
    head, checked, carry = "", False, ""
    for piece, final in _with_final(pieces):
        text = decoder.decode(piece, final)
        if "\x00" in text:
            raise DocumentCorrupt("the file contains binary data, not text")
        if not checked:
            head += text[:CHECKED_CHARS - len(head)]
            checked = len(head) >= CHECKED_CHARS or final
            if checked and len(_CONTROL_CHARS.findall(head)) > max(8, len(head) // 100):
                raise DocumentCorrupt("the file contains binary data, not text")
        text = carry + text
        carry = "\r" if text.endswith("\r") and not final else ""  # maybe the first half of "\r\n"
        text = text[:-1] if carry else text
        if text:
            yield text.replace("\r\n", "\n").replace("\r", "\n")


def _with_final(pieces: Iterable[bytes]) -> Iterator[tuple[bytes, bool]]:
    previous: bytes | None = None
    for piece in pieces:
        if previous is not None:
            yield previous, False
        previous = piece
    yield previous or b"", True


def text_blocks(pieces: Iterable[str], block_chars: int = BLOCK_CHARS) -> Iterator[str]:
    """Consecutive blocks covering the text, of about `block_chars` each: cut after the last paragraph
    break in the second half of a block, else its last line break, else the first line break after
    it; a run of `MAX_BLOCK_CHARS` without one is cut after a space, else anywhere."""
    buffer = ""
    for piece in pieces:
        buffer += piece
        while len(buffer) >= block_chars and (cut := _cut(buffer, block_chars)) is not None:
            yield buffer[:cut]
            buffer = buffer[cut:]
    if buffer:
        yield buffer


def _cut(buffer: str, block_chars: int) -> int | None:
    for mark in ("\n\n", "\n"):
        found = buffer.rfind(mark, block_chars // 2, block_chars)
        if found >= 0:
            return found + len(mark)
    found = buffer.find("\n", block_chars, MAX_BLOCK_CHARS)
    if found >= 0:
        return found + 1
    if len(buffer) < MAX_BLOCK_CHARS:
        return None  # no break yet: read on
    spaces = [m.end() for m in _SPACE.finditer(buffer, MAX_BLOCK_CHARS - block_chars, MAX_BLOCK_CHARS)]
    return spaces[-1] if spaces else MAX_BLOCK_CHARS
