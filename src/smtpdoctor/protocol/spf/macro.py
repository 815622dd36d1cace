"""SPF macros (RFC 7208 section 7): parsing a macro-string and expanding it. Pure: no DNS, no clock.

A macro-string is parsed once into :class:`Literal` and :class:`Macro` parts (syntax errors carry the
offset of the offending ``%``); :func:`expand` fills the parts from a :class:`MacroContext`. The ``p``
macro needs DNS, so the evaluator looks it up and passes the validated name in the context.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass

__all__ = [
    "MacroSyntaxError",
    "Literal",
    "Macro",
    "MacroString",
    "MacroContext",
    "parse_macro_string",
    "expand",
    "uses_letter",
    "DOMAIN_LETTERS",
    "EXP_LETTERS",
    "DELIMITERS",
]

DOMAIN_LETTERS = frozenset("slodiphv")  # allowed everywhere
EXP_LETTERS = DOMAIN_LETTERS | frozenset("crt")  # c, r and t only in explanation text
DELIMITERS = ".-+,/_="

_MACRO = re.compile(r"%\{([A-Za-z])([0-9]*)([rR]?)([.\-+,/_=]*)\}")


class MacroSyntaxError(ValueError):
    """A macro-string that breaks RFC 7208 section 7.1; ``offset`` is where, within the string."""

    def __init__(self, message: str, offset: int) -> None:
        super().__init__(message)
        self.message = message
        self.offset = offset


@dataclass(frozen=True, slots=True)
class Literal:
    text: str


@dataclass(frozen=True, slots=True)
class Macro:
    letter: str  # lower-case macro letter
    escape: bool  # written upper-case: URL-escape the expansion
    digits: int | None  # keep this many right-hand parts
    reverse: bool
    delimiters: str  # split on these ("." when empty)


MacroString = tuple[Literal | Macro, ...]


def parse_macro_string(text: str, *, letters: frozenset[str] = DOMAIN_LETTERS,
                       allow_space: bool = False) -> MacroString:
    """Parse ``text``; raise :class:`MacroSyntaxError` on a bad ``%`` or a character outside %x21-7E."""
    parts: list[Literal | Macro] = []
    literal: list[str] = []
    i = 0
    n = len(text)
    while i < n:
        ch = text[i]
        if ch == "%":
            nxt = text[i + 1] if i + 1 < n else ""
            if nxt in ("%", "_", "-"):
                literal.append({"%": "%", "_": " ", "-": "%20"}[nxt])
                i += 2
                continue
            if nxt != "{":
                raise MacroSyntaxError("'%' must be followed by '{', '%', '_' or '-'", i)
            m = _MACRO.match(text, i)
            if m is None:
                raise MacroSyntaxError("malformed macro (expected %{letter[digits][r][delimiters]})", i)
            letter, digits, reverse, delimiters = m.groups()
            if letter.lower() not in letters:
                where = "explanation text only" if letter.lower() in "crt" else "not a macro letter"
                raise MacroSyntaxError(f"macro letter {letter!r} is not allowed here ({where})", i)
            if digits and int(digits) == 0:
                raise MacroSyntaxError("the number of parts in a macro must not be zero", i)
            if literal:
                parts.append(Literal("".join(literal)))
                literal = []
            parts.append(Macro(letter=letter.lower(), escape=letter.isupper(),
                               digits=int(digits) if digits else None, reverse=bool(reverse),
                               delimiters=delimiters))
            i = m.end()
            continue
        if not ("\x21" <= ch <= "\x7e" or (allow_space and ch == " ")):
            raise MacroSyntaxError(f"character {ch!r} is not allowed (visible ASCII only)", i)
        literal.append(ch)
        i += 1
    if literal:
        parts.append(Literal("".join(literal)))
    return tuple(parts)


def uses_letter(ms: MacroString, letters: str) -> bool:
    return any(isinstance(p, Macro) and p.letter in letters for p in ms)


@dataclass(frozen=True, slots=True, kw_only=True)
class MacroContext:
    """What macros expand to. ``ip`` is already unmapped (an IPv4-mapped IPv6 address is IPv4)."""

    sender: str  # local@domain
    domain: str  # the current <domain>
    ip: ipaddress.IPv4Address | ipaddress.IPv6Address
    helo: str
    validated: str = "unknown"  # %{p}
    receiver: str = "unknown"  # %{r}
    timestamp: int = 0  # %{t}

    @property
    def local(self) -> str:
        return self.sender.rpartition("@")[0]

    @property
    def sender_domain(self) -> str:
        return self.sender.rpartition("@")[2]


def _value(letter: str, ctx: MacroContext) -> str:
    ip = ctx.ip
    if letter == "s":
        return ctx.sender
    if letter == "l":
        return ctx.local
    if letter == "o":
        return ctx.sender_domain
    if letter == "d":
        return ctx.domain
    if letter == "i":
        if ip.version == 4:
            return str(ip)
        # dot-separated nibbles; upper-case as the reference implementations and the RFC 7208 test
        # suite write them (DNS names are case-insensitive, so lookups are unaffected)
        return ".".join(ip.exploded.replace(":", "").upper())
    if letter == "p":
        return ctx.validated
    if letter == "v":
        return "in-addr" if ip.version == 4 else "ip6"
    if letter == "h":
        return ctx.helo
    if letter == "c":
        return str(ip)
    if letter == "r":
        return ctx.receiver
    if letter == "t":
        return str(ctx.timestamp)
    raise AssertionError(letter)  # parse_macro_string only lets known letters through


def _transform(value: str, m: Macro) -> str:
    delims = m.delimiters or "."
    parts = re.split("[" + re.escape(delims) + "]", value)
    if m.reverse:
        parts.reverse()
    if m.digits is not None and m.digits < len(parts):
        parts = parts[len(parts) - m.digits:]
    return ".".join(parts)


def expand(ms: MacroString, ctx: MacroContext) -> str:
    out: list[str] = []
    for part in ms:
        if isinstance(part, Literal):
            out.append(part.text)
            continue
        value = _transform(_value(part.letter, ctx), part)
        if part.escape:  # an upper-case macro letter (RFC 7208 7.3), rare: urllib loads only for it
            from urllib.parse import quote

            value = quote(value, safe="-._~")
        out.append(value)
    return "".join(out)
