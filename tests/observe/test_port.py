"""The port probe against lab servers: each outcome recorded as a value, each within its time bound."""

import time

import pytest

from smtpdoctor.lab.faults import Fault
from smtpdoctor.lab.smtp_server import LabSmtpServer
from smtpdoctor.observe.facts import Mode, PortOutcome
from smtpdoctor.observe.port import ProbeOptions, probe_port
from smtpdoctor.net.smtp import Timeouts, Transcript


def opts(server, timeout=2.0, **kw):
    return ProbeOptions(server_name="mail.lab.test", ca_file=str(server.ca_file), timeouts=Timeouts.uniform(timeout),
                        stagger=0.3, **kw)


async def probe(faults, *, tls_first=False, timeout=2.0, **kw):
    async with LabSmtpServer(faults=faults) as srv:
        obs, session = await probe_port(srv.host, srv.port, opts(srv, timeout, **kw), tls_first=tls_first)
        assert session is None
        return obs


async def test_plain_with_starttls_verified():
    obs = await probe((Fault.starttls(), Fault.auth(tls_only=True)))
    assert obs.outcome is PortOutcome.SMTP and obs.mode is Mode.PLAIN
    assert obs.starttls_offered and obs.tls and obs.tls.verified
    assert obs.capabilities_after_tls.auth_mechanisms and not obs.capabilities.auth_mechanisms


async def test_implicit_tls_found_on_a_non_465_port_without_being_told():
    obs = await probe((Fault.implicit_tls(),))
    assert obs.outcome is PortOutcome.SMTP and obs.mode is Mode.IMPLICIT_TLS and obs.tls.verified


async def test_tls_first_on_a_plain_port_falls_back_to_plain():
    obs = await probe((Fault.starttls(),), tls_first=True)
    assert obs.outcome is PortOutcome.SMTP and obs.mode is Mode.PLAIN


async def test_expired_certificate_keeps_its_facts():
    obs = await probe((Fault.starttls(cert="expired"),))
    assert obs.tls_failure.kind == "verify" and obs.tls.verify_problem == "expired"
    assert obs.tls.cert is not None and obs.tls.cert.not_after < "2026-11-30"


async def test_refused_and_filtered():
    async with LabSmtpServer(faults=(Fault.refuse(),)) as srv:
        obs, _ = await probe_port(srv.host, srv.port, opts(srv))
        assert obs.outcome is PortOutcome.REFUSED
    start = time.perf_counter()
    obs = await probe((Fault.filtered(),), timeout=1.0)
    assert obs.outcome is PortOutcome.FILTERED
    assert time.perf_counter() - start < 1.0 + 1.5


async def test_blackhole_is_silent_not_filtered():
    obs = await probe((Fault.blackhole(),), timeout=1.0)
    assert obs.outcome is PortOutcome.SILENT and obs.connect_time is not None


@pytest.mark.parametrize("fault, kind", [
    (Fault.http_banner(), "http"),
    (Fault.garbage_banner(), "garbage"),
    (Fault.long_line(stage="greeting"), "too-long"),
])
async def test_not_smtp_kinds(fault, kind):
    obs = await probe((fault,))
    assert obs.outcome is PortOutcome.NOT_SMTP and obs.not_smtp_kind == kind


async def test_greeting_rejected_keeps_the_reply():
    obs = await probe((Fault.greeting_554(),))
    assert obs.outcome is PortOutcome.GREETING_REJECTED and obs.greeting.code == 554


async def test_keep_open_returns_a_session_ready_for_auth():
    async with LabSmtpServer(faults=(Fault.starttls(), Fault.auth(tls_only=True))) as srv:
        obs, session = await probe_port(srv.host, srv.port, opts(srv), keep_open=True)
        try:
            assert session is not None and session.is_tls
            assert "PLAIN" in session.capabilities.auth_mechanisms
        finally:
            await session.quit()


async def test_starttls_false_behaves_like_a_client_without_encryption():
    async with LabSmtpServer(faults=(Fault.starttls(), Fault.auth(tls_only=True))) as srv:
        obs, session = await probe_port(srv.host, srv.port, opts(srv), keep_open=True, starttls=False)
        try:
            assert obs.starttls_offered and obs.tls is None and not session.is_tls
        finally:
            await session.quit()


async def test_transcript_is_recorded_with_glyph_directions():
    transcript = Transcript()
    async with LabSmtpServer(faults=(Fault.starttls(),)) as srv:
        await probe_port(srv.host, srv.port, opts(srv), transcript=transcript)
    dirs = [(l.dir, l.tls) for l in transcript.lines]
    assert ("recv", False) in dirs and ("send", True) in dirs  # EHLO again under TLS
    assert any(l.text.startswith("220") for l in transcript.lines)
