"""Redaction: how much it finds, how little it takes by mistake, and how fast it runs.

1. The labelled corpus `tests/fixtures/redaction/` (log lines, config dumps, stack traces, HTTP
   requests, JSON events with planted secrets and personal data, and decoys). A planted value is
   found when redacted spans cover every one of its characters; a redacted span is right when
   it lies inside planted values (over-redaction counts against precision).
2. Presidio-research's synthetic sentences (`/work/shared/data/pii/presidio_synth_dev.json`):
   per entity type, a labelled span is found when a redacted span of the matching kind overlaps
   it by at least one character, and a redacted span is right when it overlaps a labelled span
   of its type. Published for the pattern-detectable types (Presidio's pattern recognisers
   alone, whole set): precision 0.81, recall 0.81.
3. Lines per second on 100,000 lines: real system logs (Loghub's eight 2k sets, cycled) and a
   synthetic application log (JSON and logfmt events, one in eight carrying personal data),
   line by line through `redact` (as events are) and in blocks (as `preprod redact` streams).

Run: `python -m benchmarks.redaction` (or `./dev bench redaction`).
"""

from __future__ import annotations

import io
import json
import random
import time
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from actions.insight.detector import Span
from actions.insight.redact import Redactor, find_spans
from bot.redact_cli import redact_stream

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "tests" / "fixtures" / "redaction"
PRESIDIO_PUBLISHED = {"precision": 0.81, "recall": 0.81}
KIND_TO_TYPE = {
    "email": "EMAIL_ADDRESS",
    "phone": "PHONE_NUMBER",
    "card": "CREDIT_CARD",
    "iban": "IBAN_CODE",
    "ssn": "US_SSN",
    "ip": "IP_ADDRESS",
    "person": "PERSON",
    "username": "PERSON",
}
PATTERN_TYPES = (
    "EMAIL_ADDRESS",
    "PHONE_NUMBER",
    "CREDIT_CARD",
    "IBAN_CODE",
    "US_SSN",
    "IP_ADDRESS",
)
LINES = 100_000


def shared_data(*parts: str) -> Path | None:
    """A file of the shared reference data: beside the checkout (CI) or at /work/shared."""
    for base in (ROOT.parent / "shared" / "data", Path("/work/shared/data")):
        if base.joinpath(*parts).exists():
            return base.joinpath(*parts)
    return None


def _ratio(part: int, whole: int) -> float:
    return round(part / whole, 4) if whole else 1.0


def corpus_scores(text: str, labels: dict[str, Any], spans: Sequence[Span]) -> dict[str, Any]:
    """Recall (overall, per category, per kind), precision and decoys hit on the corpus."""
    covered = bytearray(len(text))
    for start, end, _ in spans:
        covered[start:end] = b"\x01" * (end - start)
    planted_chars = bytearray(len(text))
    for p in labels["planted"]:
        planted_chars[p["start"] : p["end"]] = b"\x01" * (p["end"] - p["start"])
    found = [p for p in labels["planted"] if all(covered[p["start"] : p["end"]])]
    missed = [p for p in labels["planted"] if p not in found]
    wrong = [(s, e, k) for s, e, k in spans if not all(planted_chars[s:e])]
    same_kind = [
        p
        for p in found
        if any(s < p["end"] and p["start"] < e and k == p["kind"] for s, e, k in spans)
    ]
    decoys_hit = [
        d["value"]
        for d in labels["decoys"]
        if any(s < d["end"] and d["start"] < e for s, e, _ in spans)
    ]
    by = Counter(p["category"] for p in labels["planted"])
    found_by = Counter(p["category"] for p in found)
    kinds = Counter(p["kind"] for p in labels["planted"])
    found_kinds = Counter(p["kind"] for p in found)
    return {
        "planted": len(labels["planted"]),
        "decoys": len(labels["decoys"]),
        "recall": _ratio(len(found), len(labels["planted"])),
        "recall_secrets": _ratio(found_by["secret"], by["secret"]),
        "recall_pii": _ratio(found_by["pii"], by["pii"]),
        "precision": _ratio(len(spans) - len(wrong), len(spans)),
        "kind_agreement": _ratio(len(same_kind), len(found)),
        "recall_by_kind": {k: _ratio(found_kinds[k], n) for k, n in sorted(kinds.items())},
        "missed": [f"{p['kind']}: {p['value'][:60]}" for p in missed],
        "false_positives": [f"{k}: {text[s:e][:60]}" for s, e, k in wrong],
        "decoys_hit": decoys_hit,
    }


