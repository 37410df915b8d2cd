"""Loki, Tempo and Prometheus clients built from credential variables, against fakes over HTTP."""

from __future__ import annotations

import base64
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from actions.errors import ConfigError
from actions.telemetry.credentials import (
    PREPROD_LOKI_PASSWORD,
    PREPROD_LOKI_TOKEN,
    PREPROD_LOKI_USER,
    PREPROD_PROMETHEUS_TOKEN,
    PREPROD_PROMETHEUS_USER,
    PREPROD_TEMPO_TOKEN,
    read_credentials,
)
from actions.telemetry.http import QueryRejected
from actions.telemetry.loki import LokiClient, LokiConfig, to_ns
from actions.telemetry.prometheus import Prometheus, QueryError
from actions.telemetry.settings import PrometheusConfig
from actions.telemetry.tempo import TempoClient, TempoConfig
from tests.fakes.loki_api import Answer, FakeBackend, FakeLoki
from tests.fakes.tempo_api import FakeTempo, SpanSpec, otlp_trace

T0 = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
SHOP = {"app": "shop", "namespace": "qa"}
TRACE = "0af7651916cd43dd8448eb211c80319c"
TOKEN = "t0k3n-very-secret"
USER, PASSWORD = "qa-bot", "pa55-very-secret"
BASIC = "Basic " + base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()


def loki_config(fake: FakeLoki) -> LokiConfig:
    return LokiConfig(url=fake.url, timeout="2s")


def tempo_config(fake: FakeTempo) -> TempoConfig:
    return TempoConfig(url=fake.url, timeout="2s")


def logs(lokic: LokiClient) -> list[str]:
    with lokic:
        return [line.line for line in lokic.logs_for("shop", "qa", T0, T0 + timedelta(minutes=1))]


@pytest.fixture
def guarded_loki() -> Iterator[FakeLoki]:
    with FakeLoki(authorization=f"Bearer {TOKEN}") as fake:
        fake.push(SHOP, [(to_ns(T0 + timedelta(seconds=1)), "hello")])
        yield fake


def test_loki_from_env_sends_the_bearer_token(guarded_loki: FakeLoki) -> None:
    lokic = LokiClient.from_env(loki_config(guarded_loki), {PREPROD_LOKI_TOKEN: TOKEN})
    assert logs(lokic) == ["hello"]


