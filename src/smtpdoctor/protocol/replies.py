"""SMTP replies (RFC 5321 §4.2) as plain values: :class:`Reply`, with its enhanced status code (RFC 3463).

The readers of status codes (at the start of a reply line and in free text) are :mod:`.status_codes`'s, the
one place that reads them; they are re-exported here.
"""

from __future__ import annotations

from dataclasses import dataclass

from .status_codes import (ENHANCED_RE, REPLY_CODES, find_replycode, find_status, is_status, parse_enhanced,
                           prefer_status, split_status)

__all__ = ["Reply", "parse_enhanced", "split_status", "find_status", "find_replycode", "prefer_status",
           "is_status", "ENHANCED_RE", "REPLY_CODES"]


@dataclass(frozen=True, slots=True, kw_only=True)
class Reply:
    """A complete (possibly multi-line) reply. ``lines`` hold the text after ``NNN`` and the separator."""

    code: int
    lines: tuple[str, ...]

    @property
    def enhanced(self) -> str | None:
        """The enhanced status code (``5.7.8``) when the first line carries one of the reply's class."""
        found = parse_enhanced(self.lines[0]) if self.lines else None
        if found and found[0] == str(self.code)[0]:
            return found
        return None

    @property
    def text(self) -> str:
        """The human text: every line, without the repeated enhanced code, joined by spaces."""
        enhanced = self.enhanced
        parts = []
        for line in self.lines:
            if enhanced and line.startswith(enhanced):
                line = line[len(enhanced):].lstrip()
            parts.append(line)
        return " ".join(p for p in parts if p).strip()

    @property
    def message(self) -> str:
        """One-line rendering: ``535 5.7.8 Authentication credentials invalid``."""
        head = f"{self.code} {self.enhanced}" if self.enhanced else str(self.code)
        return f"{head} {self.text}".rstrip()

    @property
    def wire_lines(self) -> tuple[str, ...]:
        """The reply as the server sent it, one string per line (for transcripts)."""
        n = len(self.lines)
        return tuple(f"{self.code}{'-' if i < n - 1 else ' '}{line}".rstrip() for i, line in enumerate(self.lines))

    @property
    def is_positive(self) -> bool:
        return 200 <= self.code < 400

    @property
    def is_transient(self) -> bool:
        return 400 <= self.code < 500

    @property
    def is_permanent(self) -> bool:
        return 500 <= self.code < 600

    def to_json(self) -> dict:
        return {"code": self.code, "enhanced": self.enhanced, "text": self.text}
