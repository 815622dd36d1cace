"""TLS on the configured port: STARTTLS offered and working, implicit TLS, the certificate."""

from __future__ import annotations

import datetime as dt
import re

from ..core import providers
from ..core.catalogue import make
from ..core.model import Finding, Severity
from ..observe.facts import Mode, PortOutcome
from ..core.settings import Security
from .server_facts import ServerFacts

TYPE_CHECKING = False
if TYPE_CHECKING:  # made by a handshake (core/tls_observations, loaded with it: issue 16)
    from ..core.observations import TlsFacts

__all__ = ["check", "EXPIRY_WARNING_DAYS", "OLD_PROTOCOLS", "INTERCEPTION_PROBLEMS"]

# What a TLS-intercepting middlebox (antivirus, corporate proxy) or a wrong DNS answer looks like when
# the host is a well-known provider's: a certificate for another name, or from an authority nobody trusts.
INTERCEPTION_PROBLEMS = frozenset({"hostname-mismatch", "ip-mismatch", "self-signed", "self-signed-chain",
                                   "unknown-issuer"})

EXPIRY_WARNING_DAYS = 14
OLD_PROTOCOLS = frozenset({"SSLv3", "TLSv1", "TLSv1.1"})


def check(facts: ServerFacts) -> list[Finding]:
    obs = facts.configured
    if obs is None or obs.outcome is not PortOutcome.SMTP:
        if obs is not None and obs.tls is not None and obs.tls_failure is not None:
            return _certificate(facts, obs.tls, obs.port)  # e.g. greeting refused after a bad handshake
        return []
    if obs.later_error and obs.capabilities is None:
        return []  # the session broke before EHLO was answered: nothing is known about TLS
    security = facts.settings.security
    port = obs.port
    failure = obs.tls_failure
    if obs.mode is Mode.PLAIN and security is not Security.NONE and not facts.wants_implicit_tls:
        masked = _masked_starttls(obs)
        if not obs.starttls_offered and masked:
            return [make("tls.starttls-stripped", keyword=masked, evidence={"port": port, "keyword": masked})]
        if not obs.starttls_offered:
            return [make("tls.starttls-not-offered", port=port,
                         severity=None if security is Security.STARTTLS or port == 587 else Severity.WARNING,
                         evidence={"port": port, "ehlo": obs.capabilities.to_json() if obs.capabilities else None})]
        if failure is not None and failure.kind == "refused":
            return [make("tls.starttls-refused", reply=failure.message, evidence={"port": port,
                                                                                 "reply": failure.message})]
        if failure is not None and failure.kind == "injection":
            return [make("tls.starttls-injection", message=failure.message, evidence={"port": port})]
        if failure is not None and failure.kind != "verify":
            return [make("tls.handshake-failed", port=port, message=failure.message,
                         evidence={"port": port, "kind": failure.kind, "reason": failure.reason})]
    if obs.tls is None:
        return []
    return _certificate(facts, obs.tls, port)


def _certificate(facts: ServerFacts, tls: TlsFacts, port: int) -> list[Finding]:
    host = facts.settings.host
    cert = tls.cert
    evidence = {"port": port, "tls": tls.to_json()}
    problem = tls.verify_problem
    if cert is not None:
        days_left = cert.days_left(facts.now)
    else:
        days_left = None
    if problem == "expired" and cert is not None:
        days_ago = (facts.now - dt.datetime.fromisoformat(cert.not_after)).days
        return [make("tls.certificate-expired", days_ago=days_ago,
                     not_after=cert.not_after[:10], subject=cert.subject, issuer=cert.issuer, evidence=evidence)]
    if problem == "not-yet-valid" and cert is not None:
        return [make("tls.certificate-not-yet-valid", not_before=cert.not_before[:10], evidence=evidence)]
    preset = providers.match(host)
    if preset is not None and problem in INTERCEPTION_PROBLEMS:
        return [_intercepted(facts, preset, tls, port, evidence)]
    if problem in ("hostname-mismatch", "ip-mismatch"):
        names = ", ".join((cert.dns_names + cert.ip_addresses) if cert else ()) or "other names"
        suggestion = next((n for n in (cert.dns_names if cert else ()) if "*" not in n), None)
        return [make("tls.hostname-mismatch", names=names, host=host,
                     suggestion=suggestion or "the name your provider documents", evidence=evidence)]
    if problem in ("self-signed", "self-signed-chain"):
        return [make("tls.self-signed", subject=cert.subject if cert else "?", evidence=evidence)]
    if problem == "unknown-issuer":
        return [make("tls.untrusted-issuer", issuer=cert.issuer if cert else "?", message=tls.verify_message,
                     evidence=evidence)]
    if problem == "weak-key":
        return [make("tls.weak-key", key=cert.key if cert else "?", message=tls.verify_message, evidence=evidence)]
    if problem is not None:
        return [make("tls.verify-failed", message=tls.verify_message, host=host, evidence=evidence)]
    findings: list[Finding] = []
    if tls.version in OLD_PROTOCOLS:
        findings.append(make("tls.old-protocol", version=tls.version, evidence=evidence))
    if cert is not None and days_left is not None and days_left < EXPIRY_WARNING_DAYS:
        findings.append(make("tls.expires-soon", days_left=days_left, not_after=cert.not_after[:10],
                             evidence=evidence))
    if tls.verified and not findings:
        findings.append(make("tls.ok", port=port, version=tls.version, cipher=tls.cipher, host=host,
                             days_left=days_left if days_left is not None else "?", evidence=evidence))
    return findings


def _intercepted(facts: ServerFacts, preset, tls: TlsFacts, port: int, evidence: dict) -> Finding:
    """A provider's host with someone else's certificate: interception, never "use the certificate's name"."""
    cert = tls.cert
    if tls.verify_problem in ("hostname-mismatch", "ip-mismatch"):
        names = ", ".join((cert.dns_names + cert.ip_addresses) if cert else ()) or "other names"
        what = f"a certificate for {names}"
    else:
        what = "a certificate from an authority this machine does not trust"
    return make("tls.intercepted", provider=preset.name, host=facts.settings.host, port=port, what=what,
                subject=cert.subject if cert else "?", issuer=cert.issuer if cert else "?",
                addresses=", ".join(facts.host.addresses) or "?",
                evidence={**evidence, "provider": preset.key, "problem": tls.verify_problem,
                          "addresses": list(facts.host.addresses)})


_MASKED = re.compile(r"^X{4,}A?$|^X{8}$")


def _masked_starttls(obs) -> str | None:
    """An EHLO keyword of X's where STARTTLS belongs: the mark of a firewall's SMTP "fixup" that hides it."""
    caps = obs.capabilities
    for keyword in (caps.extensions if caps else {}):
        if _MASKED.match(keyword) and len(keyword) == len("STARTTLS"):
            return keyword
    return None
