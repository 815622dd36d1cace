"""Shared fixtures for the DNSBL tests: lab zones built the way real lists publish them."""

from __future__ import annotations

import contextlib
from typing import Mapping

import pytest

from smtpdoctor.lab.dns_server import LabDnsServer


@pytest.fixture
def make_lab():
    """``async with make_lab(records, delay=0) as resolver_address`` -> "127.0.0.1:PORT"."""
    @contextlib.asynccontextmanager
    async def lab(records: Mapping, *, delay: float = 0.0):
        async with LabDnsServer(dict(records), delay=delay) as srv:
            yield srv
    return lab
