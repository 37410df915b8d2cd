"""Fake Loki and Tempo servers on 127.0.0.1, started and stopped per test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.fakes.loki_api import FakeLoki
from tests.fakes.tempo_api import FakeTempo


@pytest.fixture
def loki() -> Iterator[FakeLoki]:
    with FakeLoki() as fake:
        yield fake


@pytest.fixture
def tempo() -> Iterator[FakeTempo]:
    with FakeTempo() as fake:
        yield fake
