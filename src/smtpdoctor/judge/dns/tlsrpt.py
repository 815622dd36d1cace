"""SMTP TLS Reporting (RFC 8460): the ``_smtp._tls`` TXT record. Pure."""

from __future__ import annotations

import re

from ...core import catalogue
from ...core.observations import DnsResult
from ...core.model import Finding
from .facts import one_record, versioned_tags

__all__ = ["rua_problem", "tlsrpt_records", "check_tlsrpt"]


def tlsrpt_records(result: DnsResult) -> tuple[str, ...]:
    return tuple(r for r in result.records if r.strip().lower().startswith("v=tlsrptv1"))


# Compiled by ``re`` (and kept in its cache) when a record has a rua= to read, not at import (~1 ms: issue 16).
_MAILTO = r"mailto:[^@\s,;!]+@[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)+\Z"
_HTTPS = r"https://[a-z0-9.-]+\.[a-z0-9-]+(?::\d{1,5})?(?:/[^\s,;]*)?\Z"


def rua_problem(uri: str) -> str | None:
    """Why ``uri`` is not a usable TLS-RPT rua= destination (RFC 8460 §3: mailto: or https:), or None."""
    low = uri.lower()
    if low.startswith("mailto:"):
        if "!" in uri:
            return f"rua entry {uri[:60]!r} has a size limit (!), which TLS-RPT does not define (DMARC does)"
        if re.match(_MAILTO, uri, re.IGNORECASE):
            return None
        return f"rua entry {uri[:60]!r} is not mailto:local@domain.example"
    if low.startswith("https://"):
        if re.match(_HTTPS, uri, re.IGNORECASE):
            return None
        return f"rua entry {uri[:60]!r} is not an https:// URL with a host name"
    return f"rua entry {uri[:60]!r} is neither mailto:address nor https://"


def check_tlsrpt(domain: str, txt: DnsResult) -> tuple[Finding, ...]:
    name = f"_smtp._tls.{domain}"
    records = tlsrpt_records(txt)
    if (stop := one_record("tlsrpt", "the TLS-RPT record", txt, records, domain=domain, name=name)) is not None:
        return (stop,)
    tags, problems = versioned_tags(records[0], "TLSRPTv1")
    rua = tags.get("rua")
    if not rua:
        problems.append("the required rua= tag (where reports go) is missing")
    else:
        for uri in (u.strip() for u in rua.split(",")):
            if problem := rua_problem(uri):
                problems.append(problem)
    if problems:
        return (catalogue.make("tlsrpt.invalid", name=name, problems="; ".join(problems),
                               evidence={"record": records[0][:512], "problems": problems}),)
    return (catalogue.make("tlsrpt.ok", name=name, rua=rua),)
