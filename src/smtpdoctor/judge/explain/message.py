"""Explaining one message: a delivery status notification (RFC 3464), a non-standard bounce, an ARF feedback
report (RFC 5965), an automatic reply (RFC 3834), or something that is none of these.

Pure: the message comes read into :class:`~smtpdoctor.protocol.mail_parts.MailParts` (``protocol/mime.py``
parses the MIME); the bounce's prose is read by ``protocol/textbounce.py``.
"""

from __future__ import annotations

import re

from smtpdoctor.judge.reply import Facts, classify_facts
from smtpdoctor.judge.reply_rules import knowledge
from smtpdoctor.protocol.status_codes import find_replycode, is_status
from smtpdoctor.core.category import Category
from smtpdoctor.core.explanation import Explained, Explanation, Kind, Recipient
from smtpdoctor.core.record import replace
from smtpdoctor.protocol.mail_parts import (ORIGINAL_TO, Block, FeedbackPart, MailParts, Original, Unreadable,
                                             decoded_value, text_dsn_blocks)
from smtpdoctor.protocol.ses import ses_events
from smtpdoctor.protocol.textbounce import cut_original, find_addresses, find_command, find_remote_host, read_text_bounce
from smtpdoctor.protocol.compiled import AnyCase, compiled_re

__all__ = ["explain_parts"]

# lower-case patterns that ignore case (protocol.compiled.AnyCase: ASCII text lower-cased, 2-3x faster than re.I)
_BOUNCE_FROM = AnyCase(r"mailer-daemon|post_?master|mail delivery|mail administrator|maildelivery|"
                       r"delivery subsystem|mail\.delivery|mdaemon|nobody@|double-bounce|bounce")
_BOUNCE_SUBJECT = AnyCase(
    r"undeliver|undelivered|delivery (?:status|fail|failure|notification|report|problem)|returned mail|"
    r"failure notice|mail delivery failed|non[- ]?deliver|could not be delivered|delivery has failed|"
    r"mail system error|returned to sender|delivery failure|warning: could not send|delayed mail|"
    r"mail failure|rejected|error sending|failed delivery|nicht zustellbar|unzustellbar|non remis|"
    r"no se puede entregar|message you sent|undeliverable|bounce|\bndr\b|delivery delay|permanent error")
_AUTOREPLY_SUBJECT = compiled_re(r"^\s*(?:auto(?:matic)?[ -]?(?:reply|response|antwort)|out of (?:the )?office|"
                                r"away from|vacation|absence|abwesenheit|autoreply|i am away|on leave|"
                                r"r[eé]ponse automatique|auto:)", re.I)
_BOUNCE_BODY = compiled_re(r"could not be delivered|undeliverable|delivery has failed|permanent error|"
                          r"following address(?:es|\(es\))? failed|was not delivered|unable to deliver|"
                          r"delivery to the following recipients? failed|failed permanently|returned mail")
# a reply code or a status code: "\b[245]\d\d[ -]|\b[245]\.\d{1,3}\.\d{1,3}\b|#[45]\.\d\.\d" written digit-first (the
# word boundary as a look-behind), so the search jumps from digit to digit: 19 -> 6 µs over a bounce's text
_SMTP_CODE_NEAR = compiled_re(r"[245](?<!\w[245])(?:\d\d[ -]|\.\d{1,3}\.\d{1,3}\b)|#[45]\.\d\.\d")
_DELAYED = AnyCase(r"\(delay\)|delayed mail|delivery delay|warning: could not send message for past|"
                   r"delivery status notification \(delay\)|still being retried")
_DELAYED_BODY = compiled_re(r"this is a warning message only|delivery to the following recipients? (?:has|have) been "
                           r"delayed|message will be retried for|will continue to be attempted|"
                           r"has not yet been delivered|delivery attempts will continue")
# Every match of _DELAYED_BODY holds one of these (its required literals, reply_rules.required_literals; a test
# keeps them equal): most bounces hold none, and six ``in`` tests cost a fifth of the search (5.9 µs a text).
_DELAYED_NEEDS = ("delivery attempts will continue", "delivery to the following recipient", "has not yet been delivered",
                  "message will be retried for", "this is a warning message only", "will continue to be attempted")
_FIRST_OF_MANY = compiled_re(r"\s*[245]\d\d-")  # the first line of a multi-line reply ("550-...")
_IN_REPLY = compiled_re(r"\(in reply to (rcpt to|mail from|data|end of data|helo|ehlo|starttls|auth)", re.I)


