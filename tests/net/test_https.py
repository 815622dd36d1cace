"""The MTA-STS policy fetch against a real local HTTPS server (certificates from the lab CA), and the audit
using it."""

from __future__ import annotations

import asyncio
import contextlib
import ssl

import pytest

from smtpdoctor.flows.domain import audit_domain
from smtpdoctor.lab.certs import CertKind, LabPki
from smtpdoctor.net.https import MAX_POLICY_BYTES, fetch_policy

from support.dns_zones import good_zone, lab_resolver

POLICY = "version: STSv1\r\nmode: enforce\r\nmx: mx1.good.test\r\nmx: mx2.good.test\r\nmax_age: 604800\r\n"


@pytest.fixture(scope="module")
def ca(tmp_path_factory):
    pki = LabPki(tmp_path_factory.mktemp("pki"))
    yield pki
    pki.close()


@contextlib.asynccontextmanager
async def https_server(ca, *, status="200 OK", ctype="text/plain", body=POLICY, host="mta-sts.good.test",
                       raw: bytes | None = None, silent=False):
    context = ca.server_context(CertKind.VALID, (host,))
    requests: list[bytes] = []

    async def handle(reader, writer):
        try:
            head = await reader.readuntil(b"\r\n\r\n")
            requests.append(head)
            if silent:
                await asyncio.sleep(5)
            payload = raw if raw is not None else body.encode()
            writer.write(f"HTTP/1.1 {status}\r\nContent-Type: {ctype}\r\nContent-Length: {len(payload)}\r\n"
                         "Connection: close\r\n\r\n".encode() + payload)
            await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError, ssl.SSLError):
            pass
        finally:
            writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0, ssl=context)
    try:
        yield server.sockets[0].getsockname()[1], requests
    finally:
        server.close()
        await server.wait_closed()


def client_context(ca):
    return ca.client_context()


ZONE = {**good_zone(), "_mta-sts.good.test": {"TXT": ["v=STSv1; id=2024"]}, "mta-sts.good.test": {"A": ["127.0.0.1"]}}


async def test_fetch_ok(ca):
    async with https_server(ca) as (port, requests), lab_resolver(ZONE) as (r, _):
        fetch = await fetch_policy(r, "good.test", port=port, ssl_context=client_context(ca), timeout=5)
    assert fetch.ok and fetch.body == POLICY and fetch.content_type == "text/plain"
    assert b"GET /.well-known/mta-sts.txt HTTP/1.1" in requests[0] and b"Host: mta-sts.good.test" in requests[0]


async def test_untrusted_certificate_is_a_tls_failure(ca):
    async with https_server(ca) as (port, _), lab_resolver(ZONE) as (r, _):
        fetch = await fetch_policy(r, "good.test", port=port, ssl_context=ssl.create_default_context(), timeout=5)
    assert fetch.error_kind == "tls" and "certificate" in fetch.error


async def test_wrong_host_certificate(ca):
    async with https_server(ca, host="other.test") as (port, _), lab_resolver(ZONE) as (r, _):
        fetch = await fetch_policy(r, "good.test", port=port, ssl_context=client_context(ca), timeout=5)
    assert fetch.error_kind == "tls" and "mismatch" in fetch.error.lower()


async def test_no_address_and_refused_and_timeout(ca):
    zone = {**ZONE, "mta-sts.good.test": {"TXT": ["x"]}}
    async with lab_resolver(zone) as (r, _):
        fetch = await fetch_policy(r, "good.test", port=1, timeout=5)
    assert fetch.error_kind == "dns" and "NODATA" in fetch.error
    async with lab_resolver(ZONE) as (r, _):
        fetch = await fetch_policy(r, "good.test", port=1, timeout=5)
    assert fetch.error_kind == "connect"
    async with https_server(ca, silent=True) as (port, _), lab_resolver(ZONE) as (r, _):
        fetch = await fetch_policy(r, "good.test", port=port, ssl_context=client_context(ca), timeout=0.3)
    assert fetch.error_kind == "timeout"


async def test_body_is_bounded(ca):
    async with https_server(ca, raw=b"x" * (MAX_POLICY_BYTES + 10)) as (port, _), lab_resolver(ZONE) as (r, _):
        fetch = await fetch_policy(r, "good.test", port=port, ssl_context=client_context(ca), timeout=5)
    assert fetch.error_kind == "too-large"


@pytest.mark.parametrize("server, expected", [
    ({}, "mta-sts.ok"),
    ({"body": POLICY.replace("mx: mx2.good.test\r\n", "")}, "mta-sts.mx-not-covered"),
    ({"status": "404 Not Found"}, "mta-sts.policy-bad-response"),
    ({"ctype": "text/html"}, "mta-sts.policy-bad-response"),
])
async def test_audit_fetches_and_judges_the_policy(ca, server, expected):
    async with https_server(ca, **server) as (port, _), lab_resolver(ZONE) as (r, _):
        audit = await audit_domain(r, "good.test", https_port=port, ssl_context=client_context(ca))
    assert expected in [f.id for f in audit.findings]
    if expected == "mta-sts.ok":
        assert audit.to_json()["mta_sts"]["policy"]["mode"] == "enforce"
