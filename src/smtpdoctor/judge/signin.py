"""Judge the sign-in method against what the provider accepts on the day of the run (pure).

The provider presets carry the sign-in methods each service documents, with the dates they change
(:class:`smtpdoctor.core.providers.SignIn`): Outlook.com has refused passwords and app passwords from mail
apps since 2024-09-16; Microsoft 365 switches password SMTP AUTH off by default at the end of 2026. A
server's answer is the truth for the day: an accepted login is never contradicted. What is judged here:

* a password where the provider refuses every password kind: a rejected login (or one not yet tried)
  is ``auth.password-not-accepted``, whose fix is OAuth2 or the provider's relay, not "retype it";
* a password that works today but whose method is switched off soon (or already off by default, so
  an administrator's exception keeps it alive): ``auth.password-retiring``.

We cannot tell an account password from an app password (both are "a password" to SMTP), so a
provider that refuses account passwords but takes app passwords gets its advice from the reply's
remedies, not from here.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import TYPE_CHECKING, Sequence

from ..core.catalogue import make
from ..core.model import Finding
from ..core.settings import Settings

if TYPE_CHECKING:
    from ..core.providers import Preset, SignIn  # built only for a host that has a preset (issue 16)

__all__ = ["check", "SOON_DAYS"]

SOON_DAYS = 90  # a change this close is worth a warning on a run that works today
_REFUSED_LOGIN = frozenset({"auth.credentials-rejected", "auth.failed", "auth.app-password-required",
                            "auth.smtp-auth-disabled"})


def check(findings: Sequence[Finding], settings: Settings, preset: Preset | None, *,
          today: dt.date) -> list[Finding]:
    """``findings`` of the AUTH step, with the sign-in judgement applied (see the module docstring)."""
    out = list(findings)
    if preset is None or settings.password is None or settings.oauth_token is not None:
        return out
    password = preset.signin_for("password")
    if password is None:
        return out
    app = preset.signin_for("app-password")
    ids = {f.id for f in out}
    if "auth.ok" not in ids and password.refused_on(today) and (app is None or app.refused_on(today)):
        return _not_accepted(out, settings, preset, password, today)
    change = password.changes_within(today, SOON_DAYS)
    if "auth.ok" in ids and (change is not None or password.off_by_default_on(today)):
        day = change or password.off_by_default
        out.append(make("auth.password-retiring", provider=preset.name, date=day.isoformat(),
                        note=password.note, evidence={"provider": preset.key, "date": day.isoformat(),
                                                      "source": password.source}))
    return out


def _not_accepted(findings: list[Finding], settings: Settings, preset: Preset, signin: SignIn,
                  today: dt.date) -> list[Finding]:
    since = signin.until.isoformat() if signin.until else None
    evidence = {"provider": preset.key, "since": since, "source": signin.source}
    refused = [f for f in findings if f.id in _REFUSED_LOGIN]
    if refused:
        evidence["reply"] = refused[0].evidence.get("reply")
    finding = make("auth.password-not-accepted", provider=preset.name,
                   since=f" since {since}" if since else "", note=signin.note, evidence=evidence)
    if not refused:
        # nothing observed says otherwise yet: a prediction from the settings, outranked by what a server says
        finding = dataclasses.replace(finding, evidence={**finding.evidence, "source": "settings"})
    return [f for f in findings if f.id not in _REFUSED_LOGIN] + [finding]
