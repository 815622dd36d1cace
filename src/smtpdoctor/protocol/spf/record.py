"""The SPF record parser (RFC 7208 sections 4.5, 4.6, 5, 6, 7.1 and 12): text in, terms out. Pure.

:func:`parse` turns a record into an :class:`SpfRecord` of :class:`Mechanism` and :class:`Modifier`
terms, each remembering its offset in the record; any syntax error anywhere raises
:class:`SpfSyntaxError` with the offset of the first offending character, so a report can point at it.
:func:`select_records` picks the SPF records out of a TXT RRset (``v=spf1`` followed by a space or the
end, case-insensitive); type SPF (99) is not used (RFC 7208 section 3.1).
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass, field
from enum import StrEnum

from .macro import DOMAIN_LETTERS, MacroString, MacroSyntaxError, parse_macro_string

__all__ = [
    "Qualifier",
    "Mechanism",
    "Modifier",
    "SpfRecord",
    "SpfSyntaxError",
    "parse",
    "select_records",
    "is_spf_record",
    "DNS_MECHANISMS",
]

DNS_MECHANISMS = frozenset({"include", "a", "mx", "ptr", "exists"})  # plus the redirect modifier


class Qualifier(StrEnum):
    PASS = "+"
    FAIL = "-"
    SOFTFAIL = "~"
    NEUTRAL = "?"

    @property
    def result(self) -> str:
        return {"+": "pass", "-": "fail", "~": "softfail", "?": "neutral"}[self.value]


class SpfSyntaxError(ValueError):
    """A record that breaks the grammar. ``position`` is a 0-based offset into the record text."""

    def __init__(self, message: str, position: int, term: str = "") -> None:
        super().__init__(f"{message} (at character {position + 1})")
        self.message = message
        self.position = position
        self.term = term


@dataclass(frozen=True, slots=True, kw_only=True)
class Mechanism:
    qualifier: Qualifier
    name: str  # all, include, a, mx, ptr, ip4, ip6, exists (lower-case)
    text: str  # the term as written
    position: int
    domain_spec: MacroString | None = None  # None: the current domain (a, mx, ptr) / not applicable
    domain_spec_text: str | None = None
    network: ipaddress.IPv4Network | ipaddress.IPv6Network | None = None  # ip4 / ip6
    cidr4: int = 32
    cidr6: int = 128

    @property
    def counts_lookup(self) -> bool:
        return self.name in DNS_MECHANISMS


@dataclass(frozen=True, slots=True, kw_only=True)
class Modifier:
    name: str  # lower-case
    value: str
    text: str
    position: int
    domain_spec: MacroString | None = None  # redirect and exp


@dataclass(frozen=True, slots=True, kw_only=True)
class SpfRecord:
    text: str
    terms: tuple[Mechanism | Modifier, ...] = ()
    mechanisms: tuple[Mechanism, ...] = ()
    redirect: Modifier | None = None
    exp: Modifier | None = None
    unknown_modifiers: tuple[Modifier, ...] = field(default=())

    @property
    def all_mechanism(self) -> Mechanism | None:
        return next((m for m in self.mechanisms if m.name == "all"), None)

    @property
    def lookup_terms(self) -> int:
        """DNS-querying terms in this record alone (redirect counted only when it can apply)."""
        n = sum(1 for m in self.mechanisms if m.counts_lookup)
        if self.redirect is not None and self.all_mechanism is None:
            n += 1
        return n


_VERSION = re.compile(r"v=spf1(?: |$)", re.IGNORECASE)
_MODIFIER = re.compile(r"([A-Za-z][A-Za-z0-9\-_.]*)=")
_MECH = re.compile(r"([+\-~?]?)([A-Za-z][A-Za-z0-9\-_.]*)")
_TOPLABEL = re.compile(r"(?:[A-Za-z0-9]*[A-Za-z][A-Za-z0-9]*|[A-Za-z0-9]+-[A-Za-z0-9\-]*[A-Za-z0-9])", re.ASCII)
_DOMAIN_END = re.compile(r"\.([^.]+)\.?$")
_CIDR = re.compile(r"^(.*?)(?:/([0-9]+))?(?://([0-9]+))?$", re.DOTALL)
_IP4 = re.compile(r"(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])(?:\.(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])){3}")
_EXPAND = re.compile(r"%\{[^}]*\}|%[%_-]")
_KNOWN = frozenset({"all", "include", "a", "mx", "ptr", "ip4", "ip6", "exists"})


def is_spf_record(raw: bytes | str) -> bool:
    """True for a TXT record that starts with ``v=spf1`` then a space or its end (RFC 7208 4.5)."""
    text = raw.decode("latin-1") if isinstance(raw, bytes) else raw
    return _VERSION.match(text) is not None


def select_records(records: list[bytes] | tuple[bytes, ...]) -> list[bytes]:
    return [r for r in records if is_spf_record(r)]


def parse(text: str | bytes) -> SpfRecord:
    """Parse a whole record (starting with ``v=spf1``). Raises :class:`SpfSyntaxError`."""
    if isinstance(text, bytes):
        for i, b in enumerate(text):
            if b > 0x7E or (b < 0x20):
                raise SpfSyntaxError(_bad_char(bytes([b]).decode("latin-1")), i)
        text = text.decode("ascii")
    m = _VERSION.match(text)
    if m is None:
        raise SpfSyntaxError("the record must start with 'v=spf1'", 0)
    terms: list[Mechanism | Modifier] = []
    pos = 6
    n = len(text)
    while pos < n:
        if text[pos] == " ":
            pos += 1
            continue
        end = text.find(" ", pos)
        end = n if end < 0 else end
        terms.append(_term(text[pos:end], pos))
        pos = end
    redirect = exp = None
    unknown: list[Modifier] = []
    for t in terms:
        if isinstance(t, Modifier):
            if t.name == "redirect":
                if redirect is not None:
                    raise SpfSyntaxError("'redirect' appears twice", t.position, t.text)
                redirect = t
            elif t.name == "exp":
                if exp is not None:
                    raise SpfSyntaxError("'exp' appears twice", t.position, t.text)
                exp = t
            else:
                unknown.append(t)
    return SpfRecord(text=text, terms=tuple(terms),
                     mechanisms=tuple(t for t in terms if isinstance(t, Mechanism)),
                     redirect=redirect, exp=exp, unknown_modifiers=tuple(unknown))


def _bad_char(ch: str) -> str:
    return f"character {ch!r} is not allowed in an SPF record (visible ASCII and spaces only)"


def _term(term: str, pos: int) -> Mechanism | Modifier:
    for i, ch in enumerate(term):
        if not "\x21" <= ch <= "\x7e":
            raise SpfSyntaxError(_bad_char(ch), pos + i, term)
    mod = _MODIFIER.match(term)
    if mod is not None:
        return _modifier(term, pos, mod.group(1), term[mod.end():], mod.end())
    mech = _MECH.match(term)
    if mech is None:
        raise SpfSyntaxError(f"{term!r} is neither a mechanism nor a modifier", pos, term)
    qualifier = Qualifier(mech.group(1) or "+")
    name = mech.group(2).lower()
    rest = term[mech.end():]
    rest_pos = pos + mech.end()
    if name not in _KNOWN:
        hint = " ('redirect' is a modifier: redirect=DOMAIN)" if name in ("redirect", "exp") else ""
        raise SpfSyntaxError(f"unknown mechanism {mech.group(2)!r}{hint}", pos + len(mech.group(1)), term)
    kw = dict(qualifier=qualifier, name=name, text=term, position=pos)
    if name == "all":
        if rest:
            raise SpfSyntaxError("'all' takes no argument", rest_pos, term)
        return Mechanism(**kw)
    if name in ("include", "exists"):
        if not rest.startswith(":") or len(rest) == 1:
            raise SpfSyntaxError(f"'{name}' needs ':' and a domain", rest_pos, term)
        spec = rest[1:]
        return Mechanism(**kw, domain_spec=_domain_spec(spec, rest_pos + 1, term), domain_spec_text=spec)
    if name in ("a", "mx"):
        cm = _CIDR.match(rest)
        assert cm is not None
        body, c4, c6 = cm.groups()
        cidr4 = _cidr(c4, 32, rest_pos + len(body) + 1, term) if c4 is not None else 32
        c6_pos = rest_pos + len(body) + (len(c4) + 1 if c4 is not None else 0) + 2
        cidr6 = _cidr(c6, 128, c6_pos, term) if c6 is not None else 128
        spec_ms = spec_text = None
        if body:
            if not body.startswith(":") or len(body) == 1:
                raise SpfSyntaxError(f"'{name}' needs ':' and a domain, or a '/' prefix length", rest_pos, term)
            spec_text = body[1:]
            spec_ms = _domain_spec(spec_text, rest_pos + 1, term)
        return Mechanism(**kw, domain_spec=spec_ms, domain_spec_text=spec_text, cidr4=cidr4, cidr6=cidr6)
    if name == "ptr":
        if not rest:
            return Mechanism(**kw)
        if not rest.startswith(":") or len(rest) == 1:
            raise SpfSyntaxError("'ptr' takes only ':' and a domain", rest_pos, term)
        return Mechanism(**kw, domain_spec=_domain_spec(rest[1:], rest_pos + 1, term), domain_spec_text=rest[1:])
    # ip4 / ip6
    if not rest.startswith(":") or len(rest) == 1:
        raise SpfSyntaxError(f"'{name}' needs ':' and an address", rest_pos, term)
    value = rest[1:]
    slash = value.find("/")
    addr_text, prefix_text = (value, None) if slash < 0 else (value[:slash], value[slash + 1:])
    if name == "ip4":
        if _IP4.fullmatch(addr_text) is None:
            raise SpfSyntaxError(f"{addr_text!r} is not an IPv4 address (four decimal parts)", rest_pos + 1, term)
        length = _cidr(prefix_text, 32, rest_pos + 2 + slash, term) if prefix_text is not None else 32
        net = ipaddress.IPv4Network(f"{addr_text}/{length}", strict=False)
        return Mechanism(**kw, network=net, cidr4=length)
    try:
        if "%" in addr_text or not addr_text:
            raise ValueError
        ipaddress.IPv6Address(addr_text)
    except ValueError:
        raise SpfSyntaxError(f"{addr_text!r} is not an IPv6 address", rest_pos + 1, term) from None
    length = _cidr(prefix_text, 128, rest_pos + 2 + slash, term) if prefix_text is not None else 128
    net6 = ipaddress.IPv6Network(f"{addr_text}/{length}", strict=False)
    return Mechanism(**kw, network=net6, cidr6=length)


def _cidr(text: str, limit: int, pos: int, term: str) -> int:
    if not (text.isascii() and text.isdigit()) or (len(text) > 1 and text[0] == "0") or int(text) > limit:
        raise SpfSyntaxError(f"bad prefix length '/{text}' (0-{limit}, no leading zeros)", pos, term)
    return int(text)


def _modifier(term: str, pos: int, name: str, value: str, value_at: int) -> Modifier:
    lname = name.lower()
    if lname in ("redirect", "exp"):
        if not value:
            raise SpfSyntaxError(f"'{lname}=' needs a domain", pos + value_at, term)
        spec = _domain_spec(value, pos + value_at, term)
        return Modifier(name=lname, value=value, text=term, position=pos, domain_spec=spec)
    try:
        parse_macro_string(value, letters=frozenset("slodiphvcrt"))
    except MacroSyntaxError as exc:
        raise SpfSyntaxError(exc.message, pos + value_at + exc.offset, term) from None
    return Modifier(name=lname, value=value, text=term, position=pos)


def _domain_spec(text: str, pos: int, term: str) -> MacroString:
    """domain-spec = macro-string domain-end; domain-end = "." toplabel ["."] / macro-expand."""
    try:
        ms = parse_macro_string(text, letters=DOMAIN_LETTERS)
    except MacroSyntaxError as exc:
        raise SpfSyntaxError(exc.message, pos + exc.offset, term) from None
    if not ms:
        raise SpfSyntaxError("empty domain", pos, term)
    last_end = 0
    for m in _EXPAND.finditer(text):
        last_end = m.end()
    if last_end == len(text):
        return ms  # domain-end is a macro-expand
    tail = text[last_end:]
    m = _DOMAIN_END.search(tail)
    if m is None or not _TOPLABEL.fullmatch(m.group(1)):
        raise SpfSyntaxError(
            f"{text!r} is not a domain name (it must end in '.' and a top label that is not all digits)",
            pos, term)
    return ms
