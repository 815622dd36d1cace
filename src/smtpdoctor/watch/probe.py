"""The multi-target exporter: ``GET /probe?target=…&module=submission|domain|blocklist`` runs one fresh
check and answers its metrics (Prometheus text format), as blackbox_exporter's ``/probe`` does; ``GET
/metrics`` answers the exporter's own process metrics. Bad parameters get HTTP 400 with one line.

Checks run on one event loop in a background thread, at most ``concurrency`` at once.
"""

from __future__ import annotations

import asyncio
import dataclasses
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from ..core import names as validate
from .config import Target, WatchConfig

__all__ = ["probe_target", "ProbeServer", "MODULES"]

MODULES = ("submission", "domain", "blocklist")


def probe_target(module: str, target: str, submission: dict[str, Any] | None = None, password=None) -> Target:
    """The :class:`Target` a /probe request names; raises ValueError with a readable message."""
    target = (target or "").strip()
    if module not in MODULES:
        raise ValueError(f"unknown module {module!r}: use submission, domain or blocklist")
    if not target:
        raise ValueError("give target=…")
    if module == "submission":
        host, port = target, None
        if target.count(":") == 1 or target.startswith("["):
            host, _, p = target.rpartition(":")
            port = validate.port_number(int(p)) if p.isdigit() else None
            if port is None:
                raise ValueError(f"{target!r}: the port is not a number")
        options = {**(submission or {}), "host": validate.host_name(host.strip("[]"))}
        if port is not None:
            options["port"] = port
        return Target(kind="submission", name=target, interval=0, options=options, password=password)
    if module == "domain":
        from ..core.names import BadDomain, normalise_domain

        try:
            name = normalise_domain(target).name
        except BadDomain as exc:
            raise ValueError(str(exc)) from None
        return Target(kind="domain", name=name, interval=0, options={"dkim_selectors": ()})
    from ..core.dnsbl_targets import BadInput, parse_target

    try:
        values = tuple(t.value for t in parse_target(target))
    except BadInput as exc:
        raise ValueError(str(exc)) from None
    if len(values) > 256:
        raise ValueError("a range of more than 256 addresses is too large for one probe")
    return Target(kind="blocklist", name=target, interval=0, options={"target": target, "values": values})


class ProbeServer:
    def __init__(self, config: WatchConfig, host: str, port: int, *, submission: dict[str, Any] | None = None,
                 password=None, concurrency: int = 8) -> None:
        from prometheus_client import CollectorRegistry, generate_latest
        from prometheus_client import REGISTRY

        self.config = config
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.sem = threading.BoundedSemaphore(concurrency)
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - http.server's name
                url = urlsplit(self.path)
                if url.path == "/metrics":
                    return self._send(200, generate_latest(REGISTRY))
                if url.path != "/probe":
                    return self._send(404, b"not found: use /probe?target=...&module=... or /metrics\n")
                q = parse_qs(url.query)
                try:
                    target = probe_target(q.get("module", ["submission"])[0], q.get("target", [""])[0],
                                          submission, password)
                except ValueError as exc:
                    return self._send(400, f"{' '.join(str(exc).split())}\n".encode())
                with server.sem:
                    body = server.probe(target, CollectorRegistry, generate_latest)
                self._send(200, body)

            def _send(self, status: int, body: bytes) -> None:
                self.send_response(status)
                self.send_header("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args) -> None:
                pass

        self.httpd = ThreadingHTTPServer((host, port), Handler)
        self.httpd.daemon_threads = True

    @property
    def address(self) -> tuple[str, int]:
        return self.httpd.server_address[:2]

    def probe(self, target: Target, registry_cls, generate_latest) -> bytes:
        from .metrics import ResultsCollector
        from .runner import run_one

        config = dataclasses.replace(self.config, targets=(target,))
        result = asyncio.run_coroutine_threadsafe(run_one(target, config), self.loop).result()
        registry = registry_cls()
        registry.register(ResultsCollector(lambda: [(target.name, target.kind, result.report, result.duration)]))
        return generate_latest(registry)

    def start(self) -> "ProbeServer":
        self.thread.start()
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        return self

    def serve_forever(self) -> None:
        self.thread.start()
        self.httpd.serve_forever()

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)
