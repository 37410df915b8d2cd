"""What a chaos runner asks of an environment: inject a fault, and undo it, even after a crash.

An `Injector` acts on one environment. Each fault goes through three calls:

1. `prepare(fault, ref)` returns the undo data (JSON-able, e.g. the replicas before a scale to
   zero, the name of the resource it will create). The runner stores it before anything acts.
2. `apply(fault, undo)` injects the fault.
3. `undo(action, service, undo)` takes it away. It must be safe to repeat and to call when
   `apply` never ran or only half ran (a crash may come anywhere), and it may run in another
   process than `apply` (start-up recovery), with nothing but the stored data.

`restore(service, before)` brings a service back to what it was before the experiment (the
explicit `restore` rollback); `before` is what `snapshot(service)` returned at the start.
An environment that cannot inject a fault raises `NotAvailable` from `prepare` with a plain
reason ("not available in this cluster: Chaos Mesh is not installed").
"""

from __future__ import annotations

from typing import Any, Protocol

from actions.chaos.method import Fault

UndoData = dict[str, Any]


class Injector(Protocol):
    """Fault injection into one environment (local processes, or a Kubernetes namespace)."""

    environment: str

    def replicas(self) -> dict[str, int]:
        """Running instances of each service now (what the blast-radius guard counts)."""
        ...

    def snapshot(self, service: str) -> UndoData:
        """What `restore` needs to bring `service` back as it is now."""
        ...

    def prepare(self, fault: Fault, ref: str) -> UndoData:
        """The undo data of `fault`; `ref` is unique to this fault in this experiment run
        (`<experiment id>-<method index>`), for names of anything created."""
        ...

    def apply(self, fault: Fault, undo: UndoData) -> str:
        """Inject `fault`; a one-line description of what was done (e.g. the pods deleted)."""
        ...

    def undo(self, action: str, service: str, undo: UndoData) -> str:
        """Take away a fault of type `action` on `service`; idempotent. What was done."""
        ...

    def restore(self, service: str, before: UndoData) -> str:
        """Bring `service` back as `snapshot` saw it: faults gone, instances and replicas back."""
        ...

    def close(self) -> None: ...
