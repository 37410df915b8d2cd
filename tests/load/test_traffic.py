"""Traffic profiles derived from access logs: parsing, identifiers taken out, mix and rate."""

from __future__ import annotations

import contextlib
import gzip
import json
import re
from dataclasses import asdict
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from actions.errors import UsageError
from actions.testing.access_log import AccessRecord, LineError, parse_line
from actions.testing.identifiers import classify, normalise_path, round_out
from actions.testing.profile import parse_profile
from actions.testing.traffic import (
    DeriveOptions,
    TrafficLogError,
    derive,
    derive_profile,
    profile_yaml,
)

PLUS_ONE = timezone(timedelta(hours=1))
EMAILS = ("jane.doe@example.com", "max+shop@corp.example.org")
UUIDS = ("3f2504e0-4f89-41d3-9a0c-0305e82c3301", "6ba7b810-9dad-11d1-80b4-00c04fd430c8")
USER_IDS = ("48213", "77120", "51234")
TOKENS = ("Zx81kQ9pLmN3vB7cT2yR", "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiI0ODIxMyJ9.c2lnbmF0dXJl")
HASH = "9f86d081884c7d659a2feaa0c55ad015"
INVOICE = "INV-2024-00042"
SECRETS = (*EMAILS, *UUIDS, *USER_IDS, *TOKENS, HASH, INVOICE)


def clf(when: str, request: str, status: int = 200, size: int = 512) -> str:
    return f'10.0.0.7 - - [{when} +0100] "{request}" {status} {size} "-" "Mozilla/5.0"\n'


