"""Judge the AUTH step: not offered, no common mechanism, the server's answer (pure)."""

from __future__ import annotations

from .auth_replies import classify_auth, classify_auth_offer, classify_sasl_error, to_finding
from ..core.catalogue import make
from ..core.model import Finding
from ..observe.submission import AuthObservation
from ..core.providers import Preset
from ..core.settings import Settings

__all__ = ["check"]


def check(obs: AuthObservation | None, settings: Settings, preset: Preset | None, *, port: int,
          redactor=None, tls_problem: bool = False) -> list[Finding]:
    """``tls_problem``: STARTTLS was expected but is missing or failed on this port. AUTH that is only
    offered under TLS is then a consequence, not a cause, and the TLS finding explains it."""
    if obs is None:
        return []
    params = {"host": settings.host, "port": port, "user": settings.user or ""}
    if not settings.user or not (settings.password or settings.oauth_token):
        return [make("auth.not-tested", **params, evidence={"offered": list(obs.offered)})]
    if obs.withheld is not None:
        return [make(f"auth.withheld-{obs.withheld}", **params, evidence={"withheld": obs.withheld})]
    if not obs.attempted:
        if obs.sasl_error is not None:
            return [to_finding(classify_sasl_error(obs.sasl_error), preset, redactor=redactor, **params)]
        offer = classify_auth_offer(offered=obs.offered, tls_active=obs.tls_active,
                                    starttls_offered=obs.starttls_offered,
                                    have_token=settings.oauth_token is not None,
                                    have_password=settings.password is not None, forced=settings.auth_mech,
                                    port=port)
        if offer is not None:
            if tls_problem and offer.finding == "client.auth-not-offered" and not obs.tls_active:
                return []
            return [to_finding(offer, preset, redactor=redactor, **params)]
        return []
    if obs.sasl_error is not None:
        code = obs.reply.code if obs.reply else None
        return [to_finding(classify_sasl_error(obs.sasl_error, code=code), preset, redactor=redactor, **params)]
    if obs.reply is None and obs.protocol_error:
        return [make("auth.garbage-reply", **params, problem=obs.transport_error or "not SMTP",
                     evidence={"stage": "auth", "mechanism": obs.mechanism, "error": obs.transport_error})]
    if obs.reply is None:
        return [make("connection.dropped-after-greeting", error=obs.transport_error or "no reply to AUTH",
                     port=port, evidence={"stage": "auth", "mechanism": obs.mechanism})]
    result = classify_auth(obs.reply.code, obs.reply.enhanced, obs.reply.text,
                           preset.key if preset is not None else None, mechanism=obs.mechanism,
                           oauth_error=obs.oauth_error)
    findings = [to_finding(result, preset, redactor=redactor, mechanism=obs.mechanism, **params)]
    if obs.insecure:
        findings.append(make("auth.sent-unverified", **params, evidence={"insecure_auth": True}))
    return findings
