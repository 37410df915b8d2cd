"""Local servers for the scan tests, on 127.0.0.1 port 0: a weak web service, a hardened one,
HTTPS variants with a certificate made by `openssl`, and a fake OSV advisory API."""

from __future__ import annotations

import json
import shutil
import ssl
import subprocess
import threading
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

TRACEBACK = """Traceback (most recent call last):
  File "/srv/app/views.py", line 42, in create_order
    payload = json.loads(request.body)
json.decoder.JSONDecodeError: Expecting value: line 1 column 25 (char 24)
"""
DEBUG_PAGE = "<html><body><h1>Debug</h1><pre>settings: DATABASE=/srv/app.db WORKERS=4</pre></body>"
TRUSTED_ORIGIN = "https://shop.example"


class _Quiet(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    wbufsize = 65536  # headers and body in one send: no Nagle / delayed-ACK stall per request
    server_version = "web"
    sys_version = ""

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _send(self, status: int, body: str, content_type: str, headers: dict[str, str]) -> None:
        data = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def _body(self) -> bytes:
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))


class WeakHandler(_Quiet):
    """Every weakness the endpoint scan looks for: no security headers, a debug page, tracebacks
    on bad input, CORS reflecting any origin with credentials."""

    def _cors(self) -> dict[str, str]:
        origin = self.headers.get("Origin")
        if not origin:
            return {}
        return {"Access-Control-Allow-Origin": origin, "Access-Control-Allow-Credentials": "true"}

    def do_GET(self) -> None:
        if self.path == "/":
            self._send(200, "<html><body>Shop</body></html>", "text/html", self._cors())
        elif self.path == "/debug":
            self._send(200, DEBUG_PAGE, "text/html", {})
        elif self.path.startswith("/%"):
            self._send(500, TRACEBACK, "text/plain", {})
        else:
            self._send(404, "Not Found", "text/plain", {})

    def do_POST(self) -> None:
        try:
            json.loads(self._body())
        except ValueError:
            self._send(500, TRACEBACK, "text/plain", {})
            return
        self._send(201, "{}", "application/json", {})


HARDENED = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": "default-src 'self'; frame-ancestors 'none'",
    "Referrer-Policy": "no-referrer",
    "Strict-Transport-Security": "max-age=31536000",
}


class HardenedHandler(_Quiet):
    """None of the weaknesses: every header, no debug path, generic errors, strict CORS."""

    def _headers(self) -> dict[str, str]:
        headers = dict(HARDENED)
        if self.headers.get("Origin") == TRUSTED_ORIGIN:
            headers["Access-Control-Allow-Origin"] = TRUSTED_ORIGIN
            headers["Access-Control-Allow-Credentials"] = "true"
        return headers

    def do_GET(self) -> None:
        if self.path in ("/", "/api/orders"):
            self._send(200, '{"service": "shop"}', "application/json", self._headers())
        else:
            self._send(404, '{"error": "not found"}', "application/json", self._headers())

    def do_POST(self) -> None:
        try:
            json.loads(self._body())
        except ValueError:
            self._send(400, '{"error": "bad request"}', "application/json", self._headers())
            return
        self._send(201, "{}", "application/json", self._headers())


class OsvHandler(_Quiet):
    """OSV's `POST /v1/query`: the advisories in `server.advisories` for a package's version."""

    def do_POST(self) -> None:
        query = json.loads(self._body())
        self.server.queries.append(query)  # type: ignore[attr-defined]
        key = (query["package"]["name"], query["version"])
        vulns = self.server.advisories.get(key, [])  # type: ignore[attr-defined]
        self._send(200, json.dumps({"vulns": vulns} if vulns else {}), "application/json", {})


def osv_advisory(
    vuln_id: str, package: str, fixed: str, alias: str, summary: str
) -> dict[str, Any]:
    """One advisory in OSV's schema, as api.osv.dev returns it."""
    return {
        "id": vuln_id,
        "schema_version": "1.6.0",
        "aliases": [alias],
        "summary": summary,
        "affected": [
            {
                "package": {"name": package, "ecosystem": "PyPI"},
                "ranges": [
                    {"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": fixed}]}
                ],
            }
        ],
    }


@contextmanager
def serve(
    handler: type[BaseHTTPRequestHandler], tls: ssl.SSLContext | None = None, **state: Any
) -> Iterator[tuple[str, ThreadingHTTPServer]]:
    """Serve `handler` on 127.0.0.1 port 0 in a thread; yields its base URL and the server."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    for name, value in state.items():
        setattr(server, name, value)
    if tls is not None:
        server.socket = tls.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    scheme = "https" if tls else "http"
    try:
        yield f"{scheme}://127.0.0.1:{server.server_address[1]}", server
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def make_certificate(folder: Path, days: int) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 valid `days` days, and its key (via openssl)."""
    openssl = shutil.which("openssl")
    if openssl is None:
        raise FileNotFoundError("openssl is not installed")
    cert, key = folder / "cert.pem", folder / "key.pem"
    key_options = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"]
    subject = ["-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"]
    argv = [openssl, "req", "-x509", *key_options, "-keyout", str(key), "-out", str(cert)]
    subprocess.run([*argv, "-days", str(days), *subject], check=True, capture_output=True)
    return cert, key


def tls_context(cert: Path, key: Path, *, legacy: bool = False) -> ssl.SSLContext:
    """A server context; `legacy` also accepts TLS 1.0 and 1.1."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    if legacy:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            context.minimum_version = ssl.TLSVersion.TLSv1
        context.set_ciphers("DEFAULT:@SECLEVEL=0")
    return context
