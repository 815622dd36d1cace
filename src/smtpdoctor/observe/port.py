"""Probe one (address, port) like a real client and record what happened as a :class:`PortObservation`.

The probe finds out by itself whether the port speaks plain SMTP (with or without STARTTLS) or implicit
TLS: on 465 it starts with a TLS handshake; elsewhere it waits for a plain greeting and, if the port stays
silent for ``stagger`` seconds (an implicit-TLS server waits for our ClientHello), tries TLS on a second
connection at the same time. Certificates are verified first; when verification fails the probe connects
once more without verification to read the certificate's facts for the report.

Failures are values: refused, filtered (timeout), reset, unreachable, silent, not SMTP, greeting rejected.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from dataclasses import dataclass, field, replace
from enum import StrEnum

from ..protocol.errors import (
    ConnectTimeout, RemoteProtocolError, SmtpError, TlsHandshakeError, TlsVerifyError, TransportError,
)
from ..protocol.replies import Reply
from ..net.early import EarlyConnects
from ..net.smtp import ConnectWatch, SmtpSession, Timeouts, Transcript
from ..net.tls import client_context
from .facts import Mode, PortObservation, PortOutcome, TlsFailure

__all__ = ["ProbeOptions", "probe_port"]


@dataclass(frozen=True, slots=True, kw_only=True)
class ProbeOptions:
    server_name: str  # the name to verify certificates against (the host the user configured)
    helo: str | None = None  # None: an address literal of our own address, always valid (RFC 5321 §4.1.3)
    timeouts: Timeouts = field(default_factory=Timeouts)
    ca_file: str | None = None
    source_ip: str | None = None
    stagger: float = 1.0  # silence after connect before also trying implicit TLS
    use_starttls: bool = True  # upgrade with STARTTLS when offered
    connect_watch: ConnectWatch | None = None  # the host's other ports: a silent port is filtered sooner
    early: EarlyConnects | None = None  # connects started before the run (each taken by its first connection)


async def probe_port(address: str, port: int, options: ProbeOptions, *, tls_first: bool = False,
                     transcript: Transcript | None = None, keep_open: bool = False, starttls: bool = True,
                     ) -> tuple[PortObservation, SmtpSession | None]:
    """Probe one port. With ``keep_open`` a working session is returned (after EHLO, TLS on if it could be)
    for the caller to go on (AUTH, MAIL, RCPT); otherwise the probe says QUIT and returns None.
    ``starttls=False`` behaves like a client set to no encryption: STARTTLS is noted, not used."""
    if not starttls:
        options = replace(options, use_starttls=False)
    start = time.perf_counter()
    family = 6 if ":" in address else 4
    base = PortObservation(address=address, port=port, family=family, outcome=PortOutcome.ERROR)
    if tls_first:
        obs, session = await _tls_first(address, port, options, transcript, base)
    else:
        obs, session = await _plain_first(address, port, options, transcript, base)
    obs = replace(obs, elapsed=time.perf_counter() - start)
    if session is not None and not keep_open:
        await session.quit()
        session = None
    return obs, session


# -- the two orders ----------------------------------------------------------------------------------

async def _plain_first(address, port, options, transcript, base):
    try:
        plain = await SmtpSession.open(address, port, server_name=options.server_name, timeouts=options.timeouts,
                                       source_ip=options.source_ip, transcript=transcript,
                                       watch=options.connect_watch, early=options.early)
    except TransportError as exc:
        return _connect_failure(base, exc), None
    connected = replace(base, connect_time=plain.connect_time, local_address=_local(plain))
    greeting_task = asyncio.ensure_future(_greeting(plain))
    done, _ = await asyncio.wait({greeting_task}, timeout=options.stagger)
    tls_task: asyncio.Future | None = None
    if not done:
        tls_task = asyncio.ensure_future(_open_tls(address, port, options, transcript))
        while True:
            done, _ = await asyncio.wait({t for t in (greeting_task, tls_task) if not t.done()} or {greeting_task},
                                         return_when=asyncio.FIRST_COMPLETED)
            if tls_task.done() and _tls_succeeded(tls_task):
                greeting_task.cancel()
                await plain.close()
                session, tls, failure = tls_task.result()
                obs = replace(connected, connect_time=session.connect_time, local_address=_local(session))
                return await _after_tls_connect(obs, session, tls, failure, options)
            if greeting_task.done():
                break
    if tls_task is not None and not tls_task.done():
        tls_task.cancel()
        with contextlib.suppress(BaseException):
            await tls_task
    if tls_task is not None and tls_task.done() and not tls_task.cancelled() and _tls_succeeded(tls_task):
        with contextlib.suppress(Exception):
            await tls_task.result()[0].close()
    greeting, failure, elapsed = greeting_task.result()
    obs = replace(connected, greeting_time=elapsed)
    if failure is not None:
        await plain.close()
        return _greeting_failure(obs, failure), None
    return await _after_plain_greeting(obs, plain, greeting, options, transcript)


async def _tls_first(address, port, options, transcript, base):
    result = await _open_tls(address, port, options, transcript)
    if isinstance(result, TransportError):
        if result.phase == "tls" and result.kind == "read-timeout":
            return replace(base, outcome=PortOutcome.SILENT,
                           error="connected, but the server answered neither TLS nor SMTP"), None
        if result.phase == "tls":
            # Not TLS: is it plain SMTP (a STARTTLS port given as implicit TLS), or something else?
            obs, session = await _plain_first(address, port, replace(options, stagger=options.timeouts.greeting),
                                              transcript, base)
            return obs, session
        return _connect_failure(base, result), None
    session, tls, failure = result
    obs = replace(base, connect_time=session.connect_time, local_address=_local(session))
    return await _after_tls_connect(obs, session, tls, failure, options)


# -- steps -------------------------------------------------------------------------------------------

async def _greeting(session: SmtpSession) -> tuple[Reply | None, SmtpError | None, float]:
    start = time.perf_counter()
    try:
        reply = await session.greeting()
        return reply, None, time.perf_counter() - start + session.connect_time
    except SmtpError as exc:
        return None, exc, time.perf_counter() - start + session.connect_time


async def _open_tls(address, port, options, transcript):
    """Connect and handshake (verify first; on a verify failure again without verifying, for the facts).
    Returns (session, tls facts, verify failure or None) or the TransportError that stopped it."""
    try:
        session = await SmtpSession.open(address, port, server_name=options.server_name,
                                         timeouts=options.timeouts, source_ip=options.source_ip,
                                         transcript=transcript, watch=options.connect_watch, early=options.early)
    except TransportError as exc:
        return exc
    try:
        tls = await session.start_tls(client_context(ca_file=options.ca_file), phase="tls")
        return session, tls, None
    except TlsVerifyError as exc:
        await session.close()
        failure = TlsFailure(kind="verify", message=exc.verify_message or str(exc))
        try:
            session = await SmtpSession.open(address, port, server_name=options.server_name,
                                             timeouts=options.timeouts, source_ip=options.source_ip,
                                             transcript=transcript, watch=options.connect_watch, early=options.early)
            tls = await session.start_tls(client_context(verify=False), phase="tls")
        except TransportError as exc2:
            return exc2
        return session, replace(tls, verified=False, verify_code=exc.verify_code,
                                verify_message=exc.verify_message), failure
    except TransportError as exc:
        await session.close()
        return exc


def _tls_succeeded(task: asyncio.Future) -> bool:
    return not task.cancelled() and task.exception() is None and not isinstance(task.result(), TransportError)


async def _after_tls_connect(obs, session, tls, failure, options):
    obs = replace(obs, mode=Mode.IMPLICIT_TLS, tls=tls, tls_failure=failure)
    greeting, error, elapsed = await _greeting(session)
    obs = replace(obs, greeting_time=elapsed)
    if error is not None:
        await session.close()
        return _greeting_failure(obs, error), None
    return await _after_greeting(obs, session, greeting, options, tls_already=True, transcript=None)


async def _after_plain_greeting(obs, session, greeting, options, transcript):
    obs = replace(obs, mode=Mode.PLAIN)
    return await _after_greeting(obs, session, greeting, options, tls_already=False, transcript=transcript)


async def _after_greeting(obs, session: SmtpSession, greeting: Reply, options, *, tls_already: bool, transcript):
    obs = replace(obs, greeting=greeting)
    if not greeting.is_positive:
        await session.quit()
        return replace(obs, outcome=PortOutcome.GREETING_REJECTED, error=greeting.message), None
    obs = replace(obs, outcome=PortOutcome.SMTP)
    helo = options.helo or _address_literal(obs.local_address)
    try:
        reply, caps = await session.ehlo(helo)
        if reply.code >= 500 and reply.code != 554:  # an old server without ESMTP: fall back to HELO
            reply = await session.command("HELO", helo)
        obs = replace(obs, ehlo=reply, capabilities=caps, starttls_offered=bool(caps and caps.starttls))
        if tls_already or not obs.starttls_offered or not options.use_starttls:
            return obs, session
        return await _starttls(obs, session, options, helo, transcript)
    except SmtpError as exc:
        await session.close()
        failure = exc.failure
        return replace(obs, later_failure=replace(failure, phase=failure.phase or "ehlo")), None


async def _starttls(obs, session: SmtpSession, options, helo, transcript):
    reply = await session.command("STARTTLS")
    if reply.code != 220:
        return replace(obs, tls_failure=TlsFailure(kind="refused", message=reply.message, reply=reply)), session
    try:
        tls = await session.start_tls(client_context(ca_file=options.ca_file), phase="starttls")
    except TlsVerifyError as exc:
        await session.close()
        failure = TlsFailure(kind="verify", message=exc.verify_message or str(exc))
        facts, session2 = await _starttls_unverified(obs, options, helo, transcript)
        if facts is None:
            return replace(obs, tls_failure=failure), None
        tls = replace(facts, verified=False, verify_code=exc.verify_code, verify_message=exc.verify_message)
        obs = replace(obs, tls=tls, tls_failure=failure)
        return await _ehlo_after_tls(obs, session2, helo)
    except TlsHandshakeError as exc:
        await session.close()
        return replace(obs, tls_failure=TlsFailure(kind="handshake", message=str(exc), reason=exc.reason)), None
    except RemoteProtocolError as exc:
        await session.close()
        return replace(obs, tls_failure=TlsFailure(kind="injection", message=str(exc))), None
    except TransportError as exc:
        await session.close()
        return replace(obs, tls_failure=TlsFailure(kind=exc.kind, message=str(exc))), None
    obs = replace(obs, tls=tls)
    return await _ehlo_after_tls(obs, session, helo)


async def _ehlo_after_tls(obs, session: SmtpSession, helo: str):
    try:
        reply, caps = await session.ehlo(helo)
    except SmtpError as exc:
        await session.close()
        return replace(obs, later_failure=replace(exc.failure, phase="ehlo-after-tls")), None
    return replace(obs, capabilities_after_tls=caps), session


async def _starttls_unverified(obs, options, helo, transcript):
    """Once more, without verification, to read the certificate's facts. Returns (facts, session)."""
    try:
        session = await SmtpSession.open(obs.address, obs.port, server_name=options.server_name,
                                         timeouts=options.timeouts, source_ip=options.source_ip,
                                         transcript=transcript, watch=options.connect_watch, early=options.early)
        greeting = await session.greeting()
        if not greeting.is_positive:
            await session.close()
            return None, None
        await session.ehlo(helo)
        reply = await session.command("STARTTLS")
        if reply.code != 220:
            await session.close()
            return None, None
        tls = await session.start_tls(client_context(verify=False), phase="starttls")
        return tls, session
    except SmtpError:
        return None, None


