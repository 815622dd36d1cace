"""The shared vocabulary: categories, severities, steps, findings and the report.

Everything here is plain, frozen data. Probes produce observations (defined next to the probe that makes
them), checks turn observations into :class:`Finding` values, the verdict picks one root cause, and
renderers present a :class:`Report`. Nothing in this module does I/O.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from .category import Category
from .serialize import JsonMixin, js, to_json

if TYPE_CHECKING:  # the values the probes and flows record; read, never imported at run time
    from ..flows.domain import DomainAudit
    from ..observe.facts import AuthObservation, EnvelopeObservation, HostLookup, PortObservation

__all__ = [
    "Category",
    "Severity",
    "Step",
    "STEP_ORDER",
    "StepStatus",
    "Finding",
    "StepResult",
    "Verdict",
    "Target",
    "TranscriptLine",
    "Report",
    "WithFindings",
    "SettingsShown",
    "DiagnoseObservations",
    "StepAddress",
    "SCHEMA",
    "INCONCLUSIVE",
    "EXIT_OK",
    "EXIT_PROBLEMS",
    "EXIT_INCONCLUSIVE",
    "combine_exit_codes",
    "exit_code_for",
]

INCONCLUSIVE = "inconclusive"  # the confidence of a verdict that a step which could not run decides

EXIT_OK, EXIT_PROBLEMS, EXIT_INCONCLUSIVE = 0, 1, 3


def combine_exit_codes(codes) -> int:
    """One exit status for several inputs: problems found anywhere win, then inconclusive, then ok."""
    codes = set(codes)
    if EXIT_PROBLEMS in codes:
        return EXIT_PROBLEMS
    return EXIT_INCONCLUSIVE if EXIT_INCONCLUSIVE in codes else EXIT_OK

SCHEMA = "smtpdoctor/report@1"


class Severity(StrEnum):
    ERROR = "error"  # breaks sending or delivery
    WARNING = "warning"  # works today, hurts delivery or will break
    INFO = "info"
    OK = "ok"  # a check that passed, shown so the user sees what was tested

    @property
    def rank(self) -> int:
        return _SEVERITY_RANK[self]


_SEVERITY_RANK = {Severity.ERROR: 3, Severity.WARNING: 2, Severity.INFO: 1, Severity.OK: 0}


class Step(StrEnum):
    """The guide's troubleshooting walk, in its order."""

    CLIENT_SETTINGS = "client-settings"
    SERVER_CONNECTION = "server-connection"
    AUTHENTICATION = "authentication"
    FIREWALL = "firewall"
    DNS = "dns"
    BLACKLIST = "blacklist"


STEP_ORDER: tuple[Step, ...] = tuple(Step)


class StepStatus(StrEnum):
    PASS = "pass"
    FAIL = "fail"
    WARN = "warn"
    SKIPPED = "skipped"  # nothing to test here (not asked for, or an earlier step failed)
    UNTESTED = "untested"  # the step should have run but could not (resolver down, AUTH withheld, interrupted)


@dataclass(frozen=True, slots=True, kw_only=True)
class Finding(JsonMixin):
    """One conclusion of a check. ``id`` is a stable key of the catalogue (``port.filtered``).

    ``untested``: the finding says that its step could not run ("could not test"), not that something is
    wrong; it never makes a step pass or fail and never counts as a problem found (see the verdict).
    """

    id: str
    category: Category
    severity: Severity
    title: str
    detail: str = ""
    remedy: tuple[str, ...] = ()
    evidence: dict[str, Any] = field(default_factory=dict)
    step: Step  # after the text: the contract's JSON order
    untested: bool = field(default=False, metadata=js(omit=True))

    @property
    def is_problem(self) -> bool:
        """An error that was observed (not a step that could not run)."""
        return self.severity is Severity.ERROR and not self.untested


@dataclass(frozen=True, slots=True, kw_only=True)
class StepResult(JsonMixin):
    name: Step
    status: StepStatus
    findings: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class Verdict(JsonMixin):
    category: Category
    finding: str | None
    summary: str
    confidence: str  # "high" | "medium" | "low" | "inconclusive"

    @property
    def inconclusive(self) -> bool:
        return self.confidence == INCONCLUSIVE


def exit_code_for(findings, verdict: "Verdict") -> int:
    """The contract's exit status for one input's findings and verdict."""
    if any(f.is_problem for f in findings):
        return EXIT_PROBLEMS
    return EXIT_INCONCLUSIVE if verdict.inconclusive else EXIT_OK


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


class WithFindings:
    """What a result with ``findings`` answers: errors, its exit status, a finding by id (a mixin)."""

    __slots__ = ()
    findings: tuple[Finding, ...]

    @property
    def has_errors(self) -> bool:
        """A problem was found: an ``error`` finding that is not a "could not test"."""
        return any(f.is_problem for f in self.findings)

    @property
    def exit_code(self) -> int:
        """0 nothing wrong, 1 problems found, 3 inconclusive (a deciding step could not run)."""
        return exit_code_for(self.findings, self.verdict)

    def finding(self, finding_id: str) -> Finding | None:
        return next((f for f in self.findings if f.id == finding_id), None)

    def ids(self) -> tuple[str, ...]:
        return tuple(f.id for f in self.findings)


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
