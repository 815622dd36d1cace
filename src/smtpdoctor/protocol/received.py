"""Received header fields (RFC 5321 §4.4, RFC 5322 §3.6.7) as hops: from, by, IP, protocol, TLS, time.

Sans-I/O and pure: header values in, :class:`Hop` values out. Written by hand because no maintained
library parses the trace fields real MTAs write (Postfix's ``(using TLSv1.3 with cipher …)`` comment,
Google's ``version=TLS1_3 cipher=…``, Microsoft's ``with Microsoft SMTP Server (version=TLS1_2, …)``);
the grammar is loose in practice, so every field is optional and a hop without a ``by`` or a date is
marked unparsable rather than guessed.

The header block lists the newest hop first; :func:`parse_hops` returns them oldest first (the path the
message took), with the delay of each hop from the one before it.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import re
from dataclasses import dataclass
from typing import Iterable, Sequence

__all__ = ["Hop", "parse_received", "parse_hops", "handover_hop", "TLS_PROTOCOLS", "SKEW_TOLERANCE_S"]

# RFC 3848 / RFC 6531 "with" keywords that mean the hop was under TLS.
TLS_PROTOCOLS = frozenset({"ESMTPS", "ESMTPSA", "SMTPS", "LMTPS", "UTF8SMTPS", "UTF8SMTPSA", "UTF8LMTPS"})
SKEW_TOLERANCE_S = 60  # a hop that seems to arrive more than this before the previous one: clock skew

_KEYWORDS = ("from", "by", "via", "with", "id", "for")
_COMMENT = re.compile(r"\((?:[^()\\]|\\.)*\)")
_IP_BRACKET = re.compile(r"\[(?:IPv6:)?([0-9A-Fa-f:.]+)\]")
_BARE_IP = re.compile(r"(?<![\w.:])(\d{1,3}(?:\.\d{1,3}){3}|[0-9A-Fa-f]{0,4}(?::[0-9A-Fa-f]{0,4}){2,7})(?![\w.:])")
_TLS_POSTFIX = re.compile(r"using\s+(TLSv?[\d.]+|SSLv\d)\s+with\s+cipher\s+([\w-]+)", re.I)
_TLS_KV = re.compile(r"version=\s*(TLS[\w.]+)[,;\s]+cipher=\s*([\w-]+)", re.I)


@dataclass(frozen=True, slots=True, kw_only=True)
class Hop:
    """One Received field. ``index`` counts from the top of the header block (0 = newest)."""

    index: int
    raw: str
    from_helo: str | None = None  # the name the client gave (HELO/EHLO)
    from_rdns: str | None = None  # the reverse name the receiving host found, when it wrote one
    ip: str | None = None
    by: str | None = None
    protocol: str | None = None  # the "with" keyword: SMTP, ESMTP, ESMTPS, LMTP, HTTP, Microsoft SMTP Server ...
    tls: bool = False
    tls_version: str | None = None
    tls_cipher: str | None = None
    id: str | None = None
    for_: str | None = None
    time: dt.datetime | None = None
    problems: tuple[str, ...] = ()
    delay_s: float | None = None  # since the previous (older) hop, when both have a time

    @property
    def parsable(self) -> bool:
        return not self.problems

    def to_json(self, *, redact_for: bool = False) -> dict:
        return {"index": self.index, "from": self.from_helo, "rdns": self.from_rdns, "ip": self.ip, "by": self.by,
                "protocol": self.protocol, "tls": self.tls, "tls_version": self.tls_version,
                "tls_cipher": self.tls_cipher, "id": self.id,
                "for": ("[redacted]" if redact_for and self.for_ else self.for_),
                "time": self.time.isoformat() if self.time else None,
                "delay_s": None if self.delay_s is None else round(self.delay_s, 3),
                "problems": list(self.problems)}


def _unfold(value: str) -> str:
    return " ".join(value.replace("\r", " ").replace("\n", " ").split())


def _clauses(text: str) -> dict[str, str]:
    """Split ``from A (c) by B with X id Y for Z`` into keyword -> text (comments kept in place)."""
    out: dict[str, str] = {}
    depth = 0
    word_start = 0
    current: str | None = None
    start = 0
    i = 0
    n = len(text)
    while i <= n:
        ch = text[i] if i < n else " "
        if ch == "(":
            depth += 1
        elif ch == ")" and depth:
            depth -= 1
        elif ch.isspace() and depth == 0:
            word = text[word_start:i].lower()
            if word in _KEYWORDS and word not in out and (current is None or word != current):
                if current is not None:
                    out[current] = text[start:word_start].strip()
                current, start = word, i
            word_start = i + 1
        i += 1
    if current is not None:
        out[current] = text[start:].strip()
    return out


def _first_word(text: str | None) -> str | None:
    if not text:
        return None
    word = _COMMENT.sub(" ", text).split()
    return word[0].strip("<>;").rstrip(".").lower() if word else None


def _ip_of(text: str) -> str | None:
    for m in list(_IP_BRACKET.finditer(text)) + list(_BARE_IP.finditer(_COMMENT.sub(" ", text) + " " + text)):
        try:
            return str(ipaddress.ip_address(m.group(1)))
        except ValueError:
            continue
    return None


def _rdns_of(text: str) -> str | None:
    """Postfix/sendmail write ``(rdns [ip])`` or ``(unknown [ip])``; Google ``(name. [ip])``."""
    for m in _COMMENT.finditer(text):
        inner = m.group(0)[1:-1].split()
        if len(inner) >= 2 and _IP_BRACKET.match(inner[1]):
            name = inner[0].rstrip(".").lower()
            return None if name == "unknown" else name
    return None


def parse_received(value: str, index: int = 0) -> Hop:
    from email.utils import parsedate_to_datetime  # not at module level: it loads socket (tests/test_floors.py)

    raw = _unfold(value)
    body, _, date_text = raw.rpartition(";")
    if not _:
        body, date_text = raw, ""
    problems: list[str] = []
    when: dt.datetime | None = None
    if date_text.strip():
        try:
            when = parsedate_to_datetime(_COMMENT.sub(" ", date_text).strip())
            if when.tzinfo is None:
                problems.append("the date has no time zone")
                when = when.replace(tzinfo=dt.timezone.utc)
        except (TypeError, ValueError, IndexError):
            problems.append(f"unparsable date {date_text.strip()[:60]!r}")
    else:
        problems.append("no date after ';'")
    parts = _clauses(body)
    from_text = parts.get("from", "")
    with_text = parts.get("with", "")
    by = _first_word(parts.get("by"))
    if not by:
        problems.append("no 'by' host")
    protocol = None
    if with_text:
        plain = _COMMENT.sub(" ", with_text).strip()
        protocol = "Microsoft SMTP Server" if plain.lower().startswith("microsoft smtp server") else \
            (plain.split()[0].upper() if plain.split() else None)
    tls_m = _TLS_POSTFIX.search(raw) or _TLS_KV.search(raw)
    tls = bool(tls_m) or (protocol or "").upper() in TLS_PROTOCOLS
    return Hop(index=index, raw=raw, from_helo=_first_word(from_text), from_rdns=_rdns_of(from_text),
               ip=_ip_of(from_text) if from_text else None, by=by, protocol=protocol, tls=tls,
               tls_version=tls_m.group(1) if tls_m else None, tls_cipher=tls_m.group(2) if tls_m else None,
               id=_first_word(parts.get("id")), for_=_first_word(parts.get("for")), time=when,
               problems=tuple(problems))


def parse_hops(values: Sequence[str] | Iterable[str]) -> tuple[Hop, ...]:
    """Received values as they appear (newest first) -> hops oldest first, each with its delay."""
    hops = [parse_received(v, i) for i, v in enumerate(values)]
    hops.reverse()
    out: list[Hop] = []
    previous: dt.datetime | None = None
    for hop in hops:
        delay = None
        if hop.time is not None and previous is not None:
            delay = (hop.time - previous).total_seconds()
        out.append(_with_delay(hop, delay))
        if hop.time is not None:
            previous = hop.time
    return tuple(out)


def _with_delay(hop: Hop, delay: float | None) -> Hop:
    from dataclasses import replace

    return replace(hop, delay_s=delay)


def _internal(ip: str | None) -> bool:
    if ip is None:
        return True
    try:
        return ipaddress.ip_address(ip).is_loopback
    except ValueError:
        return True


def handover_hop(hops: Sequence[Hop]) -> Hop | None:
    """The hop at which the receiver took the message from the outside (``hops`` oldest first).

    The newest hop, unless it is the receiver handing the message to itself (a content filter
    re-injecting from localhost, an LMTP hand-off): a hop from a loopback or unnamed address whose
    ``by`` host also wrote the hop before it is skipped. SPF and the PTR are evaluated for this hop's IP.
    """
    for pos in range(len(hops) - 1, -1, -1):
        hop = hops[pos]
        older = hops[pos - 1] if pos > 0 else None
        if _internal(hop.ip) and older is not None and older.by and older.by == hop.by:
            continue
        if hop.ip is not None:
            return hop
    return None
