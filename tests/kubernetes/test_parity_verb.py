"""`parity ENV` and the protected twin, through the bot, against the fake API server."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.replies import Caller, Started
from bot.service import Preprod
from storage import runs
from storage.store import Store
from tests.conftest import example_settings
from tests.fakes.kube_api import FakeKubernetes

ENGINEER = Caller(user="local:eve", surface="cli", name="eve")
IMAGE = "registry.example/shop/{}:1.0"


@pytest.fixture
def kube() -> Iterator[FakeKubernetes]:
    with FakeKubernetes() as fake:
        for namespace in ("shop-staging", "shop"):
            for service in ("catalog", "storefront"):
                env = [{"name": "DB_URL", "value": "x"}]
                if namespace == "shop" and service == "storefront":
                    env.append({"name": "PAYMENT_TIMEOUT", "value": "5s"})
                fake.seed_deployment(
                    namespace,
                    service,
                    IMAGE.format(service),
                    replicas=1,
                    container=service,
                    env=env,
                )
        yield fake


@pytest.fixture
def bot(tmp_path: Path, kube: FakeKubernetes) -> Iterator[Preprod]:
    kubeconfig = str(kube.kubeconfig(tmp_path / "kubeconfig"))
    cluster = {"kind": "kubernetes", "kubeconfig": kubeconfig, "context": "fake"}
    settings = example_settings(
        tmp_path,
        default_environment="staging",
        environments={
            "staging": {**cluster, "namespace": "shop-staging", "production_twin": "production"},
            "production": {**cluster, "namespace": "shop", "protected": True},
        },
    )
    for service in ("catalog", "storefront"):
        settings.apps["shop"].services[service].image = f"registry.example/shop/{service}"
    bot = Preprod(settings, Store(settings.resolve(settings.storage.path)))
    yield bot
    bot.runner.shutdown()


def test_parity_lists_each_difference_from_the_production_twin(bot: Preprod) -> None:
    started = bot.handle("parity staging", ENGINEER)
    assert isinstance(started, Started)
    bot.runner.wait(started.run_id, timeout=30)
    (result,) = runs.results_of(bot.store, started.run_id)
    assert result["step"] == "parity" and result["status"] == "fail"
    titles = [f["title"] for f in result["findings"]]
    assert titles == ["storefront: env var PAYMENT_TIMEOUT only in production"]
    assert "5s" not in str(result)


def test_the_protected_twin_refuses_a_deploy_before_any_request(
    bot: Preprod, kube: FakeKubernetes
) -> None:
    before = len(kube.requests)
    reply = bot.handle("deploy shop 1.1 --env production", ENGINEER)
    assert reply.kind == "denied" and "protected" in reply.text
    assert len(kube.requests) == before


def test_flags_are_kept_in_the_environments_configmap(bot: Preprod, kube: FakeKubernetes) -> None:
    reply = bot.handle("flags staging set checkout.new_flow=true", ENGINEER)
    assert reply.text == "staging: checkout.new_flow = `true` (was unset)"
    configmap = kube.get("configmap", "shop-staging", "preprod-flags")
    assert configmap["data"] == {"checkout.new_flow": "true"}
    assert bot.handle("flags staging", ENGINEER).text == "checkout.new_flow = true"
