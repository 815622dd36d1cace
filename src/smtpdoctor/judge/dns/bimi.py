"""BIMI (the ``default._bimi`` TXT record): syntax, the logo (``l=``, an HTTPS SVG) and the mark
certificate (``a=``, an HTTPS PEM: a VMC or CMC, which Gmail and Apple require to show the logo), and the
DMARC policy BIMI needs (quarantine or reject, at 100 %). The files, once fetched, are judged by
:mod:`smtpdoctor.judge.dns.bimi_files`. Pure."""

from __future__ import annotations

from ...core import catalogue
from ...core.observations import DnsResult
from ...core.model import Finding
from ...protocol.dmarc import DmarcPolicy
from .facts import one_record, versioned_tags
from ...protocol.tags import parse_tags

__all__ = ["bimi_locations", "bimi_records", "check_bimi"]


def bimi_records(result: DnsResult) -> tuple[str, ...]:
    return tuple(r for r in result.records if r.strip().lower().startswith("v=bimi1"))


def bimi_locations(txt: DnsResult) -> tuple[str | None, str | None]:
    """The https:// logo (l=) and certificate (a=) URLs of the one BIMI record, to fetch; else None."""
    records = bimi_records(txt)
    if len(records) != 1:
        return None, None
    tags = parse_tags(records[0])
    return tuple(v if v and v.lower().startswith("https://") else None  # type: ignore[return-value]
                 for v in (tags.get("l"), tags.get("a")))


def check_bimi(domain: str, txt: DnsResult, dmarc: DmarcPolicy | None, *, subdomain: bool = False) -> tuple[Finding, ...]:
    name = f"default._bimi.{domain}"
    records = bimi_records(txt)
    if (stop := one_record("bimi", "the BIMI record", txt, records, domain=domain, name=name)) is not None:
        return (stop,)
    tags, problems = versioned_tags(records[0], "BIMI1")
    logo, cert = tags.get("l"), tags.get("a")
    if logo is None and cert is None:
        problems.append("neither l= (logo) nor a= (certificate) is present")
    findings: list[Finding] = []
    if problems:
        findings.append(catalogue.make("bimi.invalid", name=name, problems="; ".join(problems)))
    if logo == "" and not cert:
        findings.append(catalogue.make("bimi.declined", domain=domain))
        return tuple(findings)
    for tag, value, suffix in (("l", logo, ".svg"), ("a", cert, ".pem")):
        if not value:
            continue
        if not value.lower().startswith("https://"):
            findings.append(catalogue.make("bimi.location-not-https", tag=tag, url=value[:200]))
        elif not value.lower().split("?")[0].endswith(suffix):
            findings.append(catalogue.make("bimi.location-suffix", tag=tag, url=value[:200], suffix=suffix))
    if not cert:
        findings.append(catalogue.make("bimi.no-vmc", domain=domain))
    if dmarc is not None:
        policy = dmarc.effective_policy(subdomain=subdomain)
        if policy == "none" or dmarc.pct < 100:
            findings.append(catalogue.make("bimi.dmarc-too-weak", policy=policy, pct=dmarc.pct))
    else:
        findings.append(catalogue.make("bimi.dmarc-too-weak", policy="missing", pct=0))
    if not any(f.severity.rank >= 2 for f in findings):
        findings.append(catalogue.make("bimi.ok", name=name, logo=logo or "-", cert=cert or "-"))
    return tuple(findings)
