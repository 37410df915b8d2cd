"""The Slack listeners, thin: parse, permit, hand off, render. Nothing slow runs before `ack()`."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from concurrent.futures import Executor
from typing import Any

from slack_bolt import Ack

from bot.replies import Caller, Reply, Started
from bot.service import Preprod
from bot.slack import blocks, commands
from bot.slack.failures import Failures
from bot.slack.groups import GroupDirectory
from bot.slack.metrics import SlackMetrics
from bot.slack.web import SlackWeb
from storage import jobs

Body = Mapping[str, Any]


class Listeners:
    """Bound to one bot; Bolt calls `command`, `mention` and `cancel`."""

    def __init__(
        self,
        bot: Preprod,
        *,
        web: SlackWeb,
        groups: GroupDirectory,
        metrics: SlackMetrics,
        work: Executor,
        failures: Failures,
    ) -> None:
        self.bot = bot
        self.web = web
        self.groups = groups
        self.metrics = metrics
        self.work = work
        self.failures = failures

    # /preprod ------------------------------------------------------------------------------

    def command(self, ack: Ack, body: dict[str, Any]) -> None:
        """Answer help, usage errors and plain denials in the ack; hand everything else off."""
        text, user = str(body.get("text") or ""), str(body.get("user_id") or "")
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
        text, user = str(body.get("text") or ""), str(body.get("user_id") or "")
        caller = self._caller(body, user, self.groups.groups_of(user))
        binding = {"channel": str(body.get("channel_id") or "")}
        if body.get("response_url"):
            binding["response_url"] = str(body["response_url"])
        outcome = self.bot.handle(text, caller, **binding)
        self._count(commands.verb_of(text), outcome, "command")
        if isinstance(outcome, Started):
            return  # the thread reporter posts the run's status message
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
        text = commands.in_thread(commands.mention_text(str(event.get("text") or "")), run_id)
        caller = self._member(user, user, channel)
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

    def _button(self, body: Body, command: str, verb: str) -> None:
        """A button naming a run: its command, as the member who pressed it (roles apply)."""
        action = (body.get("actions") or [{}])[0]
        run_id = commands.run_id_of(action.get("value"))
        who = body.get("user") or {}
        user = str(who.get("id") or "")
        channel = str((body.get("channel") or {}).get("id") or "")
        if run_id is None:
            outcome: Reply | Started = Reply("this button does not name a run", kind="error")
        else:
            name = str(who.get("username") or who.get("name") or user)
            caller = self._member(user, name, channel)
            outcome = self.bot.handle(command.format(run=run_id), caller)
        self._count(verb, outcome, "button")
        if isinstance(outcome, Reply) and body.get("response_url"):
            self._respond(str(body["response_url"]), outcome)

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
