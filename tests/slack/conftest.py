"""The whole Slack bot on real sockets: waitress on 127.0.0.1:0, a fake Slack API, signed requests.

`slack_bot(...)` builds the real surface (`bot.slack.surface.assemble`) around a Preprod core whose
job runner takes an injected executor, serves it with waitress, and sends requests signed exactly
as Slack signs them. Executors here script runs: quick ones, slow ones that wait to be cancelled,
and ones that walk through steps to a verdict and a report file.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import os
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from actions.context import RunContext
from actions.plan import RunOutcome, RunRequest
from actions.report.gate import GateOutcome, ObjectiveScore
from actions.result import Artifact, Finding, Measurement, Result, Severity, Status
from bot.jobs import Executor, JobRunner
from bot.service import Preprod
from bot.slack.config import SlackConfig
from bot.slack.http import HttpServer
from bot.slack.surface import SlackSurface, assemble
from storage import jobs, runs
from storage.store import Store
from tests.conftest import example_settings
from tests.fakes.slack_api import FakeSlackAPI

SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
BOT_TOKEN = "xoxb-test-token"
CHANNEL = "C0PREPROD"
ENGINEER, VIEWER, ADMIN, GROUPIE = "U0ENGINEER", "U0VIEWER", "U0ADMIN", "U0GROUPIE"
QA_GROUP = "S0QA"

PERMISSIONS = {
    "default_role": "viewer",
    "cli_role": "engineer",
    "roles": {
        "admin": {"users": [ADMIN], "groups": []},
        "engineer": {"users": [ENGINEER], "groups": [QA_GROUP]},
    },
}
NO_GROUPS = {
    "default_role": "viewer",
    "cli_role": "engineer",
    "roles": {"engineer": {"users": [ENGINEER], "groups": []}},
}


@pytest.fixture(autouse=True)
def _no_slack_or_preprod_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    """No test here sees a Slack token or preprod setting from the developer's shell."""
    for name in list(os.environ):
        if name.startswith(("SLACK_", "PREPROD_")):
            monkeypatch.delenv(name, raising=False)


# signing ---------------------------------------------------------------------------------------


def signature(body: bytes, timestamp: int, secret: str = SECRET) -> str:
    """`v0=` + hex HMAC-SHA256 of `v0:{timestamp}:{raw body}`, as Slack signs requests."""
    base = f"v0:{timestamp}:".encode() + body
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


def signed_headers(
    body: bytes, *, secret: str = SECRET, timestamp: int | None = None, json_body: bool = False
) -> dict[str, str]:
    ts = int(time.time()) if timestamp is None else timestamp
    return {
        "Content-Type": "application/json" if json_body else "application/x-www-form-urlencoded",
        "X-Slack-Request-Timestamp": str(ts),
        "X-Slack-Signature": signature(body, ts, secret),
    }


# scripted runs ---------------------------------------------------------------------------------


def quick_run(request: RunRequest, ctx: RunContext) -> RunOutcome:
    """One step that passes at once."""
    step = request.plan[0]
    ctx.step = step
    runs.start_step(ctx.store, int(ctx.run_id), 0, step)
    ctx.progress("working")
    result = Result(step=step, status=Status.PASS, summary="ok")
    runs.save_result(ctx.store, int(ctx.run_id), 0, result)
    ctx.emit("step_finished", f"{step} pass: ok")
    return RunOutcome(results=[result])


def until_cancelled(limit: float = 30.0) -> Executor:
    """A run that reports progress and waits until someone cancels it (or `limit` seconds)."""

    def run(request: RunRequest, ctx: RunContext) -> RunOutcome:
        ctx.step = request.plan[0]
        runs.start_step(ctx.store, int(ctx.run_id), 0, ctx.step)
        ctx.emit("step_started", f"{ctx.step} started")
        deadline = time.monotonic() + limit
        n = 0
        while not ctx.cancel_event.wait(0.05) and time.monotonic() < deadline:
            n += 1
            if n % 4 == 0:
                ctx.progress(f"still working ({n})")
        return RunOutcome(cancelled=ctx.cancelled)

    return run


STEPS = (
    ("deploy", Status.PASS, "shop 1.1 deployed and healthy"),
    ("e2e", Status.FAIL, "9 passed, 1 failed <checkout & pay>"),
    ("load", Status.WARN, "p95 412 ms under 8 users"),
)


