"""A real PostgreSQL (Debian's postgresql 15) on a free loopback port, for the tests that need one.

The server runs from a fresh data directory in /tmp with trust authentication on 127.0.0.1 only,
and without fsync (test data need not survive a crash). PostgreSQL refuses to run as root, so
as root it runs as the `postgres` user that Debian's package creates.
"""

from __future__ import annotations

import os
import pwd
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psycopg

from tests.prometheus_server import free_port

BIN = Path("/usr/lib/postgresql/15/bin")
MISSING = (
    "Debian's postgresql (15) is needed for these tests: `./dev test` installs it "
    "(apt-get install postgresql)"
)


def _as_server_user() -> dict[str, Any]:
    """Popen arguments that drop root to the `postgres` user (nothing when not root)."""
    if os.getuid() != 0:
        return {}
    try:
        user = pwd.getpwnam("postgres")
    except KeyError:
        raise AssertionError(MISSING + "; no `postgres` user exists") from None
    return {"user": user.pw_uid, "group": user.pw_gid, "extra_groups": []}


@contextmanager
def postgres() -> Iterator[str]:
    """Start PostgreSQL; yield a SQLAlchemy URL of its `postgres` database; stop it after."""
    assert (BIN / "initdb").exists() and (BIN / "postgres").exists(), MISSING
    user = _as_server_user()
    workdir = Path(tempfile.mkdtemp(prefix="preprod-postgres-"))
    if user:
        os.chown(workdir, user["user"], user["group"])
    data, port = workdir / "data", free_port()
    try:
        subprocess.run(
            [
                *(str(BIN / "initdb"), "-D", str(data), "-U", "postgres", "-A", "trust"),
                *("-E", "UTF8", "--locale=C", "--no-sync"),
            ],
            check=True,
            capture_output=True,
            timeout=120,
            cwd=workdir,
            **user,
        )
        server = subprocess.Popen(
            [
                *(str(BIN / "postgres"), "-D", str(data), "-h", "127.0.0.1", "-p", str(port)),
                *("-k", str(workdir), "-c", "fsync=off", "-c", "synchronous_commit=off"),
                *("-c", "full_page_writes=off"),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            cwd=workdir,
            **user,
        )
        try:
            _wait_ready(port, server)
            yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres"
        finally:
            server.send_signal(signal.SIGINT)  # fast shutdown: disconnect clients, stop
            try:
                server.wait(30)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait(10)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def _wait_ready(port: int, server: subprocess.Popen[bytes], timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise AssertionError(f"PostgreSQL exited with status {server.returncode} at start")
        try:
            with psycopg.connect(
                host="127.0.0.1", port=port, user="postgres", dbname="postgres", connect_timeout=2
            ):
                return
        except psycopg.OperationalError:
            time.sleep(0.2)
    raise AssertionError("PostgreSQL did not accept connections within a minute")


def create_database(url: str, name: str) -> str:
    """A new empty database on the server of `url`; its URL."""
    base, _, _ = url.rpartition("/")
    dsn = base.replace("postgresql+psycopg://", "postgresql://") + "/postgres"
    with psycopg.connect(dsn, autocommit=True, connect_timeout=5) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return f"{base}/{name}"
