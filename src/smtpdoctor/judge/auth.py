"""Judge the AUTH step: not offered, no common mechanism, the server's answer (pure).

The server's answer is read by the one reply classifier (:mod:`smtpdoctor.judge.reply`); what is judged
here is what no reply says: the EHLO offer, and an exchange that broke before a final reply.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import TYPE_CHECKING, Any, Iterable, Mapping

from smtpdoctor.core.catalogue import make
from smtpdoctor.core.model import Finding
from smtpdoctor.core.settings import Settings
from smtpdoctor.protocol.bearer import token_expiry
from smtpdoctor.protocol.sasl import TOKEN_MECHANISMS, SaslError, choose_mechanism, normalise_offered

if TYPE_CHECKING:
    from smtpdoctor.core.providers import Preset
    from smtpdoctor.observe.facts import AuthObservation  # built only by a run that reaches AUTH
    from smtpdoctor.judge.reply import Classification

__all__ = ["check", "classify_auth", "classify_auth_offer", "classify_sasl_error"]


def _reply():
    """The one reply classifier, loaded when a reply or an offer is judged (~18 ms of imports: its rules,
    the blocklist citations, the checklist): a run that never reached AUTH judges none."""
    from smtpdoctor.judge import reply

    return reply


_OAUTH_REFUSALS = frozenset({"auth.credentials-rejected", "auth.failed", "auth.app-password-required"})
_OFFER_WHY = {
    "before-tls": "The server offers AUTH only after STARTTLS, and this connection is not encrypted.",
    "not-on-port": "The server does not advertise AUTH on port {port}: this port does not take logins "
                   "(port 25 is usually for server-to-server mail).",
}


def check(obs: AuthObservation | None, settings: Settings, preset: Preset | None, *, port: int,
          redactor=None, tls_problem: bool = False, now: float | None = None) -> list[Finding]:
    """``tls_problem``: STARTTLS was expected but is missing or failed on this port. AUTH that is only
    offered under TLS is then a consequence, not a cause, and the TLS finding explains it.
    ``now`` (epoch seconds): the time of the run, to tell a refused token that had already expired."""
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
            return [_reply().to_finding(classify_sasl_error(obs.sasl_error), preset, redactor=redactor, **params)]
        offer = classify_auth_offer(offered=obs.offered, tls_active=obs.tls_active,
                                    starttls_offered=obs.starttls_offered,
                                    have_token=settings.oauth_token is not None,
                                    have_password=settings.password is not None, forced=settings.auth_mech,
                                    port=port)
        if offer is not None:
            if tls_problem and offer.finding == "client.auth-not-offered" and not obs.tls_active:
                return []
            return [_reply().to_finding(offer, preset, redactor=redactor, **params)]
        return []
    if obs.sasl_error is not None:
        code = obs.reply.code if obs.reply else None
        failed = classify_sasl_error(obs.sasl_error, code=code)
        return [_reply().to_finding(failed, preset, redactor=redactor, **params)]
    if obs.reply is None and obs.protocol_error:
        return [make("auth.garbage-reply", **params, problem=obs.transport_error or "not SMTP",
                     evidence={"stage": "auth", "mechanism": obs.mechanism, "error": obs.transport_error})]
    if obs.reply is None:
        return [make("connection.dropped-after-greeting", error=obs.transport_error or "no reply to AUTH",
                     port=port, evidence={"stage": "auth", "mechanism": obs.mechanism})]
    text = redactor.redact(obs.reply.text) if redactor is not None else obs.reply.text
    result = classify_auth(obs.reply.code, obs.reply.enhanced, text,
                           preset.provider if preset is not None else None, mechanism=obs.mechanism,
                           oauth_error=obs.oauth_error, token_expired=_expired_at(settings, now))
    findings = [_reply().to_finding(result, preset, redactor=redactor, mechanism=obs.mechanism, **params)]
    if obs.insecure:
        findings.append(make("auth.sent-unverified", **params, evidence={"insecure_auth": True}))
    return findings


def _expired_at(settings: Settings, now: float | None) -> str | None:
    """When the token (a JWT) expired, as UTC text, if it had expired by ``now``; else ``None``."""
    if settings.oauth_token is None or now is None:
        return None
    exp = token_expiry(settings.oauth_token.reveal())
    if exp is None or exp > now:
        return None
    return dt.datetime.fromtimestamp(exp, dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")


def classify_auth(
    code: int | None,
    enhanced: str | None,
    text: str | Iterable[str],
    provider: str | None = None,
    *,
    mechanism: str | None = None,
    oauth_error: Mapping[str, Any] | None = None,
    token_expired: str | None = None,
) -> Classification:
    """The final reply to an AUTH exchange (``235``, ``535 5.7.8`` ...), read by the one classifier.

    With a token mechanism (XOAUTH2, OAUTHBEARER) a refusal is about the token, not a password:
    ``auth.oauth-token-rejected``, carrying the decoded error challenge (``oauth_error``, i.e.
    :attr:`smtpdoctor.protocol.sasl.Xoauth2.error`) as ``oauth_status`` / ``oauth_scope``; when the
    token itself says it had expired (``token_expired``, the time), ``auth.oauth-token-expired``.
    """
    if not isinstance(text, str):
        text = "\n".join(str(t) for t in text)
    result = _reply().classify(code, text, enhanced=enhanced, phase="auth", provider=provider)
    mechanism = (mechanism or "").upper()
    if mechanism not in TOKEN_MECHANISMS or result.finding not in _OAUTH_REFUSALS:
        return result
    err = dict(oauth_error or {})
    status, scope = err.get("status"), err.get("scope")
    why = f"The server answered \"{result.params['reply']}\""
    if status or scope:
        why += " after an OAuth error (" + ", ".join(
            part for part in (f"status {status}" if status else "", f"scope {scope}" if scope else "") if part) + ")"
    params = {**result.params, "mechanism": mechanism, "oauth_status": status, "oauth_scope": scope, "why": why + "."}
    if token_expired:
        params["expired_at"] = token_expired
        return dataclasses.replace(result, finding="auth.oauth-token-expired", params=params)
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
        return _reply().judged("client.auth-not-offered", **base, reason=reason, why=why)
    chosen = choose_mechanism(
        names, have_token=have_token, have_password=have_password, forced=forced, encrypted=tls_active
    )
    if chosen is not None:
        return None
    wanted = [forced.upper()] if forced else (list(TOKEN_MECHANISMS) if have_token else []) + (
        ["PLAIN", "LOGIN", "CRAM-MD5"] if have_password else []
    )
    return _reply().judged("auth.mechanism-unsupported", **base, offered=" ".join(names), wanted=" ".join(wanted),
                  reason="no-common-mechanism",
                  why=f"The server offers {' '.join(names)}; the login needs {' or '.join(wanted) or 'a mechanism'}.")


def classify_sasl_error(error: SaslError, *, code: int | None = None, text: str = "") -> Classification:
    """An AUTH exchange that could not go on (garbage challenge, ``334`` loop, unusable input)."""
    params: dict[str, Any] = {"reason": error.reason, "mechanism": error.mechanism or "AUTH", "problem": error.message}
    if code is not None:
        params["code"] = code
    if error.reason == "bad-input":
        return _reply().judged("client.auth-input-invalid", **params)
    if error.reason == "unsupported-mechanism":
        return _reply().judged("auth.mechanism-unsupported", **params, why=error.message)
    return _reply().judged("auth.garbage-reply", **params)
