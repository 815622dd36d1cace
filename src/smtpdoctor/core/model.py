"""The shared vocabulary: categories, severities, steps, findings and the report.

Everything here is plain, frozen data. Probes produce observations (defined next to the probe that makes
them), checks turn observations into :class:`Finding` values, the verdict picks one root cause, and
renderers present a :class:`Report`. Nothing in this module does I/O.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

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


class Category(StrEnum):
    """The causes named by the guide "Troubleshooting SMTP Issues", plus ``ok``."""

    BLACKLIST = "blacklist"
    AUTHENTICATION = "authentication"
    CONNECTION = "connection"
    PORT = "port"
    FIREWALL = "firewall"
    DNS = "dns"
    CLIENT = "client"
    OK = "ok"


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
class Finding:
    """One conclusion of a check. ``id`` is a stable key of the catalogue (``port.filtered``).

    ``untested``: the finding says that its step could not run ("could not test"), not that something is
    wrong; it never makes a step pass or fail and never counts as a problem found (see the verdict).
    """

    id: str
    category: Category
    severity: Severity
    step: Step
    title: str
    detail: str = ""
    remedy: tuple[str, ...] = ()
    evidence: dict[str, Any] = field(default_factory=dict)
    untested: bool = False

    @property
    def is_problem(self) -> bool:
        """An error that was observed (not a step that could not run)."""
        return self.severity is Severity.ERROR and not self.untested

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "category": str(self.category),
            "severity": str(self.severity),
            "title": self.title,
            "detail": self.detail,
            "remedy": list(self.remedy),
            "evidence": self.evidence,
            "step": str(self.step),
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class StepResult:
    name: Step
    status: StepStatus
    findings: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {"name": str(self.name), "status": str(self.status), "findings": list(self.findings)}


@dataclass(frozen=True, slots=True, kw_only=True)
class Verdict:
    category: Category
    finding: str | None
    summary: str
    confidence: str  # "high" | "medium" | "low" | "inconclusive"

    @property
    def inconclusive(self) -> bool:
        return self.confidence == INCONCLUSIVE

    def to_json(self) -> dict[str, Any]:
        return {
            "category": str(self.category),
            "finding": self.finding,
            "summary": self.summary,
            "confidence": self.confidence,
        }


def exit_code_for(findings, verdict: "Verdict") -> int:
    """The contract's exit status for one input's findings and verdict."""
    if any(f.is_problem for f in findings):
        return EXIT_PROBLEMS
    return EXIT_INCONCLUSIVE if verdict.inconclusive else EXIT_OK


@dataclass(frozen=True, slots=True, kw_only=True)
class Target:
    host: str | None = None
    port: int | None = None
    security: str | None = None
    domain: str | None = None
    ip: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "host": self.host,
            "port": self.port,
            "security": self.security,
            "domain": self.domain,
            "ip": self.ip,
        }
        out.update(self.extra)
        return out


@dataclass(frozen=True, slots=True, kw_only=True)
class TranscriptLine:
    """One line of an SMTP conversation, already redacted. ``dir`` is recv, send, info or error."""

    t: float
    port: int | None
    dir: str
    tls: bool
    text: str
    address: str | None = None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"t": round(self.t, 4), "port": self.port, "dir": self.dir, "tls": self.tls,
                               "text": self.text}
        if self.address is not None:
            out["address"] = self.address
        return out


@dataclass(frozen=True, slots=True, kw_only=True)
class Report:
    target: Target
    verdict: Verdict
    findings: tuple[Finding, ...]
    steps: tuple[StepResult, ...]
    transcript: tuple[TranscriptLine, ...] = ()
    timings: dict[str, float] = field(default_factory=dict)
    version: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

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

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "schema": SCHEMA,
            "tool": {"name": "smtpdoctor", "version": self.version},
            "target": self.target.to_json(),
            "verdict": self.verdict.to_json(),
            "findings": [f.to_json() for f in self.findings],
            "steps": [s.to_json() for s in self.steps],
            "transcript": [t.to_json() for t in self.transcript],
            "timings": {k: round(v, 4) for k, v in self.timings.items()},
        }
        out.update(self.extra)
        return out
