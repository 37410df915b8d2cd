"""The Slack listeners, thin: parse, permit, hand off, render. Nothing slow runs before `ack()`."""

from __future__ import annotations

import json
import shlex
from collections.abc import Callable, Mapping
from concurrent.futures import Executor
from typing import Any

from slack_bolt import Ack

from actions.report.gate import NO_GO
from bot.replies import Caller, Reply, Started
from bot.service import Preprod
from bot.slack import blocks, commands, report_blocks
from bot.slack.failures import Failures
from bot.slack.groups import GroupDirectory
from bot.slack.metrics import SlackMetrics
from bot.slack.people import NameDirectory
from bot.slack.web import SlackWeb
from storage import jobs, runs

Body = Mapping[str, Any]
_STRAIGHT = str.maketrans({"‘": "'", "’": "'", "“": '"', "”": '"'})


class Listeners:
    """Bound to one bot; Bolt calls `command`, `mention` and `cancel`."""

    def __init__(
        self,
        bot: Preprod,
        *,
        web: SlackWeb,
        groups: GroupDirectory,
        names: NameDirectory,
        metrics: SlackMetrics,
        work: Executor,
        failures: Failures,
    ) -> None:
        self.bot = bot
        self.web = web
        self.groups = groups
        self.names = names
        self.metrics = metrics
        self.work = work
        self.failures = failures

    # /preprod ------------------------------------------------------------------------------

    def command(self, ack: Ack, body: dict[str, Any]) -> None:
        """Answer help, usage errors and plain denials in the ack; hand everything else off."""
        text = commands.typed_text(str(body.get("text") or ""))
        user = str(body.get("user_id") or "")
        if commands.answers_at_once(text, user, self.bot.settings.permissions):
            outcome = self.bot.handle(text, self._caller(body, user, ()))
            self._count(commands.verb_of(text), outcome, "command")
            if isinstance(outcome, Reply):
                fallback, reply_blocks = blocks.reply_message(outcome)
                ack(text=fallback, blocks=reply_blocks, response_type="ephemeral")
            else:
                ack()  # not expected for an at-once answer; the thread reporter takes over
            return
        ack()
        self._hand_off(self._run_command, body, "command")

    def _run_command(self, body: Body) -> None:
        text = commands.typed_text(str(body.get("text") or ""))
        user = str(body.get("user_id") or "")
        caller = self._caller(body, user, self.groups.groups_of(user))
        binding = {"channel": str(body.get("channel_id") or "")}
        if body.get("response_url"):
            binding["response_url"] = str(body["response_url"])
        outcome = self.bot.handle(text, caller, **binding)
        verb = commands.verb_of(text)
        self._count(verb, outcome, "command")
        if isinstance(outcome, Started):
            return  # the thread reporter posts the run's status message
        decided = outcome.data.get("decided_run") if outcome.ok else None
        if isinstance(decided, int) and self.say_in_thread(decided, outcome):
            return  # a decision is said where the team sees it
        if body.get("response_url"):
            self._respond(str(body["response_url"]), outcome)

    # @preprod ------------------------------------------------------------------------------

    def mention(self, body: dict[str, Any]) -> None:
        """`@preprod <command>`, answered in a thread; bare `status` in a run thread is that run."""
        self._hand_off(self._run_mention, body, "mention")

    def _run_mention(self, body: Body) -> None:
        event = body.get("event") or {}
        channel, user = str(event.get("channel") or ""), str(event.get("user") or "")
        thread = event.get("thread_ts")
        reply_ts = str(thread or event.get("ts") or "")
        run_id = None
        if thread:
            job = jobs.job_for_thread(self.bot.store, channel, str(thread))
            run_id = int(job["run_id"]) if job else None
        typed = commands.typed_text(commands.mention_text(str(event.get("text") or "")))
        text = commands.in_thread(typed, run_id)
        caller = self._member(user, self.names.name_of(user), channel)  # a mention has no name
        asked = {"question_run": str(run_id)} if run_id is not None else {}
        outcome = self.bot.handle(text, caller, channel=channel, thread_ts=reply_ts, **asked)
        self._count(commands.verb_of(text), outcome, "mention")
        if isinstance(outcome, Reply):
            fallback, reply_blocks = blocks.reply_message(outcome)
            self.web.post(channel, fallback, reply_blocks, thread_ts=reply_ts)

    # Cancel button -------------------------------------------------------------------------

    def cancel(self, ack: Ack, body: dict[str, Any]) -> None:
        ack()
        self._hand_off(self._run_cancel, body, "button")

    def _run_cancel(self, body: Body) -> None:
        self._button(body, "cancel {run}", "cancel")

    # Approve / Reject buttons of a destructive chaos experiment ----------------------------

    def approve(self, ack: Ack, body: dict[str, Any]) -> None:
        ack()
        self._hand_off(lambda b: self._button(b, "chaos approve {run}", "chaos"), body, "button")

    def reject(self, ack: Ack, body: dict[str, Any]) -> None:
        ack()
        command = "chaos reject {run} --reason 'rejected in Slack'"
        self._hand_off(lambda b: self._button(b, command, "chaos"), body, "button")

    # Approve / Reject of a readiness report -------------------------------------------------

    def report_approve(self, ack: Ack, body: dict[str, Any]) -> None:
        """Approve at once; a no-go first asks, in a modal, why it may ship anyway."""
        ack()
        run_id = self._clicked_run(body)
        run = runs.get_run(self.bot.store, run_id) if run_id is not None else None
        if run is not None and run.get("verdict") == NO_GO:
            self._ask_reason(body, int(run["id"]), "override")
            return
        self._hand_off(lambda b: self._decide(b, "approve {run}", run_id), body, "button")

    def report_reject(self, ack: Ack, body: dict[str, Any]) -> None:
        """A rejection needs a reason: ask for it in a modal (opened within Slack's 3 s)."""
        ack()
        run_id = self._clicked_run(body)
        if run_id is None:
            self._hand_off(lambda b: self._decide(b, "reject {run}", None), body, "button")
            return
        self._ask_reason(body, run_id, "reject")

    def reason_given(self, ack: Ack, body: dict[str, Any]) -> None:
        """The modal's submission: the decision with its reason, as the member who typed it."""
        ack()  # closes the modal
        view = body.get("view") or {}
        try:
            meta = json.loads(view.get("private_metadata") or "{}")
        except ValueError:
            meta = {}
        if not isinstance(meta, dict):
            meta = {}  # not our modal's: the decision below names no run, and nothing is recorded
        run_id = commands.run_id_of(str(meta.get("run") or ""))
        reason = shlex.quote(report_blocks.submitted_reason(view).translate(_STRAIGHT))
        if view.get("callback_id") == report_blocks.OVERRIDE_VIEW:
            command = f"approve {{run}} --override {reason}"
        else:
            command = f"reject {{run}} --reason {reason}"
        where = {**body, "channel": {"id": str(meta.get("channel") or "")}}
        self._hand_off(lambda b: self._decide(b, command, run_id), where, "modal")

    def _clicked_run(self, body: Body) -> int | None:
        return commands.run_id_of((body.get("actions") or [{}])[0].get("value"))

    def _ask_reason(self, body: Body, run_id: int, kind: str) -> None:
        channel = str((body.get("channel") or {}).get("id") or "")
        view = report_blocks.reason_modal(run_id, kind, channel)
        if self.web.open_view(str(body.get("trigger_id") or ""), view) is None and body.get(
            "response_url"
        ):
            how = f'`/preprod reject {run_id} --reason "…"`'
            if kind == "override":
                how = f'`/preprod approve {run_id} --override "…"`'
            self._respond(str(body["response_url"]), Reply(f"I could not ask why here: {how}"))

    def _decide(self, body: Body, command: str, run_id: int | None) -> None:
        """Run the decision as the member; say it in the run's thread, or refuse to them alone."""
        outcome = self._as_member(body, command, run_id, command.split()[0])
        if not isinstance(outcome, Reply):
            return
        if outcome.ok and run_id is not None and self.say_in_thread(run_id, outcome):
            return
        if body.get("response_url"):
            self._respond(str(body["response_url"]), outcome)
            return
        user = str((body.get("user") or {}).get("id") or "")
        channel = str((body.get("channel") or {}).get("id") or "")
        if channel and user:
            self.web.ephemeral(channel, user, *blocks.reply_message(outcome))

    def say_in_thread(self, run_id: int, reply: Reply) -> bool:
        """Post a reply in the run's thread, for everyone; False when the run has no thread."""
        job = jobs.get_job(self.bot.store, run_id)
        if not job or not job.get("channel") or not (job.get("thread_ts") or job.get("status_ts")):
            return False
        fallback, reply_blocks = blocks.reply_message(reply)
        thread = job.get("thread_ts") or job.get("status_ts")
        return self.web.post(job["channel"], fallback, reply_blocks, thread_ts=thread) is not None

    def _button(self, body: Body, command: str, verb: str) -> None:
        """A button naming a run: its command, as the member who pressed it (roles apply)."""
        outcome = self._as_member(body, command, self._clicked_run(body), verb)
        if isinstance(outcome, Reply) and body.get("response_url"):
            self._respond(str(body["response_url"]), outcome)

    def _as_member(
        self, body: Body, command: str, run_id: int | None, verb: str
    ) -> Reply | Started:
        """`command` (with `{run}`) as the member who clicked or submitted, counted."""
        who = body.get("user") or {}
        user = str(who.get("id") or "")
        channel = str((body.get("channel") or {}).get("id") or "")
        if run_id is None:
            outcome: Reply | Started = Reply("this button does not name a run", kind="error")
        else:
            name = str(who.get("username") or who.get("name") or user)
            outcome = self.bot.handle(command.format(run=run_id), self._member(user, name, channel))
        self._count(verb, outcome, "button")
        return outcome

    # helpers -------------------------------------------------------------------------------

    def _caller(self, body: Body, user: str, groups: tuple[str, ...]) -> Caller:
        name = str(body.get("user_name") or user)
        return Caller(
            user=user,
            surface="slack",
            groups=groups,
            name=name,
            channel=str(body.get("channel_id") or ""),
        )

    def _member(self, user: str, name: str, channel: str) -> Caller:
        """A caller with the user groups looked up (slow: only after the ack)."""
        groups = self.groups.groups_of(user)
        return Caller(user=user, surface="slack", groups=groups, name=name, channel=channel)

    def _respond(self, url: str, reply: Reply) -> None:
        fallback, reply_blocks = blocks.reply_message(reply)
        message = {"response_type": "ephemeral", "replace_original": False}
        self.web.respond(url, {**message, "text": fallback, "blocks": reply_blocks})

    def _count(self, verb: str, outcome: Reply | Started, source: str) -> None:
        result = "started" if isinstance(outcome, Started) else outcome.kind
        self.metrics.command(verb, result, source)

    def _hand_off(self, fn: Callable[[Body], None], body: Body, source: str) -> None:
        """Run the slow part on the work pool; an unexpected error gets a ref, never a traceback."""

        def guarded() -> None:
            try:
                fn(body)
            except Exception as exc:
                self.metrics.command("unknown", "failed", source)
                self.failures.handle(exc, body, f"a Slack {source}")

        self.work.submit(guarded)
