"""Probe every usual submission port of every address of the host at once.

The sweep costs about one connect timeout, not their sum: all (address, port) probes run concurrently.
The configured port's session on the first address is kept open for the rest of the walk (AUTH, MAIL, RCPT).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from ..smtp import SmtpSession, Transcript
from .port import PortObservation, ProbeOptions, probe_port

__all__ = ["SweepResult", "sweep"]

IMPLICIT_TLS_PORTS = frozenset({465})


@dataclass(frozen=True, slots=True, kw_only=True)
class SweepResult:
    ports: tuple[PortObservation, ...]
    configured_port: int

    def on(self, port: int, family: int | None = None) -> tuple[PortObservation, ...]:
        return tuple(p for p in self.ports if p.port == port and (family is None or p.family == family))

    def to_json(self) -> list[dict]:
        return [p.to_json() for p in self.ports]


async def sweep(addresses: tuple[str, ...], ports: tuple[int, ...], configured_port: int, options: ProbeOptions,
                *, implicit_tls_configured: bool = False, plaintext_configured: bool = False,
                transcript: Transcript | None = None, keep_open: bool = True,
                done: list[PortObservation] | None = None,
                ) -> tuple[SweepResult, SmtpSession | None]:
    """Probe ``ports`` (plus ``configured_port``) on every address. Returns the observations, and the open
    session of the configured port on the first address that speaks SMTP there (when ``keep_open``).
    ``done`` receives each observation as soon as it is made (what an interrupted run still reports)."""
    all_ports = tuple(dict.fromkeys((configured_port, *ports)))
    jobs = []
    for address in addresses:
        for port in all_ports:
            tls_first = port in IMPLICIT_TLS_PORTS or (port == configured_port and implicit_tls_configured)
            keep = keep_open and port == configured_port
            # the configured port is walked as the user's client would: no STARTTLS when set to none
            starttls = not (plaintext_configured and port == configured_port)
            jobs.append(_noted(probe_port(address, port, options, tls_first=tls_first, transcript=transcript,
                                          keep_open=keep, starttls=starttls), done))
    results = await asyncio.gather(*jobs)
    session: SmtpSession | None = None
    for obs, sess in results:
        if sess is None:
            continue
        if session is None:
            session = sess
        else:
            await sess.quit()
    return SweepResult(ports=tuple(obs for obs, _ in results), configured_port=configured_port), session


async def _noted(job, done: list[PortObservation] | None):
    obs, session = await job
    if done is not None:
        done.append(obs)
    return obs, session
