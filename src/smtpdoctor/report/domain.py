"""How the domain audit reads as text (the CLI and the web page print the same)."""

from __future__ import annotations

from ..core.bulk_rules import provider_name

from ..core.catalogue import area_of
from ..core.text import strip_control

__all__ = ["render_text", "verdict_line"]


_GLYPH = {"error": "✗", "warning": "!", "info": "·", "ok": "✓"}


_STATUS = {"pass": "✓ pass", "fail": "✗ FAIL", "warn": "! warn", "unknown": "? unknown", "not-tested": "- not tested"}


def verdict_line(verdict) -> str:
    """The verdict, first: what a reader (or a CI log) needs before the details."""
    if verdict.inconclusive:
        return f"VERDICT: inconclusive ({verdict.category.value} could not be tested): {verdict.summary}"
    if verdict.finding is None:
        return f"VERDICT: ok. {verdict.summary}"
    return f"VERDICT: {verdict.category.value} (confidence: {verdict.confidence}): {verdict.summary}  [{verdict.finding}]"


def render_text(audit) -> str:
    from ..flows.domain import AREA_ORDER

    title = audit.domain or audit.given
    if audit.unicode:
        title += f" ({audit.unicode})"
    lines = [f"== {title}" + (f"  [sending IP {audit.ip}]" if audit.ip else ""), "  " + verdict_line(audit.verdict)]
    order = {a: i for i, a in enumerate(AREA_ORDER)}
    findings = sorted(audit.findings, key=lambda f: order.get(area_of(f.id), 99))
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
        lines.append("  BULK-SENDER CHECKLIST (Gmail/Yahoo 2024, Microsoft 2025, Apple iCloud)")
        width = max(len(r.requirement) for r in audit.checklist)
        for row in audit.checklist:
            note = f"  ({row.note})" if row.note and row.status != "pass" else ""
            lines.append(f"    {_STATUS.get(row.status, row.status):<13} {row.requirement:<{width}}{note}")
            for provider, reply in row.replies:
                lines.append(f"        {provider_name(provider)} answers: {reply.replace(chr(10), ' ')}")
            for gone in row.withdrawn:
                lines.append(f"        no longer asked by {gone}")
    count = len(audit.findings)
    lines.append(f"  {count} finding{'' if count == 1 else 's'} in {audit.elapsed:.2f} s")
    return strip_control("\n".join(lines) + "\n\n")  # records and names come from DNS
