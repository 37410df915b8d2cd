"""The `telemetry:` section of preprod.yaml: where metrics, logs and traces live, and the SLIs.

Only addresses and queries: a token for Loki, Tempo or Prometheus comes from the environment.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from actions.telemetry.links import GrafanaLinks
from actions.telemetry.loki import LokiConfig
from actions.telemetry.regression import JudgeSettings
from actions.telemetry.tempo import TempoConfig


class PrometheusConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: str
    timeout: str = "10s"
    tries: int = Field(3, ge=1, le=5)


class SLI(BaseModel):
    """A service-level indicator: a PromQL template and how to show its value."""

    model_config = ConfigDict(extra="forbid")

    name: str
    query: str
    unit: str = ""
    scale: float = 1.0  # e.g. 1000 to show seconds as ms


class TelemetryConfig(BaseModel):
    """Sources of telemetry; with none, the built-in measurements of the run are used."""

    model_config = ConfigDict(extra="forbid")

    prometheus: PrometheusConfig | None = None
    loki: LokiConfig | None = None
    tempo: TempoConfig | None = None
    grafana: GrafanaLinks = Field(default_factory=lambda: GrafanaLinks())
    slis: list[SLI] = Field(default_factory=list)
    window: str = Field("1m", pattern=r"^\d+(ms|s|m|h|d)$")  # the {window} of SLI queries
    judge: JudgeSettings = Field(default_factory=lambda: JudgeSettings())
