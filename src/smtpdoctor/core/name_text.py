"""The name rules on plain text: what :mod:`smtpdoctor.core.names` does to a domain, a PTR name or a resolver
address, without its data classes.

Its own module so that a command's first DNS questions can be named and sent before anything heavier is
imported (``flows/domain_first.py``, ``net/dns_first.py``): building a frozen, slotted data class costs
about 0.75 ms of CPU at import, before the first datagram. :mod:`smtpdoctor.core.names` re-exports all of it;
import from there. Pure.
"""

from __future__ import annotations

__all__ = ["BadName", "BadDomain", "to_alabels", "dns_name", "domain_parts", "reverse_name", "parent_names",
           "tlsa_name", "parse_nameserver", "ldh_label", "is_ip_address"]

_LDH = frozenset("abcdefghijklmnopqrstuvwxyz0123456789-")  # a label's letters; ``re`` loads after the first datagram
_LDH_UNDERSCORE = _LDH | {"_"}
_MAX_NAME = 253  # presentation length without the final dot (RFC 1035: 255 octets on the wire)


class BadName(ValueError):
    """The text is not a usable name; ``str(exc)`` is one line for the user."""


BadDomain = BadName  # the domain audit's name for it


def to_alabels(name: str) -> str:
    """``name`` (U-labels, A-labels or a mix) -> lower-case A-labels, by IDNA 2008 + UTS #46.
    Raises :class:`BadName`. The one place a Unicode name becomes an ASCII one."""
    if name.isascii():
        return name.lower()
    import idna  # imported on first use: ``import smtpdoctor`` stays cheap

    try:
        return idna.encode(name, uts46=True).decode("ascii").lower()
    except (idna.IDNAError, UnicodeError, ValueError) as exc:
        raise BadName(f"{_show(name)} is not a valid internationalised name: {exc}") from None


def dns_name(text: str) -> str:
    """A name to query as it is (underscores allowed, as in ``_spf.example.com``): no final dot, A-labels,
    at most 253 characters, labels of 1 to 63, at least two labels. Raises :class:`BadName`."""
    name = text.strip()
    if not name or any(ch.isspace() for ch in name):
        raise BadName(f"{text!r} is not a domain name (empty or contains spaces)")
    name = to_alabels(name.rstrip("."))
    if len(name) > _MAX_NAME:
        raise BadName(f"domain name is {len(name)} characters long (at most {_MAX_NAME})")
    if any(not 0 < len(label) <= 63 for label in name.split(".")):
        raise BadName(f"{text!r} has an empty label or one longer than 63 characters")
    if "." not in name or name.startswith("["):
        raise BadName(f"{text!r} is not a fully qualified domain name")
    return name



def domain_parts(text: str) -> tuple[str, str | None, tuple[str, ...]]:
    """``text`` as a domain to query: (its name: lower-case A-labels, no final dot; the U-label form when it is
    internationalised; what normalisation did). Raises :class:`BadDomain` with one line for the user."""
    given = text
    name = text.strip()
    changes: list[str] = []
    if not name:
        raise BadDomain("empty domain name")
    if "@" in name:
        hint = name.rsplit("@", 1)[1]
        raise BadDomain(f"{_show(given)} is an e-mail address; give its domain ({_show(hint)})")
    if "://" in name or "/" in name:
        raise BadDomain(f"{_show(given)} is not a domain name (a URL?)")
    if is_ip_address(name.strip("[]")):
        raise BadDomain(f"{_show(given)} is an IP address, not a domain (use --ip for the sending IP)")
    if name.endswith("."):
        name = name[:-1]
        changes.append("removed the trailing dot")
    if not name or name.startswith(".") or ".." in name:
        raise BadDomain(f"{_show(given)} has an empty label")
    unicode_form: str | None = None
    if not name.isascii():
        unicode_form = name.lower()
        name = _to_alabel(name, given)
        changes.append(f"converted the internationalised name to {name}")
    if name != name.lower():
        name = name.lower()
        changes.append("lower-cased")
    if len(name) > _MAX_NAME:
        raise BadDomain(f"domain name is {len(name)} characters long; the limit is {_MAX_NAME}")
    labels = name.split(".")
    for label in labels:
        if len(label) > 63:
            raise BadDomain(f"label {_show(label)} is {len(label)} characters long; the limit is 63")
        if not ldh_label(label):
            raise BadDomain(f"{_show(given)}: label {_show(label)} may only hold letters, digits and inner hyphens")
    if len(labels) < 2:
        raise BadDomain(f"{_show(given)} is a single label; give a full domain such as example.com")
    if labels[-1].isdigit():
        raise BadDomain(f"{_show(given)} ends in a numeric label; not a domain name")
    return name, unicode_form, tuple(changes)


