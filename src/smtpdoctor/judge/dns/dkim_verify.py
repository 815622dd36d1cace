"""Verify the DKIM signatures of a sample message (``--eml FILE``) with dkimpy, without letting dkimpy
touch the network: the key records are fetched beforehand through the run's resolver (so ``--resolver``
applies and each name is asked once), and dkimpy's ``dnsfunc`` only reads those pre-fetched answers.
Pure once the answers are given."""

from __future__ import annotations

import email
import email.policy
import logging
from dataclasses import dataclass
from typing import Mapping

from ...core import catalogue
from ...core.observations import DnsResult
from ...core.model import Finding, Severity
from .dmarc import organizational_domain
from ...protocol.tags import parse_tags

__all__ = ["SignatureRef", "SignatureCheck", "signature_refs", "key_name", "verify_message", "verify_signatures",
           "dns_answers_func"]


@dataclass(frozen=True, slots=True, kw_only=True)
class SignatureRef:
    index: int
    d: str
    s: str


def key_name(ref: SignatureRef) -> str:
    return f"{ref.s}._domainkey.{ref.d}"


def signature_refs(message: bytes) -> tuple[SignatureRef, ...]:
    """The (d=, s=) of each DKIM-Signature header, in header order (dkimpy's index order)."""
    msg = email.message_from_bytes(message, policy=email.policy.compat32)
    out: list[SignatureRef] = []
    for index, value in enumerate(msg.get_all("DKIM-Signature") or ()):
        tags = parse_tags("".join(str(value).split()))
        d, s = (tags.get("d") or "").lower().rstrip("."), (tags.get("s") or "").lower()
        if d and s:
            out.append(SignatureRef(index=index, d=d, s=s))
    return tuple(out)


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


@dataclass(frozen=True, slots=True, kw_only=True)
class SignatureCheck:
    """One DKIM signature verified: ``reason`` is dkimpy's last word when it failed."""

    ref: SignatureRef
    ok: bool
    reason: str = ""


def dns_answers_func(answers: Mapping[str, DnsResult]):
    """dkimpy's ``dnsfunc`` over pre-fetched answers (bytes name with a final dot -> TXT bytes or None)."""
    import dkim

    def dnsfunc(name, timeout=5):
        key = (name.decode("ascii", "replace") if isinstance(name, bytes) else name).rstrip(".").lower()
        result = answers.get(key)
        if result is None or not result.records:
            if result is not None and result.outcome.is_failure:
                raise dkim.DnsTimeoutError(f"{key}: {result.outcome}")
            return None
        strings = result.txt_strings[0] if result.txt_strings else (result.records[0].encode(),)
        return b"".join(strings)

    return dnsfunc


def verify_signatures(message: bytes, answers: Mapping[str, DnsResult]) -> tuple[SignatureCheck, ...]:
    """Verify every DKIM-Signature of ``message``; ``answers`` maps ``<s>._domainkey.<d>`` to its TXT answer."""
    import dkim

    dnsfunc = dns_answers_func(answers)
    out: list[SignatureCheck] = []
    for ref in signature_refs(message):
        handler = _Collect()
        logger = logging.Logger(f"smtpdoctor.dkim.{ref.index}")
        logger.addHandler(handler)
        try:
            ok = bool(dkim.DKIM(message, logger=logger).verify(idx=ref.index, dnsfunc=dnsfunc))
        except dkim.DKIMException as exc:
            ok, handler.messages = False, [str(exc)]
        except Exception as exc:  # dkimpy raises plain errors on some malformed input
            ok, handler.messages = False, [f"{type(exc).__name__}: {exc}"]
        reason = "" if ok else next((m for m in reversed(handler.messages) if m), "the signature does not match")
        out.append(SignatureCheck(ref=ref, ok=ok, reason=reason))
    return tuple(out)


def verify_message(
    message: bytes,
    answers: Mapping[str, DnsResult],
    *,
    domain: str,
    source: str = "the message",
) -> tuple[Finding, ...]:
    """Verify each signature; ``answers`` maps ``<s>._domainkey.<d>`` to its TXT answer."""
    checks = verify_signatures(message, answers)
    if not checks:
        return (catalogue.make("dkim.no-signature", file=source),)
    own_org = organizational_domain(domain)
    outcomes = [(c.ref, c.ok, c.reason) for c in checks]
    aligned_pass = any(ok and organizational_domain(ref.d) == own_org for ref, ok, _ in outcomes)
    findings: list[Finding] = []
    for ref, ok, reason in outcomes:
        if ok:
            findings.append(catalogue.make("dkim.signature-valid", d=ref.d, s=ref.s))
        else:
            # One valid aligned signature is enough for receivers; another failing one is then a warning.
            findings.append(catalogue.make("dkim.signature-invalid", d=ref.d, s=ref.s, reason=reason[:200],
                                           severity=Severity.WARNING if aligned_pass else None))
    if not aligned_pass and not any(organizational_domain(ref.d) == own_org for ref, _, _ in outcomes):
        findings.append(catalogue.make("dkim.signature-unaligned", d=", ".join(r.d for r, _, _ in outcomes),
                                       domain=domain))
    return tuple(findings)
