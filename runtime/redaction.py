"""Removing secrets and personal data from what the platform writes: run events, checkpoints,
spans, tool results, log lines, webhook bodies, dataset items, eval reports, errors.

One `Redactor` per project, built from that project's `RedactionPolicy` and secret values (the
Django side compiles and caches it: `accounts.redaction_policy.redactor_for`). It knows only its
own project's secrets, so a value masked in project B's data says nothing about project A's
secrets, and its cost per string does not grow with the number of projects. What it removes:

- the project's secret values, and their URL-encoded and JSON-escaped forms (`mask_secrets`);
- common credential patterns (bearer tokens, API keys, `password=...`, `user:pass@` in URLs);
- the PII kinds the policy lists (`email`, `phone`, `card` (Luhn-checked), `iban` (mod-97
  checked), `ssn`), each replaced by a typed marker (`[EMAIL]`, `[CARD]`, ...);
- fields named by dotted key paths: `mask_fields` values become `[REDACTED]`, `drop_fields` keys
  are removed (a path matches the end of a value's key path: `input.password` matches
  `{"input": {"password": ...}}` at any depth; `*` matches any one key).

`PATTERNS_ONLY` (also exported as `redactor`) has no secrets and no PII detectors: it is what log
records outside any project context get. `SecretRedactor` masks a given set of values: an HTTP
tool uses one for the secrets its call used, before anything else sees the output.

The redactor of the code that is running (a run's project, the API request's project) is kept in
a context variable (`use_redactor`, `active_redactor`) so log records are redacted with it.
"""
from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar, Token
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, quote_plus

from runtime.errors import PlatformError
from runtime.guardrails.pii import CARD, EMAIL, PHONE, luhn_valid

MASK = "[REDACTED]"
_MIN_SECRET_LEN = 4

# Credential patterns: (pattern, replacement). Flags are scoped inline so that every pattern can
# also be part of one combined "is there anything to do?" pattern.
_PATTERNS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"(?i:\b(bearer|basic|token)\s+[A-Za-z0-9\-._~+/]{8,}=*)"), r"\1 " + MASK),
    (re.compile(r"\bap_[A-Za-z0-9_\-]{16,}"), MASK),  # our own API keys
    (re.compile(r"\bsk-(?:proj-|ant-)?[A-Za-z0-9_\-]{16,}"), MASK),  # OpenAI / Anthropic style
    (re.compile(r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b"), MASK),  # AWS access key ids
    (re.compile(r"\bgh[pousr]_[A-Za-z0-9]{30,}\b"), MASK),  # GitHub tokens
    (re.compile(r"\bxox[abpr]-[A-Za-z0-9\-]{10,}"), MASK),  # Slack tokens
    (re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z ]*PRIVATE KEY-----"), MASK),
    (re.compile(r"(?i:\b(password|passwd|pwd|secret|api[_-]?key|access[_-]?token|client[_-]?secret)"
                r"(\"?'?\s*[:=]\s*\"?'?)([^\s\"',;&}]{3,}))"), r"\1\2" + MASK),
    (re.compile(r"(?i:(://[^:/\s@]+:)([^@/\s]{3,})(@))"), r"\1" + MASK + r"\3"),  # user:pass@ in URLs
]

IBAN = re.compile(r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,4})?\b")
SSN = re.compile(r"(?<![\w-])(?!000|666|9\d\d)\d{3}-(?!00)\d{2}-(?!0000)\d{4}(?![\w-])")


def _digits(text: str) -> str:
    return "".join(ch for ch in text if ch.isdigit())


def iban_valid(text: str) -> bool:
    """ISO 13616 check: move the first four characters to the end, letters to numbers, mod 97 == 1."""
    compact = text.replace(" ", "").upper()
    if not 15 <= len(compact) <= 34:
        return False
    rearranged = compact[4:] + compact[:4]
    return int("".join(str(int(ch, 36)) for ch in rearranged)) % 97 == 1


def _card(match: re.Match[str]) -> str:
    digits = _digits(match.group())
    return "[CARD]" if 13 <= len(digits) <= 19 and luhn_valid(digits) else match.group()


def _phone(match: re.Match[str]) -> str:
    text = match.group()
    minimum = 7 if text.startswith(("+", "(")) else 9  # plain digit runs need 9+ digits (dates survive)
    return "[PHONE]" if minimum <= len(_digits(text)) <= 15 else text


def _iban(match: re.Match[str]) -> str:
    return "[IBAN]" if iban_valid(match.group()) else match.group()


@dataclass(frozen=True)
class PiiDetector:
    name: str
    pattern: re.Pattern[str]
    replace: str | Callable[[re.Match[str]], str]


