"""JSON over httpx for the Loki and Tempo clients: timeouts, bounded retries, plain errors.

A connection failure, a timeout, HTTP 429 or a 5xx is retried (a GET is safe to repeat) and then
becomes `BackendUnavailable`; any other 4xx is the backend refusing the request and becomes
`QueryRejected` with the backend's own reason, at once; a 401 or 403 also says where the
credentials come from (`access_hint`).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from types import TracebackType
from typing import Any, ClassVar, Generic, Self, TypeVar

import httpx
from pydantic import BaseModel, ConfigDict, Field, field_validator
from tenacity import Retrying, retry_if_exception_type, stop_after_attempt, wait_exponential

from actions.durations import parse_duration
from actions.errors import BackendUnavailable, PreprodError
from actions.telemetry.credentials import VARIABLES, BackendName, read_credentials

_RETRIED_STATUS = frozenset({429, 500, 502, 503, 504})


class QueryRejected(PreprodError):
    """The backend answered but refused the request (e.g. a LogQL parse error); no retry helps."""

    def __init__(self, message: str, *, status: int | None = None):
        super().__init__(message)
        self.status = status


class _Transient(Exception):
    """One attempt failed in a way that a later attempt may not."""


class Backend(BaseModel):
    """A backend's config section: where it is, how long and how often to try, which tenant.

    Credentials are never here: the client takes an `httpx.Auth` built from the environment.
    """

    model_config = ConfigDict(extra="forbid")

    url: str
    tenant: str | None = None  # sent as X-Scope-OrgID
    timeout: str = "10s"
    tries: int = Field(3, ge=1, le=5)

    @field_validator("timeout")
    @classmethod
    def _timeout_is_a_duration(cls, value: str) -> str:
        parse_duration(value)
        return value


class JsonApi:
    """One backend's HTTP API: `get(path, params)` returns the decoded JSON body."""

    @classmethod
    def of(
        cls,
        name: str,
        config: Backend,
        *,
        auth: httpx.Auth | None = None,
        transport: httpx.BaseTransport | None = None,
        access_hint: str = "",
    ) -> JsonApi:
        """The API of a backend described by its config section."""
        return cls(
            name,
            config.url,
            timeout=parse_duration(config.timeout),
            tries=config.tries,
            tenant=config.tenant,
            auth=auth,
            transport=transport,
            access_hint=access_hint,
        )

    def __init__(
        self,
        name: str,
        url: str,
        *,
        timeout: float,
        tries: int = 3,
        tenant: str | None = None,
        auth: httpx.Auth | None = None,
        transport: httpx.BaseTransport | None = None,
        backoff: float = 0.1,
        access_hint: str = "",
    ):
        self.name = name
        self.url = url.rstrip("/")
        self.tries = tries
        self.backoff = backoff
        self.access_hint = access_hint
        headers = {"Accept": "application/json"}
        if tenant:
            headers["X-Scope-OrgID"] = tenant
        self._client = httpx.Client(
            base_url=self.url,
            timeout=httpx.Timeout(timeout),
            headers=headers,
            auth=auth,
            transport=transport,
        )

    def get(self, path: str, params: dict[str, str | int] | None = None) -> Any:
        """The JSON answer to `GET path?params`, after at most `tries` attempts."""
        retrying = Retrying(
            stop=stop_after_attempt(self.tries),
            wait=wait_exponential(multiplier=self.backoff, max=2),
            retry=retry_if_exception_type(_Transient),
            reraise=True,
        )
        try:
            for attempt in retrying:
                with attempt:
                    return self._once(path, params)
        except _Transient as exc:
            raise BackendUnavailable(
                f"{self.name} at {self.url} did not answer: {exc} ({self.tries} tries)"
            ) from None
        raise AssertionError("unreachable: tenacity either returns or raises")

    def _once(self, path: str, params: dict[str, str | int] | None) -> Any:
        try:
            response = self._client.get(path, params=params)
        except httpx.TimeoutException:
            raise _Transient(f"no answer within {self._client.timeout.read}s") from None
        except httpx.TransportError as exc:
            raise _Transient(str(exc) or type(exc).__name__) from None
        if response.status_code in _RETRIED_STATUS:
            raise _Transient(f"HTTP {response.status_code} {reason(response)}")
        if response.status_code >= 400:
            status = response.status_code
            hint = f" ({self.access_hint})" if status in (401, 403) and self.access_hint else ""
            raise QueryRejected(
                f"{self.name} refused the request (HTTP {status}): {reason(response)}{hint}",
                status=status,
            )
        try:
            return response.json()
        except ValueError:
            raise QueryRejected(
                f"{self.name} at {self.url} answered with something that is not JSON "
                f"(is the URL right?): {response.text[:200]!r}"
            ) from None

    def close(self) -> None:
        self._client.close()


def reason(response: httpx.Response) -> str:
    """The backend's own error message: a JSON `error`/`message` field, or the text body."""
    text = response.text.strip()
    try:
        body = json.loads(text)
    except ValueError:
        body = None
    if isinstance(body, dict):
        for key in ("error", "message", "msg"):
            if isinstance(body.get(key), str):
                return str(body[key])[:500]
    return text[:500] or response.reason_phrase


C = TypeVar("C", bound=Backend)


class BackendClient(Generic[C]):
    """A client of one backend's JSON API (`name`, e.g. Loki), with its credentials' hint."""

    name: ClassVar[str]
    backend: ClassVar[BackendName]

    def __init__(
        self,
        config: C,
        *,
        auth: httpx.Auth | None = None,
        transport: httpx.BaseTransport | None = None,
    ):
        self.config = config
        self._api = JsonApi.of(
            self.name,
            config,
            auth=auth,
            transport=transport,
            access_hint=f"credentials are read from {VARIABLES[self.backend].choices()}",
        )

    @classmethod
    def from_env(
        cls,
        config: C,
        environ: Mapping[str, str] | None = None,
        *,
        transport: httpx.BaseTransport | None = None,
    ) -> Self:
        """A client with the credentials of `environ` (the process environment if None)."""
        credentials = read_credentials(cls.backend, environ)
        return cls(config, auth=credentials.httpx_auth(), transport=transport)

    def close(self) -> None:
        self._api.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()
