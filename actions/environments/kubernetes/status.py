"""What a service's Deployment says about it: images, replicas, restarts, age, recent warnings."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from actions.environments.base import EventRecord, ServiceStatus
from actions.environments.kubernetes.canary import canary_name
from actions.environments.kubernetes.diagnose import event_line, warnings_about
from actions.environments.kubernetes.judge import judge, progress_line
from actions.environments.kubernetes.objects import (
    Obj,
    event_time,
    image_tag,
    meta,
    name,
    parse_time,
    pick_container,
    template_containers,
)
from actions.environments.kubernetes.resources import Cluster
from actions.environments.kubernetes.revisions import new_replicaset, pods_of, previous_replicaset
from actions.environments.kubernetes.targets import Target

WARNINGS = 5


@dataclass(frozen=True)
class AppStatus:
    services: list[ServiceStatus]
    version: str | None
    previous_version: str | None


def read_status(
    cluster: Cluster, targets: list[Target], urls: dict[str, str], canaries: bool, now: datetime
) -> AppStatus:
    """Each service's status (and its canary's, in canary mode), the version all services run
    and the version of their previous revision (each None unless all agree)."""
    events = cluster.events()
    services: list[ServiceStatus] = []
    versions: list[str | None] = []
    previous: list[str | None] = []
    for target in targets:
        deployment = cluster.deployment_or_none(target.deployment)
        if deployment is None:
            missing = f"deployment {target.deployment} not found in namespace {cluster.namespace}"
            services.append(
                ServiceStatus(
                    name=target.service,
                    version=None,
                    url=urls.get(target.service),
                    healthy=False,
                    detail=missing,
                )
            )
            versions.append(None)
            continue
        rss = cluster.replicasets(deployment)
        found = service_status(
            target.service,
            target.container,
            deployment,
            rss,
            cluster.pods(deployment),
            events,
            urls.get(target.service),
            now,
        )
        services.append(found)
        versions.append(found.version)
        older = previous_replicaset(rss)
        chosen = pick_container(older, target.container, target.service) if older else None
        previous.append(image_tag(str(chosen.get("image", ""))) if chosen else None)
        twin = cluster.deployment_or_none(canary_name(target.deployment)) if canaries else None
        if twin is not None:
            label = canary_name(target.deployment)
            services.append(
                service_status(
                    label,
                    target.container or target.service,
                    twin,
                    cluster.replicasets(twin),
                    cluster.pods(twin),
                    events,
                    None,
                    now,
                )
            )
    return AppStatus(services, agreed(versions), agreed(previous))


def service_status(
    service: str,
    container: str | None,
    deployment: Obj,
    replicasets: list[Obj],
    pods: list[Obj],
    events: list[Obj],
    url: str | None,
    now: datetime,
) -> ServiceStatus:
    """The status of one service from its Deployment, the ReplicaSets it owns, all pods of those
    and the namespace's events. `age_s` is the age of the current revision."""
    spec, st = deployment.get("spec") or {}, deployment.get("status") or {}
    chosen = pick_container(deployment, container, service)
    image = str(chosen.get("image", "")) if chosen else ""
    desired = 1 if spec.get("replicas") is None else int(spec["replicas"])
    owned_pods = [p for rs in replicasets for p in pods_of(rs, pods)]
    current = new_replicaset(deployment, replicasets)
    born = parse_time(meta(current or deployment).get("creationTimestamp"))
    done = judge(deployment, [], [], now).state == "done"
    healthy = done and desired > 0 and (st.get("availableReplicas") or 0) >= desired
    if desired == 0:
        detail = "scaled to zero"
    elif healthy:
        detail = f"{st.get('availableReplicas') or 0}/{desired} available"
    else:
        detail = progress_line(deployment)
    names = {name(deployment), *(name(r) for r in replicasets), *(name(p) for p in owned_pods)}
    return ServiceStatus(
        name=service,
        version=image_tag(image) if image else None,
        url=url,
        healthy=healthy,
        detail=detail,
        restarts=sum(_restarts(p) for p in owned_pods),
        images=[str(c.get("image", "")) for c in template_containers(deployment)],
        replicas=desired,
        updated_replicas=st.get("updatedReplicas") or 0,
        ready_replicas=st.get("readyReplicas") or 0,
        available_replicas=st.get("availableReplicas") or 0,
        age_s=round((now - born).total_seconds(), 1) if born else None,
        warnings=[event_line(e) for e in warnings_about(events, names)[-WARNINGS:]],
    )


def event_record(event: Obj) -> EventRecord:
    obj = event.get("involvedObject") or {}
    count = event.get("count") or (event.get("series") or {}).get("count") or 1
    return EventRecord(
        type=str(event.get("type") or "Normal"),
        reason=str(event.get("reason") or ""),
        object=f"{obj.get('kind', '?')}/{obj.get('name', '?')}",
        message=" ".join(str(event.get("message") or "").split()),
        count=int(count),
        last_time=event_time(event) if event_time(event).year > 1 else None,
    )


def agreed(versions: list[str | None]) -> str | None:
    """The one version all services run, or None when they differ or one is unknown."""
    found = set(versions)
    return next(iter(found)) if len(found) == 1 else None


def _restarts(pod: Obj) -> int:
    statuses = (pod.get("status") or {}).get("containerStatuses") or []
    return sum(int(cs.get("restartCount") or 0) for cs in statuses)