def load_corpus() -> tuple[str, dict[str, Any]]:
    text = (CORPUS / "corpus.log").read_text(encoding="utf-8")
    labels = json.loads((CORPUS / "labels.json").read_text(encoding="utf-8"))
    return text, labels


def presidio_scores(
    items: Sequence[dict[str, Any]], find: Callable[[str], list[Span]] = find_spans
) -> dict[str, Any]:
    """Per entity type recall and precision (span overlap), and micro figures over PATTERN_TYPES."""
    gold_n, gold_hit, pred_n, pred_hit, exact = (
        Counter(),
        Counter(),
        Counter(),
        Counter(),
        Counter(),
    )
    other: Counter[str] = Counter()
    for item in items:
        text = item["full_text"]
        gold = [(g["start_position"], g["end_position"], g["entity_type"]) for g in item["spans"]]
        predicted = [(s, e, KIND_TO_TYPE.get(k)) for s, e, k in find(text)]
        for s, e, t in gold:
            gold_n[t] += 1
            gold_hit[t] += any(ps < e and s < pe and pt == t for ps, pe, pt in predicted)
            exact[t] += any(
                (ps, pe, pt) == (s, s + len(text[s:e].rstrip()), t) for ps, pe, pt in predicted
            )
        for s, e, t in predicted:
            if t is None:
                other[text[s:e][:40]] += 1
                continue
            pred_n[t] += 1
            pred_hit[t] += any(gs < e and s < ge and gt == t for gs, ge, gt in gold)
    per_type = {
        t: {
            "labelled": gold_n[t],
            "recall": _ratio(gold_hit[t], gold_n[t]),
            "precision": _ratio(pred_hit[t], pred_n[t]),
            "exact_boundaries": _ratio(exact[t], gold_n[t]),
        }
        for t in (*PATTERN_TYPES, "PERSON")
    }
    hit = sum(gold_hit[t] for t in PATTERN_TYPES)
    return {
        "sentences": len(items),
        "per_type": per_type,
        "pattern_types": {
            "recall": _ratio(hit, sum(gold_n[t] for t in PATTERN_TYPES)),
            "precision": _ratio(
                sum(pred_hit[t] for t in PATTERN_TYPES), sum(pred_n[t] for t in PATTERN_TYPES)
            ),
        },
        "published_presidio_patterns": PRESIDIO_PUBLISHED,
        "secret_kinds_fired": dict(other),
    }


def loghub_lines() -> list[str]:
    root = shared_data("loghub")
    if root is None:
        return []
    lines: list[str] = []
    for path in sorted(root.glob("*/*_2k.log")):
        lines += path.read_text(encoding="utf-8", errors="replace").splitlines()
    return lines


