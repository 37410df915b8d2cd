"""A failed run's notice for the teams that own the failing services, and its routing. Pure.

`failure_notice` reads the stored run, its results and the gate, and says what went wrong per
service (a finding's `service` names it) and what is about no particular service. `route` says which
channel hears about which services: each owning team once, however many of its services failed;
the rest goes to the configured default channel, marked by `UNOWNED` in its list.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

UNOWNED = "(no service)"  # in a route's list: the notice's lines about no particular service
FAILED_ENDS = ("failed", "interrupted")  # run ends that `when: [failed]` covers
MAX_LINES = 5  # per service, and of the reasons
MAX_UNOWNED = 10
_SEVERITY = {"info": 0, "low": 1, "medium": 2, "high": 3, "critical": 4}
_STATUS = {"error": 3, "fail": 2, "warn": 1}
_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


class NotificationsConfig(BaseModel):
    """`notifications:` in preprod.yaml: who hears about a failed run, and when."""

    model_config = ConfigDict(extra="forbid")

    routes: dict[str, str] = Field(default_factory=dict)  # service -> owning team's channel
    channel: str | None = None  # where failures of no owned service go (None: nowhere extra)
    when: list[Literal["no-go", "go with risk", "failed"]] = ["no-go", "failed"]
    teams_webhook_env: str | None = None  # NAME of the variable holding a Teams webhook URL

    @field_validator("routes")
    @classmethod
    def _channels_are_named(cls, routes: dict[str, str]) -> dict[str, str]:
        empty = sorted(service for service, channel in routes.items() if not channel.strip())
        if empty:
            raise ValueError(f"routes give no channel for {', '.join(empty)}")
        return {service: channel.strip() for service, channel in routes.items()}

    @field_validator("teams_webhook_env")
    @classmethod
    def _is_a_variable_name(cls, name: str | None) -> str | None:
        if name is not None and not _ENV_NAME.fullmatch(name):
            raise ValueError(
                "teams_webhook_env names an environment variable (e.g. PREPROD_TEAMS_WEBHOOK); "
                "the webhook URL is a secret: put it in that variable, not in the config file"
            )
        return name


class FailureNotice(BaseModel):
    """What went wrong in a run, per service and otherwise, in short lines."""

    run_id: int
    app: str | None
    version: str | None
    environment: str | None
    outcome: str  # the verdict ("no-go", "go with risk") or the run's end ("failed", ...)
    headline: str
    reasons: list[str]  # worst first
    services: dict[str, list[str]]  # worst service first; its findings worst first
    unowned: list[str]


def failure_notice(
    run: Mapping[str, Any],
    results: Sequence[Mapping[str, Any]],
    gate: Mapping[str, Any] | None,
) -> FailureNotice:
    """The notice of a run from its stored record, its stored results and the report's gate."""
    outcome = _outcome(run, gate)
    steps = [r for r in results if r.get("step") != "report"]  # the report's status is the verdict
    services, unowned = _findings(steps)
    for result in sorted(steps, key=lambda r: -_STATUS.get(str(r.get("status")), 0)):
        has_service = any(f.get("service") for f in _relevant(result))
        if _STATUS.get(str(result.get("status")), 0) and not has_service:
            unowned.append(_step_line(result))
    unowned += _objective_lines(gate)
    if not services and not unowned and str(run.get("status")) in FAILED_ENDS:
        said = _one_line(run.get("summary") or "no reason given")
        unowned.append(f"the run {run.get('status')}: {said}")
    return FailureNotice(
        run_id=int(run["id"]),
        app=run.get("app"),
        version=run.get("version"),
        environment=run.get("environment"),
        outcome=outcome,
        headline=_headline(run, outcome, gate),
        reasons=_capped(_reasons(run, steps, gate), MAX_LINES),
        services={name: _capped(lines, MAX_LINES) for name, lines in services.items()},
        unowned=_capped(unowned, MAX_UNOWNED),
    )


def should_notify(config: NotificationsConfig, outcome: str) -> bool:
    """Whether a run that ended this way is announced (`interrupted` counts as `failed`)."""
    wanted: set[str] = set(config.when)
    return outcome in wanted or (outcome in FAILED_ENDS and "failed" in wanted)


def route(notice: FailureNotice, config: NotificationsConfig) -> dict[str, list[str]]:
    """Channel -> the services it hears about, worst first; `UNOWNED` marks the other lines."""
    channels: dict[str, list[str]] = {}
    rest: list[str] = []
    for service in notice.services:
        channel = config.routes.get(service)
        if channel:
            channels.setdefault(channel, []).append(service)
        else:
            rest.append(service)
    if notice.unowned:
        rest.append(UNOWNED)
    if rest and config.channel:
        channels.setdefault(config.channel, []).extend(rest)
    return channels


