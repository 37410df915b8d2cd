"""Locust command lines: one process, or a master and its workers for load beyond one core.

Pure: these build argument lists; `load.py` runs them through `process.run_process`. Locally a
distributed run is one launcher process (`harness/launcher.py`) whose children, the master and
N workers, share its process group, so a timeout or a cancel stops them all. Elsewhere (workers
as Kubernetes Jobs) `master_command` and `worker_command` build the same command lines.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from actions.testing.harness import LAUNCHER

DEFAULT_MASTER_PORT = 5557
WORKERS_MAX_WAIT_S = 30
"""How long a master waits for its workers to connect before it gives up (and exits 1)."""
# Locust flushes its stats history to disk only every 5 s; its documented knob for that is
# `locust.stats.CSV_STATS_FLUSH_INTERVAL_SEC`, usually set in a locustfile. Setting it here,
# in the child process, keeps live progress at most a second old.
_BOOTSTRAP = (
    "import locust.stats; locust.stats.CSV_STATS_FLUSH_INTERVAL_SEC = 0.5; "
    "from locust.main import main; main()"
)


@dataclass(frozen=True)
class LoadShape:
    """How much load a run puts on: users, their spawn rate and the run time."""

    users: int
    spawn_rate: float
    run_s: int


def locust(locustfile: Path | str, python: str = sys.executable) -> list[str]:
    """The start of every Locust command line: Locust run from `python`, with `locustfile`."""
    return [python, "-c", _BOOTSTRAP, "-f", str(locustfile)]


def _headless(shape: LoadShape, host: str, prefix: Path | str) -> list[str]:
    return [
        *("--headless", "-u", str(shape.users), "-r", f"{shape.spawn_rate:g}"),
        *("-t", f"{shape.run_s}s", "--host", host),
        *("--csv", str(prefix), "--json-file", str(prefix)),
        *("--only-summary", "--exit-code-on-error", "0"),
    ]


def single_command(
    locustfile: Path | str,
    shape: LoadShape,
    *,
    host: str,
    prefix: Path | str,
    python: str = sys.executable,
) -> list[str]:
    """A headless run in one process, writing its statistics under `prefix`."""
    return [*locust(locustfile, python), *_headless(shape, host, prefix)]


def master_command(
    locustfile: Path | str,
    shape: LoadShape,
    *,
    host: str,
    prefix: Path | str,
    workers: int,
    port: int = DEFAULT_MASTER_PORT,
    bind_host: str = "127.0.0.1",
    python: str = sys.executable,
) -> list[str]:
    """A headless master that waits for `workers` workers on `bind_host:port`, then runs the
    load through them and writes the merged statistics under `prefix`."""
    if workers < 1:
        raise ValueError(f"a master needs at least one worker, not {workers}")
    return [
        *locust(locustfile, python),
        *("--master", "--master-bind-host", bind_host, "--master-bind-port", str(port)),
        *("--expect-workers", str(workers)),
        *("--expect-workers-max-wait", str(WORKERS_MAX_WAIT_S)),
        *_headless(shape, host, prefix),
    ]


def worker_command(
    locustfile: Path | str,
    *,
    master_host: str,
    master_port: int = DEFAULT_MASTER_PORT,
    python: str = sys.executable,
) -> list[str]:
    """A worker that connects to the master at `master_host:master_port` and runs its users.

    It needs the same locustfile (and, for the harness, the same profile) as the master.
    """
    return [
        *locust(locustfile, python),
        *("--worker", "--master-host", master_host, "--master-port", str(master_port)),
    ]


def launcher_command(
    master: Sequence[str],
    workers: Sequence[Sequence[str]],
    worker_logs: Sequence[Path],
    python: str = sys.executable,
) -> list[str]:
    """The local launcher running `master` and every worker as one process group."""
    if len(workers) != len(worker_logs):
        raise ValueError("give one log file per worker")
    spec = {
        "master": list(master),
        "workers": [list(w) for w in workers],
        "worker_logs": [str(p) for p in worker_logs],
    }
    return [python, str(LAUNCHER), json.dumps(spec)]


def local_command(
    locustfile: Path | str,
    shape: LoadShape,
    *,
    host: str,
    prefix: Path,
    workers: int,
    port: int,
    python: str = sys.executable,
) -> list[str]:
    """A distributed run on this machine: a master on 127.0.0.1:`port` and `workers` workers,
    each worker logging to `PREFIX-worker-N.log`."""
    master = master_command(
        locustfile, shape, host=host, prefix=prefix, workers=workers, port=port, python=python
    )
    worker = worker_command(locustfile, master_host="127.0.0.1", master_port=port, python=python)
    return launcher_command(master, [worker] * workers, worker_logs(prefix, workers), python)


def worker_logs(prefix: Path, workers: int) -> list[Path]:
    """Where the workers of a local distributed run write their output."""
    return [prefix.with_name(f"{prefix.name}-worker-{n}.log") for n in range(1, workers + 1)]
