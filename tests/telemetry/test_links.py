"""Grafana deep links filled from URL templates."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from pydantic import ValidationError

from actions.telemetry.links import GrafanaLinks, dashboard_link, fill, logs_link, trace_link

T0 = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
T1 = T0 + timedelta(minutes=5)
LINKS = GrafanaLinks(
    explore_logs=(
        'https://grafana.example/explore?left={"datasource":"loki","queries":[{"expr":"{query}"}],'
        '"range":{"from":"{start_ms}","to":"{end_ms}"}}'
    ),
    explore_traces="https://grafana.example/explore?traceId={trace_id}&from={start_ms}",
    dashboard="https://grafana.example/d/svc?var-service={service}&var-ns={namespace}"
    "&from={start_ms}&to={end_ms}",
)


def test_a_dashboard_link_has_the_service_and_window_in_epoch_ms() -> None:
    url = dashboard_link(LINKS, service="shop", namespace="qa", start=T0, end=T1)
    assert url == (
        "https://grafana.example/d/svc?var-service=shop&var-ns=qa"
        "&from=1740830400000&to=1740830700000"
    )


def test_a_logql_query_is_percent_encoded_and_json_braces_are_kept() -> None:
    query = '{app="shop"} |= "a&b=c #1"'
    url = logs_link(LINKS, service="shop", namespace="qa", start=T0, end=T1, query=query)
    assert url is not None
    assert url.startswith('https://grafana.example/explore?left={"datasource":"loki"')
    assert "%7Bapp%3D%22shop%22%7D%20%7C%3D%20%22a%26b%3Dc%20%231%22" in url
    left = parse_qs(urlsplit(url).query)["left"][0]
    assert f'"expr":"{query}"' in left


def test_a_value_cannot_add_query_parameters() -> None:
    url = dashboard_link(LINKS, service="shop&var-ns=prod", namespace="qa", start=T0, end=T1)
    assert url is not None
    assert parse_qs(urlsplit(url).query)["var-service"] == ["shop&var-ns=prod"]
    assert parse_qs(urlsplit(url).query)["var-ns"] == ["qa"]


def test_a_trace_link_has_the_trace_id() -> None:
    url = trace_link(LINKS, trace_id="0af7651916cd43dd8448eb211c80319c", start=T0)
    assert url == (
        "https://grafana.example/explore?traceId=0af7651916cd43dd8448eb211c80319c&from=1740830400000"
    )


def test_a_link_that_is_not_configured_is_none() -> None:
    links = GrafanaLinks()
    assert logs_link(links, service="shop", namespace="qa", start=T0, end=T1) is None
    assert trace_link(links, trace_id="abc") is None
    assert dashboard_link(links, service="shop", namespace="qa", start=T0, end=T1) is None


def test_a_value_the_template_needs_but_is_not_known_is_an_error() -> None:
    with pytest.raises(ValueError, match=r"needs \{start_ms\}"):
        trace_link(LINKS, trace_id="abc")


def test_unknown_placeholders_are_refused_by_the_config() -> None:
    with pytest.raises(ValidationError, match="unknown placeholder"):
        GrafanaLinks(dashboard="https://grafana.example/d/x?var-env={environment}")


def test_unknown_fields_are_refused_by_the_config() -> None:
    with pytest.raises(ValidationError):
        GrafanaLinks.model_validate({"explore_logs": None, "api_key": "secret"})


@pytest.mark.parametrize(
    ("value", "encoded"),
    [("a b", "a%20b"), ("a/b", "a%2Fb"), ("ü", "%C3%BC"), ("x?y#z", "x%3Fy%23z")],
)
def test_values_are_percent_encoded(value: str, encoded: str) -> None:
    assert fill("https://g/?s={service}", {"service": value}) == f"https://g/?s={encoded}"
