"""Scheduled commands (e.g. a nightly readiness run): apscheduler with a persistent job store."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger

from actions.errors import PermissionDenied, UsageError
from bot import grammar, permissions
from bot.grammar import Command
from bot.replies import Caller, Reply

if TYPE_CHECKING:
    from bot.service import Preprod

log = logging.getLogger(__name__)

_BOTS: dict[str, Preprod] = {}
"""The running bot, by store path: apscheduler calls `fire` by reference, not as a closure."""


def fire(store_path: str, name: str, command: str, role: str, channel: str | None) -> None:
    """Run one scheduled command as the `schedule:<name>` caller with the role it was given."""
    bot = _BOTS.get(store_path)
    if bot is None:
        log.error("schedule %s fired but no bot is running for %s", name, store_path)
        return
    caller = Caller(user=f"schedule:{name}", surface="schedule", name=f"schedule {name}", role=role)
    binding = {"channel": channel} if channel else {}
    result = bot.handle(command, caller, **binding)
    log.info("schedule %s ran %r: %s", name, command, result.text)


def trigger(cron: str, timezone: str = "UTC") -> CronTrigger:
    try:
        return CronTrigger.from_crontab(cron, timezone=timezone)
    except ValueError as exc:
        raise UsageError(f"`{cron}` is not a crontab expression ({exc})") from None


class Schedules:
    """The scheduler of one bot: config schedules plus those added from chat, persisted."""

    def __init__(self, bot: Preprod) -> None:
        self.bot = bot
        self.key = str(bot.store.path)
        url = f"sqlite:///{bot.store.path}"
        self.scheduler = BackgroundScheduler(
            jobstores={"default": SQLAlchemyJobStore(url=url, tablename="schedules")},
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 600},
        )

    def start(self) -> None:
        _BOTS[self.key] = self.bot
        self.bot.schedules = self
        self.scheduler.start()
        for item in self.bot.settings.schedules:
            self.add(item.name, item.cron, item.command, "engineer", item.channel, item.timezone)

    def shutdown(self) -> None:
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)
        _BOTS.pop(self.key, None)

    def add(
        self,
        name: str,
        cron: str,
        command: str,
        role: str,
        channel: str | None,
        timezone: str = "UTC",
    ) -> str:
        grammar.parse(command)
        job = self.scheduler.add_job(
            fire,
            trigger(cron, timezone),
            id=name,
            name=name,
            args=[self.key, name, command, role, channel],
            replace_existing=True,
        )
        return str(job.next_run_time)

    def remove(self, name: str) -> bool:
        if self.scheduler.get_job(name) is None:
            return False
        self.scheduler.remove_job(name)
        return True

    def listing(self) -> list[tuple[str, str, str]]:
        return [(j.id, str(j.args[2]), str(j.next_run_time)) for j in self.scheduler.get_jobs()]


def answer(bot: Preprod, command: Command, caller: Caller) -> Reply:
    """`schedule list|add|remove`; schedules run only while `preprod serve` is up."""
    schedules = bot.schedules
    if not isinstance(schedules, Schedules):
        configured = ", ".join(f"{s.name} ({s.cron}: {s.command})" for s in bot.settings.schedules)
        return Reply(
            "schedules run inside `preprod serve`; none is running in this process."
            + (f" Configured: {configured}" if configured else ""),
            kind="error",
        )
    action, name = command.subcommand, command.args.get("name")
    if action == "list":
        rows = schedules.listing()
        text = "\n".join(f"{n}: `{c}` next at {t}" for n, c, t in rows) or "no schedules"
        return Reply(text, title="schedules")
    if not name:
        raise UsageError(f"`schedule {action}` needs a name")
    if action == "remove":
        return Reply(f"removed {name}" if schedules.remove(name) else f"no schedule {name}")
    cron = command.options.get("cron")
    if not isinstance(cron, str) or not command.rest:
        raise UsageError("usage: `schedule add NAME --cron '0 2 * * *' -- ready shop 1.1`")
    inner = " ".join(command.rest)
    role = bot.role(caller)
    if not permissions.allowed(role, grammar.parse(inner)):
        raise PermissionDenied(f"you may not schedule `{inner}` with the {role} role")
    channel = caller.channel or bot.settings.channels.default
    next_at = schedules.add(name, cron, inner, role, channel)
    return Reply(f"scheduled {name}: `{inner}` at `{cron}`; next at {next_at}")
