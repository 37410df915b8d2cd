"""Fixtures of the shop's end-to-end suite: the services' URLs come from the environment."""

from __future__ import annotations

import os

import pytest
from shopapi import Api


def _url(variable: str) -> str:
    value = os.environ.get(variable, "").strip()
    if not value:
        pytest.fail(
            f"{variable} is not set: export the service's base URL (preprod sets it when it runs "
            f"this suite), e.g. {variable}=http://127.0.0.1:8000",
            pytrace=False,
        )
    return value


@pytest.fixture(scope="session")
def storefront() -> Api:
    return Api(_url("PREPROD_URL_STOREFRONT"))


@pytest.fixture(scope="session")
def catalog() -> Api:
    return Api(_url("PREPROD_URL_CATALOG"))
