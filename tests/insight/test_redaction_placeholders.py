"""Placeholders: stable per value, distinct per kind, never redacted again; Results redacted."""

from __future__ import annotations

import json
import re

from hypothesis import given
from hypothesis import strategies as st

from actions.insight.redact import PLACEHOLDER, Redactor, redact_result
from actions.result import Finding, Result, Severity, Status
from benchmarks.redaction import load_corpus

R = Redactor(key=b"placeholder-k-16")
CORPUS_LINES = load_corpus()[0].splitlines()
TRICKY = ["[email:1a2b3c]", "[secret:000000]", "=", ":", " ", "\n", '"', "@", "+1", "(555)", "-"]


def test_the_placeholder_is_the_kind_and_six_hex_digits_of_a_keyed_hash() -> None:
    out = R.redact("mail jane@example.com")
    assert re.fullmatch(r"mail \[email:[0-9a-f]{6}\]", out)
    assert Redactor(key=b"another-key-0016").redact("mail jane@example.com") != out


def test_the_same_value_gets_the_same_placeholder_and_another_value_another() -> None:
    out = R.redact("a@example.com wrote to b@example.com and a@example.com")
    first, second, third = PLACEHOLDER.findall(out)
    assert first == third != second


def test_kinds_are_told_apart() -> None:
    out = R.redact("password=hunter22 mail a@example.com card 4111111111111111 ip 203.0.113.9")
    assert [p.split(":")[0][1:] for p in PLACEHOLDER.findall(out)] == [
        "secret",
        "email",
        "card",
        "ip",
    ]


@given(
    st.lists(
        st.one_of(st.sampled_from(CORPUS_LINES), st.sampled_from(TRICKY), st.text(max_size=20)),
        max_size=5,
    )
)
def test_redacting_twice_changes_nothing_more(parts: list[str]) -> None:
    once = R.redact("".join(parts))
    assert R.redact(once) == once


@given(st.text(alphabet=st.sampled_from("abcdefghijklmnopqrstuvwxyz ,.;!?'()-\n"), max_size=200))
def test_text_without_digits_keys_or_capitals_passes_unchanged(text: str) -> None:
    assert R.redact(text) == text


def test_a_result_is_redacted_wherever_a_person_or_a_model_reads_it() -> None:
    result = Result(
        step="chaos",
        status=Status.FAIL,
        summary="failed for bob@example.com",
        findings=[Finding(severity=Severity.HIGH, title="t", evidence="password=hunter22")],
        data={
            "tests": [{"id": "t", "message": "token=abcdef123", "system_err": "ip 203.0.113.9"}],
            "timeline": [{"at": 1.0, "kind": "probe", "message": "user=jdoe84 logged in"}],
            "note": "call +44 20 7946 0958",
            "logs": ["Authorization: Bearer 8a1c5e7f93b24d6aa0c4e2f1b7d9c3e5", 42],
            "service": "storefront",
            "url": "http://127.0.0.1:8001",
        },
    )
    clean = redact_result(result, R)
    dump = clean.model_dump_json()
    for secret in ("bob@", "hunter22", "abcdef123", "203.0.113.9", "jdoe84", "7946", "8a1c5e7f"):
        assert secret not in dump
    assert clean.data["service"] == "storefront" and clean.data["url"] == "http://127.0.0.1:8001"
    assert clean.data["logs"][1] == 42 and clean.data["timeline"][0]["at"] == 1.0
    assert result.summary == "failed for bob@example.com"  # the original is left as it was
    assert json.loads(dump)["findings"][0]["fingerprint"] == result.findings[0].fingerprint
