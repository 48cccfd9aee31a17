"""The per-project redactor: what a policy masks, how streamed text is held back, how the
compiled redactor follows secret and policy changes, the policy API, and log records."""
from __future__ import annotations

import logging

import pytest

from accounts import redaction_policy, services
from accounts.models import Secret
from runtime.redaction import MASK, PATTERNS_ONLY, RedactionPolicy, Redactor, redacting_with
from tests.conftest import client_for, make_key

ALL_PII = ("email", "phone", "card", "iban", "ssn")


def test_secret_values_are_masked_in_every_form():
    redactor = Redactor(["s3cr3t value/+&"], RedactionPolicy())
    for form in ("s3cr3t value/+&", "s3cr3t%20value%2F%2B%26", "s3cr3t+value%2F%2B%26"):
        assert redactor.text(f"x {form} y") == f"x {MASK} y"
    assert redactor.data({"k": ["s3cr3t value/+&"], "s3cr3t value/+&": 1}) == {"k": [MASK], MASK: 1}


def test_each_pii_kind_and_the_checksums():
    redactor = Redactor([], RedactionPolicy(pii=ALL_PII))
    text = ("mail ada@example.org, call +44 20 7946 0958, card 4111 1111 1111 1111, not a card 4111 1111 1111 1112, "
            "iban GB82 WEST 1234 5698 7654 32, ssn 078-05-1120, date 2024-01-15, 3 items")
    assert redactor.text(text) == (
        "mail [EMAIL], call [PHONE], card [CARD], not a card 4111 1111 1111 1112, iban [IBAN], ssn [SSN], "
        "date 2024-01-15, 3 items")
    ibans = Redactor([], RedactionPolicy(pii=("iban",)))
    assert ibans.text("GB00 WEST 1234 5698 7654 32") == "GB00 WEST 1234 5698 7654 32"  # check digits wrong


def test_digits_inside_identifiers_are_not_pii():
    redactor = Redactor([], RedactionPolicy(pii=ALL_PII))
    ids = "run_ab4111111111111111cd evt_078-05-1120x 4111111111111111_suffix"  # Luhn-valid digits inside ids
    assert redactor.text(ids) == ids
    assert redactor.text("card:4111111111111111, ssn(078-05-1120)") == "card:[CARD], ssn([SSN])"


def test_the_default_policy_masks_cards_ibans_and_ssns_but_not_emails_or_phones():
    redactor = Redactor([], RedactionPolicy())
    assert redactor.text("ada@example.org +44 20 7946 0958 4111111111111111 078-05-1120") == \
        "ada@example.org +44 20 7946 0958 [CARD] [SSN]"


def test_field_paths_mask_or_drop_at_any_depth():
    redactor = Redactor([], RedactionPolicy(pii=(), mask_fields=("input.password", "*.token"),
                                            drop_fields=("metadata.raw",)))
    data = {"input": {"password": "p", "user": "u"}, "node": {"input": {"password": ["p"]}},
            "auth": {"token": "t"}, "metadata": {"raw": "r", "kept": 1}, "password": "top-level is not input."}
    assert redactor.data(data) == {"input": {"password": MASK, "user": "u"}, "node": {"input": {"password": MASK}},
                                   "auth": {"token": MASK}, "metadata": {"kept": 1},
                                   "password": "top-level is not input."}
    assert redactor.data({"password": "p"}, ("input",)) == {"password": MASK}  # a run's input column


def test_streamed_text_never_sends_half_a_secret_or_card():
    redactor = Redactor(["tok-7f3a9c2e5b1d"], RedactionPolicy())
    sent, held = [], ""
    for piece in ("The key is tok-7f3a", "9c2e5b1d, card 4111 1111", " 1111 1111 ok", " done."):
        safe, held = redactor.split_stream(held + piece)
        sent.append(safe)
    sent.append(redactor.text(held))
    assert "".join(sent) == "The key is [REDACTED], card [CARD] ok done."
    assert all("tok-" not in s and "4111" not in s for s in sent)
    assert sent[0] == "The key is "  # the rest of the text is not held


@pytest.mark.django_db
def test_the_compiled_redactor_follows_secret_and_policy_changes(project):
    first = redaction_policy.redactor_for(project)
    assert redaction_policy.redactor_for(project) is first  # cached
    services.set_secret(project=project, name="A", value="value-a-1234")
    with_a = redaction_policy.redactor_for(project)
    assert with_a.text("value-a-1234") == MASK
    # Another process changes the value (no cache message reaches us): the new ciphertext is noticed.
    other = services.set_secret(project=project, name="B", value="value-b-1234")
    redaction_policy._cache.clear()
    redaction_policy.redactor_for(project)
    Secret.objects.filter(pk=other.pk).update(
        ciphertext=services.crypto.encrypt("value-c-1234", aad=f"{project.pk}:B"))
    assert redaction_policy.redactor_for(project).text("value-c-1234 value-b-1234") == f"{MASK} value-b-1234"
    project.settings = {"redaction": {"mask_secrets": False}}
    project.save(update_fields=["settings"])
    assert redaction_policy.redactor_for(project).text("value-a-1234") == "value-a-1234"


@pytest.mark.django_db
def test_the_policy_is_validated_naming_the_field(project):
    admin = client_for(make_key(project, "admin"))
    for bad, field in (({"pii": ["email", "dna"]}, "settings.redaction.pii"),
                       ({"mask_fields": ["input..x"]}, "settings.redaction.mask_fields"),
                       ({"mask_secrets": "yes"}, "settings.redaction.mask_secrets"),
                       ({"colour": 1}, "settings.redaction.colour"),
                       ("all", "settings.redaction")):
        response = admin.patch(f"/api/v1/projects/{project.pk}", {"settings": {"redaction": bad}}, format="json")
        assert response.status_code == 400, response.content
        assert response["Content-Type"].startswith("application/problem+json")
        assert field in response.json()["errors"]
    good = admin.patch(f"/api/v1/projects/{project.pk}", {"settings": {"redaction": {
        "pii": ["email"], "mask_fields": ["input.password", "*.token"]}}}, format="json")
    assert good.status_code == 200, good.content
    assert good.json()["settings"]["redaction"] == {"pii": ["email"], "mask_fields": ["input.password", "*.token"]}


@pytest.mark.django_db
def test_log_records_use_the_redactor_of_their_context(project, other_project, caplog):
    caplog.set_level(logging.INFO)
    services.set_secret(project=project, name="A", value="value-of-a-9876")
    log = logging.getLogger("tests.redaction")
    with redacting_with(redaction_policy.redactor_for(project)):
        log.info("inside a run of the project: %s", "value-of-a-9876")
    with redacting_with(redaction_policy.redactor_for(other_project)):
        log.info("inside a run of another project: %s password=letmein123", "value-of-a-9876")
    log.info("outside any project: token sk-abcdefghijklmnopqrstuv")
    inside, other, outside = (r.getMessage() for r in caplog.records[-3:])
    assert inside == f"inside a run of the project: {MASK}"
    assert other == f"inside a run of another project: value-of-a-9876 password={MASK}"
    assert outside == f"outside any project: token {MASK}"


def test_patterns_only_knows_no_secret_and_no_pii():
    assert PATTERNS_ONLY.text("ada@example.org 4111111111111111 Bearer abcdefghijklmnop1234") == \
        f"ada@example.org 4111111111111111 Bearer {MASK}"
