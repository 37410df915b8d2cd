"""Parity: how a pre-production environment differs from its production twin. Pure.

`compare` turns two snapshots into findings, one per difference, with the severity below. The
question behind every severity is "do pre-production results still say something about production?":
what production has and pre-production lacks, or resources more generous in pre-production, weigh
more than the reverse.

| rule | severity |
| --- | --- |
| service's Deployment missing in pre-production | high |
| service's Deployment missing in production (medium for a candidate service: new) | high |
| not compared: Deployment missing on both sides, Secret or envFrom names unreadable | info |
| container only on one side | high |
| image repository differs | high |
| image tag differs, service not in the candidate release | medium |
| image tag differs, service in the candidate release | (expected: no finding) |
| env variable only in production (pre-production tests ran without it) | high |
| env variable only in pre-production (the release must bring it, or drift) | medium |
| ConfigMap only on one side (not referenced, or referenced but absent) | medium |
| ConfigMap key only on one side | medium |
| Secret missing in pre-production | high |
| Secret missing in production (the release must bring it) | medium |
| Secret key names differ | medium |
| limit more generous in pre-production (higher, or unlimited): load results optimistic | medium |
| limit tighter in pre-production: load results pessimistic | low |
| request differs | low |
| replicas differ (info when an HPA manages either side) | low (info) |
| HPA only on one side | medium |
| HPA min or max replicas differ | low |
| HPA metric target differs or only on one side | low |
| feature flag differs or only on one side | medium |

A snapshot compared with itself gives no findings but the info ones saying what was not compared.
ConfigMaps and Secrets are matched by name, ignoring a kustomize hash suffix (`-5h8k2m9tbf`).
A finding's fingerprint names the rule and the object, never the values, so the same drift keeps
its fingerprint while the values change.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from kubernetes.utils.quantity import parse_quantity

from actions.environments.kubernetes.snapshot import (
    ConfigMapSnapshot,
    ContainerSnapshot,
    EnvSnapshot,
    HpaSnapshot,
    SecretSnapshot,
    ServiceSnapshot,
)
from actions.result import Finding, Measurement, Result, Severity, Status, fingerprint

STEP = "parity"

# kustomize's configMapGenerator/secretGenerator suffix: 10 characters of its vowel-free alphabet.
_HASH_SUFFIX = re.compile(r"-[2456789bcdfghkmt]{10}$")

_ABSENT = "(none)"


def compare(
    pre: EnvSnapshot,
    prod: EnvSnapshot,
    candidate_services: set[str] | None = None,
    *,
    pre_name: str,
    prod_name: str,
) -> list[Finding]:
    """Every difference between pre-production and production, worst first.

    `candidate_services` are the services the candidate release changes: their image tags are
    expected to differ. None: no candidate is known, so every tag difference is reported.
    """
    out = _Findings(pre_name, prod_name)
    candidates = candidate_services or set()
    for service in sorted(set(pre.services) | set(prod.services)):
        _service(
            out,
            service,
            pre.services.get(service),
            prod.services.get(service),
            candidate=service in candidates,
        )
    _flags(out, pre, prod)
    return sorted(out.findings, key=lambda f: (-f.severity.rank, f.service or "", f.title))


def parity_result(findings: list[Finding], pre_name: str, prod_name: str) -> Result:
    """The parity step's Result: fail on high/critical, warn on medium, else pass."""
    counts = Counter(f.severity for f in findings)
    worst = max((f.severity.rank for f in findings), default=-1)
    if worst >= Severity.HIGH.rank:
        status = Status.FAIL
    elif worst == Severity.MEDIUM.rank:
        status = Status.WARN
    else:
        status = Status.PASS
    total = len(findings)
    if total:
        parts = [f"{counts[s]} {s.value}" for s in reversed(Severity) if counts[s]]
        noun = "difference" if total == 1 else "differences"
        summary = f"{total} {noun} from {prod_name} ({', '.join(parts)})"
    else:
        summary = f"no differences from {prod_name}"
    measurements = [Measurement(name="differences_total", value=total)]
    measurements += [Measurement(name=f"differences_{s.value}", value=counts[s]) for s in Severity]
    return Result(
        step=STEP,
        status=status,
        summary=summary,
        findings=findings,
        measurements=measurements,
        data={"environment": pre_name, "production_twin": prod_name},
    )