#: Every PII kind a policy may list, applied in this order (an IBAN's digits may look like a card's, a
#: card number like a phone number).
PII_DETECTORS: dict[str, PiiDetector] = {d.name: d for d in (
    PiiDetector("email", EMAIL, "[EMAIL]"),
    PiiDetector("iban", IBAN, _iban),
    PiiDetector("card", CARD, _card),
    PiiDetector("ssn", SSN, "[SSN]"),
    PiiDetector("phone", PHONE, _phone),
)}
#: Checksum- or format-validated kinds that an agent rarely needs: on unless a project says otherwise.
DEFAULT_PII: tuple[str, ...] = ("card", "iban", "ssn")


@dataclass(frozen=True)
class RedactionPolicy:
    """What a project's redactor removes (see the module docstring); validated on the Django side."""

    mask_secrets: bool = True
    pii: tuple[str, ...] = DEFAULT_PII
    mask_fields: tuple[str, ...] = ()
    drop_fields: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {"mask_secrets": self.mask_secrets, "pii": list(self.pii), "mask_fields": list(self.mask_fields),
                "drop_fields": list(self.drop_fields)}


def secret_forms(value: str) -> set[str]:
    """A secret value as it may appear: plain, URL-encoded (a secret put in a URL comes back
    encoded), JSON-escaped (inside a serialised document or log line)."""
    forms = {value, quote(value, safe=""), quote_plus(value), quote(value)}
    forms.add(json.dumps(value)[1:-1])
    forms.add(json.dumps(value, ensure_ascii=False)[1:-1])
    return {f for f in forms if f}


_DROP = object()

# The end of a streamed text that may still grow into something to redact: the last word (a
# secret, token, email, URL), a trailing run of digits with separators (card, phone, SSN), an IBAN
# in groups, a credential keyword waiting for its value.
_OPEN_TAIL = re.compile(
    r"(?:\S+"
    r"|[+(]?\d[\d \-().]*"
    r"|[A-Z]{2}\d{2}(?: ?[A-Z0-9]{1,4})* ?"
    r"|(?i:(?:bearer|basic|token|password|passwd|pwd|secret|api[_-]?key|access[_-]?token|client[_-]?secret)"
    r"[\"']?\s*[:=]?\s*[\"']?\S*))$")
MAX_HELD = 4096


class Redactor:
    """Secrets, credential patterns, PII and field rules of one project, compiled once.

    `text(s)` redacts a string; `data(value, path=())` returns a redacted copy of a JSON-like
    value (`path`: where the value sits, so `input.password` rules apply to a run's input given
    `path=("input",)`). Thread-safe (immutable after construction)."""

    def __init__(self, secret_values: Iterable[str] = (), policy: RedactionPolicy | None = None) -> None:
        self.policy = policy = policy or RedactionPolicy(pii=())
        forms: set[str] = set()
        if policy.mask_secrets:
            for value in secret_values:
                if value and len(value) >= _MIN_SECRET_LEN:
                    forms |= secret_forms(value)
        # Longest first, so a secret that contains another is replaced whole.
        ordered = sorted(forms, key=len, reverse=True)
        self._secrets = re.compile("|".join(re.escape(f) for f in ordered)) if ordered else None
        self._spaced_forms = [f for f in ordered if any(ch.isspace() for ch in f)]
        unknown = [name for name in policy.pii if name not in PII_DETECTORS]
        if unknown:
            raise ValueError(f"unknown PII detector(s): {', '.join(unknown)}")
        self._pii = [PII_DETECTORS[name] for name in PII_DETECTORS if name in policy.pii]
        # One search tells whether a string needs any work: most strings do not.
        alternatives = ([self._secrets.pattern] if self._secrets else []) + [p.pattern for p, _ in _PATTERNS] + \
            [d.pattern.pattern for d in self._pii]
        self._anything = re.compile("|".join(f"(?:{a})" for a in alternatives))
        self._fields = _FieldRules(policy.mask_fields, policy.drop_fields)

    @property
    def knows_secrets(self) -> bool:
        return self._secrets is not None

    def text(self, text: str) -> str:
        """`text` without secret values, credentials or the policy's PII kinds."""
        if len(text) < _MIN_SECRET_LEN or not self._anything.search(text):
            return text
        if self._secrets is not None:
            text = self._secrets.sub(MASK, text)
        for pattern, replacement in _PATTERNS:
            text = pattern.sub(replacement, text)
        for detector in self._pii:
            text = detector.pattern.sub(detector.replace, text)
        return text

    def data(self, value: Any, path: tuple[str, ...] = ()) -> Any:
        """A redacted copy of a JSON-like value: every string (dict keys too), and the field rules."""
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, dict):
            out = {}
            for key, item in value.items():
                key_path = (*path, str(key))
                rule = self._fields.match(key_path) if self._fields else None
                if rule is _DROP:
                    continue
                out[self.text(key) if isinstance(key, str) else key] = MASK if rule else self.data(item, key_path)
            return out
        if isinstance(value, (list, tuple)):
            return [self.data(item, path) for item in value]
        return value

    def split_stream(self, text: str) -> tuple[str, str]:
        """For streamed text (model deltas): `(redacted part safe to send now, part to hold)`. The
        held part is the tail that may still grow into a secret, credential or PII match, so a value
        split over two deltas is never sent in halves; send it with the next delta, or redacted
        with `text()` when the stream ends."""
        start = len(text)
        tail = _OPEN_TAIL.search(text)
        if tail is not None:
            start = tail.start()
        for form in self._spaced_forms:  # a secret with spaces inside: hold any started prefix of it
            for k in range(min(len(form) - 1, len(text)), 0, -1):
                if text.endswith(form[:k]):
                    start = min(start, len(text) - k)
                    break
        if len(text) - start > MAX_HELD:
            start = len(text) - MAX_HELD
        return self.text(text[:start]), text[start:]

    def error(self, exc: PlatformError) -> PlatformError:
        """Redact an error's message and details in place and return it."""
        exc.message = self.text(exc.message)
        exc.args = (exc.message,)
        exc.details = self.data(dict(exc.details))
        return exc

    # The names the first redactor had (kept for callers of the patterns-only instance).
    def redact(self, text: str) -> str:
        return self.text(text) if text else text

    def redact_data(self, data: Any) -> Any:
        return self.data(data)


