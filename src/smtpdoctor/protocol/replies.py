"""SMTP replies (RFC 5321 §4.2) with their enhanced status codes (RFC 3463), as plain values.

This is the one place that reads enhanced status codes: at the start of a reply line
(:func:`parse_enhanced`, :func:`split_status`) and in free text, such as a bounce's prose
(:func:`find_status`, :func:`find_replycode`, :func:`prefer_status`). The free-text readers are
hand-written because no library reads codes out of bounce prose: the text mixes IP addresses, version
numbers and dates with the codes, and a reply may carry several status codes of which the most specific
one is wanted (RFC 3463 ``X.0.0`` is the least informative).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from .compiled import compiled_re

__all__ = ["Reply", "parse_enhanced", "split_status", "find_status", "find_replycode", "prefer_status",
           "is_status", "ENHANCED_RE", "REPLY_CODES"]

# RFC 3463: class "." subject "." detail; class 2, 4 or 5; subject and detail 1-3 digits.
_ENHANCED = r"([245])\.(\d{1,3})\.(\d{1,3})"
ENHANCED_RE = compiled_re(rf"^{_ENHANCED}(?=\s|$|[^\w.])")
# The same code inside prose: not part of a version number, an address or a longer dotted number. The
# patterns below start with the digit and look behind it ("(?<!x)5" written "5(?<!x5)"): a pattern that
# starts with a character class lets Python's re jump from candidate to candidate instead of trying every
# position (3x faster over a bounce).
_IN_TEXT = compiled_re(r"([245])(?<![\w./=][245])(?<![A-Za-z_]-[245])\.(\d{1,3})\.(\d{1,3})(?![\d.]?\d)")
_IPV4 = compiled_re(r"\d(?<!\w\d)\d{0,2}\.\d{1,3}\.\d{1,3}\.\d{1,3}\b")  # \b\d{1,3}\. ... \b

# Reply codes a server really sends (RFC 5321 and common extensions); other 3-digit numbers are not codes.
REPLY_CODES = frozenset({
    "211", "214", "220", "221", "235", "250", "251", "252", "253", "354",
    "421", "422", "430", "432", "450", "451", "452", "453", "454", "455", "458", "459",
    "500", "501", "502", "503", "504", "521", "523", "524", "525", "530", "533", "534", "535", "538",
    "550", "551", "552", "553", "554", "555", "556", "557",
})
_REPLY = compiled_re(r"([245](?<![\w.\-/+=#][245])(?<!\d:[245])\d\d)(?=[\s\-]|$|[,;:.](?!\d))")


def parse_enhanced(text: str) -> str | None:
    """The enhanced status code at the start of ``text`` (``"5.7.8"``), else ``None``."""
    m = ENHANCED_RE.match((text or "").lstrip())
    return ".".join(m.groups()) if m else None


def split_status(text: str) -> tuple[str | None, str]:
    """``("5.7.8", "rest")`` when ``text`` starts with an enhanced status code, else ``(None, text)``."""
    stripped = (text or "").lstrip()
    m = ENHANCED_RE.match(stripped)
    if not m:
        return None, text or ""
    return ".".join(m.groups()), stripped[m.end():].strip()


def is_status(value: str) -> bool:
    """Is ``value`` exactly one enhanced status code?"""
    m = ENHANCED_RE.match(value or "")
    return bool(m) and m.end() == len(value)


# the last text read and its codes (a classifier asks for one class, then any): one tuple, replaced whole
_last_codes: tuple[str | None, tuple[tuple[str, str, str], ...]] = (None, ())


def _codes_in(text: str) -> tuple[tuple[str, str, str], ...]:
    """(class, subject, detail) of each status code in ``text`` outside IPv4 addresses, subject at most 7."""
    global _last_codes
    last, codes = _last_codes
    if last is not text:
        plain = _IPV4.sub(" ", text) if "." in text else text  # sub alone: a search first scanned twice
        codes = tuple(m.groups() for m in _IN_TEXT.finditer(plain) if int(m.group(2)) <= 7)
        _last_codes = (text, codes)
    return codes


def find_status(text: str, klass: str = "") -> str:
    """The most specific enhanced status code anywhere in ``text`` (``""`` when none)."""
    if not text or len(text) < 5:
        return ""
    matches = _codes_in(text)
    if not klass and any(m[0] != "2" for m in matches):
        matches = [m for m in matches if m[0] != "2"]  # a failure code beats a transcript's "250 2.1.5"
    found: list[str] = []
    vague = ""
    for m in matches:
        if klass and m[0] != klass:
            continue
        code = ".".join(m)
        if code.endswith(".0.0") or code == "4.4.7":
            vague = vague or code
            continue
        found.append(code)
    if vague:
        found.append(vague)
    if not found:
        return ""
    chosen = found[0]
    for code in found[1:]:
        chosen = prefer_status(chosen, code, "")
    return chosen


def find_replycode(text: str, klass: str = "") -> str:
    """The first plausible SMTP reply code in ``text`` (of class ``klass`` when given)."""
    if not text:
        return ""
    if not klass and any(m.group(1)[0] in "45" and m.group(1) in REPLY_CODES for m in _REPLY.finditer(text)):
        klass = "45"
    for m in _REPLY.finditer(text):
        code = m.group(1)
        if code in REPLY_CODES and (not klass or code[0] in klass):
            return code
    return ""


def prefer_status(field: str, inmesg: str, reply: str) -> str:
    """Choose between a ``Status:`` field value and a code found in the diagnostic text (sisimai's rule)."""
    if not field or len(field) < 5:
        return inmesg or field
    if not inmesg or len(inmesg) < 5:
        return field
    if reply and field[0] != inmesg[0]:
        if reply[0] == field[0]:
            return field
        if reply[0] == inmesg[0]:
            return inmesg
    if field == inmesg:
        return field
    if field.endswith(".0.0") or ".0.0" in field[1:]:
        return inmesg if ".0.0" not in inmesg else field
    if ".0" in field and ".0" not in inmesg:
        return inmesg
    if ".0.0" in inmesg:
        return field
    if field in ("4.4.7", "4.7.0") or field.startswith("5.3.") or field[1:4] in (".5.1", ".5.2", ".5.4", ".5.5"):
        return inmesg
    if field == "5.1.1":
        return field if (".0" in inmesg or inmesg.startswith("5.5.")) else inmesg
    if field == "5.1.3" and inmesg.startswith("5.7."):
        return inmesg
    return field


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
