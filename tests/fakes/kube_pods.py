"""A pod as the fake kubelet runs it: container states, the pod status it reports, its logs."""

from __future__ import annotations

import copy
import hashlib
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from tests.fakes.kube_behaviours import Behaviour, normalized_image
from tests.fakes.kube_errors import bad_request
from tests.fakes.kube_objects import now, rfc3339, rfc3339_nano
from tests.fakes.kube_store import Obj

WAITING = ("creating", "err_pull", "pull_backoff")
_CONDITIONS = (
    "PodReadyToStartContainers",
    "Initialized",
    "Ready",
    "ContainersReady",
    "PodScheduled",
)
Lines = list[tuple[datetime, str]]


@dataclass
class ContainerSim:
    """One container's life on the node."""

    name: str
    image: str
    behaviour: Behaviour
    phase: str = "creating"  # creating|err_pull|pull_backoff|running|terminated|backoff
    next_at: float = 0.0  # time.monotonic() of the next transition
    ready: bool = False
    pulled: bool = False
    restarts: int = 0
    container_id: str = ""
    started_at: str = ""
    waiting: tuple[str, str] = ("ContainerCreating", "")
    terminated: dict[str, Any] | None = None
    last_state: dict[str, Any] = field(default_factory=dict)
    logs: Lines = field(default_factory=list)
    previous_logs: Lines | None = None

    def status(self) -> dict[str, Any]:
        """This container's entry of `status.containerStatuses`."""
        image = normalized_image(self.image)
        digest = hashlib.sha256(self.image.encode()).hexdigest()
        status: dict[str, Any] = {
            "name": self.name,
            "image": image if self.pulled else self.image,
            "imageID": f"{_repository(image)}@sha256:{digest}" if self.pulled else "",
            "ready": self.ready,
            "started": self.phase == "running",
            "restartCount": self.restarts,
            "lastState": self.last_state,
        }
        if self.container_id:
            status["containerID"] = self.container_id
        if self.phase == "running":
            status["state"] = {"running": {"startedAt": self.started_at}}
        elif self.phase == "terminated":
            status["state"] = {"terminated": self.terminated}
        else:
            reason, message = self.waiting
            waiting = {"reason": reason, **({"message": message} if message else {})}
            status["state"] = {"waiting": waiting}
        return status

    def lines(self, pod: str, previous: bool) -> Lines:
        """The log of this container (or of its previous run); 400 as a kubelet answers."""
        if previous:
            if self.previous_logs is None:
                message = f'previous terminated container "{self.name}" in pod "{pod}" not found'
                raise bad_request(message)
            return list(self.previous_logs)
        if self.phase in WAITING:
            why = (
                "ContainerCreating"
                if self.phase == "creating"
                else ("trying and failing to pull image")
            )
            raise bad_request(f'container "{self.name}" in pod "{pod}" is waiting to start: {why}')
        # in back-off the last (dead) run is still the current container
        return list(self.previous_logs or []) if self.phase == "backoff" else list(self.logs)


@dataclass
class PodSim:
    """One pod on the node: its containers and what its status reports."""

    uid: str
    containers: list[ContainerSim]
    pod_ip: str
    start_time: str
    conditions: dict[str, tuple[str, str]] = field(default_factory=dict)
    ready_since: float | None = None  # time.monotonic() when it became Ready
    deleting_at: float | None = None
    last: Obj = field(default_factory=dict)

    def with_status(self, pod: Obj) -> Obj:
        """The pod with the status this node reports: phase, conditions, containerStatuses."""
        pod = copy.deepcopy(pod)
        unready = [c.name for c in self.containers if not c.ready]
        ready = "False" if unready else "True"
        if ready == "True" and self.ready_since is None:
            self.ready_since = time.monotonic()
        elif ready == "False":
            self.ready_since = None
        conditions = []
        for type_ in _CONDITIONS:
            status = ready if type_ in ("Ready", "ContainersReady") else "True"
            if self.conditions.get(type_, ("", ""))[0] != status:
                self.conditions[type_] = (status, rfc3339())
            condition = {
                "type": type_,
                "status": status,
                "lastProbeTime": None,
                "lastTransitionTime": self.conditions[type_][1],
            }
            if status == "False":
                condition["reason"] = "ContainersNotReady"
                condition["message"] = f"containers with unready status: [{' '.join(unready)}]"
            conditions.append(condition)
        # kubelet's getPhase: a container that never ran keeps the pod Pending
        never_ran = any(c.phase in WAITING and not c.last_state for c in self.containers)
        pod["status"] = {
            **pod.get("status", {}),
            "phase": "Pending" if never_ran else "Running",
            "conditions": conditions,
            "hostIP": "172.18.0.2",
            "hostIPs": [{"ip": "172.18.0.2"}],
            "podIP": self.pod_ip,
            "podIPs": [{"ip": self.pod_ip}],
            "startTime": self.start_time,
            "containerStatuses": [c.status() for c in self.containers],
        }
        return pod

    def log(self, pod: Obj, params: dict[str, str]) -> str:
        """`GET .../pods/{name}/log` with container, previous, sinceSeconds, tailLines,
        timestamps."""
        name = pod["metadata"]["name"]
        names = [c.name for c in self.containers]
        wanted = params.get("container") or (names[0] if len(names) == 1 else None)
        if wanted is None:
            raise bad_request(
                f"a container name must be specified for pod {name}, choose one of: "
                f"[{' '.join(names)}]"
            )
        container = next((c for c in self.containers if c.name == wanted), None)
        if container is None:
            raise bad_request(f"container {wanted} is not valid for pod {name}")
        lines = container.lines(name, params.get("previous") in ("true", "1"))
        if params.get("sinceSeconds"):
            since = now() - timedelta(seconds=int(params["sinceSeconds"]))
            lines = [(t, line) for t, line in lines if t >= since]
        if params.get("tailLines"):
            tail = int(params["tailLines"])
            lines = lines[-tail:] if tail > 0 else []
        if params.get("timestamps") in ("true", "1"):
            return "".join(f"{rfc3339_nano(t)} {line}\n" for t, line in lines)
        return "".join(f"{line}\n" for _, line in lines)


def stamped(lines: tuple[str, ...]) -> Lines:
    """Log lines as a container writes them now, a millisecond apart."""
    start = now()
    return [(start + timedelta(milliseconds=i), line) for i, line in enumerate(lines)]


def container_id(pod: Obj, c: ContainerSim) -> str:
    seed = f"{pod['metadata']['uid']}/{c.name}/{c.restarts}"
    return "containerd://" + hashlib.sha256(seed.encode()).hexdigest()


def _repository(image: str) -> str:
    """An image reference without its tag."""
    head, _, last = image.rpartition("/")
    return f"{head}/{last.split(':', 1)[0]}" if head else last.split(":", 1)[0]
