"""`seed <env>` on the shop deployed locally (real processes, its sqlite files): synthetic rows
land in the services' own databases and the shop serves them; refusals come before any job."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from actions.environments.factory import open_environment
from bot.jobs import JobRunner
from bot.replies import Caller, Reply, Started
from bot.service import Preprod
from storage import runs
from storage.store import Store
from tests.conftest import example_settings

ENGINEER = Caller(user="local:eve", surface="cli", name="eve")
IN_SLACK = Caller(user="U0ENG", surface="slack", name="eve", role="engineer")


@pytest.fixture(scope="module")
def bot(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Preprod]:
    tmp = tmp_path_factory.mktemp("seed")
    settings = example_settings(tmp)
    settings.environments["local"].teardown_after_run = False
    store = Store(settings.resolve(settings.storage.path))
    made = Preprod(settings, store, runner=JobRunner(settings, store))
    deployed = made.handle("deploy shop 1.0", ENGINEER)
    assert isinstance(deployed, Started)
    made.runner.wait(deployed.run_id, timeout=60)
    yield made
    made.runner.shutdown()
    open_environment(settings, "local").teardown()


def seeded(bot: Preprod, command: str) -> dict:
    started = bot.handle(command, ENGINEER)
    assert isinstance(started, Started), started
    bot.runner.wait(started.run_id, timeout=60)
    [result] = runs.results_of(bot.store, started.run_id)
    return result


def data_dir(bot: Preprod, service: str) -> Path:
    env = open_environment(bot.settings, "local")
    return env.data_dir(service)  # type: ignore[attr-defined]


def test_seed_fills_the_services_databases_and_the_shop_serves_them(bot: Preprod) -> None:
    result = seeded(bot, "seed local")
    assert result["status"] == "pass", result["summary"]
    assert result["data"]["rows"] == {"products": 200, "customers": 500, "orders": 1239}
    rows = {m["tags"]["table"]: m["value"] for m in result["measurements"] if m["tags"]}
    assert rows["products"] == 200
    with sqlite3.connect(data_dir(bot, "storefront") / "orders.db") as db:
        orphans = db.execute(
            "SELECT COUNT(*) FROM orders o LEFT JOIN customers c ON o.customer_id = c.id "
            "WHERE c.id IS NULL"
        ).fetchone()[0]
    assert orphans == 0
    url = open_environment(bot.settings, "local").urls()["storefront"]
    listed = httpx.get(url + "/api/products", timeout=5).json()
    assert len(listed["products"]) == 200


def test_the_same_seed_gives_the_same_data_and_scale_multiplies(bot: Preprod) -> None:
    def products() -> list[tuple]:
        with sqlite3.connect(data_dir(bot, "catalog") / "catalog.db") as db:
            return db.execute("SELECT * FROM products ORDER BY id").fetchall()

    seeded(bot, "seed local --seed 7")
    first = products()
    seeded(bot, "seed local --seed 7")
    assert products() == first
    result = seeded(bot, "seed local --seed 7 --scale 0.2")
    assert result["data"]["rows"]["products"] == 400 and len(products()) == 400


def test_progress_and_report_say_rows_per_table_and_time(bot: Preprod) -> None:
    started = bot.handle("seed local", ENGINEER)
    assert isinstance(started, Started)
    bot.runner.wait(started.run_id, timeout=60)
    said = [e["message"] for e in runs.events_of(bot.store, started.run_id)]
    assert any(m.startswith("seeding 1,939 rows into 3 tables") for m in said)
    assert any(m == "orders: 1,239 rows" for m in said)
    [result] = runs.results_of(bot.store, started.run_id)
    names = {m["name"] for m in result["measurements"]}
    assert {"rows", "rows_per_s", "seconds"} <= names


@pytest.mark.parametrize(
    ("command", "said"),
    [
        ("seed local --synthetic x.yaml --from y", "not both"),
        ("seed local --from prod", "no extract `prod`"),
        ("seed local --scale lots", "--scale takes a number"),
        ("seed local --scale 0", "--scale must be between"),
        ("seed local --synthetic /etc/hostname", "under the config's folder"),
    ],
)
def test_a_bad_seed_command_is_refused_before_any_job(
    bot: Preprod, command: str, said: str
) -> None:
    before = len(runs.recent_runs(bot.store, 100))
    reply = bot.handle(command, IN_SLACK if "/etc" in command else ENGINEER)
    assert isinstance(reply, Reply) and reply.kind == "error" and said in reply.text
    assert len(runs.recent_runs(bot.store, 100)) == before


def test_an_extract_needs_the_key_from_the_environment(tmp_path: Path) -> None:
    settings = example_settings(tmp_path)
    settings.apps["shop"].seed.sources["prod"] = str(tmp_path)  # type: ignore[union-attr]
    store = Store(tmp_path / "db.sqlite")
    bot = Preprod(settings, store, env_factory=lambda s, name: _Deployed())
    try:
        reply = bot.handle("seed local --from prod", ENGINEER)
        assert isinstance(reply, Reply) and "set PREPROD_SEED_KEY" in reply.text
    finally:
        bot.runner.shutdown()


def test_bad_options_are_said_before_whether_anything_is_deployed(tmp_path: Path) -> None:
    settings = example_settings(tmp_path)
    bot = Preprod(settings, Store(tmp_path / "db.sqlite"), env_factory=lambda s, n: _Empty())
    try:
        for command, said in [
            ("seed local --scale lots", "--scale takes a number"),
            ("seed local --seed -1", "--seed must be between"),
            ("seed local --synthetic a.yaml --from b", "not both"),
            ("seed local", "nothing is deployed on local: deploy before seeding"),
        ]:
            reply = bot.handle(command, ENGINEER)
            assert isinstance(reply, Reply) and said in reply.text, (command, reply.text)
    finally:
        bot.runner.shutdown()


class _Empty:
    """An environment where nothing is deployed."""

    def status(self):  # type: ignore[no-untyped-def]
        class State:
            app = None

        return State()


class _Deployed:
    """Just enough of an environment for the command check: the shop is deployed."""

    def status(self):  # type: ignore[no-untyped-def]
        class State:
            app = "shop"

        return State()
