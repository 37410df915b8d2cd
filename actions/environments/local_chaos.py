"""Chaos in the local environment: faults through each service's sidecar, shutdowns by process.

Network faults (latency, errors, reset, blackhole, bandwidth) are put on the service's fault
sidecar (`actions.chaos.sidecar`) under a reference of their own, so several can be held at once
and each undone alone; a shutdown stops the service's process, and its undo starts it again on
the same port behind the same sidecar. Every undo is idempotent and needs only the stored data.
"""

from __future__ import annotations

from typing import Any

import httpx

from actions.chaos import faults as proxy_faults
from actions.chaos.inject import UndoData
from actions.chaos.method import Fault
from actions.environments import processes
from actions.environments.local import LocalEnvironment
from actions.errors import EnvironmentFailure, NotAvailable

NETWORK = frozenset({"latency", "errors", "reset", "blackhole", "bandwidth"})
CONTROL_TIMEOUT_S = 5.0
TOKEN_HEADER = "X-Preprod-Token"


def proxy_fault(fault: Fault) -> proxy_faults.Fault:
    """The sidecar's form of an experiment's network fault. Pure."""
    data: dict[str, Any]
    if fault.type == "latency":
        data = {"kind": "latency", "delay_ms": fault.delay * 1000, "jitter_ms": fault.jitter * 1000}
    elif fault.type == "errors":
        data = {"kind": "errors", "status": fault.status, "rate": fault.rate}
    elif fault.type == "reset":
        data = {"kind": "reset", "rate": fault.rate}
    elif fault.type == "blackhole":
        data = {"kind": "blackhole"}
    elif fault.type == "bandwidth":  # kbit/s to bytes/s
        data = {"kind": "bandwidth", "bytes_per_second": max(1, round(fault.rate * 1000 / 8))}
    else:
        raise ValueError(f"{fault.type} is not a network fault")
    return proxy_faults.parse_faults([data])[0]


class LocalInjector:
    """Faults into a local environment's services (one process each)."""

    def __init__(self, env: LocalEnvironment) -> None:
        self.env = env
        self.environment = env.name
        self._client = httpx.Client(timeout=CONTROL_TIMEOUT_S)

    def replicas(self) -> dict[str, int]:
        return {name: 1 for name in self.env.records()}

    def snapshot(self, service: str) -> UndoData:
        record = self._record(service)
        return {"control_url": record.control_url}

    def prepare(self, fault: Fault, ref: str) -> UndoData:
        record = self._record(fault.service)
        if fault.type in NETWORK:
            if record.control_url is None:
                raise NotAvailable(
                    f"{fault.type} on {fault.service} is not available: {self.environment} runs "
                    "its services without fault sidecars (they are started where chaos_allowed "
                    "is true and chaos.allowed_environments lists the environment); deploy again"
                )
            return {"ref": ref, "control_url": record.control_url}
        if fault.type == "shutdown":
            return {"pid": record.pid}
        raise NotAvailable(f"{fault.type} is not available in a local environment")

    def apply(self, fault: Fault, undo: UndoData) -> str:
        if fault.type == "shutdown":
            return self.env.stop_service(fault.service)
        body = proxy_fault(fault).model_dump()
        self._control("PUT", undo["control_url"], f"/faults/{undo['ref']}", body)
        return f"{fault.label}: set on the sidecar of {fault.service}"

    def undo(self, action: str, service: str, undo: UndoData) -> str:
        if action == "shutdown":
            return self.env.restart(service)
        if action in NETWORK:
            gone = self._control("DELETE", undo["control_url"], f"/faults/{undo['ref']}")
            return f"{action} on {service}: " + ("sidecar gone" if gone else "removed")
        return f"{action} on {service}: nothing to undo locally"

    def restore(self, service: str, before: UndoData) -> str:
        record = self._record(service)
        done = []
        if record.control_url:
            self._control("DELETE", record.control_url, "/faults")
            done.append("faults cleared")
        if not processes.is_running(record.pid, record.ticks):
            done.append(self.env.restart(service))
        return f"{service}: " + (", ".join(done) or "as before")

    def close(self) -> None:
        self._client.close()

    def _record(self, service: str) -> Any:
        records = self.env.records()
        if service not in records:
            running = ", ".join(records) or "nothing"
            raise EnvironmentFailure(f"{self.environment} runs no {service} (it runs {running})")
        return records[service]

    def _control(self, method: str, base: str, path: str, body: Any = None) -> bool:
        """Call a sidecar; True when it is gone (nothing left to undo there)."""
        token = self.env.chaos_token() or ""
        for attempt in range(3):
            try:
                response = self._client.request(
                    method, base + path, json=body, headers={TOKEN_HEADER: token}
                )
            except httpx.ConnectError:
                return True  # no sidecar listens: the faults went with it
            except httpx.TransportError as exc:
                if attempt == 2:
                    raise EnvironmentFailure(f"the fault sidecar at {base} failed: {exc}") from None
                continue
            if response.status_code >= 400:
                raise EnvironmentFailure(
                    f"the fault sidecar at {base} refused {method} {path}: "
                    f"{response.status_code} {response.text[:200]}"
                )
            return False
        return False
