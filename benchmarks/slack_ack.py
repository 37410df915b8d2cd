"""Ack latency of `/preprod` over HTTP: our whole Slack app against a bare Bolt app that only acks.

Both are served the same way (waitress, Bolt's WSGI adapter, on 127.0.0.1) in the same run, each in
a process of its own, as a bot runs apart from Slack; this process plays Slack: it sends 200 signed
slash commands, 20 at a time from a thread pool of httpx clients, and runs the fake Slack Web API
(tests/fakes) the bot calls. Each command's latency is measured at the client, from sending the
request to reading the response (the ack).

Our app gets two kinds of commands, reported apart and together:
- answered in the ack: `help` and a usage error (`redy shop 1.1`);
- job starts: `deploy shop 1.1`, acked at once and run as a background job by a fast injected
  executor (the core's job queue, the storage writes and the Slack thread updates all happen).

Run: `python -m benchmarks.slack_ack` (or `./dev bench slack_ack`).
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import math
import multiprocessing
import statistics
import tempfile
import time
import urllib.parse
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import yaml
from slack_bolt import Ack, App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_sdk import WebClient

from actions.config import Settings
from actions.context import RunContext
from actions.plan import RunOutcome, RunRequest
from actions.result import Result, Status
from bot.jobs import JobRunner
from bot.service import Preprod
from bot.slack.config import SlackConfig
from bot.slack.http import HttpServer
from bot.slack.surface import assemble
from storage.store import Store
from tests.fakes.slack_api import FakeSlackAPI

ROOT = Path(__file__).resolve().parents[1]
SECRET = "benchmark-signing-secret"
USER = "U0BENCH"
REQUESTS, CONCURRENCY, WARMUP, THREADS = 200, 20, 20, 8
AT_ONCE = ("help", "redy shop 1.1")
JOB = "deploy shop 1.1"


def _fast_run(request: RunRequest, ctx: RunContext) -> RunOutcome:
    ctx.step = request.plan[0]
    ctx.progress("working")
    return RunOutcome(results=[Result(step=ctx.step, status=Status.PASS, summary="ok")])


def _settings(tmp: Path) -> Settings:
    data = yaml.safe_load((ROOT / "preprod.yaml").read_text(encoding="utf-8"))
    data["storage"] = {"path": str(tmp / "preprod.db"), "artifacts": str(tmp / "artifacts")}
    data["permissions"]["roles"]["engineer"] = {"users": [USER], "groups": []}
    settings = Settings.model_validate(data)
    settings.base_dir = ROOT
    return settings


def _signed(text: str, n: int, response_url: str) -> tuple[bytes, dict[str, str]]:
    body = urllib.parse.urlencode(
        {
            "token": "t",
            "team_id": "T0FAKE",
            "channel_id": "C0BENCH",
            "channel_name": "bench",
            "user_id": USER,
            "user_name": "bench",
            "command": "/preprod",
            "text": text,
            "api_app_id": "A0BENCH",
            "response_url": response_url,
            "trigger_id": f"bench-{n}-{time.monotonic_ns()}",
        }
    ).encode()
    ts = str(int(time.time()))
    digest = hmac.new(SECRET.encode(), f"v0:{ts}:".encode() + body, hashlib.sha256).hexdigest()
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Slack-Request-Timestamp": ts,
        "X-Slack-Signature": f"v0={digest}",
    }
    return body, headers


def _fire(url: str, texts: list[str], response_url: str) -> list[tuple[str, float, int]]:
    """Send every text as a signed command, CONCURRENCY at a time; (text, seconds, status)."""
    limits = httpx.Limits(max_connections=CONCURRENCY, max_keepalive_connections=CONCURRENCY)
    with httpx.Client(timeout=30, limits=limits) as client:

        def one(item: tuple[int, str]) -> tuple[str, float, int]:
            body, headers = _signed(item[1], item[0], response_url)
            started = time.perf_counter()
            response = client.post(f"{url}/slack/events", content=body, headers=headers)
            return item[1], time.perf_counter() - started, response.status_code

        with ThreadPoolExecutor(CONCURRENCY) as pool:
            list(pool.map(one, enumerate(["help"] * WARMUP)))
            return list(pool.map(one, enumerate(texts, start=WARMUP)))


def _figures(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    p99 = ordered[math.ceil(0.99 * len(ordered)) - 1]  # nearest rank
    return {
        "n": len(ordered),
        "p50_ms": round(statistics.median(ordered) * 1000, 2),
        "p99_ms": round(p99 * 1000, 2),
        "max_ms": round(ordered[-1] * 1000, 2),
    }


def _serve_ours(api_url: str, tmp: str, ready: Any, stop: Any) -> None:
    """In the bot's process: our whole Slack surface, with a fast injected executor."""
    logging.getLogger("waitress.queue").setLevel(logging.ERROR)
    settings = _settings(Path(tmp))
    store = Store(settings.resolve(settings.storage.path))
    bot = Preprod(settings, store, runner=JobRunner(settings, store, executor=_fast_run))
    config = SlackConfig(bot_token="xoxb-bench", signing_secret=SECRET, api_url=api_url)
    surface = assemble(bot, config)
    server = HttpServer(surface.wsgi, "127.0.0.1", 0, threads=THREADS).start()
    ready.put(server.url)
    stop.wait()
    server.stop()
    bot.runner.shutdown()
    surface.close()
    store.close()


