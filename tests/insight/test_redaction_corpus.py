"""The labelled corpus: every planted secret found, little else taken, decoys left alone.

`tests/fixtures/redaction/corpus.log` holds log lines, config dumps, stack traces, HTTP requests
and JSON events; `labels.json` lists each planted value (kind, category, offsets) and each decoy.
Scoring (`benchmarks.redaction.corpus_scores`): a planted value is found when redacted spans cover
all of it; a redacted span is right when it lies inside planted values.
"""

from __future__ import annotations

import io
from typing import Any

import pytest

from actions.insight.redact import Redactor, find_spans
from benchmarks.redaction import corpus_scores, load_corpus
from bot import redact_cli

REQUIRED_KINDS = {
    *("private-key", "jwt", "slack-token", "slack-webhook", "github-token", "aws-key"),
    *("aws-secret", "api-key", "bearer", "url-password", "secret"),
    *("email", "phone", "card", "iban", "ssn", "ip", "person", "username"),
}


@pytest.fixture(scope="module")
def corpus() -> tuple[str, dict[str, Any]]:
    return load_corpus()


@pytest.fixture(scope="module")
def scores(corpus: tuple[str, dict[str, Any]]) -> dict[str, Any]:
    text, labels = corpus
    figures = corpus_scores(text, labels, find_spans(text))
    print(
        f"\ncorpus: {figures['planted']} planted, {figures['decoys']} decoys; recall "
        f"{figures['recall']} (secrets {figures['recall_secrets']}, personal "
        f"{figures['recall_pii']}), precision {figures['precision']}, kind agreement "
        f"{figures['kind_agreement']}; missed {figures['missed']}; "
        f"false positives {figures['false_positives']}"
    )
    return figures


def test_the_labels_point_at_their_values(corpus: tuple[str, dict[str, Any]]) -> None:
    text, labels = corpus
    for entry in labels["planted"] + labels["decoys"]:
        assert text[entry["start"] : entry["end"]] == entry["value"]
    assert {p["kind"] for p in labels["planted"]} >= REQUIRED_KINDS
    assert len(labels["decoys"]) > 2 * len(labels["planted"])


def test_every_planted_secret_is_found(scores: dict[str, Any]) -> None:
    assert scores["recall_secrets"] == 1.0


def test_recall_over_everything_planted_is_at_least_0_99(scores: dict[str, Any]) -> None:
    assert scores["recall"] >= 0.99
    assert scores["recall_pii"] >= 0.99


def test_precision_is_at_least_0_99(scores: dict[str, Any]) -> None:
    assert scores["precision"] >= 0.99


def test_no_decoy_is_touched(scores: dict[str, Any]) -> None:
    assert scores["decoys_hit"] == []


def test_each_value_is_redacted_with_its_own_kind(scores: dict[str, Any]) -> None:
    assert scores["kind_agreement"] >= 0.99


def test_streaming_in_small_blocks_redacts_as_the_whole_text(
    corpus: tuple[str, dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    text, _ = corpus
    monkeypatch.setattr(redact_cli, "BLOCK_CHARS", 300)  # a block every few lines
    redactor = Redactor(key=b"corpus-stream-16")
    sink = io.StringIO()
    redact_cli.redact_stream(io.StringIO(text, newline=""), sink, redactor)
    assert sink.getvalue() == redactor.redact(text)
