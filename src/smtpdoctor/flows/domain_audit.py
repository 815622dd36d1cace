"""One domain's audit as a value (:class:`DomainAudit`): its findings, checklist and facts per topic, its
verdict, JSON and report. :mod:`smtpdoctor.flows.domain` runs the audit and re-exports the class; it lives
apart because it is built on core.model's classes, which the audit needs only once its first answers are
read (issue 16)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..core.model import Finding, Verdict, WithFindings

if TYPE_CHECKING:
    from ..core.model import Report
    from ..judge.checklist import ChecklistRow

__all__ = ["DomainAudit", "SCHEMA"]

SCHEMA = "smtpdoctor/domain@1"  # the domain JSON report's schema (re-exported by flows.domain)


@dataclass(frozen=True, slots=True, kw_only=True)
class DomainAudit(WithFindings):
    given: str
    domain: str | None  # the normalised name (None when the input was not a domain name)
    findings: tuple[Finding, ...]
    checklist: tuple[ChecklistRow, ...] = ()
    unicode: str | None = None
    ip: str | None = None
    data: dict[str, Any] = field(default_factory=dict)  # structured facts per topic (JSON-ready)
    spf: Any = None  # the SpfAudit, when the SPF engine ran
    elapsed: float = 0.0

    @property
    def verdict(self) -> Verdict:
        """The root cause for this domain in the guide's order (``ok`` when nothing is wrong)."""
        from ..verdict import decide

        return decide(self.findings)

    def report(self) -> Report:
        """This audit as a :class:`~smtpdoctor.core.model.Report` (the Markdown and HTML tickets)."""
        from .. import __version__
        from ..core.report_model import Report, Target
        from ..verdict import conclude

        verdict, steps, ordered = conclude(self.findings)
        shown = {"domain": self.domain or self.given, "sending IP": self.ip}
        return Report(target=Target(domain=self.domain or self.given, ip=self.ip), verdict=verdict,
                      findings=ordered, steps=steps, version=__version__,
                      timings={"total_s": self.elapsed},
                      extra={"settings": {k: v for k, v in shown.items() if v}})

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "schema": SCHEMA,
            "domain": self.domain,
            "input": self.given,
            "unicode": self.unicode,
            "ip": self.ip,
            "status": {0: "ok", 1: "error", 3: "inconclusive"}[self.exit_code],
            "verdict": self.verdict.to_json(),
            "findings": [f.to_json() for f in self.findings],
            "checklist": [r.to_json() for r in self.checklist],
        }
        out.update(self.data)
        if self.spf is not None and hasattr(self.spf, "to_json"):
            out["spf"] = self.spf.to_json()
        out["timings"] = {"total_s": round(self.elapsed, 4)}
        return out
