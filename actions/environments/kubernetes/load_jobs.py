"""Distributed load inside a cluster: a Locust master Job, N worker Jobs, and their files.

For load beyond one machine, the load step can run Locust in the environment's namespace: a
ConfigMap carries the locustfile (or the generic harness and its traffic profile), a Service
gives the master a stable name, one Job runs the master (headless, `--json` to its log) and one
Job runs the workers. The step polls the master Job, reads the final statistics from the master
pod's log, and always deletes what it created (labelled `preprod.dev/load-run`), also after a
timeout or a cancel. Building the objects and reading the log are pure; `ClusterLoad` is the I/O.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

from actions.environments.kubernetes.objects import Obj
from actions.environments.kubernetes.resources import Cluster
from actions.environments.kubernetes.retry import NotFound
from actions.errors import EnvironmentFailure, PreprodError

log = logging.getLogger(__name__)

RUN_LABEL = "preprod.dev/load-run"
ROLE_LABEL = "preprod.dev/load-role"
MANAGED = {"app.kubernetes.io/managed-by": "preprod"}
MOUNT = "/preprod-load"
MASTER_PORT = 5557
JobState = Literal["pending", "running", "succeeded", "failed"]


@dataclass(frozen=True)
class LoadJob:
    """One distributed load: what runs where, for how long."""

    run: str  # a DNS-safe id, e.g. "run-12"
    image: str  # an image with Locust (and preprod, for a traffic profile)
    files: dict[str, str]  # file name → content, mounted under MOUNT
    locustfile: str  # the file name of the locustfile among `files`
    headless_args: list[str]  # -u, -r, -t, --host …
    workers: int
    timeout_s: float
    env: dict[str, str] = field(default_factory=dict)

    @property
    def names(self) -> dict[str, str]:
        base = f"preprod-load-{self.run}"
        return {
            "configmap": base,
            "service": f"{base}-master",
            "master": f"{base}-master",
            "workers": f"{base}-workers",
        }


def _labels(job: LoadJob, role: str | None = None) -> dict[str, str]:
    found = {**MANAGED, RUN_LABEL: job.run}
    return {**found, ROLE_LABEL: role} if role else found


def configmap_body(job: LoadJob) -> Obj:
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": job.names["configmap"], "labels": _labels(job)},
        "data": dict(job.files),
    }


def service_body(job: LoadJob) -> Obj:
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": job.names["service"], "labels": _labels(job)},
        "spec": {
            "selector": _labels(job, "master"),
            "ports": [{"name": "locust", "port": MASTER_PORT, "targetPort": MASTER_PORT}],
        },
    }


def master_job_body(job: LoadJob) -> Obj:
    args = [
        *("--master", "--master-bind-port", str(MASTER_PORT)),
        *("--expect-workers", str(job.workers), "--headless", *job.headless_args),
        *("--json", "--only-summary", "--exit-code-on-error", "0"),
    ]
    return _job(job, "master", args, completions=1)


def worker_job_body(job: LoadJob, namespace: str) -> Obj:
    host = f"{job.names['service']}.{namespace}.svc"
    args = ["--worker", "--master-host", host, "--master-port", str(MASTER_PORT)]
    return _job(job, "worker", args, completions=job.workers)


def _job(job: LoadJob, role: str, args: list[str], *, completions: int) -> Obj:
    container = {
        "name": "locust",
        "image": job.image,
        "command": ["python", "-m", "locust", "-f", f"{MOUNT}/{job.locustfile}", *args],
        "env": [{"name": k, "value": v} for k, v in sorted(job.env.items())],
        "volumeMounts": [{"name": "load", "mountPath": MOUNT, "readOnly": True}],
    }
    if role == "master":
        container["ports"] = [{"containerPort": MASTER_PORT, "name": "locust"}]
    return {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {"name": job.names["master" if role == "master" else "workers"],
                     "labels": _labels(job, role)},
        "spec": {
            "parallelism": completions,
            "completions": completions,
            "backoffLimit": 0,
            "activeDeadlineSeconds": int(job.timeout_s) + 60,
            "ttlSecondsAfterFinished": 600,
            "template": {
                "metadata": {"labels": _labels(job, role)},
                "spec": {
                    "restartPolicy": "Never",
                    "containers": [container],
                    "volumes": [
                        {"name": "load", "configMap": {"name": job.names["configmap"]}}
                    ],
                },
            },
        },
    }  # fmt: skip


def job_state(obj: Obj) -> JobState:
    """A Job's state from its status: conditions first, then its pod counters."""
    status = obj.get("status") or {}
    for condition in status.get("conditions") or []:
        if condition.get("status") != "True":
            continue
        if condition.get("type") == "Complete":
            return "succeeded"
        if condition.get("type") == "Failed":
            return "failed"
    if status.get("failed"):
        return "failed"
    if status.get("succeeded"):
        return "succeeded"
    return "running" if status.get("active") else "pending"


