"""The provider presets as values (:class:`Preset`, its ports, help links and sign-in methods) and how one is
built from ``knowledge/providers.toml``. Part of :mod:`smtpdoctor.core.providers` (which names every class
here and finds the preset of a host), apart so that a host that matches no preset builds none (issue 16).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Mapping

from .providers import SENDER_POLICIES
from .settings import Security

__all__ = ["PortPreset", "HelpLink", "SignIn", "Preset", "SIGNIN_METHODS", "build"]


@dataclass(frozen=True, slots=True, kw_only=True)
class PortPreset:
    port: int
    security: Security


@dataclass(frozen=True, slots=True, kw_only=True)
class HelpLink:
    title: str
    url: str


#: how a mail app signs in: the account password, an app password (a second password made for one app,
#: AT&T's "secure mail key"), an OAuth2 token (XOAUTH2 / OAUTHBEARER), a service's API key
SIGNIN_METHODS = frozenset({"password", "app-password", "oauth2", "api-key"})


@dataclass(frozen=True, slots=True, kw_only=True)
class SignIn:
    """One way of signing in to a provider's SMTP service, and the dates that change it.

    ``until``: refused from this day on. ``off_by_default``: from this day on switched off unless an
    administrator turns it back on (Microsoft 365's basic authentication for SMTP AUTH). ``source``: the
    provider's own page that says so."""

    method: str
    accepted: bool = True  # False: the provider never takes this method from mail apps
    until: dt.date | None = None
    off_by_default: dt.date | None = None
    note: str = ""
    source: str | None = None

    def refused_on(self, day: dt.date) -> bool:
        return not self.accepted or (self.until is not None and day >= self.until)

    def off_by_default_on(self, day: dt.date) -> bool:
        return self.off_by_default is not None and day >= self.off_by_default

    def changes_within(self, day: dt.date, days: int) -> dt.date | None:
        """The next change of this method within ``days`` of ``day``, if any."""
        soon = [d for d in (self.until, self.off_by_default) if d is not None and day < d <= day + dt.timedelta(days)]
        return min(soon) if soon else None


@dataclass(frozen=True, slots=True, kw_only=True)
class Preset:
    key: str  # stable id of the preset (a service): "gmail", "microsoft-365", "amazon-ses" ...
    name: str
    provider: str | None = None  # the provider's id in the reply rules (knowledge/replies.toml): "microsoft"
    hosts: tuple[str, ...]
    ports: tuple[PortPreset, ...]
    auth: tuple[str, ...] = ()
    requires_auth: bool = True
    username: str = "any"  # "address", "any", or a literal the service requires ("apikey")
    sender_policy: str = "any"
    sandbox: bool = False
    password_kind: str | None = None
    quirks: tuple[str, ...] = ()
    help: tuple[HelpLink, ...] = ()
    remedies: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    signin: tuple[SignIn, ...] = ()  # the sign-in methods the service documents, with their dates

    def signin_for(self, method: str) -> SignIn | None:
        return next((s for s in self.signin if s.method == method), None)

    def security_for(self, port: int) -> Security | None:
        """The security the provider speaks on ``port``, or ``None`` when it does not document the port."""
        return next((p.security for p in self.ports if p.port == port), None)

    @property
    def recommended(self) -> PortPreset | None:
        """The provider's first-listed (preferred) port."""
        return self.ports[0] if self.ports else None

    @property
    def default_host(self) -> str | None:
        """The first host name of the preset that is a literal name (not a pattern): what to connect to."""
        return next((h for h in self.hosts if not h.startswith("re:") and not any(c in h for c in "*?[")), None)

    @property
    def username_literal(self) -> str | None:
        """The fixed user name the service requires (``apikey``), if any."""
        return None if self.username in ("any", "address") else self.username

    def remedy_for(self, finding_id: str, **params: Any) -> tuple[str, ...]:
        """The provider's own steps for ``finding_id`` (templates filled from ``params``), or ``()``."""
        steps = self.remedies.get(finding_id, ())
        values = {**_FALLBACK, "name": self.name, **{k: v for k, v in params.items() if v is not None}}
        return tuple(_fill(s, values) for s in steps)


# wording used when a remedy names something the caller did not give
_FALLBACK = {"user": "the account's full address", "host": "the SMTP host", "port": "the port"}


class _Keep(dict):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def _fill(template: str, params: Mapping[str, Any]) -> str:
    try:
        return template.format_map(_Keep({k: v for k, v in params.items() if v is not None}))
    except (ValueError, IndexError, AttributeError):
        return template


def build(key: str, raw: Mapping[str, Any]) -> Preset:
    """The preset ``key`` from its table in ``knowledge/providers.toml``."""
    policy = raw.get("sender_policy", "any")
    if policy not in SENDER_POLICIES:
        raise ValueError(f"provider {key!r}: unknown sender_policy {policy!r}")
    return Preset(
        key=key,
        name=raw["name"],
        provider=raw.get("provider"),
        hosts=tuple(raw["hosts"]),
        ports=tuple(PortPreset(port=int(p["port"]), security=Security(p["security"])) for p in raw.get("ports", ())),
        auth=tuple(m.upper() for m in raw.get("auth", ())),
        requires_auth=bool(raw.get("requires_auth", True)),
        username=raw.get("username", "any"),
        sender_policy=policy,
        sandbox=bool(raw.get("sandbox", False)),
        password_kind=raw.get("password_kind"),
        quirks=tuple(raw.get("quirks", ())),
        help=tuple(HelpLink(title=h["title"], url=h["url"]) for h in raw.get("help", ())),
        remedies={fid: tuple(steps) for fid, steps in raw.get("remedies", {}).items()},
        signin=tuple(_signin(key, method, entry) for method, entry in raw.get("signin", {}).items()),
    )


def _signin(key: str, method: str, raw: Mapping[str, Any]) -> SignIn:
    if method not in SIGNIN_METHODS:
        raise ValueError(f"provider {key!r}: unknown sign-in method {method!r}")
    return SignIn(method=method, accepted=bool(raw.get("accepted", True)), until=raw.get("until"), off_by_default=raw.get("off_by_default"),
                  note=raw.get("note", ""), source=raw.get("source"))
