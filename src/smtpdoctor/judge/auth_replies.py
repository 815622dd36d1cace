"""Classify what a server answered to AUTH, MAIL FROM, RCPT TO or DATA into finding ids (pure).

The rules are data (``knowledge/auth_envelope_replies.toml``): reply code, enhanced status code and a
pattern of the text, first match wins. The result is a :class:`ReplyClass` — a finding id, the
parameters for its wording, a confidence, whether to retry (4xx) and, for a rejection that cites a
blocklist, the list and IP it names so the engine can ask the DNSBL module. :func:`to_finding` turns
it into a :class:`~smtpdoctor.core.model.Finding`, with the provider's own remedy first when the host is
a known one.

Also here: :func:`classify_auth_offer` (AUTH not advertised, or no mechanism in common) and
:func:`classify_sasl_error` (garbage or a ``334`` loop during the exchange).
"""

from __future__ import annotations

import dataclasses
import fnmatch
import re
import tomllib
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any, Iterable, Mapping

from ..core import catalogue
from ..core.model import Finding
from ..core.providers import Preset
from ..protocol.sasl import SaslError, choose_mechanism, normalise_offered

__all__ = [
    "STAGES",
    "ReplyClass",
    "classify_auth",
    "classify_envelope",
    "classify_reply",
    "classify_auth_offer",
    "classify_sasl_error",
    "split_status",
    "to_finding",
    "blocklist_citation",
]

STAGES = ("auth", "mail", "rcpt", "data")
_COMMANDS = {"auth": "AUTH", "mail": "MAIL FROM", "rcpt": "RCPT TO", "data": "DATA"}

_STATUS = re.compile(r"^\s*([245])\.(\d{1,3})\.(\d{1,3})(?=\s|$|[^\w.])")
_BLOCK_NAME = re.compile(
    r"(?:blocked using|listed (?:in|at|on|by))\s+([A-Za-z0-9][A-Za-z0-9.-]*[A-Za-z0-9])", re.IGNORECASE
)
_ZONE = re.compile(r"^[a-z0-9-]+(?:\.[a-z0-9-]+)+$", re.IGNORECASE)
_BRACKET_IP = re.compile(r"\[((?:\d{1,3}\.){3}\d{1,3}|[0-9A-Fa-f]*:[0-9A-Fa-f:.]+)\]")
_MAX_TEXT = 2000


# one sentence for findings whose wording depends on how they were found (a reply, or the EHLO offer)
_WHY = {
    "auth.mechanism-unsupported": "The server answered \"{reply}\": it does not support the mechanism used.",
    "client.auth-not-offered": "The server refused the AUTH command: \"{reply}\".",
}
_OAUTH_REFUSALS = frozenset({"auth.credentials-rejected", "auth.failed", "auth.app-password-required"})
_OFFER_WHY = {
    "before-tls": "The server offers AUTH only after STARTTLS, and this connection is not encrypted.",
    "not-on-port": "The server does not advertise AUTH on port {port}: this port does not take logins "
                   "(port 25 is usually for server-to-server mail).",
}


@dataclass(frozen=True, slots=True, kw_only=True)
class ReplyClass:
    """What a reply means. ``finding`` is a catalogue id; ``params`` fill its wording and evidence."""

    finding: str
    params: Mapping[str, Any] = field(default_factory=dict)
    confidence: str = "high"  # high | medium | low
    retry: bool = False  # transient: advise to retry later rather than to change settings
    cites_blocklist: bool = False  # the engine should ask the DNSBL module about blocklist/ip
    blocklist: str | None = None  # the list or zone the reply names (zen.spamhaus.org, "Spamhaus")
    listed_ip: str | None = None  # the IP the reply names in brackets

    @property
    def ok(self) -> bool:
        return self.finding in ("auth.ok", "envelope.ok")


@dataclass(frozen=True, slots=True, kw_only=True)
class _Rule:
    stages: frozenset[str]
    codes: tuple[str, ...]
    statuses: tuple[str, ...]
    text: re.Pattern[str] | None
    providers: frozenset[str]
    either: bool
    finding: str
    confidence: str
    retry: bool
    blocklist: bool
    params: Mapping[str, Any]

    def matches(self, stage: str, code: int | None, status: str | None, text: str, provider: str | None) -> bool:
        if stage not in self.stages:
            return False
        if self.providers and provider not in self.providers:
            return False
        if self.codes and not (code is not None and any(_code_matches(c, code) for c in self.codes)):
            return False
        status_ok = bool(status) and any(fnmatch.fnmatchcase(status, s) for s in self.statuses)
        text_ok = self.text is not None and self.text.search(text) is not None
        if self.either and (self.statuses or self.text is not None):
            return status_ok or text_ok
        if self.statuses and not status_ok:
            return False
        if self.text is not None and not text_ok:
            return False
        return True


