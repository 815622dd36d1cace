"""The shared vocabulary: categories, severities, steps, findings and the report.

Everything here is plain, frozen data. Probes produce observations (defined next to the probe that makes
them), checks turn observations into :class:`Finding` values, the verdict picks one root cause, and
renderers present a :class:`Report`. Nothing in this module does I/O. The report's classes are defined in
:mod:`smtpdoctor.core.report_model` and re-exported here (loaded on first use).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from .category import Category
from .lazy_names import lazy_names
from .serialize import JsonMixin, js

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


# The report's classes live in core/report_model.py and load on first use (PEP 562): a command builds them
# only to report, and the domain audit reads its first answers while its modules are still being imported.
_REPORT_CLASSES = frozenset({"StepResult", "Target", "TranscriptLine", "SettingsShown", "StepAddress",
                             "DiagnoseObservations", "Report"})
__getattr__ = lazy_names(globals(), dict.fromkeys(_REPORT_CLASSES, ".report_model"))
