"""TLSA records (RFC 6698, for SMTP RFC 7672): the record's fields as a :class:`TlsaRecord`, the name it
lives at, and whether a record matches the certificate chain a host presented (DANE-EE: the leaf's
certificate or key digest; DANE-TA: a CA certificate the server sent, which must have issued the leaf,
and the leaf must name the host). Sans-I/O: records and DER certificates in, values out; certificates
are read with ``cryptography`` (which loads ``socket`` for helpers never called here). Judged in
``judge/dns/dane.py``."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Sequence

from ..core.name_text import tlsa_name  # the name rule, where the audit asks for it before this module loads

__all__ = ["TlsaRecord", "tlsa_name", "parse_tlsa", "match_tlsa"]

_DIGEST_HEX = {1: 64, 2: 128}  # SHA-256, SHA-512


@dataclass(frozen=True, slots=True, kw_only=True)
class TlsaRecord:
    usage: int
    selector: int
    mtype: int
    data: str
    problems: tuple[str, ...] = ()

    def to_json(self) -> dict:
        return {"usage": self.usage, "selector": self.selector, "mtype": self.mtype,
                "data": self.data[:80], "problems": list(self.problems)}

    @property
    def label(self) -> str:
        return f"{self.usage} {self.selector} {self.mtype} {self.data[:12]}..."


def parse_tlsa(text: str) -> TlsaRecord:
    parts = text.split()
    try:
        usage, selector, mtype = (int(p) for p in parts[:3])
    except ValueError:
        return TlsaRecord(usage=-1, selector=-1, mtype=-1, data="", problems=(f"unreadable TLSA {text[:60]!r}",))
    data = "".join(parts[3:]).lower()
    problems: list[str] = []
    if usage in (0, 1):
        problems.append(f"usage {usage} (PKIX-TA/PKIX-EE) is not used for SMTP; RFC 7672 says 2 (DANE-TA) or 3 (DANE-EE)")
    elif usage not in (2, 3):
        problems.append(f"usage {usage} is unknown")
    if selector not in (0, 1):
        problems.append(f"selector {selector} is unknown")
    if mtype not in (0, 1, 2):
        problems.append(f"matching type {mtype} is unknown")
    elif mtype in _DIGEST_HEX and len(data) != _DIGEST_HEX[mtype]:
        problems.append(f"matching type {mtype} needs {_DIGEST_HEX[mtype] // 2} bytes of digest; the record holds {len(data) // 2}")
    return TlsaRecord(usage=usage, selector=selector, mtype=mtype, data=data, problems=tuple(problems))

def _selected(der: bytes, selector: int) -> bytes:
    if selector == 0:
        return der
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization

    return x509.load_der_x509_certificate(der).public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)

def _digest(data: bytes, mtype: int) -> str:
    return {0: data.hex(), 1: hashlib.sha256(data).hexdigest(), 2: hashlib.sha512(data).hexdigest()}[mtype]

def _leaf_names_and_issuer(leaf: bytes, ta: bytes, host: str) -> str | None:
    """For DANE-TA (usage 2): why the leaf does not chain to the trust anchor or name the host (RFC 7672
    §3.2.2 / §3.2.3); None when it does."""
    from cryptography import x509
    from cryptography.exceptions import InvalidSignature

    cert, anchor = x509.load_der_x509_certificate(leaf), x509.load_der_x509_certificate(ta)
    try:
        cert.verify_directly_issued_by(anchor)
    except (InvalidSignature, ValueError, TypeError):
        return "the leaf certificate is not issued by it"
    try:
        names = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value.get_values_for_type(x509.DNSName)
    except x509.ExtensionNotFound:
        names = []
    host = host.lower().rstrip(".")
    if not any(n.lower() == host or (n.startswith("*.") and host.partition(".")[2] == n[2:].lower()) for n in names):
        return f"the leaf certificate does not name {host}"
    return None

def match_tlsa(host: str, records: Sequence[TlsaRecord], chain: Sequence[bytes]) -> list[tuple[TlsaRecord, str | None]]:
    """Each usable record with None when it matches ``chain`` (DER, leaf first) as RFC 7672 says, else
    why not. DANE-EE (3) matches the leaf only, with no name or date check; DANE-TA (2) matches a
    certificate the server sent above the leaf, which must have issued the leaf, and the leaf must name
    the host."""
    out: list[tuple[TlsaRecord, str | None]] = []
    for rec in records:
        if rec.problems or rec.usage not in (2, 3) or not chain:
            continue
        if rec.usage == 3:
            ok = _digest(_selected(chain[0], rec.selector), rec.mtype) == rec.data
            out.append((rec, None if ok else "does not match the server's certificate"))
            continue
        anchors = [c for c in chain[1:] if _digest(_selected(c, rec.selector), rec.mtype) == rec.data]
        if not anchors:
            out.append((rec, "matches no CA certificate the server sent"))
        else:
            out.append((rec, _leaf_names_and_issuer(chain[0], anchors[0], host)))
    return out
