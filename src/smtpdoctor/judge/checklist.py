"""The bulk-sender checklist: Gmail / Yahoo (February 2024) and Microsoft Outlook.com (May 2025)
requirements as one table, each row derived from the audit's findings. Pure.

A row's status: ``pass``, ``fail``, ``warn`` (works, but weak), ``unknown`` (the lookup failed, or the
audit could not find out), ``not-tested`` (not visible in DNS: needs ``--ip``, a message or a live probe).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

from ..core.model import Finding, Severity
from ..core.serialize import JsonMixin

__all__ = ["ChecklistRow", "Requirement", "REQUIREMENTS", "build_checklist"]


@dataclass(frozen=True, slots=True, kw_only=True)
class Requirement:
    key: str
    text: str
    who: tuple[str, ...]
    areas: tuple[str, ...]  # finding id prefixes that decide the row
    passes: tuple[str, ...] = ()  # ids that mean "met" (when no error/warning of the areas is present)
    fails: tuple[str, ...] = ()  # ids that mean "not met" whatever their severity
    unknown: tuple[str, ...] = ()  # ids that mean "could not find out"
    ignore: tuple[str, ...] = ()  # ids of the areas that do not bear on this requirement
    untested: str = ""  # why the row is not-tested when none of its findings is present


REQUIREMENTS: tuple[Requirement, ...] = (
    Requirement(key="spf", text="SPF record published and valid",
                who=("Gmail all senders (SPF or DKIM)", "Yahoo all senders", "Gmail/Yahoo bulk", "Microsoft bulk"),
                areas=("spf.",), untested="the SPF audit did not run"),
    Requirement(key="dkim", text="DKIM key published, at least 1024 bits",
                who=("Gmail all senders (SPF or DKIM)", "Yahoo all senders", "Gmail/Yahoo bulk", "Microsoft bulk"),
                areas=("dkim.",), passes=("dkim.key-ok", "dkim.key-1024"),
                fails=("dkim.key-weak", "dkim.none-published", "dkim.selector-missing", "dkim.key-invalid"),
                unknown=("dkim.not-found",), untested="no DKIM selector was checked"),
    Requirement(key="dmarc", text="DMARC record published (p=none at least)",
                who=("Gmail/Yahoo bulk", "Microsoft bulk"),
                areas=("dmarc.",), passes=("dmarc.ok", "dmarc.policy-none", "dmarc.no-rua", "dmarc.obsolete-tag",
                        "dmarc.test-mode"),
                fails=("dmarc.missing", "dmarc.syntax", "dmarc.several-records", "dmarc.not-dmarc")),
    Requirement(key="alignment", text="From: domain aligned with the SPF or DKIM domain",
                who=("Gmail/Yahoo bulk", "Microsoft bulk"),
                areas=("dkim.signature-",), passes=("dkim.signature-valid",),
                fails=("dkim.signature-unaligned",),
                untested="needs a sample message (--eml FILE)"),
    Requirement(key="ptr", text="Sending IP has a PTR that forward-confirms (FCrDNS), not generic",
                who=("Gmail all senders", "Yahoo all senders"),
                areas=("ptr.",), passes=("ptr.ok",), fails=("ptr.missing", "ptr.not-confirmed"),
                ignore=("ptr.helo-mismatch", "ptr.banner-mismatch"),
                untested="needs the sending IP (--ip)"),
    Requirement(key="tls", text="Mail sent over TLS", who=("Gmail all senders",), areas=("tls.",),
                untested="checked by `smtpdoctor diagnose` against the sending server"),
    Requirement(key="unsubscribe", text="One-click unsubscribe (RFC 8058) in marketing mail",
                who=("Gmail/Yahoo bulk",), areas=("unsubscribe.",), untested="a property of each message"),
    Requirement(key="spam-rate", text="Spam complaint rate below 0.3 %",
                who=("Gmail/Yahoo bulk", "Microsoft bulk"), areas=("spam-rate.",),
                untested="visible only in Postmaster Tools / SNDS"),
)


@dataclass(frozen=True, slots=True, kw_only=True)
class ChecklistRow(JsonMixin):
    key: str
    requirement: str
    who: tuple[str, ...]
    status: str
    findings: tuple[str, ...] = ()
    note: str = ""


def build_checklist(findings: Iterable[Finding]) -> tuple[ChecklistRow, ...]:
    findings = tuple(findings)
    return tuple(_row(req, findings) for req in REQUIREMENTS)


def _row(req: Requirement, findings: tuple[Finding, ...]) -> ChecklistRow:
    mine = [f for f in findings if f.id.startswith(req.areas) and f.id not in req.ignore]
    ids = tuple(dict.fromkeys(f.id for f in mine))
    row = dict(key=req.key, requirement=req.text, who=req.who, findings=ids)
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
