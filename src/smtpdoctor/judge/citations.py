"""Recognise a server reply that rejects mail citing a block list (``554 5.7.1 Service unavailable; Client
host [192.0.2.1] blocked using zen.spamhaus.org``, Microsoft ``S3150``, a Spamhaus lookup URL ...) and say
which list and how to get off it. Pure: the patterns are data in ``knowledge/dnsbl.toml``.
"""

from __future__ import annotations

import ipaddress
import re
from functools import cache

from ..core import catalogue as findings
from ..core.citation import ListingCitation
from ..core.model import Finding
from ..core.dnsbl_zones import Catalogue, catalogue

__all__ = ["ListingCitation", "rejection_cites_listing", "citation_finding"]

_MAX_TEXT = 20_000  # a reply longer than this is looked at only in its first part
_IPV4 = re.compile(r"(?<![\d.])(\d{1,3}(?:\.\d{1,3}){3})(?![\d.])")
_BRACKETED = re.compile(r"\[(\d{1,3}(?:\.\d{1,3}){3})\]")


@cache
def _compiled(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.IGNORECASE)


def _address(text: str) -> str | None:
    """The client address a reply names: ``[192.0.2.1]`` first (Postfix, Microsoft), else the first
    address outside 127.0.0.0/8 (which holds list return codes, not clients)."""
    for m in _BRACKETED.finditer(text):
        try:
            return str(ipaddress.IPv4Address(m.group(1)))
        except ValueError:
            continue
    for m in _IPV4.finditer(text):
        try:
            ip = ipaddress.IPv4Address(m.group(1))
        except ValueError:
            continue
        if not ip.is_loopback:
            return str(ip)
    return None


def rejection_cites_listing(text: str, *, cat: Catalogue | None = None) -> ListingCitation | None:
    """The list a rejection cites, or None when it cites none."""
    if not text:
        return None
    cat = cat or catalogue()
    text = text[:_MAX_TEXT]
    for c in cat.citations:
        m = _compiled(c.pattern).search(text)
        if m is None:
            continue
        cited = (m.groupdict().get("zone") or c.zone or "").rstrip(".").lower() or None
        address = _address(text)
        if c.list and not cited:  # a list that is not a DNS zone (Microsoft's), or one not named
            return ListingCitation(list=c.list, zone=None, address=address, delist=c.delist,
                                   advice=c.advice or "Ask the receiver's postmaster how to get delisted.",
                                   matched=m.group(0), known=not c.generic)
        if cited is None:
            continue
        zone = cat.related(cited)
        dead = cat.dead_reason(cited)
        if zone is not None:
            return ListingCitation(
                list=zone.label if zone.name == cited else f"{cited} ({zone.operator or zone.label})",
                zone=cited, address=address, delist=zone.delist,
                advice=zone.first_step or f"Look the address up at {zone.delist} and request removal.",
                matched=m.group(0), known=True)
        if dead is not None:
            return ListingCitation(
                list=cited, zone=cited, address=address, delist=None, matched=m.group(0), known=False,
                retired=dead.reason,
                advice=(f"The receiver still uses {cited}, which smtpdoctor knows as dead ({dead.reason}); "
                        "tell the receiver's postmaster, since the listing is not meaningful."))
        return ListingCitation(
            list=cited, zone=cited, address=address, delist=None, matched=m.group(0), known=False,
            advice=(f"Look the address up on the list's web site ({cited}), fix the cause and request removal; "
                    f"smtpdoctor blacklist {address or 'IP'} --dnsbl {cited} checks it directly."))
    return None


def citation_finding(citation: ListingCitation, *, reply: str) -> Finding:
    """The ``dnsbl.rejected-citing-list`` finding for a reply the diagnose engine saw."""
    remedy = [citation.advice]
    if citation.delist:
        zone = catalogue().related(citation.zone) if citation.zone else None
        rules = f" The list's rules: {zone.delisting.text()}." if zone is not None and zone.delisting else ""
        remedy.append(f"Delisting: {citation.delist}.{rules}")
    return findings.make(
        "dnsbl.rejected-citing-list",
        remedy=remedy,
        evidence={"reply": reply[:2000], **citation.to_json()},
        list=citation.list, reply=" ".join(reply.split())[:500],
        address_text=f" for {citation.address}" if citation.address else "",
    )
