"""The one SMTP reply classifier: a reply + the SMTP phase + the provider -> one :class:`Classification`.

``diagnose`` (the AUTH and envelope checks, a refused greeting), ``explain`` (pasted replies and bounces)
and the web page all call it, so the same reply at the same phase reads the same everywhere: a reason in
sisimai's vocabulary, a category (one of the guide's causes), the catalogue finding id when the phase is
known, whether to retry, the provider, and the blocklist the reply cites. The rules are data, in one file,
``knowledge/replies.toml`` (:mod:`.reply_rules`).

The reason follows sisimai's order so that bounce results agree with the reference implementation:
provider rules first (a provider's own codes say more than generic words), then the status code where it
is specific, then the message patterns in a fixed order, then fallbacks on the status class, the reply
code, the action and the SMTP command. At a known phase the phase rules name the finding; a rule marked
``fallback`` (a catch-all) gives way to the finding of the reason. Everything here is pure.
"""

from __future__ import annotations

import re

from ..core.explanation import Classification
from ..core.category import Category
from ..core.record import _SET, Record, replace
from ..protocol.compiled import compiled_re
from ..protocol.status_codes import find_replycode, find_status, is_status, prefer_status
from .reply_rules import Knowledge, Provider, ProviderRule, knowledge, words_of, words_of_status

TYPE_CHECKING = False  # the annotations are text: typing is not imported to run (issue 16)
if TYPE_CHECKING:  # the catalogue (and core.model) are imported where a finding is made: a bounce needs neither
    from typing import Any, Mapping

    from ..core.model import Finding

__all__ = ["Classification", "Facts", "classify", "classify_facts", "clean_diagnostic", "judged", "to_finding",
           "PHASES", "STAGES"]

# SMTP phase -> the command sisimai's vocabulary names it by
PHASES = {"connect": "CONN", "ehlo": "EHLO", "helo": "HELO", "starttls": "STARTTLS", "auth": "AUTH",
          "mail": "MAIL", "rcpt": "RCPT", "data": "DATA"}
STAGES = ("auth", "mail", "rcpt", "data")  # the phases the phase rules name findings for
_COMMANDS = {"auth": "AUTH", "mail": "MAIL FROM", "rcpt": "RCPT TO", "data": "DATA"}
# The commands sent before DATA: a rejection there cannot be about the message's content.
_EXCEPT_DATA = frozenset({"CONN", "EHLO", "HELO", "STARTTLS", "AUTH", "MAIL", "RCPT"})
_MAX_TEXT = 4000  # a reply is read in its first part only
# one sentence for findings whose wording depends on how they were found (here: from a reply)
_WHY = {
    "auth.mechanism-unsupported": "The server answered \"{reply}\": it does not support the mechanism used.",
    "client.auth-not-offered": "The server refused the AUTH command: \"{reply}\".",
}

_CONTINUATION = compiled_re(r"(?m)^\s*(?:<<<\s*)?([245]\d\d)[ -](?:([245]\.\d{1,3}\.\d{1,3})\s+)?")
_HTML = compiled_re(r"<html>.*?</html>", re.I | re.S)
_LEADING_CODE = compiled_re(r"^\s*([2-5]\d\d)(?:[ -]|$)")


class Facts(Record):  # a Record: explain's path imports no dataclasses (core.record, issue 16)
    """What a parser knows about one failure, before classification."""

    __slots__ = ("diagnostic", "status", "replycode", "command", "action", "diagnostic_type", "remote_host",
                 "recipient", "reason")

    def __init__(self, *,
                 diagnostic: str = "",  # the server's words (Diagnostic-Code or the error text)
                 status: str = "",  # Status: field
                 replycode: str = "",
                 command: str = "",  # CONN, EHLO, HELO, STARTTLS, AUTH, MAIL, RCPT, DATA
                 action: str = "",  # failed, delayed, delivered, expired, ...
                 diagnostic_type: str = "",  # SMTP, X-UNIX, X-POSTFIX, ...
                 remote_host: str = "",
                 recipient: str = "",  # the failed address: its domain may name the provider
                 reason: str = "",  # a reason a parser already knows (feedback, vacation, ...)
                 ) -> None:
        _SET(self, "diagnostic", diagnostic)
        _SET(self, "status", status)
        _SET(self, "replycode", replycode)
        _SET(self, "command", command)
        _SET(self, "action", action)
        _SET(self, "diagnostic_type", diagnostic_type)
        _SET(self, "remote_host", remote_host)
        _SET(self, "recipient", recipient)
        _SET(self, "reason", reason)


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
    return " ".join(text.split())  # runs of white space (str.isspace, as re's \s) to one space, 3x a re.sub


def _provider_for(kb: Knowledge, text: str, host: str) -> Provider | None:
    """The first provider whose hosts name one of ``host``'s names, else the first whose markers are in
    ``text`` (each pattern is tried only where its literals occur: see reply_rules.LazyPattern)."""
    for name in host.split():
        found = _host_provider(kb, name)
        if found is not None:
            return found
    if kb.any_marker.may_match(text):
        for p in kb.providers:
            if p.markers is not None and p.markers.search(text):
                return p
    return None


