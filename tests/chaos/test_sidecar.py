"""The fault sidecar as its own process: control API behind a token, faults by reference."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from threading import Thread

import httpx
import pytest

from actions.chaos.experiment import parse_experiment
from actions.environments.local_chaos import proxy_fault
from actions.environments.ports import free_ports
from tests.conftest import ROOT

TOKEN = "s3cret-token"


class _Hello(BaseHTTPRequestHandler):
    def log_message(self, *_: object) -> None:
        return

    def do_GET(self) -> None:
        body = b"hello"
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture
def sidecar() -> Iterator[tuple[str, str]]:
    upstream = ThreadingHTTPServer(("127.0.0.1", 0), _Hello)
    Thread(target=upstream.serve_forever, daemon=True).start()
    port, control = free_ports("127.0.0.1", 2)
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "actions.chaos.sidecar",
            "--upstream",
            f"http://127.0.0.1:{upstream.server_port}",
            "--port",
            str(port),
            "--control-port",
            str(control),
        ],
        env={**os.environ, "PYTHONPATH": str(ROOT), "PREPROD_CHAOS_TOKEN": TOKEN},
    )
    control_url = f"http://127.0.0.1:{control}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(control_url + "/healthz").status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.1)
    yield f"http://127.0.0.1:{port}", control_url
    proc.terminate()
    proc.wait(10)
    upstream.shutdown()
    upstream.server_close()


def test_the_control_api_needs_the_token(sidecar: tuple[str, str]) -> None:
    _, control = sidecar
    assert httpx.get(control + "/faults").status_code == 403
    wrong = httpx.put(
        control + "/faults/a", json={"kind": "reset"}, headers={"X-Preprod-Token": "x"}
    )
    assert wrong.status_code == 403
    assert httpx.get(control + "/faults", headers={"X-Preprod-Token": TOKEN}).json() == {}


def test_faults_are_held_by_reference_and_removed_one_by_one(sidecar: tuple[str, str]) -> None:
    proxy, control = sidecar
    auth = {"X-Preprod-Token": TOKEN}
    assert httpx.get(proxy + "/").text == "hello"
    put = httpx.put(control + "/faults/1-0", json={"kind": "errors", "status": 502}, headers=auth)
    assert put.status_code == 200
    httpx.put(control + "/faults/1-1", json={"kind": "latency", "delay_ms": 1000}, headers=auth)
    began = time.perf_counter()
    answer = httpx.get(proxy + "/")
    assert answer.status_code == 502 and time.perf_counter() - began >= 0.99
    httpx.delete(control + "/faults/1-0", headers=auth)
    assert set(httpx.get(control + "/faults", headers=auth).json()) == {"1-1"}
    assert httpx.get(proxy + "/").status_code == 200
    httpx.delete(control + "/faults", headers=auth)
    began = time.perf_counter()
    assert httpx.get(proxy + "/").text == "hello"
    assert time.perf_counter() - began < 0.5  # the 1 s latency is gone (a wide margin for load)
    bad = httpx.put(control + "/faults/x", json={"kind": "gremlins"}, headers=auth)
    assert bad.status_code == 400 and "not a fault" in bad.text


def test_experiment_faults_become_the_sidecars_faults() -> None:
    experiment = parse_experiment(
        {
            "title": "t",
            "steady_state": {"probes": [{"type": "http", "service": "a", "path": "/"}]},
            "method": [
                {
                    "type": "latency",
                    "service": "a",
                    "delay": "300ms",
                    "jitter": "50ms",
                    "duration": "1s",
                },
                {"type": "errors", "service": "a", "status": 502, "rate": "25%", "duration": "1s"},
                {"type": "bandwidth", "service": "a", "rate": "256kbps", "duration": "1s"},
                {"type": "reset", "service": "a", "rate": 0.5, "duration": "1s"},
            ],
        }
    )
    latency, errors, bandwidth, reset = (proxy_fault(f) for _, f in experiment.faults)
    assert latency.model_dump() == {
        "kind": "latency",
        "delay_ms": 300.0,
        "jitter_ms": 50.0,
        "probability": 1.0,
    }
    assert (errors.status, errors.rate) == (502, 0.25)  # type: ignore[union-attr]
    assert bandwidth.bytes_per_second == 32000  # type: ignore[union-attr]
    assert reset.rate == 0.5  # type: ignore[union-attr]
