"""Mail server logs as input: Postfix and Exim ``maillog`` lines that carry a delivery failure (a DSN).

Each such line is one input (``flows.explain`` names it ``FILE:LINE``): Postfix ``status=bounced|deferred|expired`` lines of the
delivery agents (smtp, lmtp, local, virtual, pipe), Exim ``**`` (failed) and ``==`` (deferred) lines. Other
lines (connections, ``status=sent``, queue bookkeeping) are skipped: they report no failure. The file is
read a line at a time (each kept up to MAX_LINE_BYTES), so a log of any size streams.
"""

from __future__ import annotations

import re
from typing import BinaryIO, Iterator
from .compiled import compiled_re

__all__ = ["looks_like_maillog", "failure_lines", "failure_text", "MAX_LINE_BYTES"]

MAX_LINE_BYTES = 16 * 1024

# syslog (RFC 3164 "Jan  2 03:04:05" or RFC 5424 / ISO time) + host + postfix/xxx[pid]:
_POSTFIX = compiled_re(rb"^(?:[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d|\d{4}-\d\d-\d\dT\S+) \S+ postfix(?:/[\w.-]+)+\[\d+\]: ")
_POSTFIX_FAILURE = compiled_re(r"\bto=<[^>]*>.*\bstatus=(?:bounced|deferred|expired)\b")
# Exim mainlog: date time [pid] message-id (old 6-6-2 or new 6-11-4 form) then the flag
_EXIM = compiled_re(rb"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(?:\.\d+)?(?: [+-]\d{4})? (?:\[\d+\] )?"
                   rb"[\w]{6}-[\w]{6,11}-[\w]{2,4} ")
_EXIM_FAILURE = compiled_re(r"^\d{4}-\d\d-\d\d [\d:.]+(?: [+-]\d{4})? (?:\[\d+\] )?\S+ (?:\*\*|==) (.*)$")


def looks_like_maillog(head: bytes) -> bool:
    """True when the first line of ``head`` is a Postfix syslog line or an Exim mainlog line."""
    first = head.lstrip(b"\r\n").split(b"\n", 1)[0]
    return bool(_POSTFIX.match(first) or _EXIM.match(first))


def failure_text(line: str) -> str | None:
    """The text to explain from one log line, or None when the line reports no delivery failure."""
    if "postfix/" in line[:200]:
        return line if _POSTFIX_FAILURE.search(line) else None
    m = _EXIM_FAILURE.match(line)
    return m.group(1) if m else None


def failure_lines(stream: BinaryIO, first: bytes = b"", *, first_line: int = 1) -> Iterator[tuple[int, str]]:
    """(line number, text to explain) for each failure line of a log, in order.

    ``first`` is what was already read from the stream; ``first_line`` numbers the stream's first line (a
    partition of a large log starts further in).
    """
    number = first_line - 1
    for raw in _lines(stream, first):
        number += 1
        found = failure_text(raw.decode("utf-8", "replace").rstrip("\r"))
        if found is not None:
            yield number, found


def _lines(stream: BinaryIO, first: bytes) -> Iterator[bytes]:
    """Lines (without their newline) read 64 KB at a time; an over-long line is cut at MAX_LINE_BYTES."""
    partial = first
    skipping = False
    while True:
        chunk = stream.read(64 * 1024)
        data = partial + chunk
        lines = data.split(b"\n")
        partial = lines.pop() if chunk else b""
        if not chunk and lines == [b""]:
            lines = []
        for line in lines:
            if skipping:  # the rest of an over-long line, already given
                skipping = False
                continue
            yield line[:MAX_LINE_BYTES]
        if len(partial) > MAX_LINE_BYTES:
            yield partial[:MAX_LINE_BYTES]
            partial, skipping = b"", True
        if not chunk:
            if partial:
                yield partial
            return
