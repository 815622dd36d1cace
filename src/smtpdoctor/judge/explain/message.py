"""Explaining one message: a delivery status notification (RFC 3464), a non-standard bounce, an ARF feedback
report (RFC 5965), an automatic reply (RFC 3834), or something that is none of these.

MIME is parsed by Python's ``email`` package (policy ``compat32``: it never raises on broken input and
keeps ``message/delivery-status`` blocks as header groups). Only the bounce's prose is read by hand
(``textbounce``).
"""

from __future__ import annotations

import email
import email.message
import re
from dataclasses import replace
from email.header import decode_header, make_header

from smtpdoctor.core.inputs import is_binary
from smtpdoctor.judge.reply import Facts, classify_facts
from smtpdoctor.judge.reply_rules import knowledge
from smtpdoctor.protocol.replies import find_replycode, is_status
from smtpdoctor.core.explanation import Explained, Explanation, Kind, Recipient
from smtpdoctor.protocol.ses import ses_events
from smtpdoctor.protocol.textbounce import ADDRESS, cut_original, find_command, find_remote_host, read_text_bounce

__all__ = ["explain_message", "MAX_MESSAGE_BYTES", "looks_like_message", "is_binary"]

# Only the head of a message is read: the report parts come first, attachments after them do not matter.
MAX_MESSAGE_BYTES = 2 * 1024 * 1024
_MAX_TEXT_CHARS = 64 * 1024

_HEADER_START = re.compile(rb"^(?:From |[!-9;-~]+:[ \t]?)")
_BOUNCE_FROM = re.compile(r"mailer-daemon|post_?master|mail delivery|mail administrator|maildelivery|"
                          r"delivery subsystem|mail\.delivery|mdaemon|nobody@|double-bounce|bounce", re.I)
_BOUNCE_SUBJECT = re.compile(
    r"undeliver|undelivered|delivery (?:status|fail|failure|notification|report|problem)|returned mail|"
    r"failure notice|mail delivery failed|non[- ]?deliver|could not be delivered|delivery has failed|"
    r"mail system error|returned to sender|delivery failure|warning: could not send|delayed mail|"
    r"mail failure|rejected|error sending|failed delivery|nicht zustellbar|unzustellbar|non remis|"
    r"no se puede entregar|message you sent|undeliverable|bounce|\bndr\b|delivery delay|permanent error",
    re.I)
_AUTOREPLY_SUBJECT = re.compile(r"^\s*(?:auto(?:matic)?[ -]?(?:reply|response|antwort)|out of (?:the )?office|"
                                r"away from|vacation|absence|abwesenheit|autoreply|i am away|on leave|"
                                r"r[eé]ponse automatique|auto:)", re.I)
_BOUNCE_BODY = re.compile(r"could not be delivered|undeliverable|delivery has failed|permanent error|"
                          r"following address(?:es|\(es\))? failed|was not delivered|unable to deliver|"
                          r"delivery to the following recipients? failed|failed permanently|returned mail")
_SMTP_CODE_NEAR = re.compile(r"\b[245]\d\d[ -]|\b[245]\.\d{1,3}\.\d{1,3}\b|#[45]\.\d\.\d")
_DELAYED = re.compile(r"\(delay\)|delayed mail|delivery delay|warning: could not send message for past|"
                      r"delivery status notification \(delay\)|still being retried", re.I)
_DELAYED_BODY = re.compile(r"this is a warning message only|delivery to the following recipients? (?:has|have) been "
                           r"delayed|message will be retried for|will continue to be attempted|"
                           r"has not yet been delivered|delivery attempts will continue")
_FIELD_LINE = re.compile(r"^([A-Za-z][\w-]*)\s*:\s*(.*)$")
_IN_REPLY = re.compile(r"\(in reply to (rcpt to|mail from|data|end of data|helo|ehlo|starttls|auth)", re.I)


# Control bytes other than TAB, LF, FF, CR and ESC (ISO-2022-JP uses ESC): text never has many of them.


_EMBEDDED = re.compile(rb"(?im)^content-type:[ \t]*(?:message/rfc822|text/rfc822-headers|message/rfc822-headers)")
_BLANK = re.compile(rb"\r?\n\r?\n")