def _addresses(value: str) -> list[str]:
    return [m.group(0).strip(".") for m in find_addresses(value or "")]


_TYPE_NAME = compiled_re(r"^[A-Za-z][\w.+-]*$")


def _strip_type(value: str) -> tuple[str, str]:
    """``rfc822; user@example.org`` -> ("RFC822", "user@example.org")."""
    kind, sep, rest = value.partition(";")
    if not sep or not _TYPE_NAME.match(kind.strip()):
        return "", value.strip()  # no type given ("Diagnostic-Code: 550 5.1.1 ...; ..."): all of it is the value
    return kind.strip().upper(), rest.strip()


def _all_recipients_of(block: dict[str, str]) -> list[str]:
    out = []
    for key in ("final-recipient", "original-recipient", "x-actual-recipient"):
        if block.get(key):
            out.extend(a.lower() for a in _addresses(_strip_type(block[key])[1]))
    return out


def _recipient_of(block: dict[str, str]) -> str:
    for key in ("final-recipient", "original-recipient", "x-actual-recipient"):
        if block.get(key):
            _t, value = _strip_type(block[key])
            found = _addresses(value)
            if found:
                return found[0]
    return ""


_RCPT_HINT = AnyCase(r"\brcpt\b|does not like recipient|recipient address rejected|\[rcpt_to\]")


def _implied_command(diag: str, recipient: str) -> str:
    """RCPT when the words are about the recipient (how most MTAs word a refused RCPT TO)."""
    if diag.isascii():
        low = diag.lower()
        if "rcpt" not in low and "recipient" not in low:
            return ""  # the pattern needs one of these words
        return "RCPT" if _RCPT_HINT.search_lowered(diag, low) else ""
    return "RCPT" if _RCPT_HINT.search(diag) else ""  # re.I folds some non-ASCII letters to ASCII ones


def _command_from(diag: str) -> str:
    m = _IN_REPLY.search(diag)
    if m:
        return find_command("after " + m.group(1))
    return find_command(diag)


def _explain_dsn(parts: list[tuple[Block, ...]], texts: list[str], sender: set[str]) -> list[Recipient]:
    results: list[Recipient] = []
    seen: set[str] = set()
    text_failures = None
    for part in parts:
        blocks = [dict(b) for b in part]  # a nameless recipient gets the address the prose names
        rcpts = [_recipient_of(b) for b in blocks]  # each block's, read once
        per_message = blocks[0] if blocks and not rcpts[0] else {}
        reporting = _strip_type(per_message.get("reporting-mta", ""))[1]
        nameless = [b for b, r in zip(blocks, rcpts) if not r and b.get("final-recipient") and b.get("status")]
        if nameless and not any(rcpts):
            # delivery to a file or a pipe: the report names no address; the prose does
            found = [f for t in texts for f in read_text_bounce(t, exclude=sender)]
            for b, f in zip(nameless, found):
                b["final-recipient"] = "rfc822; " + f.recipient
            rcpts = [_recipient_of(b) for b in blocks]
        for block, rcpt in zip(blocks, rcpts):
            if not rcpt:
                continue
            key = rcpt.lower()
            action = block.get("action", "").lower().split(" ")[0]
            status = block.get("status", "").split(" ")[0].strip()
            if not is_status(status):
                status = ""
            diag_type, diag = _strip_type(block.get("diagnostic-code", ""))
            if not block.get("diagnostic-code"):
                diag_type = ""
            remote = _strip_type(block.get("remote-mta", ""))[1]
            command = _command_from(diag)
            thin = not find_replycode(diag)
            truncated = bool(_FIRST_OF_MANY.match(diag))  # only the first line of a multi-line reply
            if not diag or not command or truncated or thin:
                if text_failures is None:
                    text_failures = {f.recipient.lower(): f for t in texts
                                     for f in read_text_bounce(t, exclude=sender)}
                # the block's first address is its recipient (``key``): most are found by it, without the others
                tf = text_failures.get(key)
                if tf is None:
                    tf = next((text_failures[a] for a in _all_recipients_of(block) if a in text_failures), None)
                if tf is not None:
                    if not diag:
                        diag = tf.diagnostic
                    elif truncated and len(tf.diagnostic) > len(diag):
                        diag = tf.diagnostic
                    elif tf.specific and not find_replycode(diag) and find_replycode(tf.diagnostic):
                        diag = f"{diag} {tf.diagnostic}"  # the DSN's words are thin; the report has the reply
                    command = command or tf.command
                    remote = remote or tf.remote_host
            if key in seen and action not in ("failed", "delayed"):
                continue
            seen.add(key)
            command = command or _implied_command(diag, rcpt)
            facts = Facts(diagnostic=diag, status=status, command=command, action=action,
                          diagnostic_type=diag_type, recipient=rcpt,
                          remote_host=remote or find_remote_host(diag) or reporting or "",
                          reason="delivered" if action in ("delivered", "relayed", "expanded") and
                          status.startswith("2") else "")
            exp = classify_facts(facts)
            results.append(Recipient(recipient=rcpt, explanation=exp, action=action,
                                     diagnostic=" ".join(diag.split()), remote_mta=remote or reporting,
                                     command=command))
    return results


