"""DNSSEC validation done by the tool itself, from a trust anchor down the chain it fetched (RFC 4035 §5).

The answers (DNSKEY, DS and SOA of the root and of every parent of the domain, and one answer about the
domain) come from the resolver with the DO bit set, so they carry their RRSIGs. Starting at the root's
DNSKEY set, which must hold a key matching a trust anchor (the IANA root KSK from
``knowledge/dnssec.toml``, or the anchors given), each zone cut down to the domain is checked: the DS set,
signed by the parent's keys; a DNSKEY matching that DS; the DNSKEY set, signed by that key; and at last
the answer, signed by the domain's zone. The first step that fails is the broken link, named with the
reason (an expired RRSIG, a signature that does not verify, a DS that matches no key).

A resolver that strips DNSSEC data (no RRSIG beside a DNSKEY set) makes the chain impossible to check:
"stripped", which is "could not test", never "bogus". The signature arithmetic is dnspython's
``dns.dnssec.validate``; this module only walks the chain. Pure (no I/O; ``now`` is given).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cache
from typing import Mapping, Sequence

from ..core.observations import DnsResult

__all__ = ["BrokenLink", "ChainValidation", "validate_chain", "root_anchors"]


@cache
def root_anchors() -> tuple[str, ...]:
    """The DS rdata of the root's key-signing keys (IANA), from knowledge/dnssec.toml."""
    from ..core.toml_cache import knowledge_toml

    return tuple(a["ds"] for a in knowledge_toml("dnssec.toml")["root_anchor"])


@dataclass(frozen=True, slots=True, kw_only=True)
class BrokenLink:
    name: str  # the owner whose records fail ("." for the root)
    rdtype: str  # DNSKEY, DS, or the answer's type
    reason: str

    def to_json(self) -> dict:
        return {"name": self.name, "type": self.rdtype, "reason": self.reason}


@dataclass(frozen=True, slots=True, kw_only=True)
class ChainValidation:
    # secure: validated to the domain; insecure: the chain ends in an unsigned delegation (at ``zone``);
    # bogus: ``broken`` says where; stripped: the resolver gave no signatures; no-anchor: the root key is
    # not a trust anchor (a private root); failed: a lookup of the chain failed
    status: str
    zone: str | None = None  # the last zone validated
    broken: BrokenLink | None = None
    checked: tuple[str, ...] = ()  # what was verified, in order ("DNSKEY .", "DS test", ...)

    def to_json(self) -> dict:
        return {"method": "chain" if self.status in ("secure", "insecure", "bogus") else "none",
                "status": self.status, "zone": self.zone,
                "broken": self.broken.to_json() if self.broken else None, "checked": list(self.checked)}


def _name(name: str):
    import dns.name

    return dns.name.from_text(name if name not in ("", ".") else ".")


def _rrset(owner: str, rdtype: str, result: DnsResult):
    import dns.rrset

    return dns.rrset.from_text_list(_name(owner), result.ttl or 0, "IN", rdtype, list(result.records))


def _sigs(owner: str, result: DnsResult):
    import dns.rrset

    return dns.rrset.from_text_list(_name(owner), result.ttl or 0, "IN", "RRSIG", list(result.signatures))


