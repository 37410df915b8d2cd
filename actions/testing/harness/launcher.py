"""Run a Locust master and its workers on this machine, and stop them together.

    python launcher.py '{"master": [...], "workers": [[...], ...], "worker_logs": [...]}'

Started by `actions.testing.process.run_process` in a new session, whose SIGTERM on a timeout
or a cancel reaches this launcher and the master. The master then tells its workers to quit,
and they send it their last figures first; so the workers run in process groups of their own
(a SIGTERM of their own would drop those figures), and die with this launcher if it is killed.
The launcher waits for the master to write its statistics, then for the workers, killing any
left. Exits with the master's exit code, or 1 if every worker exited before the master and
one of them failed. Standard library only: it must start even where preprod is not importable.
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import signal
import subprocess
import sys
import time

WORKER_GRACE_S = 2.0
"""After the master ends a run, how long its workers have to quit before they are stopped."""
POLL_S = 0.1
_PR_SET_PDEATHSIG = 1
_stopping = False


def _on_sigterm(signum: int, frame: object) -> None:
    """Note the stop; the master, signalled with us, stops its workers and writes its figures.

    A handler, not SIG_IGN, which the children would inherit.
    """
    global _stopping
    _stopping = True


def _die_with_launcher() -> None:
    """In a worker, before it runs: be killed when the launcher dies (Linux; elsewhere no-op)."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)


def main(spec: dict[str, list]) -> int:
    signal.signal(signal.SIGTERM, _on_sigterm)
    master = subprocess.Popen(spec["master"], stdin=subprocess.DEVNULL)
    print(f"launcher: master pid {master.pid}", flush=True)
    workers = []
    for number, (argv, log_path) in enumerate(
        zip(spec["workers"], spec["worker_logs"], strict=True), 1
    ):
        with open(log_path, "wb") as log:
            worker = subprocess.Popen(
                argv,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                process_group=0,
                preexec_fn=_die_with_launcher,
            )
        workers.append(worker)
        print(f"launcher: worker {number} pid {worker.pid}, log {log_path}", flush=True)
    try:
        return _wait(master, workers)
    finally:
        _stop(workers)


def _wait(master: subprocess.Popen[bytes], workers: list[subprocess.Popen[bytes]]) -> int:
    code = None
    while code is None:
        code = master.poll()
        ended = [w.poll() for w in workers]
        # Workers quit (code 0) when the master ends the test; a failed worker is an error.
        if code is None and None not in ended and any(ended):
            codes = ", ".join(map(str, ended))
            print(f"launcher: every worker exited (codes {codes}); stopping the master", flush=True)
            master.terminate()
            master.wait()
            return 1
        time.sleep(POLL_S)
    # The master told its workers to quit; after a stop, any still running are strays.
    deadline = time.monotonic() + (0.0 if _stopping else WORKER_GRACE_S)
    while any(w.poll() is None for w in workers) and time.monotonic() < deadline:
        time.sleep(POLL_S)
    return code


def _stop(workers: list[subprocess.Popen[bytes]]) -> None:
    """SIGTERM to every worker still running, SIGKILL a second later; reap them all."""
    running = [w for w in workers if w.poll() is None]
    for worker in running:
        worker.terminate()
    deadline = time.monotonic() + 1.0
    for worker in running:
        try:
            worker.wait(timeout=max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()


if __name__ == "__main__":
    sys.exit(main(json.loads(sys.argv[1])))
