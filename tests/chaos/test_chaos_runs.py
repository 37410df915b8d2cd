"""Chaos experiments run end to end on the shop (local environment, real processes and sidecars):
each fault's effect measured through the storefront, aborts, the kill switch, approvals."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from actions.environments.factory import open_environment
from bot.replies import Caller, Reply
from bot.service import Preprod
from storage import chaos as chaos_store
from tests.chaos.shop_chaos import (
    deploy,
    finish,
    make_bot,
    measurement,
    sidecar_faults,
    start,
    storefront_ms,
    write_experiment,
)

MANAGER = Caller(user="local:rm", surface="cli", name="rita", role="release-manager")
SECOND_ENGINEER = Caller(user="local:bob", surface="cli", name="bob", role="engineer")


@pytest.fixture(scope="module")
def bot(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Preprod]:
    made = make_bot(tmp_path_factory.mktemp("chaos-runs"))
    deploy(made)
    yield made
    made.runner.shutdown()
    open_environment(made.settings, "local").teardown()


def _storefront_ms(bot: Preprod) -> float:
    return storefront_ms(open_environment(bot.settings, "local").urls()["storefront"])


def folder(bot: Preprod) -> Path:
    return bot.settings.resolve(bot.settings.chaos.experiments_dir)


def test_latency_on_the_catalog_is_what_users_of_the_storefront_see(bot: Preprod) -> None:
    write_experiment(
        folder(bot),
        "slow",
        [
            {"type": "latency", "service": "catalog", "delay": "200ms", "duration": "5s"},
            {"type": "pause", "duration": "1s"},
        ],
    )
    result = finish(bot, start(bot, "chaos run slow local"))

    assert result["status"] == "pass", result["summary"]
    before = measurement(result, "traffic_p50_ms", phase="before")
    during = measurement(result, "traffic_p50_ms", phase="during")
    after = measurement(result, "traffic_p50_ms", phase="after")
    assert before is not None and during is not None and after is not None
    # One catalog call per product list: 200 ms asked, the median added within 25%.
    assert 150 <= during - before <= 250, (before, during)
    assert after < before + 50, (before, after)  # recovered once the fault was taken away
    p95_during = measurement(result, "traffic_p95_ms", phase="during")
    assert p95_during is not None and p95_during >= during
    hypothesis = result["data"]["hypothesis"]
    assert hypothesis["before"]["held"] and hypothesis["during"]["held"]
    assert hypothesis["after"]["held"]
    assert sidecar_faults(bot, "catalog") == {}
    assert _storefront_ms(bot) < 150
    assert result["artifacts"] and Path(result["artifacts"][0]["path"]).stat().st_size > 1000


def test_errors_break_the_steady_state_are_detected_and_recovered_from(bot: Preprod) -> None:
    write_experiment(
        folder(bot),
        "failing",
        [{"type": "errors", "service": "catalog", "status": 503, "rate": "50%", "duration": "6s"}],
    )
    result = finish(bot, start(bot, "chaos run failing local"))

    assert result["status"] == "fail", result["summary"]
    during = measurement(result, "traffic_error_rate_pct", phase="during")
    assert during is not None and 35 <= during <= 65, during  # half the catalog calls fail
    assert measurement(result, "traffic_error_rate_pct", phase="after") == 0
    detect = measurement(result, "time_to_detect_s")
    recover = measurement(result, "time_to_recover_s")
    assert detect is not None and detect <= 4
    assert recover is not None and recover <= 5
    burned = measurement(result, "error_budget_burned_pct")
    assert burned is not None and burned > 100  # 1% allowed, about half failed
    titles = [f["title"] for f in result["findings"]]
    assert "failing: the steady state broke during the faults" in titles
    assert sidecar_faults(bot, "catalog") == {}


def test_the_guard_aborts_an_experiment_that_hurts_too_much(bot: Preprod) -> None:
    write_experiment(
        folder(bot),
        "outage",
        [{"type": "errors", "service": "catalog", "rate": 1.0, "duration": "40s"}],
        guard=["error_rate_pct of storefront > 20 for 2s"],
    )
    began = time.monotonic()
    result = finish(bot, start(bot, "chaos run outage local"))
    took = time.monotonic() - began

    assert result["status"] == "fail"
    assert any("aborted by its guard" in f["title"] for f in result["findings"])
    assert took < 25, took  # not the 40 s the fault asked for
    assert sidecar_faults(bot, "catalog") == {}
    assert _storefront_ms(bot) < 150


def test_chaos_stop_is_a_kill_switch_from_anyone_at_any_moment(bot: Preprod) -> None:
    write_experiment(
        folder(bot),
        "long",
        [{"type": "latency", "service": "catalog", "delay": "100ms", "duration": "60s"}],
    )
    run_id = start(bot, "chaos run long local")
    deadline = time.monotonic() + 20
    while not sidecar_faults(bot, "catalog") and time.monotonic() < deadline:
        time.sleep(0.2)
    assert sidecar_faults(bot, "catalog"), "the fault was never applied"

    stopped_at = time.monotonic()
    reply = bot.handle("chaos stop local", SECOND_ENGINEER)
    assert isinstance(reply, Reply) and "stopping chaos long on local" in reply.text
    while sidecar_faults(bot, "catalog") and time.monotonic() - stopped_at < 10:
        time.sleep(0.1)
    assert time.monotonic() - stopped_at < 3  # faults gone within a tick or two
    result = finish(bot, run_id)
    assert result["status"] == "warn" and "stopped by the kill switch" in result["summary"]
    nothing = bot.handle("chaos stop local", SECOND_ENGINEER)
    assert isinstance(nothing, Reply) and "nothing to stop" in nothing.text


def test_a_shutdown_waits_for_an_approval_and_the_catalog_comes_back(bot: Preprod) -> None:
    write_experiment(
        folder(bot),
        "down",
        [
            {"type": "shutdown", "service": "catalog", "instances": "all", "duration": "3s"},
        ],
        rollbacks=[{"type": "restore", "service": "catalog"}],
    )
    env = open_environment(bot.settings, "local")
    pid_before = next(s.pid for s in env.status().services if s.name == "catalog")
    waiting = threading.Event()
    bot.runner.subscribe(lambda e: waiting.set() if e.kind == "approval_needed" else None)
    run_id = start(bot, "chaos run down local")
    assert waiting.wait(10)
    time.sleep(1.0)
    assert sidecar_faults(bot, "catalog") == {}
    alive = next(s for s in env.status().services if s.name == "catalog")
    assert alive.healthy and alive.pid == pid_before  # nothing broken before the approval

    denied = bot.handle(f"chaos approve {run_id}", SECOND_ENGINEER)
    assert isinstance(denied, Reply) and denied.kind == "denied"
    assert "only the release-manager role may approve" in denied.text
    approved = bot.handle(f"chaos approve {run_id}", MANAGER)
    assert isinstance(approved, Reply) and approved.kind != "error", approved.text

    result = finish(bot, run_id)
    checks = result["data"]["checks"]
    assert any(c["phase"] == "during" and c["holds"] is False for c in checks)
    catalog = next(s for s in env.status().services if s.name == "catalog")
    assert catalog.healthy and catalog.pid != pid_before  # stopped, then started again
    assert measurement(result, "time_to_recover_s") is not None
    timeline = [t["message"] for t in result["data"]["timeline"]]
    assert any(m.startswith("stopped catalog") for m in timeline)
    assert any("catalog started again" in m for m in timeline)


def test_a_rejected_experiment_never_starts(bot: Preprod) -> None:
    write_experiment(
        folder(bot),
        "down2",
        [{"type": "shutdown", "service": "catalog", "duration": "3s"}],
    )
    run_id = start(bot, "chaos run down2 local")
    rejected = bot.handle(f"chaos reject {run_id} --reason 'release day'", MANAGER)
    assert isinstance(rejected, Reply) and rejected.kind != "error", rejected.text
    result = finish(bot, run_id)
    assert result["status"] == "skipped"
    assert "rejected by rita: release day" in result["summary"]
    assert chaos_store.active_experiment(bot.store, "local") is None


@pytest.mark.parametrize(
    ("name", "fault", "effect"),
    [
        ("reset", {"type": "reset", "service": "catalog", "rate": 1.0}, "errors"),
        ("blackhole", {"type": "blackhole", "service": "catalog", "instances": "all"}, "errors"),
        ("bandwidth", {"type": "bandwidth", "service": "storefront", "rate": "16kbps"}, "slow"),
    ],
)
def test_each_network_fault_reaches_the_storefronts_users(
    bot: Preprod, name: str, fault: dict[str, object], effect: str
) -> None:
    write_experiment(folder(bot), f"net-{name}", [{**fault, "duration": "4s"}])
    run_id = start(bot, f"chaos run net-{name} local")
    if fault["type"] == "blackhole":  # destructive: approved in the thread first
        approved = bot.handle(f"chaos approve {run_id}", MANAGER)
        assert isinstance(approved, Reply) and approved.kind != "error", approved.text
    result = finish(bot, run_id)

    before_ms = measurement(result, "traffic_p95_ms", phase="before")
    during_ms = measurement(result, "traffic_p95_ms", phase="during")
    during_errors = measurement(result, "traffic_error_rate_pct", phase="during")
    assert measurement(result, "traffic_error_rate_pct", phase="after") == 0
    if effect == "errors":
        assert during_errors is not None and during_errors >= 90, result["summary"]
    else:  # 16 kbit/s is 2000 bytes a second: a product list of some kB takes a second or more
        assert before_ms is not None and during_ms is not None
        assert during_ms - before_ms >= 500, (before_ms, during_ms)
    assert sidecar_faults(bot, str(fault["service"])) == {}
    assert _storefront_ms(bot) < 150
