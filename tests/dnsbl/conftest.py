"""Shared fixtures for the DNSBL tests: lab zones built the way real lists publish them."""

from __future__ import annotations

import asyncio
import contextlib
import threading
from typing import Iterator, Mapping

import pytest

from smtpdoctor.dnsbl.lab import dnsbl_records  # noqa: F401  (re-exported for the tests)
from smtpdoctor.lab.dns_server import LabDnsServer


@pytest.fixture
def make_lab():
    """``async with make_lab(records, delay=0) as resolver_address`` -> "127.0.0.1:PORT"."""
    @contextlib.asynccontextmanager
    async def lab(records: Mapping, *, delay: float = 0.0):
        async with LabDnsServer(dict(records), delay=delay) as srv:
            yield srv
    return lab


class ThreadedLab:
    """A LabDnsServer on its own event loop in a thread, for synchronous callers (the CLI runner)."""

    def __init__(self, records: Mapping, delay: float = 0.0) -> None:
        self._records = dict(records)
        self._delay = delay
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self.server: LabDnsServer | None = None

    def __enter__(self) -> "ThreadedLab":
        self._thread.start()
        self.server = asyncio.run_coroutine_threadsafe(
            LabDnsServer(self._records, delay=self._delay).start(), self._loop).result(10)
        return self

    def __exit__(self, *exc) -> None:
        assert self.server is not None
        asyncio.run_coroutine_threadsafe(self.server.stop(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
        self._loop.close()

    @property
    def address(self) -> str:
        assert self.server is not None
        return self.server.address


@pytest.fixture
def threaded_lab() -> Iterator[type[ThreadedLab]]:
    yield ThreadedLab
