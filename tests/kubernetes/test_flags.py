"""Feature flags: parsing `NAME=VALUE`, and the guards keeping protected environments read-only."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from kubernetes import client as k8s

from actions.config import EnvironmentConfig
from actions.environments.kubernetes.client import KubeApi, connect
from actions.environments.kubernetes.flags import (
    FlagChange,
    parse_assignment,
    read_flags,
    set_flag,
)
from actions.errors import PermissionDenied
from tests.fakes.kube_api import FakeKubernetes


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("checkout.new_flow=on", ("checkout.new_flow", "on")),
        ("  SEARCH_V2=off  ", ("SEARCH_V2", "off")),
        ("_private=1", ("_private", "1")),
        ("banner=", ("banner", "")),
        ("query=a=b&c=d", ("query", "a=b&c=d")),
        ("greeting=hello world", ("greeting", "hello world")),
    ],
)
def test_an_assignment_is_a_name_and_a_value(text: str, expected: tuple[str, str]) -> None:
    assert parse_assignment(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("checkout", "expected NAME=VALUE, got 'checkout'"),
        ("=on", "flag name '' is not valid"),
        ("1flag=on", "flag name '1flag' is not valid"),
        ("new flow=on", "flag name 'new flow' is not valid"),
        ("a/b=on", "flag name 'a/b' is not valid"),
        ("x" * 64 + "=on", "is not valid: use 1-63 characters"),
        ("banner=two\nlines", "must be one line (no newlines)"),
        ("banner=cr\rhere", "must be one line (no newlines)"),
        ("banner=tab\there", "must not contain control characters"),
        ("banner=" + "x" * 1025, "flag value is 1025 characters long; at most 1024"),
    ],
)
def test_a_bad_assignment_says_what_is_wrong(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        parse_assignment(text)


def test_the_longest_name_and_value_are_accepted() -> None:
    name, value = "F" + "x" * 62, "v" * 1024
    assert parse_assignment(f"{name}={value}") == (name, value)


@given(st.text(max_size=80))
def test_parse_assignment_accepts_or_refuses_with_value_error(text: str) -> None:
    try:
        name, value = parse_assignment(text)
    except ValueError:
        return
    assert re.fullmatch(r"[A-Za-z_][A-Za-z0-9_.-]{0,62}", name)
    assert "\n" not in value and len(value) <= 1024
    assert parse_assignment(f"{name}={value}") == (name, value)


def test_a_flag_change_says_whether_it_changed() -> None:
    assert FlagChange("a", "on", "off").changed
    assert not FlagChange("a", "on", "on").changed
    assert FlagChange("a", None, "on").changed


def unreachable_api(namespace: str = "shop-prod") -> KubeApi:
    """A client whose every request would fail: a guard must refuse before any is made."""
    configuration = k8s.Configuration()
    configuration.host = "http://127.0.0.1:9"
    return KubeApi(api_client=k8s.ApiClient(configuration), namespace=namespace, context=None)


def test_a_protected_environment_refuses_before_any_call() -> None:
    env = EnvironmentConfig(kind="kubernetes", namespace="shop-prod", protected=True)
    api = unreachable_api()
    with pytest.raises(PermissionDenied, match="production is protected"):
        set_flag(api, "preprod-flags", "a", "on", env_name="production", env=env)
    api.close()


def test_a_namespace_outside_the_allowlist_is_refused() -> None:
    env = EnvironmentConfig(kind="kubernetes", namespace="shop-staging")
    api = unreachable_api(namespace="kube-system")
    with pytest.raises(PermissionDenied, match="outside its allowlist"):
        set_flag(api, "preprod-flags", "a", "on", env_name="staging", env=env)
    api.close()


def test_an_invalid_flag_is_refused_before_any_call() -> None:
    env = EnvironmentConfig(kind="kubernetes", namespace="shop-staging")
    api = unreachable_api(namespace="shop-staging")
    with pytest.raises(ValueError, match="no newlines"):
        set_flag(api, "preprod-flags", "a", "x\ny", env_name="staging", env=env)
    api.close()


# --- through the official client, against the fake API server -------------------------------


@pytest.fixture
def kube() -> Iterator[FakeKubernetes]:
    with FakeKubernetes(namespaces=("shop-staging", "shop-prod")) as fake:
        yield fake


def environment(
    kube: FakeKubernetes, tmp_path: Path, namespace: str, **fields: Any
) -> EnvironmentConfig:
    kubeconfig = kube.kubeconfig(tmp_path / f"{namespace}.kubeconfig", context="fake")
    return EnvironmentConfig(
        kind="kubernetes", namespace=namespace, kubeconfig=str(kubeconfig), **fields
    )


@pytest.fixture
def staging(kube: FakeKubernetes, tmp_path: Path) -> Iterator[tuple[KubeApi, EnvironmentConfig]]:
    env = environment(kube, tmp_path, "shop-staging")
    api = connect("staging", env, tmp_path)
    yield api, env
    api.close()


def test_no_configmap_means_no_flags(staging: tuple[KubeApi, EnvironmentConfig]) -> None:
    api, env = staging
    assert read_flags(api, env.flags_configmap) == {}


def test_set_flag_creates_the_configmap_then_updates_it(
    kube: FakeKubernetes, staging: tuple[KubeApi, EnvironmentConfig]
) -> None:
    api, env = staging
    first = set_flag(api, "preprod-flags", "checkout.new_flow", "on", env_name="staging", env=env)
    assert first == FlagChange("checkout.new_flow", None, "on", created_configmap=True)
    created = kube.get("ConfigMap", "shop-staging", "preprod-flags")
    assert created is not None
    assert created["metadata"]["labels"] == {"app.kubernetes.io/managed-by": "preprod"}

    second = set_flag(api, "preprod-flags", "checkout.new_flow", "off", env_name="staging", env=env)
    third = set_flag(api, "preprod-flags", "search.v2", "on", env_name="staging", env=env)
    assert (second.old, second.new, second.created_configmap) == ("on", "off", False)
    assert (third.old, third.new) == (None, "on")
    assert read_flags(api, "preprod-flags") == {"checkout.new_flow": "off", "search.v2": "on"}
    updated = kube.get("ConfigMap", "shop-staging", "preprod-flags")
    assert updated is not None
    assert updated["metadata"]["labels"] == {"app.kubernetes.io/managed-by": "preprod"}
    writes = [r.method for r in kube.requests if "/configmaps" in r.path and r.method != "GET"]
    assert writes == ["POST", "PUT", "PUT"]


def test_setting_a_flag_to_its_value_writes_nothing(
    kube: FakeKubernetes, staging: tuple[KubeApi, EnvironmentConfig]
) -> None:
    api, env = staging
    set_flag(api, "preprod-flags", "a", "on", env_name="staging", env=env)
    again = set_flag(api, "preprod-flags", "a", "on", env_name="staging", env=env)
    assert not again.changed
    assert [r.method for r in kube.requests if r.method != "GET"] == ["POST"]


class _ChangedMeanwhile(k8s.CoreV1Api):
    """The real client, but someone else edits the ConfigMap right after our first read."""

    def __init__(self, api_client: k8s.ApiClient, other: k8s.CoreV1Api) -> None:
        super().__init__(api_client)
        self.other = other
        self.reads = 0

    def read_namespaced_config_map(  # type: ignore[override]
        self, name: str, namespace: str, **kwargs: Any
    ) -> Any:
        found = super().read_namespaced_config_map(name, namespace, **kwargs)
        self.reads += 1
        if self.reads == 1:
            self.other.patch_namespaced_config_map(
                name,
                namespace,
                {"data": {"other": "x"}},
                _content_type="application/merge-patch+json",
            )
        return found


def test_a_concurrent_change_is_kept_and_the_flag_set_on_a_second_try(
    kube: FakeKubernetes, staging: tuple[KubeApi, EnvironmentConfig]
) -> None:
    api, env = staging
    set_flag(api, "preprod-flags", "a", "on", env_name="staging", env=env)
    with kube.api_client() as other_client:
        core = _ChangedMeanwhile(api.api_client, k8s.CoreV1Api(other_client))
        racing = _RacingApi(api.api_client, api.namespace, api.context, core)
        change = set_flag(racing, "preprod-flags", "a", "off", env_name="staging", env=env)
    assert (change.old, change.new) == ("on", "off")
    assert core.reads == 2
    assert read_flags(api, "preprod-flags") == {"a": "off", "other": "x"}
    # one PUT with the stale resourceVersion (409 Conflict), one after reading again
    assert [r.method for r in kube.requests if r.method in ("PUT", "PATCH")] == [
        "PATCH",
        "PUT",
        "PUT",
    ]


class _RacingApi(KubeApi):
    def __init__(
        self, api_client: k8s.ApiClient, namespace: str, context: str | None, core: k8s.CoreV1Api
    ) -> None:
        super().__init__(api_client, namespace, context)
        self._core = core

    @property
    def core(self) -> k8s.CoreV1Api:
        return self._core


def test_a_protected_environment_sends_no_request(kube: FakeKubernetes, tmp_path: Path) -> None:
    env = environment(kube, tmp_path, "shop-prod", protected=True)
    api = connect("production", env, tmp_path)
    before = len(kube.requests)
    with pytest.raises(PermissionDenied, match="protected"):
        set_flag(api, "preprod-flags", "a", "on", env_name="production", env=env)
    api.close()
    assert len(kube.requests) == before
    assert kube.get("ConfigMap", "shop-prod", "preprod-flags") is None
