"""What the ESP ticket (markdown and HTML) shows, computed once from a report: pure data for both renderers."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from ..core.catalogue import area_of
from ..core.model import Report
from ..core.serialize import to_json
from .formats import step_title, transcript_glyph

__all__ = ["TicketView", "ticket_view"]


@dataclass(frozen=True, slots=True, kw_only=True)
class TicketView:
    title: str
    generated: str
    version: str
    settings: list[tuple[str, str]]
    verdict_category: str
    verdict_summary: str
    confidence: str
    remedy: tuple[str, ...]
    remedy_step: str  # the guide's step the remedy fixes ("4. Firewall"), named with every remedy
    detail: str
    evidence: dict
    steps: list[tuple[str, str, str]]
    findings: list[tuple[str, str, str, str]]  # severity, id, title, category
    ports: list[dict]
    transcript: list[str]
    sections: list[tuple[str, list[tuple[str, str, str]]]]  # extra sections: (title, [(severity, id, title)])
    timings: dict


def ticket_view(report: Report, *, now: dt.datetime | None = None) -> TicketView:
    now = now or dt.datetime.now(dt.timezone.utc)
    t = report.target
    root = report.finding(report.verdict.finding) if report.verdict.finding else None
    settings = (to_json(report.settings) if report.settings else report.extra.get("settings")
                or {k: v for k, v in t.to_json().items() if v is not None})
    target = f"{t.host}:{t.port}" if t.host else (t.domain or t.ip or "?")
    transcript = [f"{line.t:8.3f} :{line.port} {transcript_glyph(line.dir, line.tls)} {line.text}"
                  for line in report.transcript]
    sections = []
    for title, area_ids in report.sections:
        rows = [(f.severity.value, f.id, f.title) for f in report.findings if area_of(f.id) in area_ids]
        if rows:
            sections.append((title, rows))
    return TicketView(
        title=f"smtpdoctor report: {target} — " + ("inconclusive" if report.verdict.inconclusive
                                                    else report.verdict.category.value),
        generated=now.strftime("%Y-%m-%d %H:%M:%S UTC"),
        version=report.version,
        settings=[(k, str(v)) for k, v in settings.items() if v not in (None, "", False)],
        verdict_category=report.verdict.category.value,
        verdict_summary=report.verdict.summary,
        confidence=report.verdict.confidence,
        remedy=root.remedy if root else (),
        remedy_step=step_title(root.step) if root else "",
        detail=root.detail if root else "",
        evidence=root.evidence if root else {},
        steps=[(str(s.name), s.status.value, ", ".join(s.findings)) for s in report.steps],
        findings=[(f.severity.value, f.id, f.title, f.category.value) for f in report.findings],
        ports=to_json(report.observations.ports) if report.observations else [],
        transcript=transcript,
        sections=sections,
        timings=dict(report.timings),
    )
