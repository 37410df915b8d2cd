"""Faults to inject in front of a service, as validated data, and the pure decision for one request.

A fault list is data (`parse_faults` reads it from config or a command); `decide` says, with a
seeded `random.Random`, what happens to one request or connection; `bandwidth_limit` says how fast
bytes may flow. No clock, socket or global here: the proxy (`proxy.py`) carries the decisions out.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from http import HTTPStatus
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, model_validator

Probability = Annotated[float, Field(ge=0.0, le=1.0)]


class _Fault(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Latency(_Fault):
    """Delay each request by `delay_ms` ± `jitter_ms` (uniform), with the given probability."""

    kind: Literal["latency"] = "latency"
    delay_ms: float = Field(ge=0.0, le=600_000.0)
    jitter_ms: float = Field(default=0.0, ge=0.0)
    probability: Probability = 1.0

    @model_validator(mode="after")
    def _jitter_within_delay(self) -> Latency:
        if self.jitter_ms > self.delay_ms:
            raise ValueError(
                f"jitter_ms ({self.jitter_ms:g}) must not exceed delay_ms ({self.delay_ms:g})"
            )
        return self


class Errors(_Fault):
    """Answer a share (`rate`) of requests with an HTTP 5xx instead of forwarding them."""

    kind: Literal["errors"] = "errors"
    status: int = Field(default=503, ge=500, le=599)
    rate: Probability = 1.0
    body: str | None = None


class Reset(_Fault):
    """Reset (TCP RST) a share of requests' connections instead of forwarding them."""

    kind: Literal["reset"] = "reset"
    rate: Probability = 1.0


class Blackhole(_Fault):
    """Swallow a share of requests: the connection stays open and nothing ever answers."""

    kind: Literal["blackhole"] = "blackhole"
    rate: Probability = 1.0


class Bandwidth(_Fault):
    """Limit the byte stream of each connection to `bytes_per_second`, in both directions."""

    kind: Literal["bandwidth"] = "bandwidth"
    bytes_per_second: int = Field(gt=0)


Fault = Annotated[Latency | Errors | Reset | Blackhole | Bandwidth, Field(discriminator="kind")]
FaultKind = Literal["latency", "errors", "reset", "blackhole", "bandwidth"]
FAULT_KINDS: tuple[FaultKind, ...] = ("latency", "errors", "reset", "blackhole", "bandwidth")

_FAULT_LIST: TypeAdapter[list[Fault]] = TypeAdapter(list[Fault])


def parse_faults(data: Sequence[Any]) -> list[Fault]:
    """Validate a list of fault mappings (`{"kind": "latency", "delay_ms": 200}`) into models."""
    return _FAULT_LIST.validate_python(list(data))


class Decision(BaseModel):
    """What happens to one request (or connection): wait `delay_s`, then do `action`."""

    model_config = ConfigDict(frozen=True)

    action: Literal["pass", "error", "reset", "blackhole"] = "pass"
    delay_s: float = 0.0
    status: int | None = None
    body: str | None = None
    fired: tuple[FaultKind, ...] = ()


PASS = Decision()


def decide(rng: random.Random, faults: Sequence[Fault], *, http: bool = True) -> Decision:
    """Draw the fate of one request: latencies add up; blackhole beats reset beats error.

    Every fault draws from `rng` in list order whether or not an earlier one fired, so a seed
    gives the same sequence of decisions for the same fault list. With `http=False` (a raw TCP
    stream) error faults do not apply.
    """
    delay_ms = 0.0
    fired: list[FaultKind] = []
    outcome: Errors | Reset | Blackhole | None = None
    for fault in faults:
        if isinstance(fault, Bandwidth):
            continue
        chance = fault.probability if isinstance(fault, Latency) else fault.rate
        hit = rng.random() < chance
        if isinstance(fault, Latency):
            offset = rng.uniform(-fault.jitter_ms, fault.jitter_ms) if fault.jitter_ms else 0.0
            if hit:
                delay_ms += max(0.0, fault.delay_ms + offset)
                fired.append("latency")
            continue
        if not hit or (isinstance(fault, Errors) and not http):
            continue
        if outcome is None or _RANK[fault.kind] > _RANK[outcome.kind]:
            outcome = fault
    if outcome is not None:
        fired.append(outcome.kind)
    delay_s = delay_ms / 1000.0
    if isinstance(outcome, Errors):
        return Decision(
            action="error",
            delay_s=delay_s,
            status=outcome.status,
            body=outcome.body,
            fired=tuple(fired),
        )
    if isinstance(outcome, Reset | Blackhole):
        return Decision(action=outcome.kind, delay_s=delay_s, fired=tuple(fired))
    return Decision(delay_s=delay_s, fired=tuple(fired))


_RANK = {"errors": 1, "reset": 2, "blackhole": 3}


def bandwidth_limit(faults: Sequence[Fault]) -> int | None:
    """The tightest bandwidth limit in bytes per second, or None when the stream is free."""
    limits = [f.bytes_per_second for f in faults if isinstance(f, Bandwidth)]
    return min(limits) if limits else None


def error_response(status: int, body: str | None = None) -> bytes:
    """A minimal valid HTTP/1.1 response for an injected error; it closes the connection."""
    try:
        reason = HTTPStatus(status).phrase
    except ValueError:
        reason = "Server Error"
    text = body if body is not None else f"{status} {reason} (fault injected by preprod)\n"
    payload = text.encode()
    head = (
        f"HTTP/1.1 {status} {reason}\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n"
        f"Content-Length: {len(payload)}\r\n"
        "Connection: close\r\n"
        "X-Preprod-Fault: errors\r\n"
        "\r\n"
    )
    return head.encode("latin-1") + payload
