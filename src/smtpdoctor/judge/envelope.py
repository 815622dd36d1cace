"""Judge MAIL FROM / RCPT TO / DATA replies (pure): relay denied, sender not owned, PTR required,
blocked citing a list, rate limits and greylisting."""

from __future__ import annotations

from .auth_replies import classify_envelope, to_finding
from ..core.catalogue import make
from ..core.model import Finding
from ..observe.submission import EnvelopeObservation
from ..core.providers import Preset
from ..core.settings import Settings

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
    provider = preset.key if preset is not None else None
    for stage, reply in (("mail", obs.mail), ("rcpt", obs.rcpt), ("data", obs.data)):
        if reply is None:
            continue
        result = classify_envelope(stage, reply.code, reply.enhanced, reply.text, provider)
        findings.append(to_finding(result, preset, redactor=redactor, **params))
        if not reply.is_positive:
            break
    return findings
