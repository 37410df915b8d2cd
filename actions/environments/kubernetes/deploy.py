"""Changing Deployments: a release (or its canary) and a rollback, validated before any change.

Services go one at a time in dependency order (rollbacks in reverse); the first failure stops
the rest and nothing is undone behind the caller's back (see `steps.py`).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from uuid import uuid4

from actions.config import EnvironmentConfig
from actions.environments.base import DeployOutcome, Progress, Release
from actions.environments.kubernetes import canary
from actions.environments.kubernetes.judge import RolloutPolicy
from actions.environments.kubernetes.objects import Obj, revision
from actions.environments.kubernetes.resources import Cluster
from actions.environments.kubernetes.rollback import MARK, last_changed, mark_patch, plan_rollback
from actions.environments.kubernetes.rollout import RolloutWatcher
from actions.environments.kubernetes.steps import Change, Failure, Step, run_steps
from actions.environments.kubernetes.targets import Target, running_release
from actions.errors import EnvironmentFailure

STRATEGIC = "application/strategic-merge-patch+json"
JSON_PATCH = "application/json-patch+json"


class Deployer:
    """Deploys and rolls back one app's Deployments in one environment's namespace."""

    def __init__(
        self,
        env_name: str,
        config: EnvironmentConfig,
        cluster: Cluster,
        policy: RolloutPolicy,
        window_s: int,
        urls: Callable[[], dict[str, str]],
    ) -> None:
        self.env_name, self.config, self.cluster, self.urls = env_name, config, cluster, urls
        self.watcher = RolloutWatcher(cluster, policy, window_s)

    def deploy(self, release: Release, targets: list[Target], progress: Progress) -> DeployOutcome:
        """Set each service's image (or its canary's) and follow the rollouts, in order."""
        images = {t.service: t.image_for(release) for t in targets}
        current = {t.service: self.cluster.deployment(t.deployment) for t in targets}
        containers = {t.service: t.container_of(current[t.service]) for t in targets}
        before = running_release(release.app, targets, current)
        mark = new_mark()
        steps: list[Step] = []
        for t in targets:
            image, container = images[t.service], str(containers[t.service]["name"])
            announce = f"{before.version_of(t.service)} -> {image}"
            if self.config.canary:
                change = self._canary(t, current[t.service], container, image)
                steps.append(Step(t.service, f"{t.service} canary", announce, change))
            elif containers[t.service].get("image") == image:
                steps.append(
                    Step(t.service, t.service, f"already {image}", _same(current[t.service]))
                )
            else:
                body = image_patch(container, image, mark)
                steps.append(Step(t.service, t.service, announce, self._patch(t.deployment, body)))
        what = ("canary of " if self.config.canary else "") + f"{release.app} {release.version}"
        failed = self._run(steps, progress, what)
        if failed:
            return self._failed(failed, release, before)
        where = "beside the baseline" if self.config.canary else "rolled out"
        return DeployOutcome(
            ok=True,
            summary=f"{what} deployed to {self.env_name}: "
            + ", ".join(f"{t.service} {where}" for t in targets),
            release=release,
            previous=before,
            urls=self.urls(),
        )

    def rollback(
        self, app: str, targets: list[Target], progress: Progress, explicit: bool
    ) -> DeployOutcome:
        """The services the last deploy changed (or those named) back to their previous revision,
        dependents first."""
        current = {t.service: self.cluster.deployment(t.deployment) for t in targets}
        scope = None if explicit else last_changed(current)
        skipped = [
            f"{t.service}: not changed by the last deploy; left as it is"
            for t in targets
            if scope is not None and t.service not in scope
        ]
        order = [t for t in reversed(targets) if scope is None or t.service in scope]
        plans = {
            t.service: plan_rollback(
                current[t.service], self.cluster.replicasets(current[t.service])
            )
            for t in order
        }
        missing = [p.skipped for p in plans.values() if p.target is None]
        runnable = [t for t in order if plans[t.service].patch]
        if (explicit and missing) or not runnable:
            reasons = missing or [p.skipped for p in plans.values()] or skipped
            raise EnvironmentFailure(
                f"nothing to roll back on {self.env_name}: {'; '.join(reasons)}"
            )
        skipped += [p.skipped for p in plans.values() if not p.patch]
        before = running_release(app, targets, current)
        after = {s: p.target if p.patch and p.target else current[s] for s, p in plans.items()}
        release = running_release(app, targets, {**current, **after})
        mark = new_mark()
        steps = []
        for t in runnable:
            plan = plans[t.service]
            number, version = revision(plan.target or {}), release.version_of(t.service)
            change = self._patch(t.deployment, [*plan.patch, mark_patch(mark)], JSON_PATCH)
            steps.append(
                Step(t.service, t.service, f"back to revision {number} ({version})", change)
            )
        failed = self._run(steps, progress, f"rollback of {app} to {release.version}")
        if failed:
            return self._failed(
                Failure(failed.summary, [*failed.details, *skipped]), release, before
            )
        return DeployOutcome(
            ok=True,
            summary=f"{app} rolled back to {release.version} on {self.env_name}: "
            + ", ".join(t.service for t in runnable),
            release=release,
            previous=before,
            urls=self.urls(),
            details=skipped,
        )

    def remove_canaries(self, targets: list[Target]) -> list[str]:
        """Delete the canaries preprod made for these services (never anything else)."""
        found = {
            d["metadata"]["name"]: d for d in self.cluster.deployments(f"{canary.TRACK}=canary")
        }
        removed = []
        for t in targets:
            existing = found.get(canary.canary_name(t.deployment))
            if existing and canary.is_canary_of(existing, t.deployment):
                self.cluster.delete_deployment(canary.canary_name(t.deployment))
                removed.append(canary.canary_name(t.deployment))
        return removed

    def _run(self, steps: list[Step], progress: Progress, what: str) -> Failure | None:
        undo = "teardown deletes the canaries" if self.config.canary else "rollback undoes them"
        return run_steps(
            steps,
            self.cluster,
            self.watcher,
            progress,
            what=what,
            where=self.env_name,
            timeout=self.config.rollout_timeout,
            undo=undo,
        )

    def _failed(self, failed: Failure, release: Release, before: Release) -> DeployOutcome:
        return DeployOutcome(
            ok=False,
            summary=failed.summary,
            release=release,
            previous=before,
            urls=self.urls(),
            details=failed.details,
        )

    def _patch(self, dep_name: str, body: object, content_type: str = STRATEGIC) -> Change:
        return lambda: self.cluster.patch_deployment(dep_name, body, content_type)

    def _canary(self, target: Target, baseline: Obj, container: str, image: str) -> Change:
        """Create `<deployment>-canary`, or move the one preprod made; never anything else."""
        canary_name = canary.canary_name(target.deployment)
        existing = self.cluster.deployment_or_none(canary_name)
        replicas = self.config.canary_replicas
        if existing is None:
            body = canary.canary_body(baseline, container, image, replicas)
            return lambda: self.cluster.create_deployment(body)
        if not canary.is_canary_of(existing, target.deployment):
            raise EnvironmentFailure(
                f"deployment {canary_name} exists but preprod did not make it; it is left alone"
            )
        return self._patch(canary_name, canary.canary_patch(container, image, replicas))


def image_patch(container: str, image: str, mark: str) -> Obj:
    """A strategic merge patch that sets one container's image (containers merge by name) and
    preprod's mark."""
    return {
        "metadata": {"annotations": {MARK: mark}},
        "spec": {"template": {"spec": {"containers": [{"name": container, "image": image}]}}},
    }


def new_mark() -> str:
    """A mark for one deploy or rollback: later ones sort after earlier ones."""
    return f"{datetime.now(UTC):%Y%m%dT%H%M%S.%fZ}-{uuid4().hex[:6]}"


def _same(deployment: Obj) -> Change:
    return lambda: deployment