# -- failures into observations ----------------------------------------------------------------------

def _connect_failure(base: PortObservation, exc: TransportError) -> PortObservation:
    outcome = {
        "timeout": PortOutcome.FILTERED,
        "refused": PortOutcome.REFUSED,
        "rejected": PortOutcome.REJECTED,
        "reset": PortOutcome.RESET,
        "unreachable": PortOutcome.UNREACHABLE,
    }.get(exc.kind, PortOutcome.ERROR)
    return replace(base, outcome=outcome, error=str(exc), errno=exc.errno)


def _greeting_failure(obs: PortObservation, exc: SmtpError) -> PortObservation:
    if isinstance(exc, RemoteProtocolError):
        kind, sample = _classify_noise(exc.data)
        if "longer than" in str(exc) or "more than" in str(exc):
            kind = "too-long"
        return replace(obs, outcome=PortOutcome.NOT_SMTP, not_smtp_kind=kind, sample=sample, error=str(exc))
    if isinstance(exc, TransportError):
        if exc.kind == "read-timeout":
            return replace(obs, outcome=PortOutcome.SILENT, error="connected, but the server sent no greeting",
                           greeting_time=None)
        if exc.kind == "closed":
            return replace(obs, outcome=PortOutcome.CLOSED, error="the server closed the connection without a greeting")
        if exc.kind == "reset":
            return replace(obs, outcome=PortOutcome.RESET, error=str(exc))
        if isinstance(exc, ConnectTimeout):
            return replace(obs, outcome=PortOutcome.FILTERED, error=str(exc))
    return replace(obs, outcome=PortOutcome.ERROR, error=str(exc))


def _classify_noise(data: bytes) -> tuple[str, str]:
    sample = data[:80].decode("utf-8", "backslashreplace")
    if data.startswith(b"HTTP/") or data[:10].upper().startswith((b"<HTML", b"<!DOCTYPE")):
        return "http", sample
    if data[:1] in (b"\x15", b"\x16") and data[1:2] == b"\x03":
        return "tls", sample
    if data.startswith(b"SSH-"):
        return "ssh", sample
    if data.startswith((b"+OK", b"* OK")):
        return "pop-imap", sample
    return "garbage", sample


def _local(session: SmtpSession) -> str | None:
    return session.local_address


def _address_literal(ip: str | None) -> str:
    if not ip:
        return "smtpdoctor.invalid"
    return f"[IPv6:{ip}]" if ":" in ip else f"[{ip}]"
