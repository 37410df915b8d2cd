"""A real Prometheus (Debian's package) behind basic auth, with credentials from the environment.

The server gets `--web.config.file` with one user and a bcrypt hash of the test password, and a
back-filled block of request counters, so an SLI has data as soon as the server is ready.
"""

from __future__ import annotations

import base64
import shutil
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest

from actions.telemetry.credentials import (
    PREPROD_PROMETHEUS_PASSWORD,
    PREPROD_PROMETHEUS_USER,
    read_credentials,
)
from actions.telemetry.prometheus import Prometheus, QueryError
from actions.telemetry.settings import SLI, PrometheusConfig

pytestmark = pytest.mark.slow

USER, PASSWORD = "qa", "s3cret-test-password"
# bcrypt (cost 4, the least Prometheus accepts, so each request stays cheap) of PASSWORD
PASSWORD_HASH = "$2b$04$miI/vLEn248pU1oXeARaFOEs2k1gkwt0ix8ha8hrCxHje4GYphft2"
ERRORS = SLI(
    name="error_rate_pct",
    query=(
        '(sum(rate(http_requests_total{job="{service}", status=~"5.."}[{window}])) or vector(0))'
        ' * 100 / sum(rate(http_requests_total{job="{service}"}[{window}]))'
    ),
    unit="%",
)


@dataclass(frozen=True)
class Guarded:
    url: str
    last_sample: datetime  # of the back-filled counters


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _history(now: float) -> tuple[str, datetime]:
    """Ten minutes of counters, one sample every 30 s: 10 requests/s, of which 0.1/s are 500s."""
    start = int(now) - 900
    lines = ["# TYPE http_requests counter"]
    for i in range(21):
        at = start + 30 * i
        lines.append(f'http_requests_total{{job="storefront",status="200"}} {i * 300} {at}')
        lines.append(f'http_requests_total{{job="storefront",status="500"}} {i * 3} {at}')
    lines.append("# EOF")
    return "\n".join(lines) + "\n", datetime.fromtimestamp(start + 30 * 20, UTC)


def _ready(url: str) -> bool:
    basic = base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
    request = urllib.request.Request(f"{url}/-/ready", headers={"Authorization": f"Basic {basic}"})
    try:
        with urllib.request.urlopen(request, timeout=1) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False


@pytest.fixture(scope="module")
def guarded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Guarded]:
    prometheus, promtool = shutil.which("prometheus"), shutil.which("promtool")
    assert prometheus and promtool, (
        "Debian's prometheus package is needed: `./dev test` installs it"
    )
    tmp = tmp_path_factory.mktemp("prometheus-auth")
    history, last_sample = _history(time.time())
    (tmp / "history.om").write_text(history)
    subprocess.run(
        [promtool, "tsdb", "create-blocks-from", "openmetrics", tmp / "history.om", tmp / "data"],
        check=True,
        capture_output=True,
        timeout=60,
    )
    (tmp / "prometheus.yml").write_text("global:\n  scrape_interval: 1m\n")
    (tmp / "web.yml").write_text(f"basic_auth_users:\n  {USER}: {PASSWORD_HASH}\n")
    url = f"http://127.0.0.1:{_free_port()}"
    process = subprocess.Popen(
        [
            prometheus,
            f"--config.file={tmp / 'prometheus.yml'}",
            f"--web.config.file={tmp / 'web.yml'}",
            f"--storage.tsdb.path={tmp / 'data'}",
            f"--web.listen-address={url.removeprefix('http://')}",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 20
        while not _ready(url):
            assert process.poll() is None, "prometheus exited at start"
            assert time.monotonic() < deadline, "prometheus was not ready within 20 s"
            time.sleep(0.1)
        yield Guarded(url, last_sample)
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)


def config(guarded: Guarded) -> PrometheusConfig:
    return PrometheusConfig(url=guarded.url, timeout="5s")


def error_rate(prometheus: Prometheus, guarded: Guarded) -> float | None:
    return prometheus.sli(ERRORS, service="storefront", window="2m", at=guarded.last_sample)


def test_an_sli_is_queried_with_basic_auth_from_the_environment(
    guarded: Guarded, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(PREPROD_PROMETHEUS_USER, USER)
    monkeypatch.setenv(PREPROD_PROMETHEUS_PASSWORD, PASSWORD)
    assert error_rate(Prometheus(config(guarded)), guarded) == pytest.approx(100 * 0.1 / 10.1)


def test_an_sli_is_queried_with_credentials_read_from_a_given_mapping(guarded: Guarded) -> None:
    environ = {PREPROD_PROMETHEUS_USER: USER, PREPROD_PROMETHEUS_PASSWORD: PASSWORD}
    prometheus = Prometheus(config(guarded), credentials=read_credentials("prometheus", environ))
    assert error_rate(prometheus, guarded) == pytest.approx(100 * 0.1 / 10.1)


def test_without_credentials_the_error_says_which_variables_to_set(guarded: Guarded) -> None:
    with pytest.raises(QueryError) as caught:
        error_rate(Prometheus(config(guarded)), guarded)
    assert str(caught.value) == (
        f"Prometheus at {guarded.url} wants credentials (HTTP 401 unauthorized): set "
        "PREPROD_PROMETHEUS_TOKEN, or PREPROD_PROMETHEUS_USER and PREPROD_PROMETHEUS_PASSWORD"
    )


def test_a_wrong_password_is_refused_without_showing_it(guarded: Guarded) -> None:
    environ = {PREPROD_PROMETHEUS_USER: USER, PREPROD_PROMETHEUS_PASSWORD: "wrong-pa55word"}
    prometheus = Prometheus(config(guarded), credentials=read_credentials("prometheus", environ))
    with pytest.raises(QueryError) as caught:
        error_rate(prometheus, guarded)
    assert str(caught.value) == (
        f"Prometheus at {guarded.url} refused the credentials from "
        "PREPROD_PROMETHEUS_USER and PREPROD_PROMETHEUS_PASSWORD (HTTP 401 unauthorized)"
    )
    assert "wrong-pa55word" not in repr(prometheus.credentials)


def test_a_range_query_works_with_the_same_credentials(guarded: Guarded) -> None:
    environ = {PREPROD_PROMETHEUS_USER: USER, PREPROD_PROMETHEUS_PASSWORD: PASSWORD}
    prometheus = Prometheus(config(guarded), credentials=read_credentials("prometheus", environ))
    end = guarded.last_sample
    start = datetime.fromtimestamp(end.timestamp() - 120, UTC)
    samples = prometheus.range(
        'sum(rate(http_requests_total{job="storefront"}[2m]))', start, end, "30s"
    )
    assert [round(s.value, 3) for s in samples] == [10.1] * len(samples) and len(samples) >= 4
