"""DNSSEC of the domain: validated or not, and where the chain of trust breaks, from the DS and DNSKEY
records of the domain and every parent up to its TLD. Pure.

Validation is done by the tool from the chain it fetched (:mod:`smtpdoctor.protocol.dnssec_chain`, given as ``validation``);
only when that cannot be done (the root key is not a trust anchor, a private root) does the resolver's AD
bit count, and the finding says which it was.

The walk goes from the TLD down. A name with DNSKEY and DS is a signed, delegated zone; DNSKEY without DS
is an island (validators treat it as unsigned: the chain breaks at its parent); DS without DNSKEY is bogus
(validators SERVFAIL every name in it). The root is taken as signed."""

from __future__ import annotations

import base64
import binascii
import hashlib
import struct
from dataclasses import dataclass
from typing import Mapping, Sequence

from ...core import catalogue
from ...core.observations import DnsResult
from ...core.model import Finding
from .facts import could_not_test
from .dmarc import organizational_domain
from ...protocol.dnssec_chain import ChainValidation
from ...core.names import parent_names
from ...core.serialize import JsonMixin

__all__ = ["ChainLink", "check_dnssec", "ds_matches", "key_tag"]

_DIGESTS = {1: hashlib.sha1, 2: hashlib.sha256, 4: hashlib.sha384}


def _name_wire(name: str) -> bytes:
    out = b""
    for label in name.rstrip(".").lower().split("."):
        if label:
            out += bytes([len(label)]) + label.encode("ascii")
    return out + b"\0"


def _dnskey_wire(text: str) -> bytes | None:
    parts = text.split()
    try:
        flags, proto, alg = int(parts[0]), int(parts[1]), int(parts[2])
        key = base64.b64decode("".join(parts[3:]), validate=True)
    except (ValueError, IndexError, binascii.Error):
        return None
    return struct.pack("!HBB", flags, proto, alg) + key


def key_tag(dnskey_text: str) -> int | None:
    """RFC 4034 Appendix B key tag of a DNSKEY given as presentation text."""
    wire = _dnskey_wire(dnskey_text)
    if wire is None:
        return None
    acc = sum(b << 8 if i % 2 == 0 else b for i, b in enumerate(wire))
    acc += (acc >> 16) & 0xFFFF
    return acc & 0xFFFF


def ds_matches(owner: str, ds_text: str, dnskey_texts: Sequence[str]) -> bool | None:
    """Whether the DS record (presentation text) is the digest of one of the DNSKEYs (RFC 4034 §5.1.4);
    None when the digest type is unknown (cannot tell)."""
    parts = ds_text.split()
    try:
        tag, digest_type, digest = int(parts[0]), int(parts[2]), bytes.fromhex("".join(parts[3:]))
    except (ValueError, IndexError):
        return False
    algo = _DIGESTS.get(digest_type)
    if algo is None:
        return None
    for text in dnskey_texts:
        wire = _dnskey_wire(text)
        if wire is not None and key_tag(text) == tag and algo(_name_wire(owner) + wire).digest() == digest:
            return True
    return False


@dataclass(frozen=True, slots=True, kw_only=True)
class ChainLink(JsonMixin):
    name: str
    dnskey: bool | None  # None: could not tell (lookup failed)
    ds: bool | None


def _present(result: DnsResult | None) -> bool | None:
    if result is None or result.outcome.is_failure:
        return None
    return bool(result.records)


