"""The fault sidecar in front of a local service (chaos-enabled environments only)."""

from __future__ import annotations

import sys
from pathlib import Path

from actions.environments import processes
from actions.environments.local_state import ServiceRecord
from actions.environments.ports import base_url

SIDECAR_TOKEN_ENV = "PREPROD_CHAOS_TOKEN"  # the sidecar's control token (actions.chaos.sidecar)


def start_sidecar(
    record: ServiceRecord,
    *,
    host: str,
    ports: tuple[int, int],
    token: str,
    workdir: Path,
    timeout: float,
) -> tuple[bool, str]:
    """Start `python -m actions.chaos.sidecar` in front of a started service; record its pid
    and control URL in `record`; (healthy, why not)."""
    port, control_port = ports
    command = [
        sys.executable,
        "-m",
        "actions.chaos.sidecar",
        "--upstream",
        record.direct_url or record.url,
        "--host",
        host,
        "--port",
        str(port),
        "--control-port",
        str(control_port),
    ]
    env = processes.child_env(**{SIDECAR_TOKEN_ENV: token})
    log = Path(record.log).with_name(Path(record.log).stem + "-sidecar.log")
    try:
        pid = processes.spawn(command, cwd=workdir, env=env, log_path=log)
    except OSError as error:
        return False, f"could not be started: {error}"
    record.sidecar_pid, record.sidecar_ticks = pid, processes.start_ticks(pid)
    record.control_url = base_url(host, control_port)
    return processes.wait_healthy(pid, record.control_url + "/healthz", timeout)