# --- the rules -----------------------------------------------------------------------------


@dataclass
class _Findings:
    pre_name: str
    prod_name: str
    findings: list[Finding] = field(default_factory=list)

    def add(
        self,
        severity: Severity,
        service: str | None,
        rule: str,
        subject: str,
        title: str,
        evidence: str,
    ) -> None:
        prefix = f"{service}: " if service else ""
        self.findings.append(
            Finding(
                severity=severity,
                title=prefix + title,
                evidence=evidence,
                service=service,
                fingerprint=fingerprint(
                    STEP, self.pre_name, self.prod_name, service or "", rule, subject
                ),
            )
        )

    def sides(self, pre: object, prod: object) -> str:
        return f"{self.pre_name}: {pre}; {self.prod_name}: {prod}"


def _service(
    out: _Findings,
    service: str,
    pre: ServiceSnapshot | None,
    prod: ServiceSnapshot | None,
    *,
    candidate: bool,
) -> None:
    pre_here = pre is not None and pre.present
    prod_here = prod is not None and prod.present
    if not (pre_here and prod_here):
        evidence = out.sides(_deployment_text(service, pre), _deployment_text(service, prod))
        if not pre_here and not prod_here:
            out.add(
                Severity.INFO,
                service,
                "deployment-missing-both",
                "",
                "deployment not compared: missing on both sides",
                evidence,
            )
        elif not pre_here:
            out.add(
                Severity.HIGH,
                service,
                "deployment-missing-pre",
                "",
                f"deployment missing in {out.pre_name}",
                evidence,
            )
        else:
            out.add(
                Severity.MEDIUM if candidate else Severity.HIGH,
                service,
                "deployment-missing-prod",
                "",
                f"deployment missing in {out.prod_name}"
                + (" (new with the release?)" if candidate else ""),
                evidence,
            )
        return
    assert pre is not None and prod is not None
    _containers(out, service, pre, prod, candidate=candidate)
    _config_maps(out, service, pre.config_maps, prod.config_maps)
    _secrets(out, service, pre.secrets, prod.secrets)
    _replicas(out, service, pre, prod)
    _hpa(out, service, pre.hpa, prod.hpa)


def _containers(
    out: _Findings, service: str, pre: ServiceSnapshot, prod: ServiceSnapshot, *, candidate: bool
) -> None:
    for name in sorted(set(pre.containers) ^ set(prod.containers)):
        side = out.pre_name if name in pre.containers else out.prod_name
        out.add(
            Severity.HIGH,
            service,
            "container-only-one-side",
            name,
            f"container {name} only in {side}",
            out.sides(sorted(pre.containers), sorted(prod.containers)),
        )
    several = len(pre.containers) > 1 or len(prod.containers) > 1
    for name in sorted(set(pre.containers) & set(prod.containers)):
        where = f" (container {name})" if several else ""
        a, b = pre.containers[name], prod.containers[name]
        _image(out, service, name, where, a, b, candidate=candidate)
        _env(out, service, name, where, a, b)
        _resources(out, service, name, where, a, b)


def _image(
    out: _Findings,
    service: str,
    container: str,
    where: str,
    a: ContainerSnapshot,
    b: ContainerSnapshot,
    *,
    candidate: bool,
) -> None:
    if a.repository != b.repository:
        out.add(
            Severity.HIGH,
            service,
            "image-repository",
            container,
            f"image repository differs{where}",
            out.sides(a.image, b.image),
        )
    elif a.tag != b.tag and not candidate:
        out.add(
            Severity.MEDIUM,
            service,
            "image-tag",
            container,
            f"image tag differs{where} (not part of the candidate release)",
            out.sides(a.image, b.image),
        )


def _env(
    out: _Findings,
    service: str,
    container: str,
    where: str,
    a: ContainerSnapshot,
    b: ContainerSnapshot,
) -> None:
    if not (a.env_complete and b.env_complete):
        unknown = out.pre_name if not a.env_complete else out.prod_name
        out.add(
            Severity.INFO,
            service,
            "env-not-comparable",
            container,
            f"env var names not compared{where}",
            f"an envFrom Secret is not readable in {unknown}",
        )
        return
    for var in sorted(set(a.env) - set(b.env)):
        out.add(
            Severity.MEDIUM,
            service,
            "env-only-pre",
            f"{container}/{var}",
            f"env var {var} only in {out.pre_name}{where}",
            out.sides("set", "not set"),
        )
    for var in sorted(set(b.env) - set(a.env)):
        out.add(
            Severity.HIGH,
            service,
            "env-only-prod",
            f"{container}/{var}",
            f"env var {var} only in {out.prod_name}{where}",
            out.sides("not set", "set"),
        )