def check_dnssec(
    domain: str,
    dnskey: Mapping[str, DnsResult],
    ds: Mapping[str, DnsResult],
    *,
    answers: Sequence[DnsResult] = (),
    validation: ChainValidation | None = None,
) -> tuple[tuple[Finding, ...], tuple[ChainLink, ...]]:
    """``dnskey``/``ds`` hold the DNSKEY and DS answers of the domain and each parent; ``answers`` other
    answers about the domain (MX, TXT ...) whose AD bit says whether the resolver validated them;
    ``validation`` the tool's own validation of the chain."""
    names = tuple(reversed(parent_names(domain)))  # TLD first
    chain = tuple(ChainLink(name=n, dnskey=_present(dnskey.get(n)), ds=_present(ds.get(n))) for n in names)
    findings: list[Finding] = []
    failed = [r for r in list(dnskey.values()) + list(ds.values()) if r.outcome.is_failure]
    if failed:
        findings.append(could_not_test("dnssec", "part of the DNSSEC chain", failed[0]))
    validated = any(r.authenticated and not r.outcome.is_failure for r in answers) or any(
        r.authenticated for r in dnskey.values() if r.name == domain)
    secure_above = True  # the root is signed
    last_secure = "the root"
    zone: ChainLink | None = None
    for link in chain:
        if link.dnskey is None or link.ds is None:
            continue
        if link.ds and not link.dnskey:
            findings.append(catalogue.make("dnssec.ds-without-dnskey", name=link.name))
            secure_above = False
            zone = link
            break
        if link.dnskey:
            zone = link
            if link.ds and secure_above:
                matches = [ds_matches(link.name, d, dnskey[link.name].records) for d in ds[link.name].records]
                if not any(m is not False for m in matches):
                    findings.append(catalogue.make("dnssec.ds-mismatch", name=link.name,
                                                   parent=_parent(link.name) or "the root"))
                    secure_above = False
                    continue
                last_secure = link.name
            elif not link.ds and secure_above:
                findings.append(catalogue.make("dnssec.no-ds", name=link.name,
                                               parent=_parent(link.name) or "the root"))
                secure_above = False
    # The domain's own zone is at or below its organisational domain: a registered domain is never part
    # of its TLD's zone, so a signed TLD above an unsigned domain means "unsigned", not "signed".
    org = organizational_domain(domain)
    signed = zone is not None and bool(zone.dnskey) and (zone.name == org or zone.name.endswith("." + org))
    status = validation.status if validation is not None else None
    if status == "bogus" and validation.broken is not None:
        named = {f.evidence.get("name") for f in findings if f.id in ("dnssec.ds-mismatch", "dnssec.ds-without-dnskey")}
        if validation.broken.name not in named:
            findings.append(catalogue.make("dnssec.bogus", name=validation.broken.name or ".",
                                           rdtype=validation.broken.rdtype, reason=validation.broken.reason,
                                           evidence={"broken": validation.broken.to_json(),
                                                     "checked": list(validation.checked)}))
        return tuple(findings), chain
    if status == "stripped" and not validated:
        broken = validation.broken
        findings.append(catalogue.make("dnssec.stripped", name=(broken.name or ".") if broken else ".",
                                       reason=broken.reason if broken else "no signatures"))
        return tuple(findings), chain
    if status == "secure" and signed and secure_above:
        findings.append(catalogue.make("dnssec.validated", domain=domain, zone=zone.name, how=_BY_CHAIN,
                                       evidence={"method": "chain", "checked": list(validation.checked)}))
    elif signed and secure_above:
        if validated:
            findings.append(catalogue.make("dnssec.validated", domain=domain, zone=zone.name, how=_BY_AD,
                                           evidence={"method": "ad-bit"}))
        else:
            findings.append(catalogue.make("dnssec.signed-not-validated", domain=domain, zone=zone.name))
    elif not signed and not any(f.id.startswith("dnssec.") for f in findings) and not failed:
        findings.append(catalogue.make("dnssec.unsigned", domain=domain, last_secure=last_secure))
    elif validated and not findings:
        findings.append(catalogue.make("dnssec.validated", domain=domain, zone=domain, how=_BY_AD,
                                       evidence={"method": "ad-bit"}))
    return tuple(findings), chain


_BY_CHAIN = "checked by smtpdoctor, signature by signature, from the root's trust anchor down"
_BY_AD = "the resolver says so (AD bit); smtpdoctor did not check the signatures itself"


def _parent(name: str) -> str | None:
    return name.partition(".")[2] or None
