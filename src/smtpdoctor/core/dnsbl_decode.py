"""How one answer of a blocklist zone is read: :func:`decode` turns "this zone answered 127.0.0.x" into a
meaning, an effect (block, allow, neutral, or a refused query) and a weight. Pure. Part of
:mod:`smtpdoctor.core.dnsbl_zones` (which names both), apart so that a run without answers does not build it
(issue 16)."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from .dnsbl_zones import Code, Effect, Weight, Zone

__all__ = ["Decoded", "decode"]


@dataclass(frozen=True, slots=True, kw_only=True)
class Decoded:
    """What one answer address (``127.0.0.2``) of a zone means."""

    address: str
    effect: Effect
    meaning: str
    weight: Weight
    advice: str | None = None


def decode(zone: Zone, address: str) -> Decoded:
    """Read one A record of ``zone``'s answer. Pure; unknown codes are listings of unknown meaning."""
    try:
        ip = ipaddress.IPv4Address(address)
    except ValueError:
        return Decoded(address=address, effect=Effect.BROKEN, weight=zone.weight,
                       meaning=f"not an IPv4 address: {address!r}")
    if not ip in ipaddress.IPv4Network("127.0.0.0/8"):
        return Decoded(address=address, effect=Effect.BROKEN, weight=zone.weight,
                       meaning="answer outside 127.0.0.0/8: the zone is broken, or the resolver rewrites answers")
    if address in zone.errors:
        return Decoded(address=address, effect=Effect.ERROR, weight=zone.weight, meaning=zone.errors[address])
    if any(ip in net for net in zone.error_networks):
        return Decoded(address=address, effect=Effect.ERROR, weight=zone.weight,
                       meaning="query refused or failed (an error code of the list operator, not a listing)")

    def made(code: Code) -> Decoded:
        return Decoded(address=address, effect=code.effect or zone.purpose, meaning=code.meaning,
                       weight=code.weight or zone.weight, advice=code.advice)

    if address in zone.codes:
        return made(zone.codes[address])
    value = int(ip)
    for first, last, code in zone.ranges:
        if first <= value <= last:
            return made(code)
    last_octet = value & 0xFF
    if zone.bits:
        hits = [(bit, code) for bit, code in sorted(zone.bits.items()) if last_octet & bit]
        if hits:
            weight = max((c.weight or zone.weight for _, c in hits), key=lambda w: w.rank)
            return Decoded(address=address, effect=zone.purpose, weight=weight,
                           meaning="; ".join(c.meaning for _, c in hits))
    if zone.octet3 or zone.octet4:
        o3, o4 = (value >> 8) & 0xFF, last_octet
        parts = [p for p in (zone.octet3.get(o3), zone.octet4.get(o4)) if p]
        if parts:
            return Decoded(address=address, effect=zone.purpose, weight=zone.weight, meaning="; ".join(parts))
    meaning = "listed (return code not documented for this zone)" if zone.known else "listed"
    return Decoded(address=address, effect=zone.purpose, weight=zone.weight, meaning=meaning)