def planted_log() -> list[str]:
    """An hour of a shop at 14h (+0100) and a quieter start of 15h, with identifiers planted."""
    lines = []
    for i in range(360):  # 14:00:00 .. 14:59:50, one request every 10 s: 0.1 req/s
        when = f"05/Mar/2025:14:{i // 6:02d}:{i % 6 * 10:02d}"
        user, token, category = USER_IDS[i % 3], TOKENS[i // 4 % 2], ("kitchen", "toys")[i // 4 % 2]
        if i % 4 == 0:
            request = f"GET /api/users/{user}/orders?page={i % 5 + 1}&token={token} HTTP/1.1"
        elif i % 4 == 1:
            request = f"GET /api/products/{i // 4 % 52 + 1} HTTP/1.1"
        elif i % 4 == 2:
            request = f"GET /api/products?category={category}&ref={TOKENS[1]} HTTP/1.1"
        else:
            request = "POST /api/orders HTTP/1.1"
        lines.append(clf(when, request, 201 if "POST" in request else 200, 100 + i))
    for i in range(12):  # 15:00 .. 15:11: 12 requests over 11 minutes
        when = f"05/Mar/2025:15:{i:02d}:00"
        lines.append(clf(when, f"GET /users/{EMAILS[i % 2]}/profile HTTP/1.1"))
    lines += [
        clf("05/Mar/2025:15:11:30", f"GET /sessions/{UUIDS[0]} HTTP/1.1", 404),
        clf("05/Mar/2025:15:11:40", f"GET /sessions/{UUIDS[1]} HTTP/1.1"),
        clf("05/Mar/2025:15:11:50", f"GET /files/{HASH}/raw HTTP/1.1"),
        clf("05/Mar/2025:15:11:55", f"GET /invoices/{INVOICE} HTTP/1.1", 500),
        '{"ts": "2025-03-05T14:00:05Z", "msg": "started"}\n',
        "not a log line at all\n",
        '10.0.0.7 - - [05/Mar/2025:15:00:00 +0100] "-" 400 0\n',
        "\n",
    ]
    return lines


@pytest.fixture(scope="module")
def derived() -> tuple[str, object]:
    profile, stats = derive(planted_log(), DeriveOptions(query="replace"), source="access.log")
    return profile_yaml(profile, stats), stats


@pytest.mark.parametrize("query", ["drop", "replace"])
def test_no_identifier_reaches_the_derived_profile_or_its_figures(query: str) -> None:
    profile, stats = derive(planted_log(), DeriveOptions(query=query))  # type: ignore[arg-type]
    written = profile_yaml(profile, stats) + repr(asdict(stats))

    leaked = [secret for secret in SECRETS if secret in written]
    assert leaked == []


def test_the_derived_profile_is_valid_for_the_harness(derived: tuple[str, object]) -> None:
    profile = parse_profile(yaml.safe_load(derived[0]))

    assert profile.think_time.throughput is not None
    assert {(e.method, e.path) for e in profile.endpoints} == {
        ("GET", "/api/users/{id}/orders"),
        ("GET", "/api/products/{id}"),
        ("GET", "/api/products"),
        ("POST", "/api/orders"),
        ("GET", "/users/{email}/profile"),
        ("GET", "/sessions/{uuid}"),
        ("GET", "/files/{hash}/raw"),
        ("GET", "/invoices/{key}"),
    }


def test_weights_are_the_request_counts() -> None:
    profile, _ = derive(planted_log())

    weights = {e.stats_name: e.weight for e in profile.endpoints}
    assert weights["/api/products/[id]"] == 90
    assert weights["/users/[email]/profile"] == 12
    assert [e.weight for e in profile.endpoints] == sorted(weights.values(), reverse=True)


def test_ids_are_drawn_from_the_observed_range_rounded_outward() -> None:
    profile, _ = derive(planted_log())
    by_path = {e.path: e for e in profile.endpoints}

    assert by_path["/api/products/{id}"].vars == {"id": "{int:1:52}"}
    assert by_path["/api/users/{id}/orders"].vars == {"id": "{int:48000:78000}"}
    assert by_path["/users/{email}/profile"].vars == {"email": "user{seq}@example.test"}
    assert by_path["/files/{hash}/raw"].vars == {"hash": "{hex:32}"}


def test_query_strings_are_dropped_by_default() -> None:
    profile, _ = derive(planted_log())

    assert all(e.params == {} for e in profile.endpoints)


def test_kept_query_values_are_replaced_and_sensitive_keys_dropped() -> None:
    profile, _ = derive(planted_log(), DeriveOptions(query="replace"))
    by_path = {e.path: e for e in profile.endpoints}

    assert by_path["/api/users/{id}/orders"].params == {"page": "{int:1:5}"}
    assert by_path["/api/products"].params == {
        "category": "{choice:kitchen,toys}",
        "ref": f"{{hex:{len(TOKENS[1])}}}",
    }


def test_expected_statuses_are_productions_usual_answers_but_never_a_5xx() -> None:
    profile, _ = derive(planted_log())
    by_path = {e.path: e for e in profile.endpoints}

    assert by_path["/api/orders"].expect == [201]
    assert by_path["/sessions/{uuid}"].expect == [200, 404]
    assert by_path["/invoices/{key}"].expect is None


def test_malformed_lines_are_counted_by_reason_and_line_number() -> None:
    _, stats = derive(planted_log())

    assert stats.malformed == 3
    assert stats.malformed_reasons == {
        "no request method and path": 1,
        "neither common/combined log format nor JSON": 1,
        "the request is not 'METHOD /path HTTP/x'": 1,
    }
    assert stats.malformed_lines == [377, 378, 379]
    assert stats.requests == 376 and stats.lines == 380


def test_the_arrival_rate_is_measured_per_hour_of_day() -> None:
    _, stats = derive(planted_log(), DeriveOptions(users=4))

    # 14h: 360 requests over the hour's 3600 s; 15h: 16 requests over its first 715 s.
    assert stats.rate_by_hour == {14: 0.1, 15: pytest.approx(16 / 715, abs=1e-4)}
    assert (stats.peak_hour, stats.peak_rps, stats.target_rps) == (14, 0.1, 0.1)
    assert stats.first == datetime(2025, 3, 5, 14, 0, tzinfo=PLUS_ONE)


def test_the_users_share_the_target_rate() -> None:
    profile, stats = derive(planted_log(), DeriveOptions(users=4, scale=20.0))

    assert stats.target_rps == pytest.approx(2.0)
    assert profile.think_time.throughput == pytest.approx(0.5)
    assert (profile.users, profile.duration) == (4, "60s")


def test_the_mean_rate_can_be_the_target() -> None:
    _, stats = derive(planted_log(), DeriveOptions(rate="mean"))

    assert stats.target_rps == pytest.approx(376 / (71 * 60 + 55), abs=1e-4)


def test_a_day_can_be_replayed_as_stages() -> None:
    profile, _ = derive(planted_log(), DeriveOptions(users=10, day_in="4m"))

    assert len(profile.stages) == 24
    assert {s.duration for s in profile.stages} == {"10s"}
    assert [s.users for s in profile.stages][13:16] == [0, 10, 2]
    assert profile.duration_s == 240


def test_payload_sizes_are_given_as_percentiles() -> None:
    _, stats = derive(planted_log())
    orders = next(e for e in stats.endpoints if e.template == "/api/orders")

    # POST bodies of sizes 103, 107, ..., 459: 90 of them.
    assert (orders.bytes_p50, orders.bytes_p95, orders.bytes_max) == (279.0, 443.0, 459)
    assert orders.share_pct == pytest.approx(100 * 90 / 376, abs=0.01)


def test_rare_endpoints_beyond_the_limit_are_left_out_and_counted() -> None:
    profile, stats = derive(planted_log(), DeriveOptions(max_endpoints=4))

    assert len(profile.endpoints) == 4
    assert (stats.dropped_endpoints, stats.dropped_requests) == (4, 16)


@pytest.mark.parametrize(
    ("options", "problem"),
    [
        ({"users": 0}, "users must be at least 1"),
        ({"scale": 0}, "scale must be above 0"),
        ({"max_endpoints": 0}, "max_endpoints must be at least 1"),
        ({"day_in": "a day"}, "day_in: 'a day' is not a duration"),
        ({"duration": "0s"}, "duration must be above 0"),
        ({"query": "keep"}, "query is drop or replace"),
    ],
)
def test_derive_options_are_checked(options: dict[str, object], problem: str) -> None:
    with pytest.raises(UsageError, match=re.escape(problem)):
        DeriveOptions(**options)  # type: ignore[arg-type]


def test_a_log_without_times_gives_a_profile_without_a_rate() -> None:
    lines = ['{"method": "GET", "path": "/a"}', '{"method": "GET", "path": "/b/12"}']

    profile, stats = derive(lines)

    assert stats.target_rps is None and stats.rate_by_hour == {}
    assert profile.think_time.constant == 1.0
    assert profile.description and "no times in the log" in profile.description


def test_a_log_without_requests_is_an_error() -> None:
    with pytest.raises(TrafficLogError, match="no request found in 2 lines"):
        derive(["garbage\n", "more garbage\n"], source="x.log")


def test_a_gzipped_log_is_read(tmp_path: Path) -> None:
    path = tmp_path / "access.log.gz"
    with gzip.open(path, "wt") as log:
        log.writelines(planted_log())

    profile, stats = derive_profile(path)

    assert stats.requests == 376
    assert profile.description and "376 requests in access.log.gz" in profile.description


def test_an_unreadable_log_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(TrafficLogError, match="cannot read the access log"):
        derive_profile(tmp_path / "none.log")


@pytest.mark.parametrize(
    ("path", "template"),
    [
        ("/api/products/17", "/api/products/{id}"),
        ("/api/users/48213/orders/77120", "/api/users/{id}/orders/{id2}"),
        (f"/sessions/{UUIDS[0]}", "/sessions/{uuid}"),
        ("/users/jane.doe%40example.com", "/users/{email}"),
        (f"/files/{HASH}", "/files/{hash}"),
        (f"/reset/{TOKENS[0]}", "/reset/{token}"),
        (f"/invoices/{INVOICE}", "/invoices/{key}"),
        ("/api/v2/products/shoes", "/api/v2/products/shoes"),
        ("/odd/{braces}", "/odd/{{braces}}"),
        ("/", "/"),
    ],
)
def test_identifiers_in_a_path_become_placeholders(path: str, template: str) -> None:
    assert normalise_path(path).template == template


@pytest.mark.parametrize(
    ("value", "kind"),
    [
        ("42", "id"),
        (UUIDS[1], "uuid"),
        (EMAILS[1], "email"),
        (HASH.upper(), "hash"),
        (TOKENS[1], "token"),
        ("order-20250305", "key"),
        ("deadbeef", None),
        ("kitchen", None),
        ("v1", None),
    ],
)
def test_values_are_classified_by_their_shape(value: str, kind: str | None) -> None:
    assert classify(value) == kind


@pytest.mark.parametrize(
    ("low", "high", "rounded"),
    [(1, 52, (1, 52)), (48213, 77120, (48000, 78000)), (100, 999, (100, 1000)), (0, 7, (0, 7))],
)
def test_id_bounds_are_rounded_outward_to_two_significant_digits(
    low: int, high: int, rounded: tuple[int, int]
) -> None:
    assert round_out(low, high) == rounded


@pytest.mark.parametrize(
    ("line", "record"),
    [
        (
            '127.0.0.1 - frank [10/Oct/2000:13:55:36 -0700] "GET /a.gif?x=1 HTTP/1.0" 200 2326',
            AccessRecord(
                "GET",
                "/a.gif?x=1",
                200,
                2326,
                datetime(2000, 10, 10, 13, 55, 36, tzinfo=timezone(timedelta(hours=-7))),
            ),
        ),
        (
            '1.2.3.4 - - [10/Oct/2000:13:55:36 +0000] "POST /o HTTP/1.1" 201 - "-" "curl" 0.012',
            AccessRecord(
                "POST", "/o", 201, None, datetime(2000, 10, 10, 13, 55, 36, tzinfo=UTC), 12.0
            ),
        ),
        (
            '1.2.3.4 - - [10/Oct/2000:13:55:36 +0000] "GET http://shop.test/p?q=1 HTTP/1.1" 200 5',
            AccessRecord("GET", "/p?q=1", 200, 5, datetime(2000, 10, 10, 13, 55, 36, tzinfo=UTC)),
        ),
        (
            '{"ts": "2025-01-01T10:00:00Z", "method": "get", "path": "/a", "status": 200,'
            ' "duration_ms": 12.5}',
            AccessRecord("GET", "/a", 200, None, datetime(2025, 1, 1, 10, tzinfo=UTC), 12.5),
        ),
        (
            '{"request": {"method": "PUT", "uri": "/x"}, "status": 204, "size": 9,'
            ' "duration": 0.5, "ts": 1735725600000}',
            AccessRecord("PUT", "/x", 204, 9, datetime(2025, 1, 1, 10, tzinfo=UTC), 500.0),
        ),
        (
            '{"@timestamp": "2025-01-01T11:00:00+01:00", "http": {"request": {"method": "GET"},'
            ' "response": {"status_code": 200, "body": {"bytes": 7}}}, "url": {"path": "/e"}}',
            AccessRecord(
                "GET", "/e", 200, 7, datetime(2025, 1, 1, 11, tzinfo=timezone(timedelta(hours=1)))
            ),
        ),
        (
            '{"time_local": "05/Mar/2025:14:00:00 +0100", "request": "DELETE /c/1 HTTP/2.0",'
            ' "status": "404", "body_bytes_sent": "0", "request_time": "0.003"}',
            AccessRecord("DELETE", "/c/1", 404, 0, datetime(2025, 3, 5, 14, tzinfo=PLUS_ONE), 3.0),
        ),
    ],
)
def test_a_line_is_read_in_each_format(line: str, record: AccessRecord) -> None:
    assert parse_line(line) == record


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ("", "neither common/combined log format nor JSON"),
        ("{not json", "not valid JSON"),
        ("[1, 2]", "neither common/combined log format nor JSON"),
        ('{"msg": "started"}', "no request method and path"),
        ('{"method": "BREW", "path": "/pot"}', "not an HTTP method"),
        ('{"method": "GET", "path": "pot"}', "the request target is not a path"),
        ('{"method": "GET", "path": "/", "status": "ok"}', "the status is not a number"),
        ('{"method": "GET", "path": "/", "ts": "yesterday"}', "the time is neither"),
        ('1.2.3.4 - - [32/Oct/2000:13:55:36 +0000] "GET / HTTP/1.1" 200 1', "not a real date"),
        ('1.2.3.4 - - [10/Foo/2000:13:55:36 +0000] "GET / HTTP/1.1" 200 1', "the time is not"),
    ],
)
def test_a_line_that_is_not_a_request_says_why(line: str, reason: str) -> None:
    with pytest.raises(LineError, match=reason):
        parse_line(line)


@given(st.text())
def test_any_text_is_a_record_or_a_line_error(text: str) -> None:
    with contextlib.suppress(LineError):
        parse_line(text)


JSON_VALUES = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=30)
ALIASES = ["method", "path", "request", "status", "bytes", "ts", "time", "duration_ms",
           "request_time", "event.duration", "url", "size"]  # fmt: skip


@given(st.dictionaries(st.sampled_from(ALIASES), JSON_VALUES | st.sampled_from(["GET", "/a"])))
def test_any_json_object_is_a_record_or_a_line_error(fields: dict[str, object]) -> None:
    with contextlib.suppress(LineError):
        parse_line(json.dumps(fields))


@given(st.lists(st.sampled_from([*SECRETS, "api", "v1", "orders", "x"]), max_size=6))
def test_a_normalised_path_never_holds_an_identifier(segments: list[str]) -> None:
    template = normalise_path("/" + "/".join(segments)).template

    assert not any(secret in template for secret in SECRETS)
