"""One PostgreSQL server (Debian's, on 127.0.0.1) for the seed tests of a worker."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.postgres_server import postgres


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    with postgres() as url:
        yield url