def _verify(owner: str, rdtype: str, result: DnsResult, signer: str, keys, now: float) -> BrokenLink | None:
    """None when one RRSIG over the records verifies with ``keys`` (the DNSKEY rrset of ``signer``)."""
    import dns.dnssec

    if not result.signatures:
        return BrokenLink(name=owner, rdtype=rdtype, reason=f"no RRSIG, though {signer} is signed")
    sigs = _sigs(owner, result)
    for sig in sigs:
        if now > sig.expiration:
            when = dt.datetime.fromtimestamp(sig.expiration, dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
            return BrokenLink(name=owner, rdtype=rdtype, reason=f"the RRSIG expired on {when}")
        if now < sig.inception:
            when = dt.datetime.fromtimestamp(sig.inception, dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
            return BrokenLink(name=owner, rdtype=rdtype, reason=f"the RRSIG is valid only from {when}")
    try:
        dns.dnssec.validate(_rrset(owner, rdtype, result), sigs, {_name(signer): keys}, now=now)
    except dns.dnssec.ValidationFailure as exc:
        return BrokenLink(name=owner, rdtype=rdtype,
                          reason=f"the signature does not verify with the DNSKEY of {signer or '.'} ({exc})")
    return None


def _matching_keys(owner: str, keys, ds_texts: Sequence[str]):
    import dns.dnssec
    import dns.rdata
    import dns.rdataclass
    import dns.rdatatype

    wanted = [dns.rdata.from_text(dns.rdataclass.IN, dns.rdatatype.DS, t) for t in ds_texts]
    out = []
    for key in keys:
        for ds in wanted:
            try:
                if dns.dnssec.make_ds(_name(owner), key, ds.digest_type) == ds:
                    out.append(key)
                    break
            except (dns.dnssec.UnsupportedAlgorithm, ValueError):
                continue
    return out


def validate_chain(
    domain: str,
    dnskey: Mapping[str, DnsResult],
    ds: Mapping[str, DnsResult],
    soa: Mapping[str, DnsResult],
    answer: DnsResult | None,
    *,
    anchors: Sequence[str],
    now: float,
) -> ChainValidation:
    """``dnskey``/``ds``/``soa`` map "." and every parent name of ``domain`` (TLD ... domain) to their
    answers; ``answer`` is one signed answer about the domain (its MX, say). dnspython (the signature
    arithmetic) is imported only when there are signed keys to check."""
    root = dnskey.get(".")
    if root is None or root.outcome.is_failure:
        return ChainValidation(status="failed", broken=BrokenLink(name=".", rdtype="DNSKEY", reason="lookup failed"))
    if not root.records:
        return ChainValidation(status="stripped", broken=BrokenLink(name=".", rdtype="DNSKEY", reason="no root DNSKEY"))
    if not root.signatures:
        return ChainValidation(status="stripped", broken=BrokenLink(
            name=".", rdtype="DNSKEY", reason="the resolver returned the root's DNSKEYs without RRSIG"))
    import dns.rrset

    keys = _rrset(".", "DNSKEY", root)
    trusted = _matching_keys(".", keys, anchors)
    if not trusted:
        return ChainValidation(status="no-anchor")
    anchor_set = dns.rrset.from_rdata_list(_name("."), keys.ttl, trusted)
    if broken := _verify(".", "DNSKEY", root, ".", anchor_set, now):
        return ChainValidation(status="bogus", broken=broken)
    zone, checked = ".", ["DNSKEY ."]
    labels = domain.rstrip(".").split(".")
    for name in (".".join(labels[i:]) for i in range(len(labels) - 1, -1, -1)):  # TLD first
        results = (dnskey.get(name), ds.get(name), soa.get(name))
        if any(r is None or r.outcome.is_failure for r in results):
            return ChainValidation(status="failed", zone=zone, checked=tuple(checked),
                                   broken=BrokenLink(name=name, rdtype="DNSKEY/DS/SOA", reason="lookup failed"))
        key_r, ds_r, soa_r = results
        if not ds_r.records:
            if soa_r.records or key_r.records:  # a zone cut without DS: an unsigned (or island) delegation
                return ChainValidation(status="insecure", zone=zone, checked=tuple(checked))
            continue  # not a zone cut: the name belongs to ``zone``
        if broken := _verify(name, "DS", ds_r, zone, keys, now):
            return ChainValidation(status="bogus", zone=zone, broken=broken, checked=tuple(checked))
        checked.append(f"DS {name}")
        if not key_r.records:
            return ChainValidation(status="bogus", zone=zone, checked=tuple(checked), broken=BrokenLink(
                name=name, rdtype="DNSKEY", reason=f"{zone or '.'} holds a DS for it, but it publishes no DNSKEY"))
        if not key_r.signatures:
            return ChainValidation(status="stripped", zone=zone, checked=tuple(checked), broken=BrokenLink(
                name=name, rdtype="DNSKEY", reason="the resolver returned DNSKEYs without RRSIG"))
        child_keys = _rrset(name, "DNSKEY", key_r)
        entry = _matching_keys(name, child_keys, ds_r.records)
        if not entry:
            return ChainValidation(status="bogus", zone=zone, checked=tuple(checked), broken=BrokenLink(
                name=name, rdtype="DS", reason="the DS in the parent matches none of the zone's DNSKEYs"))
        if broken := _verify(name, "DNSKEY", key_r, name, dns.rrset.from_rdata_list(_name(name), 0, entry), now):
            return ChainValidation(status="bogus", zone=zone, broken=broken, checked=tuple(checked))
        keys, zone = child_keys, name
        checked.append(f"DNSKEY {name}")
    if answer is not None and answer.ok:
        if broken := _verify(answer.name, answer.rdtype, answer, zone, keys, now):
            return ChainValidation(status="bogus", zone=zone, broken=broken, checked=tuple(checked))
        checked.append(f"{answer.rdtype} {answer.name}")
    return ChainValidation(status="secure", zone=zone, checked=tuple(checked))
