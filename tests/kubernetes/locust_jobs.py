"""The Job controller and container runtime for Locust Jobs on the fake cluster.

When a Job labelled `preprod.dev/load-run` appears, this starts its pods as real local Locust
processes: the ConfigMap's files are written to a folder that stands for the volume mount, the
master's bind port and the workers' master address are pointed at a free loopback port, pods are
added to the fake (so listing them works), the master pod's log is the master process's output,
and the Jobs' status follows the processes (active, then Complete or Failed), as the Job
controller would set it.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

from actions.environments.kubernetes.load_jobs import MASTER_PORT, MOUNT, ROLE_LABEL, RUN_LABEL
from tests.fakes.kube_api import FakeKubernetes


class LocustJobRuntime:
    def __init__(self, kube: FakeKubernetes, workdir: Path) -> None:
        self.kube, self.workdir = kube, workdir
        self.processes: dict[str, list[subprocess.Popen[bytes]]] = {}  # job name → its pods
        self.ports: dict[str, int] = {}  # run → the master's port
        self.seen_jobs: list[dict[str, Any]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True, name="locust-jobs")

    def start(self) -> LocustJobRuntime:
        self._thread.start()
        return self

    def close(self) -> None:
        self._stop.set()
        self._thread.join(5)
        for group in self.processes.values():
            for process in group:
                if process.poll() is None:
                    process.kill()
                process.wait(10)

    def _loop(self) -> None:
        while not self._stop.wait(0.1):
            jobs = self.kube.list("jobs")
            for job in jobs:
                name = job["metadata"]["name"]
                if name not in self.processes:
                    self.seen_jobs.append(job)
                    self._start(job)
                self._update(job)
            present = {job["metadata"]["name"] for job in jobs}
            for name, group in self.processes.items():
                if name not in present:  # a deleted Job's pods are terminated
                    for process in group:
                        if process.poll() is None:
                            process.terminate()

    def _start(self, job: dict[str, Any]) -> None:
        meta, spec = job["metadata"], job["spec"]
        namespace, run = meta["namespace"], meta["labels"][RUN_LABEL]
        role = meta["labels"][ROLE_LABEL]
        pod_spec = spec["template"]["spec"]
        container = pod_spec["containers"][0]
        configmap = self.kube.get(
            "configmaps", namespace, pod_spec["volumes"][0]["configMap"]["name"]
        )
        mount = self.workdir / run
        mount.mkdir(parents=True, exist_ok=True)
        for file_name, content in (configmap or {}).get("data", {}).items():
            (mount / file_name).write_text(content)
        port = self.ports.setdefault(run, _free_port())
        argv = [_local(arg, mount, port) for arg in container["command"]]
        argv[0] = sys.executable
        if role == "worker":
            at = argv.index("--master-host")
            argv[at + 1] = "127.0.0.1"
        env = {e["name"]: e["value"] for e in container.get("env", [])}
        group: list[subprocess.Popen[bytes]] = []
        for index in range(int(spec.get("parallelism", 1))):
            pod_name = f"{meta['name']}-{index}"
            log_path = mount / f"{pod_name}.log"
            with log_path.open("wb") as log:
                group.append(
                    subprocess.Popen(
                        argv,
                        stdout=log,
                        stderr=subprocess.STDOUT,
                        cwd=mount,
                        env={**_base_env(), **env},
                    )
                )
            labels = spec["template"]["metadata"]["labels"]
            self.kube.add(
                {
                    "apiVersion": "v1",
                    "kind": "Pod",
                    "metadata": {"name": pod_name, "namespace": namespace, "labels": labels},
                    "spec": {"containers": [{"name": "locust", "image": container["image"]}]},
                }
            )
            self.kube.serve_log(namespace, pod_name, lambda p=log_path: p.read_text())
        self.processes[meta["name"]] = group

    def _update(self, job: dict[str, Any]) -> None:
        group = self.processes.get(job["metadata"]["name"], [])
        codes = [p.poll() for p in group]
        active = sum(code is None for code in codes)
        failed = sum(code not in (None, 0) for code in codes)
        succeeded = sum(code == 0 for code in codes)
        status: dict[str, Any] = {"active": active, "failed": failed, "succeeded": succeeded}
        if failed:
            status["conditions"] = [{"type": "Failed", "status": "True"}]
        elif group and succeeded == len(group):
            status["conditions"] = [{"type": "Complete", "status": "True"}]
        if job.get("status") != status:
            self.kube.store.save("jobs", {**job, "status": status})


def _local(arg: str, mount: Path, port: int) -> str:
    """A container argument as the local process needs it."""
    if arg.startswith(MOUNT):
        return str(mount) + arg[len(MOUNT) :]
    return str(port) if arg == str(MASTER_PORT) else arg


def _base_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith(("PREPROD_", "SLACK_"))}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])
