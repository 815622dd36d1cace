"""A message read into the parts that explain a bounce, as values: the top-level header fields, the
field groups of each delivery-status part (RFC 3464) and feedback report (RFC 5965), the readable text,
and what the attached original says about its recipient. ``protocol/mime.py`` makes them from bytes
(with the hand reader ``protocol/mime_reader.py``, or the standard ``email`` package for what it declines);
``judge/explain/message.py`` judges them. This module imports no ``email`` (whose ``email.utils`` loads
``socket``): the judge reads it.

Also the reader of a delivery-status body found as plain text (a report whose MIME boundaries are
broken, or a block quoted in prose): header-like field groups separated by blank lines.
"""

from __future__ import annotations

import re
from collections.abc import Mapping  # not typing's: typing is not imported to run (issue 16)
from ..core.record import _SET, Record
from .compiled import compiled_re

__all__ = ["MailParts", "Original", "FeedbackPart", "Forwarded", "Unreadable", "Block", "blocks_from_text",
           "fields_from_text", "text_dsn_blocks", "ORIGINAL_TO", "MAX_MESSAGE_BYTES", "looks_like_message"]

#: Only the head of a message is read: the report parts come first, attachments after them do not matter.
MAX_MESSAGE_BYTES = 2 * 1024 * 1024

Block = Mapping[str, str]  # one field group: lower-case field name -> unfolded value (the first one)

_FIELD_LINE = compiled_re(r"^([A-Za-z][\w-]*)\s*:\s*(.*)$")
_DSN_IN_TEXT = compiled_re(r"(?im)^(?:final|original)-recipient[ \t]*:")
ORIGINAL_TO = compiled_re(r"(?im)^To:[ \t]*(.+)$")  # the To: line of a header block given as text
_HEADER_START = compiled_re(rb"^(?:From |[!-9;-~]+:[ \t]?)")


def looks_like_message(head: bytes) -> bool:
    """Does this start like an RFC 5322 message (or an mbox "From " line)?"""
    first = head.lstrip(b"\r\n")[:200]
    return bool(_HEADER_START.match(first))


# Records, not dataclasses: cheaper to define, and explain's path imports no dataclasses (core.record, issue 16)
class Unreadable(Record):
    """Why the input is not a message: empty, binary, no header fields, a parser failure."""

    __slots__ = ("note",)

    def __init__(self, *, note: str) -> None:
        _SET(self, "note", note)


class Original(Record):
    """An attached original message (message/rfc822, text/rfc822-headers, ...): its To, as found. The field
    values are as read, encoded words (RFC 2047) and folding kept: :func:`decoded_value` where one is read."""

    __slots__ = ("inner_to", "own_to", "to_line")

    def __init__(self, *,
                 inner_to: str | None,  # To of the attached message's header, when it was parsed as a message
                 own_to: str,  # To of the part's own header fields
                 to_line: str | None,  # the value of a "To:" line of a header block given as text
                 ) -> None:
        _SET(self, "inner_to", inner_to)
        _SET(self, "own_to", own_to)
        _SET(self, "to_line", to_line)


class FeedbackPart(Record):
    """A message/feedback-report part: its field groups and every Original-Rcpt-To (repeatable)."""

    __slots__ = ("blocks", "rcpt_to")

    def __init__(self, *, blocks: tuple[Block, ...], rcpt_to: tuple[str, ...]) -> None:
        _SET(self, "blocks", blocks)
        _SET(self, "rcpt_to", rcpt_to)


class Forwarded(Record):
    """A bounce forwarded as an attachment: the delivery-status parts and texts inside it."""

    __slots__ = ("dsn", "texts")

    def __init__(self, *, dsn: tuple[tuple[Block, ...], ...], texts: tuple[str, ...]) -> None:
        _SET(self, "dsn", dsn)
        _SET(self, "texts", texts)


