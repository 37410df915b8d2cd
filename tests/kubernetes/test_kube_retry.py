"""API calls: reads retried on 5xx and connection errors, writes only when nothing was sent, and
every failure turned into a plain sentence."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
import urllib3
from kubernetes.client.exceptions import ApiException

from actions.environments.kubernetes.client import REQUEST_TIMEOUT_S
from actions.environments.kubernetes.retry import Calls, NotFound
from actions.errors import BackendUnavailable, EnvironmentFailure

HOST = "https://kube.example:6443"


def failing(*errors: BaseException, answer: Any = "ok") -> tuple[Callable[..., Any], list[dict]]:
    """A call that raises each error in turn, then answers; and the kwargs of every attempt."""
    attempts: list[dict] = []
    queue = list(errors)

    def call(*args: Any, **kwargs: Any) -> Any:
        attempts.append(kwargs)
        if queue:
            raise queue.pop(0)
        return answer

    return call, attempts


def api_error(status: int, reason: str, message: str = "") -> ApiException:
    body = json.dumps({"kind": "Status", "message": message}) if message else None
    return ApiException(status=status, reason=reason, body=body)


def refused() -> urllib3.exceptions.MaxRetryError:
    """What urllib3 raises for a closed port: the OS error chained under NewConnectionError."""
    try:
        try:
            raise ConnectionRefusedError(111, "Connection refused")
        except ConnectionRefusedError as os_error:
            raise urllib3.exceptions.NewConnectionError(
                None, f"Failed to establish a new connection: {os_error}"
            ) from os_error
    except urllib3.exceptions.NewConnectionError as cause:
        return urllib3.exceptions.MaxRetryError(None, "/apis/apps/v1", cause)


CALLS = Calls(HOST, backoff_s=0)


def test_every_call_carries_the_request_timeout() -> None:
    call, attempts = failing()
    assert CALLS.read(call, what="reading") == "ok"
    assert attempts == [{"_request_timeout": REQUEST_TIMEOUT_S}]


def test_a_read_is_retried_after_a_server_error() -> None:
    call, attempts = failing(api_error(503, "Service Unavailable"), refused())
    assert CALLS.read(call, what="reading deployment catalog") == "ok"
    assert len(attempts) == 3


def test_a_read_gives_up_after_three_tries_with_a_plain_error() -> None:
    call, attempts = failing(*[api_error(500, "Internal Server Error", "etcd timeout")] * 5)
    with pytest.raises(BackendUnavailable) as err:
        CALLS.read(call, what="reading deployment catalog")
    assert len(attempts) == 3
    assert str(err.value) == (
        f"the Kubernetes API at {HOST} failed reading deployment catalog: "
        "500 Internal Server Error: etcd timeout"
    )


def test_a_write_is_not_sent_twice_after_a_server_error() -> None:
    call, attempts = failing(api_error(503, "Service Unavailable"))
    with pytest.raises(BackendUnavailable):
        CALLS.write(call, what="updating deployment catalog")
    assert len(attempts) == 1


def test_a_write_is_retried_when_the_connection_was_never_opened() -> None:
    call, attempts = failing(refused())
    assert CALLS.write(call, what="updating deployment catalog") == "ok"
    assert len(attempts) == 2


def test_unreachable_server_names_the_host_and_the_cause() -> None:
    call, _ = failing(*[refused()] * 3)
    with pytest.raises(BackendUnavailable) as err:
        CALLS.read(call, what="reading")
    assert str(err.value) == f"cannot reach the Kubernetes API at {HOST}: connection refused"


@pytest.mark.parametrize(
    ("error", "kind", "text"),
    [
        (api_error(404, "Not Found"), NotFound, "reading deployment catalog: not found"),
        (
            api_error(403, "Forbidden", 'deployments.apps "catalog" is forbidden: User "bot"'),
            EnvironmentFailure,
            "reading deployment catalog is not allowed by the cluster (403 Forbidden: "
            'deployments.apps "catalog" is forbidden: User "bot")',
        ),
        (
            api_error(422, "Unprocessable Entity", "spec.replicas: Invalid value: -1"),
            EnvironmentFailure,
            "reading deployment catalog was refused: 422 Unprocessable Entity: "
            "spec.replicas: Invalid value: -1",
        ),
    ],
    ids=["not found", "forbidden", "invalid"],
)
def test_client_errors_are_not_retried_and_read_plainly(
    error: ApiException, kind: type[Exception], text: str
) -> None:
    call, attempts = failing(error)
    with pytest.raises(kind) as err:
        CALLS.read(call, what="reading deployment catalog")
    assert str(err.value) == text
    assert len(attempts) == 1