def _resources(
    out: _Findings,
    service: str,
    container: str,
    where: str,
    a: ContainerSnapshot,
    b: ContainerSnapshot,
) -> None:
    for resource in sorted(set(a.requests) | set(b.requests)):
        pre_value, prod_value = a.requests.get(resource), b.requests.get(resource)
        if not _same_quantity(pre_value, prod_value):
            out.add(
                Severity.LOW,
                service,
                "request",
                f"{container}/{resource}",
                f"{resource} request differs{where}",
                out.sides(pre_value or _ABSENT, prod_value or _ABSENT),
            )
    for resource in sorted(set(a.limits) | set(b.limits)):
        pre_value, prod_value = a.limits.get(resource), b.limits.get(resource)
        if _same_quantity(pre_value, prod_value):
            continue
        generous = _more_generous(pre_value, prod_value)
        out.add(
            Severity.MEDIUM if generous else Severity.LOW,
            service,
            "limit",
            f"{container}/{resource}",
            f"{resource} limit {'higher' if generous else 'lower'} in {out.pre_name}{where}",
            out.sides(pre_value or "unlimited", prod_value or "unlimited"),
        )


def _config_maps(
    out: _Findings,
    service: str,
    pre: dict[str, ConfigMapSnapshot],
    prod: dict[str, ConfigMapSnapshot],
) -> None:
    a = {_base_name(n): cm for n, cm in pre.items() if cm.present}
    b = {_base_name(n): cm for n, cm in prod.items() if cm.present}
    for name in sorted(set(a) ^ set(b)):
        side = out.pre_name if name in a else out.prod_name
        out.add(
            Severity.MEDIUM,
            service,
            "configmap-only-one-side",
            name,
            f"ConfigMap {name} only in {side}",
            out.sides(_presence(name, pre), _presence(name, prod)),
        )
    for name in sorted(set(a) & set(b)):
        for key, side in _one_sided(a[name].keys, b[name].keys, out):
            out.add(
                Severity.MEDIUM,
                service,
                "configmap-key-only-one-side",
                f"{name}/{key}",
                f"ConfigMap {name} key {key} only in {side}",
                out.sides(
                    "has the key" if key in a[name].keys else "no such key",
                    "has the key" if key in b[name].keys else "no such key",
                ),
            )


def _secrets(
    out: _Findings,
    service: str,
    pre: dict[str, SecretSnapshot],
    prod: dict[str, SecretSnapshot],
) -> None:
    a = {_base_name(n): s for n, s in pre.items()}
    b = {_base_name(n): s for n, s in prod.items()}
    for name in sorted(set(a) | set(b)):
        sa, sb = a.get(name), b.get(name)
        if (sa is not None and sa.present is None) or (sb is not None and sb.present is None):
            unknown = out.pre_name if sa is not None and sa.present is None else out.prod_name
            out.add(
                Severity.INFO,
                service,
                "secret-not-readable",
                name,
                f"Secret {name} not compared",
                f"the bot may not read Secrets in {unknown} (optional Role preprod-parity-secrets)",
            )
            continue
        in_pre = sa is not None and bool(sa.present)
        in_prod = sb is not None and bool(sb.present)
        if in_pre != in_prod:
            missing_in = out.prod_name if in_pre else out.pre_name
            out.add(
                Severity.MEDIUM if in_pre else Severity.HIGH,
                service,
                f"secret-missing-{'prod' if in_pre else 'pre'}",
                name,
                f"Secret {name} missing in {missing_in}",
                out.sides(_presence(name, pre), _presence(name, prod)),
            )
        elif in_pre and sa is not None and sb is not None and sa.keys != sb.keys:
            only_pre = sorted(set(sa.keys) - set(sb.keys))
            only_prod = sorted(set(sb.keys) - set(sa.keys))
            out.add(
                Severity.MEDIUM,
                service,
                "secret-keys",
                name,
                f"Secret {name} key names differ",
                f"key names only in {out.pre_name}: {', '.join(only_pre) or _ABSENT}; "
                f"only in {out.prod_name}: {', '.join(only_prod) or _ABSENT}",
            )


