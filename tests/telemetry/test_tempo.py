"""The Tempo client against a fake Tempo over real HTTP."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest

from actions.errors import BackendUnavailable
from actions.telemetry.http import QueryRejected
from actions.telemetry.tempo import TempoClient, TempoConfig, TraceNotFound, parse_trace
from tests.fakes.tempo_api import FakeTempo, SpanSpec, otlp_trace

T0 = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
NS0 = 1740830400 * 10**9
CHECKOUT = "0af7651916cd43dd8448eb211c80319c"
BROWSE = "00f067aa0ba902b70af7651916cd43dd"


def checkout_trace() -> dict[str, object]:
    """Gateway -> shop -> (payments slow and failing, db fast)."""
    return otlp_trace(
        CHECKOUT,
        [
            SpanSpec("a000000000000001", "gateway", "POST /checkout", NS0, 900),
            SpanSpec(
                "a000000000000002",
                "shop",
                "checkout",
                NS0 + 10**7,
                850,
                "a000000000000001",
                attributes={"http.status_code": 500},
            ),
            SpanSpec(
                "a000000000000003",
                "payments",
                "charge",
                NS0 + 2 * 10**7,
                700,
                "a000000000000002",
                error=True,
                attributes={"retry": True},
            ),
            SpanSpec(
                "a000000000000004",
                "db",
                "SELECT cart",
                NS0 + 3 * 10**7,
                5,
                "a000000000000002",
                attributes={"db.system": "postgresql"},
            ),
        ],
    )


def browse_trace(start_ns: int = NS0 + 60 * 10**9) -> dict[str, object]:
    return otlp_trace(
        BROWSE,
        [
            SpanSpec("b000000000000001", "gateway", "GET /products", start_ns, 40),
            SpanSpec(
                "b000000000000002",
                "shop",
                "list products",
                start_ns + 10**6,
                30,
                "b000000000000001",
                attributes={"http.status_code": 200},
            ),
        ],
    )


@pytest.fixture
def stocked(tempo: FakeTempo) -> FakeTempo:
    tempo.add(CHECKOUT, checkout_trace())
    tempo.add(BROWSE, browse_trace())
    return tempo


def client(fake: FakeTempo, **config: object) -> TempoClient:
    return TempoClient(TempoConfig.model_validate({"url": fake.url, "timeout": "2s", **config}))


def test_a_trace_by_id_is_read_into_typed_spans(stocked: FakeTempo) -> None:
    with client(stocked) as tempo:
        trace = tempo.trace(CHECKOUT)
    assert stocked.requests[0].path == f"/api/traces/{CHECKOUT}"
    assert trace.trace_id == CHECKOUT
    assert (trace.root_service, trace.root_name) == ("gateway", "POST /checkout")
    assert trace.duration_ms == 900
    assert [span.service for span in trace.spans] == ["gateway", "shop", "payments", "db"]
    shop = trace.spans[1]
    assert shop.span_id == "a000000000000002"
    assert shop.parent_span_id == "a000000000000001"
    assert shop.attributes == {"http.status_code": 500}
    assert shop.start == T0 + timedelta(milliseconds=10)


def test_the_slowest_spans_come_longest_first(stocked: FakeTempo) -> None:
    with client(stocked) as tempo:
        trace = tempo.trace(CHECKOUT)
    assert [(s.name, s.duration_ms) for s in trace.slowest(2)] == [
        ("POST /checkout", 900),
        ("checkout", 850),
    ]


def test_error_spans_are_listed_with_their_message(stocked: FakeTempo) -> None:
    with client(stocked) as tempo:
        trace = tempo.trace(CHECKOUT)
    (error,) = trace.errors()
    assert (error.service, error.name, error.status_message) == ("payments", "charge", "boom")
    assert error.attributes == {"retry": True}


def test_a_short_or_upper_case_id_is_normalised_to_32_hex_digits(stocked: FakeTempo) -> None:
    with client(stocked) as tempo:
        trace = tempo.trace(BROWSE.lstrip("0").upper())
    assert trace.trace_id == BROWSE
    assert stocked.requests[0].path == f"/api/traces/{BROWSE}"


def test_an_unknown_trace_is_a_plain_not_found(stocked: FakeTempo) -> None:
    with client(stocked) as tempo, pytest.raises(TraceNotFound, match="trace 1234 not found"):
        tempo.trace("1234")
    assert len(stocked.requests) == 1


def test_something_that_is_not_an_id_is_refused_before_any_request(tempo: FakeTempo) -> None:
    with client(tempo) as tempoc, pytest.raises(QueryRejected, match="not a trace or span id"):
        tempoc.trace("not-a-trace!")
    assert tempo.requests == []


def test_resource_spans_in_the_otlp_shape_are_read_too() -> None:
    body = checkout_trace()
    trace = parse_trace(CHECKOUT, {"trace": {"resourceSpans": body["batches"]}})
    assert trace.root_service == "gateway"
    assert len(trace.spans) == 4


def test_search_sends_service_tags_duration_window_and_limit(stocked: FakeTempo) -> None:
    with client(stocked) as tempo:
        tempo.search(
            "shop",
            {"http.route": "/cart items"},
            min_duration_ms=100,
            start=T0,
            end=T0 + timedelta(hours=1),
            limit=5,
        )
    assert stocked.requests[0].path == "/api/search"
    assert stocked.requests[0].params == {
        "tags": 'service.name=shop http.route="/cart items"',
        "minDuration": "100ms",
        "start": "1740830400",
        "end": "1740834000",
        "limit": "5",
    }


def test_search_summaries_are_most_recent_first(stocked: FakeTempo) -> None:
    with client(stocked) as tempo:
        found = tempo.search(start=T0, end=T0 + timedelta(hours=1))
    assert [(t.trace_id, t.root_service, t.root_name) for t in found] == [
        (BROWSE, "gateway", "GET /products"),
        (CHECKOUT, "gateway", "POST /checkout"),
    ]
    assert found[0].start == T0 + timedelta(minutes=1)
    assert found[1].duration_ms == 900


def test_search_by_service_and_tag_finds_the_trace_with_that_span(stocked: FakeTempo) -> None:
    with client(stocked) as tempo:
        failing = tempo.search("shop", {"http.status_code": 500})
        healthy = tempo.search("shop", {"http.status_code": 200})
        nowhere = tempo.search("payments", {"http.status_code": 500})
    assert [t.trace_id for t in failing] == [CHECKOUT]
    assert [t.trace_id for t in healthy] == [BROWSE]
    assert nowhere == []


def test_search_by_minimum_duration_leaves_out_fast_traces(stocked: FakeTempo) -> None:
    with client(stocked) as tempo:
        found = tempo.search(min_duration_ms=500)
    assert [t.trace_id for t in found] == [CHECKOUT]


def test_search_window_leaves_out_traces_outside_it(stocked: FakeTempo) -> None:
    with client(stocked) as tempo:
        found = tempo.search(start=T0 + timedelta(seconds=30), end=T0 + timedelta(hours=1))
    assert [t.trace_id for t in found] == [BROWSE]


def test_search_limit_caps_the_summaries(stocked: FakeTempo) -> None:
    with client(stocked) as tempo:
        assert len(tempo.search(limit=1)) == 1


def test_tenant_is_sent_as_x_scope_orgid() -> None:
    with FakeTempo(multi_tenant=True) as fake:
        fake.add(CHECKOUT, checkout_trace(), tenant="team-a")
        with client(fake, tenant="team-a") as tempo:
            assert tempo.trace(CHECKOUT).root_service == "gateway"
        with client(fake, tenant="team-b") as tempo, pytest.raises(TraceNotFound):
            tempo.trace(CHECKOUT)
    assert fake.requests[0].headers["x-scope-orgid"] == "team-a"


def test_a_tempo_that_is_down_is_backend_unavailable_within_bounded_time() -> None:
    fake = FakeTempo().start()
    fake.down()
    started = time.monotonic()
    with client(fake) as tempo, pytest.raises(BackendUnavailable) as caught:
        tempo.trace(CHECKOUT)
    assert time.monotonic() - started < 3
    assert str(caught.value).startswith(f"Tempo at {fake.url} did not answer:")


def test_a_slow_tempo_times_out_after_bounded_retries(stocked: FakeTempo) -> None:
    stocked.delay = 2.0
    started = time.monotonic()
    with (
        client(stocked, timeout="200ms") as tempo,
        pytest.raises(BackendUnavailable, match="no answer within"),
    ):
        tempo.search("shop")
    assert time.monotonic() - started < 3


def test_a_5xx_is_retried_three_times(stocked: FakeTempo) -> None:
    stocked.fail(500, times=3)
    with client(stocked) as tempo, pytest.raises(BackendUnavailable, match="HTTP 500"):
        tempo.trace(CHECKOUT)
    assert len(stocked.requests) == 3
