"""Probe every usual submission port of every address of the host at once.

The sweep costs about one connect timeout, not their sum: all (address, port) probes run concurrently.
The configured port's session on the first address is kept open for the rest of the walk (AUTH, MAIL, RCPT).

A port whose SYNs go unanswered does not cost the whole connect timeout when the host's other ports answer
(:class:`HostSilence`): once a port of the same address has answered (SYN-ACK or RST) in a measured round
trip, a port still silent after the kernel's first SYN retransmission (1 s) and then ten such round trips
(at least another second) is filtered with high confidence: two SYNs lost by chance on a path that carries
the other ports' packets is far less likely than a filter. When no port answers, the connect timeout
stays the bound.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, replace
from typing import Awaitable, Callable

from ..net.early import sweep_order
from ..net.smtp import SmtpSession, Transcript
from .facts import PortObservation
from .port import ProbeOptions, probe_port
from .facts import SweepResult

__all__ = ["sweep", "HostSilence"]

IMPLICIT_TLS_PORTS = frozenset({465})


class HostSilence:
    """Tells a filtered port from the host's answering ports (a :class:`~smtpdoctor.net.smtp.ConnectWatch`)."""

    SYN_RTO = 1.0  # the first SYN retransmission (Linux's TCP_TIMEOUT_INIT, RFC 6298's initial RTO)
    ROUND_TRIPS = 10  # measured round trips of silence after it

    def __init__(self) -> None:
        self._rtts: dict[str, dict[int, float]] = {}  # address -> port -> connect round trip
        self._heard: dict[str, asyncio.Event] = {}

    def _event(self, address: str) -> asyncio.Event:
        return self._heard.setdefault(address, asyncio.Event())

    def answered(self, address: str, port: int, rtt: float) -> None:
        ports = self._rtts.setdefault(address, {})
        ports[port] = max(rtt, ports.get(port, 0.0))
        self._event(address).set()

    async def silence(self, address: str, port: int) -> str:
        loop = asyncio.get_running_loop()
        start = loop.time()
        heard = self._event(address)
        while True:
            others = {p: t for p, t in self._rtts.get(address, {}).items() if p != port}
            if not others:  # no other port of this address has answered (yet): nothing to compare with
                heard.clear()
                await heard.wait()
                continue
            rtt = max(others.values())
            wait = start + self.SYN_RTO + max(self.SYN_RTO, self.ROUND_TRIPS * rtt) - loop.time()
            if wait <= 0:
                answering = ", ".join(str(p) for p in sorted(others))
                return (f"no answer to the connection attempt (SYN and its retransmission) in "
                        f"{loop.time() - start:.1f} s, while port{'s' if len(others) > 1 else ''} {answering} "
                        f"of this address answered in {rtt * 1000:.0f} ms: filtered")
            await asyncio.sleep(wait)


async def sweep(addresses: tuple[str, ...], ports: tuple[int, ...], configured_port: int, options: ProbeOptions,
                *, implicit_tls_configured: bool = False, plaintext_configured: bool = False,
                transcript: Transcript | None = None,
                on_session: Callable[[PortObservation, SmtpSession], Awaitable[None]] | None = None,
                done: list[PortObservation] | None = None,
                quitting: list[tuple[SmtpSession, asyncio.Task]] | None = None) -> SweepResult:
    """Probe ``ports`` (plus ``configured_port``) on every address, all at once.

    ``on_session`` goes on with the configured port's open session (AUTH, MAIL, RCPT) on the first
    address where it speaks SMTP, while the other probes are still running: the walk costs its longest
    chain of round trips, not the sweep plus the session. The session is closed afterwards.
    ``done`` receives each observation as soon as it is made (what an interrupted run still reports).
    With ``quitting``, the walked session's QUIT is said in the background and handed over there (the
    caller ends it with :meth:`SmtpSession.end_quit`): nothing waits on its reply's round trip.
    """
    all_ports = sweep_order(configured_port, ports)
    claimed = False
    if options.connect_watch is None:
        options = replace(options, connect_watch=HostSilence())

    async def job(address: str, port: int) -> PortObservation:
        nonlocal claimed
        tls_first = port in IMPLICIT_TLS_PORTS or (port == configured_port and implicit_tls_configured)
        keep = on_session is not None and port == configured_port
        # the configured port is walked as the user's client would: no STARTTLS when set to none
        starttls = not (plaintext_configured and port == configured_port)
        obs, session = await probe_port(address, port, options, tls_first=tls_first, transcript=transcript,
                                        keep_open=keep, starttls=starttls)
        if done is not None:
            done.append(obs)
        if session is not None:
            walked = False
            try:
                if not claimed and on_session is not None:
                    claimed = walked = True
                    await on_session(obs, session)
            finally:
                if walked and quitting is not None:
                    quitting.append((session, session.quit_in_background()))
                else:
                    await asyncio.shield(session.quit())
        return obs

    results = await asyncio.gather(*(job(a, p) for a in addresses for p in all_ports))
    return SweepResult(ports=tuple(results), configured_port=configured_port)
