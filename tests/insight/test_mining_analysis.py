"""Mining a log against the run's events: templates with their figures, final assignments, a
timeline of first occurrences, counts, correlations and ranked suspects with evidence."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from actions.insight.mining import mine_lines

T0 = datetime(2024, 5, 1, 12, 0, 0, tzinfo=UTC)
CHAOS_AT = T0 + timedelta(seconds=60)
EVENTS = [
    {"at": (T0 + timedelta(seconds=5)).isoformat(), "kind": "deploy", "message": "shop 1.1"},
    {"at": CHAOS_AT.isoformat(), "kind": "chaos start", "message": "catalog-down"},
]


def _line(second: float, **fields: Any) -> str:
    at = (T0 + timedelta(seconds=second)).isoformat(timespec="milliseconds")
    return json.dumps({"ts": at.replace("+00:00", "Z"), **fields})


def incident() -> list[str]:
    """A minute of healthy traffic, one unrelated catalog error, then the catalog goes away."""
    lines = []
    for s in range(90):
        lines.append(
            _line(
                s,
                level="INFO",
                service="storefront",
                msg="request",
                method="GET",
                path=f"/api/products/{s}",
                status=200,
            )
        )
        if s < 60:
            lines.append(_line(s + 0.5, level="INFO", service="catalog", msg="request", status=200))
    lines.append(_line(20, level="ERROR", service="catalog", msg="vacuum failed on products.db"))
    for s in range(61, 81):
        lines.append(
            _line(
                s + 0.2,
                level="ERROR",
                service="storefront",
                msg="request failed",
                method="GET",
                path=f"/api/products/{s}",
                status=502,
                error="ConnectionRefusedError: [Errno 111] Connection refused to catalog",
                exception="ConnectionRefusedError",
            )
        )
    return lines


def test_the_service_failing_right_after_chaos_starts_ranks_first_with_evidence() -> None:
    mined = mine_lines(incident(), events=EVENTS)
    top = mined.suspects[0]
    assert (top.kind, top.name) == ("service", "storefront")
    refused = next(t for t in mined.templates if "ConnectionRefusedError" in t.template)
    assert any(
        f"#{refused.id}" in line and "ConnectionRefusedError" in line for line in top.evidence
    )
    assert "chaos start: catalog-down" in top.evidence[0]
    names = [(s.kind, s.name) for s in mined.suspects]
    assert ("exception", "ConnectionRefusedError") in names
    assert ("endpoint", "GET /api/products/{id}") in names
    catalog = next(s for s in mined.suspects if s.name == "catalog")
    assert catalog.score < top.score / 5
    assert [s.score for s in mined.suspects] == sorted(
        (s.score for s in mined.suspects), reverse=True
    )


def test_no_error_lines_no_suspects() -> None:
    mined = mine_lines([_line(s, level="INFO", msg="tick") for s in range(5)])
    assert mined.suspects == []


def test_templates_carry_counts_times_levels_services_and_an_example() -> None:
    mined = mine_lines(incident(), events=EVENTS)
    refused = next(t for t in mined.templates if "ConnectionRefusedError" in t.template)
    assert refused.count == 20
    assert refused.first_at == T0 + timedelta(seconds=61.2)
    assert refused.last_at == T0 + timedelta(seconds=80.2)
    assert refused.levels == {"error": 20}
    assert refused.services == {"storefront": 20}
    assert refused.example.startswith("request failed: ConnectionRefusedError")
    assert {t.id for t in mined.error_templates} == {
        refused.id,
        next(t.id for t in mined.templates if t.template.startswith("vacuum")),
    }


def test_assignments_give_every_line_its_final_template() -> None:
    lines = [
        "2024-05-01T12:00:00Z INFO processed items 4 in batch",
        "2024-05-01T12:00:01Z INFO processed items 3 7 9 in batch",
        "2024-05-01T12:00:02Z INFO cache warmed",
    ]
    mined = mine_lines(lines)
    ids = list(mined.assignments)
    assert len(ids) == 3
    assert ids[0] == ids[1] != ids[2]
    assert mined.template(ids[0]).template == "processed items <*> in batch"
    assert {t.id for t in mined.templates} == set(ids)


def test_timeline_lists_first_occurrences_in_time_order() -> None:
    lines = [
        _line(10, level="INFO", service="a", msg="started"),
        _line(2, level="WARNING", service="b", msg="late config"),  # earlier, logged later
        _line(11, level="INFO", service="a", msg="started"),
        _line(12, level="ERROR", service="a", msg="crashed"),
    ]
    timeline = mine_lines(lines).timeline
    assert [(e.template, e.level, e.service) for e in timeline] == [
        ("late config", "warning", "b"),
        ("started", "info", "a"),
        ("crashed", "error", "a"),
    ]
    assert timeline[0].at == T0 + timedelta(seconds=2)


def test_lines_without_time_keep_their_order_after_timed_ones() -> None:
    timeline = mine_lines(["zeta begins", _line(1, msg="alpha"), "omega ends"]).timeline
    assert [e.template for e in timeline] == ["alpha", "zeta begins", "omega ends"]


def test_counts_by_service_and_level_cover_every_line() -> None:
    mined = mine_lines([*incident(), "a plain line"], events=EVENTS)
    assert sum(mined.by_service.values()) == mined.lines == sum(mined.by_level.values())
    assert mined.by_service == {"storefront": 110, "catalog": 61, "unknown": 1}
    assert mined.by_level == {"info": 150, "error": 21, "unknown": 1}


def test_a_template_first_seen_after_an_event_is_correlated_with_it() -> None:
    mined = mine_lines(incident(), events=EVENTS)
    refused = next(t for t in mined.templates if "ConnectionRefusedError" in t.template)
    chaos = next(c for c in mined.correlations if c.event == "chaos start: catalog-down")
    assert chaos.at == CHAOS_AT
    assert chaos.template_ids[0] == refused.id
    assert "1 new template" in chaos.note and "error burst" in chaos.note
    deploy = [c for c in mined.correlations if c.event.startswith("deploy")]
    assert all(refused.id not in c.template_ids for c in deploy)


def test_a_new_template_goes_to_the_nearest_event_before_it() -> None:
    lines = [_line(s, level="INFO", msg="tick") for s in range(10)]
    lines.append(_line(8, level="WARNING", msg="pool resized"))
    events = [
        {"at": (T0 + timedelta(seconds=1)).isoformat(), "kind": "deploy"},
        {"at": (T0 + timedelta(seconds=6)).isoformat(), "kind": "load ramp", "message": "50 users"},
    ]
    [only] = mine_lines(lines, events=events).correlations
    assert only.event == "load ramp: 50 users"
    assert "1 new template" in only.note


def test_a_steady_error_rate_is_no_burst() -> None:
    lines = [
        _line(s, level="ERROR" if s % 4 == 0 else "INFO", service="a", msg=f"tick {s % 4}")
        for s in range(120)
    ]
    events = [{"at": (T0 + timedelta(seconds=60)).isoformat(), "kind": "load ramp"}]
    assert mine_lines(lines, events=events).correlations == []


def test_events_without_a_time_are_left_out() -> None:
    mined = mine_lines(incident(), events=[{"at": "soon", "kind": "deploy"}])
    assert mined.correlations == []


def test_to_dict_has_exactly_the_agreed_shape() -> None:
    data = mine_lines(incident(), events=EVENTS).to_dict()
    json.dumps(data)
    assert set(data) == {"lines", "templates", "suspects", "timeline", "counts", "correlations"}
    assert set(data["templates"][0]) == {
        "id",
        "template",
        "count",
        "first_at",
        "last_at",
        "levels",
        "services",
        "example",
    }
    assert set(data["suspects"][0]) == {"kind", "name", "score", "evidence"}
    assert set(data["timeline"][0]) == {"at", "template_id", "template", "level", "service"}
    assert set(data["counts"]) == {"by_service", "by_level"}
    assert set(data["correlations"][0]) == {"event", "at", "template_ids", "note"}
    assert data["timeline"][0]["at"] == "2024-05-01T12:00:00.000Z"
    assert all(isinstance(e, str) for s in data["suspects"] for e in s["evidence"])