_HOST_NAMES_KEPT = 4096


def _host_provider(kb: Knowledge, name: str) -> Provider | None:
    """The first provider whose hosts pattern finds ``name``, remembered per name (a pure function of it)."""
    cache = kb.host_providers
    try:
        return cache[name]
    except KeyError:
        pass
    found = None
    if kb.any_host.may_match(name):  # the providers' own patterns decide (a name may hold a literal only)
        found = next((p for p in kb.providers if p.hosts is not None and p.hosts.search(name)), None)
    if len(cache) >= _HOST_NAMES_KEPT:
        cache.clear()
    cache[name] = found
    return found


def _provider_rule(kb: Knowledge, text: str, host: str,
                   given: Provider | None = None) -> tuple[Provider | None, ProviderRule | None]:
    provider = _provider_for(kb, text, host) or given
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
    return replycode.isascii() and replycode.isdigit() and (400 < int(replycode) < 408 or 500 < int(replycode) < 508)


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


_CATEGORIES = {c.value: c for c in Category}


def classify_facts(f: Facts, kb: Knowledge | None = None, provider_id: str | None = None) -> Classification:
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
    marked = f"{status} {text}" if status else text
    provider, rule = _provider_rule(kb, marked, hosts, kb.provider(provider_id))
    if rule is None:  # the words of ``marked`` are those of the status and of the text (the reason probes' too)
        words = words_of(text)
        rule = kb.first_rule.first(marked, words.union(words_of_status(status)) if status else words)
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
    named = rule.category if rule is not None and rule.category else spec.category
    category = _CATEGORIES.get(named) or Category(named)  # (the enum's call, 0.45 µs; an unknown name raises)
    summary = rule.summary if rule is not None and rule.summary else spec.summary
    remedy = (rule.remedy if rule is not None and rule.remedy else ()) + spec.remedy
    help_url = (rule.help if rule is not None and rule.help else None) or (provider.help if provider else None)
    # a rule's ``retry = false`` (a 4xx that says retrying will not help) reaches classify() in params
    params = {"retry": rule.retry} if rule is not None and rule.retry is not None else {}
    return Classification(reason=reason, category=category, status=status, replycode=replycode,
                       provider=provider.id if provider else None, summary=summary, remedy=remedy,
                       help_url=help_url, params=params)


def classify(code: int | None, text: str, *, enhanced: str | None = None, phase: str | None = None,
             provider: str | None = None, host: str = "", recipient: str = "") -> Classification:
    """Classify one SMTP reply.

    ``code`` is the reply code (``550``) or None (then read from ``text``), ``text`` the reply (one or
    more lines, with or without the code), ``enhanced`` the enhanced status code if already parsed,
    ``phase`` the SMTP phase (connect, ehlo, starttls, auth, mail, rcpt, data) when known, ``provider``
    a provider id of ``knowledge/replies.toml`` (diagnose knows it from the preset), ``host`` the
    replying host and ``recipient`` the address refused, when known.
    """
    kb = knowledge()
    phase = (phase or "").lower()
    body = str(text or "")[:_MAX_TEXT]
    if code is None:
        m = _LEADING_CODE.match(body) or _LEADING_CODE.match(clean_diagnostic(body))
        code = int(m.group(1)) if m else (int(find_replycode(body)) if find_replycode(body) else None)
    replycode = str(code) if code else ""
    if replycode and not body.lstrip().startswith(replycode):
        body = f"{replycode} {enhanced + ' ' if enhanced else ''}{body}"
    if code is not None and 200 <= code < 400:
        result = Classification(reason="delivered", category=Category.OK, status=enhanced or "",
                                replycode=replycode, provider=provider, summary="The server accepted the command.",
                                remedy=kb.reasons["delivered"].remedy)
    else:
        result = classify_facts(Facts(diagnostic=body, status=enhanced or "", replycode=replycode,
                                      command=PHASES.get(phase, ""), diagnostic_type="SMTP", remote_host=host,
                                      recipient=recipient), kb, provider)
        if phase == "auth" and result.reason in ("onhold", "undefined"):
            # Refused at AUTH: whatever the words, the credentials or the mechanism were refused.
            spec = kb.reasons["securityerror"]
            result = replace(result, reason="securityerror", category=Category.AUTHENTICATION,
                                         summary="The server refused our authentication.", remedy=spec.remedy)
        # imported here: a bounce's classify_facts needs neither the blocklist catalogue nor the bulk rules
        from .checklist import rule_note
        from .citations import rejection_cites_listing

        if result.reason not in ("delivered", "vacation", "feedback"):
            result = replace(result, citation=rejection_cites_listing(body))
        note = rule_note(result.provider, result.status)
        if note:
            result = replace(result, bulk_rule=note, remedy=(*result.remedy, note))
    if phase in STAGES:
        return _at_phase(kb, result, phase, code, enhanced, body, provider or result.provider)
    from ..core import catalogue

    finding = kb.reason_finding.get(result.reason)
    if finding is not None and catalogue.spec(finding).category != result.category:
        finding = None  # a provider's own category: no generic finding says it
    retry = result.params.get("retry", (result.replycode or result.status)[:1] == "4")
    return replace(result, finding=finding, retryable=retry,
                   params=_params(result, phase, code, result.status, body))


