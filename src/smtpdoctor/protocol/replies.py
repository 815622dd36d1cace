"""SMTP replies (RFC 5321 §4.2) with their enhanced status codes (RFC 3463), as plain values."""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["Reply", "parse_enhanced", "ENHANCED_RE"]

# RFC 3463: class "." subject "." detail; class 2, 4 or 5; subject and detail 1-3 digits.
ENHANCED_RE = re.compile(r"^([245])\.(\d{1,3})\.(\d{1,3})(?=\s|$)")


def parse_enhanced(text: str) -> str | None:
    m = ENHANCED_RE.match(text.lstrip())
    return m.group(0) if m else None


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
