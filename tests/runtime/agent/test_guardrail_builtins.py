"""Built-in guardrails: PII redaction (Luhn-checked cards), blocklist, max length, JSON schema."""
from __future__ import annotations

import pytest

from runtime.errors import AgentSpecInvalid
from runtime.guardrails import build_guardrail
from runtime.guardrails.pii import PiiRedactor, luhn_valid


@pytest.mark.parametrize(("number", "valid"), [("4111111111111111", True), ("4111111111111112", False),
                                               ("378282246310005", True), ("5555555555554444", True)])
def test_luhn_check(number: str, valid: bool) -> None:
    assert luhn_valid(number) is valid


def test_pii_redacts_emails_phones_and_valid_cards_only() -> None:
    text = ("Mail jo.doe+x@mail.example.org, phone (555) 123-4567 or +1 415 555 0100; card 4111-1111-1111-1111; "
            "order 4111 1111 1111 1112; date 2024-01-15; 3 items for 1999 dollars")

    redacted, counts = PiiRedactor().redact(text)

    assert redacted == ("Mail [EMAIL], phone [PHONE] or [PHONE]; card [CARD]; "
                        "order 4111 1111 1111 1112; date 2024-01-15; 3 items for 1999 dollars")
    assert counts == {"email": 1, "card": 1, "phone": 2}


def test_pii_allows_text_without_pii() -> None:
    verdict = build_guardrail({"type": "pii"}).check("Nothing to see, version 1.2.3.", stage="output")

    assert verdict.action == "allow"


def test_blocklist_blocks_whole_words_case_insensitively_or_masks() -> None:
    block = build_guardrail({"type": "blocklist", "words": ["secret"]})
    mask = build_guardrail({"type": "blocklist", "patterns": [r"\bproj-\d+\b"], "action": "mask"})

    assert block.check("a SECRET plan", stage="input").action == "block"
    assert block.check("secretary", stage="input").action == "allow"
    assert mask.check("see proj-42 now", stage="output").text == "see [REDACTED] now"


def test_max_length_blocks_or_truncates() -> None:
    assert build_guardrail({"type": "max_length", "max_chars": 5}).check("123456", stage="input").action == "block"
    verdict = build_guardrail({"type": "max_length", "max_chars": 5, "action": "truncate"}).check("123456",
                                                                                                  stage="output")
    assert (verdict.action, verdict.text) == ("rewrite", "12345")


def test_json_schema_guardrail_blocks_non_matching_output() -> None:
    check = build_guardrail({"type": "json_schema", "schema": {"type": "object", "required": ["id"]}})

    assert check.check('{"id": 1}', stage="output").action == "allow"
    assert check.check('{"x": 1}', stage="output").action == "block"
    assert check.check("not json", stage="output").reason == "output is not JSON"


def test_unknown_guardrail_types_are_a_spec_error() -> None:
    with pytest.raises(AgentSpecInvalid):
        build_guardrail({"type": "telepathy"})
