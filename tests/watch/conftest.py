"""Fixtures for the watch tests: a lab world whose DNS the test edits, a lab submission server it can
stop and restart on the same port, and a local webhook receiver that records every POST."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Iterator

import pytest

from smtpdoctor.lab.world import BLOCKLIST_ZONE, lab_zone

SENDING_IP = "192.0.2.9"
ESP_INCLUDE = "_spf.esp.lab.test"
SPF_GOOD = f"v=spf1 include:{ESP_INCLUDE} -all"
SPF_BROKEN = "v=spf1 -all"


def world_zone() -> dict:
    """The lab's world, plus an ESP's SPF include and a sending IP with forward-confirmed reverse DNS."""
    zone = lab_zone()
    zone["lab.test"] = dict(zone["lab.test"], TXT=[SPF_GOOD])
    zone[ESP_INCLUDE] = {"TXT": ["v=spf1 ip4:192.0.2.0/24 ip4:127.0.0.0/8 -all"]}
    zone["9.2.0.192.in-addr.arpa"] = {"PTR": ["out.lab.test."]}
    zone["out.lab.test"] = {"A": [SENDING_IP]}
    return zone


def listing_name(ip: str = SENDING_IP) -> str:
    return ".".join(reversed(ip.split("."))) + "." + BLOCKLIST_ZONE


class Receiver:
    """A webhook receiver on 127.0.0.1: ``posts`` holds every JSON body received, in order."""

    def __init__(self, status: int = 200, hold_at: int | None = None) -> None:
        self.posts: list[dict] = []
        self.status = status
        # hold_at=N: the N-th POST is held without an answer until ``release`` is set, then dropped
        # unanswered (the sender never learns it arrived, so it is not counted as delivered)
        self.hold_at = hold_at
        self.holding = threading.Event()
        self.release = threading.Event()
        self._count = 0
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                length = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(length)
                with receiver._lock:
                    receiver._count += 1
                    held = receiver._count == receiver.hold_at
                if held:
                    receiver.holding.set()
                    receiver.release.wait(30)
                    self.close_connection = True
                    return
                if receiver.status == 200:
                    receiver.posts.append(json.loads(body))
                self.send_response(receiver.status)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hook"

    def kinds(self) -> list[str]:
        return [p["smtpdoctor"]["kind"] for p in self.posts]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(5)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    yield r
    r.close()
