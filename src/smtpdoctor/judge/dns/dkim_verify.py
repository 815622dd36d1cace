"""Judge a sample message's DKIM signatures (``--eml FILE``): which verified, which failed and why, and
whether one is aligned with the audited domain. Pure: the signatures come verified as values
(``protocol/dkim_verify.py`` runs dkimpy over the key answers the flow fetched)."""

from __future__ import annotations

from ...core import catalogue
from ...core.model import Finding, Severity
from ...protocol.dkim import SignatureCheck
from .dmarc import organizational_domain

__all__ = ["signature_findings"]


def signature_findings(checks: tuple[SignatureCheck, ...], *, domain: str,
                       source: str = "the message") -> tuple[Finding, ...]:
    """Findings for each verified signature of the message read from ``source``."""
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
