"""Read the CSV statistics Locust writes with `--csv PREFIX` into typed records.

Pure: every function takes the file's text. Column names are Locust 2.47's own. Locust rewrites
the CSVs once a second while it runs but not at shutdown, so their final numbers miss the run's
last second (`locust_json` reads the exact final numbers); and `_stats_history.csv` may be read
while Locust appends to it, so a torn last row is skipped.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

PERCENTILES = (0.5, 0.66, 0.75, 0.8, 0.9, 0.95, 0.98, 0.99, 0.999, 0.9999, 1.0)
PERCENTILE_COLUMNS = (
    "50%",
    "66%",
    "75%",
    "80%",
    "90%",
    "95%",
    "98%",
    "99%",
    "99.9%",
    "99.99%",
    "100%",
)
AGGREGATED = "Aggregated"


class LocustStatsError(ValueError):
    """A Locust statistics file is not in the expected format."""


@dataclass(frozen=True)
class EndpointStats:
    """One row of `_stats.csv`: an endpoint, or the `Aggregated` row. Times in milliseconds."""

    type: str
    name: str
    requests: int
    failures: int
    median_ms: float
    avg_ms: float
    min_ms: float
    max_ms: float
    avg_content_size: float
    rps: float
    failures_per_s: float
    percentiles: dict[str, float | None] = field(default_factory=dict)

    @property
    def is_aggregate(self) -> bool:
        return self.name == AGGREGATED and not self.type

    @property
    def endpoint(self) -> str:
        """`GET /cart`, or `Aggregated` for the total."""
        return AGGREGATED if self.is_aggregate else f"{self.type} {self.name}".strip()

    @property
    def error_rate_pct(self) -> float:
        return 100.0 * self.failures / self.requests if self.requests else 0.0

    def percentile(self, column: str) -> float | None:
        """The response time under which `column` (e.g. `95%`) of requests finished."""
        return self.percentiles.get(column)


@dataclass(frozen=True)
class LocustStats:
    """Every endpoint's statistics and their aggregate."""

    endpoints: list[EndpointStats]
    aggregate: EndpointStats


@dataclass(frozen=True)
class HistoryRow:
    """One row of `_stats_history.csv`. Without `--csv-full-history` only `Aggregated` rows exist;
    their percentiles are cumulative since the start, their `Requests/s` a lagging average."""

    timestamp: int
    users: int
    type: str
    name: str
    rps: float
    failures_per_s: float
    percentiles: dict[str, float | None]
    total_requests: int
    total_failures: int


@dataclass(frozen=True)
class LiveStats:
    """Where a running load test stands, for a progress line."""

    users: int
    requests: int
    failures: int
    rps: float
    p50_ms: float | None
    p95_ms: float | None
    p99_ms: float | None

    @property
    def error_rate_pct(self) -> float:
        return 100.0 * self.failures / self.requests if self.requests else 0.0


@dataclass(frozen=True)
class FailureRow:
    """One row of `_failures.csv`: an error an endpoint returned, and how often."""

    method: str
    name: str
    error: str
    occurrences: int


@dataclass(frozen=True)
class ExceptionRow:
    """One row of `_exceptions.csv`: an exception the locustfile's code raised, and how often."""

    count: int
    message: str
    traceback: str


def parse_stats_csv(text: str) -> LocustStats:
    """Read `PREFIX_stats.csv`."""
    rows = [_endpoint_row(row) for row in _rows(text, "Request Count")]
    endpoints = [row for row in rows if not row.is_aggregate]
    aggregates = [row for row in rows if row.is_aggregate]
    if not aggregates:
        raise LocustStatsError("the Locust stats CSV has no Aggregated row")
    return LocustStats(endpoints=endpoints, aggregate=aggregates[-1])


