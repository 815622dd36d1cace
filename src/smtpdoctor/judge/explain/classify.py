"""The reason classifier: from a server's words (and what else a bounce tells) to a reason, a category,
the provider's meaning and the fix.

The decision follows sisimai's order so that results agree with the reference implementation: provider
rules first (a provider's own codes say more than generic words), then the status code where it is
specific, then the message patterns of ``knowledge/replies.yaml`` in a fixed order, then fallbacks on the
status class, the reply code, the action and the SMTP command. Everything here is pure.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ...core.model import Category
from .codes import find_replycode, find_status, prefer_status
from .knowledge import Knowledge, Provider, ProviderRule, knowledge
from ...core.explanation import Explanation

__all__ = ["classify_reply", "Facts", "classify_facts", "clean_diagnostic", "PHASE_COMMANDS"]

# The commands sent before DATA: a rejection there cannot be about the message's content.
_EXCEPT_DATA = frozenset({"CONN", "EHLO", "HELO", "STARTTLS", "AUTH", "MAIL", "RCPT"})
PHASE_COMMANDS = {"connect": "CONN", "ehlo": "EHLO", "starttls": "STARTTLS", "auth": "AUTH", "mail": "MAIL",
                  "rcpt": "RCPT", "data": "DATA"}

_SPACES = re.compile(r"\s+")
_CONTINUATION = re.compile(r"(?m)^\s*(?:<<<\s*)?([245]\d\d)[ -](?:([245]\.\d{1,3}\.\d{1,3})\s+)?")
_HTML = re.compile(r"<html>.*?</html>", re.I | re.S)


@dataclass(frozen=True, slots=True, kw_only=True)
class Facts:
    """What a parser knows about one failure, before classification."""

    diagnostic: str = ""  # the server's words (Diagnostic-Code or the error text)
    status: str = ""  # Status: field
    replycode: str = ""
    command: str = ""  # CONN, EHLO, HELO, STARTTLS, AUTH, MAIL, RCPT, DATA
    action: str = ""  # failed, delayed, delivered, expired, ...
    diagnostic_type: str = ""  # SMTP, X-UNIX, X-POSTFIX, ...
    remote_host: str = ""
    recipient: str = ""  # the failed address: its domain may name the provider
    reason: str = ""  # a reason a parser already knows (feedback, vacation, ...)


def clean_diagnostic(text: str) -> str:
    """Unfold a multi-line reply into one line, dropping repeated ``550-5.7.1`` prefixes and HTML."""
    if not text:
        return ""
    if "<html" in text.lower():
        text = _HTML.sub(" ", text)
    if "\n" in text:
        lines = text.splitlines()
        codes = [m.group(1) if m else None for m in map(_CONTINUATION.match, lines)]
        first = next((c for c in codes if c), None)
        if first is not None and codes.count(first) > 1:
            # one multi-line reply ("550-5.7.1 ..." repeated): keep its code once, drop the repeats
            out = []
            head_done = False
            for ln, code in zip(lines, codes):
                m = _CONTINUATION.match(ln) if code == first else None
                if m and not head_done:
                    out.append(m.group(1) + (" " + m.group(2) if m.group(2) else "") + " " + ln[m.end():])
                    head_done = True
                elif m:
                    out.append(ln[m.end():])
                else:
                    out.append(ln)
            text = " ".join(out)
    return _SPACES.sub(" ", text).strip()


def _provider_for(kb: Knowledge, text: str, host: str) -> Provider | None:
    for name in host.split():
        if kb.any_host.search(name):
            for p in kb.providers:
                if p.hosts is not None and p.hosts.search(name):
                    return p
    if kb.any_marker.search(text):
        for p in kb.providers:
            if p.markers is not None and p.markers.search(text):
                return p
    return None


def _provider_rule(kb: Knowledge, text: str, host: str) -> tuple[Provider | None, ProviderRule | None]:
    provider = _provider_for(kb, text, host)
    if provider is None:
        return None, None
    for rule in provider.rules:
        if rule.match.search(text):
            return provider, rule
    # A provider named by markers only (a blocklist cited in someone else's reply) may still have a rule.
    for p in kb.providers:
        if p is provider or p.hosts is not None:
            continue
        if p.markers is not None and p.markers.search(text):
            for rule in p.rules:
                if rule.match.search(text):
                    return p, rule
    return provider, None


def _status_reason(kb: Knowledge, status: str) -> str:
    return kb.status.get(status, "") if status else ""


def _probe(kb: Knowledge, name: str, f: Facts, text: str, status_reason: str) -> bool:
    """Does reason ``name`` fit these facts? (sisimai's per-reason ``ProbesInto``.)"""
    spec = kb.reasons[name]
    if name == "userunknown":
        if status_reason == "userunknown":
            return not any(kb.reasons[r].matches(text) for r in
                           ("norelaying", "blocked", "mailboxfull", "hasmoved", "rejected", "notaccept"))
        if f.command == "RCPT":
            return spec.matches(text)
        # No SMTP command and no code at all: the words come from the recipient's own mail system (its
        # directory said so), not from a filter in front of a DATA reply.
        return not f.command and not f.status and not f.replycode and spec.matches(text)
    if name == "filtered":
        if status_reason == "filtered":
            return kb.reasons["userunknown"].matches(text) or spec.matches(text)
        if f.command in _EXCEPT_DATA:
            return False
        return spec.matches(text) or kb.reasons["userunknown"].matches(text)
    if name == "rejected":
        if status_reason == "rejected":
            return True
        if f.command == "MAIL":
            return spec.matches(text)
        if f.command == "DATA" and status_reason != "userunknown":
            return spec.matches(text)
        if status_reason in ("", "undefined", "onhold", "securityerror", "systemerror"):
            return spec.matches(text)
        return False
    if name == "spamdetected":
        if not f.status:
            return False
        if status_reason == "spamdetected":
            return True
        if f.command in _EXCEPT_DATA:
            return False
        return spec.matches(text)
    if name == "contenterror":
        if _probe(kb, "spamdetected", f, text, status_reason):
            return False
        return status_reason == "contenterror" or spec.matches(text)
    if name == "hostunknown":
        if status_reason == "hostunknown":
            return not kb.reasons["networkerror"].matches(text)
        return spec.matches(text)
    if name == "suspend":
        return f.replycode == "525" or spec.matches(text)
    if name == "norelaying":
        if f.command in ("CONN", "EHLO", "HELO"):
            return False
        return spec.matches(text)
    if name in ("hasmoved", "notcompliantrfc", "badreputation", "speeding"):
        return spec.matches(text)
    return status_reason == name or spec.matches(text)


def _is_syntax_error(replycode: str) -> bool:
    return replycode.isdigit() and (400 < int(replycode) < 408 or 500 < int(replycode) < 508)


def _find_reason(kb: Knowledge, f: Facts, text: str) -> str:
    status_reason = _status_reason(kb, f.status)
    if f.status.startswith("2."):
        return "delivered"
    if f.diagnostic_type in ("SMTP", ""):
        for name in kb.first:
            if _probe(kb, name, f, text, status_reason):
                return name
    # anotherone(): the status code, then the second list of patterns, then the fallbacks
    reason = status_reason
    if reason in kb.retry or reason == "" or f.diagnostic_type != "SMTP":
        for name in kb.second:
            if kb.reasons[name].matches(text):
                return name
        if not reason:
            cls = f.status[:3]
            if cls in ("5.6", "4.6"):
                reason = "contenterror"
            elif cls in ("5.7", "4.7"):
                reason = "securityerror"
            elif f.diagnostic_type.startswith("X-UNIX"):
                reason = "mailererror"
            elif _is_syntax_error(f.replycode):
                reason = "syntaxerror"
            elif f.action in ("delayed", "expired"):
                reason = "expired"
            elif f.command in ("EHLO", "HELO"):
                reason = "blocked"
    if reason and reason not in ("undefined",):
        return reason
    if f.action == "delayed":
        return "expired"
    if kb.reasons["vacation"].matches(text):
        return "vacation"
    return "onhold" if text else "undefined"


# Words that say the failure was (or began as) temporary: a queue that expired after retries.
_TEMPORARY_WORDS = (" temporar", " persistent", "retry timeout exceeded", "have been failing for a long time")


def _temporary(replycode: str, text: str) -> bool:
    """Does the reply say the failure is temporary (a 4xx code, or the words)?"""
    code = find_status(text) or replycode or find_replycode(text)
    if code.startswith("4"):
        return True
    return any(w in text for w in _TEMPORARY_WORDS)


def classify_facts(f: Facts, kb: Knowledge | None = None) -> Explanation:
    """Classify one failure described by ``f``."""
    kb = kb or knowledge()
    raw = f.diagnostic or ""
    diagnostic = clean_diagnostic(raw)
    text = diagnostic.lower()
    klass = f.status[:1] if f.status[:1] in ("4", "5") else ""
    in_text = (find_status(diagnostic, klass) if klass else "") or find_status(diagnostic)
    replycode = f.replycode or find_replycode(diagnostic, (in_text or f.status)[:1])
    status = prefer_status(f.status, in_text, replycode)
    if status and replycode and status[0] != replycode[0]:
        other = find_replycode(diagnostic, status[0])
        if other:
            replycode = other
    diagnostic_type = f.diagnostic_type.upper()
    if diagnostic_type not in ("SMTP", "") and not diagnostic_type.startswith("X-UNIX") and replycode:
        diagnostic_type = "SMTP"  # an MTA's own type (X-Postfix, X-Notes...) around an SMTP reply
    facts = Facts(diagnostic=diagnostic, status=status, replycode=replycode, command=f.command, action=f.action,
                  diagnostic_type=diagnostic_type or ("SMTP" if f.reason not in ("feedback", "vacation") else ""),
                  remote_host=f.remote_host, reason=f.reason)

    hosts = f"{f.remote_host} {f.recipient.rpartition('@')[2]}".lower()
    provider, rule = _provider_rule(kb, f"{status} {text}" if status else text, hosts)
    if f.reason and f.reason not in kb.retry:
        reason = f.reason
    elif rule is not None:
        reason = rule.reason
    else:
        reason = _find_reason(kb, facts, text)

    if reason in ("feedback", "vacation"):
        replycode = ""
    if not status and reason not in ("feedback", "vacation", "delivered"):
        code = kb.pseudo_status.get(reason)
        if code:
            temporary = _temporary(replycode, " " + text) and reason not in ("hasmoved", "hostunknown", "userunknown")
            status = ("4" if temporary else "5") + ".0." + code
    spec = kb.reasons.get(reason) or kb.reasons["undefined"]
    category = Category(rule.category if rule is not None and rule.category else spec.category)
    summary = rule.summary if rule is not None and rule.summary else spec.summary
    remedy = (rule.remedy if rule is not None and rule.remedy else ()) + spec.remedy
    help_url = (rule.help if rule is not None and rule.help else None) or (provider.help if provider else None)
    return Explanation(reason=reason, category=category, status=status, replycode=replycode,
                       provider=provider.id if provider else None, summary=summary, remedy=remedy,
                       help_url=help_url)


def classify_reply(code: int | None, text: str, *, enhanced: str | None = None,
                   phase: str | None = None) -> Explanation:
    """Explain one SMTP reply, as ``diagnose`` sees it when a server rejects us.

    ``code`` is the reply code (``550``) or None, ``text`` the reply's text (one or more lines, with or
    without the code), ``enhanced`` the enhanced status code if already parsed, ``phase`` the SMTP phase
    (connect, ehlo, starttls, auth, mail, rcpt, data) when known.
    """
    command = PHASE_COMMANDS.get((phase or "").lower(), "")
    replycode = str(code) if code else ""
    body = text or ""
    if replycode and not body.lstrip().startswith(replycode):
        body = f"{replycode} {enhanced + ' ' if enhanced else ''}{body}"
    exp = classify_facts(Facts(diagnostic=body, status=enhanced or "", replycode=replycode, command=command,
                               diagnostic_type="SMTP"))
    if command == "AUTH" and exp.reason in ("securityerror", "onhold", "undefined"):
        # Rejected at AUTH: whatever the words, the credentials or the mechanism were refused.
        return Explanation(reason="securityerror", category=Category.AUTHENTICATION, status=exp.status,
                           replycode=exp.replycode, provider=exp.provider,
                           summary=exp.summary if exp.reason == "securityerror" else
                           "The server refused our authentication.",
                           remedy=exp.remedy if exp.reason == "securityerror" else
                           knowledge().reasons["securityerror"].remedy, help_url=exp.help_url)
    return exp