class _FieldRules:
    """Dotted key-path rules, indexed by their last key so a lookup costs one dict access."""

    def __init__(self, mask: Iterable[str], drop: Iterable[str]) -> None:
        self._by_last: dict[str, list[tuple[tuple[str, ...], object]]] = {}
        for paths, action in ((mask, True), (drop, _DROP)):
            for dotted in paths:
                parts = tuple(dotted.split("."))
                self._by_last.setdefault(parts[-1], []).append((parts[:-1], action))

    def __bool__(self) -> bool:
        return bool(self._by_last)

    def match(self, key_path: tuple[str, ...]) -> object | None:
        """True (mask), `_DROP`, or None for the value at `key_path`."""
        for last in (key_path[-1], "*"):
            for prefix, action in self._by_last.get(last, ()):
                if _ends_with(key_path[:-1], prefix):
                    return action
        return None


def _ends_with(path: tuple[str, ...], prefix: tuple[str, ...]) -> bool:
    if len(prefix) > len(path):
        return False
    tail = path[len(path) - len(prefix):]
    return all(want in ("*", have) for want, have in zip(prefix, tail, strict=True))


class SecretRedactor:
    """Replaces given secret values (and their encoded forms) with `[REDACTED]` in any JSON value."""

    def __init__(self, secret_values: Iterable[str] = ()) -> None:
        forms: set[str] = set()
        for value in secret_values:
            if value:
                forms |= secret_forms(value)
        self._forms = sorted(forms, key=len, reverse=True)

    def __bool__(self) -> bool:
        return bool(self._forms)

    def text(self, text: str) -> str:
        for form in self._forms:
            if form in text:
                text = text.replace(form, MASK)
        return text

    def value(self, value: Any) -> Any:
        """A copy of `value` with every string (keys included) redacted."""
        if not self._forms:
            return value
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, dict):
            return {self.text(str(k)): self.value(v) for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            return [self.value(v) for v in value]
        return value

    def error(self, exc: PlatformError) -> PlatformError:
        """Redact an error's message and details in place and return it."""
        if self._forms:
            exc.message = self.text(exc.message)
            exc.args = (exc.message,)
            exc.details = self.value(dict(exc.details))
            # A chained library exception may quote the URL or headers: drop it.
            exc.__cause__ = None
            exc.__suppress_context__ = True
        return exc


#: No secrets, no PII: credential patterns only. For log records outside any project context.
PATTERNS_ONLY = Redactor()
redactor = PATTERNS_ONLY

RedactorSource = Redactor | Callable[[], Redactor]
_active: ContextVar[RedactorSource | None] = ContextVar("active_redactor", default=None)


def active_redactor() -> Redactor:
    """The redactor of the project whose code is running here (a run, an API request), else
    `PATTERNS_ONLY`. A lazy source (a callable) is resolved on first use and kept."""
    source = _active.get()
    if source is None:
        return PATTERNS_ONLY
    if isinstance(source, Redactor):
        return source
    resolved = source()
    _active.set(resolved)
    return resolved


def use_redactor(source: RedactorSource | None) -> Token[RedactorSource | None]:
    """Make `source` the active redactor of this context; returns the token to `reset_redactor`."""
    return _active.set(source)


def reset_redactor(token: Token[RedactorSource | None]) -> None:
    _active.reset(token)


@contextmanager
def redacting_with(source: RedactorSource | None) -> Iterator[None]:
    """`with redacting_with(project_redactor): ...` — log records made inside use it."""
    token = _active.set(source)
    try:
        yield
    finally:
        _active.reset(token)
