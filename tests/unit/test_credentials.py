"""Telemetry credentials from environment variables: bearer, basic, none, and the refusals."""

from __future__ import annotations

import base64

import httpx
import pytest

from actions.errors import ConfigError
from actions.telemetry.credentials import (
    PREPROD_LOKI_PASSWORD,
    PREPROD_LOKI_TOKEN,
    PREPROD_LOKI_USER,
    PREPROD_PROMETHEUS_PASSWORD,
    PREPROD_PROMETHEUS_TOKEN,
    PREPROD_PROMETHEUS_USER,
    PREPROD_TEMPO_TOKEN,
    VARIABLES,
    Credentials,
    read_credentials,
)
from bot import env_vars

TOKEN = "t0k3n-very-secret"
USER = "qa-bot"
PASSWORD = "pa55-very-secret"


def authorization(auth: httpx.Auth | None) -> str | None:
    """The Authorization header `auth` puts on a request."""
    assert auth is not None
    request = next(auth.sync_auth_flow(httpx.Request("GET", "http://backend/")))
    return request.headers.get("authorization")


def test_a_token_gives_bearer_auth() -> None:
    credentials = read_credentials("loki", {PREPROD_LOKI_TOKEN: TOKEN})
    assert credentials.kind == "bearer"
    assert authorization(credentials.httpx_auth()) == f"Bearer {TOKEN}"
    assert credentials.headers() == {"Authorization": f"Bearer {TOKEN}"}
    assert credentials.basic() is None


def test_a_user_and_password_give_basic_auth() -> None:
    credentials = read_credentials(
        "prometheus", {PREPROD_PROMETHEUS_USER: USER, PREPROD_PROMETHEUS_PASSWORD: PASSWORD}
    )
    expected = base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
    assert credentials.kind == "basic"
    assert authorization(credentials.httpx_auth()) == f"Basic {expected}"
    assert credentials.basic() == (USER, PASSWORD)
    assert credentials.headers() is None


def test_no_variables_give_no_auth() -> None:
    credentials = read_credentials("tempo", {})
    assert credentials.kind == "none"
    assert credentials.httpx_auth() is None
    assert credentials.headers() is None
    assert credentials.basic() is None


def test_empty_or_blank_variables_count_as_unset() -> None:
    credentials = read_credentials("loki", {PREPROD_LOKI_TOKEN: "", PREPROD_LOKI_USER: "  "})
    assert credentials.kind == "none"


def test_surrounding_whitespace_such_as_a_secret_files_newline_is_dropped() -> None:
    credentials = read_credentials("loki", {PREPROD_LOKI_TOKEN: f"{TOKEN}\n"})
    assert credentials.headers() == {"Authorization": f"Bearer {TOKEN}"}


def test_each_backend_reads_only_its_own_variables() -> None:
    environ = {PREPROD_TEMPO_TOKEN: TOKEN}
    assert read_credentials("tempo", environ).kind == "bearer"
    assert read_credentials("loki", environ).kind == "none"
    assert read_credentials("prometheus", environ).kind == "none"


def test_the_process_environment_is_read_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(PREPROD_PROMETHEUS_TOKEN, TOKEN)
    assert read_credentials("prometheus").kind == "bearer"


def test_a_token_and_a_user_together_are_refused_naming_the_variables() -> None:
    environ = {PREPROD_LOKI_TOKEN: TOKEN, PREPROD_LOKI_USER: USER, PREPROD_LOKI_PASSWORD: PASSWORD}
    with pytest.raises(ConfigError) as caught:
        read_credentials("loki", environ)
    message = str(caught.value)
    assert message == (
        "PREPROD_LOKI_TOKEN and PREPROD_LOKI_USER/PREPROD_LOKI_PASSWORD are both set: "
        "loki takes a bearer token or basic auth, not both; unset one"
    )
    assert not any(secret in message for secret in (TOKEN, USER, PASSWORD))


def test_a_token_and_only_a_password_are_refused_too() -> None:
    with pytest.raises(ConfigError, match="are both set"):
        read_credentials("loki", {PREPROD_LOKI_TOKEN: TOKEN, PREPROD_LOKI_PASSWORD: PASSWORD})


def test_a_user_without_a_password_is_refused() -> None:
    with pytest.raises(ConfigError) as caught:
        read_credentials("prometheus", {PREPROD_PROMETHEUS_USER: USER})
    assert str(caught.value) == (
        "PREPROD_PROMETHEUS_USER is set but PREPROD_PROMETHEUS_PASSWORD is not: "
        "basic auth for prometheus needs both"
    )
    assert USER not in str(caught.value)


def test_a_password_without_a_user_is_refused() -> None:
    with pytest.raises(ConfigError, match=r"PREPROD_PROMETHEUS_PASSWORD is set but .*USER is not"):
        read_credentials("prometheus", {PREPROD_PROMETHEUS_PASSWORD: PASSWORD})


@pytest.mark.parametrize(
    "credentials",
    [
        Credentials("loki", token=TOKEN),
        Credentials("prometheus", user=USER, password=PASSWORD),
    ],
    ids=["bearer", "basic"],
)
def test_reprs_and_strings_hide_every_value(credentials: Credentials) -> None:
    shown = [repr(credentials), str(credentials), f"{credentials}", repr(credentials.httpx_auth())]
    assert not [text for text in shown if any(s in text for s in (TOKEN, USER, PASSWORD))]
    assert (
        repr(credentials)
        == f"Credentials({credentials.backend}, {credentials.kind}, values hidden)"
    )


def test_the_source_names_the_variables_the_credentials_came_from() -> None:
    assert Credentials("loki", token=TOKEN).source() == "PREPROD_LOKI_TOKEN"
    assert Credentials("loki", user=USER, password=PASSWORD).source() == (
        "PREPROD_LOKI_USER and PREPROD_LOKI_PASSWORD"
    )
    assert Credentials("loki").source() == (
        "PREPROD_LOKI_TOKEN, or PREPROD_LOKI_USER and PREPROD_LOKI_PASSWORD"
    )


def test_bot_env_vars_lists_every_credential_variable() -> None:
    listed = {value for name, value in vars(env_vars).items() if name.isupper()}
    for names in VARIABLES.values():
        assert {names.token, names.user, names.password} <= listed
    assert len({n for names in VARIABLES.values() for n in vars(names).values()}) == 9
