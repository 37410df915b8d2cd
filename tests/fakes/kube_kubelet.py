"""The fake kubelet: runs each pod's containers through the behaviour chosen by their image.

It schedules new pods (Scheduled, Pulling), moves container states over time, writes the pod
status and the Events a real node would (Pulled, Created, Started, Failed, BackOff, Unhealthy,
Killing), keeps container logs, and finishes graceful deletions after `termination_delay`.
"""

from __future__ import annotations

import copy
import functools
import itertools
import math
import time
from collections.abc import Callable

from tests.fakes.kube_behaviours import Behaviours, go_duration, normalized_image
from tests.fakes.kube_errors import not_found
from tests.fakes.kube_events import EventRecorder
from tests.fakes.kube_objects import NODE, rfc3339
from tests.fakes.kube_pods import ContainerSim, PodSim, container_id, stamped
from tests.fakes.kube_store import Obj, Store

PodHook = Callable[[Obj], None]


class Kubelet:
    """Steps every pod on each controller tick (`step`), under the store lock."""

    def __init__(
        self,
        store: Store,
        events: EventRecorder,
        behaviours: Behaviours,
        *,
        termination_delay: float,
    ) -> None:
        self.store, self.events, self.behaviours = store, events, behaviours
        self.termination_delay = termination_delay
        self.sims: dict[str, PodSim] = {}
        self.on_ready: list[PodHook] = []
        self.on_deleted: list[PodHook] = []
        self._ips = itertools.count(2)

    def ready_since(self, uid: str) -> float | None:
        """When (time.monotonic()) the pod became Ready, or None."""
        sim = self.sims.get(uid)
        return sim.ready_since if sim else None

    def read_log(self, namespace: str, name: str, params: dict[str, str]) -> str:
        with self.store.lock:
            pod = self.store.find("pods", namespace, name)
            sim = self.sims.get(pod["metadata"]["uid"]) if pod else None
            if pod is None:
                raise not_found("pods", "", name)
            return (sim or self._new_sim(pod)).log(pod, params)

    def step(self) -> list[Callable[[], None]]:
        """Advance all pods; returns the hook calls to make once the lock is released."""
        calls: list[Callable[[], None]] = []
        clock, seen = time.monotonic(), set()
        for pod in self.store.objects("pods"):
            meta = pod["metadata"]
            seen.add(meta["uid"])
            sim = self.sims.get(meta["uid"]) or self._schedule(pod, clock)
            if meta.get("deletionTimestamp"):
                if sim.deleting_at is None:
                    sim.deleting_at = clock + self.termination_delay
                    self._kill(pod, sim)
                elif clock >= sim.deleting_at:
                    self.store.remove("pods", meta["namespace"], meta["name"])
                    seen.discard(meta["uid"])
                    continue
            else:
                for c in sim.containers:
                    while c.next_at <= clock:
                        self._advance(pod, c)
            was_ready = sim.ready_since is not None
            sim.last = self.store.save("pods", sim.with_status(pod)) or pod
            if sim.ready_since is not None and not was_ready:
                calls += [functools.partial(h, copy.deepcopy(sim.last)) for h in self.on_ready]
        for uid in [u for u in self.sims if u not in seen]:
            last = self.sims.pop(uid).last
            calls += [functools.partial(h, copy.deepcopy(last)) for h in self.on_deleted]
        return calls

    def adopt_ready(self, pod: Obj) -> Obj:
        """Run a seeded pod as long since Running and Ready (no events, as in a steady cluster)."""
        sim = self._new_sim(pod)
        for c in sim.containers:
            c.phase, c.ready, c.pulled, c.next_at = "running", True, True, math.inf
            c.started_at = pod["metadata"]["creationTimestamp"]
            c.container_id = container_id(pod, c)
            c.logs = stamped(c.behaviour.logs)
        sim.ready_since = time.monotonic() - 3600
        self.sims[sim.uid] = sim
        sim.last = self.store.save("pods", sim.with_status(pod)) or pod
        return sim.last

    # transitions -------------------------------------------------------------------------------

    def _new_sim(self, pod: Obj) -> PodSim:
        containers = [
            ContainerSim(c["name"], c["image"], self.behaviours.for_image(c["image"]))
            for c in pod["spec"]["containers"]
        ]
        n = next(self._ips)
        pod_ip = f"10.244.{n // 250}.{n % 250 + 2}"
        return PodSim(pod["metadata"]["uid"], containers, pod_ip, rfc3339())

    def _schedule(self, pod: Obj, clock: float) -> PodSim:
        sim = self._new_sim(pod)
        self.sims[sim.uid] = sim
        pod["spec"]["nodeName"] = NODE
        where = f"{pod['metadata']['namespace']}/{pod['metadata']['name']}"
        message = f"Successfully assigned {where} to {NODE}"
        self.events.record(pod, "Normal", "Scheduled", message, "default-scheduler")
        for c in sim.containers:
            c.next_at = clock + c.behaviour.start_after
            self._event(pod, c, "Normal", "Pulling", f'Pulling image "{c.image}"')
        return sim

    def _advance(self, pod: Obj, c: ContainerSim) -> None:
        """One transition of one container, due at `c.next_at`."""
        b, at = c.behaviour, c.next_at
        if c.phase in ("creating", "pull_backoff") and b.kind == "image_pull_backoff":
            if c.phase == "pull_backoff":
                self._event(pod, c, "Normal", "Pulling", f'Pulling image "{c.image}"')
            error = b.pull_error or _pull_error(c.image)
            self._event(pod, c, "Warning", "Failed", f'Failed to pull image "{c.image}": {error}')
            self._event(pod, c, "Warning", "Failed", "Error: ErrImagePull")
            c.phase, c.waiting, c.next_at = "err_pull", ("ErrImagePull", error), at + b.period
        elif c.phase == "err_pull":
            message = f'Back-off pulling image "{c.image}"'
            self._event(pod, c, "Normal", "BackOff", message)
            self._event(pod, c, "Warning", "Failed", "Error: ImagePullBackOff")
            c.phase, c.waiting, c.next_at = (
                "pull_backoff",
                ("ImagePullBackOff", message),
                (at + b.period),
            )
        elif c.phase in ("creating", "backoff"):
            self._start(pod, c, at)
        elif c.phase == "running" and b.kind == "ready":
            c.ready, c.next_at = True, math.inf
        elif c.phase == "running" and b.kind == "never_ready":
            self._event(
                pod, c, "Warning", "Unhealthy", f"Readiness probe failed: {b.probe_message}"
            )
            c.next_at = at + b.period
        elif c.phase == "running":  # crash_loop: the process exits
            c.terminated = {
                "exitCode": b.exit_code,
                "reason": "Error",
                "startedAt": c.started_at,
                "finishedAt": rfc3339(),
                "containerID": c.container_id,
            }
            c.phase, c.ready, c.next_at = "terminated", False, at + min(0.1, b.period / 2)
        elif c.phase == "terminated":
            meta = pod["metadata"]
            delay = go_duration(min(10 * 2**c.restarts, 300))
            ref = f"{meta['name']}_{meta['namespace']}({meta['uid']})"
            c.restarts += 1
            c.last_state, c.terminated = {"terminated": c.terminated}, None
            c.previous_logs, c.logs = c.logs, []
            message = f"back-off {delay} restarting failed container={c.name} pod={ref}"
            c.waiting = ("CrashLoopBackOff", message)
            message = f"Back-off restarting failed container {c.name} in pod {ref}"
            self._event(pod, c, "Warning", "BackOff", message)
            c.phase, c.next_at = "backoff", at + b.period

    def _start(self, pod: Obj, c: ContainerSim, at: float) -> None:
        b = c.behaviour
        if c.pulled:
            message = f'Container image "{c.image}" already present on machine'
        else:
            took = f"{b.start_after:.3f}s"
            message = (
                f'Successfully pulled image "{c.image}" in {took} ({took} including waiting). '
                "Image size: 52428800 bytes."
            )
        self._event(pod, c, "Normal", "Pulled", message)
        self._event(pod, c, "Normal", "Created", f"Created container: {c.name}")
        self._event(pod, c, "Normal", "Started", f"Started container {c.name}")
        c.pulled, c.phase, c.started_at = True, "running", rfc3339()
        c.container_id = container_id(pod, c)
        c.logs = stamped(b.logs)
        if b.kind == "ready":
            c.ready = b.ready_after <= 0
            c.next_at = math.inf if c.ready else at + b.ready_after
        else:
            c.next_at = at + (b.run_for if b.kind == "crash_loop" else b.period)

    def _kill(self, pod: Obj, sim: PodSim) -> None:
        for c in sim.containers:
            if c.phase == "running":
                self._event(pod, c, "Normal", "Killing", f"Stopping container {c.name}")
            c.ready, c.next_at = False, math.inf

    def _event(self, pod: Obj, c: ContainerSim, type_: str, reason: str, message: str) -> None:
        field_path = f"spec.containers{{{c.name}}}"
        self.events.record(pod, type_, reason, message, "kubelet", field_path)


def _pull_error(image: str) -> str:
    ref = normalized_image(image)
    return (
        f'rpc error: code = NotFound desc = failed to pull and unpack image "{ref}": failed to '
        f'resolve reference "{ref}": {ref}: not found'
    )