def parse_history_csv(text: str) -> list[HistoryRow]:
    """Read `PREFIX_stats_history.csv`, skipping a row Locust is still writing."""
    history = []
    for row in _rows(text, "Total Request Count"):
        try:
            history.append(
                HistoryRow(
                    timestamp=int(row["Timestamp"]),
                    users=int(row["User Count"]),
                    type=row["Type"],
                    name=row["Name"],
                    rps=float(row["Requests/s"]),
                    failures_per_s=float(row["Failures/s"]),
                    percentiles={c: _number(row[c]) for c in PERCENTILE_COLUMNS},
                    total_requests=int(row["Total Request Count"]),
                    total_failures=int(row["Total Failure Count"]),
                )
            )
        except (KeyError, TypeError, ValueError):
            continue
    return history


def live_stats(history: list[HistoryRow], window_s: int = 5) -> LiveStats | None:
    """The latest aggregate, with a request rate measured over the last `window_s` seconds.

    Locust's own `Requests/s` in the history trails by about two seconds, so the rate is taken
    from the growth of the request count instead.
    """
    rows = [row for row in history if row.name == AGGREGATED and not row.type]
    if not rows:
        return None
    last = rows[-1]
    earlier = [r for r in rows if r.timestamp <= last.timestamp - window_s] or rows[:1]
    first = earlier[-1]
    span = last.timestamp - first.timestamp
    rps = (last.total_requests - first.total_requests) / span if span > 0 else last.rps
    return LiveStats(
        users=last.users,
        requests=last.total_requests,
        failures=last.total_failures,
        rps=rps,
        p50_ms=last.percentiles.get("50%"),
        p95_ms=last.percentiles.get("95%"),
        p99_ms=last.percentiles.get("99%"),
    )


def parse_failures_csv(text: str) -> list[FailureRow]:
    """Read `PREFIX_failures.csv`."""
    try:
        return [
            FailureRow(row["Method"], row["Name"], row["Error"], int(row["Occurrences"]))
            for row in _rows(text, "Occurrences")
        ]
    except (KeyError, TypeError, ValueError) as exc:
        raise LocustStatsError(f"unreadable row in the Locust failures CSV: {exc}") from exc


def parse_exceptions_csv(text: str) -> list[ExceptionRow]:
    """Read `PREFIX_exceptions.csv`: errors raised by the locustfile's own code."""
    try:
        return [
            ExceptionRow(int(row["Count"]), row["Message"], row["Traceback"])
            for row in _rows(text, "Traceback")
        ]
    except (KeyError, TypeError, ValueError) as exc:
        raise LocustStatsError(f"unreadable row in the Locust exceptions CSV: {exc}") from exc


def _endpoint_row(row: dict[str, str]) -> EndpointStats:
    try:
        return EndpointStats(
            type=row["Type"],
            name=row["Name"],
            requests=int(row["Request Count"]),
            failures=int(row["Failure Count"]),
            median_ms=_number(row["Median Response Time"]) or 0.0,
            avg_ms=_number(row["Average Response Time"]) or 0.0,
            min_ms=_number(row["Min Response Time"]) or 0.0,
            max_ms=_number(row["Max Response Time"]) or 0.0,
            avg_content_size=_number(row["Average Content Size"]) or 0.0,
            rps=_number(row["Requests/s"]) or 0.0,
            failures_per_s=_number(row["Failures/s"]) or 0.0,
            percentiles={column: _number(row.get(column)) for column in PERCENTILE_COLUMNS},
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise LocustStatsError(f"unreadable row in the Locust stats CSV: {row!r}") from exc


def _rows(text: str, required: str) -> list[dict[str, str]]:
    try:
        reader = csv.DictReader(io.StringIO(text))
        fields = reader.fieldnames or []
        rows = list(reader)
    except csv.Error as exc:
        raise LocustStatsError(f"not a readable CSV file: {exc}") from exc
    if required not in fields:
        raise LocustStatsError(f"not the expected Locust CSV: it has no {required!r} column")
    return rows


def _number(text: str | None) -> float | None:
    """A numeric cell; `N/A` (no request yet) and empty cells are None."""
    if text is None or text.strip() in ("", "N/A"):
        return None
    return float(text)
