"""The bulk-sender checklist: Gmail / Yahoo (February 2024), Microsoft Outlook.com (5 May 2025) and Apple
iCloud requirements as one table (the rules are data: ``knowledge/bulk_senders.toml``, with the dates
each provider began or stopped asking), each row derived from the audit's findings. Pure.

A failed row names the reply each provider that asks for it gives (``550-5.7.27`` ...), so the
checklist of ``domain`` and ``explain`` of that reply tell the same story; :func:`predicted_reply` is
the first of them a provider's receiver would send.

A row's status: ``pass``, ``fail``, ``warn`` (works, but weak), ``unknown`` (the lookup failed, or the
audit could not find out), ``not-tested`` (not visible in DNS: needs ``--ip``, a message or a live probe).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Iterable

from ..core.bulk_rules import Rule, provider_name, rules
from ..core.model import Finding, Severity
from ..core.serialize import JsonMixin

__all__ = ["ChecklistRow", "build_checklist", "predicted_reply", "rule_for_reply", "rule_note"]


@dataclass(frozen=True, slots=True, kw_only=True)
class ChecklistRow(JsonMixin):
    key: str
    requirement: str
    who: tuple[str, ...]
    status: str
    findings: tuple[str, ...] = ()
    note: str = ""
    replies: tuple[tuple[str, str], ...] = ()  # failed: (provider id, the reply it gives), in rule order
    withdrawn: tuple[str, ...] = ()  # "Gmail bulk senders (withdrawn 2026-03-11)": who no longer asks

    def to_json(self) -> dict:
        return {"key": self.key, "requirement": self.requirement, "who": list(self.who), "status": self.status,
                "findings": list(self.findings), "note": self.note,
                "replies": [{"provider": p, "reply": r} for p, r in self.replies], "withdrawn": list(self.withdrawn)}


def build_checklist(findings: Iterable[Finding], *, today: dt.date | None = None,
                    domain: str = "") -> tuple[ChecklistRow, ...]:
    """The rows that some provider asks for on ``today`` (default: the current date), in rule order."""
    findings = tuple(findings)
    day = today or dt.date.today()
    active = [rule for rule in rules() if rule.active(day)]
    base = {rule.key: _row(rule, findings) for rule in rules() if not rule.of}  # derived rows read these
    return tuple(_with_providers(_derived(rule, base) if rule.of else base[rule.key], rule, day, domain)
                 for rule in active)


def predicted_reply(rows: Iterable[ChecklistRow], provider: str) -> str | None:
    """What ``provider``'s receiver answers: the reply of the first failed row it has a reply for."""
    for row in rows:
        if row.status == "fail":
            for who, reply in row.replies:
                if who == provider:
                    return reply
    return None


def rule_for_reply(provider: str, status: str, *, today: dt.date | None = None) -> Rule | None:
    """The first rule whose failure makes ``provider`` answer with enhanced status ``status`` (``5.7.27``)."""
    day = today or dt.date.today()
    for rule in rules():
        version = rule.version(provider, day)
        if version is not None and version.reply and _STATUS.search(version.reply).group(0) == status:
            return rule
    return None


_STATUS = re.compile(r"[245]\.\d{1,3}\.\d{1,3}")


def rule_note(provider: str | None, status: str | None, *, today: dt.date | None = None) -> str | None:
    """One sentence tying a provider's reply to its bulk-sender rules, the rows `domain` shows; else None."""
    if not provider or not status:
        return None
    day = today or dt.date.today()
    found = [(rule, rule.version(provider, day)) for rule in rules()]
    found = [(r, v) for r, v in found if v is not None and v.reply and _STATUS.search(v.reply).group(0) == status]
    if not found:
        return None
    names = " or ".join(f"\"{r.text}\"" for r, _ in found)
    since = found[0][1].since
    return (f"This is {provider_name(provider)}'s bulk-sender rule {names}"
            f"{f' (since {since.isoformat()})' if since else ''}: `smtpdoctor domain` checks it in its "
            f"bulk-sender checklist.")


def _with_providers(row: ChecklistRow, rule: Rule, day: dt.date, domain: str) -> ChecklistRow:
    active = rule.active(day)
    replies = tuple((p.provider, p.reply.replace("{domain}", domain or "the domain"))
                    for p in active if p.reply) if row.status == "fail" else ()
    withdrawn = tuple(f"{p.label()} (withdrawn {p.withdrawn.isoformat()})" for p in rule.withdrawn(day))
    return ChecklistRow(key=row.key, requirement=row.requirement, who=tuple(p.label() for p in active),
                        status=row.status, findings=row.findings, note=row.note, replies=replies, withdrawn=withdrawn)


def _derived(rule: Rule, done: dict[str, ChecklistRow]) -> ChecklistRow:
    parts = [done[k] for k in rule.of if k in done]
    statuses = {p.status for p in parts}
    if parts and statuses == {"fail"}:
        status = "fail"
    elif "pass" in statuses or "warn" in statuses:
        status = "pass"
    else:
        status = "unknown" if "unknown" in statuses else "not-tested"
    findings = tuple(dict.fromkeys(f for p in parts for f in p.findings))
    note = "; ".join(p.note for p in parts if p.note) if status == "fail" else ""
    return ChecklistRow(key=rule.key, requirement=rule.text, who=(), status=status, findings=findings, note=note)


def _row(req: Rule, findings: tuple[Finding, ...]) -> ChecklistRow:
    mine = [f for f in findings if f.id.startswith(req.areas) and f.id not in req.ignore]
    ids = tuple(dict.fromkeys(f.id for f in mine))
    row = dict(key=req.key, requirement=req.text, who=(), findings=ids)
    if not mine:
        return ChecklistRow(status="not-tested", note=req.untested, **row)
    if any(f.id in req.fails for f in mine) or any(f.severity is Severity.ERROR for f in mine):
        return ChecklistRow(status="fail", note=_title(mine, Severity.ERROR), **row)
    if any(f.id in req.unknown for f in mine) or any(f.id.endswith("lookup-failed") for f in mine):
        return ChecklistRow(status="unknown", note=_title(mine, Severity.WARNING), **row)
    passed = any(f.id in req.passes for f in mine) if req.passes else any(f.severity is Severity.OK for f in mine)
    if any(f.severity is Severity.WARNING for f in mine):
        return ChecklistRow(status="warn" if passed or not req.passes else "unknown",
                            note=_title(mine, Severity.WARNING), **row)
    if passed:
        return ChecklistRow(status="pass", **row)
    return ChecklistRow(status="unknown", note=_title(mine, Severity.INFO), **row)


def _title(findings: list[Finding], severity: Severity) -> str:
    for f in findings:
        if f.severity is severity:
            return f.title
    return findings[0].title if findings else ""
