"""How the domain audit reads as text (the CLI and the web page print the same), Markdown and HTML."""

from __future__ import annotations

from ..core.catalogue import area_of

__all__ = ["render_text", "domain_document"]


_GLYPH = {"error": "✗", "warning": "!", "info": "·", "ok": "✓"}


_STATUS = {"pass": "✓ pass", "fail": "✗ FAIL", "warn": "! warn", "unknown": "? unknown", "not-tested": "- not tested"}


def _title(audit) -> str:
    title = audit.domain or audit.given
    if audit.unicode:
        title += f" ({audit.unicode})"
    return title + (f"  [sending IP {audit.ip}]" if audit.ip else "")


def _in_area_order(findings):
    from ..flows.domain import AREA_ORDER

    order = {a: i for i, a in enumerate(AREA_ORDER)}
    return sorted(findings, key=lambda f: order.get(area_of(f.id), 99))


def domain_document(audits):
    """The audits of one run as one document (Markdown, HTML): per domain its findings and checklist."""
    from .document import Document, Heading, Para, Table, findings_table

    doc = Document(f"smtpdoctor domain audit: {', '.join(a.domain or a.given for a in audits)}")
    for audit in audits:
        errors = sum(1 for f in audit.findings if str(f.severity) == "error")
        doc.add(Heading(_title(audit)),
                Para(f"{errors} error(s) among {len(audit.findings)} findings" if errors else "No error found.",
                     strong=True),
                findings_table(_in_area_order(audit.findings)))
        if audit.checklist:
            doc.add(Heading("Bulk-sender checklist (Gmail/Yahoo 2024, Microsoft 2025)", 3),
                    Table(("status", "requirement", "note"),
                          tuple((row.status, row.requirement, row.note) for row in audit.checklist)))
    return doc


def render_text(audit) -> str:
    lines = [f"== {_title(audit)}"]
    findings = _in_area_order(audit.findings)
    area = None
    for f in findings:
        head = area_of(f.id)
        if head != area:
            area = head
            lines.append(f"  {head.upper().replace('_', '-')}")
        lines.append(f"    {_GLYPH.get(str(f.severity), '?')} {f.title}  [{f.id}]")
        if str(f.severity) in ("error", "warning"):
            if f.detail:
                lines.append(f"        {f.detail}")
            for step in f.remedy:
                lines.append(f"        -> {step}")
    if audit.checklist:
        lines.append("  BULK-SENDER CHECKLIST (Gmail/Yahoo 2024, Microsoft 2025)")
        width = max(len(r.requirement) for r in audit.checklist)
        for row in audit.checklist:
            note = f"  ({row.note})" if row.note and row.status != "pass" else ""
            lines.append(f"    {_STATUS.get(row.status, row.status):<13} {row.requirement:<{width}}{note}")
    lines.append(f"  {len(audit.findings)} findings in {audit.elapsed:.2f} s")
    return "\n".join(lines) + "\n\n"
