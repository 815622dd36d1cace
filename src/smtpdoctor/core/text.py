"""Text from the network or the user, made safe to show: the one home of control-character stripping
and Markdown escaping, used by every renderer.

* :func:`strip_control` turns control characters (C0 but TAB and LF, DEL, C1: ESC sequences, BEL, OSC
  window titles and hyperlinks, screen clears) and the invisible Unicode controls that reorder or hide
  text (bidi overrides and isolates, zero-width characters) into visible ``\\x1b`` / ``\\u202e`` escapes,
  so a terminal, a pager or a ticket shows them instead of obeying them.
* :func:`md_escape` makes a string inert in Markdown prose and table cells: Markdown punctuation is
  backslash-escaped, ``<``, ``>`` and ``&`` become entities (no raw HTML, no autolinks such as
  ``<javascript:...>``), line breaks become spaces (a table row stays one row).
* :func:`fence` is a code fence longer than any run of backticks in the lines it encloses.
"""

from __future__ import annotations

import re
from typing import Iterable, TextIO

__all__ = ["strip_control", "md_escape", "fence", "SafeWriter"]

_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2064\u2066-\u2069\ufeff"
                     "\ufff9-\ufffb]")
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+!|~])")
_HTML = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}


def _visible(m: re.Match[str]) -> str:
    ch = m.group()
    return f"\\x{ord(ch):02x}" if ord(ch) < 0x100 else f"\\u{ord(ch):04x}"


def strip_control(text: str) -> str:
    """``text`` with every control character shown as an escape instead of acting (TAB and LF kept;
    CR LF becomes LF)."""
    if not text:
        return text
    return _UNSAFE.sub(_visible, text.replace("\r\n", "\n"))


def md_escape(text: object) -> str:
    """``text`` as inert Markdown: for prose, list items and table cells."""
    s = strip_control(str(text)).replace("\n", " ").replace("\t", " ")
    s = "".join(_HTML.get(c, c) for c in s)
    return _MD_SPECIAL.sub(r"\\\1", s)


def fence(lines: Iterable[str]) -> str:
    longest = max((len(run) for line in lines for run in re.findall(r"`+", line)), default=0)
    return "`" * max(3, longest + 1)


class SafeWriter:
    """A text stream that passes everything written through :func:`strip_control`."""

    def __init__(self, out: TextIO) -> None:
        self._out = out

    def write(self, text: str) -> int:
        return self._out.write(strip_control(text))

    def flush(self) -> None:
        self._out.flush()
