"""Read one message (an ``.eml`` file, one message of an mbox, stdin) into :class:`MailParts`: the values
``judge/explain/message.py`` explains a bounce from.

Two readers make the same tree: the hand reader of ``protocol/mime_reader.py`` for the shapes bounces come
in, and Python's ``email`` package (policy ``compat32``: it never raises on broken input and keeps
``message/delivery-status`` blocks as header groups) for everything the hand reader declines;
``protocol/mime_walk.py`` turns either tree into the values. Encoded words are decoded, HTML loses its tags.
Only the head of a message is read: the report parts come first, attachments after them do not matter, and
the body of an attached original is skipped when no report part follows it.
"""

from __future__ import annotations

TYPE_CHECKING = False  # the annotations are text: typing is not imported to run (issue 16)
if TYPE_CHECKING:
    from typing import Any

from ..core.inputs import is_binary
from .mail_parts import MAX_MESSAGE_BYTES, MailParts, Unreadable, looks_like_message
from .mime_reader import read_tree
from .mime_walk import parts_of
from .compiled import compiled_re

__all__ = ["read_message", "read_message_stdlib", "looks_like_message", "MAX_MESSAGE_BYTES"]

_EMBEDDED = compiled_re(rb"(?im)^content-type:[ \t]*(?:message/rfc822|text/rfc822-headers|message/rfc822-headers)")


def read_message(data: bytes) -> MailParts | Unreadable:
    """The message's parts, or why it is not a message. Never raises."""
    prepared = _prepare(data)
    if isinstance(prepared, Unreadable):
        return prepared
    try:
        tree = read_tree(prepared)
        if not tree.keys():
            return Unreadable(note="no message headers")
        return parts_of(tree)
    except Exception:  # noqa: BLE001 - NotExact (a shape the hand reader does not read exactly) or anything
        return _stdlib(prepared)  # else that went wrong: the email package's reading is the answer


def read_message_stdlib(data: bytes) -> MailParts | Unreadable:
    """The same values, read by the ``email`` package only (what the hand reader is held to)."""
    prepared = _prepare(data)
    return prepared if isinstance(prepared, Unreadable) else _stdlib(prepared)


def _parts(tree: Any) -> MailParts | Unreadable:
    try:
        return parts_of(tree)
    except Exception as exc:  # noqa: BLE001 - broken MIME beyond what the parser repairs
        return Unreadable(note=f"broken MIME structure: {type(exc).__name__}")


def _stdlib(data: bytes) -> MailParts | Unreadable:
    import email

    try:
        msg = email.message_from_bytes(data)  # policy compat32, the default: tolerant, never raises
    except Exception as exc:  # noqa: BLE001 - the email package should not raise; never let it escape
        return Unreadable(note=f"unreadable message: {type(exc).__name__}")
    if not msg.keys():
        return Unreadable(note="no message headers")
    return _parts(msg)


def _prepare(data: bytes) -> bytes | Unreadable:
    if not data or data.isspace():  # (strip() copied the whole message to say so)
        return Unreadable(note="empty input")
    if is_binary(data[:8192]):
        return Unreadable(note="binary data, not a message")
    if len(data) > MAX_MESSAGE_BYTES:
        data = data[:MAX_MESSAGE_BYTES]  # the report parts come first; the rest is the original's payload
    if data.startswith(b"From ") and b"\n" in data:
        data = data.split(b"\n", 1)[1]  # an mbox separator line
    return _skip_original_body(data)


def _skip_original_body(data: bytes) -> bytes:
    """Drop the body of the attached original message (everything after its headers) when no report part
    follows it: only its headers are ever read, and parsing its body is most of the cost of a bounce."""
    at = data.find(b"rfc822")
    if at < 0:
        return data
    m = _EMBEDDED.search(data, max(0, data.rfind(b"\n", 0, at)))
    if m is None:
        return data
    if data.find(b"delivery-status", m.end()) >= 0 or data.find(b"feedback-report", m.end()) >= 0:
        return data  # (found in place: a copy of the rest was made to say so)
    part_head = _blank_end(data, m.end())
    if part_head < 0:
        return data
    inner_head = _blank_end(data, part_head)
    if inner_head < 0 or len(data) - inner_head < 2048:
        return data
    return data[:inner_head]


def _blank_end(data: bytes, start: int) -> int:
    """Where the first match of ``\\r?\\n\\r?\\n`` from ``start`` ends (-1: none), found with bytes.find (the
    regex, with no literal to start from, tried every byte of the original message)."""
    lf = data.find(b"\n\n", start)
    crlf = data.find(b"\n\r\n", start)
    if crlf >= 0 and (lf < 0 or crlf < lf):
        return crlf + 3
    return lf + 2 if lf >= 0 else -1
