"""Background jobs: every long command runs here, reports events, and can be cancelled."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from actions.config import Settings
from actions.context import Event, EventHandler, RunContext
from actions.errors import PreprodError
from actions.insight.redact import redact
from actions.plan import RunOutcome, RunRequest, execute
from storage import jobs as job_store
from storage import runs
from storage.store import Store

log = logging.getLogger(__name__)

Executor = Callable[[RunRequest, RunContext], RunOutcome]


def _default_executor(request: RunRequest, ctx: RunContext) -> RunOutcome:
    return execute(request, ctx=ctx)


@dataclass
class _Running:
    cancel: threading.Event = field(default_factory=threading.Event)
    future: Future[None] | None = None


class JobRunner:
    """Runs jobs on a small thread pool, one at a time per environment (across processes)."""

    def __init__(
        self,
        settings: Settings,
        store: Store,
        *,
        workers: int = 4,
        executor: Executor = _default_executor,
    ) -> None:
        self.settings = settings
        self.store = store
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="preprod-job")
        self._execute = executor
        self._listeners: list[EventHandler] = []
        self._running: dict[int, _Running] = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._watcher = threading.Thread(target=self._watch_cancels, daemon=True)
        self._watcher.start()

    def subscribe(self, handler: EventHandler) -> None:
        """Receive every job's events (surfaces render them)."""
        self._listeners.append(handler)

    def publish(self, event: Event) -> None:
        for handler in list(self._listeners):
            try:
                handler(event)
            except Exception:
                log.exception("event handler failed for run %s", event.run_id)

    def submit(self, run_id: int, request: RunRequest, **binding: str) -> None:
        """Queue a run; listeners get `run_created` before this returns."""
        job_store.create_job(self.store, run_id, **binding)
        entry = _Running()
        with self._lock:
            self._running[run_id] = entry
        self.publish(Event("run_created", str(run_id), f"run {run_id} queued"))
        entry.future = self._pool.submit(self._run, run_id, request, entry.cancel)

    def cancel(self, run_id: int) -> bool:
        """Ask a queued or running run to stop (in this process or another). False if not active."""
        job = job_store.get_job(self.store, run_id)
        if job is None or job["status"] not in job_store.ACTIVE_STATES:
            return False
        job_store.request_cancel(self.store, run_id)
        with self._lock:
            entry = self._running.get(run_id)
        if entry:
            entry.cancel.set()
        return True

    def wait(self, run_id: int, timeout: float | None = None) -> None:
        with self._lock:
            entry = self._running.get(run_id)
        if entry and entry.future:
            entry.future.result(timeout=timeout)

    def active(self) -> list[int]:
        with self._lock:
            return list(self._running)

    def shutdown(self) -> None:
        self._stop.set()
        for run_id in self.active():
            self.cancel(run_id)
        self._pool.shutdown(wait=True, cancel_futures=False)

    def _run(self, run_id: int, request: RunRequest, cancel: threading.Event) -> None:
        ctx = RunContext(
            settings=self.settings,
            store=self.store,
            run_id=str(run_id),
            workdir=self._workdir(run_id),
            handlers=[self._journal, self.publish],
            cancel_event=cancel,
        )
        env = request.environment
        try:
            while (holder := job_store.lock_environment(self.store, env, run_id)) is not None:
                if cancel.is_set():
                    self._close(ctx, "cancelled", "cancelled while waiting for the environment")
                    return
                job_store.set_job(
                    self.store, run_id, progress=f"waiting for {env}: run {holder} is using it"
                )
                cancel.wait(1.0)
            try:
                self._work(ctx, request)
            finally:
                job_store.unlock_environment(self.store, env, run_id)
        finally:
            with self._lock:
                self._running.pop(run_id, None)

    def _work(self, ctx: RunContext, request: RunRequest) -> None:
        run_id = int(ctx.run_id)
        job_store.set_job(self.store, run_id, status="running")
        ctx.emit("run_started", f"run {run_id} started")
        try:
            outcome = self._execute(request, ctx)
        except PreprodError as exc:
            self._close(ctx, "failed", str(exc))
            return
        except Exception as exc:
            log.exception("run %s failed", run_id)
            self._close(ctx, "failed", f"internal error ({type(exc).__name__}); see the bot's log")
            return
        verdict = outcome.gate.verdict if outcome.gate else None
        fields: dict[str, object] = {"verdict": verdict, "report_path": outcome.report_path}
        if outcome.gate is not None:
            fields["score"] = outcome.gate.score
        summary = _summary(outcome)
        runs.update_run(self.store, run_id, summary=summary, **fields)
        self._close(ctx, "cancelled" if outcome.cancelled else "done", summary)

    def _close(self, ctx: RunContext, status: str, summary: str) -> None:
        run_id = int(ctx.run_id)
        summary = redact(summary)
        runs.update_run(self.store, run_id, summary=summary)
        job_store.set_job(self.store, run_id, status=status, progress=summary)
        ctx.step = None
        ctx.emit("run_finished", summary, status=status)

    def _journal(self, event: Event) -> None:
        if event.kind == "progress":
            job_store.set_job(self.store, int(event.run_id), progress=event.message)
        runs.add_event(self.store, int(event.run_id), event.kind, event.message, event.step)

    def _workdir(self, run_id: int) -> Path:
        path = self.settings.resolve(self.settings.storage.artifacts) / f"run-{run_id}"
        path.mkdir(parents=True, exist_ok=True)
        return path

    def _watch_cancels(self) -> None:
        while not self._stop.wait(1.0):
            try:
                wanted = job_store.cancel_requested(self.store, self.active())
            except Exception:
                log.exception("could not read cancel requests")
                continue
            for run_id in wanted:
                with self._lock:
                    entry = self._running.get(run_id)
                if entry:
                    entry.cancel.set()


def _summary(outcome: RunOutcome) -> str:
    if outcome.cancelled:
        return "cancelled"
    if outcome.gate is not None:
        score = f" (SLO score {outcome.gate.score:g}%)" if outcome.gate.score is not None else ""
        return f"verdict {outcome.gate.verdict}{score}"
    worst = max(outcome.results, key=lambda r: r.status.rank, default=None)
    return worst.summary if worst else "nothing to do"
