"""A service's logs: the lines of its Deployment's pods, with timestamps, within a time window."""

from __future__ import annotations

import math
from datetime import datetime

from actions.environments.base import LogLine
from actions.environments.kubernetes.objects import Obj, name, parse_time
from actions.environments.kubernetes.resources import Cluster
from actions.environments.kubernetes.revisions import pods_of


def parse_line(line: str) -> tuple[datetime | None, str]:
    """A `timestamps=true` log line split into its RFC 3339 timestamp and its text."""
    stamp, _, text = line.partition(" ")
    when = parse_time(stamp)
    return (when, text) if when else (None, line)


def window_lines(
    pod: str, container: str, text: str, since: datetime | None, until: datetime | None
) -> list[LogLine]:
    """The lines of one container's log that fall within [since, until]."""
    found = []
    for raw in text.splitlines():
        when, line = parse_line(raw)
        if when and ((since and when < since) or (until and when > until)):
            continue
        found.append(LogLine(pod=pod, container=container, timestamp=when, text=line))
    return found


def merge(lines: list[LogLine], tail: int | None) -> list[LogLine]:
    """Lines of several pods in time order (lines without a time keep their place last)."""
    timed = [(x.timestamp, i, x) for i, x in enumerate(lines) if x.timestamp]
    ordered = [x for _, _, x in sorted(timed)] + [x for x in lines if not x.timestamp]
    return ordered[-tail:] if tail else ordered


def logs_window(
    cluster: Cluster,
    deployment: Obj,
    container: str,
    since: datetime | None,
    until: datetime | None,
    tail: int | None,
    now: datetime,
) -> list[LogLine]:
    """The log lines of every pod of the Deployment's revisions within the window."""
    options: dict[str, object] = {"timestamps": True}
    if since is not None:
        options["since_seconds"] = max(1, math.ceil((now - since).total_seconds()))
    if tail is not None:
        options["tail_lines"] = tail
    every = cluster.pods(deployment)
    pods = [p for rs in cluster.replicasets(deployment) for p in pods_of(rs, every)]
    lines: list[LogLine] = []
    for pod in sorted({name(p): p for p in pods}.values(), key=name):
        if not _has_run(pod, container):
            continue
        text = cluster.pod_log(name(pod), container, **options)
        lines.extend(window_lines(name(pod), container, text, since, until))
    return merge(lines, tail)


def _has_run(pod: Obj, container: str) -> bool:
    """Whether the container ever started (a never-started one has no log to ask for)."""
    for cs in (pod.get("status") or {}).get("containerStatuses") or []:
        if cs.get("name") == container:
            state = cs.get("state") or {}
            return bool(state.get("running") or state.get("terminated") or cs.get("restartCount"))
    return False
