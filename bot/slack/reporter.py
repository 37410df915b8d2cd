"""A run's Slack thread: one status message kept current; step results and verdict as replies.

Events arrive from job threads; a single worker turns them into Web API calls so a slow or
rate-limited Slack never holds up a run. Status edits are throttled per run; the final one is
always written.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from actions.context import Event
from bot.replies import Reply
from bot.slack import blocks, report_blocks, run_blocks
from bot.slack.approval_blocks import approval_message
from bot.slack.throttle import Throttle
from bot.slack.web import SlackWeb
from storage import jobs, runs
from storage.store import Store

log = logging.getLogger(__name__)

UPDATE_INTERVAL_S = 3.0
_TICK = Event("tick", "", "")  # wakes the worker for deferred edits
_REFRESHING = frozenset({"run_started", "step_started", "progress", "warning", "step_finished"})


@dataclass
class _Thread:
    channel: str
    thread_ts: str
    status_ts: str | None


class ThreadReporter:
    """Subscribe `event` to the job runner; call `start` once and `close` at shutdown."""

    def __init__(
        self,
        web: SlackWeb,
        store: Store,
        *,
        interval: float = UPDATE_INTERVAL_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.web = web
        self.store = store
        self.clock = clock
        self._throttle = Throttle(interval)
        self._queue: queue.Queue[Event | None] = queue.Queue()  # None: stop
        self._threads: dict[int, _Thread] = {}
        self._done_with: OrderedDict[int, None] = OrderedDict()
        self._worker = threading.Thread(target=self._loop, name="preprod-slack-thread", daemon=True)

    def start(self) -> None:
        self._worker.start()

    def event(self, event: Event) -> None:
        """Job event handler: queue it and return at once."""
        self._queue.put(event)

    def close(self, timeout: float = 30.0) -> None:
        """Write what is pending (deferred edits included), then stop the worker."""
        if self._worker.is_alive():
            self._queue.put(None)
            self._worker.join(timeout)

    def _loop(self) -> None:
        while True:
            due_at = self._throttle.next_due()
            wait = None if due_at is None else max(0.0, due_at - self.clock())
            try:
                item = self._queue.get(timeout=wait)
            except queue.Empty:
                item = _TICK
            if item is None:
                for run_id in list(self._threads):
                    self._safely(self._refresh, run_id)
                return
            self._safely(self._on_event, item)
            for run_id in self._throttle.due(self.clock()):
                self._safely(self._refresh, run_id)

    def _safely(self, fn: Callable[..., None], *args: Any) -> None:
        try:
            fn(*args)
        except Exception:
            log.exception("could not report %s to Slack", args[:1])

    def _on_event(self, event: Event) -> None:
        if not event.run_id.isdigit():
            return
        run_id = int(event.run_id)
        if run_id in self._done_with:
            return
        if event.kind == "run_created":
            self._open(run_id)
        elif event.kind == "run_finished":
            self._finish(run_id, event)
        elif event.kind == "approval_needed":
            self._reply(run_id, approval_message(run_id, event.message, event.data))
        elif event.kind in _REFRESHING:
            if event.kind == "step_finished":
                self._step_finished(run_id, event)
            elif event.kind == "warning":
                self._reply(run_id, run_blocks.warning_message(event.step, event.message))
            if self._throttle.ask(run_id, self.clock()):
                self._refresh(run_id)

    def _thread(self, run_id: int) -> _Thread | None:
        """Where the run reports: known here, or from its job row (a run from before a restart)."""
        found = self._threads.get(run_id)
        if found:
            return found
        job = jobs.get_job(self.store, run_id)
        if not job or not job.get("channel") or not (job.get("thread_ts") or job.get("status_ts")):
            return None
        found = _Thread(job["channel"], job["thread_ts"] or job["status_ts"], job["status_ts"])
        self._threads[run_id] = found
        return found

    def _open(self, run_id: int) -> None:
        job = jobs.get_job(self.store, run_id)
        if not job or not job.get("channel"):
            self._forget(run_id)  # not a run for Slack (a schedule without a channel)
            return
        if job.get("status_ts"):
            self._thread(run_id)
            return
        run = runs.get_run(self.store, run_id)
        if run is None:
            return
        text, body = run_blocks.status_message(run, [], job, active=True)
        posted = self.web.post(job["channel"], text, body, thread_ts=job.get("thread_ts"))
        if posted is None:
            self._tell_requester(job, run_id)
            return
        channel, ts = str(posted["channel"]), str(posted["ts"])
        thread_ts = job.get("thread_ts") or ts
        jobs.set_job(self.store, run_id, channel=channel, status_ts=ts, thread_ts=thread_ts)
        self._threads[run_id] = _Thread(channel, thread_ts, ts)
        self._throttle.done(run_id, self.clock())

    def _tell_requester(self, job: dict[str, Any], run_id: int) -> None:
        if not job.get("response_url"):
            return
        text = (
            f"run {run_id} started, but I could not post its progress in this channel. "
            "Invite me (`/invite @preprod`) to follow runs here; `status "
            f"{run_id}` works meanwhile."
        )
        message = blocks.reply_message(Reply(text))
        self.web.respond(
            job["response_url"],
            {"response_type": "ephemeral", "text": message[0], "blocks": message[1]},
        )

    def _refresh(self, run_id: int, *, final: bool = False) -> None:
        thread = self._thread(run_id)
        run = runs.get_run(self.store, run_id)
        self._throttle.done(run_id, self.clock())
        if thread is None or not thread.status_ts or run is None:
            return
        job = jobs.get_job(self.store, run_id)
        active = not final and job is not None and job["status"] in jobs.ACTIVE_STATES
        text, body = run_blocks.status_message(
            run, runs.steps_of(self.store, run_id), job, active=active
        )
        self.web.update(thread.channel, thread.status_ts, text, body)

    def _reply(self, run_id: int, message: tuple[str, list[blocks.Block]]) -> None:
        thread = self._thread(run_id)
        if thread is not None:
            self.web.post(thread.channel, message[0], message[1], thread_ts=thread.thread_ts)

    def _step_finished(self, run_id: int, event: Event) -> None:
        step = next((s for s in runs.steps_of(self.store, run_id) if s["name"] == event.step), None)
        if step is None:
            name, _, rest = event.message.partition(" ")
            status, _, summary = rest.partition(":")
            step = {
                "name": event.step or name,
                "status": status.strip(),
                "summary": summary.strip(),
            }
        result = next(
            (r for r in runs.results_of(self.store, run_id) if r.get("step") == step["name"]), None
        )
        self._reply(run_id, run_blocks.step_message(step, result))

    def _finish(self, run_id: int, event: Event) -> None:
        self._refresh(run_id, final=True)
        run = runs.get_run(self.store, run_id)
        thread = self._thread(run_id)
        if run is not None and thread is not None:
            status = str(event.data.get("status") or run.get("status") or "done")
            if status == "done" and run.get("verdict"):
                data = runs.report_data(runs.results_of(self.store, run_id))
                gate, defects = data.get("gate"), data.get("defects")
                self._reply(run_id, report_blocks.verdict_message(run, gate, defects))
            else:
                self._reply(run_id, run_blocks.ended_message(run, status, event.message))
            if status == "done":
                self._upload(run, thread)
        self._forget(run_id)

    def _forget(self, run_id: int) -> None:
        """Ignore the run's further events (it ended, or it does not report to Slack)."""
        self._threads.pop(run_id, None)
        self._throttle.forget(run_id)
        self._done_with[run_id] = None
        while len(self._done_with) > 1000:
            self._done_with.popitem(last=False)

    def _upload(self, run: dict[str, Any], thread: _Thread) -> None:
        path = run.get("report_path")
        release = "-".join(x for x in (run.get("app"), run.get("version")) if x)
        stem = f"preprod-run-{run['id']}{'-' + release if release else ''}-readiness"
        title = f"Readiness report, run #{run['id']}" + (f" ({release})" if release else "")
        if path and Path(path).is_file():
            html = Path(path).with_suffix(".html")
            if html.is_file():
                self.web.upload(thread.channel, thread.thread_ts, str(html), f"{stem}.html", title)
            self.web.upload(thread.channel, thread.thread_ts, path, f"{stem}.md", title + " (MD)")
        for chart in self._charts(int(run["id"])):
            chart_name = f"preprod-run-{run['id']}-{Path(chart).name}"
            title = "Load chart" if Path(chart).name == "load.png" else f"Chart {Path(chart).stem}"
            self.web.upload(thread.channel, thread.thread_ts, chart, chart_name, title)

    def _charts(self, run_id: int) -> list[str]:
        """The PNG charts of the run: the report's (already in it; shown in the thread too), or,
        for a run without a report (e.g. `chaos run`), the steps' own."""
        results = runs.results_of(self.store, run_id)
        report = [r for r in results if r.get("step") == "report"]
        return [
            a["path"]
            for result in (report or results)
            for a in result.get("artifacts") or []
            if a.get("kind") == "chart" and Path(a["path"]).is_file()
        ]
