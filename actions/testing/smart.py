"""Smart selection's inputs for the e2e step: the release folders' churn and the stored history.

The thin I/O around `selection` (which decides): hashing two release folders, reading the
changed Python files for their changed symbols, and reading the app's past e2e runs.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import Any

from actions.config import E2EConfig
from actions.testing import churn, selection
from actions.testing.junit import node_id
from storage import test_history
from storage.store import Store

_VERSION = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
_SKIPPED_PARTS = ("__pycache__", ".git", ".pytest_cache", ".mypy_cache", "node_modules")
MAX_SOURCE_BYTES = 1_000_000
"""Larger changed files count as changed files only, without their symbols."""


def hash_tree(root: Path) -> dict[str, str]:
    """`{path relative to root (posix): sha256 of its bytes}` for every file under `root`."""
    found: dict[str, str] = {}
    for path in sorted(root.rglob("*")):
        relative = path.relative_to(root)
        if any(part in _SKIPPED_PARTS for part in relative.parts) or path.suffix == ".pyc":
            continue
        if path.is_file():
            found[relative.as_posix()] = hashlib.sha256(path.read_bytes()).hexdigest()
    return found


def changed_items(baseline: Path, candidate: Path) -> list[str]:
    """The files that differ between two release folders, then `file::symbol` for Python ones."""
    before, after = hash_tree(baseline), hash_tree(candidate)
    files = churn.changed_files(before, after)
    items = list(files)
    for path in files:
        if not path.endswith(".py") or path not in before or path not in after:
            continue
        old, new = baseline / path, candidate / path
        if max(old.stat().st_size, new.stat().st_size) > MAX_SOURCE_BYTES:
            continue
        old_text = old.read_text(encoding="utf-8", errors="replace")
        new_text = new.read_text(encoding="utf-8", errors="replace")
        items += [f"{path}::{name}" for name in churn.changed_symbols(old_text, new_text)]
    return items


def release_churn(
    releases_dir: Path | None, baseline: str | None, version: str
) -> dict[str, Any] | None:
    """`{"baseline", "changed"}` between `<releases_dir>/<baseline>` and `/<version>`, or None."""
    if releases_dir is None or not baseline or baseline == version:
        return None
    if not (_VERSION.match(baseline) and _VERSION.match(version)):
        return None
    old, new = releases_dir / baseline, releases_dir / version
    if not (old.is_dir() and new.is_dir()):
        return None
    return {"baseline": baseline, "changed": changed_items(old, new)}


def choose(
    store: Store | None,
    app: str | None,
    *,
    before: int | None,
    config: E2EConfig.Selection,
    changed: list[str],
    budget_s: float | None,
) -> selection.Selection:
    """Rank the tests the app's history knows; cut at the request's budget, else the config's."""
    if store is None or not app:
        return selection.Selection(chosen=(), note="no test history without an app and a store")
    history = test_history.e2e_history(store, app, before=before, limit=config.history_runs)
    past = [
        selection.PastRun(
            outcomes=run.outcomes,
            durations=run.durations,
            changed=None if run.changed is None else frozenset(run.changed),
        )
        for run in history
    ]
    return selection.choose(
        test_history.known_tests(history),
        past,
        changed,
        budget=budget_s if budget_s is not None else config.budget,
        weights=selection.Weights(half_life_runs=config.half_life_runs),
        test_map=config.map,
    )


def plan_for(mode: str, chosen: selection.Selection | None) -> dict[str, Any] | None:
    """What preprod's pytest plugin is asked to do for a `--select` mode (None: nothing)."""
    if mode == "all":
        return None
    if mode != "smart":
        return {"keyword": mode}
    if chosen is None or not chosen.chosen:
        return None
    return {
        "run": [r.test_id for r in chosen.chosen],
        "skip": [r.test_id for r in chosen.skipped],
        "others": "first",  # tests the history does not know yet
    }


def describe(
    mode: str, chosen: selection.Selection | None, ran: list[str], applied: bool
) -> tuple[str, dict[str, Any]] | None:
    """What the selection did, for the summary and the data; None for `all`."""
    if mode == "all":
        return None
    if mode != "smart":
        data: dict[str, Any] = {"mode": "pattern", "pattern": mode}
        if applied:
            return f"selected by -k {mode!r}", data
        return f"-k {mode!r} needs a pytest command: every test ran", data
    if chosen is None:
        return None
    known = {r.test_id for r in (*chosen.chosen, *chosen.skipped)}
    data = {
        "mode": "smart",
        "note": chosen.note,
        "budget_s": None if chosen.budget_s is None else round(chosen.budget_s, 3),
        "estimated_s": round(chosen.estimated_s, 3),
        "risk_left": round(chosen.risk_left, 4),
        "order": [_risk(r) for r in chosen.chosen],
        "skipped": [{**_risk(r), "node_id": node_id(r.test_id)} for r in chosen.skipped],
        "new": [t for t in ran if t not in known],
    }
    if not chosen.chosen:
        return f"smart selection: {chosen.note}", data
    if not applied:
        data["note"] = "the command did not load preprod's pytest plugin, so every test ran"
        return "smart selection needs a pytest command: every test ran", data
    if not chosen.skipped:
        return f"smart selection ran all {len(ran)} tests, riskiest first", data
    budget = f" in a budget of {chosen.budget_s:.3g}s" if chosen.budget_s is not None else ""
    return (
        f"smart selection ran {len(ran)} test(s) riskiest first{budget}, skipped "
        f"{len(chosen.skipped)} (risk left {chosen.risk_left:.2f} expected failures)"
    ), data


def _risk(risk: selection.Risk) -> dict[str, Any]:
    return {
        "id": risk.test_id,
        "probability": round(risk.probability, 4),
        "duration_s": round(risk.duration_s, 3),
        "because": risk.because,
    }
