"""A small JSON-over-HTTP client for calls between services, always with a timeout."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any

# Calls between services never go through a proxy.
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


class Unavailable(Exception):
    """The other service did not answer (refused, reset or timed out)."""


def call(method: str, url: str, body: Any = None, timeout: float = 2.0) -> tuple[int, Any]:
    """Send a request with an optional JSON body; return the status and the decoded JSON answer."""
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method=method)
    request.add_header("Accept", "application/json")
    if data is not None:
        request.add_header("Content-Type", "application/json")
    try:
        with _OPENER.open(request, timeout=timeout) as response:
            return response.status, _decode(response.read())
    except urllib.error.HTTPError as error:
        with error:
            return error.code, _decode(error.read())
    except (urllib.error.URLError, OSError) as error:
        reason = getattr(error, "reason", error)
        raise Unavailable(f"{method} {url}: {reason}") from error


def _decode(raw: bytes) -> Any:
    try:
        return json.loads(raw) if raw else None
    except ValueError:
        return {"error": raw[:200].decode(errors="replace")}