def ldh_label(label: str, *, underscore: bool = False) -> bool:
    """``label`` is 1-63 of a-z, 0-9 and inner hyphens (RFC 952/1123 LDH, lower case); with ``underscore``,
    also ``_`` (as hosts and zones are named in practice: ``_spf``, ``mail_out``). The one label rule of
    ``names``, ``dnsbl_targets`` and the name rules here."""
    chars = _LDH_UNDERSCORE if underscore else _LDH
    return 0 < len(label) <= 63 and label[0] != "-" and label[-1] != "-" and chars.issuperset(label)


def reverse_name(address: str) -> str:
    """The PTR name of an IP address, as dnspython's ``dns.reversename.from_address`` writes it (lower case,
    no final dot): an IPv4-mapped IPv6 address under in-addr.arpa. Raises ValueError for a non-address."""
    import ipaddress

    ip = ipaddress.ip_address(address.strip())
    if ip.version == 6 and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.reverse_pointer


def parent_names(name: str) -> tuple[str, ...]:
    """``a.b.example.com`` -> (a.b.example.com, b.example.com, example.com, com)."""
    labels = name.split(".")
    return tuple(".".join(labels[i:]) for i in range(len(labels)))


def tlsa_name(host: str, port: int = 25) -> str:
    """Where the TLSA records of ``host``'s TCP ``port`` live (RFC 6698 §3): ``_25._tcp.mx.example.com``."""
    return f"_{port}._tcp.{host}"


def _to_alabel(name: str, given: str) -> str:
    try:
        return to_alabels(name)
    except BadName as exc:
        raise BadName(f"{_show(given)} is not a valid internationalised name: {str(exc).split(': ', 1)[-1]}") from None


def _show(text: str, limit: int = 60) -> str:
    text = text.replace("\n", " ")
    return repr(text if len(text) <= limit else text[: limit - 1] + "…")

def parse_nameserver(text: str) -> tuple[str, int]:
    """``"127.0.0.1"``, ``"127.0.0.1:5353"``, ``"::1"``, ``"[::1]:5353"`` -> (address, port).

    Raises ValueError with a readable message on anything else.
    """
    text = text.strip()
    host, port = text, 53
    if text.startswith("["):
        end = text.find("]")
        if end < 0:
            raise ValueError(f"bad resolver address {text!r}: missing ']'")
        host, rest = text[1:end], text[end + 1:]
        if rest:
            if not rest.startswith(":"):
                raise ValueError(f"bad resolver address {text!r}")
            port = _port(rest[1:], text)
    elif text.count(":") == 1:
        host, p = text.split(":")
        port = _port(p, text)
    if not is_ip_address(host):
        raise ValueError(f"bad resolver address {text!r}: expected an IP address, optionally with :PORT")
    return host, port


def is_ip_address(text: str) -> bool:
    """Whether ``ipaddress.ip_address(text)`` takes ``text``. Without a colon only a dotted quad can be one, and
    that is read here by ipaddress's rules (four ASCII decimal octets up to 255, no leading zero): the name
    rules run before a command's first question, which then leaves without the ipaddress module (~3 ms to
    import; issue 16). With a colon (IPv6), ipaddress decides."""
    if ":" not in text:
        parts = text.split(".")
        return len(parts) == 4 and all(_octet(p) for p in parts)
    import ipaddress

    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def _octet(text: str) -> bool:
    return (0 < len(text) <= 3 and text.isascii() and text.isdigit() and (text == "0" or text[0] != "0")
            and int(text) <= 255)


def _port(p: str, text: str) -> int:
    if not (p.isascii() and p.isdigit()) or not 0 < int(p) < 65536:
        raise ValueError(f"bad resolver port in {text!r}")
    return int(p)
