"""Judge the AUTH step: not offered, no common mechanism, the server's answer (pure).

The server's answer is read by the one reply classifier (:mod:`smtpdoctor.judge.reply`); what is judged
here is what no reply says: the EHLO offer, and an exchange that broke before a final reply.
"""

from __future__ import annotations

import dataclasses
from typing import Any, Iterable, Mapping

from smtpdoctor.core.catalogue import make
from smtpdoctor.judge.reply import Classification, classify, judged, to_finding
from smtpdoctor.core.model import Finding
from smtpdoctor.observe.facts import AuthObservation
from smtpdoctor.core.providers import Preset
from smtpdoctor.core.settings import Settings
from smtpdoctor.protocol.sasl import SaslError, choose_mechanism, normalise_offered

__all__ = ["check", "classify_auth", "classify_auth_offer", "classify_sasl_error"]

_OAUTH_REFUSALS = frozenset({"auth.credentials-rejected", "auth.failed", "auth.app-password-required"})
_OFFER_WHY = {
    "before-tls": "The server offers AUTH only after STARTTLS, and this connection is not encrypted.",
    "not-on-port": "The server does not advertise AUTH on port {port}: this port does not take logins "
                   "(port 25 is usually for server-to-server mail).",
}


def check(obs: AuthObservation | None, settings: Settings, preset: Preset | None, *, port: int,
          redactor=None, tls_problem: bool = False) -> list[Finding]:
    """``tls_problem``: STARTTLS was expected but is missing or failed on this port. AUTH that is only
    offered under TLS is then a consequence, not a cause, and the TLS finding explains it."""
    params = {"host": settings.host, "port": port, "user": settings.user or ""}
    if obs is None:
        if settings.user and (settings.password or settings.oauth_token):
            # Credentials were given but the session never reached AUTH: the login is untested, which
            # is not the same as "nothing to test" (and never a pass).
            return [make("auth.not-attempted", **params, evidence={"reached_auth": False})]
        return []
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
    text = redactor.redact(obs.reply.text) if redactor is not None else obs.reply.text
    result = classify_auth(obs.reply.code, obs.reply.enhanced, text,
                           preset.provider if preset is not None else None, mechanism=obs.mechanism,
                           oauth_error=obs.oauth_error)
    findings = [to_finding(result, preset, redactor=redactor, mechanism=obs.mechanism, **params)]
    if obs.insecure:
        findings.append(make("auth.sent-unverified", **params, evidence={"insecure_auth": True}))
    return findings


def classify_auth(
    code: int | None,
    enhanced: str | None,
    text: str | Iterable[str],
    provider: str | None = None,
    *,
    mechanism: str | None = None,
    oauth_error: Mapping[str, Any] | None = None,
) -> Classification:
    """The final reply to an AUTH exchange (``235``, ``535 5.7.8`` ...), read by the one classifier.

    With ``mechanism="XOAUTH2"`` a refusal is about the token, not a password:
    ``auth.oauth-token-rejected``, carrying the decoded error challenge (``oauth_error``, i.e.
    :attr:`smtpdoctor.protocol.sasl.Xoauth2.error`) as ``oauth_status`` / ``oauth_scope``.
    """
    if not isinstance(text, str):
        text = "\n".join(str(t) for t in text)
    result = classify(code, text, enhanced=enhanced, phase="auth", provider=provider)
    if (mechanism or "").upper() != "XOAUTH2" or result.finding not in _OAUTH_REFUSALS:
        return result
    err = dict(oauth_error or {})
    status, scope = err.get("status"), err.get("scope")
    why = f"The server answered \"{result.params['reply']}\""
    if status or scope:
        why += " after an OAuth error (" + ", ".join(
            part for part in (f"status {status}" if status else "", f"scope {scope}" if scope else "") if part) + ")"
    params = {**result.params, "mechanism": "XOAUTH2", "oauth_status": status, "oauth_scope": scope, "why": why + "."}
    return dataclasses.replace(result, finding="auth.oauth-token-rejected", params=params)


def classify_auth_offer(
    *,
    offered: Iterable[str] | None,
    tls_active: bool,
    starttls_offered: bool = False,
    have_token: bool = False,
    have_password: bool = True,
    forced: str | None = None,
    port: int | None = None,
) -> Classification | None:
    """Judge the EHLO ``AUTH`` advertisement before trying to authenticate; ``None`` means go ahead.

    * no AUTH, not under TLS, STARTTLS offered: AUTH is only offered after STARTTLS
      (``client.auth-not-offered``, reason ``before-tls``);
    * no AUTH otherwise: this port/server does not take AUTH (reason ``not-on-port``);
    * AUTH offered but nothing we can use (or not the forced mechanism): ``auth.mechanism-unsupported``.
    An unknown ``forced`` name raises :class:`~smtpdoctor.protocol.sasl.SaslError` (a usage error).
    """
    names = normalise_offered(offered or ())
    base: dict[str, Any] = {"port": port, "tls": tls_active}
    if not names:
        reason = "before-tls" if (not tls_active and starttls_offered) else "not-on-port"
        why = _OFFER_WHY[reason].format(port=port if port is not None else "this port")
        return judged("client.auth-not-offered", **base, reason=reason, why=why)
    chosen = choose_mechanism(
        names, have_token=have_token, have_password=have_password, forced=forced, encrypted=tls_active
    )
    if chosen is not None:
        return None
    wanted = [forced.upper()] if forced else (["XOAUTH2"] if have_token else []) + (
        ["PLAIN", "LOGIN", "CRAM-MD5"] if have_password else []
    )
    return judged("auth.mechanism-unsupported", **base, offered=" ".join(names), wanted=" ".join(wanted),
                  reason="no-common-mechanism",
                  why=f"The server offers {' '.join(names)}; the login needs {' or '.join(wanted) or 'a mechanism'}.")


def classify_sasl_error(error: SaslError, *, code: int | None = None, text: str = "") -> Classification:
    """An AUTH exchange that could not go on (garbage challenge, ``334`` loop, unusable input)."""
    params: dict[str, Any] = {"reason": error.reason, "mechanism": error.mechanism or "AUTH", "problem": error.message}
    if code is not None:
        params["code"] = code
    if error.reason == "bad-input":
        return judged("client.auth-input-invalid", **params)
    if error.reason == "unsupported-mechanism":
        return judged("auth.mechanism-unsupported", **params, why=error.message)
    return judged("auth.garbage-reply", **params)