def _explain_text(texts: list[str], sender: set[str], wanted: list[str], action: str) -> list[Recipient]:
    results: list[Recipient] = []
    seen: set[str] = set()
    for text in texts:
        for f in read_text_bounce(text, exclude=sender, wanted=wanted):
            key = f.recipient.lower()
            if key in seen:
                continue
            seen.add(key)
            command = f.command or _implied_command(f.diagnostic, f.recipient)
            facts = Facts(diagnostic=f.diagnostic, command=command, remote_host=f.remote_host,
                          recipient=f.recipient, diagnostic_type="SMTP", action=action)
            exp = classify_facts(facts)
            if exp.reason in ("onhold", "undefined") and len(results) == 0:
                # the recipient's own lines say nothing usable: read the whole report (some MTAs put the
                # cause above the address)
                whole = cut_original(text).strip()
                if whole and whole != f.diagnostic:
                    wider = classify_facts(replace(facts, diagnostic=whole[:4000]))
                    if wider.reason not in ("onhold", "undefined"):
                        exp = wider
            results.append(Recipient(recipient=f.recipient, explanation=exp, action=action,
                                     diagnostic=" ".join(f.diagnostic.split())[:2000], remote_mta=f.remote_host,
                                     command=command))
        if results:
            break
    return results


def _original_recipients(originals: tuple[Original, ...], texts: list[str]) -> list[str]:
    """The To: of the original message, for bounces whose words never name the failed address."""
    for orig in originals:
        found = _addresses(decoded_value(orig.inner_to or ""))
        if found:
            return found[:1]
        if orig.to_line is not None:
            return _addresses(orig.to_line)[:1]
    for text in texts:
        for m in ORIGINAL_TO.finditer(text):
            found = _addresses(m.group(1))
            if found:
                return found[:1]
    return []


def _simple(reason: str, recipient: str) -> Recipient:
    spec = knowledge().reasons[reason]
    exp = Explanation(reason=reason, category=Category(spec.category), status="", replycode="", provider=None,
                      summary=spec.summary, remedy=spec.remedy)
    return Recipient(recipient=recipient, explanation=exp, action="")


def _explain_feedback(arf_parts: tuple[FeedbackPart, ...], originals: tuple[Original, ...],
                      msg: MailParts) -> list[Recipient]:
    rcpts: list[str] = []
    for part in arf_parts:
        for block in part.blocks or [{}]:
            for key in ("original-rcpt-to", "removal-recipient"):
                if block.get(key):
                    rcpts.extend(_addresses(block[key]))
        for value in part.rcpt_to:  # repeated fields (several Original-Rcpt-To), all of them
            rcpts.extend(_addresses(value))
    if not rcpts:
        for orig in originals:
            rcpts.extend(_addresses(decoded_value(orig.inner_to if orig.inner_to is not None else orig.own_to)))
            if rcpts:
                break
    if not rcpts:
        rcpts = _addresses(msg.header("To"))[:1]
    unique = list(dict.fromkeys(rcpts))
    return [_simple("feedback", r) for r in unique]


def _explain_ses(events, source: str) -> Explained:
    results = []
    for e in events:
        if e.kind == "feedback":
            results.append(_simple("feedback", e.recipient))
            continue
        exp = classify_facts(Facts(diagnostic=e.diagnostic, status=e.status if is_status(e.status) else "",
                                   action=e.action, remote_host=e.remote, diagnostic_type="SMTP", recipient=e.recipient,
                                   reason="delivered" if e.kind == "delivered" else ""))
        results.append(Recipient(recipient=e.recipient, explanation=exp, action=e.action,
                                 diagnostic=e.diagnostic, remote_mta=e.remote, command=""))
    kind = Kind.FEEDBACK if all(e.kind == "feedback" for e in events) else Kind.BOUNCE
    return Explained(source=source, kind=kind, results=tuple(results))


