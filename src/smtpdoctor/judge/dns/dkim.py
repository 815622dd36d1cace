"""DKIM key records (RFC 6376 §3.6.1): selector discovery list, record syntax, key parsing (RSA, Ed25519),
key size, ``t=y`` testing mode, revoked keys. Pure: DNS answers in, keys and findings out.

The key parsing uses ``cryptography``, imported on first use so ``--help`` stays fast.
"""

from __future__ import annotations

import base64
import binascii
import tomllib
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Mapping, Sequence

from ...core import catalogue
from ...core.observations import DnsResult, Outcome
from ...core.model import Finding, Severity
from .facts import could_not_test
from ...protocol.tags import parse_tags

__all__ = ["DkimKey", "common_selectors", "first_tier", "trusted_node", "discover_more", "selector_providers", "parse_key_record", "check_dkim",
           "WEAK_BITS", "MIN_GOOD_BITS"]

WEAK_BITS = 1024  # below: error (Gmail, Yahoo and Microsoft ignore or reject such signatures)
MIN_GOOD_BITS = 2048  # 1024 works today but is a warning (RFC 8301 recommends 2048)


@cache
def _selector_file() -> dict:
    text = resources.files("smtpdoctor.knowledge").joinpath("dkim_selectors.toml").read_text(encoding="utf-8")
    return tomllib.loads(text)


def _selector_data() -> dict[str, tuple[str, ...]]:
    return {k: tuple(v) for k, v in _selector_file()["providers"].items()}


def common_selectors() -> tuple[str, ...]:
    """Every discovery selector: the first tier, then the providers' in file order."""
    out: dict[str, None] = {s.lower(): None for s in first_tier()}
    for selectors in _selector_data().values():
        for s in selectors:
            out.setdefault(s.lower(), None)
    return tuple(out)


def first_tier() -> tuple[str, ...]:
    """The most common selectors, asked in the first round trip."""
    return tuple(s.lower() for s in _selector_file().get("tiers", {}).get("first", ()))


def selector_providers(selector: str) -> tuple[str, ...]:
    return tuple(p for p, sels in _selector_data().items() if selector.lower() in sels)


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


def trusted_node(node: DnsResult, answers: Sequence[DnsResult]) -> DnsResult | None:
    """The ``_domainkey.<domain>`` answer, or None when it cannot be trusted: an NXDOMAIN there while a
    name below it exists (a selector answered something else) means the server breaks RFC 8020."""
    if node.outcome is Outcome.NXDOMAIN and any(a.outcome is not Outcome.NXDOMAIN for a in answers):
        return None
    return node


def discover_more(node: DnsResult | None, first_round: Mapping[str, DnsResult]) -> bool:
    """Ask the rest of the selectors? Not when round one (given and first-tier selectors) found a key,
    nor when nothing exists below ``_domainkey`` (NXDOMAIN, trusted)."""
    if node is not None and node.outcome is Outcome.NXDOMAIN:
        return False
    return not any(parse_key_record(s, rec).is_dkim for s, a in first_round.items() for rec in a.records)


def check_dkim(
    domain: str,
    answers: Mapping[str, DnsResult],
    *,
    given: Sequence[str] = (),
    domainkey_node: DnsResult | None = None,
) -> tuple[tuple[Finding, ...], tuple[DkimKey, ...]]:
    """``answers`` maps each selector asked to its TXT answer; ``given`` are the user's selectors (whose
    absence is an error, where a discovered selector's absence means nothing); ``domainkey_node`` is the
    answer for ``_domainkey.<domain>`` (NXDOMAIN there means no key exists below it, RFC 8020)."""
    findings: list[Finding] = []
    keys: list[DkimKey] = []
    given_set = {s.lower() for s in given}
    failed: list[DnsResult] = []
    for selector, result in answers.items():
        explicit = selector in given_set
        where = f"{selector}._domainkey.{domain}"
        if result.outcome.is_failure:
            failed.append(result)
            if explicit:
                findings.append(could_not_test("dkim", f"the DKIM key of selector {selector}", result))
            continue
        records = [parse_key_record(selector, r) for r in result.records]
        dkim_records = [k for k in records if k.is_dkim]
        if not dkim_records:
            if explicit:
                if records:
                    findings.append(catalogue.make("dkim.syntax", selector=selector, name=where,
                                                   problems="the TXT record there is not a DKIM key record",
                                                   evidence={"records": [k.record for k in records]}))
                else:
                    findings.append(catalogue.make("dkim.selector-missing", selector=selector, name=where,
                                                   outcome=str(result.outcome).upper()))
            continue
        if len(dkim_records) > 1:
            findings.append(catalogue.make("dkim.several-records", selector=selector, name=where,
                                           count=len(dkim_records)))
        for key in dkim_records:
            keys.append(key)
            findings.extend(_judge_key(key, where, explicit=explicit))
    if failed and not keys:
        if not any(f.id == "dkim.lookup-failed" for f in findings):
            findings.append(could_not_test("dkim", f"{len(failed)} DKIM selector(s)", failed[0]))
    usable = [k for k in keys if not k.revoked and not k.key_error]
    if not usable and not given_set and not failed:
        asked = len(answers)
        if domainkey_node is not None and domainkey_node.outcome is Outcome.NXDOMAIN:
            findings.append(catalogue.make("dkim.none-published", domain=domain, count=asked))
        else:
            findings.append(catalogue.make("dkim.not-found", domain=domain, count=asked))
    return tuple(findings), tuple(keys)


def _judge_key(key: DkimKey, where: str, *, explicit: bool) -> list[Finding]:
    out: list[Finding] = []
    sel = key.selector
    if key.problems:
        out.append(catalogue.make("dkim.syntax", selector=sel, name=where, problems="; ".join(key.problems),
                                  evidence={"record": key.record[:512], "problems": list(key.problems)}))
    if key.revoked:
        out.append(catalogue.make("dkim.revoked", selector=sel, name=where,
                                  severity=None if explicit else Severity.INFO))
        return out
    if key.key_error:
        out.append(catalogue.make("dkim.key-invalid", selector=sel, name=where, reason=key.key_error))
        return out
    if key.services and not ({"*", "email"} & set(key.services)):
        out.append(catalogue.make("dkim.service-not-email", selector=sel, services=":".join(key.services)))
    if key.hashes and "sha256" not in key.hashes:
        out.append(catalogue.make("dkim.sha1-only", selector=sel))
    if key.testing:
        out.append(catalogue.make("dkim.testing", selector=sel, name=where))
    if key.bits is not None and key.key_type == "rsa":
        if key.bits < WEAK_BITS:
            out.append(catalogue.make("dkim.key-weak", selector=sel, bits=key.bits, name=where))
        elif key.bits < MIN_GOOD_BITS:
            out.append(catalogue.make("dkim.key-1024", selector=sel, bits=key.bits, name=where))
    if not any(f.severity.rank >= 2 for f in out):
        out.append(catalogue.make("dkim.key-ok", selector=sel, key_type=key.key_type.upper(),
                                  bits=key.bits, name=where,
                                  providers=", ".join(selector_providers(sel)) or "-"))
    return out