def _code_matches(pattern: str, code: int) -> bool:
    if pattern.endswith("xx"):
        return str(code)[:1] == pattern[0]
    return str(code) == pattern


@cache
def _rules() -> tuple[_Rule, ...]:
    text = resources.files("smtpdoctor.knowledge").joinpath("auth_envelope_replies.toml").read_text("utf-8")
    out = []
    for raw in tomllib.loads(text)["rule"]:
        out.append(
            _Rule(
                stages=frozenset(raw["stages"]),
                codes=tuple(raw.get("codes", ())),
                statuses=tuple(raw.get("statuses", ())),
                text=re.compile(raw["text"], re.IGNORECASE) if raw.get("text") else None,
                providers=frozenset(raw.get("providers", ())),
                either=raw.get("require", "all") == "text-or-status",
                finding=raw["finding"],
                confidence=raw.get("confidence", "high"),
                retry=bool(raw.get("retry", False)),
                blocklist=bool(raw.get("blocklist", False)),
                params=dict(raw.get("params", {})),
            )
        )
    return tuple(out)


def split_status(text: str) -> tuple[str | None, str]:
    """``("5.7.8", "rest")`` when ``text`` starts with an enhanced status code, else ``(None, text)``."""
    m = _STATUS.match(text or "")
    if not m:
        return None, text or ""
    return ".".join(m.groups()), (text[m.end():]).strip()


def _clean_text(text: Any) -> str:
    if isinstance(text, (list, tuple)):
        text = "\n".join(str(t) for t in text)
    return str(text or "")[:_MAX_TEXT]


def classify_reply(
    stage: str,
    code: int | None,
    enhanced: str | None,
    text: str | Iterable[str],
    provider: str | None = None,
) -> ReplyClass:
    """Classify one reply at ``stage`` (``auth``, ``mail``, ``rcpt`` or ``data``).

    ``text`` is the reply text without the code (lines joined, or a list of lines); ``enhanced`` is
    the enhanced status code if the caller split it off (else it is read from the start of ``text``);
    ``provider`` is a preset key (:mod:`smtpdoctor.core.providers`), for provider-specific rules.
    """
    if stage not in STAGES:
        raise ValueError(f"unknown stage {stage!r}")
    body = _clean_text(text)
    status = enhanced
    if not status:
        status, _ = split_status(body)
    if status and not _STATUS.match(status):
        status = None
    params: dict[str, Any] = {"stage": stage, "command": _COMMANDS[stage], "code": code, "status": status,
                              "reply": _first_line(code, status, body)}
    if provider:
        params["provider"] = provider
    if code is None or not 200 <= code <= 599:
        garbage = "auth.garbage-reply" if stage == "auth" else "envelope.unexpected-reply"
        return ReplyClass(finding=garbage, confidence="low", params={
            **params, "reason": "unparsable-reply", "problem": "the reply has no valid SMTP reply code"})
    for rule in _rules():
        if rule.matches(stage, code, status, body, provider):
            params.update(rule.params)
            if rule.finding in _WHY:
                params.setdefault("why", _WHY[rule.finding].format(reply=params["reply"]))
            blocklist, ip = (_blocklist_named(body), _ip_named(body)) if rule.blocklist else (None, None)
            if blocklist:
                params["list"] = blocklist
            if ip:
                params["ip"] = ip
            return ReplyClass(
                finding=rule.finding,
                params=params,
                confidence=rule.confidence,
                retry=rule.retry,
                cites_blocklist=rule.blocklist,
                blocklist=params.get("list") if rule.blocklist else None,
                listed_ip=ip,
            )
    fallback = "auth.garbage-reply" if stage == "auth" else "envelope.unexpected-reply"
    return ReplyClass(finding=fallback, confidence="low", params={
        **params, "reason": "unexpected-code", "problem": f"the server answered with an unexpected reply code {code}"})


def classify_auth(
    code: int | None,
    enhanced: str | None,
    text: str | Iterable[str],
    provider: str | None = None,
    *,
    mechanism: str | None = None,
    oauth_error: Mapping[str, Any] | None = None,
) -> ReplyClass:
    """Classify the final reply to an AUTH exchange (``235``, ``535 5.7.8`` ...).

    With ``mechanism="XOAUTH2"`` a refusal is about the token, not a password:
    ``auth.oauth-token-rejected``, carrying the decoded error challenge (``oauth_error``, i.e.
    :attr:`smtpdoctor.protocol.sasl.Xoauth2.error`) as ``oauth_status`` / ``oauth_scope``.
    """
    result = classify_reply("auth", code, enhanced, text, provider)
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


