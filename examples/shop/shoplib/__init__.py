"""The shop's shared library: HTTP serving with routing, JSON logs, metrics and an HTTP client."""

from shoplib.client import Unavailable, call
from shoplib.latency import scaled_latency
from shoplib.logs import JsonLogger
from shoplib.web import App, HTTPError, Request, parse_args, serve

__all__ = [
    "App",
    "HTTPError",
    "JsonLogger",
    "Request",
    "Unavailable",
    "call",
    "parse_args",
    "scaled_latency",
    "serve",
]
