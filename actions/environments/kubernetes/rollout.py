"""Watching a Deployment's rollout until the judge says it is done or stalled, or time runs out.

One watch on the Deployment (`metadata.name=` field selector, from the resourceVersion of the
change), in short server-side windows: every change is judged at once; when a window passes with
no change, the pods of the new revision are read and judged too, so a stall that does not touch
the Deployment (a crash loop, a failing readiness probe) is still seen within a window. A 410
Expired relists and watches again; a watch that cannot be opened falls back to reading the
Deployment once per window.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Generator
from dataclasses import dataclass, field
from datetime import UTC, datetime

import urllib3
from kubernetes import watch
from kubernetes.client.exceptions import ApiException

from actions.durations import parse_duration
from actions.environments.base import Progress
from actions.environments.kubernetes.client import REQUEST_TIMEOUT_S
from actions.environments.kubernetes.judge import RolloutPolicy, Verdict, judge, progress_line
from actions.environments.kubernetes.objects import Obj, meta, name
from actions.environments.kubernetes.resources import Cluster
from actions.errors import EnvironmentFailure

WINDOW_S = 2
"""Longest wait on a quiet watch before the pods are read and judged again."""


@dataclass
class Rollout:
    """How a rollout ended: the verdict and the last state seen."""

    verdict: Verdict
    deployment: Obj
    pods: list[Obj] = field(default_factory=list)
    events: list[Obj] = field(default_factory=list)


@dataclass
class RolloutWatcher:
    cluster: Cluster
    policy: RolloutPolicy = field(default_factory=RolloutPolicy)
    window_s: int = WINDOW_S
    clock: Callable[[], float] = time.monotonic
    _deadline: float = field(default=0.0, init=False)

    def wait(self, deployment: Obj, label: str, progress: Progress, timeout: str) -> Rollout:
        """Follow the Deployment from this state (a patch's answer) to the end of its rollout."""
        self._deadline = deadline = self.clock() + parse_duration(timeout)
        changes = self._changes(name(deployment), str(meta(deployment).get("resourceVersion", "")))
        last = ""
        try:
            while True:
                pods: list[Obj] = []
                events: list[Obj] = []
                verdict = judge(deployment, [], [], _now(), self.policy)
                if verdict.state == "progressing":
                    pods = self.cluster.new_pods(deployment)
                    events = self.cluster.warnings() if _any_not_ready(pods) else []
                    verdict = judge(deployment, pods, events, _now(), self.policy)
                line = f"{label}: {progress_line(deployment)}"
                if line != last:
                    progress(line)
                    last = line
                if verdict.state != "progressing":
                    return Rollout(verdict, deployment, pods, events)
                if self.clock() >= deadline:
                    why = f"rollout did not finish within {timeout}: {progress_line(deployment)}"
                    return Rollout(Verdict("stalled", why), deployment, pods, events)
                changed = next(changes)
                if changed is not None:
                    deployment = changed
        finally:
            changes.close()

    def _changes(self, dep_name: str, resource_version: str) -> Generator[Obj | None, None, None]:
        """Each new state of the Deployment; None when a window passed without one."""
        apps, namespace = self.cluster.api.apps, self.cluster.namespace
        expired = False
        while True:
            window = max(1, min(self.window_s, math.ceil(self._deadline - self.clock())))
            watcher = watch.Watch()
            stream = watcher.stream(
                apps.list_namespaced_deployment,
                namespace,
                field_selector=f"metadata.name={dep_name}",
                resource_version=resource_version or None,
                allow_watch_bookmarks=True,
                timeout_seconds=window,
                _request_timeout=(REQUEST_TIMEOUT_S, window + REQUEST_TIMEOUT_S),
            )
            try:
                changed = False
                for event in stream:
                    obj = event.get("raw_object") or {}
                    resource_version = str(meta(obj).get("resourceVersion") or resource_version)
                    if event.get("type") == "DELETED":
                        raise EnvironmentFailure(
                            f"deployment {dep_name} was deleted during its rollout"
                        )
                    if event.get("type") in ("ADDED", "MODIFIED"):
                        changed = True
                        yield obj
                expired = False
                if not changed:
                    yield None
            except ApiException as exc:
                # 410: our resourceVersion is too old, relist (pausing if it keeps happening);
                # anything else: no watch here, so read once per window instead
                if exc.status != 410:
                    time.sleep(max(1.0, window))
                elif expired:
                    time.sleep(1.0)
                expired = exc.status == 410
                current, resource_version = self.cluster.deployment_listed(dep_name)
                yield current
            except (urllib3.exceptions.HTTPError, OSError):
                # a watch cut short (read timeout, reset): read and judge, then watch again
                current, resource_version = self.cluster.deployment_listed(dep_name)
                yield current
            finally:
                stream.close()
                watcher.stop()


def _any_not_ready(pods: list[Obj]) -> bool:
    return any(
        not cs.get("ready")
        for pod in pods
        for cs in (pod.get("status") or {}).get("containerStatuses") or []
    )


def _now() -> datetime:
    return datetime.now(UTC)