def classify_envelope(
    stage: str, code: int | None, enhanced: str | None, text: str | Iterable[str], provider: str | None = None
) -> ReplyClass:
    """Classify a reply to MAIL FROM (``mail``), RCPT TO (``rcpt``) or the end of DATA (``data``)."""
    if stage not in ("mail", "rcpt", "data"):
        raise ValueError(f"not an envelope stage: {stage!r}")
    return classify_reply(stage, code, enhanced, text, provider)


def classify_auth_offer(
    *,
    offered: Iterable[str] | None,
    tls_active: bool,
    starttls_offered: bool = False,
    have_token: bool = False,
    have_password: bool = True,
    forced: str | None = None,
    port: int | None = None,
) -> ReplyClass | None:
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
        return ReplyClass(finding="client.auth-not-offered", params={**base, "reason": reason, "why": why})
    chosen = choose_mechanism(
        names, have_token=have_token, have_password=have_password, forced=forced, encrypted=tls_active
    )
    if chosen is not None:
        return None
    wanted = [forced.upper()] if forced else (["XOAUTH2"] if have_token else []) + (
        ["PLAIN", "LOGIN", "CRAM-MD5"] if have_password else []
    )
    return ReplyClass(
        finding="auth.mechanism-unsupported",
        params={**base, "offered": " ".join(names), "wanted": " ".join(wanted), "reason": "no-common-mechanism",
                "why": f"The server offers {' '.join(names)}; the login needs {' or '.join(wanted) or 'a mechanism'}."},
    )


def classify_sasl_error(error: SaslError, *, code: int | None = None, text: str = "") -> ReplyClass:
    """An AUTH exchange that could not go on (garbage challenge, ``334`` loop, unusable input)."""
    params: dict[str, Any] = {"reason": error.reason, "mechanism": error.mechanism or "AUTH", "problem": error.message}
    if code is not None:
        params["code"] = code
    if error.reason == "bad-input":
        return ReplyClass(finding="client.auth-input-invalid", params=params)
    if error.reason == "unsupported-mechanism":
        return ReplyClass(finding="auth.mechanism-unsupported", params={**params, "why": error.message})
    return ReplyClass(finding="auth.garbage-reply", params=params)


def to_finding(result: ReplyClass, preset: Preset | None = None, *, redactor: Any = None, **params: Any) -> Finding:
    """The catalogue finding for ``result``; a known provider's steps come first in its remedy.

    ``params`` (``host``, ``port``, ``user`` ...) are added to the result's parameters for the wording.
    ``redactor`` (a :class:`smtpdoctor.core.redact.Redactor`) masks secrets in every text parameter, so a
    server that echoes a password into its reply cannot leak it through a finding's evidence.
    """
    values = {**dict(result.params), "confidence": result.confidence, **params}
    if result.retry:
        values.setdefault("retry", True)
    if redactor is not None:
        values = {k: redactor.redact(v) if isinstance(v, str) else v for k, v in values.items()}
    if preset is not None:
        values.setdefault("provider_name", preset.name)
    finding = catalogue.make(result.finding, **values)
    if preset is None:
        return finding
    own = preset.remedy_for(result.finding, **values)
    links = tuple(f"{h.title}: {h.url}" for h in preset.help) if own else ()
    if not own:
        return finding
    return dataclasses.replace(finding, remedy=own + finding.remedy + links)


def blocklist_citation(text: str | Iterable[str]) -> tuple[str | None, str | None] | None:
    """``(list, ip)`` when ``text`` (any reply: a greeting, a MAIL/RCPT answer) cites a blocklist, else ``None``.

    ``list`` is the zone or name the text gives (``zen.spamhaus.org``), ``ip`` the bracketed address;
    either may be ``None``. Uses the same patterns as the envelope rules.
    """
    body = _clean_text(text)
    for rule in _rules():
        if rule.blocklist and rule.text is not None and rule.text.search(body):
            return _blocklist_named(body), _ip_named(body)
    return None


def _first_line(code: int | None, status: str | None, body: str) -> str:
    line = body.splitlines()[0] if body else ""
    head = " ".join(str(p) for p in (code, None if (status and line.startswith(status)) else status) if p)
    return f"{head} {line}".strip()[:300]


def _blocklist_named(text: str) -> str | None:
    m = _BLOCK_NAME.search(text)
    if not m:
        return None
    return m.group(1).rstrip(".").lower() if _ZONE.match(m.group(1).rstrip(".")) else m.group(1).rstrip(".")


def _ip_named(text: str) -> str | None:
    m = _BRACKET_IP.search(text)
    return m.group(1) if m else None
