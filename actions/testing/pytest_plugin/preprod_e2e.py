"""A pytest plugin the e2e step loads into the suite's own pytest (`PYTEST_PLUGINS=preprod_e2e`).

It does nothing unless the step asks, through environment variables:
- `PYTEST_PREPROD_PLAN` names a JSON file `{"run": [ids], "skip": [ids], "others": "first" |
  "skip", "keyword": expression | null}`: the tests of `run` run in that order, those of `skip` are
  deselected, any other test runs first (a test new to the history) or is deselected; `keyword`
  is added to `-k`. An id is a JUnit id (`classname::name`, as the report will name the test) or
  a pytest node id.
- `PYTEST_PREPROD_OUT` names a file where it writes what it selected, so the step knows it ran.
Every test gets `preprod_start` and `preprod_stop` (Unix seconds) as JUnit properties, so the
step can find the services' log lines of the test's time window.

Standalone on purpose (stdlib and pytest only): the suite may run under another Python.
"""

from __future__ import annotations

import json
import os
import re
import time
from pathlib import Path
from typing import Any

import pytest

PLAN_VARIABLE = "PYTEST_PREPROD_PLAN"
OUT_VARIABLE = "PYTEST_PREPROD_OUT"
START, STOP = "preprod_start", "preprod_stop"


def junit_id(nodeid: str) -> str:
    """The id the JUnit report gives a test: `e2e/test_a.py::T::t[x]` -> `e2e.test_a.T::t[x]`."""
    path, bracket, params = nodeid.partition("[")
    names = path.split("::")
    names[0] = re.sub(r"\.py$", "", names[0].replace("/", "."))
    names[-1] += bracket + params
    return ".".join(names[:-1]) + "::" + names[-1] if len(names) > 1 else names[0]


def _plan() -> dict[str, Any] | None:
    path = os.environ.get(PLAN_VARIABLE)
    if not path:
        return None
    plan: dict[str, Any] = json.loads(Path(path).read_text(encoding="utf-8"))
    return plan


def pytest_configure(config: pytest.Config) -> None:
    plan = _plan()
    keyword = plan.get("keyword") if plan else None
    if keyword:
        current = config.option.keyword
        config.option.keyword = f"({current}) and ({keyword})" if current else keyword


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    plan = _plan() or {}
    run = {name: rank for rank, name in enumerate(plan.get("run", []))}
    skip = set(plan.get("skip", []))
    others_first = plan.get("others", "first") == "first"
    kept: list[tuple[int, int, pytest.Item]] = []
    dropped: list[pytest.Item] = []
    for position, item in enumerate(items):
        names = (item.nodeid, junit_id(item.nodeid))
        rank = next((run[n] for n in names if n in run), None)
        if rank is not None:
            kept.append((rank, position, item))
        elif any(n in skip for n in names) or not others_first:
            dropped.append(item)
        else:
            kept.append((-1, position, item))  # unknown to the plan: run it, and first
    if plan:
        kept.sort(key=lambda entry: (entry[0], entry[1]))
        if dropped:
            config.hook.pytest_deselected(items=dropped)
        items[:] = [item for _, _, item in kept]
    out = os.environ.get(OUT_VARIABLE)
    if out:
        report = {"selected": [junit_id(i.nodeid) for i in items], "deselected": len(dropped)}
        Path(out).write_text(json.dumps(report), encoding="utf-8")


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    item.user_properties.append((START, f"{time.time():.3f}"))


@pytest.hookimpl(trylast=True)
def pytest_runtest_teardown(item: pytest.Item) -> None:
    item.user_properties.append((STOP, f"{time.time():.3f}"))
