"""The baseline a run is compared with: the comparison runs the gate names, from storage."""

from __future__ import annotations

from actions.config import GateConfig
from actions.report import baseline
from storage import runs
from storage.store import Store


def baseline_table(
    store: Store, gate: GateConfig, app: str, version: str | None, before: int
) -> dict[baseline.Key, float]:
    """The baseline of each measurement: the mean over the comparison runs the gate names.

    With a baseline version, those are that version's runs; without one, the app's earlier runs.
    """
    found = runs.comparison_runs(
        store,
        app,
        version,
        verdicts=gate.comparison_verdicts,
        limit=gate.comparison_count,
        before=before,
    )
    return baseline.average(runs.measurements_of(store, r["id"]) for r in found)