def readiness_run(hold: threading.Event | None = None, *, verdict: str = "no-go") -> Executor:
    """Walks deploy, e2e, load and report like a readiness run, ending in `verdict` and a report."""

    def run(request: RunRequest, ctx: RunContext) -> RunOutcome:
        rid = int(ctx.run_id)
        results = []
        for position, (step, status, summary) in enumerate(STEPS):
            ctx.step = step
            runs.start_step(ctx.store, rid, position, step)
            ctx.emit("step_started", f"{step} started")
            ctx.progress(f"{step}: working")
            if hold is not None and position == 0:
                hold.wait(20)
            result = Result(
                step=step,
                status=status,
                summary=summary,
                findings=[Finding(severity=Severity.HIGH, title="checkout <fails> & retries")]
                if status == Status.FAIL
                else [],
                measurements=[Measurement(name="p95_ms", value=412.0, unit="ms")]
                if step == "load"
                else [],
            )
            runs.save_result(ctx.store, rid, position, result)
            results.append(result)
            ctx.emit("step_finished", f"{step} {status.value}: {summary}")
        gate = GateOutcome(
            objectives=[
                ObjectiveScore(
                    name="e2e pass rate",
                    metric="e2e.pass_rate_pct",
                    endpoint=None,
                    value=90.0,
                    unit="%",
                    objective=">= 100",
                    warning=">= 95",
                    status="fail",
                    score=0,
                    weight=2,
                    key=True,
                )
            ],
            score=40.0,
            status="fail",
            verdict=verdict,
            reasons=["key objective e2e pass rate failed"],
        )
        ctx.step = "report"
        runs.start_step(ctx.store, rid, len(STEPS), "report")
        path = ctx.step_dir("report") / "readiness.md"
        path.write_text(f"# Readiness of run {rid}\n\nVerdict: **{verdict}**\n", encoding="utf-8")
        html = path.with_suffix(".html")
        html.write_text(f"<h1>Readiness of run {rid}</h1><p>{verdict}</p>", encoding="utf-8")
        report = Result(
            step="report",
            status=Status.PASS,
            summary=f"verdict {verdict}",
            artifacts=[Artifact(name="readiness.md", path=str(path), kind="report")],
            data={"gate": gate.model_dump(), "verdict": verdict},
        )
        runs.save_result(ctx.store, rid, len(STEPS), report)
        ctx.emit("step_finished", f"report pass: verdict {verdict}")
        return RunOutcome(results=[*results, report], gate=gate, report_path=str(path))

    return run


# the harness -----------------------------------------------------------------------------------


@dataclass
class SlackBot:
    """One bot served over HTTP, with helpers that send what Slack sends."""

    fake: FakeSlackAPI
    bot: Preprod
    surface: SlackSurface
    server: HttpServer
    http: httpx.Client
    _ids: Iterator[int] = field(default_factory=lambda: itertools.count(1))

    @property
    def url(self) -> str:
        return self.server.url

    @property
    def store(self) -> Store:
        return self.bot.store

    def post(self, body: bytes, headers: dict[str, str]) -> httpx.Response:
        return self.http.post(f"{self.url}/slack/events", content=body, headers=headers)

    def command_body(
        self, text: str, *, user: str = ENGINEER, channel: str = CHANNEL, trigger_id: str = ""
    ) -> bytes:
        n = next(self._ids)
        form = {
            "token": "legacy-verification-token",
            "team_id": self.fake.team_id,
            "team_domain": "fake",
            "channel_id": channel,
            "channel_name": "preprod",
            "user_id": user,
            "user_name": user.lower(),
            "command": "/preprod",
            "text": text,
            "api_app_id": "A0PREPROD",
            "is_enterprise_install": "false",
            "response_url": self.fake.response_url(f"cmd-{n}"),
            "trigger_id": trigger_id or f"trigger-{n}-{time.monotonic_ns()}",
        }
        return urllib.parse.urlencode(form).encode()

    def command(self, text: str, **kw: Any) -> httpx.Response:
        """POST a signed `/preprod <text>` the way Slack does."""
        headers = kw.pop("headers", {})
        body = self.command_body(text, **kw)
        return self.post(body, {**signed_headers(body), **headers})

    def click_body(
        self,
        run_id: int | str,
        *,
        user: str,
        status_ts: str = "1.000001",
        action_id: str = "preprod_cancel",
    ) -> bytes:
        n = next(self._ids)
        payload = {
            "type": "block_actions",
            "user": {"id": user, "username": user.lower(), "name": user.lower(), "team_id": "T"},
            "api_app_id": "A0PREPROD",
            "token": "legacy-verification-token",
            "container": {
                "type": "message",
                "message_ts": status_ts,
                "channel_id": CHANNEL,
                "is_ephemeral": False,
            },
            "trigger_id": f"click-{n}",
            "team": {"id": self.fake.team_id, "domain": "fake"},
            "channel": {"id": CHANNEL, "name": "preprod"},
            "message": {"type": "message", "ts": status_ts, "text": "run", "blocks": []},
            "response_url": self.fake.response_url(f"click-{n}"),
            "actions": [
                {
                    "action_id": action_id,
                    "block_id": f"preprod_run_{run_id}",
                    "value": str(run_id),
                    "type": "button",
                    "action_ts": f"{time.time():.6f}",
                }
            ],
        }
        return urllib.parse.urlencode({"payload": json.dumps(payload)}).encode()

    def click_cancel(self, run_id: int | str, *, user: str, status_ts: str = "1.000001"):
        return self.click(run_id, user=user, status_ts=status_ts)

    def click(
        self,
        run_id: int | str,
        *,
        user: str,
        status_ts: str = "1.000001",
        action_id: str = "preprod_cancel",
    ) -> httpx.Response:
        body = self.click_body(run_id, user=user, status_ts=status_ts, action_id=action_id)
        return self.post(body, signed_headers(body))

    def submit_view(
        self, view: dict[str, Any], *, user: str, values: dict[str, Any]
    ) -> httpx.Response:
        """Submit a modal the bot opened (`view` as the fake recorded it) with `values` typed in:
        `{block_id: {action_id: "text"}}`, as Slack sends a view_submission."""
        n = next(self._ids)
        state = {
            block: {action: {"type": "plain_text_input", "value": text}}
            for block, inputs in values.items()
            for action, text in inputs.items()
        }
        payload = {
            "type": "view_submission",
            "team": {"id": self.fake.team_id, "domain": "fake"},
            "user": {"id": user, "username": user.lower(), "name": user.lower(), "team_id": "T"},
            "api_app_id": "A0PREPROD",
            "token": "legacy-verification-token",
            "trigger_id": f"submit-{n}",
            "view": {**view, "state": {"values": state}, "hash": f"h{n}"},
            "response_urls": [],
        }
        body = urllib.parse.urlencode({"payload": json.dumps(payload)}).encode()
        return self.post(body, signed_headers(body))

    def event_body(
        self, text: str, *, user: str = ENGINEER, thread_ts: str | None = None, event_id: str = ""
    ) -> bytes:
        n = next(self._ids)
        ts = f"{1800000000 + n}.000100"
        event = {
            "type": "app_mention",
            "user": user,
            "text": text,
            "ts": ts,
            "channel": CHANNEL,
            "event_ts": ts,
        }
        if thread_ts:
            event["thread_ts"] = thread_ts
        body = {
            "token": "legacy-verification-token",
            "team_id": self.fake.team_id,
            "api_app_id": "A0PREPROD",
            "event": event,
            "type": "event_callback",
            "event_id": event_id or f"Ev{n:08d}",
            "event_time": int(time.time()),
            "authorizations": [{"team_id": self.fake.team_id, "user_id": "UBOT", "is_bot": True}],
        }
        return json.dumps(body).encode()

    def mention(self, text: str, **kw: Any) -> httpx.Response:
        body = self.event_body(text, **kw)
        return self.post(body, signed_headers(body, json_body=True))

    def get(self, path: str) -> httpx.Response:
        return self.http.get(f"{self.url}{path}")

    def wait_run(self, run_id: int, *states: str, timeout: float = 60.0) -> dict[str, Any]:
        """Wait until the run's job is in one of `states` (default: any final state)."""
        wanted = states or ("done", "failed", "cancelled", "interrupted")
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            job = jobs.get_job(self.store, run_id)
            if job and job["status"] in wanted:
                return job
            time.sleep(0.02)
        raise AssertionError(
            f"run {run_id} never reached {wanted}: {jobs.get_job(self.store, run_id)}"
        )

    def wait_status_ts(self, run_id: int, timeout: float = 30.0) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            job = jobs.get_job(self.store, run_id) or {}
            if job.get("status_ts"):
                return str(job["status_ts"])
            time.sleep(0.02)
        raise AssertionError(f"run {run_id} never got a status message")

    def close(self) -> None:
        self.server.stop()
        self.http.close()
        self.bot.runner.shutdown()
        self.bot.notifier.close()
        self.surface.close()
        self.store.close()