def stats_from_log(text: str) -> str:
    """The JSON statistics Locust's master printed with `--json`, out of its whole log."""
    decoder = json.JSONDecoder()
    start = 0
    while (at := text.find("[", start)) != -1:
        line_start = text.rfind("\n", 0, at) + 1
        if text[line_start:at].strip() == "":
            try:
                value, _ = decoder.raw_decode(text, at)
            except ValueError:
                value = None
            if isinstance(value, list) and all(isinstance(v, dict) for v in value):
                return json.dumps(value)
        start = at + 1
    raise EnvironmentFailure("the Locust master's log holds no statistics (was --json lost?)")


@dataclass
class ClusterOutcome:
    state: JobState
    elapsed_s: float
    log: str = ""
    timed_out: bool = False
    cancelled: bool = False


class ClusterLoad:
    """Runs one `LoadJob` in the cluster's namespace and cleans up after it."""

    def __init__(self, cluster: Cluster, *, poll_s: float = 1.0) -> None:
        self.cluster = cluster
        self.poll_s = poll_s

    def run(
        self,
        job: LoadJob,
        *,
        cancel_event: threading.Event,
        progress: Callable[[str], None],
    ) -> ClusterOutcome:
        started = time.monotonic()
        try:
            self._create(job)
            progress(f"load: Locust master and {job.workers} worker(s) started as Jobs")
            outcome = self._wait(job, started, cancel_event, progress)
            if outcome.state in ("succeeded", "failed"):
                outcome.log = self._master_log(job)
            return outcome
        finally:
            self.delete(job)

    def delete(self, job: LoadJob) -> None:
        """Delete everything the load created; what is already gone is fine."""
        api, ns = self.cluster.api, self.cluster.namespace
        deletions: list[tuple[Callable[..., object], str]] = [
            (api.batch.delete_namespaced_job, job.names["workers"]),
            (api.batch.delete_namespaced_job, job.names["master"]),
            (api.core.delete_namespaced_service, job.names["service"]),
            (api.core.delete_namespaced_config_map, job.names["configmap"]),
        ]
        for delete, obj_name in deletions:
            try:
                self.cluster.calls.write(
                    delete,
                    obj_name,
                    ns,
                    propagation_policy="Background",
                    what=f"deleting {obj_name} in namespace {ns}",
                )
            except NotFound:
                continue
            except PreprodError as exc:  # cleanup must not hide the load's own outcome
                log.warning(
                    "could not delete %s (label %s=%s): %s", obj_name, RUN_LABEL, job.run, exc
                )

    def _create(self, job: LoadJob) -> None:
        api, ns = self.cluster.api, self.cluster.namespace
        creations: list[tuple[Callable[..., object], Obj]] = [
            (api.core.create_namespaced_config_map, configmap_body(job)),
            (api.core.create_namespaced_service, service_body(job)),
            (api.batch.create_namespaced_job, master_job_body(job)),
            (api.batch.create_namespaced_job, worker_job_body(job, ns)),
        ]
        for create, body in creations:
            what = f"creating {body['kind']} {body['metadata']['name']} in namespace {ns}"
            self.cluster.calls.write(create, ns, body, what=what)

    def _wait(
        self,
        job: LoadJob,
        started: float,
        cancel_event: threading.Event,
        progress: Callable[[str], None],
    ) -> ClusterOutcome:
        api, ns = self.cluster.api, self.cluster.namespace
        said = ""
        while True:
            elapsed = time.monotonic() - started
            master = self.cluster.as_dict(
                self.cluster.calls.read(
                    api.batch.read_namespaced_job,
                    job.names["master"],
                    ns,
                    what=f"reading job {job.names['master']} in namespace {ns}",
                )
            )
            state = job_state(master)
            if state in ("succeeded", "failed"):
                return ClusterOutcome(state, elapsed)
            if state != said:
                progress(f"load: master Job {state} after {elapsed:.0f}s")
                said = state
            if elapsed > job.timeout_s:
                return ClusterOutcome(state, elapsed, timed_out=True)
            if cancel_event.wait(self.poll_s):
                return ClusterOutcome(state, elapsed, cancelled=True)

    def _master_log(self, job: LoadJob) -> str:
        api, ns = self.cluster.api, self.cluster.namespace
        listed = self.cluster.calls.read(
            api.core.list_namespaced_pod,
            ns,
            label_selector=f"{RUN_LABEL}={job.run},{ROLE_LABEL}=master",
            what=f"listing the load master's pod in namespace {ns}",
        )
        pods = [self.cluster.as_dict(p) for p in listed.items or []]
        if not pods:
            raise EnvironmentFailure(f"the load master's pod of {job.run} is gone: no statistics")
        pod_name = str(pods[-1]["metadata"]["name"])
        return self.cluster.pod_log(pod_name, "locust")
