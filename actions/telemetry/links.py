"""Grafana deep links from URL templates in the config; pure.

A template names its values as `{service}`, `{namespace}`, `{start_ms}`, `{end_ms}`, `{trace_id}`
and `{query}`; every value is percent-encoded, so a LogQL query or a service name cannot change the
URL's shape. Other braces (e.g. Grafana's JSON `left={"datasource":...}`) are left as they are.
A link whose template is not configured is None.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from urllib.parse import quote

from pydantic import BaseModel, ConfigDict, field_validator

PLACEHOLDERS = ("service", "namespace", "start_ms", "end_ms", "trace_id", "query")
_PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")


class GrafanaLinks(BaseModel):
    """URL templates for Grafana's Explore (logs, traces) and a service dashboard."""

    model_config = ConfigDict(extra="forbid")

    explore_logs: str | None = None
    explore_traces: str | None = None
    dashboard: str | None = None

    @field_validator("explore_logs", "explore_traces", "dashboard")
    @classmethod
    def _known_placeholders(cls, value: str | None) -> str | None:
        if value is not None:
            unknown = sorted(set(_PLACEHOLDER.findall(value)) - set(PLACEHOLDERS))
            if unknown:
                known = ", ".join("{" + name + "}" for name in PLACEHOLDERS)
                raise ValueError(f"unknown placeholder(s) {unknown}; use {known}")
        return value


def fill(template: str | None, values: Mapping[str, str | int]) -> str | None:
    """The template with its placeholders filled with percent-encoded values; None if unset."""
    if template is None:
        return None

    def one(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in PLACEHOLDERS:
            return match.group(0)
        if name not in values:
            raise ValueError(f"the link template needs {{{name}}}, which is not known here")
        return quote(str(values[name]), safe="")

    return _PLACEHOLDER.sub(one, template)


def epoch_ms(moment: datetime) -> int:
    if moment.tzinfo is None:
        raise ValueError(f"{moment} has no timezone; pass an aware datetime (e.g. UTC)")
    return int(moment.timestamp() * 1000)


def _window(service: str, namespace: str, start: datetime, end: datetime) -> dict[str, str | int]:
    return {
        "service": service,
        "namespace": namespace,
        "start_ms": epoch_ms(start),
        "end_ms": epoch_ms(end),
    }


def logs_link(
    links: GrafanaLinks,
    *,
    service: str,
    namespace: str,
    start: datetime,
    end: datetime,
    query: str = "",
) -> str | None:
    """Explore of a service's logs over a window (`{query}` is the LogQL shown)."""
    return fill(links.explore_logs, {**_window(service, namespace, start, end), "query": query})


def trace_link(
    links: GrafanaLinks,
    *,
    trace_id: str,
    service: str = "",
    namespace: str = "",
    start: datetime | None = None,
    end: datetime | None = None,
) -> str | None:
    """Explore of one trace; a window, if given, narrows the search Grafana does."""
    values: dict[str, str | int] = {
        "trace_id": trace_id,
        "query": trace_id,
        "service": service,
        "namespace": namespace,
    }
    if start is not None:
        values["start_ms"] = epoch_ms(start)
    if end is not None:
        values["end_ms"] = epoch_ms(end)
    return fill(links.explore_traces, values)


def dashboard_link(
    links: GrafanaLinks, *, service: str, namespace: str, start: datetime, end: datetime
) -> str | None:
    """The service dashboard over a window."""
    return fill(links.dashboard, _window(service, namespace, start, end))
