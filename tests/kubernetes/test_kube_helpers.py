"""Helpers (no tests) for the kubernetes environment tests: the shop on a fake cluster, settings."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from actions.config import Settings
from actions.environments.kubernetes.environment import KubernetesEnvironment
from actions.environments.kubernetes.judge import RolloutPolicy
from tests.fakes.kube_api import FakeKubernetes

NAMESPACE = "shop-qa"
REPO = "registry.example/shop"
REVISION = "deployment.kubernetes.io/revision"
# Fast judgements for a fake whose containers live for tenths of a second.
POLICY = RolloutPolicy(crashloop_restarts=2, readiness_grace_s=1.0, unschedulable_grace_s=2.0)


def seed_shop(kube: FakeKubernetes, version: str = "1.0", history: tuple[str, ...] = ()) -> None:
    """catalog and storefront rolled out at `version`, with earlier versions as old revisions."""
    for service in ("catalog", "storefront"):
        kube.seed_deployment(
            NAMESPACE,
            service,
            f"{REPO}/{service}:{version}",
            replicas=2,
            container=service,
            revision_history=[f"{REPO}/{service}:{old}" for old in history],
        )


def shop_settings(tmp_path: Path, kube: FakeKubernetes, **env: Any) -> Settings:
    """An environment `qa` on the fake's namespace, an app `shop` with catalog and storefront."""
    kubeconfig = kube.kubeconfig(tmp_path / "kubeconfig", context="fake", namespace=NAMESPACE)
    environment = {
        "kind": "kubernetes",
        "namespace": NAMESPACE,
        "context": "fake",
        "kubeconfig": str(kubeconfig),
        "rollout_timeout": "20s",
        "urls": {"storefront": "http://{service}.{namespace}.svc:8080"},
        **env,
    }
    return Settings.model_validate(
        {
            "storage": {"path": str(tmp_path / "preprod.db"), "artifacts": str(tmp_path / "art")},
            "environments": {"qa": environment},
            "apps": {
                "shop": {
                    "services": {
                        "storefront": {"image": f"{REPO}/storefront", "depends_on": ["catalog"]},
                        "catalog": {"image": f"{REPO}/catalog"},
                    }
                }
            },
            "base_dir": tmp_path,
        }
    )


def environment(settings: Settings) -> KubernetesEnvironment:
    return KubernetesEnvironment("qa", settings, policy=POLICY, watch_window_s=1)


def image_of(kube: FakeKubernetes, deployment: str) -> str:
    found = kube.get("deployment", NAMESPACE, deployment) or {}
    return str(found["spec"]["template"]["spec"]["containers"][0]["image"])
