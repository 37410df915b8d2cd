"""Fixtures of the scan tests: the planted and clean source trees, local servers, tool settings."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from actions.scan.tool import Tools
from tests.scan.servers import (
    HardenedHandler,
    OsvHandler,
    WeakHandler,
    osv_advisory,
    serve,
)

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "scan"
PLANTED = FIXTURES / "planted"
CLEAN = FIXTURES / "clean"
ADVISORIES = {
    ("requests", "2.19.0"): [
        osv_advisory(
            "PYSEC-2018-28",
            "requests",
            fixed="2.20.0",
            alias="CVE-2018-18074",
            summary="requests sends the Authorization header to an http URI upon redirect",
        )
    ]
}


@pytest.fixture
def tools(tmp_path: Path) -> Tools:
    return Tools(workdir=tmp_path / "scan", timeout_s=60)


@pytest.fixture(scope="module")
def weak_url() -> Iterator[str]:
    with serve(WeakHandler) as (url, _):
        yield url


@pytest.fixture(scope="module")
def hardened_url() -> Iterator[str]:
    with serve(HardenedHandler) as (url, _):
        yield url


@pytest.fixture(scope="module")
def osv() -> Iterator[Any]:
    """A fake OSV API knowing one advisory of requests 2.19.0; `.queries` records the asks."""
    with serve(OsvHandler, advisories=ADVISORIES, queries=[]) as (url, server):
        server.url = f"{url}/v1/query"
        yield server


@pytest.fixture
def closed_port() -> int:
    """A port on 127.0.0.1 where nothing listens (bound, never listened, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
