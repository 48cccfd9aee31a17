"""Text normalisation options shared by text metrics (`exact`, `levenshtein`, ...)."""
from __future__ import annotations

import re
import unicodedata

_SPACE_RE = re.compile(r"\s+")


def normalise_text(text: str, *, ignore_case: bool = False, collapse_whitespace: bool = False,
                   strip_punctuation: bool = False, trim: bool = True) -> str:
    """Apply, in order: Unicode NFC; drop punctuation (every Unicode `P*` category); collapse runs
    of whitespace to one space; trim the ends; case-fold."""
    text = unicodedata.normalize("NFC", text)
    if strip_punctuation:
        text = "".join(ch for ch in text if not unicodedata.category(ch).startswith("P"))
    if collapse_whitespace:
        text = _SPACE_RE.sub(" ", text)
    if trim:
        text = text.strip()
    if ignore_case:
        text = text.casefold()
    return text
