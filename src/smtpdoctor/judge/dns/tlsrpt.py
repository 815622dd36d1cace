"""SMTP TLS Reporting (RFC 8460): the ``_smtp._tls`` TXT record. Pure."""

from __future__ import annotations

from ...core import catalogue
from ...core.observations import DnsResult
from ...core.model import Finding
from .facts import could_not_test
from ...protocol.tags import parse_tags

__all__ = ["tlsrpt_records", "check_tlsrpt"]


def tlsrpt_records(result: DnsResult) -> tuple[str, ...]:
    return tuple(r for r in result.records if r.strip().lower().startswith("v=tlsrptv1"))


def check_tlsrpt(domain: str, txt: DnsResult) -> tuple[Finding, ...]:
    name = f"_smtp._tls.{domain}"
    if txt.outcome.is_failure:
        return (could_not_test("tlsrpt", "the TLS-RPT record", txt),)
    records = tlsrpt_records(txt)
    if not records:
        return (catalogue.make("tlsrpt.missing", domain=domain),)
    if len(records) > 1:
        return (catalogue.make("tlsrpt.several-records", name=name, count=len(records)),)
    tags = parse_tags(records[0])
    problems = list(tags.problems)
    if tags.names[:1] != ("v",) or tags.get("v") != "TLSRPTv1":
        problems.append("the record must start with v=TLSRPTv1")
    rua = tags.get("rua")
    if not rua:
        problems.append("the required rua= tag (where reports go) is missing")
    else:
        for uri in (u.strip() for u in rua.split(",")):
            low = uri.lower()
            if not (low.startswith("mailto:") and "@" in uri) and not low.startswith("https://"):
                problems.append(f"rua entry {uri[:60]!r} is neither mailto:address nor https://")
    if problems:
        return (catalogue.make("tlsrpt.invalid", name=name, problems="; ".join(problems),
                               evidence={"record": records[0][:512], "problems": problems}),)
    return (catalogue.make("tlsrpt.ok", name=name, rua=rua),)