def _replicas(out: _Findings, service: str, pre: ServiceSnapshot, prod: ServiceSnapshot) -> None:
    if pre.replicas == prod.replicas:
        return
    managed = pre.hpa is not None or prod.hpa is not None
    out.add(
        Severity.INFO if managed else Severity.LOW,
        service,
        "replicas",
        "",
        "replicas differ" + (" (an HPA manages them)" if managed else ""),
        out.sides(pre.replicas, prod.replicas),
    )


def _hpa(out: _Findings, service: str, pre: HpaSnapshot | None, prod: HpaSnapshot | None) -> None:
    if pre is None and prod is None:
        return
    if pre is None or prod is None:
        side = out.pre_name if prod is None else out.prod_name
        out.add(
            Severity.MEDIUM,
            service,
            "hpa-only-one-side",
            "",
            f"HPA only in {side}",
            out.sides(_hpa_text(pre), _hpa_text(prod)),
        )
        return
    for label, a, b in (
        ("min", pre.min_replicas, prod.min_replicas),
        ("max", pre.max_replicas, prod.max_replicas),
    ):
        if a != b:
            out.add(
                Severity.LOW,
                service,
                f"hpa-{label}",
                "",
                f"HPA {label} replicas differ",
                out.sides(a, b),
            )
    for metric in sorted(set(pre.metrics) | set(prod.metrics)):
        a_target, b_target = pre.metrics.get(metric), prod.metrics.get(metric)
        if a_target != b_target:
            out.add(
                Severity.LOW,
                service,
                "hpa-metric",
                metric,
                f"HPA metric {metric} differs",
                out.sides(a_target or _ABSENT, b_target or _ABSENT),
            )


def _flags(out: _Findings, pre: EnvSnapshot, prod: EnvSnapshot) -> None:
    for name in sorted(set(pre.flags) | set(prod.flags)):
        a, b = pre.flags.get(name), prod.flags.get(name)
        if a == b:
            continue
        if a is None or b is None:
            title = f"flag {name} only in {out.pre_name if b is None else out.prod_name}"
        else:
            title = f"flag {name} differs"
        out.add(
            Severity.MEDIUM,
            None,
            "flag",
            name,
            title,
            out.sides(_flag_text(a), _flag_text(b)),
        )


# --- helpers -------------------------------------------------------------------------------


def _base_name(name: str) -> str:
    return _HASH_SUFFIX.sub("", name)


def _presence(base: str, objs: Mapping[str, ConfigMapSnapshot | SecretSnapshot]) -> str:
    for name, obj in objs.items():
        if _base_name(name) == base:
            return f"{name} present" if obj.present else f"{name} referenced but absent"
    return "not referenced"


def _one_sided(a: Iterable[str], b: Iterable[str], out: _Findings) -> Iterable[tuple[str, str]]:
    sa, sb = set(a), set(b)
    for key in sorted(sa ^ sb):
        yield key, out.pre_name if key in sa else out.prod_name


def _quantity(value: str) -> Decimal | None:
    try:
        return Decimal(parse_quantity(value))
    except (ValueError, ArithmeticError):
        return None


def _same_quantity(a: str | None, b: str | None) -> bool:
    if a is None or b is None:
        return a == b
    qa, qb = _quantity(a), _quantity(b)
    return qa == qb if qa is not None and qb is not None else a == b


def _more_generous(pre: str | None, prod: str | None) -> bool:
    """Whether the pre-production limit allows more than production's (None: unlimited)."""
    if pre is None:
        return True
    if prod is None:
        return False
    qa, qb = _quantity(pre), _quantity(prod)
    return qa is not None and qb is not None and qa > qb


def _deployment_text(service: str, snap: ServiceSnapshot | None) -> str:
    name = snap.deployment if snap else service
    return f"Deployment {name}" if snap and snap.present else f"no Deployment {name}"


def _hpa_text(hpa: HpaSnapshot | None) -> str:
    if hpa is None:
        return _ABSENT
    return (
        f"{hpa.name} {hpa.min_replicas if hpa.min_replicas is not None else 1}-{hpa.max_replicas}"
    )


def _flag_text(value: str | None) -> str:
    return _ABSENT if value is None else repr(value)