class MailParts(Record):
    """The values of a message the judge reads: its header fields, reports, texts and attached originals."""

    __slots__ = ("headers", "content_type", "dsn", "feedback", "texts", "html", "originals", "forwarded")

    def __init__(self, *,
                 # top-level (lower-case name, value as read), in order; header() decodes and unfolds the value it
                 # returns (a bounce has a dozen or more fields and the judge reads a few: decoding all was 10 µs)
                 headers: tuple[tuple[str, str], ...],
                 content_type: str,
                 dsn: tuple[tuple[Block, ...], ...] = (),  # per delivery-status part: per-message group, recipients
                 feedback: tuple[FeedbackPart, ...] = (),
                 texts: tuple[str, ...] = (),  # text/plain (and unreadable multipart bodies), decoded
                 html: tuple[str, ...] = (),  # text/html with the tags taken out
                 originals: tuple[Original, ...] = (),
                 forwarded: Forwarded | None = None,  # only looked for when the message has no delivery-status part
                 ) -> None:
        _SET(self, "headers", headers)
        _SET(self, "content_type", content_type)
        _SET(self, "dsn", dsn)
        _SET(self, "feedback", feedback)
        _SET(self, "texts", texts)
        _SET(self, "html", html)
        _SET(self, "originals", originals)
        _SET(self, "forwarded", forwarded)

    def header(self, name: str) -> str:
        """The first value of a field, decoded and unfolded (``""`` when absent)."""
        name = name.lower()
        for k, v in self.headers:  # a loop, not next() over a generator: the judge asks a dozen times a message
            if k == name:
                return decoded_value(v)
        return ""

    def header_all(self, name: str) -> tuple[str, ...]:
        name = name.lower()
        return tuple(decoded_value(v) for k, v in self.headers if k == name)


def decoded_value(value: object) -> str:
    """A field's value with its encoded words (RFC 2047) decoded and its white space folded. ``email.header``
    is imported only when a value holds an encoded word."""
    text = str(value)
    if "=?" in text:
        from email.header import decode_header, make_header

        try:
            text = str(make_header(decode_header(text)))
        except Exception:  # noqa: BLE001 - a broken encoded-word: keep the raw text
            pass
    return " ".join(text.split())


def fields_from_text(text: str, block: dict[str, str]) -> None:
    """Read ``Name: value`` lines (with folded continuations) into ``block``; the first value wins."""
    last = ""
    for line in text.splitlines():
        if line[:1] in (" ", "\t") and last:
            block[last] += " " + line.strip()
            continue
        m = _FIELD_LINE.match(line)
        if m:
            last = m.group(1).lower()
            block.setdefault(last, m.group(2).strip())


_BLANK_LINE = compiled_re(r"\r?\n[ \t]*\r?\n")


def blocks_from_text(text: str) -> list[dict[str, str]]:
    """Header-like blocks separated by blank lines (a delivery-status body read as text)."""
    out = []
    for chunk in _BLANK_LINE.split(text):
        block: dict[str, str] = {}
        fields_from_text(chunk, block)
        if block:
            out.append(block)
    return out


# _DSN_IN_TEXT over lower-cased ASCII text, at line starts only: the first line, then a pattern that starts with
# "\n", which ``re`` jumps to (``(?im)^`` tried every character, case folded: 11 -> 2 µs a bounce's text)
_DSN_FIRST_LINE = compiled_re(r"(?:final|original)-recipient[ \t]*:")
_DSN_LATER_LINE = compiled_re(r"\n(?:final|original)-recipient[ \t]*:")


def _dsn_start(text: str) -> int | None:
    """Where this text's delivery-status fields start (a Final- or Original-Recipient line), or None."""
    if not text.isascii():  # re.I folds some non-ASCII letters to ASCII ones: the pattern decides
        m = _DSN_IN_TEXT.search(text)
        return None if m is None else m.start()
    low = text.lower()
    if "recipient" not in low:
        return None
    if _DSN_FIRST_LINE.match(low):
        return 0
    m = _DSN_LATER_LINE.search(low)
    return None if m is None else m.start() + 1


def text_dsn_blocks(text: str) -> list[dict[str, str]]:
    """The field groups of a delivery-status body inside text, from the paragraph of its first recipient
    (``[]``: the text holds none)."""
    start = _dsn_start(text)
    return [] if start is None else blocks_from_text(text[max(0, text.rfind("\n\n", 0, start)):])