@pytest.fixture
def fake_slack() -> Iterator[FakeSlackAPI]:
    with FakeSlackAPI(usergroups={QA_GROUP: [GROUPIE]}) as fake:
        yield fake


MakeBot = Callable[..., SlackBot]


@pytest.fixture
def slack_bot(tmp_path: Path, fake_slack: FakeSlackAPI) -> Iterator[MakeBot]:
    """Build (and afterwards stop) bots: `slack_bot(executor, permissions=..., ...)`.

    `executor=None` runs the real plan (deploys, tests and loads examples/shop).
    """
    made: list[SlackBot] = []

    def make(
        executor: Executor | None = quick_run,
        *,
        permissions: dict[str, Any] | None = None,
        update_interval: float = 0.2,
        env_factory: Any = None,
        **overrides: Any,
    ) -> SlackBot:
        settings = example_settings(tmp_path, permissions=permissions or PERMISSIONS, **overrides)
        store = Store(settings.resolve(settings.storage.path))
        runner = JobRunner(settings, store, **({"executor": executor} if executor else {}))
        kwargs = {"env_factory": env_factory} if env_factory else {}
        bot = Preprod(settings, store, runner=runner, **kwargs)
        config = SlackConfig(bot_token=BOT_TOKEN, signing_secret=SECRET, api_url=fake_slack.api_url)
        surface = assemble(bot, config, update_interval=update_interval)
        server = HttpServer(surface.wsgi, "127.0.0.1", 0).start()
        harness = SlackBot(fake_slack, bot, surface, server, httpx.Client(timeout=10))
        made.append(harness)
        return harness

    yield make
    for harness in made:
        harness.close()


def run_ids(store: Store) -> list[int]:
    return [int(r["id"]) for r in runs.recent_runs(store, 100)]


def wait_for_run(store: Store, timeout: float = 30.0) -> int:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ids = run_ids(store)
        if ids:
            return ids[0]
        time.sleep(0.02)
    raise AssertionError("no run was started")
