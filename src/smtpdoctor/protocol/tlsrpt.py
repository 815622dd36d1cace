"""SMTP TLS reports (RFC 8460 §4, JSON) parsed into frozen records. Sans-I/O, pure."""

from __future__ import annotations

import json
from dataclasses import dataclass

from .dmarc_report import BadReport

__all__ = ["TlsFailure", "TlsPolicy", "TlsReport", "parse_tlsrpt"]


@dataclass(frozen=True, slots=True, kw_only=True)
class TlsFailure:
    result_type: str  # starttls-not-supported, certificate-expired, sts-policy-fetch-error, ...
    count: int
    receiving_mx: str = ""
    receiving_ip: str = ""
    sending_ip: str = ""
    reason_code: str = ""
    info: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class TlsPolicy:
    policy_type: str  # sts, tlsa, no-policy-found
    policy_domain: str
    mx_hosts: tuple[str, ...]
    successful: int
    failed: int
    failures: tuple[TlsFailure, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class TlsReport:
    org_name: str
    report_id: str
    start: str  # RFC 3339 as written
    end: str
    contact: str
    policies: tuple[TlsPolicy, ...]


def _count(value, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
        raise BadReport(f"{what} is {str(value)[:40]!r}, not a count")
    return int(value)


def _policy(item: dict) -> TlsPolicy:
    if not isinstance(item, dict):
        raise BadReport("a policy entry is not an object")
    pol = item.get("policy") or {}
    summary = item.get("summary") or {}
    failures = []
    for f in item.get("failure-details") or ():
        if not isinstance(f, dict):
            raise BadReport("a failure-details entry is not an object")
        failures.append(TlsFailure(
            result_type=str(f.get("result-type", "")).lower(), count=_count(f.get("failed-session-count", 0),
                                                                          "failed-session-count"),
            receiving_mx=str(f.get("receiving-mx-hostname", "")).lower().rstrip("."),
            receiving_ip=str(f.get("receiving-ip", "")), sending_ip=str(f.get("sending-mta-ip", "")),
            reason_code=str(f.get("failure-reason-code", "")), info=str(f.get("additional-information", ""))[:500]))
    mx = pol.get("mx-host") or ()
    return TlsPolicy(policy_type=str(pol.get("policy-type", "")).lower(),
                     policy_domain=str(pol.get("policy-domain", "")).lower(),
                     mx_hosts=tuple(str(m) for m in (mx if isinstance(mx, list) else [mx])),
                     successful=_count(summary.get("total-successful-session-count", 0), "successful count"),
                     failed=_count(summary.get("total-failure-session-count", 0), "failure count"),
                     failures=tuple(failures))


def parse_tlsrpt(data: bytes) -> TlsReport:
    try:
        doc = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BadReport(f"not JSON ({exc})") from None
    if not isinstance(doc, dict) or "policies" not in doc:
        raise BadReport("not a TLS report (no \"policies\")")
    rng = doc.get("date-range") or {}
    policies = doc.get("policies")
    if not isinstance(policies, list):
        raise BadReport("\"policies\" is not a list")
    return TlsReport(org_name=str(doc.get("organization-name", "")), report_id=str(doc.get("report-id", "")),
                     start=str(rng.get("start-datetime", "")), end=str(rng.get("end-datetime", "")),
                     contact=str(doc.get("contact-info", "")), policies=tuple(_policy(p) for p in policies))
