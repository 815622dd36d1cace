"""Read one message (an ``.eml`` file, one message of an mbox, stdin) into :class:`MailParts`: the values
``judge/explain/message.py`` explains a bounce from.

MIME is parsed by Python's ``email`` package (policy ``compat32``: it never raises on broken input and
keeps ``message/delivery-status`` blocks as header groups); encoded words are decoded, HTML loses its
tags. Only the head of a message is read: the report parts come first, attachments after them do not
matter, and the body of an attached original is skipped when no report part follows it.
"""

from __future__ import annotations

import email
import email.message
import re
from email.header import decode_header, make_header

from ..core.inputs import is_binary
from .mail_parts import (MAX_MESSAGE_BYTES, ORIGINAL_TO, Block, FeedbackPart, Forwarded, MailParts, Original,
                         Unreadable, blocks_from_text, fields_from_text, looks_like_message)

__all__ = ["read_message", "looks_like_message", "MAX_MESSAGE_BYTES"]

_MAX_TEXT_CHARS = 64 * 1024

_EMBEDDED = re.compile(rb"(?im)^content-type:[ \t]*(?:message/rfc822|text/rfc822-headers|message/rfc822-headers)")
_BLANK = re.compile(rb"\r?\n\r?\n")
_ORIGINAL_TYPES = ("message/rfc822", "text/rfc822-headers", "message/rfc822-headers", "message/partial")


def read_message(data: bytes) -> MailParts | Unreadable:
    """The message's parts, or why it is not a message. Never raises."""
    msg = _parse(data)
    if isinstance(msg, Unreadable):
        return msg
    try:
        return _parts(msg)
    except Exception as exc:  # noqa: BLE001 - broken MIME beyond what the parser repairs
        return Unreadable(note=f"broken MIME structure: {type(exc).__name__}")


def _parse(data: bytes) -> email.message.Message | Unreadable:
    if not data or not data.strip():
        return Unreadable(note="empty input")
    if is_binary(data[:8192]):
        return Unreadable(note="binary data, not a message")
    if len(data) > MAX_MESSAGE_BYTES:
        data = data[:MAX_MESSAGE_BYTES]  # the report parts come first; the rest is the original's payload
    if data.startswith(b"From ") and b"\n" in data:
        data = data.split(b"\n", 1)[1]  # an mbox separator line
    data = _skip_original_body(data)
    try:
        msg = email.message_from_bytes(data)  # policy compat32, the default: tolerant, never raises
    except Exception as exc:  # noqa: BLE001 - the email package should not raise; never let it escape
        return Unreadable(note=f"unreadable message: {type(exc).__name__}")
    if not msg.keys():
        return Unreadable(note="no message headers")
    return msg


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


class _Walk:
    """Report parts and readable text collected from a message, without descending into the original."""

    def __init__(self) -> None:
        self.dsn: list[email.message.Message] = []
        self.arf: list[email.message.Message] = []
        self.text: list[str] = []
        self.html: list[str] = []
        self.original: list[email.message.Message] = []

    def walk(self, msg: email.message.Message) -> None:
        ctype = msg.get_content_type()
        if ctype in _ORIGINAL_TYPES:
            self.original.append(msg)
        elif ctype in ("message/delivery-status", "message/global-delivery-status"):
            self.dsn.append(msg)
        elif ctype == "message/feedback-report":
            self.arf.append(msg)
        elif msg.is_multipart():
            payload = msg.get_payload()
            for sub in payload if isinstance(payload, list) else ():
                if isinstance(sub, email.message.Message):
                    self.walk(sub)
        elif ctype.partition("/")[0] == "multipart":
            self.text.append(_decode_part(msg))  # boundaries missing or broken: the body read as text
        elif ctype.partition("/")[0] == "text":
            if msg.get_content_disposition() == "attachment" and self.text:
                return
            text = _decode_part(msg)
            if ctype == "text/html":
                text = re.sub(r"(?is)<(script|style).*?</\1>", " ", text)
                text = re.sub(r"(?i)<br\s*/?>|</p>|</div>|</tr>", "\n", text)
                self.html.append(re.sub(r"<[^>]+>", " ", text))
            else:
                self.text.append(text)


def _parts(msg: email.message.Message) -> MailParts:
    found = _Walk()
    found.walk(msg)
    return MailParts(
        headers=tuple((k.lower(), _decoded(v)) for k, v in msg.items()),
        content_type=msg.get_content_type(),
        dsn=tuple(_dsn_blocks(part) for part in found.dsn),
        feedback=tuple(_feedback(part) for part in found.arf),
        texts=tuple(found.text), html=tuple(found.html),
        originals=tuple(_original(part) for part in found.original),
        forwarded=None if found.dsn else _forwarded(found.original))


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


def _decoded(value: object) -> str:
    """A field's value with its encoded words decoded and its white space folded."""
    text = str(value)
    if "=?" in text:
        try:
            text = str(make_header(decode_header(text)))
        except Exception:  # noqa: BLE001 - a broken encoded-word: keep the raw text
            pass
    return " ".join(text.split())


def _header(msg: email.message.Message, name: str) -> str:
    value = msg.get(name)
    return "" if value is None else _decoded(value)


def _dsn_blocks(part: email.message.Message) -> tuple[Block, ...]:
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
                    fields_from_text(body, block)
                blocks.append(block)
    else:
        text = payload if isinstance(payload, str) else ""
        if not isinstance(payload, str):
            raw = part.get_payload(decode=True)
            text = raw.decode("utf-8", "replace") if raw else ""
        blocks += blocks_from_text(text)
    return tuple(blocks)


def _feedback(part: email.message.Message) -> FeedbackPart:
    payload = part.get_payload()
    rcpt_to = [str(value) for sub in (payload if isinstance(payload, list) else ())
               if isinstance(sub, email.message.Message) for value in sub.get_all("Original-Rcpt-To") or ()]
    return FeedbackPart(blocks=_dsn_blocks(part), rcpt_to=tuple(rcpt_to))


def _original(part: email.message.Message) -> Original:
    payload = part.get_payload()
    head = payload[0] if isinstance(payload, list) and payload else None
    line = ORIGINAL_TO.search(payload) if isinstance(payload, str) else None
    return Original(inner_to=_header(head, "To") if isinstance(head, email.message.Message) else None,
                    own_to=_header(part, "To"), to_line=line.group(1) if line else None)


def _forwarded(originals: list[email.message.Message]) -> Forwarded | None:
    """A forwarded bounce: the first attached message that holds a delivery-status part."""
    for orig in originals:
        inner = _Walk()
        payload = orig.get_payload()
        for sub in payload if isinstance(payload, list) else ():
            if isinstance(sub, email.message.Message):
                inner.walk(sub)
        if inner.dsn:
            return Forwarded(dsn=tuple(_dsn_blocks(p) for p in inner.dsn), texts=tuple(inner.text))
    return None