def _outcome(run: Mapping[str, Any], gate: Mapping[str, Any] | None) -> str:
    status = str(run.get("status") or "")
    if status in (*FAILED_ENDS, "cancelled"):
        return status
    return str(run.get("verdict") or (gate or {}).get("verdict") or status or "unknown")


def _headline(run: Mapping[str, Any], outcome: str, gate: Mapping[str, Any] | None) -> str:
    release = " ".join(str(x) for x in (run.get("app"), run.get("version")) if x)
    what = release or f"run #{run['id']} ({run.get('command') or run.get('verb') or '?'})"
    where = f" on {run['environment']}" if run.get("environment") else ""
    risk, score = (gate or {}).get("risk"), (gate or {}).get("score")
    if isinstance(risk, int | float):
        return f"{what}{where}: {outcome} (risk {risk:g})"
    scored = f" (SLO score {score:g}%)" if isinstance(score, int | float) else ""
    return f"{what}{where}: {outcome}{scored}"


def _relevant(result: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """Findings worth a team's attention: not info; in a step that did not pass, or high up."""
    failing = _STATUS.get(str(result.get("status")), 0) > 0
    return [
        f
        for f in result.get("findings") or []
        if _SEVERITY.get(str(f.get("severity")), 0) > 0
        and (failing or _SEVERITY.get(str(f.get("severity")), 0) >= _SEVERITY["high"])
    ]


def _findings(steps: Sequence[Mapping[str, Any]]) -> tuple[dict[str, list[str]], list[str]]:
    """Finding lines per service (worst service first) and those of no service; worst first."""
    ranked: dict[str | None, list[tuple[int, str]]] = {}
    for result in steps:
        for f in _relevant(result):
            line = f"{f.get('severity')} · {result.get('step')}: {_one_line(f.get('title'))}"
            key = str(f["service"]) if f.get("service") else None
            ranked.setdefault(key, []).append((-_SEVERITY[str(f.get("severity"))], line))
    for entries in ranked.values():
        entries.sort(key=lambda entry: entry[0])  # stable: equal severities keep step order
    names = sorted((k for k in ranked if k is not None), key=lambda k: (ranked[k][0][0], k))
    services = {name: [line for _, line in ranked[name]] for name in names}
    return services, [line for _, line in ranked.get(None, [])]


def _step_line(result: Mapping[str, Any]) -> str:
    word = "warned" if result.get("status") == "warn" else "failed"
    return f"{result.get('step')} {word}: {_one_line(result.get('summary') or 'no summary')}"


def _objective_lines(gate: Mapping[str, Any] | None) -> list[str]:
    """The SLOs that failed or warned (key ones first): about no particular service."""
    lines = []
    objectives = (gate or {}).get("objectives") or []
    for o in sorted(objectives, key=lambda o: not o.get("key")):
        if o.get("status") not in ("fail", "nodata", "warn"):
            continue
        kind = "key SLO" if o.get("key") else "SLO"
        word = "in warning" if o.get("status") == "warn" else "failed"
        where = f" on {o['endpoint']}" if o.get("endpoint") else ""
        value, unit = o.get("value"), f" {o['unit']}" if o.get("unit") else ""
        shown = "no data" if value is None else f"{round(float(value), 2):g}{unit}"
        objective = o.get("objective")
        lines.append(f"{kind} {o.get('name')}{where} {word}: {shown} (objective {objective})")
    return lines


def _reasons(
    run: Mapping[str, Any], steps: Sequence[Mapping[str, Any]], gate: Mapping[str, Any] | None
) -> list[str]:
    reasons = [_one_line(r) for r in (gate or {}).get("reasons") or []]
    if not reasons:
        failing = [r for r in steps if _STATUS.get(str(r.get("status")), 0)]
        failing.sort(key=lambda r: -_STATUS.get(str(r.get("status")), 0))
        reasons = [_step_line(r) for r in failing]
    if not reasons and run.get("summary"):
        reasons = [_one_line(run["summary"])]
    return reasons


def _capped(lines: list[str], limit: int) -> list[str]:
    """At most `limit` lines; the last says how many more there were."""
    if len(lines) <= limit:
        return lines
    return [*lines[: limit - 1], f"… and {len(lines) - limit + 1} more"]


def _one_line(text: object, limit: int = 300) -> str:
    line = " ".join(str(text).split())
    return line if len(line) <= limit else line[: limit - 1] + "…"