def explain_parts(msg: MailParts | Unreadable, source: str = "-") -> Explained:
    """Explain one message read by ``protocol.mime.read_message`` (an ``.eml`` file, one message of an
    mbox, stdin)."""
    if isinstance(msg, Unreadable):
        return Explained(source=source, kind=Kind.UNPARSED, note=msg.note)
    texts = list(msg.texts or msg.html)

    for text in texts[:1]:
        events = ses_events(text) if "notificationType" in text or '"eventType"' in text else []
        if events:
            return _explain_ses(events, source)

    if msg.header("X-Apple-Unsubscribe").lower() == "true":
        # Apple Mail's one-click "unsubscribe" message: the recipient asks to be taken off the list
        return Explained(source=source, kind=Kind.FEEDBACK,
                         results=tuple(_simple("feedback", a) for a in _addresses(msg.header("From"))[:1]))

    if msg.feedback:
        results = _explain_feedback(msg.feedback, msg.originals, msg)
        return Explained(source=source, kind=Kind.FEEDBACK, results=tuple(results))

    sender = set(a.lower() for a in _addresses(msg.header("To")))  # read here: an SES or ARF report needs none
    dsn = list(msg.dsn)
    if not dsn and msg.forwarded is not None:  # a forwarded bounce: the report sits in an attached message
        dsn, texts = list(msg.forwarded.dsn), texts + list(msg.forwarded.texts)
    if not dsn:
        dsn = [tuple(blocks) for blocks in map(text_dsn_blocks, texts) if blocks]
    if dsn:
        results = _explain_dsn(dsn, texts, sender)
        if results:
            return Explained(source=source, kind=Kind.BOUNCE, results=tuple(results))
    return _explain_unstructured(msg, bool(dsn), texts, sender, source)


def _explain_unstructured(msg: MailParts, has_dsn: bool, texts: list[str], sender: set[str],
                          source: str) -> Explained:
    """A message without a machine-readable report: an auto-reply, a bounce in words, or not a bounce."""
    subject, from_ = msg.header("Subject"), msg.header("From")
    heads = [t[:4000].lower() for t in texts]  # the patterns below are lower-case: no IGNORECASE scans
    bounce_like = bool(_BOUNCE_FROM.search(from_) or _BOUNCE_SUBJECT.search(subject) or has_dsn
                       or any(_BOUNCE_BODY.search(h) for h in heads)
                       or msg.content_type == "multipart/report")
    auto = (msg.header("Auto-Submitted").lower().startswith("auto-replied")
            or msg.header("X-Autoreply") or msg.header("X-Autorespond") or _AUTOREPLY_SUBJECT.search(subject)
            or msg.header("Precedence").lower() == "auto_reply")
    if auto and not _BOUNCE_FROM.search(from_):
        who = _addresses(from_) or _addresses(msg.header("Reply-To"))
        return Explained(source=source, kind=Kind.AUTOREPLY,
                         results=tuple(_simple("vacation", w) for w in who[:1]))

    if bounce_like or any(_SMTP_CODE_NEAR.search(h) for h in heads):
        wanted = list(dict.fromkeys(a for v in msg.header_all("X-Failed-Recipients") for a in _addresses(v)))
        delayed = bool(_DELAYED.search(subject) or any(_DELAYED_BODY.search(h) for h in heads
                                                        if any(w in h for w in _DELAYED_NEEDS)))
        action = "delayed" if delayed else "failed"
        results = _explain_text(texts, sender, wanted, action)
        if not results:
            results = _explain_text(texts, set(), wanted, action)
        if not results:
            original_to = _original_recipients(msg.originals, texts)
            if original_to:
                results = _explain_text(texts, set(), original_to, action)
        if results and (bounce_like or any(r.explanation.reason not in ("onhold", "undefined") for r in results)):
            return Explained(source=source, kind=Kind.BOUNCE, results=tuple(results))
        if bounce_like:
            return Explained(source=source, kind=Kind.UNPARSED,
                             note="looks like a bounce, but no failed recipient was found")
    return Explained(source=source, kind=Kind.NOT_BOUNCE, note="not a bounce")
