"""A token endpoint of the test's own: OAuth 2.0 token introspection (RFC 7662) over plain HTTP on loopback.

Dovecot's ``oauth2`` passdb asks it about every token a client presents (``introspection_mode = post``:
``POST`` with ``token=<token>``; ``get``: the token appended to the URL). It answers from ``tokens``
(token -> the JSON object to return, e.g. ``{"active": True, "username": "alice@..."}``); an unknown
token gets ``{"active": false}`` as RFC 7662 §2.2 asks. ``seen`` lists the tokens asked about, so a
test can show that the server, and not a shortcut, judged the token.
"""

from __future__ import annotations

import json
import threading
import urllib.parse
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Mapping

__all__ = ["TokenEndpoint", "start_token_endpoint"]


@dataclass
class TokenEndpoint:
    tokens: dict[str, Mapping[str, Any]]
    server: ThreadingHTTPServer
    thread: threading.Thread
    seen: list[str] = field(default_factory=list)

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}/introspect"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


def start_token_endpoint(tokens: Mapping[str, Mapping[str, Any]]) -> TokenEndpoint:
    endpoint: TokenEndpoint

    class Handler(BaseHTTPRequestHandler):
        def _answer(self, token: str) -> None:
            endpoint.seen.append(token)
            body = json.dumps(endpoint.tokens.get(token, {"active": False})).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
            length = int(self.headers.get("Content-Length") or 0)
            form = urllib.parse.parse_qs(self.rfile.read(min(length, 65536)).decode("utf-8", "replace"))
            self._answer((form.get("token") or [""])[0])

        def do_GET(self) -> None:  # noqa: N802
            self._answer(urllib.parse.unquote(self.path.rsplit("/", 1)[-1].split("token=")[-1]))

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 (quiet)
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, name="token-endpoint", daemon=True)
    endpoint = TokenEndpoint(tokens=dict(tokens), server=server, thread=thread)
    thread.start()
    return endpoint
