"""Tests of traffic profiles, the generic Locust harness, distributed runs and derived profiles.

`running_shop` starts the example shop's release 1.0 (catalog and storefront) on 127.0.0.1 for
the tests that put real load on it.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sqlite3
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

from actions.context import Event, RunContext
from actions.environments.ports import free_ports

ROOT = Path(__file__).resolve().parents[2]
RELEASE = ROOT / "examples" / "shop" / "releases" / "1.0"
NO_PROXY = urllib.request.build_opener(urllib.request.ProxyHandler({}))


@dataclass(frozen=True)
class Shop:
    """A running shop: the storefront's URL and its orders database."""

    url: str
    orders_db: Path

    def orders(self) -> list[tuple[int, int]]:
        """Every order placed so far, as (product id, quantity)."""
        with closing(sqlite3.connect(self.orders_db)) as db:
            return list(db.execute("SELECT product_id, quantity FROM orders"))


@contextlib.contextmanager
def running_shop(workdir: Path) -> Iterator[Shop]:
    """The shop's release 1.0 on free loopback ports, stopped afterwards."""
    catalog_port, storefront_port = free_ports("127.0.0.1", 2)
    catalog = f"http://127.0.0.1:{catalog_port}"
    commands = [
        [RELEASE / "catalog.py", "--port", catalog_port, "--db", workdir / "catalog.db"],
        [RELEASE / "storefront.py", "--port", storefront_port, "--db", workdir / "orders.db",
         "--catalog-url", catalog],
    ]  # fmt: skip
    processes = [
        subprocess.Popen(
            [sys.executable, *map(str, command), "--host", "127.0.0.1"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for command in commands
    ]
    shop = Shop(f"http://127.0.0.1:{storefront_port}", workdir / "orders.db")
    try:
        for url in (catalog, shop.url):
            _wait_healthy(url)
        yield shop
    finally:
        for process in processes:
            process.send_signal(signal.SIGTERM)
        for process in processes:
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _wait_healthy(url: str, timeout_s: float = 20.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), NO_PROXY.open(f"{url}/healthz", timeout=1) as answer:
            if answer.status == 200:
                return
        time.sleep(0.1)
    raise RuntimeError(f"the shop did not become healthy at {url}")


def make_ctx(workdir: Path, events: list[Event]) -> RunContext:
    """A run context for the load step alone (it uses neither settings nor a store)."""
    return RunContext(
        settings=cast(Any, None),
        store=cast(Any, None),
        run_id="run-load",
        workdir=workdir,
        handlers=[events.append],
    )


def all_gone(pids: list[int], within_s: float = 3.0) -> bool:
    """Every process has exited, or does within `within_s` (a SIGKILL takes a moment)."""
    deadline = time.monotonic() + within_s
    while not all(is_gone(pid) for pid in pids):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def is_gone(pid: int) -> bool:
    """The process has exited (a zombie waiting for its parent counts as gone)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(") ", 1)[1].startswith("Z")
    except OSError:
        return True
