"""The rest of the walk on the configured port's open session: AUTH, then MAIL FROM / RCPT TO (and DATA
only with ``--send``). Records every reply and failure as values; judging is for ``checks.auth`` and
``checks.envelope``.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import uuid
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import format_datetime

from ..core.redact import Redactor
from ..core.settings import Security, Settings
from ..core.names import envelope_path
from ..protocol.errors import RemoteProtocolError, SmtpError
from ..protocol.replies import Reply
from ..net.smtp import SmtpSession
from ..protocol.sasl import SaslError, choose_mechanism, create, normalise_offered
from .submission_facts import AuthObservation, EnvelopeObservation

__all__ = ["run_auth", "run_envelope", "test_message", "unsafe_for_secrets"]


async def run_auth(session: SmtpSession, settings: Settings, redactor: Redactor) -> AuthObservation:
    caps = session.capabilities
    offered = normalise_offered(caps.auth_mechanisms if caps else ())
    base = dict(offered=offered, tls_active=session.is_tls, starttls_offered=bool(caps and caps.starttls))
    secret = settings.oauth_token or settings.password
    if not settings.user or not secret:
        return AuthObservation(attempted=False, **base)
    unsafe = unsafe_for_secrets(session, settings)
    if unsafe is not None and not settings.insecure_auth:
        return AuthObservation(attempted=False, withheld=unsafe, **base)
    base["insecure"] = unsafe is not None
    try:
        name = choose_mechanism(offered, have_token=settings.oauth_token is not None,
                                have_password=settings.password is not None, forced=settings.auth_mech,
                                encrypted=session.is_tls)
    except SaslError as exc:
        return AuthObservation(attempted=False, sasl_error=exc, **base)
    if name is None:
        return AuthObservation(attempted=False, **base)
    try:
        mech = create(name, settings.user, secret)
    except SaslError as exc:
        return AuthObservation(attempted=False, mechanism=name, sasl_error=exc, **base)
    redactor.add_mechanism(mech)
    try:
        verb_arg = mech.auth_command().split(" ", 1)
        reply = await session.command("AUTH", verb_arg[1], phase="auth")
        while reply.code == 334:
            challenge = reply.lines[0].strip() if reply.lines else ""
            try:
                answer = mech.respond(challenge)
            except SaslError as exc:
                final = await session.sasl("*", phase="auth")  # cancel the exchange (RFC 4954 §4)
                return AuthObservation(attempted=True, mechanism=name, reply=final, sasl_error=exc,
                                       steps=mech.steps, **base)
            reply = await session.sasl(answer, phase="auth")
    except SmtpError as exc:
        return AuthObservation(attempted=True, mechanism=name, transport_error=redactor.redact(str(exc)),
                               protocol_error=isinstance(exc, RemoteProtocolError), steps=mech.steps, **base)
    return AuthObservation(attempted=True, mechanism=name, reply=reply, steps=mech.steps,
                           oauth_error=getattr(mech, "error", None), **base)


def unsafe_for_secrets(session: SmtpSession, settings: Settings) -> str | None:
    """Why this session must not carry a password or token, or ``None`` when it may.

    A TLS session whose certificate failed verification talks to whoever holds that certificate (an
    interception proxy, a wrong DNS answer, an attacker); a plain session where the user asked for TLS
    has been downgraded or misconfigured. Either way the secret would go to a peer whose identity was
    not verified. A plain session the user chose (``--security none``) is their explicit choice."""
    if session.is_tls:
        return None if session.tls.verified else "certificate-unverified"
    if settings.security in (Security.STARTTLS, Security.TLS):
        return "no-tls"
    return None


def test_message(sender: str, recipient: str, *, helo: str, now: dt.datetime | None = None,
                 unsubscribe_url: str | None = None) -> bytes:
    """One RFC 5322 test message with Message-ID, Date and List-Unsubscribe.

    RFC 8058 allows ``List-Unsubscribe-Post: List-Unsubscribe=One-Click`` only beside an HTTPS URI in
    List-Unsubscribe, so the Post header is written only when an ``https://`` ``unsubscribe_url`` is given;
    otherwise the message offers the mailto: form alone (a test message is not bulk mail).
    ``tests/observe/test_own_message.py`` runs every message smtpdoctor sends through ``headers``."""
    now = now or dt.datetime.now(dt.timezone.utc)
    domain = sender.rpartition("@")[2] or "smtpdoctor.invalid"
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = recipient
    msg["Subject"] = "smtpdoctor test message"
    msg["Date"] = format_datetime(now)
    msg["Message-ID"] = f"<{uuid.uuid4().hex}@{domain}>"
    mailto = f"<mailto:{sender}?subject=unsubscribe>"
    if unsubscribe_url is not None and unsubscribe_url.lower().startswith("https://"):
        msg["List-Unsubscribe"] = f"<{unsubscribe_url}>, {mailto}"
        msg["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    else:
        msg["List-Unsubscribe"] = mailto
    msg["X-Mailer"] = "smtpdoctor"
    msg.set_content(f"This is a test message sent by smtpdoctor from {helo}.\nNo action is needed.\n")
    return msg.as_bytes()


async def run_envelope(session: SmtpSession, settings: Settings) -> EnvelopeObservation:
    caps = session.capabilities
    offered_utf8 = bool(caps and caps.smtputf8)
    sender = settings.mail_from
    recipient = settings.rcpt_to
    obs = EnvelopeObservation(sender=sender, recipient=recipient)
    if sender is None:
        return obs
    try:
        mail_path, needs_utf8 = envelope_path(sender, smtputf8_offered=offered_utf8)
        rcpt_path, needs_utf8_r = envelope_path(recipient, smtputf8_offered=offered_utf8) if recipient \
            else (None, False)
    except ValueError as exc:
        return EnvelopeObservation(sender=sender, recipient=recipient, address_error=str(exc))
    use_utf8 = needs_utf8 or needs_utf8_r
    stage = "mail"
    mail_arg = f"FROM:{mail_path}" + (" SMTPUTF8" if use_utf8 else "")
    # With PIPELINING offered, MAIL and RCPT go in one write (one round trip less); their replies are still
    # read, recorded and judged one by one. RCPT's reply is read even when MAIL was refused (a 503 then),
    # so that every later reply stays paired with its command.
    pipelined = bool(caps and caps.pipelining) and rcpt_path is not None
    try:
        if pipelined:
            await session.pipeline([("MAIL", mail_arg, "mail"), ("RCPT", f"TO:{rcpt_path}", "rcpt")])
            mail = await session.reply("mail")
        else:
            mail = await session.command("MAIL", mail_arg, phase="mail")
        obs = EnvelopeObservation(sender=sender, recipient=recipient, mail=mail, smtputf8=use_utf8)
        if pipelined and not mail.is_positive:  # MAIL's refusal is the finding, whatever RCPT's reply
            with contextlib.suppress(SmtpError):
                await session.reply("rcpt")
            return obs
        if not mail.is_positive or rcpt_path is None:
            return obs
        stage = "rcpt"
        rcpt = await (session.reply("rcpt") if pipelined else session.command("RCPT", f"TO:{rcpt_path}", phase="rcpt"))
        obs = EnvelopeObservation(sender=sender, recipient=recipient, mail=mail, rcpt=rcpt, smtputf8=use_utf8)
        if not rcpt.is_positive:
            return obs
        if settings.send:
            stage = "data"
            data = await session.data(test_message(sender, recipient, helo=settings.helo or "smtpdoctor"))
            return EnvelopeObservation(sender=sender, recipient=recipient, mail=mail, rcpt=rcpt, data=data,
                                       smtputf8=use_utf8)
        return obs  # QUIT (which the caller sends) ends the transaction; no RSET round trip needed
    except SmtpError as exc:
        return EnvelopeObservation(sender=obs.sender, recipient=obs.recipient, mail=obs.mail, rcpt=obs.rcpt,
                                   smtputf8=use_utf8, transport_error=str(exc), stage_failed=stage)
