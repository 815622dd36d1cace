"""A message's header block as facts: the fields in order, From, Return-Path, Message-ID, Date,
List-Unsubscribe (RFC 2369 / RFC 8058), Feedback-ID, and which fields each DKIM signature covers.
Sans-I/O, pure; the standard library's ``email`` parser does the unfolding and address parsing.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from .tags import parse_tags

__all__ = ["MessageHeaders", "parse_headers", "MESSAGE_ID", "MAX_HEADER_BYTES", "clean_text"]

MAX_HEADER_BYTES = 1024 * 1024  # a header block larger than this is not a real message's
# RFC 5322 §3.6.4 msg-id, dot-atom-text on the left (the obs- forms and quoted locals are rare enough).
MESSAGE_ID = re.compile(r"\A<[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]+@(?:[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]+|\[[^\[\]\\]*\])>\Z")
_URI = re.compile(r"<([^<>]*)>")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def clean_text(text: str, limit: int = 2000) -> str:
    """Control characters out, bounded: every string read from a message passes here before a renderer."""
    return _CONTROL.sub("?", text)[:limit]


@dataclass(frozen=True, slots=True, kw_only=True)
class MessageHeaders:
    fields: tuple[tuple[str, str], ...]  # (name, unfolded value), top first
    from_addresses: tuple[str, ...]
    from_domain: str | None
    return_path: str | None  # the envelope sender as the receiver recorded it ("" for the null sender <>)
    message_id: str | None
    date: dt.datetime | None
    date_text: str | None
    list_unsubscribe: tuple[str, ...]  # the URIs of List-Unsubscribe, in order
    list_unsubscribe_post: str | None
    feedback_id: str | None
    dkim_signed_fields: tuple[tuple[str, tuple[str, ...]], ...]  # (d=, h= names lower-case) per signature
    subject: str | None = None

    def values(self, name: str) -> tuple[str, ...]:
        name = name.lower()
        return tuple(v for n, v in self.fields if n.lower() == name)

    @property
    def return_path_domain(self) -> str | None:
        if not self.return_path:
            return None
        return self.return_path.rpartition("@")[2].lower().rstrip(".") or None


def _header_block(message: bytes) -> bytes:
    for sep in (b"\r\n\r\n", b"\n\n"):
        at = message.find(sep)
        if at >= 0:
            return message[:at + len(sep)]
    return message


def parse_headers(message: bytes) -> MessageHeaders:
    # the email package is imported here, not at module level: its email.utils loads socket, and the
    # checks that read MESSAGE_ID must not (tests/test_floors.py)
    import email
    import email.policy
    from email.utils import getaddresses, parsedate_to_datetime

    block = _header_block(message[:MAX_HEADER_BYTES])
    msg = email.message_from_bytes(block, policy=email.policy.compat32)
    fields = tuple((str(n), " ".join(str(v).split())) for n, v in msg.items())

    def first(name: str) -> str | None:
        lname = name.lower()
        return next((v for n, v in fields if n.lower() == lname), None)

    froms = [v for n, v in fields if n.lower() == "from"]
    addresses = tuple(a for _, a in getaddresses(froms) if a)
    from_domain = addresses[0].rpartition("@")[2].lower().rstrip(".") if len(addresses) == 1 and "@" in addresses[0] \
        else None
    rp = first("Return-Path")
    return_path = None
    if rp is not None:
        found = getaddresses([rp])
        return_path = found[0][1] if found and found[0][1] else ("" if "<>" in rp else rp.strip("<> "))
    date_text = first("Date")
    date = None
    if date_text:
        try:
            date = parsedate_to_datetime(date_text)
        except (TypeError, ValueError, IndexError):
            date = None
    unsub = first("List-Unsubscribe")
    signed = []
    for value in (v for n, v in fields if n.lower() == "dkim-signature"):
        tags = parse_tags("".join(value.split()))
        names = tuple(h.strip().lower() for h in (tags.get("h") or "").split(":") if h.strip())
        signed.append(((tags.get("d") or "").lower().rstrip("."), names))
    return MessageHeaders(
        fields=fields, from_addresses=addresses, from_domain=from_domain, return_path=return_path,
        message_id=first("Message-ID"), date=date, date_text=date_text,
        list_unsubscribe=tuple(u.strip() for u in _URI.findall(unsub or "")),
        list_unsubscribe_post=first("List-Unsubscribe-Post"), feedback_id=first("Feedback-ID"),
        dkim_signed_fields=tuple(signed), subject=first("Subject"))