def test_loki_from_env_reads_the_process_environment_by_default(
    guarded_loki: FakeLoki, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(PREPROD_LOKI_TOKEN, TOKEN)
    assert logs(LokiClient.from_env(loki_config(guarded_loki))) == ["hello"]


def test_loki_from_env_sends_basic_auth() -> None:
    with FakeLoki(authorization=BASIC) as fake:
        fake.push(SHOP, [(to_ns(T0 + timedelta(seconds=1)), "hello")])
        environ = {PREPROD_LOKI_USER: USER, PREPROD_LOKI_PASSWORD: PASSWORD}
        assert logs(LokiClient.from_env(loki_config(fake), environ)) == ["hello"]


def test_loki_without_credentials_is_a_plain_401_naming_the_variables(
    guarded_loki: FakeLoki,
) -> None:
    with pytest.raises(QueryRejected) as caught:
        logs(LokiClient.from_env(loki_config(guarded_loki), {}))
    assert caught.value.status == 401
    assert str(caught.value) == (
        "Loki refused the request (HTTP 401): unauthorized (credentials are read from "
        "PREPROD_LOKI_TOKEN, or PREPROD_LOKI_USER and PREPROD_LOKI_PASSWORD)"
    )
    assert len(guarded_loki.requests) == 1  # a refusal is not retried


def test_a_wrong_token_is_refused_without_showing_it(guarded_loki: FakeLoki) -> None:
    wrong = "wrong-t0k3n"
    with pytest.raises(QueryRejected, match="HTTP 401") as caught:
        logs(LokiClient.from_env(loki_config(guarded_loki), {PREPROD_LOKI_TOKEN: wrong}))
    assert wrong not in str(caught.value)


def test_loki_from_env_refuses_half_set_credentials_before_any_request(
    guarded_loki: FakeLoki,
) -> None:
    with pytest.raises(ConfigError, match="PREPROD_LOKI_USER is set but"):
        LokiClient.from_env(loki_config(guarded_loki), {PREPROD_LOKI_USER: USER})
    assert guarded_loki.requests == []


@pytest.fixture
def guarded_tempo() -> Iterator[FakeTempo]:
    with FakeTempo(authorization=f"Bearer {TOKEN}") as fake:
        fake.add(TRACE, otlp_trace(TRACE, [SpanSpec("a000000000000001", "gateway", "GET /", 0, 5)]))
        yield fake


def test_tempo_from_env_sends_the_bearer_token(guarded_tempo: FakeTempo) -> None:
    with TempoClient.from_env(tempo_config(guarded_tempo), {PREPROD_TEMPO_TOKEN: TOKEN}) as tempo:
        assert tempo.trace(TRACE).root_service == "gateway"
    assert guarded_tempo.requests[0].headers["authorization"] == f"Bearer {TOKEN}"


def test_tempo_without_credentials_is_a_plain_401_not_a_missing_trace(
    guarded_tempo: FakeTempo,
) -> None:
    with (
        TempoClient.from_env(tempo_config(guarded_tempo), {}) as tempo,
        pytest.raises(QueryRejected) as caught,
    ):
        tempo.trace(TRACE)
    assert type(caught.value) is QueryRejected
    assert str(caught.value) == (
        "Tempo refused the request (HTTP 401): unauthorized (credentials are read from "
        "PREPROD_TEMPO_TOKEN, or PREPROD_TEMPO_USER and PREPROD_TEMPO_PASSWORD)"
    )


class FakePrometheusQuery(FakeBackend):
    """Prometheus's instant query API answering `1` for any query: enough to see the headers."""

    def answer(self, path: str, params: dict[str, str], tenant: str) -> Answer:
        if path != "/api/v1/query":
            return 404, "404 page not found\n"
        value = [time.time(), "1"]
        return 200, {
            "status": "success",
            "data": {"resultType": "vector", "result": [{"metric": {}, "value": value}]},
        }


@pytest.fixture
def guarded_prometheus() -> Iterator[FakePrometheusQuery]:
    with FakePrometheusQuery(authorization=f"Bearer {TOKEN}") as fake:
        yield fake


def test_prometheus_sends_a_bearer_token_from_the_environment(
    guarded_prometheus: FakePrometheusQuery, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(PREPROD_PROMETHEUS_TOKEN, TOKEN)
    prometheus = Prometheus(PrometheusConfig(url=guarded_prometheus.url, timeout="2s"))
    assert prometheus.instant("up") == 1.0
    assert guarded_prometheus.requests[0].headers["authorization"] == f"Bearer {TOKEN}"


def test_prometheus_takes_explicit_credentials_over_the_environment(
    guarded_prometheus: FakePrometheusQuery, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(PREPROD_PROMETHEUS_TOKEN, "not-this-one")
    credentials = read_credentials("prometheus", {PREPROD_PROMETHEUS_TOKEN: TOKEN})
    config = PrometheusConfig(url=guarded_prometheus.url, timeout="2s")
    assert Prometheus(config, credentials=credentials).instant("up") == 1.0


def test_prometheus_with_a_wrong_token_names_where_it_came_from(
    guarded_prometheus: FakePrometheusQuery,
) -> None:
    credentials = read_credentials("prometheus", {PREPROD_PROMETHEUS_TOKEN: "wrong"})
    config = PrometheusConfig(url=guarded_prometheus.url, timeout="2s")
    with pytest.raises(QueryError) as caught:
        Prometheus(config, credentials=credentials).instant("up")
    assert str(caught.value) == (
        f"Prometheus at {guarded_prometheus.url} refused the credentials from "
        "PREPROD_PROMETHEUS_TOKEN (HTTP 401 unauthorized)"
    )
    assert len(guarded_prometheus.requests) == 1


def test_prometheus_refuses_half_set_credentials_when_built(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(PREPROD_PROMETHEUS_USER, USER)
    with pytest.raises(ConfigError, match="PREPROD_PROMETHEUS_PASSWORD is not"):
        Prometheus(PrometheusConfig(url="http://127.0.0.1:9"))
