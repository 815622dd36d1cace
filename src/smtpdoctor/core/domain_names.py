"""Domain names as users type them: trailing dots, upper case, IDN (ü), addresses by mistake, 300-character
strings. :func:`normalise_domain` returns the A-label form to query, or raises :class:`BadDomain` with one
line saying what is wrong. Pure."""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass

__all__ = ["BadDomain", "NormalisedDomain", "normalise_domain", "parent_names"]

_LDH = re.compile(r"(?!-)[a-z0-9-]{1,63}(?<!-)\Z")
_MAX_NAME = 253  # presentation length without the final dot (RFC 1035: 255 octets on the wire)


class BadDomain(ValueError):
    """The text is not a usable domain name; ``str(exc)`` is one line for the user."""


@dataclass(frozen=True, slots=True, kw_only=True)
class NormalisedDomain:
    given: str  # what the user typed
    name: str  # lower-case A-labels, no final dot: what we query
    unicode: str | None = None  # the U-label form when the name is internationalised
    changes: tuple[str, ...] = ()  # what normalisation did ("removed the trailing dot", ...)


def normalise_domain(text: str) -> NormalisedDomain:
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
    try:
        ipaddress.ip_address(name.strip("[]"))
    except ValueError:
        pass
    else:
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
        if not _LDH.match(label):
            raise BadDomain(f"{_show(given)}: label {_show(label)} may only hold letters, digits and inner hyphens")
    if len(labels) < 2:
        raise BadDomain(f"{_show(given)} is a single label; give a full domain such as example.com")
    if labels[-1].isdigit():
        raise BadDomain(f"{_show(given)} ends in a numeric label; not a domain name")
    return NormalisedDomain(given=given, name=name, unicode=unicode_form, changes=tuple(changes))


def parent_names(name: str) -> tuple[str, ...]:
    """``a.b.example.com`` -> (a.b.example.com, b.example.com, example.com, com)."""
    labels = name.split(".")
    return tuple(".".join(labels[i:]) for i in range(len(labels)))


def _to_alabel(name: str, given: str) -> str:
    try:
        import idna  # IDNA 2008 with UTS #46 mapping (what browsers and mail clients do)

        return idna.encode(name, uts46=True).decode("ascii")
    except ImportError:  # pragma: no cover - idna ships with our dependencies
        try:
            return name.encode("idna").decode("ascii")
        except UnicodeError as exc:
            raise BadDomain(f"{_show(given)} is not a valid internationalised name: {exc}") from None
    except Exception as exc:  # idna.IDNAError and its kin
        raise BadDomain(f"{_show(given)} is not a valid internationalised name: {exc}") from None


def _show(text: str, limit: int = 60) -> str:
    text = text.replace("\n", " ")
    return repr(text if len(text) <= limit else text[: limit - 1] + "…")
