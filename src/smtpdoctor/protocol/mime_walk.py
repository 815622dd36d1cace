"""A parsed message tree into :class:`MailParts`: the report parts and readable text, without descending into
the attached original. Shared by both readers of ``protocol/mime.py``: the tree is either the standard
``email`` package's ``Message`` (policy ``compat32``) or the hand reader's ``Part``
(``protocol/mime_reader.py``), which answers the same calls with the same values. This module imports no
``email`` up front; encoded words (RFC 2047) are decoded by ``email.header``, imported when a value holds one.
"""

from __future__ import annotations

TYPE_CHECKING = False  # the annotations are text: typing is not imported to run (issue 16)
if TYPE_CHECKING:
    from typing import Any

    Msg = Any  # email.message.Message or mime_reader.Part: the same compat32 calls

from .mime_reader import NotExact
from .mail_parts import (ORIGINAL_TO, Block, FeedbackPart, Forwarded, MailParts, Original, blocks_from_text,
                         fields_from_text)
from .compiled import compiled_re

__all__ = ["parts_of"]

_MAX_TEXT_CHARS = 64 * 1024
_ORIGINAL_TYPES = ("message/rfc822", "text/rfc822-headers", "message/rfc822-headers", "message/partial")
_SCRIPT = compiled_re(r"(?is)<(script|style).*?</\1>")
_BREAK = compiled_re(r"(?i)<br\s*/?>|</p>|</div>|</tr>")
_TAG = compiled_re(r"<[^>]+>")


class _Walk:
    """Report parts and readable text collected from a message, without descending into the original."""

    def __init__(self) -> None:
        self.dsn: list[Msg] = []
        self.arf: list[Msg] = []
        self.text: list[str] = []
        self.html: list[str] = []
        self.original: list[Msg] = []

    def walk(self, msg: Msg) -> None:
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
                if not isinstance(sub, (str, bytes)):
                    self.walk(sub)
        elif ctype.partition("/")[0] == "multipart":
            self.text.append(_decode_part(msg))  # boundaries missing or broken: the body read as text
        elif ctype.partition("/")[0] == "text":
            if msg.get_content_disposition() == "attachment" and self.text:
                return
            text = _decode_part(msg)
            if ctype == "text/html":
                text = _SCRIPT.sub(" ", text)
                text = _BREAK.sub("\n", text)
                self.html.append(_TAG.sub(" ", text))
            else:
                self.text.append(text)


def parts_of(msg: Msg) -> MailParts:
    """The values the judge reads, from a parsed message tree."""
    found = _Walk()
    found.walk(msg)
    return MailParts(
        headers=tuple([(k.lower(), v if type(v) is str else str(v)) for k, v in msg.items()]),  # decoded when read
        content_type=msg.get_content_type(),
        dsn=tuple(_dsn_blocks(part) for part in found.dsn),
        feedback=tuple(_feedback(part) for part in found.arf),
        texts=tuple(found.text), html=tuple(found.html),
        originals=tuple(_original(part) for part in found.original),
        forwarded=None if found.dsn else _forwarded(found.original))


def _decode_part(part: Msg) -> str:
    try:
        payload = part.get_payload(decode=True)
    except NotExact:
        raise  # the hand reader's tree: the email package reads this message instead
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


def _dsn_blocks(part: Msg) -> tuple[Block, ...]:
    """The field groups of a message/delivery-status part: per-message first, then per-recipient."""
    payload = part.get_payload()
    blocks: list[dict[str, str]] = []
    if isinstance(payload, list):
        for sub in payload:
            if not isinstance(sub, (str, bytes)):
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


def _feedback(part: Msg) -> FeedbackPart:
    payload = part.get_payload()
    rcpt_to = [str(value) for sub in (payload if isinstance(payload, list) else ())
               if not isinstance(sub, (str, bytes)) for value in sub.get_all("Original-Rcpt-To") or ()]
    return FeedbackPart(blocks=_dsn_blocks(part), rcpt_to=tuple(rcpt_to))


def _original(part: Msg) -> Original:
    payload = part.get_payload()
    head = payload[0] if isinstance(payload, list) and payload else None
    line = ORIGINAL_TO.search(payload) if isinstance(payload, str) else None
    return Original(inner_to=_raw(head, "To") if head is not None and not isinstance(head, (str, bytes)) else None,
                    own_to=_raw(part, "To"), to_line=line.group(1) if line else None)


def _raw(msg: Msg, name: str) -> str:
    """A field's value as read: decoded by the judge when it reads it (most bounces never do)."""
    value = msg.get(name)
    return "" if value is None else value if type(value) is str else str(value)


def _forwarded(originals: list[Msg]) -> Forwarded | None:
    """A forwarded bounce: the first attached message that holds a delivery-status part."""
    for orig in originals:
        inner = _Walk()
        payload = orig.get_payload()
        for sub in payload if isinstance(payload, list) else ():
            if not isinstance(sub, (str, bytes)):
                inner.walk(sub)
        if inner.dsn:
            return Forwarded(dsn=tuple(_dsn_blocks(p) for p in inner.dsn), texts=tuple(inner.text))
    return None
