"""The generic Locust harness and the launcher of distributed runs.

Only Locust's own processes import `locustfile.py`; the bot only needs its path.
"""

from pathlib import Path

LOCUSTFILE = Path(__file__).with_name("locustfile.py")
"""The generic locustfile that runs a traffic profile."""
LAUNCHER = Path(__file__).with_name("launcher.py")
"""Starts a Locust master and its workers as one process group (standard library only)."""
