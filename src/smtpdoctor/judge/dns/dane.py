"""DANE for SMTP (RFC 7672): TLSA records at ``_25._tcp.<mx host>`` for each MX host, whether their zone
is signed (TLSA records in an unsigned zone are ignored by every sender: useless), whether the DNSSEC
chain to them holds (the tool's own validation, :mod:`smtpdoctor.protocol.dnssec_chain`), and whether they match the
certificate chain the MX host presents on port 25 (``protocol.dane.match_tlsa``, run by the flow). Pure."""

from __future__ import annotations

from typing import Any, Mapping, Sequence

from ...core import catalogue
from ...core.observations import DnsResult
from ...core.model import Finding
from ...protocol.dane import TlsaRecord, parse_tlsa, tlsa_name
from .facts import could_not_test

__all__ = ["check_dane", "check_dane_certificates"]


def check_dane_certificates(host: str, cert: Any,
                            results: Sequence[tuple[TlsaRecord, str | None]]) -> tuple[Finding, ...]:
    """``cert`` is the :class:`~smtpdoctor.observe.mx_tls.MxCertificate` of ``host`` on port 25, ``results``
    each usable record with why it does not match that chain (None: it matches), from ``protocol.dane.match_tlsa``."""
    if cert.error or not cert.chain:
        return (catalogue.make("dane.cert-not-fetched", host=host, port=cert.port, error=cert.error or "no certificate"),)
    matched = [r for r, why in results if why is None]
    evidence = {"records": [{"tlsa": r.label, "problem": why} for r, why in results]}
    if not matched:
        return (catalogue.make("dane.cert-mismatch", host=host, port=cert.port,
                               why="; ".join(f"{r.label} {why}" for r, why in results), evidence=evidence),)
    return (catalogue.make("dane.cert-match", host=host, port=cert.port, matched=len(matched), total=len(results),
                           which=", ".join(r.label for r in matched),
                           evidence={**evidence, "matched": len(matched), "total": len(results)}),)


def check_dane(answers: Mapping[str, DnsResult], *, validations: Mapping[str, Any] | None = None,
               certificates: Mapping[str, Any] | None = None,
               matches: Mapping[str, Sequence[tuple[TlsaRecord, str | None]]] | None = None,
               records: Mapping[str, list[TlsaRecord]] | None = None,
               ) -> tuple[tuple[Finding, ...], dict[str, list[TlsaRecord]]]:
    """``answers`` maps each MX host to its TLSA answer at ``_25._tcp.<host>``; ``validations`` the tool's
    own DNSSEC validation of each answer (:class:`~smtpdoctor.protocol.dnssec_chain.ChainValidation`); ``certificates`` the
    chain each host presented on port 25 (when the audit was asked to connect), ``matches`` the TLSA records
    matched against it (``protocol.dane.match_tlsa``), ``records`` the answers' records as the caller parsed
    them (``protocol.dane.parse_tlsa``; a host not in it has its records parsed here)."""
    findings: list[Finding] = []
    found: dict[str, list[TlsaRecord]] = {}
    without: list[str] = []
    unvalidated: list[str] = []
    for host, result in answers.items():
        if result.outcome.is_failure:
            findings.append(could_not_test("dane", f"the TLSA records of {host}", result))
            continue
        if not result.records:
            without.append(host)
            continue
        parsed = records[host] if records is not None and host in records else [parse_tlsa(r) for r in result.records]
        found[host] = parsed
        bad = [p for r in parsed for p in r.problems]
        if bad:
            findings.append(catalogue.make("dane.invalid", host=host, name=tlsa_name(host), problems="; ".join(bad)))
        validation = (validations or {}).get(host)
        status = validation.status if validation is not None else None
        if status == "insecure" or (status is None and not result.signatures and not result.authenticated):
            findings.append(catalogue.make("dane.unsigned-zone", host=host, name=tlsa_name(host)))
            continue
        if status == "bogus":
            findings.append(catalogue.make("dane.bogus", host=host, name=tlsa_name(host),
                                           reason=f"{validation.broken.name} {validation.broken.rdtype}: "
                                                  f"{validation.broken.reason}"))
            continue
        if status != "secure" and not result.authenticated:
            unvalidated.append(host)
        if (certificates or {}).get(host) is not None:
            findings.extend(check_dane_certificates(host, certificates[host], (matches or {}).get(host, ())))
    if not answers:
        return (), {}
    if not found:
        if not findings:
            findings.append(catalogue.make("dane.none", count=len(answers)))
        return tuple(findings), found
    if without:
        findings.append(catalogue.make("dane.partial", hosts=", ".join(without)))
    if unvalidated:
        findings.append(catalogue.make("dane.unvalidated", hosts=", ".join(unvalidated)))
    if not any(f.severity.rank >= 2 for f in findings) and not any(f.id == "dane.unsigned-zone" for f in findings):
        findings.append(catalogue.make("dane.ok", hosts=", ".join(found)))
    return tuple(findings), found
