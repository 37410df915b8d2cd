"""Distributed load: a Locust master and two workers on this machine, against the real shop."""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from actions.config import LoadConfig
from actions.context import Event
from actions.errors import Cancelled
from actions.result import Result, Status
from actions.testing import load
from actions.testing.load import LoadRequest
from tests.load import ROOT, Shop, all_gone, is_gone, make_ctx, running_shop

pytestmark = pytest.mark.slow

SHOP_LOAD = ROOT / "examples" / "shop" / "load"
WORKERS = 2


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Shop]:
    with running_shop(tmp_path_factory.mktemp("shop")) as running:
        yield running


def request(shop: Shop, duration: str) -> LoadRequest:
    """The shop's example profile, run by a master and two workers."""
    config = LoadConfig(
        profile="profile.yaml", service="storefront", users=4, duration=duration, workers=WORKERS
    )
    return LoadRequest(config=config, host=shop.url, base_dir=SHOP_LOAD)


def launched_pids(log: Path) -> dict[str, int]:
    """The master's and workers' process ids, as the launcher logged them."""
    found = re.findall(r"launcher: (master|worker \d+) pid (\d+)", log.read_text())
    return {name: int(pid) for name, pid in found}


@pytest.fixture(scope="module")
def distributed_run(
    shop: Shop, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Result, list[Event], Path]:
    workdir = tmp_path_factory.mktemp("distributed")
    events: list[Event] = []
    result = load.run(request(shop, "4s"), ctx=make_ctx(workdir, events))
    return result, events, workdir / "load" / "locust.log"


def test_a_master_and_two_workers_produce_the_statistics(
    distributed_run: tuple[Result, list[Event], Path],
) -> None:
    result, events, _ = distributed_run

    assert result.status is Status.PASS, result.summary
    assert {e["endpoint"] for e in result.data["endpoints"]} == {
        "GET /api/products",
        "GET /api/products/[id]",
        "POST /api/orders",
    }
    requests = result.measurement("requests", endpoint="Aggregated")
    assert requests is not None and requests.value > 40
    assert result.data["workers"] == WORKERS
    assert events[0].message.endswith(", profile profile.yaml, 2 workers")


def test_both_workers_ran_users(distributed_run: tuple[Result, list[Event], Path]) -> None:
    result = distributed_run[0]
    logs = [Path(a.path) for a in result.artifacts if a.name.startswith("locust worker ")]

    assert len(logs) == WORKERS
    master = distributed_run[2].read_text()
    assert "2 workers connected" in master
    assert '"ProfileUser": 4' in master  # the master spread four users over its workers


def test_no_locust_process_is_left_after_the_run(
    distributed_run: tuple[Result, list[Event], Path],
) -> None:
    pids = launched_pids(distributed_run[2])

    assert set(pids) == {"master", "worker 1", "worker 2"}
    assert all(is_gone(pid) for pid in pids.values())


def test_cancelling_stops_the_master_and_its_workers(shop: Shop, tmp_path: Path) -> None:
    ctx = make_ctx(tmp_path, [])
    threading.Timer(3.0, ctx.cancel_event.set).start()
    started = time.monotonic()

    with pytest.raises(Cancelled):
        load.run(request(shop, "60s"), ctx=ctx)

    assert time.monotonic() - started < 8
    pids = launched_pids(tmp_path / "load" / "locust.log")
    assert len(pids) == 1 + WORKERS
    assert all_gone(list(pids.values()))


def test_a_policy_stop_keeps_the_masters_figures(shop: Shop, tmp_path: Path) -> None:
    events: list[Event] = []
    ctx = make_ctx(tmp_path, events)

    def policy(event: Event) -> None:  # as a rollback policy does, on live figures
        if event.data.get("requests", 0) > 0:
            ctx.abort("policy storefront-latency")

    ctx.handlers.append(policy)

    result = load.run(request(shop, "60s"), ctx=ctx)

    assert result.status is Status.WARN, result.summary
    assert result.summary.startswith("stopped after ")
    assert "(policy storefront-latency)" in result.summary
    requests = result.measurement("requests", endpoint="Aggregated")
    live = max(e.data["requests"] for e in events if "requests" in e.data)
    assert requests is not None and requests.value >= live
    assert all_gone(list(launched_pids(tmp_path / "load" / "locust.log").values()))
