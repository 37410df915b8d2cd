"""The Loki client against a fake Loki over real HTTP."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from actions.errors import BackendUnavailable, PreprodError
from actions.telemetry.http import QueryRejected
from actions.telemetry.loki import LokiClient, LokiConfig, build_query, to_ns
from tests.fakes.loki_api import FakeLoki, LogQuery, Matcher, parse_logql

T0 = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
SHOP = {"app": "shop", "namespace": "qa", "pod": "shop-a"}
SHOP_B = {"app": "shop", "namespace": "qa", "pod": "shop-b"}


def at(seconds: float) -> int:
    return to_ns(T0 + timedelta(seconds=seconds))


def client(fake: FakeLoki, **config: object) -> LokiClient:
    return LokiClient(LokiConfig.model_validate({"url": fake.url, "timeout": "2s", **config}))


def test_logs_for_queries_the_service_selector_over_the_window_in_nanoseconds(
    loki: FakeLoki,
) -> None:
    with client(loki) as lokic:
        lokic.logs_for("shop", "qa", T0, T0 + timedelta(minutes=5))
    (request,) = loki.queries()
    assert request.params == {
        "query": '{app="shop", namespace="qa"}',
        "start": "1740830400000000000",
        "end": "1740830700000000000",
        "limit": "1000",
        "direction": "forward",
    }


def test_lines_of_all_streams_are_merged_in_time_order(loki: FakeLoki) -> None:
    loki.push(SHOP, [(at(1), "a1"), (at(3), "a3")])
    loki.push(SHOP_B, [(at(2), "b2"), (at(4), "b4")])
    with client(loki) as lokic:
        lines = lokic.logs_for("shop", "qa", T0, T0 + timedelta(minutes=1))
    assert [line.line for line in lines] == ["a1", "b2", "a3", "b4"]
    assert lines[1].labels == SHOP_B
    assert lines[0].timestamp == T0 + timedelta(seconds=1)


def test_backward_direction_gives_newest_first(loki: FakeLoki) -> None:
    loki.push(SHOP, [(at(1), "a1"), (at(3), "a3")])
    loki.push(SHOP_B, [(at(2), "b2")])
    with client(loki) as lokic:
        lines = lokic.logs_for("shop", "qa", T0, T0 + timedelta(minutes=1), direction="backward")
    assert [line.line for line in lines] == ["a3", "b2", "a1"]


def test_only_lines_inside_the_window_come_back(loki: FakeLoki) -> None:
    loki.push(SHOP, [(at(-1), "before"), (at(0), "first"), (at(59), "last"), (at(60), "after")])
    with client(loki) as lokic:
        lines = lokic.logs_for("shop", "qa", T0, T0 + timedelta(minutes=1))
    assert [line.line for line in lines] == ["first", "last"]


def test_other_services_and_namespaces_are_not_included(loki: FakeLoki) -> None:
    loki.push(SHOP, [(at(1), "shop")])
    loki.push({"app": "cart", "namespace": "qa"}, [(at(1), "cart")])
    loki.push({"app": "shop", "namespace": "prod"}, [(at(1), "prod")])
    with client(loki) as lokic:
        lines = lokic.logs_for("shop", "qa", T0, T0 + timedelta(minutes=1))
    assert [line.line for line in lines] == ["shop"]


def test_contains_keeps_only_lines_with_that_text_even_with_quotes(loki: FakeLoki) -> None:
    loki.push(SHOP, [(at(1), 'user said "no"'), (at(2), "user said yes"), (at(3), "error")])
    with client(loki) as lokic:
        lines = lokic.logs_for("shop", "qa", T0, T0 + timedelta(minutes=1), contains='said "no"')
    assert [line.line for line in lines] == ['user said "no"']
    assert loki.queries()[0].params["query"].endswith(r' |= "said \"no\""')


def test_limit_keeps_the_first_lines_across_streams(loki: FakeLoki) -> None:
    loki.push(SHOP, [(at(s), f"a{s}") for s in range(0, 10, 2)])
    loki.push(SHOP_B, [(at(s), f"b{s}") for s in range(1, 10, 2)])
    with client(loki) as lokic:
        lines = lokic.logs_for("shop", "qa", T0, T0 + timedelta(minutes=1), limit=3)
    assert [line.line for line in lines] == ["a0", "b1", "a2"]
    assert loki.queries()[0].params["limit"] == "3"


def test_line_filters_of_a_raw_query_are_applied(loki: FakeLoki) -> None:
    loki.push(
        SHOP, [(at(1), "GET /health 200"), (at(2), "GET /cart 500"), (at(3), "POST /pay 500")]
    )
    with client(loki) as lokic:
        lines = lokic.query_range(
            '{app=~"shop|cart"} |= "500" != "POST"', T0, T0 + timedelta(minutes=1)
        )
    assert [line.line for line in lines] == ["GET /cart 500"]


def test_tenant_is_sent_as_x_scope_orgid_and_selects_its_streams() -> None:
    with FakeLoki(multi_tenant=True) as fake:
        fake.push(SHOP, [(at(1), "team a")], tenant="team-a")
        fake.push(SHOP, [(at(1), "team b")], tenant="team-b")
        with client(fake, tenant="team-a") as lokic:
            lines = lokic.logs_for("shop", "qa", T0, T0 + timedelta(minutes=1))
    assert [line.line for line in lines] == ["team a"]
    assert fake.queries()[0].headers["x-scope-orgid"] == "team-a"


def test_a_missing_tenant_is_a_plain_error_without_retry() -> None:
    with FakeLoki(multi_tenant=True) as fake, client(fake) as lokic:
        with pytest.raises(QueryRejected, match=r"HTTP 401.*no org id"):
            lokic.logs_for("shop", "qa", T0, T0 + timedelta(minutes=1))
        assert len(fake.requests) == 1


def test_credentials_come_from_the_auth_given_to_the_client(loki: FakeLoki) -> None:
    config = LokiConfig(url=loki.url)
    with LokiClient(config, auth=httpx.BasicAuth("qa", "s3cret")) as lokic:
        lokic.logs_for("shop", "qa", T0, T0 + timedelta(minutes=1))
    assert loki.queries()[0].headers["authorization"].startswith("Basic ")


def test_malformed_logql_is_a_plain_error_with_lokis_reason_and_no_retry(loki: FakeLoki) -> None:
    with client(loki) as lokic, pytest.raises(QueryRejected) as caught:
        lokic.query_range('{app="shop"', T0, T0 + timedelta(minutes=1))
    assert isinstance(caught.value, PreprodError)
    assert "Loki refused the request (HTTP 400): parse error at line 1" in str(caught.value)
    assert len(loki.requests) == 1


def test_an_over_large_limit_is_refused_with_lokis_reason() -> None:
    limit_error = r"max entries limit per query exceeded.*60 > 50"
    with (
        FakeLoki(max_entries=50) as fake,
        client(fake) as lokic,
        pytest.raises(QueryRejected, match=limit_error),
    ):
        lokic.logs_for("shop", "qa", T0, T0 + timedelta(minutes=1), limit=60)


def test_a_5xx_is_retried_three_times_then_the_backend_is_unavailable(loki: FakeLoki) -> None:
    loki.fail(503, times=3)
    with client(loki) as lokic, pytest.raises(BackendUnavailable, match="HTTP 503"):
        lokic.logs_for("shop", "qa", T0, T0 + timedelta(minutes=1))
    assert [r.status for r in loki.requests] == [503, 503, 503]


def test_a_passing_5xx_is_retried_and_the_answer_used(loki: FakeLoki) -> None:
    loki.push(SHOP, [(at(1), "ok")])
    loki.fail(502, times=1)
    with client(loki) as lokic:
        lines = lokic.logs_for("shop", "qa", T0, T0 + timedelta(minutes=1))
    assert [line.line for line in lines] == ["ok"]
    assert [r.status for r in loki.requests] == [502, 200]


def test_a_loki_that_is_down_is_backend_unavailable_within_bounded_time() -> None:
    fake = FakeLoki().start()
    fake.down()
    started = time.monotonic()
    with client(fake) as lokic, pytest.raises(BackendUnavailable) as caught:
        lokic.logs_for("shop", "qa", T0, T0 + timedelta(minutes=1))
    assert time.monotonic() - started < 3
    assert str(caught.value).startswith(f"Loki at {fake.url} did not answer:")
    assert "3 tries" in str(caught.value)


def test_a_slow_loki_times_out_after_bounded_retries(loki: FakeLoki) -> None:
    loki.delay = 2.0
    started = time.monotonic()
    with (
        client(loki, timeout="200ms") as lokic,
        pytest.raises(BackendUnavailable, match=r"no answer within 0\.2s"),
    ):
        lokic.logs_for("shop", "qa", T0, T0 + timedelta(minutes=1))
    assert time.monotonic() - started < 3


def test_a_metric_query_gives_series_of_samples(loki: FakeLoki) -> None:
    loki.push(SHOP, [(at(5), "error a"), (at(15), "error b"), (at(16), "fine")])
    loki.push(SHOP_B, [(at(18), "error c")])
    query = 'sum by (app) (count_over_time({app="shop"} |= "error" [10s]))'
    with client(loki) as lokic:
        series = lokic.metric_range(query, T0, T0 + timedelta(seconds=20), timedelta(seconds=10))
    assert loki.queries()[0].params["step"] == "10"
    (only,) = series
    assert only.labels == {"app": "shop"}
    assert [(s.at, s.value) for s in only.samples] == [
        (T0 + timedelta(seconds=10), 1.0),
        (T0 + timedelta(seconds=20), 2.0),
    ]


def test_a_metric_query_asked_for_lines_is_a_plain_error(loki: FakeLoki) -> None:
    with client(loki) as lokic, pytest.raises(QueryRejected, match="use metric_range"):
        lokic.query_range('rate({app="shop"}[1m])', T0, T0 + timedelta(minutes=5))


def test_a_log_query_asked_for_samples_is_a_plain_error(loki: FakeLoki) -> None:
    with client(loki) as lokic, pytest.raises(QueryRejected, match="use query_range"):
        lokic.metric_range('{app="shop"}', T0, T0 + timedelta(minutes=5))


def test_naive_datetimes_are_refused_before_any_request(loki: FakeLoki) -> None:
    with client(loki) as lokic, pytest.raises(ValueError, match="timezone"):
        lokic.logs_for("shop", "qa", datetime(2025, 1, 1), datetime(2025, 1, 2))
    assert loki.requests == []


@pytest.mark.parametrize(
    ("template", "reason"),
    [
        ('{{app="{service}"}}', "single braces"),
        ('app="{service}"', "not a LogQL stream selector"),
        ('{app="{service}", env="{stage}"}', "unknown placeholder"),
    ],
)
def test_config_rejects_a_bad_selector_template(template: str, reason: str) -> None:
    with pytest.raises(ValidationError, match=reason):
        LokiConfig(url="http://loki", selector_template=template)


def test_config_rejects_unknown_fields_such_as_a_password() -> None:
    with pytest.raises(ValidationError, match="password"):
        LokiConfig.model_validate({"url": "http://loki", "password": "x"})


@given(service=st.text(max_size=20), namespace=st.text(max_size=20), contains=st.text(max_size=20))
def test_label_values_and_filter_text_cannot_break_out_of_the_query(
    service: str, namespace: str, contains: str
) -> None:
    query = build_query(
        '{app="{service}", namespace="{namespace}"}',
        service=service,
        namespace=namespace,
        contains=contains,
    )
    parsed = parse_logql(query) if service else None
    if parsed is None:
        return  # an empty app matcher selects nothing; Loki refuses such a query
    assert parsed == LogQuery(
        (Matcher("app", "=", service), Matcher("namespace", "=", namespace)),
        (("|=", contains),) if contains else (),
    )
