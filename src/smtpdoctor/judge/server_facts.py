"""What the server-side checks read: the settings, the host lookup and the port sweep, as one value."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from ..observe.facts import HostLookup
from ..observe.facts import Mode, PortObservation, PortOutcome
from ..observe.facts import SweepResult
from ..core.settings import Security, Settings

__all__ = ["ServerFacts", "security_label", "PREFERRED_ORDER"]

# The order in which working ports are recommended: submission first, port 25 last.
PREFERRED_ORDER = (587, 465, 2525, 25)


def security_label(obs: PortObservation) -> str:
    if obs.mode is Mode.IMPLICIT_TLS:
        return "SSL/TLS"
    if obs.starttls_offered:
        return "STARTTLS"
    return "none"


@dataclass(frozen=True, slots=True, kw_only=True)
class ServerFacts:
    settings: Settings
    host: HostLookup
    sweep: SweepResult | None
    now: dt.datetime  # when the probes ran (certificate ages are relative to it)

    @property
    def port(self) -> int:
        return self.settings.effective_port

    @property
    def primary_family(self) -> int | None:
        if self.host.ipv4:
            return 4
        if self.host.ipv6:
            return 6
        return None

    @property
    def primary_address(self) -> str | None:
        addresses = self.host.addresses
        return addresses[0] if addresses else None

    def on_primary(self) -> tuple[PortObservation, ...]:
        if self.sweep is None:
            return ()
        return tuple(p for p in self.sweep.ports if p.address == self.primary_address)

    @property
    def configured(self) -> PortObservation | None:
        return next((p for p in self.on_primary() if p.port == self.port), None)

    def others(self) -> tuple[PortObservation, ...]:
        return tuple(p for p in self.on_primary() if p.port != self.port)

    def working(self) -> tuple[PortObservation, ...]:
        """Other ports that speak SMTP with a usable TLS setup, best first."""
        ok = [p for p in self.others() if p.outcome is PortOutcome.SMTP and p.later_error is None]

        def rank(p: PortObservation) -> tuple[int, int]:
            secure = 0 if (p.mode is Mode.IMPLICIT_TLS or p.starttls_offered) and p.tls_failure is None else 1
            order = PREFERRED_ORDER.index(p.port) if p.port in PREFERRED_ORDER else len(PREFERRED_ORDER)
            return secure, order

        return tuple(sorted(ok, key=rank))

    @property
    def wants_implicit_tls(self) -> bool:
        s = self.settings.security
        return s is Security.TLS or (s is Security.AUTO and self.port == 465)
