"""Structured logs: one JSON object per line on stdout."""

from __future__ import annotations

import json
import sys
import threading
import traceback
from datetime import UTC, datetime
from typing import Any, TextIO


class JsonLogger:
    """Writes `{"ts", "level", "service", "version", "msg", ...fields}` lines, flushed at once."""

    def __init__(self, service: str, version: str, stream: TextIO | None = None) -> None:
        self.service = service
        self.version = version
        self._stream = stream or sys.stdout
        self._lock = threading.Lock()

    def log(self, level: str, msg: str, **fields: Any) -> None:
        """Write one line at `level` with the given extra fields."""
        record = {
            "ts": datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "level": level,
            "service": self.service,
            "version": self.version,
            "msg": msg,
            **fields,
        }
        line = json.dumps(record, default=str)
        with self._lock:
            self._stream.write(line + "\n")
            self._stream.flush()

    def info(self, msg: str, **fields: Any) -> None:
        self.log("INFO", msg, **fields)

    def warning(self, msg: str, **fields: Any) -> None:
        self.log("WARNING", msg, **fields)

    def error(self, msg: str, **fields: Any) -> None:
        self.log("ERROR", msg, **fields)


def exception_fields(exc: BaseException, frames: int = 8) -> dict[str, str]:
    """The `error`, `exception` and `traceback` fields describing an exception."""
    summary = traceback.extract_tb(exc.__traceback__)[-frames:]
    trace = " > ".join(f"{_short(f.filename)}:{f.lineno} in {f.name}" for f in summary)
    return {
        "error": f"{type(exc).__name__}: {exc}",
        "exception": type(exc).__name__,
        "traceback": trace,
    }


def _short(filename: str) -> str:
    parts = filename.replace("\\", "/").split("/")
    return "/".join(parts[-2:])
