"""The load step, running real Locust against a small counting HTTP server on 127.0.0.1."""

from __future__ import annotations

import shutil
import threading
import time
from collections import Counter
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, cast

import pytest

from actions.config import LoadConfig
from actions.context import Event, RunContext
from actions.errors import Cancelled
from actions.result import Result, Severity, Status
from actions.testing import load
from actions.testing.load import LoadRequest

pytestmark = pytest.mark.slow

LoadRun = tuple[Result, list[Event], Counter[str]]
LOCUSTFILE = Path(__file__).resolve().parents[1] / "fixtures" / "testing" / "locustfile.py"
USERS = 2


class CountingServer(ThreadingHTTPServer):
    """`GET /fast` answers 200; `POST /checkout` answers 500 to every third request."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.lock = threading.Lock()
        self.received: Counter[str] = Counter()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def count(self, key: str) -> int:
        with self.lock:
            self.received[key] += 1
            return self.received[key]


class _Handler(BaseHTTPRequestHandler):
    server: CountingServer

    def do_GET(self) -> None:
        self.server.count(f"GET {self.path}")
        self._reply(200 if self.path == "/fast" else 404)

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        seen = self.server.count(f"POST {self.path}")
        self._reply(500 if seen % 3 == 0 else 200)

    def _reply(self, code: int) -> None:
        body = b'{"ok": true}'
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def server() -> Iterator[CountingServer]:
    httpd = CountingServer()
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd
    httpd.shutdown()
    httpd.server_close()


def make_ctx(workdir: Path, events: list[Event]) -> RunContext:
    """A run context for a step alone: no settings or store (the steps use neither)."""
    return RunContext(
        settings=cast(Any, None),
        store=cast(Any, None),
        run_id="run-load",
        workdir=workdir,
        handlers=[events.append],
    )


def request(host: str, base_dir: Path, duration: str = "4s", **config: Any) -> LoadRequest:
    settings = {"locustfile": "locustfile.py", "service": "shop", "users": USERS, "spawn_rate": 10}
    load_config = LoadConfig(**{**settings, "duration": duration, **config})
    return LoadRequest(config=load_config, host=host, base_dir=base_dir)


def app_dir(folder: Path, locustfile: Path = LOCUSTFILE) -> Path:
    (folder / "app").mkdir()
    shutil.copy(locustfile, folder / "app" / "locustfile.py")
    return folder / "app"


@pytest.fixture(scope="module")
def load_run(server: CountingServer, tmp_path_factory: pytest.TempPathFactory) -> LoadRun:
    """One five-second run, shared by the tests that read its result."""
    folder = tmp_path_factory.mktemp("load")
    events: list[Event] = []
    with server.lock:
        server.received.clear()
    result = load.run(
        request(server.url, app_dir(folder), duration="5s"), ctx=make_ctx(folder / "work", events)
    )
    with server.lock:
        return result, events, Counter(server.received)


def test_load_run_passes_when_requests_were_made(load_run: LoadRun) -> None:
    result = load_run[0]

    assert result.status is Status.PASS, result.summary


def test_measured_requests_match_what_the_server_received(
    load_run: LoadRun,
) -> None:
    result, _, received = load_run
    measured = result.measurement("requests", endpoint="Aggregated")

    assert measured is not None
    # Locust drops the requests in flight when it stops: at most one per user.
    assert sum(received.values()) - USERS <= measured.value <= sum(received.values())
    assert measured.value > 20


def test_each_endpoint_is_measured_and_tagged(
    load_run: LoadRun,
) -> None:
    result, _, received = load_run

    for endpoint in ("GET /fast", "POST /checkout"):
        requests = result.measurement("requests", endpoint=endpoint)
        assert requests is not None
        assert received[endpoint] - USERS <= requests.value <= received[endpoint]
    names = {m.name for m in result.measurements if m.tags == {"endpoint": "Aggregated"}}
    assert names == {
        *("requests", "failures", "rps", "error_rate_pct"),
        *("p50_ms", "p95_ms", "p99_ms", "avg_ms", "max_ms"),
    }
    assert len(result.measurements) == 3 * len(names)


def test_measurements_carry_units(load_run: LoadRun) -> None:
    result = load_run[0]
    units = {m.name: m.unit for m in result.measurements}

    assert (units["rps"], units["error_rate_pct"], units["p95_ms"]) == ("req/s", "%", "ms")
    rps = result.measurement("rps", endpoint="Aggregated")
    assert rps is not None and rps.value > 5


def test_failing_endpoint_becomes_a_medium_finding(
    load_run: LoadRun,
) -> None:
    result = load_run[0]
    [finding] = result.findings
    failures = result.measurement("failures", endpoint="POST /checkout")

    assert finding.severity is Severity.MEDIUM
    assert finding.title == "load requests failed: POST /checkout"
    assert finding.service == "shop"
    assert failures is not None and failures.value >= 1
    assert f"{failures.value:g} of " in finding.evidence
    assert "POST /checkout: HTTPError('500 Server Error" in finding.evidence


def test_error_rate_is_measured_per_endpoint(
    load_run: LoadRun,
) -> None:
    result = load_run[0]
    fast = result.measurement("error_rate_pct", endpoint="GET /fast")
    checkout = result.measurement("error_rate_pct", endpoint="POST /checkout")

    assert fast is not None and fast.value == 0
    assert checkout is not None and 20 < checkout.value < 45  # every third request fails


def test_summary_states_requests_rate_latency_and_errors(
    load_run: LoadRun,
) -> None:
    result = load_run[0]
    requests = result.measurement("requests", endpoint="Aggregated")

    assert requests is not None
    assert result.summary.startswith(f"{requests.value:g} requests at ")
    assert " req/s, p95 " in result.summary
    assert result.summary.endswith("% errors")


def test_progress_is_reported_with_live_numbers(
    load_run: LoadRun,
) -> None:
    events = load_run[1]
    live = [e for e in events if e.kind == "progress" and "req/s" in e.message]

    assert live, [e.message for e in events]
    assert live[-1].message.startswith("load: ")
    assert ", p50 " in live[-1].message and ", errors " in live[-1].message
    assert live[-1].data["requests"] > 0
    assert live[-1].data["rps"] > 0
    assert {"rps", "p50_ms", "p95_ms", "p99_ms", "error_rate_pct"} <= set(live[-1].data)


def test_statistics_files_are_kept_as_artifacts(
    load_run: LoadRun,
) -> None:
    result = load_run[0]
    names = {a.name for a in result.artifacts}

    assert {"locust_stats.csv", "locust_stats_history.csv", "locust_failures.csv"} <= names
    assert all(Path(a.path).is_file() for a in result.artifacts)


def test_a_missing_locustfile_is_an_error_before_starting(tmp_path: Path) -> None:
    ctx = make_ctx(tmp_path / "work", [])

    result = load.run(request("http://127.0.0.1:9", tmp_path), ctx=ctx)

    assert result.status is Status.ERROR
    assert result.summary.startswith("locustfile not found: ")
    assert not (tmp_path / "work").exists()


def test_a_timeout_shorter_than_the_load_is_rejected(tmp_path: Path) -> None:
    ctx = make_ctx(tmp_path / "work", [])

    result = load.run(request("http://x", app_dir(tmp_path), timeout="3s"), ctx=ctx)

    assert result.status is Status.ERROR
    assert result.summary == "load timeout 3s is not longer than its duration 4s"
    assert not (tmp_path / "work").exists()


def test_a_broken_locustfile_is_an_error_quoting_locust(tmp_path: Path) -> None:
    broken = tmp_path / "broken.py"
    broken.write_text("from locust import HttpUser\ndef (:\n")
    ctx = make_ctx(tmp_path / "work", [])

    result = load.run(request("http://127.0.0.1:9", app_dir(tmp_path, broken)), ctx=ctx)

    assert result.status is Status.ERROR
    assert result.summary.startswith("locust exited with code 1: ")
    assert "SyntaxError" in result.findings[0].evidence


def test_a_locustfile_that_sends_no_request_is_an_error(tmp_path: Path) -> None:
    idle = tmp_path / "idle.py"
    idle.write_text(
        "from locust import HttpUser, constant, task\n"
        "class Idle(HttpUser):\n"
        "    wait_time = constant(0.2)\n"
        "    @task\n"
        "    def nothing(self) -> None:\n"
        "        pass\n"
    )
    ctx = make_ctx(tmp_path / "work", [])

    result = load.run(request("http://127.0.0.1:9", app_dir(tmp_path, idle), "1s"), ctx=ctx)

    assert result.status is Status.ERROR
    assert result.summary.startswith("locust made no request in 1s")
    assert "Shutting down (exit code 0)" in result.findings[0].evidence


def test_an_exception_in_the_locustfile_becomes_a_finding(
    server: CountingServer, tmp_path: Path
) -> None:
    buggy = tmp_path / "buggy.py"
    buggy.write_text(
        "from locust import HttpUser, constant, task\n"
        "class Buggy(HttpUser):\n"
        "    wait_time = constant(0.2)\n"
        "    @task\n"
        "    def basket(self) -> None:\n"
        "        self.client.get('/fast')\n"
        "        raise ValueError('basket is empty')\n"
    )
    ctx = make_ctx(tmp_path / "work", [])

    result = load.run(request(server.url, app_dir(tmp_path, buggy), "2s"), ctx=ctx)

    [finding] = result.findings
    assert result.status is Status.PASS
    assert finding.title == "load script raised: basket is empty"
    assert finding.evidence.rstrip().endswith("raise ValueError('basket is empty')")


def test_an_unreachable_service_is_measured_as_all_errors(tmp_path: Path) -> None:
    ctx = make_ctx(tmp_path / "work", [])
    closed = ThreadingHTTPServer(("127.0.0.1", 0), BaseHTTPRequestHandler)
    url = f"http://127.0.0.1:{closed.server_address[1]}"
    closed.server_close()

    result = load.run(request(url, app_dir(tmp_path), duration="2s"), ctx=ctx)

    error_rate = result.measurement("error_rate_pct", endpoint="Aggregated")
    assert result.status is Status.PASS
    assert error_rate is not None and error_rate.value == 100.0


def test_cancelling_stops_locust_promptly(server: CountingServer, tmp_path: Path) -> None:
    events: list[Event] = []
    ctx = make_ctx(tmp_path / "work", events)
    threading.Timer(1.5, ctx.cancel_event.set).start()
    started = time.monotonic()

    with pytest.raises(Cancelled):
        load.run(request(server.url, app_dir(tmp_path), duration="60s"), ctx=ctx)

    assert time.monotonic() - started < 6
