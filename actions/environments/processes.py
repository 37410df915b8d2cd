"""Detached service processes: start, watch, stop, read their logs, probe their health."""

from __future__ import annotations

import http.client
import os
import signal
import subprocess
import threading
import time
import urllib.error
import urllib.request
from collections import deque
from pathlib import Path

# Children started by this process. Keeping their Popen objects lets us read their exit codes and
# reap them; processes started by another preprod process are watched by pid alone.
_children: dict[int, subprocess.Popen[bytes]] = {}
_children_lock = threading.Lock()

# Health checks always target loopback: never through a proxy.
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


# The bot's own settings and secrets are not passed on to the processes it starts.
PRIVATE_PREFIXES = ("PREPROD_", "SLACK_")


def child_env(**extra: str) -> dict[str, str]:
    """This process's environment without preprod's own variables, plus `extra`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(PRIVATE_PREFIXES)}
    return {**env, **extra}


def spawn(command: list[str], *, cwd: Path, env: dict[str, str], log_path: Path) -> int:
    """Start `command` in its own session, output to `log_path`; return its pid."""
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with open(log_path, "ab") as log:
        child = subprocess.Popen(
            command,
            cwd=cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    with _children_lock:
        _children[child.pid] = child
    return child.pid


def start_ticks(pid: int) -> int | None:
    """When the process started, in clock ticks since boot (Linux); None if unknown."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return int(fields[19])


def exit_code(pid: int) -> int | None:
    """The exit code of a child of this process that has ended; None otherwise."""
    with _children_lock:
        child = _children.get(pid)
    return None if child is None else child.poll()


def is_running(pid: int, ticks: int | None = None) -> bool:
    """Whether the process runs (not a zombie), and is the one started at `ticks` if given."""
    with _children_lock:
        child = _children.get(pid)
    if child is not None and child.poll() is not None:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return ticks is None
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return True
    if state in ("Z", "X"):
        return False
    return ticks is None or start_ticks(pid) == ticks


def stop(pid: int, ticks: int | None = None, grace: float = 5.0) -> None:
    """Stop the process and its group: SIGTERM, then SIGKILL after `grace` seconds."""
    current = start_ticks(pid)
    if ticks is not None and current is not None and current != ticks:
        return  # the pid now belongs to another process
    for sig, wait in ((signal.SIGTERM, grace), (signal.SIGKILL, 2.0)):
        try:
            os.killpg(pid, sig)
        except (ProcessLookupError, PermissionError):
            break
        deadline = time.monotonic() + wait
        while is_running(pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        if not is_running(pid):
            break
    with _children_lock:
        child = _children.pop(pid, None)
    if child is not None:
        try:
            child.wait(timeout=2.0)
        except subprocess.TimeoutExpired:
            with _children_lock:
                _children[pid] = child


def probe(url: str, timeout: float) -> tuple[bool, str]:
    """GET `url`: whether it answered 200, and what happened otherwise."""
    try:
        with _OPENER.open(url, timeout=timeout) as response:
            response.read()
            return response.status == 200, f"answered {response.status}"
    except urllib.error.HTTPError as error:
        error.close()
        return False, f"answered {error.code}"
    except (urllib.error.URLError, OSError) as error:
        return False, str(getattr(error, "reason", error))
    except http.client.HTTPException as error:  # the process died mid-answer: cut short
        return False, f"answer cut short ({type(error).__name__})"


def wait_healthy(pid: int, url: str, timeout: float) -> tuple[bool, str]:
    """Poll `url` until it answers 200, the process exits, or `timeout` seconds pass."""
    started = time.monotonic()
    deadline = started + timeout
    last = "no answer yet"
    while True:
        code = exit_code(pid)
        if code is not None or not is_running(pid):
            return False, f"exited with code {code} during start" if code is not None else "died"
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return False, f"not healthy within {timeout:g}s (last check: {last})"
        ok, last = probe(url, timeout=min(1.0, remaining))
        if ok:
            return True, f"healthy in {time.monotonic() - started:.1f}s"
        time.sleep(min(0.1, max(0.0, deadline - time.monotonic())))


def tail(path: Path, lines: int) -> list[str]:
    """The last `lines` lines of a text file, read from its end."""
    if lines <= 0:
        return []
    try:
        with open(path, "rb") as handle:
            handle.seek(0, os.SEEK_END)
            end = handle.tell()
            chunk, data = 8192, b""
            while end > 0 and data.count(b"\n") <= lines:
                step = min(chunk, end)
                end -= step
                handle.seek(end)
                data = handle.read(step) + data
    except FileNotFoundError:
        return []
    text = data.decode(errors="replace").splitlines()
    return list(deque(text, maxlen=lines))
