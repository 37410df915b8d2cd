"""SLIs from a real Prometheus (Debian's package) scraping the example shop on loopback."""

from __future__ import annotations

import time
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from actions.config import SLO, GateConfig
from actions.environments.base import Release
from actions.environments.local import LocalEnvironment
from actions.errors import BackendUnavailable
from actions.report.gate import evaluate
from actions.result import Measurement, Result, Status
from actions.telemetry.analyze import RunTelemetry
from actions.telemetry.prometheus import Prometheus, QueryError, render
from actions.telemetry.settings import SLI, PrometheusConfig
from tests.conftest import example_settings
from tests.prometheus_server import free_port, wait
from tests.prometheus_server import prometheus as prometheus_server

pytestmark = pytest.mark.slow

P95 = SLI(
    name="p95_ms",
    query=(
        "histogram_quantile(0.95, sum by (le) (rate("
        'http_request_duration_seconds_bucket{job="{service}"}[{window}])))'
    ),
    unit="ms",
    scale=1000,
)
ERRORS = SLI(
    name="error_rate_pct",
    query=(
        '(sum(rate(http_requests_total{job="{service}", status=~"5.."}[{window}])) or vector(0))'
        ' * 100 / sum(rate(http_requests_total{job="{service}"}[{window}]))'
    ),
    unit="%",
)


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    tmp = tmp_path_factory.mktemp("shop")
    env = LocalEnvironment("local", example_settings(tmp))
    outcome = env.deploy(Release(app="shop", version="1.1"), lambda message: None)
    assert outcome.ok, outcome.details
    try:
        yield env.urls()
    finally:
        env.teardown()


@pytest.fixture(scope="module")
def prometheus(
    shop: dict[str, str], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Prometheus]:
    jobs = "\n".join(
        f"  - job_name: {name}\n    static_configs:\n      - targets: ['{url.split('//')[1]}']"
        for name, url in shop.items()
    )
    config = f"global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\nscrape_configs:\n{jobs}\n"
    with prometheus_server(config, tmp_path_factory.mktemp("prometheus")) as url:
        yield Prometheus(PrometheusConfig(url=url, timeout="5s"))


def _traffic(shop: dict[str, str], seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        for path in ("/api/products", "/api/products/3"):
            urllib.request.urlopen(shop["storefront"] + path, timeout=5).read()


def test_slis_are_queried_and_the_gate_scored(prometheus: Prometheus, shop: dict[str, str]) -> None:
    _traffic(shop, 6)
    p95 = wait(lambda: prometheus.sli(P95, service="storefront", window="30s"))
    errors = prometheus.sli(ERRORS, service="storefront", window="30s")
    assert 150 < p95 < 2000, p95  # 1.1's product page is slow (about 300 ms)
    assert errors == 0.0
    telemetry = Result(
        step="telemetry",
        status=Status.PASS,
        summary="SLIs from Prometheus",
        measurements=[
            Measurement(name="p95_ms", value=p95, unit="ms"),
            Measurement(name="error_rate_pct", value=errors, unit="%"),
        ],
    )
    slos = [
        SLO(name="p95", metric="telemetry.p95_ms", objective="< 200", key=True),
        SLO(name="errors", metric="telemetry.error_rate_pct", objective="<= 1%"),
    ]
    gate = evaluate([telemetry], slos, GateConfig())
    assert [o.status for o in gate.objectives] == ["fail", "pass"]
    assert gate.verdict == "no-go" and gate.score == 50.0


def test_a_range_query_gives_samples_over_the_window(
    prometheus: Prometheus, shop: dict[str, str]
) -> None:
    _traffic(shop, 3)
    end = datetime.now(UTC)
    start = datetime.fromtimestamp(end.timestamp() - 20, UTC)
    query = render(P95, service="storefront", window="30s")
    samples = prometheus.range(query, start, end, "1s")
    assert len(samples) >= 3
    assert all(s.value > 0 for s in samples)


def test_a_bad_query_is_a_plain_error(prometheus: Prometheus) -> None:
    with pytest.raises(QueryError, match="Prometheus refused the query"):
        prometheus.instant("sum(rate(http_requests_total[5m]")


def test_prometheus_down_is_a_bounded_plain_error() -> None:
    down = Prometheus(PrometheusConfig(url=f"http://127.0.0.1:{free_port()}", timeout="1s"))
    started = time.monotonic()
    with pytest.raises(BackendUnavailable, match=r"did not answer \(ConnectionError, 3 tries\)"):
        down.instant("up")
    assert time.monotonic() - started < 5


def test_label_values_cannot_inject_promql() -> None:
    with pytest.raises(QueryError, match="cannot be used in a PromQL label matcher"):
        render(P95, service='x"} or vector(1) or {a="')


class _Deployed:
    """The shop as an environment sees it: its service URLs (and a kind without a recorder)."""

    name, kind = "staging", "kubernetes"

    def __init__(self, urls: dict[str, str]) -> None:
        self._urls = urls

    def urls(self) -> dict[str, str]:
        return self._urls


def test_the_analyze_step_reads_the_slis_from_prometheus_per_service(
    prometheus: Prometheus, shop: dict[str, str], tmp_path: Path
) -> None:
    settings = example_settings(
        tmp_path,
        environments={
            "local": {"kind": "local"},
            "staging": {"kind": "kubernetes", "namespace": "shop"},
        },
        telemetry={"prometheus": {"url": prometheus.config.url}, "slis": [P95.model_dump()]},
    )
    telemetry = RunTelemetry(settings, _Deployed(shop))  # type: ignore[arg-type]
    telemetry.started -= 30

    def measured():  # type: ignore[no-untyped-def]
        _traffic(shop, 1)  # keep the counters moving until Prometheus has scraped a rate
        result = telemetry.result()
        return result if result.measurements else None

    result = wait(measured)
    assert result.status == Status.PASS and "from Prometheus" in result.summary
    p95 = result.measurement("p95_ms", endpoint="storefront")
    assert p95 is not None and p95.value > 100 and p95.unit == "ms"
