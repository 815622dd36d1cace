"""The openspf.org conformance suites, run against check_host() over a real (loopback) DNS server.

Every test of rfc7208-tests.yml must pass. rfc4408-tests.yml runs too: where RFC 7208 changed an
expected result, that suite already lists both results as acceptable, so none of its tests is skipped
(``test_rfc4408_changes_are_listed_as_alternatives`` keeps that true).
"""

from __future__ import annotations

import pytest
import pytest_asyncio

from smtpdoctor.net.dns import Resolver
from smtpdoctor.protocol.spf.eval import check_host

from support.spf_suites import SuiteDnsServer, load_suite, suite_zone

TIMEOUT = 0.6  # seconds; the suites' TIMEOUT names never answer (generous: a loaded CI machine must not turn a slow answer into temperror)


def _cases(filename: str):
    out = []
    for index, doc in enumerate(load_suite(filename)):
        for name, case in doc["tests"].items():
            out.append(pytest.param(index, name, case, id=f"{filename.split('-')[0]}:{name}"))
    return out


class _Servers:
    """One lab DNS server per suite document, started on first use, stopped with the module."""

    def __init__(self) -> None:
        self._running: dict[tuple[str, int], SuiteDnsServer] = {}

    async def get(self, filename: str, index: int) -> SuiteDnsServer:
        key = (filename, index)
        if key not in self._running:
            doc = load_suite(filename)[index]
            zone, partial = suite_zone(doc.get("zonedata") or {})
            self._running[key] = await SuiteDnsServer(zone, partial).start()
        return self._running[key]

    async def stop(self) -> None:
        for server in self._running.values():
            await server.stop()


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def servers():
    s = _Servers()
    yield s
    await s.stop()


async def _run(server: SuiteDnsServer, case: dict):
    resolver = Resolver([server.address], timeout=TIMEOUT, lifetime=TIMEOUT)
    return await check_host(resolver, case["host"], _domain(case), case["mailfrom"] or None, helo=case["helo"])


def _domain(case: dict) -> str:
    sender = case["mailfrom"]
    return sender.rpartition("@")[2] if sender else case["helo"]


def _check(result, case: dict) -> None:
    expected = case["result"]
    allowed = expected if isinstance(expected, list) else [expected]
    assert str(result.result) in allowed, (result.reason, [s.to_json() for s in result.trace])
    if "explanation" in case and str(result.result) == "fail":
        want = None if case["explanation"] == "DEFAULT" else case["explanation"]
        assert result.explanation == want


@pytest.mark.asyncio(loop_scope="module")
@pytest.mark.parametrize(("index", "name", "case"), _cases("rfc7208-tests.yml"))
async def test_rfc7208(servers, index, name, case):
    server = await servers.get("rfc7208-tests.yml", index)
    _check(await _run(server, case), case)


@pytest.mark.asyncio(loop_scope="module")
@pytest.mark.parametrize(("index", "name", "case"), _cases("rfc4408-tests.yml"))
async def test_rfc4408(servers, index, name, case):
    server = await servers.get("rfc4408-tests.yml", index)
    _check(await _run(server, case), case)


def test_rfc4408_changes_are_listed_as_alternatives():
    """Where both suites hold a test of the same name and RFC 7208 expects another result, the old
    suite accepts the new one too -- which is why no rfc4408 test needs skipping."""
    new = {name: case for doc in load_suite("rfc7208-tests.yml") for name, case in doc["tests"].items()}
    changed = []
    for doc in load_suite("rfc4408-tests.yml"):
        for name, case in doc["tests"].items():
            if name not in new:
                continue
            old_r, new_r = case["result"], new[name]["result"]
            old_set = set(old_r) if isinstance(old_r, list) else {old_r}
            new_set = set(new_r) if isinstance(new_r, list) else {new_r}
            if old_set != new_set:
                changed.append(name)
                assert old_set & new_set, f"{name}: rfc4408 {old_set} vs rfc7208 {new_set}"
    assert changed  # the suites do differ (mx-limit, ptr-limit, cidr4-033 ...)
