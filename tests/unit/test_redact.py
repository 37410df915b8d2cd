"""Redaction: secrets and personal data replaced by stable placeholders, nothing else changed."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from actions.insight.redact import Redactor, luhn_ok, redact_result
from actions.result import Finding, Result, Severity, Status

R = Redactor(key=b"k" * 16)

JWT = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U"


@pytest.mark.parametrize(
    ("text", "secret", "kind"),
    [
        ("password=hunter22 next", "hunter22", "secret"),
        ('{"api_key": "AbC123456"}', "AbC123456", "secret"),
        ("token: abc123xyz", "abc123xyz", "secret"),
        ("postgres://app:s3cr3t@db:5432/shop", "s3cr3t", "url-password"),
        (f"Authorization: Bearer {JWT}", JWT, "jwt"),
        ("Authorization: Bearer abcdefghijklmnop", "abcdefghijklmnop", "bearer"),
        ("SLACK_BOT_TOKEN=xoxb-1234567890-abcdefghij", "xoxb-1234567890-abcdefghij", "slack"),
        ("key AKIAIOSFODNN7EXAMPLE used", "AKIAIOSFODNN7EXAMPLE", "aws-key"),
        ("ghp_" + "a" * 36, "ghp_" + "a" * 36, "github-token"),
        ("write to bob.smith@example.com now", "bob.smith@example.com", "email"),
        ("card 4111 1111 1111 1111 declined", "4111 1111 1111 1111", "card"),
        (
            "-----BEGIN RSA PRIVATE KEY-----\nMIIEow\n-----END RSA PRIVATE KEY-----",
            "MIIEow",
            "private-key",
        ),
    ],
)
def test_planted_secrets_are_replaced(text: str, secret: str, kind: str) -> None:
    out = R.redact(text)
    assert secret not in out
    assert f"[{kind}" in out


def test_the_same_value_gets_the_same_placeholder() -> None:
    out = R.redact("a@example.com wrote to b@example.com and a@example.com")
    first, second, third = out.split()[0], out.split()[3], out.split()[5]
    assert first == third != second


def test_ordinary_text_is_left_alone() -> None:
    text = "load: 8 users on http://127.0.0.1:36789 for 15s; p95 320 ms; order 1234567890123"
    assert R.redact(text) == text


def test_a_number_failing_the_luhn_check_is_not_a_card() -> None:
    assert R.redact("ref 4111 1111 1111 1112") == "ref 4111 1111 1111 1112"
    assert luhn_ok("4111111111111111") and not luhn_ok("4111111111111112")


def test_a_result_is_redacted_everywhere_a_person_reads() -> None:
    result = Result(
        step="e2e",
        status=Status.FAIL,
        summary="failed for bob@example.com",
        findings=[Finding(severity=Severity.HIGH, title="t", evidence="password=hunter22")],
        data={"tests": [{"id": "t", "message": "token=abcdef123"}]},
    )
    clean = redact_result(result, R)
    dump = clean.model_dump_json()
    assert "bob@example.com" not in dump and "hunter22" not in dump and "abcdef123" not in dump
    assert result.summary == "failed for bob@example.com"


@given(
    st.text(
        alphabet=st.characters(
            blacklist_categories=["Nd", "Lu", "Lt"], blacklist_characters="@:=<"
        ),
        max_size=200,
    )
)
def test_text_without_digits_or_capitals_passes_unchanged(text: str) -> None:
    assert R.redact(text) == text
