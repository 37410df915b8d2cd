"""How a container behaves on the fake kubelet, chosen by image: `fake.behave("shop:2*", ...)`.

Times are in (short) real seconds so tests stay fast; the messages carry the numbers a real
kubelet would show (`back-off 10s`, `20s`, ... `5m0s`).
"""

from __future__ import annotations

import fnmatch
from collections.abc import Callable, Sequence
from dataclasses import dataclass

DEFAULT_LOGS = ("starting server", "loaded configuration", "listening on :8080")


@dataclass(frozen=True)
class Behaviour:
    """What the kubelet does with a container. Build one with the functions below."""

    kind: str  # ready | crash_loop | image_pull_backoff | never_ready
    start_after: float = 0.2  # from scheduling to the container running
    ready_after: float = 0.0  # from running to ready (slow_ready)
    exit_code: int = 1
    run_for: float = 0.3  # crash_loop: how long each run lasts
    period: float = 0.3  # crash_loop back-off / image pull retry / failing probe period
    logs: tuple[str, ...] = DEFAULT_LOGS
    probe_message: str = "HTTP probe failed with statuscode: 503"
    pull_error: str = ""


def ready(delay: float = 0.2, logs: Sequence[str] = DEFAULT_LOGS) -> Behaviour:
    """Pending (ContainerCreating) for `delay` seconds, then Running and Ready."""
    return Behaviour("ready", start_after=delay, logs=tuple(logs))


def slow_ready(delay: float, logs: Sequence[str] = DEFAULT_LOGS, start: float = 0.1) -> Behaviour:
    """Running after `start` seconds but Ready only after `delay` seconds (a slow warm-up)."""
    start = min(start, delay)
    return Behaviour("ready", start_after=start, ready_after=delay - start, logs=tuple(logs))


def crash_loop(
    exit_code: int = 1,
    logs: Sequence[str] = ("starting server", "fatal: cannot connect to database"),
    run_for: float = 0.3,
    backoff: float = 0.3,
    start: float = 0.1,
) -> Behaviour:
    """Runs `run_for` seconds (never Ready), exits with `exit_code`, CrashLoopBackOff, again."""
    return Behaviour(
        "crash_loop",
        start_after=start,
        exit_code=exit_code,
        run_for=run_for,
        period=backoff,
        logs=tuple(logs),
    )


def image_pull_backoff(retry: float = 0.3, error: str = "") -> Behaviour:
    """ErrImagePull, then ImagePullBackOff, retrying every `retry` seconds; stays Pending."""
    return Behaviour("image_pull_backoff", start_after=0.1, period=retry, pull_error=error, logs=())


def never_ready(
    probe_message: str = "HTTP probe failed with statuscode: 503",
    period: float = 0.3,
    logs: Sequence[str] = DEFAULT_LOGS,
    start: float = 0.1,
) -> Behaviour:
    """Running but never Ready: the readiness probe fails every `period` seconds."""
    return Behaviour(
        "never_ready",
        start_after=start,
        period=period,
        probe_message=probe_message,
        logs=tuple(logs),
    )


ImageMatch = str | Callable[[str], bool]


class Behaviours:
    """Image → behaviour rules; the most recently added matching rule wins, default `ready()`."""

    def __init__(self) -> None:
        self._rules: list[tuple[ImageMatch, Behaviour]] = []
        self.default = ready()

    def add(self, match: ImageMatch, behaviour: Behaviour) -> None:
        self._rules.append((match, behaviour))

    def for_image(self, image: str) -> Behaviour:
        for match, behaviour in reversed(self._rules):
            if match(image) if callable(match) else fnmatch.fnmatchcase(image, match):
                return behaviour
        return self.default


def go_duration(seconds: int) -> str:
    """`10s`, `1m20s`, `5m0s`: how Go prints a back-off."""
    minutes, secs = divmod(seconds, 60)
    return f"{minutes}m{secs}s" if minutes else f"{secs}s"


def normalized_image(image: str) -> str:
    """The runtime's full name for an image: `shop:2` is `docker.io/library/shop:2`."""
    first = image.split("/", 1)[0]
    if "/" not in image:
        return f"docker.io/library/{image}"
    if "." in first or ":" in first or first == "localhost":
        return image
    return f"docker.io/{image}"
