"""The report's data classes: what a command hands its renderers (:class:`Report`, its :class:`Target` and
:class:`StepResult`) and a diagnosis' own parts (:class:`TranscriptLine`, :class:`SettingsShown`,
:class:`StepAddress`, :class:`DiagnoseObservations`).

Part of the shared vocabulary of :mod:`smtpdoctor.core.model`, which re-exports every name here; they live
apart because a command needs them only to report, not to observe or judge: building a frozen, slotted data
class costs ~0.7 ms at start-up, and the domain audit's first answers are read while its modules are still
being imported (issue 16), so these load once the audit is waiting for its later answers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .model import SCHEMA, Finding, Step, StepStatus, Verdict, WithFindings
from .serialize import JsonMixin, js, to_json

if TYPE_CHECKING:  # the values the probes and flows record; read, never imported at run time
    from ..flows.domain import DomainAudit
    from ..observe.facts import AuthObservation, EnvelopeObservation, HostLookup, PortObservation

__all__ = ["StepResult", "Target", "TranscriptLine", "SettingsShown", "StepAddress", "DiagnoseObservations",
           "Report"]


@dataclass(frozen=True, slots=True, kw_only=True)
class StepResult(JsonMixin):
    name: Step
    status: StepStatus
    findings: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class Target(JsonMixin):
    host: str | None = None
    port: int | None = None
    security: str | None = None
    domain: str | None = None
    ip: str | None = None
    extra: dict[str, Any] = field(default_factory=dict, metadata=js(flatten=True))


@dataclass(frozen=True, slots=True, kw_only=True)
class TranscriptLine(JsonMixin):
    """One line of an SMTP conversation, already redacted. ``dir`` is recv, send, info or error."""

    t: float = field(metadata=js(ndigits=4))
    port: int | None
    dir: str
    tls: bool
    text: str
    address: str | None = field(default=None, metadata=js(skip_none=True))


@dataclass(frozen=True, slots=True, kw_only=True)
class SettingsShown(JsonMixin):
    """The settings a diagnosis tested, as the report shows them: a secret never, only whether one was given."""

    host: str
    port: int
    security: str
    user: str | None = None
    password: str | None = None  # "(given, not shown)" or None
    oauth_token: str | None = None
    auth_mech: str | None = None
    mail_from: str | None = field(default=None, metadata=js(name="from"))
    rcpt_to: str | None = field(default=None, metadata=js(name="to"))
    helo: str | None = None
    source_ip: str | None = None
    domain: str | None = None
    ip: str | None = None
    timeout_s: float | None = None
    send: bool = False
    provider: str | None = None  # the provider preset the host matched


@dataclass(frozen=True, slots=True, kw_only=True)
class StepAddress(JsonMixin):
    """A server address one step of the walk used: for the connection every address of the configured port
    (a host with A and AAAA is tried over both families) with what the port did there, for AUTH the session's."""

    step: str = field(metadata=js(omit=True))  # the key it is grouped under in JSON
    address: str
    family: int  # 4 or 6
    outcome: str | None = field(default=None, metadata=js(skip_none=True))

    def shown(self) -> str:
        """``::1 (smtp)``: the address, and what happened there when known."""
        return f"{self.address} ({self.outcome})" if self.outcome else self.address


def _by_step(addresses: tuple[StepAddress, ...]) -> dict[str, list[StepAddress]]:
    out: dict[str, list[StepAddress]] = {}
    for a in addresses:
        out.setdefault(a.step, []).append(a)
    return out


@dataclass(frozen=True, slots=True, kw_only=True)
class DiagnoseObservations(JsonMixin):
    """What a diagnosis observed, as the probes recorded it (the report's ``observations``)."""

    host: HostLookup | None = None
    ports: tuple[PortObservation, ...] = ()
    auth: AuthObservation | None = None
    envelope: EnvelopeObservation | None = None
    domain: DomainAudit | None = None
    seen_ip: str | None = None  # our address as the server saw it
    # which server address each step used; JSON: {"server-connection": [{"address", "family", "outcome"}], …}
    addresses: tuple[StepAddress, ...] = field(default=(), metadata=js(convert=_by_step))

    def addresses_of(self, step: str) -> tuple[StepAddress, ...]:
        return tuple(a for a in self.addresses if a.step == step)


@dataclass(frozen=True, slots=True, kw_only=True)
class Report(WithFindings):
    target: Target
    verdict: Verdict
    findings: tuple[Finding, ...]
    steps: tuple[StepResult, ...]
    transcript: tuple[TranscriptLine, ...] = ()
    timings: dict[str, float] = field(default_factory=dict)
    version: str = ""
    # a diagnosis' own parts (None for reports that have none: they are then left out of the JSON)
    settings: SettingsShown | None = None
    observations: DiagnoseObservations | None = None
    sections: tuple[tuple[str, tuple[str, ...]], ...] = ()  # extra sections of the ticket: (title, areas)
    interrupted: bool = False  # the run was cancelled (Ctrl-C); the report holds what was tested
    extra: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "schema": SCHEMA,
            "tool": {"name": "smtpdoctor", "version": self.version},
            "target": to_json(self.target),
            "verdict": to_json(self.verdict),
            "findings": to_json(self.findings),
            "steps": to_json(self.steps),
            "transcript": to_json(self.transcript),
            "timings": {k: round(v, 4) for k, v in self.timings.items()},
        }
        if self.settings is not None:
            out["settings"] = to_json(self.settings)
        if self.observations is not None:
            out["observations"] = to_json(self.observations)
            out["sections"] = to_json(self.sections)
            out["interrupted"] = self.interrupted
        out.update(to_json(self.extra))
        return out
