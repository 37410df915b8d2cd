"""A chaos experiment as validated data, in the spirit of Chaos Toolkit's, read from YAML.

An experiment states a steady state (probes with tolerances), a method (faults, each held for
its `duration`, and pauses, run in order), explicit rollbacks, its limits (`duration`,
`blast_radius`, `environments`) and abort thresholds (`guard`). Every fault has an implicit undo;
rollbacks always run (`guards.plan_rollbacks`). Validation is pure; only the two loaders read disk.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import (
    Field,
    ValidationError,
    model_validator,
)

from actions.chaos.fields import NAME_PATTERN, RECORDER_METRICS, Seconds, Share, Strict
from actions.chaos.method import (
    AbortCondition,
    Action,
    Bandwidth,
    BlastRadius,
    Errors,
    Fault,
    HttpCall,
    Latency,
    Pause,
    RollbackAction,
    Shutdown,
)
from actions.chaos.probes import HttpProbe, SloProbe, SteadyState, Tolerance, Traffic
from actions.errors import ConfigError
from actions.yaml_files import format_errors, read_yaml

__all__ = [
    "RECORDER_METRICS",
    "AbortCondition",
    "Bandwidth",
    "Errors",
    "Experiment",
    "ExperimentError",
    "Fault",
    "HttpCall",
    "HttpProbe",
    "Latency",
    "Pause",
    "Shutdown",
    "SloProbe",
    "Tolerance",
    "Traffic",
    "experiment_path",
    "list_experiments",
    "load_experiment",
    "parse_experiment",
]


class ExperimentError(ConfigError):
    """An experiment file is missing, not YAML, or invalid; one line per problem."""


class Experiment(Strict):
    """A whole experiment; `name` is the file's stem when loaded from a file."""

    name: str | None = Field(None, pattern=NAME_PATTERN)
    title: str = Field(min_length=1)
    description: str = ""
    steady_state: SteadyState
    method: list[Action] = Field(min_length=1)
    rollbacks: list[RollbackAction] = Field(default_factory=list)
    duration: Seconds | None = None  # the most the method may last; default: its total
    blast_radius: BlastRadius = Field(default_factory=BlastRadius)
    environments: list[str] = Field(default_factory=list)  # empty: any the policy allows
    guard: list[AbortCondition] = Field(default_factory=list)
    traffic: Traffic | None = None
    error_budget: Share = 0.01  # the share of failed requests the service's SLO allows

    @model_validator(mode="after")
    def _consistent(self) -> Experiment:
        if not self.faults:
            raise ValueError("the method has no fault: add one (latency, errors, shutdown, ...)")
        if self.duration is not None and self.method_duration_s > self.duration + 1e-9:
            raise ValueError(
                f"the method lasts {self.method_duration_s:g}s, more than duration "
                f"{self.duration:g}s"
            )
        touched = self.services
        if len(touched) > self.blast_radius.services:
            raise ValueError(
                f"the method touches {len(touched)} services ({', '.join(sorted(touched))}), "
                f"more than blast_radius.services {self.blast_radius.services}"
            )
        metrics = {(p.metric, p.service) for p in self.steady_state.probes if p.type == "slo"}
        for index, condition in enumerate(self.guard):
            if not any(
                m == condition.metric and condition.service in (None, s) for m, s in metrics
            ):
                raise ValueError(
                    f"guard {index} ({condition}) watches no steady-state metric: add an slo "
                    "probe for it"
                )
        return self

    @property
    def faults(self) -> list[tuple[int, Fault]]:
        """The faults of the method with their index in it."""
        return [(i, a) for i, a in enumerate(self.method) if not isinstance(a, Pause)]

    @property
    def services(self) -> set[str]:
        return {fault.service for _, fault in self.faults}

    @property
    def method_duration_s(self) -> float:
        """Faults are held one after the other, so the method lasts the sum of every duration."""
        return sum(action.duration for action in self.method)

    @property
    def total_duration_s(self) -> float:
        """The longest the experiment may act: its declared `duration`, else its method's."""
        return max(self.method_duration_s, self.duration or 0.0)

    @property
    def destructive(self) -> bool:
        """Stopping instances, scaling to zero or dropping traffic: such runs need an approval."""
        return any(fault.destructive for _, fault in self.faults)


@dataclass(frozen=True)
class Listed:
    """One file of an experiments folder: its experiment, or why it does not load."""

    name: str
    path: Path
    experiment: Experiment | None
    error: str | None = None


def parse_experiment(
    data: Any, *, name: str | None = None, source: str = "experiment"
) -> Experiment:
    """Validate YAML data as an experiment; ExperimentError lists every problem, one per line."""
    if not isinstance(data, dict):
        raise ExperimentError(f"{source}: expected a mapping with title, steady_state and method")
    if name is not None and "name" not in data:
        data = {**data, "name": name}
    try:
        return Experiment.model_validate(data)
    except ValidationError as exc:
        raise ExperimentError(format_errors(source, exc)) from None


def load_experiment(path: Path | str) -> Experiment:
    """Read and validate one experiment file; its name is the file's stem."""
    path = Path(path)
    data = read_yaml(path, ExperimentError)
    return parse_experiment(data, name=path.stem, source=str(path))


def list_experiments(directory: Path | str) -> list[Listed]:
    """Every `*.yaml`/`*.yml` of a folder by name, broken files with their problems."""
    folder = Path(directory)
    if not folder.is_dir():
        return []
    listed: list[Listed] = []
    for path in sorted(p for p in folder.iterdir() if p.suffix in (".yaml", ".yml")):
        try:
            listed.append(Listed(path.stem, path, load_experiment(path)))
        except ExperimentError as exc:
            listed.append(Listed(path.stem, path, None, str(exc)))
    return listed


def experiment_path(directory: Path | str, name: str) -> Path:
    """The file of experiment `name` in a folder; the name cannot leave the folder."""
    if not re.match(NAME_PATTERN, name) or name.startswith("."):
        raise ExperimentError(f"{name!r} is not an experiment name (letters, digits, - _ .)")
    for suffix in (".yaml", ".yml"):
        candidate = Path(directory) / f"{name}{suffix}"
        if candidate.is_file():
            return candidate
    known = ", ".join(item.name for item in list_experiments(directory)) or "none"
    raise ExperimentError(f"no experiment {name!r} in {directory} (experiments: {known})")
