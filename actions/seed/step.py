"""The `seed` step: an app's databases filled with synthetic data from a schema, or with an
anonymised extract, and a report of what was written and transformed, and how long it took."""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from actions.config import Settings
from actions.context import RunContext
from actions.errors import PreprodError
from actions.result import Artifact, Measurement, Result, Status, utcnow
from actions.seed.config import SeedConfig
from actions.seed.generate import generate
from actions.seed.report import write_report
from actions.seed.rows import plan_rows
from actions.seed.schema import SeedError, load_schema
from actions.seed.sinks import database_sink, write_all

_SECRET = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
_DATA_DIR = re.compile(r"\{data_dir:([A-Za-z0-9_.-]+)\}")


@dataclass(frozen=True)
class SeedRequest:
    """What to seed: an app's databases (URLs resolved), from a schema or an extract."""

    app: str
    databases: Mapping[str, str]
    config: SeedConfig
    schema: Path | None = None
    source: str | None = None
    scale: float = 1.0
    seed: int | None = None
    key: bytes | None = field(default=None, repr=False)


def resolve_databases(
    settings: Settings,
    app: str,
    environment: str,
    data_dir: Callable[[str], Path] | None,
) -> dict[str, str]:
    """The app's seed databases on an environment: `{data_dir:SERVICE}` and `${NAME}` filled."""
    config = settings.apps[app].seed or SeedConfig()
    urls = {**config.databases, **settings.environments[environment].databases}
    resolved = {}
    for name, url in urls.items():
        for service in _DATA_DIR.findall(url):
            if data_dir is None:
                raise SeedError(
                    f"database {name}: {{data_dir:{service}}} needs a local environment"
                )
            url = url.replace(f"{{data_dir:{service}}}", str(data_dir(service)))
        resolved[name] = fill_secrets(url, settings, f"database {name}")
    return resolved


def fill_secrets(text: str, settings: Settings, what: str) -> str:
    """`${NAME}` replaced by the secret the bot read from the environment at load."""
    for variable in _SECRET.findall(text):
        value = settings.secret(variable)
        if value is None:
            raise SeedError(f"{what}: set {variable} (its URL asks for it)")
        text = text.replace(f"${{{variable}}}", value)
    return text


def run(request: SeedRequest, *, ctx: RunContext) -> Result:
    """Seed, and say what was done; a problem is an error result with a plain reason."""
    started, clock = utcnow(), time.monotonic()
    try:
        if request.source:
            from actions.seed.extract import seed_extract

            result = seed_extract(request, ctx=ctx)
        else:
            result = _synthetic(request, ctx=ctx)
    except PreprodError as exc:
        return Result(step="seed", status=Status.ERROR, summary=f"seed: {exc}", started_at=started)
    seconds = time.monotonic() - clock
    result.measurements.append(Measurement(name="seconds", value=round(seconds, 3), unit="s"))
    title = f"Seeding {request.app} ({result.data.get('mode')})"
    path = write_report(ctx.step_dir("seed") / "seed-report.md", title, result.data, seconds)
    result.artifacts.append(Artifact(name=path.name, path=str(path), kind="report"))
    return result.model_copy(update={"started_at": started, "finished_at": utcnow()})


def _synthetic(request: SeedRequest, *, ctx: RunContext) -> Result:
    path = request.schema or (Path(request.config.synthetic) if request.config.synthetic else None)
    if path is None:
        raise SeedError(
            f"{request.app} has no seed schema: give --synthetic SCHEMA or set "
            f"apps.{request.app}.seed.synthetic"
        )
    schema = load_schema(path)
    seed = request.seed if request.seed is not None else request.config.seed
    planned = plan_rows(schema, request.scale, seed=seed)
    wanted = sorted({t.database for t in schema.tables})
    missing = [name for name in wanted if name not in request.databases]
    if missing:
        known = ", ".join(sorted(request.databases)) or "none"
        raise SeedError(
            f"the schema writes to {', '.join(missing)}, which {request.app}'s seed.databases "
            f"does not name (it names {known})"
        )
    ctx.progress(
        f"seeding {sum(planned.values()):,} rows into {len(planned)} tables from {path.name}"
    )
    sinks = {name: database_sink(request.databases[name], schema, name) for name in wanted}
    began = time.monotonic()
    counts = write_all(
        generate(schema, seed=seed, scale=request.scale), sinks, progress=ctx.progress
    )
    seconds = max(time.monotonic() - began, 1e-6)
    total = sum(counts.values())
    measurements = [
        Measurement(name="rows", value=n, tags={"table": table}) for table, n in counts.items()
    ]
    measurements += [
        Measurement(name="rows", value=total),
        Measurement(name="rows_per_s", value=round(total / seconds), unit="rows/s"),
    ]
    used = schema.seed if seed is None else seed
    summary = (
        f"{total:,} synthetic rows in {len(counts)} tables ({path.name}, seed {used}, "
        f"scale {request.scale:g}) in {seconds:.1f}s"
    )
    return Result(
        step="seed",
        status=Status.PASS,
        summary=summary,
        measurements=measurements,
        data={
            "mode": "synthetic",
            "schema": str(path),
            "seed": used,
            "scale": request.scale,
            "rows": counts,
            "databases": {name: _shown(url) for name, url in request.databases.items()},
        },
    )


def _shown(url: str) -> str:
    """A URL fit to show: no password."""
    return re.sub(r"(://[^/:@]*):[^/@]*@", r"\1:***@", url)
