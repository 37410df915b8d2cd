"""Failure summaries to the teams that own the failing services: Slack channels and Teams.

A job event handler: when a run finishes with an outcome the config notifies on, the notice is
built from the stored results (`actions.report.failure_notice`), routed per service, posted to
each owning team's Slack channel (when a Slack surface gave a poster) and sent once to a Microsoft
Teams webhook (when one is configured). A notifier that fails is logged; the run is not affected.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any

from actions.config import Settings
from actions.context import Event
from actions.report.failure_notice import failure_notice, route, should_notify
from bot.teams import TeamsNotifier, notifier_from_env
from storage import jobs, runs
from storage.store import Store

log = logging.getLogger(__name__)

SlackPost = Callable[[str, str, list[Any]], Any]  # channel, fallback text, blocks


class FailureNotifier:
    """Subscribe `event` to the job runner; `slack` is set by the Slack surface when it runs."""

    def __init__(
        self,
        settings: Settings,
        store: Store,
        *,
        environ: Mapping[str, str],
        slack: SlackPost | None = None,
    ) -> None:
        self.settings = settings
        self.store = store
        self.slack = slack
        self.teams: TeamsNotifier | None = notifier_from_env(settings.notifications, environ)

    def close(self) -> None:
        """Release the Teams client (after the job runner has shut down)."""
        if self.teams is not None:
            self.teams.close()

    def event(self, event: Event) -> None:
        if event.kind != "run_finished" or not event.run_id.isdigit():
            return
        try:
            self._notify(int(event.run_id), str(event.data.get("status") or "done"))
        except Exception:
            log.exception("could not send the failure summary of run %s", event.run_id)

    def _notify(self, run_id: int, status: str) -> None:
        config = self.settings.notifications
        run = runs.get_run(self.store, run_id)
        if run is None or run["verb"] not in ("ready", "recheck", "test", "load", "chaos"):
            return
        run = {**run, "status": status}
        results = runs.results_of(self.store, run_id)
        notice = failure_notice(run, results, runs.report_data(results).get("gate"))
        if not should_notify(config, notice.outcome):
            return
        if self.slack is not None:
            from bot.slack.notice_blocks import notice_message

            job = jobs.get_job(self.store, run_id) or {}
            for channel, services in route(notice, config).items():
                if channel == job.get("channel"):
                    continue  # the run's own thread has it all
                text, blocks = notice_message(notice, services)
                self.slack(channel, text, blocks)
        if self.teams is not None:
            self.teams.send(notice)
