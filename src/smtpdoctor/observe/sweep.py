"""Probe every usual submission port of every address of the host at once.

The sweep costs about one connect timeout, not their sum: all (address, port) probes run concurrently.
The configured port's session on the first address is kept open for the rest of the walk (AUTH, MAIL, RCPT).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Awaitable, Callable

from ..net.smtp import SmtpSession, Transcript
from .facts import PortObservation
from .port import ProbeOptions, probe_port
from .facts import SweepResult

__all__ = ["sweep"]

IMPLICIT_TLS_PORTS = frozenset({465})


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
    all_ports = tuple(dict.fromkeys((configured_port, *ports)))
    claimed = False

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