def app_log(n: int, seed: int = 7) -> list[str]:
    """A synthetic service log: JSON and logfmt events; one line in eight has personal data."""
    rng = random.Random(seed)
    paths = ["/api/products/{}", "/api/orders/{}", "/api/cart", "/healthz", "/api/search?q=shoes"]
    out = []
    for i in range(n):
        ts = f"2025-03-05T14:{i // 6000 % 60:02d}:{i // 100 % 60:02d}.{i % 1000:03d}Z"
        rid = f"{rng.getrandbits(128):032x}"
        path = rng.choice(paths).format(rng.randint(1, 99999))
        if i % 8 == 0:
            who = rng.choice(["jane.doe@example.com", "+44 20 7946 0958", "203.0.113.7"])
            out.append(
                f'{{"ts": "{ts}", "level": "info", "event": "login", "request_id": "{rid}", '
                f'"user": {{"id": {rng.randint(1, 10**6)}, "contact": "{who}"}}, "ms": '
                f"{rng.uniform(1, 900):.1f}}}"
            )
        elif i % 2:
            out.append(
                f"time={ts} level=info msg=request method=GET path={path} status=200 "
                f"duration={rng.uniform(0.2, 800):.1f}ms bytes={rng.randint(100, 99999)} "
                f"request_id={rid} pod=storefront-7d9f8b6c5-x2x7q"
            )
        else:
            out.append(
                f'{{"ts": "{ts}", "level": "debug", "event": "db_query", "table": "orders", '
                f'"rows": {rng.randint(0, 500)}, "ms": {rng.uniform(0.1, 50):.2f}, '
                f'"trace_id": "{rid}", "version": "1.4.{rng.randint(0, 9)}"}}'
            )
    return out


def throughput(lines: Sequence[str], n: int = LINES) -> dict[str, float]:
    """Lines per second redacting n lines (cycled from `lines`), one at a time and in blocks."""
    cycled = [lines[i % len(lines)] for i in range(n)]
    redactor = Redactor(key=b"benchmark-key-16")
    started = time.perf_counter()
    for line in cycled:
        redactor.redact(line)
    per_line = n / (time.perf_counter() - started)
    source, sink = io.StringIO("\n".join(cycled) + "\n"), io.StringIO()
    started = time.perf_counter()
    redact_stream(source, sink, redactor)
    streamed = n / (time.perf_counter() - started)
    return {
        "lines": n,
        "per_line_lines_per_s": round(per_line),
        "stream_lines_per_s": round(streamed),
    }


def main() -> dict[str, Any]:
    """Run the benchmark, print its figures and return them."""
    text, labels = load_corpus()
    figures: dict[str, Any] = {"corpus": corpus_scores(text, labels, find_spans(text))}
    data = shared_data("pii", "presidio_synth_dev.json")
    if data is not None:
        figures["presidio_synth"] = presidio_scores(json.loads(data.read_text(encoding="utf-8")))
    speed: dict[str, Any] = {"app_log": throughput(app_log(LINES))}
    logs = loghub_lines()
    if logs:
        speed["loghub"] = throughput(logs)
    figures["speed"] = speed
    _print(figures)
    return figures


def _print(figures: dict[str, Any]) -> None:
    c = figures["corpus"]
    print(
        f"corpus: {c['planted']} planted, {c['decoys']} decoys: recall {c['recall']:.3f} "
        f"(secrets {c['recall_secrets']:.3f}, personal {c['recall_pii']:.3f}), precision "
        f"{c['precision']:.3f}, decoys hit {len(c['decoys_hit'])}"
    )
    for line in c["missed"] + c["false_positives"]:
        print(f"  {line}")
    if "presidio_synth" in figures:
        p = figures["presidio_synth"]
        print(f"presidio synth ({p['sentences']} sentences), overlap rule:")
        for t, s in p["per_type"].items():
            print(
                f"  {t:14} n={s['labelled']:4}  recall {s['recall']:.3f}  precision "
                f"{s['precision']:.3f}  exact boundaries {s['exact_boundaries']:.3f}"
            )
        pt = p["pattern_types"]
        print(
            f"  pattern types: recall {pt['recall']:.3f}, precision {pt['precision']:.3f} "
            f"(Presidio's pattern recognisers: 0.81 / 0.81)"
        )
    for name, s in figures["speed"].items():
        print(
            f"speed {name}: {s['per_line_lines_per_s']:,} lines/s line by line, "
            f"{s['stream_lines_per_s']:,} lines/s streamed ({s['lines']:,} lines)"
        )


if __name__ == "__main__":
    main()