def _skip_original_body(data: bytes) -> bytes:
    """Drop the body of the attached original message (everything after its headers) when no report part
    follows it: only its headers are ever read, and parsing its body is most of the cost of a bounce."""
    at = data.find(b"rfc822")
    if at < 0:
        return data
    m = _EMBEDDED.search(data, max(0, data.rfind(b"\n", 0, at)))
    if m is None:
        return data
    rest = data[m.end():]
    if b"delivery-status" in rest or b"feedback-report" in rest:
        return data
    part_head = _BLANK.search(data, m.end())
    if part_head is None:
        return data
    inner_head = _BLANK.search(data, part_head.end())
    if inner_head is None or len(data) - inner_head.end() < 2048:
        return data
    return data[:inner_head.end()]


def looks_like_message(head: bytes) -> bool:
    """Does this start like an RFC 5322 message (or an mbox "From " line)?"""
    first = head.lstrip(b"\r\n")[:200]
    return bool(_HEADER_START.match(first))


def _decode_part(part: email.message.Message) -> str:
    try:
        payload = part.get_payload(decode=True)
    except Exception:  # noqa: BLE001 - broken transfer encoding: fall back to the raw text
        payload = None
    if payload is None:
        raw = part.get_payload()
        return raw if isinstance(raw, str) else ""
    payload = payload[: _MAX_TEXT_CHARS * 2]
    charset = part.get_content_charset() or "utf-8"
    for cs in (charset, "utf-8", "latin-1"):
        try:
            return payload.decode(cs)
        except (LookupError, UnicodeDecodeError):
            continue
    return payload.decode("latin-1")


def _header(msg: email.message.Message, name: str) -> str:
    value = msg.get(name)
    if value is None:
        return ""
    value = str(value)
    if "=?" in value:
        try:
            value = str(make_header(decode_header(value)))
        except Exception:  # noqa: BLE001 - a broken encoded-word: keep the raw text
            pass
    return " ".join(value.split())


def _addresses(value: str) -> list[str]:
    return [a.strip(".") for a in ADDRESS.findall(value or "")]


_TYPE_NAME = re.compile(r"^[A-Za-z][\w.+-]*$")


def _strip_type(value: str) -> tuple[str, str]:
    """``rfc822; user@example.org`` -> ("RFC822", "user@example.org")."""
    kind, sep, rest = value.partition(";")
    if not sep or not _TYPE_NAME.match(kind.strip()):
        return "", value.strip()  # no type given ("Diagnostic-Code: 550 5.1.1 ...; ..."): all of it is the value
    return kind.strip().upper(), rest.strip()


def _walk(msg: email.message.Message, out: dict[str, list]) -> None:
    """Collect report parts and readable text, without descending into the original message."""
    ctype = msg.get_content_type()
    if ctype in ("message/rfc822", "text/rfc822-headers", "message/rfc822-headers", "message/partial"):
        out["original"].append(msg)
        return
    if ctype in ("message/delivery-status", "message/global-delivery-status"):
        out["dsn"].append(msg)
        return
    if ctype == "message/feedback-report":
        out["arf"].append(msg)
        return
    if msg.is_multipart():
        payload = msg.get_payload()
        if isinstance(payload, list):
            for sub in payload:
                if isinstance(sub, email.message.Message):
                    _walk(sub, out)
        return
    maintype = ctype.partition("/")[0]
    if maintype == "multipart":
        # boundaries missing or broken: the parser kept the body as text; read it as such
        out["text"].append(_decode_part(msg))
        return
    if maintype == "text":
        if msg.get_content_disposition() == "attachment" and out["text"]:
            return
        text = _decode_part(msg)
        if ctype == "text/html":
            text = re.sub(r"(?is)<(script|style).*?</\1>", " ", text)
            text = re.sub(r"(?i)<br\s*/?>|</p>|</div>|</tr>", "\n", text)
            text = re.sub(r"<[^>]+>", " ", text)
            out["html"].append(text)
        else:
            out["text"].append(text)


