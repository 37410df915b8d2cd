"""The bot's core, shared by every surface: parse, permit, audit, then answer or start a job."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable

from actions.chaos.inject import Injector
from actions.chaos.recovery import recover as recover_chaos
from actions.chaos.step import injector_for
from actions.config import Settings
from actions.context import Event
from actions.deploy import flags
from actions.environments.base import Environment
from actions.environments.factory import open_environment
from actions.errors import NotAvailable, PermissionDenied, PreprodError, UsageError
from actions.plan import RunRequest
from bot import (
    answers,
    chaos_answers,
    defect_answers,
    grammar,
    help,
    insight_answers,
    load_profile,
    names,
    permissions,
    report_approval,
    run_requests,
)
from bot.grammar import Command
from bot.jobs import JobRunner
from bot.notify import FailureNotifier
from bot.replies import Caller, Reply, Started
from bot.verbs import VERBS
from storage import audit, jobs, runs
from storage.store import Store

log = logging.getLogger(__name__)

JOB_VERBS = {
    "ready",
    "deploy",
    "rollback",
    "teardown",
    "test",
    "load",
    "scan",
    "parity",
    "recheck",
    "seed",
}


class Preprod:
    """One instance per process; surfaces call `handle` and subscribe to job events."""

    def __init__(
        self,
        settings: Settings,
        store: Store,
        *,
        runner: JobRunner | None = None,
        env_factory: Callable[[Settings, str], Environment] = open_environment,
    ) -> None:
        self.settings = settings
        self.store = store
        self.runner = runner or JobRunner(settings, store)
        self.env_factory = env_factory
        self.schedules: object | None = None
        self.runner.subscribe(self._audit_finish)
        self.notifier = FailureNotifier(settings, store, environ=os.environ)
        self.runner.subscribe(self.notifier.event)

    def role(self, caller: Caller) -> str:
        if caller.role is not None:
            return caller.role
        return permissions.role_of(
            caller.user, caller.groups, self.settings.permissions, caller.surface
        )

    def handle(self, text: str, caller: Caller, **binding: str) -> Reply | Started:
        """Answer a command line. Never raises for a person's mistake; says what is wrong.

        `binding["question_run"]`: the run whose thread `text` was said in (free text there is
        a question about it)."""
        question_run = binding.pop("question_run", None)
        try:
            command = grammar.parse(text)
        except UsageError as exc:
            asked = self._question(text, caller, question_run)
            if asked is not None:
                return asked
            self._audit(caller, "?", [text[:200]], "rejected", str(exc))
            return Reply(str(exc), kind="error")
        try:
            permissions.check(self.role(caller), command)
            spec = VERBS[command.verb]
            if not spec.available:
                raise NotAvailable(
                    f"`{command.verb}` is not available yet: it arrives with {spec.later}."
                )
            self._check_surface(command, caller)
            if load_profile.wanted(command):
                reply = load_profile.answer(self.settings, command)
            elif command.verb in JOB_VERBS or (
                command.verb == "chaos" and command.subcommand == "run"
            ):
                return self._start(command, caller, binding)
            else:
                reply = self._answer(command, caller)
        except PermissionDenied as exc:
            self._audit(caller, command.verb, command.words(), "denied", str(exc))
            return Reply(str(exc), kind="denied")
        except NotAvailable as exc:
            self._audit(caller, command.verb, command.words(), "unavailable", str(exc))
            return Reply(str(exc), kind="unavailable")
        except PreprodError as exc:
            self._audit(caller, command.verb, command.words(), "error", str(exc))
            return Reply(str(exc), kind="error")
        target = command.args.get("run", "")
        run_id = int(target) if target.isdigit() else None
        outcome = "done" if permissions.mutating(command) else "answered"
        self._audit(caller, command.verb, command.words(), outcome, reply.text[:200], run_id)
        return reply

    def _question(self, text: str, caller: Caller, rid: str | None) -> Reply | None:
        """Free text in a run's thread (`why did the load test fail?`) is a question about that
        run, answered from its evidence; elsewhere, None (the usage error stands)."""
        if not rid or not insight_answers.is_question(text):
            return None
        try:
            reply = insight_answers.ask(self, int(rid), text)
        except PreprodError as exc:
            reply = Reply(str(exc), kind="error")
        self._audit(caller, "ask", [text[:200]], "answered", reply.text[:200], int(rid))
        return reply

    def _check_surface(self, command: Command, caller: Caller) -> None:
        for option in VERBS[command.verb].options:
            if option.cli_only and option.name in command.options and caller.surface != "cli":
                raise UsageError(f"`--{option.name}` works only in a terminal")

    def _answer(self, command: Command, caller: Caller) -> Reply:
        verb = command.verb
        if verb == "help":
            topic = command.args.get("verb")
            return Reply(help.about(topic) if topic else help.overview(), title="preprod help")
        if verb == "history":
            return answers.history(self.store, command)
        if verb == "status":
            return answers.status(self, command)
        if verb == "report":
            return answers.report(self, command)
        if verb == "metrics":
            return answers.metrics(self, command)
        if verb == "cancel":
            return self._cancel(command)
        if verb == "flags":
            return self._flags(command, caller)
        if verb == "chaos":
            role = self.role(caller)
            return chaos_answers.answer(self.settings, self.store, command, role, caller)
        if verb == "defects":
            return defect_answers.defects(self, command)
        if verb in ("approve", "reject"):
            return report_approval.decide(self, command, caller, self.role(caller))
        if verb == "logs":
            return insight_answers.logs(self, command)
        if verb == "rca":
            return insight_answers.rca(self, command)
        if verb == "schedule":
            from bot.schedules import answer as schedule_answer

            return schedule_answer(self, command, caller)
        raise NotAvailable(f"`{verb}` is not available yet")

    def _cancel(self, command: Command) -> Reply:
        run_id = answers.run_id(command.args["run"])
        if runs.get_run(self.store, run_id) is None:
            raise UsageError(f"there is no run {run_id}")
        if not self.runner.cancel(run_id):
            job = jobs.get_job(self.store, run_id)
            state = job["status"] if job else "finished"
            return Reply(f"run {run_id} is not running (it is {state}); nothing to cancel")
        return Reply(f"cancelling run {run_id}…")

    def _flags(self, command: Command, caller: Caller) -> Reply:
        env = self.environment(command.args["env"])
        if command.subcommand != "set":
            current = flags.show(self.settings, env)
            lines = [f"{k} = {v}" for k, v in sorted(current.items())] or ["no flags set"]
            return Reply("\n".join(lines), title=f"feature flags of {env}")
        assignment = command.args.get("assignment")
        if not assignment:
            raise UsageError("usage: `flags ENV set NAME=VALUE`")
        self._audit(caller, "flags", command.words(), "requested")
        done = flags.change(self.settings, env, assignment)
        was = "unset" if done.old is None else f"`{done.old}`"
        return Reply(f"{env}: {done.name} = `{done.new}` (was {was})", title="feature flag changed")

    def environment(self, name: str | None) -> str:
        """A configured environment's name, with the nearest match when mistyped."""
        return names.environment(self.settings, name)

    def request_for(self, command: Command, surface: str = "cli") -> RunRequest:
        """Validate a job command against the config and build its run request."""
        return run_requests.request_for(self, command, surface)

    def _start(self, command: Command, caller: Caller, binding: dict[str, str]) -> Started:
        request = self.request_for(command, caller.surface)
        run_id = runs.create_run(
            self.store,
            verb=command.verb,
            command=command.text or " ".join([command.verb, *command.words()]),
            app=request.app,
            version=request.version,
            baseline=request.baseline,
            environment=request.environment,
            plan=request.plan,
            requested_by=caller.name or caller.user,
            requester=caller.user,
            surface=caller.surface,
        )
        self._audit(caller, command.verb, command.words(), "started", "", run_id)
        self.runner.submit(run_id, request, **binding)
        what = " ".join(x for x in (command.verb, request.app, request.version) if x)
        return Started(run_id, f"run {run_id}: {what} on {request.environment} started")

    def _inject(self, env_name: str) -> tuple[Injector, dict[str, str]]:
        env = self.env_factory(self.settings, env_name)
        return injector_for(env), env.urls()

    def _audit(
        self,
        caller: Caller,
        verb: str,
        args: list[str],
        outcome: str,
        detail: str = "",
        run_id: int | None = None,
    ) -> None:
        audit.record(
            self.store,
            user=caller.user,
            surface=caller.surface,
            verb=verb,
            args=args,
            outcome=outcome,
            detail=detail[:500],
            run_id=run_id,
        )

    def _audit_finish(self, event: Event) -> None:
        if event.kind != "run_finished":
            return
        run = runs.get_run(self.store, int(event.run_id))
        if run is None:
            return
        audit.record(
            self.store,
            user=run.get("requester") or run["requested_by"] or "?",
            surface=run["surface"] or "?",
            verb=run["verb"],
            args=[run["command"]],
            outcome=str(event.data.get("status", "done")),
            detail=event.message[:500],
            run_id=run["id"],
        )

    def recover(self) -> list[int]:
        """Undo what crashed chaos experiments left applied; close runs left active by a crashed
        bot as interrupted, and tell their threads."""
        chaos_done = {item.run_id: item.text() for item in recover_chaos(self.store, self._inject)}
        for text in chaos_done.values():
            log.warning("%s", text)
        closed = []
        for job in jobs.orphaned_jobs(self.store):
            run_id = int(job["run_id"])
            jobs.set_job(self.store, run_id, status="interrupted", progress="interrupted")
            message = "interrupted: the bot stopped while this run was active; start it again"
            if run_id in chaos_done:
                message += f". {chaos_done[run_id]}"
            runs.update_run(self.store, run_id, summary=message)
            runs.add_event(self.store, run_id, "run_finished", message, None)
            self.runner.publish(
                Event("run_finished", str(run_id), message, data={"status": "interrupted"})
            )
            closed.append(run_id)
        return closed
