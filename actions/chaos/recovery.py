"""Start-up recovery: the undo steps a crashed bot left on record are carried out.

Run before the bot takes commands. An experiment whose owner process is still alive (another
preprod process runs it) is left alone; one whose undo fails stays pending for the next start,
and the failure is said plainly.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from actions.chaos.inject import Injector
from actions.chaos.undo import run_undo
from storage import chaos as chaos_store
from storage.store import Store

log = logging.getLogger(__name__)

InjectorFor = Callable[[str], tuple[Injector, dict[str, str]]]  # env → (injector, its urls)


@dataclass
class Recovered:
    experiment_id: int
    run_id: int
    experiment: str
    environment: str
    done: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        return not self.failed

    def text(self) -> str:
        head = f"chaos {self.experiment} on {self.environment} (run {self.run_id})"
        if self.complete:
            return f"{head} was interrupted by a stop of the bot; rolled back: " + (
                "; ".join(self.done) or "nothing was applied"
            )
        return f"{head}: rollback incomplete, retried at the next start: " + "; ".join(self.failed)


def recover(store: Store, injector_for: InjectorFor) -> list[Recovered]:
    """Undo what every crashed experiment left applied, latest first; each experiment closed."""
    recovered = []
    for pending in chaos_store.pending_rollbacks(store):
        if pending["owner_alive"]:
            continue
        item = Recovered(
            pending["id"], pending["run_id"], pending["experiment"], pending["environment"]
        )
        try:
            injector, urls = injector_for(pending["environment"])
        except Exception as exc:
            item.failed.append(f"environment {pending['environment']}: {exc}")
            recovered.append(item)
            continue
        try:
            for step in pending["steps"]:
                record = step["step"]
                try:
                    item.done.append(run_undo(injector, record, urls))
                except Exception as exc:  # keep going: every other undo still runs
                    log.warning("chaos recovery: %s failed: %s", record["description"], exc)
                    item.failed.append(f"{record['description']}: {exc}")
                    continue
                chaos_store.mark_rolled_back(store, pending["id"], step["position"])
        finally:
            injector.close()
        if item.complete:
            chaos_store.finish_experiment(store, pending["id"], "rolled_back")
        recovered.append(item)
    return recovered
