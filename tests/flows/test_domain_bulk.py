"""Many domains through ``audit_stream`` against the lab DNS server: the resolver's cache and query log stay
within their sizes however many domains pass (counted, not timed), and a domain's line is the same as its
single-domain run even when the cache is small enough to forget answers between domains."""

from __future__ import annotations

import asyncio

import pytest

from smtpdoctor.flows.domain import audit_domain
from smtpdoctor.flows.domain_bulk import audit_stream
from smtpdoctor.lab.background import in_background
from smtpdoctor.lab.dns_server import LabDnsServer
from smtpdoctor.net.dns import Resolver


def _name(i: int) -> str:
    return f"shop{i:04d}.bulk.test"


def _records(count: int) -> dict:
    zone: dict = {
        "mx1.esp.test": {"A": ["192.0.2.10"]},
        "_spf.esp.test": {"TXT": ["v=spf1 ip4:198.51.100.0/24 ~all"]},
    }
    for i in range(count):
        d = _name(i)
        # Every fifth domain lacks DMARC and every seventh has a broken SPF: the lines differ by domain.
        zone[d] = {"MX": ["10 mx1.esp.test."],
                   "TXT": ["v=spf1 include:_spf.esp.test -all" if i % 7 else "v=spf1 include:nowhere.test -all"]}
        if i % 5:
            zone[f"_dmarc.{d}"] = {"TXT": [f"v=DMARC1; p=reject; rua=mailto:d@{d}"]}
    return zone


@pytest.fixture(scope="module")
def lab():
    with in_background(LabDnsServer(_records(400))) as (server,):
        yield server.address


def test_cache_and_log_stay_within_their_sizes_over_a_long_stream(lab):
    cache_size, log_size, concurrency = 64, 50, 5

    async def go():
        res = Resolver([lab], timeout=2, lifetime=4, cache_size=cache_size, log_size=log_size)
        peak, seen = 0, 0
        async for audit in audit_stream(res, [_name(i) for i in range(400)], concurrency=concurrency):
            seen += 1
            assert audit.domain == _name(seen - 1)
            peak = max(peak, len(res._cache))
        return res, peak, seen

    res, peak, seen = asyncio.run(go())
    assert seen == 400
    assert res.asked > 400 * 5  # every domain asked several questions of its own: thousands in all
    assert len(res._cache) <= cache_size  # everything answered: only the last ``cache_size`` are kept
    # While streaming, only questions still in flight (at most ``concurrency`` audits' worth) go past the size.
    assert peak <= cache_size + concurrency * 40
    assert len(res.log) == log_size and res.log[-1].name.endswith(".test")


def test_bulk_lines_equal_single_domain_runs_with_a_forgetful_cache(lab):
    names = [_name(i) for i in range(40)]

    def line(audit) -> dict:
        out = audit.to_json()
        out.pop("timings")  # wall time: the one field a run may not repeat
        return out

    async def bulk():
        res = Resolver([lab], timeout=2, lifetime=4, cache_size=8)  # forgets between (and within) audits
        return [line(a) async for a in audit_stream(res, names, concurrency=8)]

    async def single(name: str):
        return line(await audit_domain(Resolver([lab], timeout=2, lifetime=4), name))

    lines = asyncio.run(bulk())
    alone = [asyncio.run(single(n)) for n in names]
    assert len({str(line["findings"]) for line in lines}) > 1  # the domains differ
    assert lines == alone

