"""Edits of SPF record text that a fix suggests (pure): add the mechanism a sender needs, merge the
records of a name that holds several. Terms are separated by spaces (RFC 7208 section 4.6.1), so the
edits work on the terms as written and keep the user's order and spelling.
"""

from __future__ import annotations

import ipaddress

__all__ = ["mechanism_for_ip", "add_mechanism", "merge_records"]

_ALLS = ("all", "+all", "-all", "~all", "?all")


def _is_all(term: str) -> bool:
    return term.lower() in _ALLS


def _is_modifier(term: str, name: str) -> bool:
    return term.lower().startswith(name + "=")


def mechanism_for_ip(ip: str) -> str:
    """``ip4:203.0.113.9`` or ``ip6:2001:db8::1`` (ValueError for what is not an address)."""
    address = ipaddress.ip_address(ip)
    return f"ip{address.version}:{address.compressed}"


def add_mechanism(record: str, mechanism: str) -> str:
    """``record`` with ``mechanism`` added before its ``all`` (or ``redirect=``), or at the end; the record
    unchanged when it already holds that mechanism."""
    terms = record.split()
    if mechanism.lower() in (t.lower().lstrip("+") for t in terms):
        return " ".join(terms)
    at = next((i for i, t in enumerate(terms) if _is_all(t) or _is_modifier(t, "redirect")), len(terms))
    return " ".join([*terms[:at], mechanism, *terms[at:]])


def merge_records(records: list[str] | tuple[str, ...]) -> str:
    """One record with the mechanisms of all of ``records`` (first seen first, duplicates once) and one
    ending. When the records end differently, the merged one ends with the softest of their ``-all`` /
    ``~all`` (a merge must not start rejecting mail one of them let through); with no ``all`` at all, the
    first ``redirect=``. The first ``exp=`` is kept."""
    mechanisms: list[str] = []
    seen: set[str] = set()
    alls: list[str] = []
    redirect = exp = None
    for record in records:
        for term in record.split()[1:]:
            low = term.lower()
            if _is_all(term):
                alls.append(low if low != "all" else "+all")
            elif _is_modifier(term, "redirect"):
                redirect = redirect or term
            elif _is_modifier(term, "exp"):
                exp = exp or term
            elif low.lstrip("+") not in seen:
                seen.add(low.lstrip("+"))
                mechanisms.append(term)
    ending: list[str] = []
    if alls:
        distinct = list(dict.fromkeys(alls))
        soft = "~all" in distinct or "-all" in distinct
        ending = [distinct[0] if len(distinct) == 1 or not soft else "~all"]
    elif redirect:
        ending = [redirect]
    return " ".join(["v=spf1", *mechanisms, *ending, *([exp] if exp else [])])
