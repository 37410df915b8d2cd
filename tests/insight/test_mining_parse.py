"""Reading log lines: JSON, logfmt and plain text give time, level, service, message, exception
and endpoint; nothing raises on a malformed line."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from actions.insight.mining.parse import (
    endpoint,
    exception_type,
    normalise_level,
    parse_line,
    parse_time,
)

SHOP_ERROR = json.dumps(
    {
        "ts": "2024-05-01T12:00:00.123Z",
        "level": "ERROR",
        "service": "storefront",
        "version": "1.1",
        "msg": "request failed",
        "method": "GET",
        "path": "/api/products/12?currency=EUR",
        "status": 500,
        "error": "ConnectionRefusedError: [Errno 111] Connection refused",
        "exception": "ConnectionRefusedError",
        "traceback": "shoplib/client.py:30 in get",
    }
)


def test_a_shop_json_line_gives_every_field() -> None:
    record = parse_line(SHOP_ERROR)
    assert record.timestamp == datetime(2024, 5, 1, 12, 0, 0, 123000, tzinfo=UTC)
    assert record.level == "error"
    assert record.service == "storefront"
    assert record.message == "request failed"
    assert record.exception == "ConnectionRefusedError"
    assert record.endpoint == "GET /api/products/{id}"
    assert record.text == "request failed: ConnectionRefusedError: [Errno 111] Connection refused"
    assert record.failing


def test_json_exc_info_traceback_gives_its_last_line_type() -> None:
    trace = 'Traceback (most recent call last):\n  File "app.py", line 3\nValueError: bad value'
    line = json.dumps(
        {
            "time": 1714564800123,
            "severity": 50,
            "logger": "orders",
            "message": "boom",
            "exc_info": trace,
        }
    )
    record = parse_line(line)
    assert record.exception == "ValueError"
    assert record.level == "critical"
    assert record.service == "orders"
    assert record.timestamp == datetime(2024, 5, 1, 12, 0, 0, 123000, tzinfo=UTC)
    assert record.text == "boom: ValueError: bad value"


def test_nested_json_fields_are_read() -> None:
    line = json.dumps(
        {
            "@timestamp": "2024-05-01T12:00:00+02:00",
            "log": {"level": "warn"},
            "service": {"name": "catalog"},
            "message": "slow",
            "http": {"method": "post", "route": "/api/orders"},
        }
    )
    record = parse_line(line)
    assert (record.level, record.service, record.endpoint) == (
        "warning",
        "catalog",
        "POST /api/orders",
    )
    assert record.timestamp is not None and record.timestamp.utcoffset() is not None


def test_logfmt_line() -> None:
    record = parse_line(
        'ts=2024-05-01T12:00:00Z level=error service=catalog msg="db down" '
        'error="java.net.ConnectException: Connection refused" path=/api/products'
    )
    assert record.message == "db down"
    assert record.level == "error"
    assert record.service == "catalog"
    assert record.exception == "java.net.ConnectException"
    assert record.endpoint == "/api/products"


@pytest.mark.parametrize(
    ("line", "level", "service", "message"),
    [
        ("2024-05-01 12:00:01,250 ERROR [catalog] db down", "error", "catalog", "db down"),
        ("2024-05-01T12:00:01Z WARN disk at 91%", "warning", None, "disk at 91%"),
        (
            "2015-10-18 18:01:47,978 INFO [main] org.apache.hadoop.App: Created App",
            "info",
            "org.apache.hadoop.App",
            "Created App",
        ),
        ("ERROR:root:something bad", "error", "root", "something bad"),
        ("[WARNING] disk full", "warning", None, "disk full"),
        ("error reading the file", None, None, "error reading the file"),
        ("just a message", None, None, "just a message"),
    ],
)
def test_plain_text_leading_time_and_level(
    line: str, level: str | None, service: str | None, message: str
) -> None:
    record = parse_line(line)
    assert (record.level, record.service, record.message) == (level, service, message)


def test_plain_text_time_is_read() -> None:
    record = parse_line("2015-10-18 18:01:47,978 INFO started")
    assert record.timestamp == datetime(2015, 10, 18, 18, 1, 47, 978000, tzinfo=UTC)


def test_a_syslog_header_gives_the_program_as_service() -> None:
    record = parse_line("Dec 10 07:07:45 LabSZ sshd[24206]: Invalid user admin from 1.2.3.4")
    assert (record.service, record.message) == ("sshd", "Invalid user admin from 1.2.3.4")
    assert record.timestamp is None  # no year: not guessed
    failed = parse_line("Dec 10 07:07:46 LabSZ sshd[24206]: error: Received disconnect from x")
    assert (failed.level, failed.service, failed.message) == (
        "error",
        "sshd",
        "Received disconnect from x",
    )


def test_java_exception_in_plain_text() -> None:
    record = parse_line("2024-05-01 12:00:01 ERROR Caused by: java.net.ConnectException: refused")
    assert record.exception == "java.net.ConnectException"
    assert record.failing


def test_an_exception_named_at_info_level_is_not_a_failure() -> None:
    assert not parse_line("2024-05-01 12:00:01 INFO retrying after TimeoutError").failing
    assert parse_line("retrying after TimeoutError").failing


def test_a_default_service_names_lines_that_name_none() -> None:
    assert parse_line("2024-05-01 12:00:01 INFO up", service="catalog").service == "catalog"
    assert parse_line(SHOP_ERROR, service="catalog").service == "storefront"


def test_malformed_json_is_plain_text() -> None:
    record = parse_line('{"level": "ERROR", "msg": ')
    assert record.message == '{"level": "ERROR", "msg":'
    assert record.level is None


def test_endpoint_in_a_plain_message() -> None:
    assert parse_line("slow: GET /api/users/4821/orders took 900 ms").endpoint == (
        "GET /api/users/{id}/orders"
    )


@pytest.mark.parametrize(
    ("value", "level"),
    [
        ("WARN", "warning"),
        ("Fatal", "critical"),
        ("notice", "info"),
        (40, "error"),
        (10, "debug"),
        (-1, "debug"),
        (60, "critical"),
    ],
)
def test_levels_are_normalised(value: object, level: str) -> None:
    assert normalise_level(value) == level


def test_unknown_levels_and_times_are_none() -> None:
    assert normalise_level("chatty") is None
    assert parse_time("yesterday") is None
    assert endpoint("GET", "orders") is None


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("Traceback (most recent call last):\n  File x\nKeyError: 'sku'", "KeyError"),
        ("java.net.SocketTimeoutException: Read timed out", "java.net.SocketTimeoutException"),
        ("TimeoutError", "TimeoutError"),
        ("the catalog is unavailable", None),
    ],
)
def test_exception_types(text: str, found: str | None) -> None:
    assert exception_type(text) == found


@given(st.text(max_size=200))
def test_any_line_parses(line: str) -> None:
    record = parse_line(line)
    assert isinstance(record.text, str)