def _dsn_blocks(part: email.message.Message) -> list[dict[str, str]]:
    """The field groups of a message/delivery-status part: per-message first, then per-recipient."""
    payload = part.get_payload()
    blocks: list[dict[str, str]] = []
    if isinstance(payload, list):
        for sub in payload:
            if isinstance(sub, email.message.Message):
                block: dict[str, str] = {}
                for k, v in sub.items():
                    key = k.lower()
                    if key in block:  # recipients not separated by a blank line: a new group starts
                        blocks.append(block)
                        block = {}
                    block[key] = " ".join(str(v).split())
                body = sub.get_payload()
                if isinstance(body, str) and body.strip():
                    # fields the parser could not take as headers (broken folding): read them by hand
                    _fields_from_text(body, block)
                blocks.append(block)
    else:
        text = payload if isinstance(payload, str) else ""
        if not isinstance(payload, str):
            raw = part.get_payload(decode=True)
            text = raw.decode("utf-8", "replace") if raw else ""
        blocks += _blocks_from_text(text)
    return blocks


def _blocks_from_text(text: str) -> list[dict[str, str]]:
    """Header-like blocks separated by blank lines (a delivery-status body read as text)."""
    out = []
    for chunk in re.split(r"\r?\n[ \t]*\r?\n", text):
        block: dict[str, str] = {}
        _fields_from_text(chunk, block)
        if block:
            out.append(block)
    return out


def _fields_from_text(text: str, block: dict[str, str]) -> None:
    last = ""
    for line in text.splitlines():
        if line[:1] in (" ", "\t") and last:
            block[last] += " " + line.strip()
            continue
        m = _FIELD_LINE.match(line)
        if m:
            last = m.group(1).lower()
            block.setdefault(last, m.group(2).strip())


_DSN_IN_TEXT = re.compile(r"(?im)^(?:final|original)-recipient[ \t]*:")


class _TextDsn:
    """A message/delivery-status body found inside text (a report whose MIME boundaries are broken)."""

    def __init__(self, text: str) -> None:
        self.text = text

    def blocks(self) -> list[dict[str, str]]:
        start = _DSN_IN_TEXT.search(self.text)
        body = self.text[max(0, self.text.rfind("\n\n", 0, start.start()) if start else 0):]
        return _blocks_from_text(body)


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


_RCPT_HINT = re.compile(r"\brcpt\b|does not like recipient|recipient address rejected|\[rcpt_to\]"
                        , re.I)


def _implied_command(diag: str, recipient: str) -> str:
    """RCPT when the words are about the recipient (how most MTAs word a refused RCPT TO)."""
    if _RCPT_HINT.search(diag):
        return "RCPT"
    return ""


def _command_from(diag: str) -> str:
    m = _IN_REPLY.search(diag)
    if m:
        return find_command("after " + m.group(1))
    return find_command(diag)


def _explain_dsn(parts, texts: list[str], sender: set[str]) -> list[Recipient]:
    results: list[Recipient] = []
    seen: set[str] = set()
    text_failures = None
    for part in parts:
        blocks = part.blocks() if isinstance(part, _TextDsn) else _dsn_blocks(part)
        per_message = blocks[0] if blocks and not _recipient_of(blocks[0]) else {}
        reporting = _strip_type(per_message.get("reporting-mta", ""))[1]
        nameless = [b for b in blocks if not _recipient_of(b) and b.get("final-recipient") and b.get("status")]
        if nameless and not any(_recipient_of(b) for b in blocks):
            # delivery to a file or a pipe: the report names no address; the prose does
            found = [f for t in texts for f in read_text_bounce(t, exclude=sender)]
            for b, f in zip(nameless, found):
                b["final-recipient"] = "rfc822; " + f.recipient
        for block in blocks:
            rcpt = _recipient_of(block)
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
            truncated = bool(re.match(r"\s*[245]\d\d-", diag))  # only the first line of a multi-line reply
            if not diag or not command or truncated or thin:
                if text_failures is None:
                    text_failures = {f.recipient.lower(): f for t in texts
                                     for f in read_text_bounce(t, exclude=sender)}
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


