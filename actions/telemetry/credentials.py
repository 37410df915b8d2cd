"""Credentials for Prometheus, Loki and Tempo, read from environment variables (never the config).

Each backend takes a bearer token (`PREPROD_<NAME>_TOKEN`), or basic auth (`PREPROD_<NAME>_USER`
and `PREPROD_<NAME>_PASSWORD`), or nothing. `read_credentials` reads a mapping (the process
environment by default) and refuses a half or doubly set pair with a `ConfigError` that names the
variables, never their values. `Credentials` hides its values in its repr.
"""

from __future__ import annotations

import os
from collections.abc import Generator, Mapping
from dataclasses import dataclass, field
from typing import Literal

import httpx

from actions.errors import ConfigError

BackendName = Literal["prometheus", "loki", "tempo"]

PREPROD_PROMETHEUS_TOKEN = "PREPROD_PROMETHEUS_TOKEN"
PREPROD_PROMETHEUS_USER = "PREPROD_PROMETHEUS_USER"
PREPROD_PROMETHEUS_PASSWORD = "PREPROD_PROMETHEUS_PASSWORD"
PREPROD_LOKI_TOKEN = "PREPROD_LOKI_TOKEN"
PREPROD_LOKI_USER = "PREPROD_LOKI_USER"
PREPROD_LOKI_PASSWORD = "PREPROD_LOKI_PASSWORD"
PREPROD_TEMPO_TOKEN = "PREPROD_TEMPO_TOKEN"
PREPROD_TEMPO_USER = "PREPROD_TEMPO_USER"
PREPROD_TEMPO_PASSWORD = "PREPROD_TEMPO_PASSWORD"


@dataclass(frozen=True)
class Variables:
    """The names of one backend's credential variables."""

    token: str
    user: str
    password: str

    def choices(self) -> str:
        """The variables to set, for an error message."""
        return f"{self.token}, or {self.user} and {self.password}"


VARIABLES: dict[BackendName, Variables] = {
    "prometheus": Variables(
        PREPROD_PROMETHEUS_TOKEN, PREPROD_PROMETHEUS_USER, PREPROD_PROMETHEUS_PASSWORD
    ),
    "loki": Variables(PREPROD_LOKI_TOKEN, PREPROD_LOKI_USER, PREPROD_LOKI_PASSWORD),
    "tempo": Variables(PREPROD_TEMPO_TOKEN, PREPROD_TEMPO_USER, PREPROD_TEMPO_PASSWORD),
}


class BearerAuth(httpx.Auth):
    """`Authorization: Bearer <token>` on every request."""

    def __init__(self, token: str):
        self._header = f"Bearer {token}"

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers["Authorization"] = self._header
        yield request

    def __repr__(self) -> str:
        return "BearerAuth(<hidden>)"


@dataclass(frozen=True)
class Credentials:
    """One backend's credentials: none, a bearer token, or a user and password."""

    backend: BackendName
    token: str | None = field(default=None, repr=False)
    user: str | None = field(default=None, repr=False)
    password: str | None = field(default=None, repr=False)

    @property
    def kind(self) -> Literal["none", "bearer", "basic"]:
        if self.token:
            return "bearer"
        return "basic" if self.user else "none"

    def httpx_auth(self) -> httpx.Auth | None:
        """The auth for an httpx client (Loki, Tempo); None without credentials."""
        if self.token:
            return BearerAuth(self.token)
        if self.user and self.password:
            return httpx.BasicAuth(self.user, self.password)
        return None

    def headers(self) -> dict[str, str] | None:
        """The headers for a requests-based client (`PrometheusConnect(headers=...)`)."""
        return {"Authorization": f"Bearer {self.token}"} if self.token else None

    def basic(self) -> tuple[str, str] | None:
        """The `(user, password)` for a requests-based client (`PrometheusConnect(auth=...)`)."""
        return (self.user, self.password) if self.user and self.password else None

    def source(self) -> str:
        """The variables these credentials were read from, or could be, for an error message."""
        names = VARIABLES[self.backend]
        if self.kind == "bearer":
            return names.token
        if self.kind == "basic":
            return f"{names.user} and {names.password}"
        return names.choices()

    def __repr__(self) -> str:
        return f"Credentials({self.backend}, {self.kind}, values hidden)"

    __str__ = __repr__


def read_credentials(backend: BackendName, environ: Mapping[str, str] | None = None) -> Credentials:
    """A backend's credentials from `environ` (the process environment if None)."""
    env = os.environ if environ is None else environ
    names = VARIABLES[backend]
    token, user, password = (
        (env.get(name) or "").strip() or None for name in (names.token, names.user, names.password)
    )
    if token and (user or password):
        raise ConfigError(
            f"{names.token} and {names.user}/{names.password} are both set: "
            f"{backend} takes a bearer token or basic auth, not both; unset one"
        )
    if bool(user) != bool(password):
        given, missing = (names.user, names.password) if user else (names.password, names.user)
        raise ConfigError(
            f"{given} is set but {missing} is not: basic auth for {backend} needs both"
        )
    return Credentials(backend, token=token, user=user, password=password)