def _params(result: Classification, phase: str, code: int | None, status: str | None, body: str) -> dict:
    params: dict[str, Any] = {"stage": phase or None, "command": _COMMANDS.get(phase, phase.upper() or None),
                              "code": code, "status": status or None, "reply": _first_line(body)}
    if result.citation is not None:
        params["list"] = result.citation.list
        if result.citation.address:
            params["ip"] = result.citation.address
    if result.provider:
        params["provider"] = result.provider
    return params


def _at_phase(kb: Knowledge, result: Classification, stage: str, code: int | None, enhanced: str | None,
              body: str, provider: str | None) -> Classification:
    """The finding a reply at AUTH, MAIL FROM, RCPT TO or DATA gives; the category is the finding's."""
    status = enhanced if enhanced and is_status(enhanced) else (find_status(body[:120], str(code or "")[:1]) or None)
    params = _params(result, stage, code, status, body)
    text = _LEADING_CODE.sub("", body, count=1)
    garbage = "auth.garbage-reply" if stage == "auth" else "envelope.unexpected-reply"
    if code is None or not 200 <= code <= 599:
        return _with_finding(result, garbage, confidence="low", retry=False, params={
            **params, "reason": "unparsable-reply", "problem": "the reply has no valid SMTP reply code"})
    rule = next((r for r in kb.phase_rules if r.matches(stage, code, status, text, provider)), None)
    if rule is None:
        return _with_finding(result, garbage, confidence="low", retry=False, params={
            **params, "reason": "unexpected-code", "problem": f"the server answered with an unexpected reply code {code}"})
    finding = rule.finding
    if rule.fallback and stage != "auth":
        if result.reason not in kb.reason_finding:
            # a catch-all finding says less than the reason: keep the reason's category
            return replace(result, finding=finding, confidence=rule.confidence,
                                       retryable=rule.retry, params={**params, **rule.params})
        finding = kb.reason_finding[result.reason]
    params = {**rule.params, **params} if rule.blocklist else {**params, **rule.params}
    if finding in _WHY:
        params.setdefault("why", _WHY[finding].format(reply=params["reply"]))
    return _with_finding(result, finding, confidence=rule.confidence, retry=rule.retry,
                         params=params)


def _with_finding(result: Classification, finding: str, *, confidence: str, retry: bool,
                  params: Mapping[str, Any]) -> Classification:
    from ..core import catalogue

    spec = catalogue.spec(finding)
    category = spec.category
    if category is Category.OK:
        return replace(result, finding=finding, category=category, confidence=confidence,
                                   retryable=False, params=params, reason="delivered")
    return replace(result, finding=finding, category=category, confidence=confidence,
                               retryable=retry, params=params)


def judged(finding: str, *, confidence: str = "high", **params: Any) -> Classification:
    """A finding judged without a reply to classify (the EHLO offer, a broken SASL exchange), in the same
    shape, so :func:`to_finding` words it like any other."""
    from ..core import catalogue

    spec = catalogue.spec(finding)
    return Classification(reason="securityerror", category=spec.category, status="", replycode="", provider=None,
                          summary=spec.title, finding=finding, confidence=confidence, params=params)


def _first_line(body: str) -> str:
    return clean_diagnostic(body)[:300]


def to_finding(result: Classification, preset: Any = None, *, redactor: Any = None, **params: Any) -> Finding:
    """The catalogue finding for ``result`` (which must carry a finding id), with the classification as
    evidence; a known provider's own steps come first in its remedy, its help page last.

    ``params`` (``host``, ``port``, ``user`` ...) are added to the result's parameters for the wording.
    ``redactor`` (a :class:`smtpdoctor.core.redact.Redactor`) masks secrets in every text parameter, so a
    server that echoes a password into its reply cannot leak it through a finding's evidence.
    """
    if result.finding is None:
        raise ValueError("a classification without a finding id (the phase was not known)")
    values = {**dict(result.params), "confidence": result.confidence, **params}
    if result.retryable:
        values.setdefault("retry", True)
    if redactor is not None:
        values = {k: redactor.redact(v) if isinstance(v, str) else v for k, v in values.items()}
    if preset is not None:
        values.setdefault("provider_name", preset.name)
    from ..core import catalogue

    finding = catalogue.make(result.finding, **values)
    own = preset.remedy_for(result.finding, **values) if preset is not None else ()
    links = tuple(f"{h.title}: {h.url}" for h in preset.help) if own else ()
    remedy = own + finding.remedy + links
    if result.help_url and not result.ok and not any(result.help_url in r for r in remedy):
        remedy += (f"The provider's explanation: {result.help_url}",)
    explained = result.to_json()
    if redactor is not None:
        explained = {k: redactor.redact(v) if isinstance(v, str) else v for k, v in explained.items()}
    evidence = {**finding.evidence, "explanation": explained} if result.replycode and not result.ok else finding.evidence
    return replace(finding, remedy=remedy, evidence=evidence)