_ORIGINAL_TO = re.compile(r"(?im)^To:[ \t]*(.+)$")


def _original_recipients(originals, texts: list[str]) -> list[str]:
    """The To: of the original message, for bounces whose words never name the failed address."""
    for orig in originals:
        payload = orig.get_payload()
        head = payload[0] if isinstance(payload, list) and payload else None
        if isinstance(head, email.message.Message):
            found = _addresses(_header(head, "To"))
            if found:
                return found[:1]
        if isinstance(payload, str):
            m = _ORIGINAL_TO.search(payload)
            if m:
                return _addresses(m.group(1))[:1]
    for text in texts:
        for m in _ORIGINAL_TO.finditer(text):
            found = _addresses(m.group(1))
            if found:
                return found[:1]
    return []


def _simple(reason: str, recipient: str) -> Recipient:
    spec = knowledge().reasons[reason]
    from smtpdoctor.core.model import Category

    exp = Explanation(reason=reason, category=Category(spec.category), status="", replycode="", provider=None,
                      summary=spec.summary, remedy=spec.remedy)
    return Recipient(recipient=recipient, explanation=exp, action="")


def _explain_feedback(arf_parts, originals, msg) -> list[Recipient]:
    rcpts: list[str] = []
    for part in arf_parts:
        for block in _dsn_blocks(part) or [{}]:
            for key in ("original-rcpt-to", "removal-recipient"):
                if block.get(key):
                    rcpts.extend(_addresses(block[key]))
        # repeated fields (several Original-Rcpt-To) are kept by the header parser
        payload = part.get_payload()
        if isinstance(payload, list):
            for sub in payload:
                if isinstance(sub, email.message.Message):
                    for value in sub.get_all("Original-Rcpt-To") or ():
                        rcpts.extend(_addresses(str(value)))
    if not rcpts:
        for orig in originals:
            inner = orig.get_payload()
            head = inner[0] if isinstance(inner, list) and inner else orig
            if isinstance(head, email.message.Message):
                rcpts.extend(_addresses(_header(head, "To")))
            if rcpts:
                break
    if not rcpts:
        rcpts = _addresses(_header(msg, "To"))[:1]
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


def explain_message(data: bytes, source: str = "-") -> Explained:
    """Explain one message given as bytes (an ``.eml`` file, one message of an mbox, stdin)."""
    msg = _read_message(data, source)
    if isinstance(msg, Explained):
        return msg
    parts: dict[str, list] = {"dsn": [], "arf": [], "text": [], "html": [], "original": []}
    try:
        _walk(msg, parts)
    except Exception as exc:  # noqa: BLE001 - broken MIME beyond what the parser repairs
        return Explained(source=source, kind=Kind.UNPARSED, note=f"broken MIME structure: {type(exc).__name__}")
    texts = parts["text"] or parts["html"]
    from_ = _header(msg, "From")
    sender = set(a.lower() for a in _addresses(_header(msg, "To")))

    for text in texts[:1]:
        events = ses_events(text) if "notificationType" in text or '"eventType"' in text else []
        if events:
            return _explain_ses(events, source)

    if _header(msg, "X-Apple-Unsubscribe").lower() == "true":
        # Apple Mail's one-click "unsubscribe" message: the recipient asks to be taken off the list
        return Explained(source=source, kind=Kind.FEEDBACK,
                         results=tuple(_simple("feedback", a) for a in _addresses(from_)[:1]))

    if parts["arf"]:
        results = _explain_feedback(parts["arf"], parts["original"], msg)
        return Explained(source=source, kind=Kind.FEEDBACK, results=tuple(results))

    if not parts["dsn"]:
        texts = _forwarded_report(parts, texts)
    if not parts["dsn"]:
        parts["dsn"] = [_TextDsn(t) for t in texts if _DSN_IN_TEXT.search(t)]
    if parts["dsn"]:
        results = _explain_dsn(parts["dsn"], texts, sender)
        if results:
            return Explained(source=source, kind=Kind.BOUNCE, results=tuple(results))
    return _explain_unstructured(msg, parts, texts, sender, source)


