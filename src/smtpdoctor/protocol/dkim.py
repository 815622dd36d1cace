"""DKIM key records (RFC 6376 §3.6.1, RFC 8463 for Ed25519): the ``<selector>._domainkey`` TXT record as
tags, and the public key it holds (its type and size, read with ``cryptography``). Sans I/O: a record in,
a :class:`DkimKey` out; what is wrong with a key for delivery is judged in ``judge/dns/dkim.py``. Also the
values of a message's signatures verified (``protocol/dkim_verify.py`` makes them; the judge reads them)."""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass, field
from typing import Mapping

from .tags import parse_tags

__all__ = ["DkimKey", "parse_key_record", "SignatureRef", "SignatureCheck", "ArcCheck", "key_name"]


@dataclass(frozen=True, slots=True, kw_only=True)
class SignatureRef:
    """One DKIM-Signature header: its position among them (dkimpy's index), ``d=`` and ``s=``."""

    index: int
    d: str
    s: str


def key_name(ref: SignatureRef) -> str:
    return f"{ref.s}._domainkey.{ref.d}"


@dataclass(frozen=True, slots=True, kw_only=True)
class SignatureCheck:
    """One DKIM signature verified: ``reason`` is dkimpy's last word when it failed."""

    ref: SignatureRef
    ok: bool
    reason: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class ArcCheck:
    """A message's ARC chain verified (RFC 8617): how many instances, dkimpy's chain validation."""

    instances: int
    result: str  # pass, fail, none (dkimpy's cv)
    reason: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class DkimKey:
    """What one selector's record says. ``problems`` are syntax problems; ``key_error`` a bad ``p=``."""

    selector: str
    record: str
    key_type: str = "rsa"  # k=
    bits: int | None = None  # RSA modulus size; 256 for Ed25519
    testing: bool = False  # t=y
    strict: bool = False  # t=s
    revoked: bool = False  # p= empty
    hashes: tuple[str, ...] = ()  # h=
    services: tuple[str, ...] = ()  # s=
    problems: tuple[str, ...] = ()
    key_error: str | None = None
    is_dkim: bool = True  # False: a TXT record that is not a DKIM key at all (a wildcard TXT, SPF ...)
    extra: Mapping[str, str] = field(default_factory=dict)

    def to_json(self) -> dict:
        return {"selector": self.selector, "key_type": self.key_type, "bits": self.bits,
                "testing": self.testing, "revoked": self.revoked, "problems": list(self.problems),
                "key_error": self.key_error, "record": self.record}


def parse_key_record(selector: str, record: str) -> DkimKey:
    tags = parse_tags(record)
    problems = list(tags.problems)
    names = tags.names
    is_dkim = "p" in names or (tags.get("v") or "").upper() == "DKIM1"
    v = tags.get("v")
    if v is not None:
        if v != "DKIM1":
            problems.append(f"v={v!r}: the version must be DKIM1")
        if names[0] != "v":
            problems.append("v=DKIM1 must be the first tag")
    for dup in tags.duplicates():
        problems.append(f"tag {dup}= appears more than once")
    key_type = (tags.get("k") or "rsa").lower()
    hashes = tuple(h.strip().lower() for h in (tags.get("h") or "").split(":") if h.strip())
    services = tuple(s.strip().lower() for s in (tags.get("s") or "").split(":") if s.strip())
    flags = tuple(f.strip().lower() for f in (tags.get("t") or "").split(":") if f.strip())
    p = tags.get("p")
    bits: int | None = None
    key_error: str | None = None
    revoked = False
    if p is None:
        problems.append("the required p= tag (the public key) is missing")
    else:
        compact = "".join(p.split())
        if not compact:
            revoked = True
        else:
            bits, key_error = _key_bits(key_type, compact)
    for h in hashes:
        if h not in ("sha1", "sha256"):
            problems.append(f"h= names an unknown hash {h!r}")
    return DkimKey(selector=selector, record=record, key_type=key_type, bits=bits,
                   testing="y" in flags, strict="s" in flags, revoked=revoked, hashes=hashes,
                   services=services, problems=tuple(problems), key_error=key_error, is_dkim=is_dkim)


def _key_bits(key_type: str, b64: str) -> tuple[int | None, str | None]:
    try:
        der = base64.b64decode(b64, validate=True)
    except (binascii.Error, ValueError):
        return None, "p= is not valid base64"
    if key_type == "ed25519":
        if len(der) != 32:
            return None, f"an Ed25519 key is 32 bytes; p= holds {len(der)}"
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

        try:
            Ed25519PublicKey.from_public_bytes(der)
        except ValueError as exc:
            return None, f"not an Ed25519 public key: {exc}"
        return 256, None
    if key_type != "rsa":
        return None, f"k={key_type} is not a known key type (rsa or ed25519)"
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = None
    try:
        key = serialization.load_der_public_key(der)
    except (ValueError, TypeError):
        # Some signers publish the bare PKCS#1 RSAPublicKey instead of SubjectPublicKeyInfo.
        pem = b"-----BEGIN RSA PUBLIC KEY-----\n" + base64.encodebytes(der) + b"-----END RSA PUBLIC KEY-----\n"
        try:
            key = serialization.load_pem_public_key(pem)
        except (ValueError, TypeError):
            return None, "p= does not hold an RSA public key"
    if not isinstance(key, rsa.RSAPublicKey):
        return None, f"k=rsa but p= holds a {type(key).__name__.replace('PublicKey', '')} key"
    return key.key_size, None
