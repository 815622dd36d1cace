"""Pure tallies and checks over DMARC aggregate and TLS-RPT reports: per sending source the volume and the
pass and alignment rates, each source classed (compliant, forwarded, a known service not set up, unknown),
the rejections Google writes into reports read with the project's one reply classifier, TLS failures by
result type and receiving MX. Records in, findings out; the tallies are updated one report at a time,
so memory grows with the number of distinct sources and days, not with the number of reports.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from dataclasses import dataclass, field
from functools import cache

from ..core import catalogue
from ..core.model import Finding
from ..core.toml_cache import knowledge_toml
from ..protocol.dmarc_report import AggregateReport
from ..protocol.tlsrpt import TlsReport

__all__ = ["SourceStats", "DmarcTally", "TlsTally", "Service", "service_for", "classify_source",
           "dmarc_findings", "tls_findings", "COMPLIANT_RATE", "FORWARD_REASONS"]

COMPLIANT_RATE = 0.98  # a source whose mail passes DMARC this often is compliant (a few forwards fail)
FORWARD_REASONS = frozenset({"forwarded", "trusted_forwarder", "mailing_list"})
_REPLY = re.compile(r"\b([45]\d\d)[ -]([45]\.\d{1,3}\.\d{1,3})\b")


@dataclass(frozen=True, slots=True)
class Service:
    key: str
    name: str
    kind: str  # esp, mailbox, forwarder
    setup: str


@cache
def _services() -> tuple[tuple[str, Service], ...]:
    out = []
    for key, raw in knowledge_toml("senders.toml").items():
        svc = Service(key=key, name=raw["name"], kind=raw["kind"], setup=raw.get("setup", ""))
        out += [(suffix.lower(), svc) for suffix in raw["ptr_suffixes"]]
    return tuple(sorted(out, key=lambda p: -len(p[0])))


def service_for(ptr: str | None) -> Service | None:
    if not ptr:
        return None
    name = ptr.lower().rstrip(".")
    return next((svc for suffix, svc in _services() if name == suffix or name.endswith("." + suffix)), None)


@dataclass(slots=True)
class SourceStats:
    ip: str
    messages: int = 0
    dmarc_pass: int = 0
    dkim_aligned: int = 0
    spf_aligned: int = 0
    dkim_auth: int = 0  # any DKIM signature passed (aligned or not)
    spf_auth: int = 0
    forwarded_hint: int = 0
    dispositions: Counter = field(default_factory=Counter)
    header_from: Counter = field(default_factory=Counter)
    reporters: Counter = field(default_factory=Counter)
    # (the reporter's names, the reply text written into its report) -> messages: the reporter says whose
    # codes the reply uses (Google's 550-5.7.30 is DKIM, an RFC's x.7.30 is REQUIRETLS)
    rejections: Counter = field(default_factory=Counter)
    ptr: str | None = None

    @property
    def rate(self) -> float:
        return self.dmarc_pass / self.messages if self.messages else 0.0

    def to_json(self, cls: str, service: Service | None) -> dict:
        n = self.messages or 1
        return {"ip": self.ip, "ptr": self.ptr, "service": service.name if service else None, "class": cls,
                "messages": self.messages, "dmarc_pass": self.dmarc_pass, "dmarc_rate": round(self.dmarc_pass / n, 4),
                "dkim_aligned_rate": round(self.dkim_aligned / n, 4), "spf_aligned_rate": round(self.spf_aligned / n, 4),
                "dkim_pass_rate": round(self.dkim_auth / n, 4), "spf_pass_rate": round(self.spf_auth / n, 4),
                "dispositions": dict(self.dispositions), "header_from": dict(self.header_from.most_common(5)),
                "reporters": dict(self.reporters.most_common(5))}


def classify_source(stats: SourceStats, service: Service | None) -> str:
    """compliant, forwarded, service-not-set-up (a known service that is not yet set up), or unknown."""
    if stats.rate >= COMPLIANT_RATE:
        return "compliant"
    if stats.forwarded_hint or (service is not None and service.kind in ("mailbox", "forwarder")):
        return "forwarded"
    if service is not None:
        return "service-not-set-up"
    return "unknown"


@dataclass(slots=True)
class DmarcTally:
    reports: int = 0
    records: int = 0
    messages: int = 0
    dmarc_pass: int = 0
    domains: Counter = field(default_factory=Counter)
    policies: Counter = field(default_factory=Counter)
    sources: dict[str, SourceStats] = field(default_factory=dict)
    days: dict[str, list[int]] = field(default_factory=dict)  # YYYY-MM-DD -> [messages, dmarc pass]

    def add(self, report: AggregateReport) -> None:
        self.reports += 1
        self.domains[report.domain] += 1
        self.policies[report.p or "?"] += 1
        day = dt.datetime.fromtimestamp(report.begin, dt.timezone.utc).strftime("%Y-%m-%d")
        bucket = self.days.setdefault(day, [0, 0])
        reporter = report.org_name or "?"
        names = f"{report.org_name} {report.email.rpartition('@')[2]}".lower().strip()
        for rec in report.records:
            self.records += 1
            self.messages += rec.count
            s = self.sources.get(rec.source_ip)
            if s is None:
                s = self.sources[rec.source_ip] = SourceStats(rec.source_ip)
            s.messages += rec.count
            s.reporters[reporter] += rec.count
            s.header_from[rec.header_from or report.domain] += rec.count
            s.dispositions[rec.disposition or "none"] += rec.count
            bucket[0] += rec.count
            if rec.dmarc_pass:
                self.dmarc_pass += rec.count
                s.dmarc_pass += rec.count
                bucket[1] += rec.count
            s.dkim_aligned += rec.count if rec.dkim == "pass" else 0
            s.spf_aligned += rec.count if rec.spf == "pass" else 0
            s.dkim_auth += rec.count if any(r == "pass" for _, _, r in rec.dkim_results) else 0
            s.spf_auth += rec.count if any(r == "pass" for _, _, r in rec.spf_results) else 0
            for kind, comment in rec.reasons:
                if kind in FORWARD_REASONS or "arc=pass" in comment.lower().replace(" ", ""):
                    s.forwarded_hint += rec.count
                if _REPLY.search(comment):
                    s.rejections[(names, comment[:300])] += rec.count


@dataclass(slots=True)
class TlsTally:
    reports: int = 0
    successful: int = 0
    failed: int = 0
    domains: Counter = field(default_factory=Counter)
    by_type: Counter = field(default_factory=Counter)
    by_mx: Counter = field(default_factory=Counter)  # (receiving MX, result type) -> failed sessions

    def add(self, report: TlsReport) -> None:
        self.reports += 1
        for p in report.policies:
            self.domains[p.policy_domain] += 1
            self.successful += p.successful
            self.failed += p.failed
            for f in p.failures:
                self.by_type[f.result_type or "?"] += f.count
                self.by_mx[(f.receiving_mx or f.receiving_ip or "?", f.result_type or "?")] += f.count


def _pct(part: int, whole: int) -> str:
    return f"{100 * part / whole:.1f} %" if whole else "n/a"


def _rejection_findings(stats: SourceStats) -> list[Finding]:
    from .reply import classify

    out = []
    for (reporter, text), messages in stats.rejections.most_common(3):
        m = _REPLY.search(text)
        exp = classify(int(m.group(1)), text, enhanced=m.group(2), phase="data", host=reporter)
        out.append(catalogue.make("dmarc-report.rejected", ip=stats.ip, messages=messages, reply=text[:200],
                                  summary=exp.summary, reason=exp.reason,
                                  remedy=tuple(exp.remedy) or None,
                                  evidence={"ip": stats.ip, "reply": text, "explanation": exp.to_json()}))
    return out


def dmarc_findings(tally: DmarcTally, ptrs: dict[str, str | None]) -> list[Finding]:
    if not tally.reports:
        return []
    domains = ", ".join(d for d, _ in tally.domains.most_common(3))
    out = [catalogue.make("dmarc-report.summary", reports=tally.reports, messages=tally.messages,
                          sources=len(tally.sources), domains=domains, rate=_pct(tally.dmarc_pass, tally.messages))]
    groups: dict[str, list[tuple[SourceStats, Service | None]]] = {}
    for s in tally.sources.values():
        s.ptr = ptrs.get(s.ip, s.ptr)
        svc = service_for(s.ptr)
        groups.setdefault(classify_source(s, svc), []).append((s, svc))
        out += _rejection_findings(s)
    def total(items):
        return sum(s.messages - s.dmarc_pass for s, _ in items)
    if "compliant" in groups:
        items = groups["compliant"]
        out.append(catalogue.make("dmarc-report.compliant", count=len(items), messages=sum(s.messages for s, _ in items)))
    by_service: dict[str, list[tuple[SourceStats, Service]]] = {}
    for s, svc in groups.get("service-not-set-up", []):
        by_service.setdefault(svc.key, []).append((s, svc))
    for items in by_service.values():
        svc = items[0][1]
        out.append(catalogue.make("dmarc-report.service-not-set-up", service=svc.name, domain=domains,
                                  count=len(items), messages=total(items), extra_remedy=(svc.setup,) if svc.setup else (),
                                  evidence={"ips": [s.ip for s, _ in items][:50]}))
    if "forwarded" in groups:
        items = groups["forwarded"]
        out.append(catalogue.make("dmarc-report.forwarded", count=len(items), messages=total(items),
                                  evidence={"ips": [s.ip for s, _ in items][:50]}))
    if "unknown" in groups:
        items = sorted(groups["unknown"], key=lambda p: -p[0].messages)
        out.append(catalogue.make("dmarc-report.unknown-senders", count=len(items), messages=total(items),
                                  domain=domains, top=", ".join(f"{s.ip} ({s.messages})" for s, _ in items[:5]),
                                  evidence={"ips": [s.ip for s, _ in items][:50]}))
    return out


def tls_findings(tally: TlsTally) -> list[Finding]:
    if not tally.reports:
        return []
    total = tally.successful + tally.failed
    domains = ", ".join(d for d, _ in tally.domains.most_common(3))
    if not tally.failed:
        return [catalogue.make("tls-report.ok", reports=tally.reports, sessions=total, domains=domains)]
    types = ", ".join(f"{t} ({n})" for t, n in tally.by_type.most_common(5))
    mx = ", ".join(f"{m}: {t} ({n})" for (m, t), n in tally.by_mx.most_common(5))
    return [catalogue.make("tls-report.failures", failed=tally.failed, total=total, rate=_pct(tally.failed, total),
                           domains=domains, types=types, mx=mx,
                           evidence={"by_type": dict(tally.by_type),
                                     "by_mx": [{"mx": m, "type": t, "sessions": n} for (m, t), n in tally.by_mx.items()]})]
