"""Fixtures for the web tests: the lab (SMTP hosts + a DNS server) on a background event loop, the app
in-process (Starlette's TestClient) and, for the browser tests, the app under uvicorn on a free loopback
port, both stopped by the fixtures."""

from __future__ import annotations

import asyncio
import re
import socket
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from smtpdoctor.lab.dns_server import LabDnsServer
from smtpdoctor.lab.scenarios import scenario
from smtpdoctor.lab.smtp_server import LabHost
from smtpdoctor.web import ServeConfig, create_app

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "test-artifacts" / "web"

LISTED_IP = "192.0.2.99"  # on the lab's copy of zen.spamhaus.org
LAB_DNSBL = ("zen.spamhaus.org",)
LAB_ZONE = {
    "lab.test": {"MX": ["10 mail.lab.test."], "TXT": ["v=spf1 ip4:127.0.0.0/8 -all"]},
    "mail.lab.test": {"A": ["127.0.0.1"]},
    "_dmarc.lab.test": {"TXT": ["v=DMARC1; p=reject; rua=mailto:dmarc@lab.test"]},
    # A block list that passes its health guard (the test point is listed) and lists LISTED_IP.
    "2.0.0.127.zen.spamhaus.org": {"A": ["127.0.0.2", "127.0.0.4", "127.0.0.10"], "TXT": ["test point"]},
    "99.2.0.192.zen.spamhaus.org": {"A": ["127.0.0.2"], "TXT": ["https://www.spamhaus.org/sbl/query/SBL1"]},
}


class Lab:
    """Lab servers on their own event loop in a thread, so sync tests (TestClient, Playwright) can use them."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name="web-lab", daemon=True)
        self.thread.start()
        self.dns = self.call(LabDnsServer(LAB_ZONE).start())
        self.hosts: dict[str, LabHost] = {}

    def call(self, coro, timeout: float = 30.0) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def host(self, name: str) -> LabHost:
        """The started lab host of scenario ``name`` (started once per session)."""
        if name not in self.hosts:
            self.hosts[name] = self.call(scenario(name).lab_host().start())
        return self.hosts[name]

    def form(self, name: str, **overrides: str) -> dict[str, str]:
        """The Diagnose form a user would fill for scenario ``name``."""
        host = self.host(name)
        s = scenario(name).settings
        values = {"host": host.address, "port": str(host.port_map[scenario(name).configured_port]),
                  "security": s.get("security", "auto"), "user": s.get("user") or "",
                  "password": s.get("password") or "", "mail_from": s.get("mail_from") or "",
                  "rcpt_to": s.get("rcpt_to") or "", "timeout": str(s.get("timeout", ""))}
        values.update(overrides)
        return values

    @property
    def ca_file(self) -> str:
        return next(iter(self.hosts.values())).ca_file if self.hosts else self.host("healthy-submission").ca_file

    def close(self) -> None:
        for host in self.hosts.values():
            self.call(host.stop())
        self.call(self.dns.stop())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)
        self.loop.close()


@pytest.fixture(scope="session")
def lab():
    lab = Lab()
    yield lab
    lab.close()


@pytest.fixture
def config(lab) -> ServeConfig:
    return ServeConfig(resolvers=(lab.dns.address,), ca_file=lab.ca_file, dnsbl_zones=LAB_DNSBL, max_active=2)


@pytest.fixture
def client(config):
    from starlette.testclient import TestClient

    with TestClient(create_app(config), base_url="http://127.0.0.1:8025", follow_redirects=False) as c:
        yield c


CSRF_RE = re.compile(r'name="csrf" value="([^"]+)"')


def csrf_of(html: str) -> str:
    m = CSRF_RE.search(html)
    assert m, "the page has no CSRF field"
    return m.group(1)


def wait_finished(client, run_url: str, timeout: float = 30.0) -> str:
    """Poll the run page until it shows a result (bounded); returns the page."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        page = client.get(run_url).text
        if 'data-state="running"' not in page:
            return page
        time.sleep(0.1)
    raise AssertionError(f"{run_url} did not finish within {timeout} s")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LiveServer:
    """The app under uvicorn in a thread, on a free loopback port."""

    def __init__(self, config: ServeConfig) -> None:
        import uvicorn

        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.app = create_app(config)
        self.server = uvicorn.Server(uvicorn.Config(self.app, host="127.0.0.1", port=self.port,
                                                    log_level="warning", access_log=False, lifespan="on",
                                                    log_config=None))  # records reach pytest's caplog
        self.thread = threading.Thread(target=self.server.run, name="web-uvicorn", daemon=True)

    def start(self) -> "LiveServer":
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.02)
        return self

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(10)


@pytest.fixture
def live(config):
    server = LiveServer(config).start()
    yield server
    server.stop()