def _read_message(data: bytes, source: str) -> email.message.Message | Explained:
    """The message parsed (tolerantly), or why it is not one."""
    if not data or not data.strip():
        return Explained(source=source, kind=Kind.UNPARSED, note="empty input")
    if is_binary(data[:8192]):
        return Explained(source=source, kind=Kind.UNPARSED, note="binary data, not a message")
    if len(data) > MAX_MESSAGE_BYTES:
        data = data[:MAX_MESSAGE_BYTES]  # the report parts come first; the rest is the original's payload
    if data.startswith(b"From ") and b"\n" in data:
        data = data.split(b"\n", 1)[1]  # an mbox separator line
    data = _skip_original_body(data)
    try:
        msg = email.message_from_bytes(data)  # policy compat32, the default: tolerant, never raises
    except Exception as exc:  # noqa: BLE001 - the email package should not raise; never let it escape
        return Explained(source=source, kind=Kind.UNPARSED, note=f"unreadable message: {type(exc).__name__}")
    if not msg.keys():
        return Explained(source=source, kind=Kind.UNPARSED, note="no message headers")
    return msg


def _forwarded_report(parts: dict[str, list], texts: list[str]) -> list[str]:
    """A forwarded bounce: the report sits inside an attached message. Its DSN parts join ``parts``; the
    texts to read grow by the attached message's."""
    for orig in parts["original"]:
        inner: dict[str, list] = {"dsn": [], "arf": [], "text": [], "html": [], "original": []}
        payload = orig.get_payload()
        for sub in payload if isinstance(payload, list) else ():
            if isinstance(sub, email.message.Message):
                _walk(sub, inner)
        if inner["dsn"]:
            parts["dsn"] = inner["dsn"]
            return texts + inner["text"]
    return texts


def _explain_unstructured(msg, parts: dict[str, list], texts: list[str], sender: set[str],
                          source: str) -> Explained:
    """A message without a machine-readable report: an auto-reply, a bounce in words, or not a bounce."""
    subject, from_ = _header(msg, "Subject"), _header(msg, "From")
    heads = [t[:4000].lower() for t in texts]  # the patterns below are lower-case: no IGNORECASE scans
    bounce_like = bool(_BOUNCE_FROM.search(from_) or _BOUNCE_SUBJECT.search(subject) or parts["dsn"]
                       or any(_BOUNCE_BODY.search(h) for h in heads)
                       or msg.get_content_type() == "multipart/report")
    auto = (_header(msg, "Auto-Submitted").lower().startswith("auto-replied")
            or msg.get("X-Autoreply") or msg.get("X-Autorespond") or _AUTOREPLY_SUBJECT.search(subject)
            or _header(msg, "Precedence").lower() == "auto_reply")
    if auto and not _BOUNCE_FROM.search(from_):
        who = _addresses(from_) or _addresses(_header(msg, "Reply-To"))
        return Explained(source=source, kind=Kind.AUTOREPLY,
                         results=tuple(_simple("vacation", w) for w in who[:1]))

    if bounce_like or any(_SMTP_CODE_NEAR.search(h) for h in heads):
        wanted = list(dict.fromkeys(a for v in msg.get_all("X-Failed-Recipients") or () for a in _addresses(str(v))))
        delayed = bool(_DELAYED.search(subject) or any(_DELAYED_BODY.search(h) for h in heads))
        action = "delayed" if delayed else "failed"
        results = _explain_text(texts, sender, wanted, action)
        if not results:
            results = _explain_text(texts, set(), wanted, action)
        if not results:
            original_to = _original_recipients(parts["original"], texts)
            if original_to:
                results = _explain_text(texts, set(), original_to, action)
        if results and (bounce_like or any(r.explanation.reason not in ("onhold", "undefined") for r in results)):
            return Explained(source=source, kind=Kind.BOUNCE, results=tuple(results))
        if bounce_like:
            return Explained(source=source, kind=Kind.UNPARSED,
                             note="looks like a bounce, but no failed recipient was found")
    return Explained(source=source, kind=Kind.NOT_BOUNCE, note="not a bounce")
