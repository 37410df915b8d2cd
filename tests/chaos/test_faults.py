"""Fault models and the pure decision for one request: no sockets, no clock."""

from __future__ import annotations

import random
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from actions.chaos.faults import (
    PASS,
    Bandwidth,
    Blackhole,
    Errors,
    Latency,
    Reset,
    bandwidth_limit,
    decide,
    error_response,
    parse_faults,
)


def test_fault_lists_are_read_from_plain_data_by_kind() -> None:
    faults = parse_faults(
        [
            {"kind": "latency", "delay_ms": 200, "jitter_ms": 50},
            {"kind": "errors", "status": 502, "rate": 0.1, "body": "down"},
            {"kind": "reset", "rate": 0.05},
            {"kind": "blackhole", "rate": 0.01},
            {"kind": "bandwidth", "bytes_per_second": 100_000},
        ]
    )

    assert faults == [
        Latency(delay_ms=200, jitter_ms=50),
        Errors(status=502, rate=0.1, body="down"),
        Reset(rate=0.05),
        Blackhole(rate=0.01),
        Bandwidth(bytes_per_second=100_000),
    ]


@pytest.mark.parametrize(
    ("data", "complaint"),
    [
        ({"kind": "errors", "status": 404}, "greater than or equal to 500"),
        ({"kind": "errors", "status": 600}, "less than or equal to 599"),
        ({"kind": "errors", "rate": 1.5}, "less than or equal to 1"),
        ({"kind": "reset", "rate": -0.1}, "greater than or equal to 0"),
        ({"kind": "latency", "delay_ms": 100, "jitter_ms": 150}, "must not exceed delay_ms"),
        ({"kind": "latency", "delay_ms": -1}, "greater than or equal to 0"),
        ({"kind": "latency", "delay_ms": 100, "probability": 2}, "less than or equal to 1"),
        ({"kind": "bandwidth", "bytes_per_second": 0}, "greater than 0"),
        ({"kind": "latency", "delay_ms": 100, "delay": 5}, "Extra inputs are not permitted"),
        ({"kind": "packet-loss", "rate": 0.1}, "does not match any of the expected tags"),
    ],
)
def test_invalid_faults_are_refused_with_the_reason(data: dict[str, Any], complaint: str) -> None:
    with pytest.raises(ValidationError, match=complaint):
        parse_faults([data])


def test_no_faults_means_every_request_passes_at_once() -> None:
    assert decide(random.Random(1), []) == PASS


@pytest.mark.parametrize(
    ("fault", "action"),
    [
        (Errors(status=500, rate=1.0), "error"),
        (Reset(rate=1.0), "reset"),
        (Blackhole(rate=1.0), "blackhole"),
        (Errors(rate=0.0), "pass"),
        (Reset(rate=0.0), "pass"),
        (Blackhole(rate=0.0), "pass"),
        (Bandwidth(bytes_per_second=10), "pass"),
    ],
)
def test_a_rate_of_one_always_fires_and_zero_never(fault: Any, action: str) -> None:
    rng = random.Random(3)

    assert {decide(rng, [fault]).action for _ in range(500)} == {action}


@pytest.mark.parametrize("rate", [0.05, 0.3, 0.5, 0.9])
def test_errors_fire_at_the_asked_rate(rate: float) -> None:
    rng = random.Random(11)

    fired = sum(decide(rng, [Errors(rate=rate)]).action == "error" for _ in range(10_000))

    assert abs(fired / 10_000 - rate) < 0.02


def test_an_injected_error_carries_its_status_and_body() -> None:
    decision = decide(random.Random(1), [Errors(status=504, body="slow")])

    assert (decision.action, decision.status, decision.body) == ("error", 504, "slow")
    assert decision.fired == ("errors",)


def test_the_harshest_outcome_wins_when_several_fire() -> None:
    faults = [Errors(), Reset(), Blackhole()]

    assert decide(random.Random(1), faults).action == "blackhole"
    assert decide(random.Random(1), faults[:2]).action == "reset"


def test_latencies_add_up_and_apply_before_an_error() -> None:
    faults = [Latency(delay_ms=100), Latency(delay_ms=50), Errors()]

    decision = decide(random.Random(1), faults)

    assert decision.action == "error"
    assert decision.delay_s == pytest.approx(0.150)
    assert decision.fired == ("latency", "latency", "errors")


def test_latency_fires_with_its_probability() -> None:
    rng = random.Random(5)

    delayed = sum(
        decide(rng, [Latency(delay_ms=10, probability=0.25)]).delay_s > 0 for _ in range(10_000)
    )

    assert abs(delayed / 10_000 - 0.25) < 0.02


@given(
    delay=st.floats(0, 5000),
    jitter_share=st.floats(0, 1),
    seed=st.integers(0, 2**32),
)
def test_delay_stays_within_the_jitter_band(delay: float, jitter_share: float, seed: int) -> None:
    fault = Latency(delay_ms=delay, jitter_ms=delay * jitter_share)

    delay_s = decide(random.Random(seed), [fault]).delay_s

    assert (
        (delay - fault.jitter_ms) / 1000 - 1e-9
        <= delay_s
        <= (delay + fault.jitter_ms) / 1000 + 1e-9
    )


def test_jitter_spreads_delays_evenly_around_the_asked_delay() -> None:
    rng = random.Random(9)
    delays = sorted(decide(rng, [Latency(delay_ms=200, jitter_ms=50)]).delay_s for _ in range(4000))

    assert delays[0] >= 0.150 and delays[-1] <= 0.250
    assert delays[2000] == pytest.approx(0.200, abs=0.005)


def test_a_seed_gives_the_same_decisions() -> None:
    faults = [Latency(delay_ms=100, jitter_ms=20), Errors(rate=0.5), Reset(rate=0.1)]
    first, again = random.Random(42), random.Random(42)

    assert [decide(first, faults) for _ in range(50)] == [decide(again, faults) for _ in range(50)]


def test_errors_do_not_apply_to_a_raw_tcp_stream() -> None:
    decision = decide(random.Random(1), [Errors(), Latency(delay_ms=10)], http=False)

    assert decision.action == "pass"
    assert decision.fired == ("latency",)


def test_the_tightest_bandwidth_limit_applies() -> None:
    faults = [
        Bandwidth(bytes_per_second=5000),
        Latency(delay_ms=1),
        Bandwidth(bytes_per_second=800),
    ]

    assert bandwidth_limit(faults) == 800
    assert bandwidth_limit([Latency(delay_ms=1)]) is None


def test_an_error_response_is_a_complete_http_1_1_message_that_closes() -> None:
    raw = error_response(503)

    head, _, body = raw.partition(b"\r\n\r\n")
    lines = head.decode().split("\r\n")
    assert lines[0] == "HTTP/1.1 503 Service Unavailable"
    assert "Connection: close" in lines
    assert f"Content-Length: {len(body)}" in lines
    assert body.startswith(b"503 Service Unavailable")


def test_an_unnamed_5xx_status_still_gets_a_reason_phrase() -> None:
    assert error_response(599, "x").startswith(b"HTTP/1.1 599 Server Error\r\n")
