"""DANE for SMTP (RFC 7672): TLSA records at ``_25._tcp.<mx host>`` for each MX host. Pure."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

from ...core import catalogue
from ...core.observations import DnsResult
from ...core.model import Finding
from .facts import could_not_test

__all__ = ["TlsaRecord", "tlsa_name", "parse_tlsa", "check_dane"]

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


def tlsa_name(host: str, port: int = 25) -> str:
    return f"_{port}._tcp.{host}"


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


def check_dane(answers: Mapping[str, DnsResult]) -> tuple[tuple[Finding, ...], dict[str, list[TlsaRecord]]]:
    """``answers`` maps each MX host to its TLSA answer at ``_25._tcp.<host>``."""
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
        records = [parse_tlsa(r) for r in result.records]
        found[host] = records
        bad = [p for r in records for p in r.problems]
        if bad:
            findings.append(catalogue.make("dane.invalid", host=host, name=tlsa_name(host), problems="; ".join(bad)))
        if not result.authenticated:
            unvalidated.append(host)
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
    if not any(f.severity.rank >= 2 for f in findings):
        findings.append(catalogue.make("dane.ok", hosts=", ".join(found)))
    return tuple(findings), found
