"""The evidence of a failed rollout as detail lines: container states, Warning events, last logs."""

from __future__ import annotations

from collections.abc import Callable

from actions.environments.kubernetes.judge import Verdict
from actions.environments.kubernetes.objects import Obj, event_time, meta, name
from actions.errors import PreprodError

LOG_TAIL = 20
EVENT_LINES = 10

FetchLog = Callable[[str, str, bool], str]
"""(pod, container, previous) -> log text; raises PreprodError when there is none."""


def container_lines(pod: Obj) -> list[str]:
    """`pod p (Running, 0/1 ready):` then one line per container: state, reason, exit, restarts."""
    status = pod.get("status") or {}
    statuses = [
        *(status.get("initContainerStatuses") or []),
        *(status.get("containerStatuses") or []),
    ]
    ready = sum(1 for cs in status.get("containerStatuses") or [] if cs.get("ready"))
    total = len(status.get("containerStatuses") or [])
    lines = [f"pod {name(pod)} ({status.get('phase') or 'Unknown'}, {ready}/{total} ready):"]
    for cond in status.get("conditions") or []:
        if cond.get("status") == "False" and cond.get("reason") == "Unschedulable":
            lines.append(f"  not scheduled: {_flat(cond.get('message'))}")
    for cs in statuses:
        line = f"  {cs.get('name')}: {state_text(cs.get('state') or {})}"
        line += f", restarts {cs.get('restartCount') or 0}"
        last = state_text(cs.get("lastState") or {})
        if last != "unknown":
            line += f"; last {last}"
        lines.append(line)
    return lines


def state_text(state: Obj) -> str:
    """`waiting CrashLoopBackOff: back-off 10s`, `terminated Error (exit code 1)`, `running`."""
    if state.get("waiting"):
        waiting = state["waiting"]
        text = f"waiting {waiting.get('reason') or ''}".rstrip()
        return text + (f": {_flat(waiting.get('message'))}" if waiting.get("message") else "")
    if state.get("terminated"):
        done = state["terminated"]
        text = f"terminated {done.get('reason') or ''}".rstrip()
        text += f" (exit code {done.get('exitCode')})"
        return text + (f": {_flat(done.get('message'))}" if done.get("message") else "")
    if state.get("running") is not None:
        started = state["running"].get("startedAt")
        return f"running since {started}" if started else "running"
    return "unknown"


def event_lines(events: list[Obj], names: set[str], limit: int = EVENT_LINES) -> list[str]:
    """The last Warning events about the named objects, one line each, oldest first."""
    return [event_line(e) for e in warnings_about(events, names)[-limit:]]


def warnings_about(events: list[Obj], names: set[str]) -> list[Obj]:
    """Warning events about the named objects, oldest first."""
    found = [
        e
        for e in events
        if e.get("type") == "Warning" and (e.get("involvedObject") or {}).get("name") in names
    ]
    return sorted(found, key=event_time)


def event_line(event: Obj) -> str:
    """`12:00:03 Pod/catalog-x BackOff: Back-off restarting failed container (x4)`."""
    obj = event.get("involvedObject") or {}
    when = event_time(event)
    stamp = when.strftime("%H:%M:%S") if when.year > 1 else "--:--:--"
    count = int(event.get("count") or (event.get("series") or {}).get("count") or 1)
    times = f" (x{count})" if count > 1 else ""
    return (
        f"{stamp} {obj.get('kind', '?')}/{obj.get('name', '?')} {event.get('reason') or ''}: "
        f"{_flat(event.get('message'))}{times}"
    )


def failing_container(verdict: Verdict, pods: list[Obj]) -> tuple[str, str, bool] | None:
    """The container whose logs explain the failure: the verdict's, else the first one that ran
    and is not ready; and whether it crashed (its previous run has the logs). None when that
    container never started (an image that cannot be pulled has no logs)."""
    statuses = {
        (name(pod), str(cs.get("name"))): cs
        for pod in sorted(pods, key=name)
        for cs in (pod.get("status") or {}).get("containerStatuses") or []
    }
    if verdict.pod and verdict.container:
        known = statuses.get((verdict.pod, verdict.container))
        if known is not None and not _has_run(known):
            return None
        return verdict.pod, verdict.container, verdict.crashed
    for (pod, container), cs in statuses.items():
        if not cs.get("ready") and _has_run(cs):
            return pod, container, bool(cs.get("restartCount"))
    return None


def _has_run(cs: Obj) -> bool:
    state, last = cs.get("state") or {}, cs.get("lastState") or {}
    return bool(
        state.get("running") is not None
        or state.get("terminated")
        or last.get("terminated")
        or cs.get("restartCount")
    )


def failure_details(
    verdict: Verdict,
    deployment: Obj,
    pods: list[Obj],
    events: list[Obj],
    fetch_log: FetchLog,
    tail: int = LOG_TAIL,
) -> list[str]:
    """Reason, each pod's container states, recent Warning events, the failing container's log."""
    lines = [verdict.reason]
    for pod in sorted(pods, key=name):
        lines.extend(container_lines(pod))
    names = {name(deployment), *(name(p) for p in pods)}
    names |= {r.get("name") for p in pods for r in meta(p).get("ownerReferences") or []}
    warnings = event_lines(events, {str(n) for n in names if n})
    if warnings:
        lines.append("recent warning events:")
        lines.extend(f"  {w}" for w in warnings)
    failing = failing_container(verdict, pods)
    if failing:
        lines.extend(log_lines(*failing, fetch_log, tail))
    return lines


def log_lines(pod: str, container: str, crashed: bool, fetch: FetchLog, tail: int) -> list[str]:
    """The last log lines of a container; of its previous run when the current one has none."""
    attempts = [False, True] if crashed else [False]
    for previous in attempts:
        try:
            text = fetch(pod, container, previous)
        except PreprodError:
            continue
        found = [line for line in text.splitlines() if line.strip()][-tail:]
        if found:
            run = " (previous run)" if previous else ""
            return [f"last {len(found)} log lines of {pod}/{container}{run}:"] + [
                f"  {line}" for line in found
            ]
    return [f"no log lines from {pod}/{container}"]


def _flat(message: object) -> str:
    return " ".join(str(message or "").split())[:300]
