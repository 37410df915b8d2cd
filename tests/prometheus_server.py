"""A real Prometheus (Debian's package) on a free loopback port, for the tests that need one."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def prometheus(config: str, workdir: Path, *args: str) -> Iterator[str]:
    """Start Prometheus with `config` (its YAML) under `workdir`; yield its URL once ready."""
    binary = shutil.which("prometheus")
    assert binary, "Debian's prometheus package is needed: `./dev test` installs it"
    (workdir / "prometheus.yml").write_text(config)
    port = free_port()
    process = subprocess.Popen(
        [
            binary,
            f"--config.file={workdir / 'prometheus.yml'}",
            f"--storage.tsdb.path={workdir / 'data'}",
            f"--web.listen-address=127.0.0.1:{port}",
            *args,
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait(lambda: urllib.request.urlopen(f"{url}/-/ready", timeout=1).status == 200)
        yield url
    finally:
        process.terminate()
        process.wait(10)


def wait(condition, timeout: float = 30.0):  # type: ignore[no-untyped-def]
    """The condition's first truthy value within `timeout`; connection errors count as not yet."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            value = condition()
            if value:
                return value
        except OSError:
            pass
        time.sleep(0.2)
    raise AssertionError("condition not met in time")
