"""Judge MAIL FROM / RCPT TO / DATA replies (pure) with the one reply classifier: relay denied, sender not
owned, PTR required, blocked citing a list, rate limits and greylisting."""

from __future__ import annotations

from typing import TYPE_CHECKING

from smtpdoctor.core.catalogue import make
from smtpdoctor.core.model import Finding
from smtpdoctor.core.settings import Settings

if TYPE_CHECKING:
    from smtpdoctor.core.providers import Preset
    from smtpdoctor.observe.facts import EnvelopeObservation  # built only by a run that reaches the envelope

__all__ = ["check"]


def check(obs: EnvelopeObservation | None, settings: Settings, preset: Preset | None, *, port: int,
          authenticated: bool, redactor=None) -> list[Finding]:
    if obs is None or obs.sender is None:
        return []
    params = {"host": settings.host, "port": port, "sender": obs.sender, "recipient": obs.recipient or "",
              "authenticated": authenticated}
    if obs.address_error:
        return [make("client.smtputf8-not-offered", problem=obs.address_error, evidence={"error": obs.address_error})]
    findings: list[Finding] = []
    if obs.smtputf8 and obs.mail is not None:
        findings.append(make("envelope.smtputf8-used", host=settings.host, port=port,
                             evidence={"sender": obs.sender, "recipient": obs.recipient or ""}))
    provider = preset.provider if preset is not None else None
    for stage, reply in (("mail", obs.mail), ("rcpt", obs.rcpt), ("data", obs.data)):
        if reply is None:
            continue
        text = redactor.redact(reply.text) if redactor is not None else reply.text
        from smtpdoctor.judge.reply import classify, to_finding  # loaded when there is a reply to judge

        result = classify(reply.code, text, enhanced=reply.enhanced, phase=stage, provider=provider)
        findings.append(to_finding(result, preset, redactor=redactor, **params))
        if not reply.is_positive:
            break
    return findings