def _serve_bare_bolt(api_url: str, tmp: str, ready: Any, stop: Any) -> None:
    """In the bot's process: a Bolt app whose only listener acks, served the same way."""
    logging.getLogger("waitress.queue").setLevel(logging.ERROR)
    pool = ThreadPoolExecutor(16)
    app = App(
        signing_secret=SECRET,
        client=WebClient(token="xoxb-bench", base_url=api_url),
        listener_executor=pool,
    )

    def ack_only(ack: Ack) -> None:
        ack()

    app.command("/preprod")(ack_only)
    server = HttpServer(SlackRequestHandler(app), "127.0.0.1", 0, threads=THREADS).start()
    ready.put(server.url)
    stop.wait()
    server.stop()
    pool.shutdown(wait=True)


def _measure(serve: Any, fake: FakeSlackAPI, tmp: str, texts: list[str], name: str):
    """Serve in a process of its own (as a bot runs apart from Slack), fire the commands at it."""
    context = multiprocessing.get_context("spawn")
    ready, stop = context.Queue(), context.Event()
    process = context.Process(target=serve, args=(fake.api_url, tmp, ready, stop))
    process.start()
    try:
        url = ready.get(timeout=60)
        return _fire(url, texts, fake.response_url(name))
    finally:
        stop.set()
        process.join(60)
        ready.close()
        ready.join_thread()


def main() -> dict[str, Any]:
    """Measure, print a table, and return the figures."""
    texts = [AT_ONCE[(i // 2) % 2] if i % 2 == 0 else JOB for i in range(REQUESTS)]
    with FakeSlackAPI() as fake, tempfile.TemporaryDirectory() as tmp:
        ours = _measure(_serve_ours, fake, tmp, texts, "ours")
        bare = _measure(_serve_bare_bolt, fake, tmp, texts, "bare")
    rows = {
        "preprod, answered in the ack (help, usage error)": [s for t, s, _ in ours if t in AT_ONCE],
        "preprod, job started (deploy, fast executor)": [s for t, s, _ in ours if t == JOB],
        "preprod, all": [s for _, s, _ in ours],
        "bare Bolt app, ack only": [s for _, s, _ in bare],
    }
    figures: dict[str, Any] = {
        "requests": REQUESTS,
        "concurrency": CONCURRENCY,
        "server": f"waitress ({THREADS} threads) + Bolt WSGI adapter in its own process, 127.0.0.1",
        "rows": {name: _figures(samples) for name, samples in rows.items()},
        "non_200": {
            "preprod": sum(1 for *_, code in ours if code != 200),
            "bare_bolt": sum(1 for *_, code in bare if code != 200),
        },
    }
    print(f"{REQUESTS} signed /preprod commands, {CONCURRENCY} at a time, {figures['server']}")
    print(f"{'':52} {'n':>4} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8}")
    for name, row in figures["rows"].items():
        print(f"{name:52} {row['n']:>4} {row['p50_ms']:>8} {row['p99_ms']:>8} {row['max_ms']:>8}")
    print(f"non-200 answers: {figures['non_200']}")
    return figures


if __name__ == "__main__":
    main()
