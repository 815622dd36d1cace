"""What can be looked up: IPv4, IPv6, CIDR ranges (expanded, with a cap) and domains; each checked before a
single query is sent, with one clear message per bad input. Pure: no I/O.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from typing import Iterable, Iterator

from .name_text import ldh_label
from .names import to_alabels
from .dnsbl_zones import Kind

__all__ = [
    "Target",
    "BadInput",
    "parse_target",
    "parse_inputs",
    "query_key",
    "MAX_PREFIX_V4",
    "MAX_PREFIX_V6",
    "MAX_TARGETS",
]

MAX_PREFIX_V4 = 24  # a /24 (256 addresses) is the largest IPv4 range expanded
MAX_PREFIX_V6 = 120  # a /120 (256 addresses) is the largest IPv6 range expanded
MAX_TARGETS = 20_000  # per run, after expansion: a guard against a flood of queries (and memory)


class BadInput(ValueError):
    """An input that cannot be looked up; the message says which and why, in one line."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Target:
    """One thing to look up. ``source`` is the input it came from ("192.0.2.0/24" for an expanded range)."""

    value: str  # normalised: "192.0.2.1", "2001:db8::1", "example.com" (IDNA)
    kind: Kind
    source: str

    @property
    def key(self) -> str:
        return query_key(self.value, self.kind)


def query_key(value: str, kind: Kind) -> str:
    """The label sequence put in front of a zone: reversed octets, RFC 5782 nibbles, or the domain."""
    if kind is Kind.IPV4:
        return ".".join(reversed(value.split(".")))
    if kind is Kind.IPV6:
        return ".".join(reversed(ipaddress.IPv6Address(value).exploded.replace(":", "")))
    return value


_NUMERIC = re.compile(r"^[0-9.]+\Z")


def _domain(text: str) -> str:
    if any(c.isspace() for c in text):
        raise BadInput(f"{text!r} contains spaces: give one address, range or domain per argument or line")
    name = text.rstrip(".").lower()
    try:
        ascii_name = to_alabels(name)
    except ValueError:
        raise BadInput(f"{text!r} is not a valid domain name") from None
    labels = ascii_name.split(".")
    if len(labels) < 2 or len(ascii_name) > 253 or not all(ldh_label(lab, underscore=True) for lab in labels):
        raise BadInput(f"{text!r} is not an IP address, CIDR range or domain name")
    if labels[-1].isdigit():
        raise BadInput(f"{text!r} is not a valid IPv4 address or domain name")
    return ascii_name


def _expand(text: str) -> list[Target]:
    try:
        net = ipaddress.ip_network(text, strict=False)
    except ValueError as exc:
        raise BadInput(f"{text!r} is not a valid CIDR range ({exc})") from None
    limit = MAX_PREFIX_V4 if net.version == 4 else MAX_PREFIX_V6
    if net.prefixlen < limit:
        raise BadInput(
            f"{text} holds {net.num_addresses:,} addresses; the largest range looked up is "
            f"/{limit} ({2 ** ((32 if net.version == 4 else 128) - limit)} addresses): split it into /{limit} ranges"
        )
    kind = Kind.IPV4 if net.version == 4 else Kind.IPV6
    return [Target(value=str(a), kind=kind, source=text) for a in net]


def parse_target(text: str) -> list[Target]:
    """One input -> its targets (one, or the addresses of a range). Raises :class:`BadInput`."""
    raw = text.strip()
    if not raw:
        raise BadInput("an empty input: give an IP address, CIDR range or domain")
    if len(raw) > 300:
        raise BadInput(f"an input of {len(raw)} characters is not an IP address, range or domain")
    if "%" in raw:
        raise BadInput(f"{raw!r} has a zone index ({raw[raw.index('%'):]}); give the address without it")
    if "/" in raw:
        return _expand(raw)
    if ":" in raw:
        try:
            ip6 = ipaddress.IPv6Address(raw.strip("[]"))
        except ValueError:
            raise BadInput(f"{raw!r} is not a valid IPv6 address") from None
        if ip6.ipv4_mapped is not None:
            return [Target(value=str(ip6.ipv4_mapped), kind=Kind.IPV4, source=raw)]
        return [Target(value=str(ip6), kind=Kind.IPV6, source=raw)]
    if _NUMERIC.match(raw):
        try:
            ip4 = ipaddress.IPv4Address(raw)
        except ValueError:
            parts = raw.split(".")
            why = (f"it has {len(parts)} parts, not 4" if len(parts) != 4
                   else "each part must be a number from 0 to 255, without leading zeros")
            raise BadInput(f"{raw!r} is not a valid IPv4 address: {why}") from None
        return [Target(value=str(ip4), kind=Kind.IPV4, source=raw)]
    return [Target(value=_domain(raw), kind=Kind.DOMAIN, source=raw)]


def _lines(text: str, origin: str) -> Iterator[tuple[str, str]]:
    for number, line in enumerate(text.splitlines(), 1):
        item = line.split("#", 1)[0].strip()
        if item:
            yield item, f"{origin}, line {number}"


def parse_inputs(args: Iterable[str], files: Iterable[tuple[str, str]] = (),
                 *, max_targets: int = MAX_TARGETS) -> list[Target]:
    """All inputs (arguments, then each file's lines: ``(name, text)``) -> targets, in input order.

    Blank lines and ``#`` comments in files are skipped. Raises :class:`BadInput` naming the first bad input
    (and its file line), an empty file, or a run above ``max_targets`` addresses.
    """
    items: list[tuple[str, str]] = [(a, f"argument {a!r}") for a in args]
    for name, text in files:
        found = list(_lines(text, name))
        if not found:
            raise BadInput(f"{name} holds no addresses, ranges or domains")
        items.extend(found)
    if not items:
        raise BadInput("nothing to look up: give IP addresses, CIDR ranges or domains, or --file FILE")
    out: list[Target] = []
    for item, where in items:
        try:
            out.extend(parse_target(item))
        except BadInput as exc:
            raise BadInput(str(exc) if where.startswith("argument") else f"{where}: {exc}") from None
        if len(out) > max_targets:
            raise BadInput(f"more than {max_targets:,} addresses to look up in one run; split the input")
    return out
