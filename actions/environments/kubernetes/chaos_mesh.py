"""Chaos Mesh (https://chaos-mesh.org) experiments for preprod's network faults. Pure.

Which kind each fault is and its spec, field by field as Chaos Mesh's CRDs define them
(`api/v1alpha1/networkchaos_types.go`, `httpchaos_types.go`, `podhttpchaos_types.go`,
`config/crd/bases/chaos-mesh.org_{networkchaos,httpchaos}.yaml`): NetworkChaos `delay`
(latency, jitter), `bandwidth` (rate, limit, buffer) and `loss`; HTTPChaos with `target`,
`port`, `replace.code` and `abort`. HTTPChaos has no rate: it acts on every matching request.
"""

from __future__ import annotations

import math
import re

from actions.chaos.method import Bandwidth, Blackhole, Errors, Fault, Latency, Reset
from actions.environments.kubernetes.objects import Obj

GROUP, VERSION = "chaos-mesh.org", "v1alpha1"
PLURALS = {"NetworkChaos": "networkchaos", "HTTPChaos": "httpchaos"}
# tc's token bucket (NetworkChaos `bandwidth`) needs a queue and a burst, in bytes, each >= 1:
# the values of Chaos Mesh's own examples.
BANDWIDTH_LIMIT, BANDWIDTH_BUFFER = 20_971_520, 10_000


def chaos_kind(fault: Fault) -> str:
    """The Chaos Mesh kind of a network fault: HTTP answers are HTTPChaos, packets NetworkChaos."""
    return "HTTPChaos" if isinstance(fault, Errors | Reset) else "NetworkChaos"


def chaos_spec(
    fault: Fault, namespace: str, selector: Obj, touched: int, pods: int, port: int | None
) -> Obj:
    """The Chaos Mesh spec of a network fault on `touched` of the `pods` a Deployment's
    `selector` picks (`port`: the container port, for HTTPChaos). Pure."""
    spec: Obj = {
        "selector": {
            "namespaces": [namespace],
            "labelSelectors": dict(selector.get("matchLabels") or {}),
        },
        **({"mode": "all"} if touched >= pods else {"mode": "fixed", "value": str(touched)}),
        # whole seconds, rounded up: the fault lasts at least as long as asked
        "duration": f"{max(1, math.ceil(fault.duration))}s",
    }
    if selector.get("matchExpressions"):
        spec["selector"]["expressionSelectors"] = list(selector["matchExpressions"])
    if isinstance(fault, Latency):
        spec["action"] = "delay"
        spec["delay"] = {"latency": _ms(fault.delay), "jitter": _ms(fault.jitter)}
    elif isinstance(fault, Bandwidth):
        # Chaos Mesh's `bps` is bytes per second, in whole numbers; our rates are kbit/s
        rate = f"{max(1, round(fault.rate * 1000 / 8))}bps"
        spec["action"] = "bandwidth"
        spec["bandwidth"] = {"rate": rate, "limit": BANDWIDTH_LIMIT, "buffer": BANDWIDTH_BUFFER}
    elif isinstance(fault, Blackhole):
        spec["action"] = "loss"
        spec["loss"] = {"loss": "100"}
    elif isinstance(fault, Errors):
        spec |= {"target": "Response", "port": port, "replace": {"code": fault.status}}
    elif isinstance(fault, Reset):
        # HTTPChaos `abort` cuts the connection of each request: the closest Chaos Mesh has to a
        # reset (NetworkChaos `loss` or `partition` drop packets, which is a blackhole)
        spec |= {"target": "Request", "port": port, "abort": True}
    else:
        raise ValueError(f"{fault.type} is not a network fault")
    return spec


def chaos_effect(fault: Fault) -> str:
    """What a network fault does, in a few words. Pure."""
    if isinstance(fault, Latency):
        jitter = f" ± {_ms(fault.jitter)}" if fault.jitter else ""
        return f"{_ms(fault.delay)}{jitter} of delay"
    if isinstance(fault, Bandwidth):
        return f"bandwidth limited to {fault.rate:g} kbit/s"
    if isinstance(fault, Blackhole):
        return "every packet dropped"
    effect = f"responses replaced by HTTP {fault.status}" if isinstance(fault, Errors) else ""
    effect = effect or "requests aborted"
    rate = getattr(fault, "rate", 1.0)
    if rate < 1:  # HTTPChaos has no rate field: it acts on every matching request
        effect += f" (every request, not {rate:.0%}: HTTPChaos has no rate)"
    return effect


def resource_name(ref: str) -> str:
    """`preprod-<ref>` as a Kubernetes name, short enough to be a label value too."""
    slug = re.sub(r"[^a-z0-9]+", "-", ref.lower()).strip("-") or "fault"
    return f"preprod-{slug}"[:63].rstrip("-")


def _ms(seconds: float) -> str:
    return f"{round(seconds * 1000)}ms"
