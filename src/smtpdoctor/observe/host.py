"""Resolve the SMTP host to its IPv4 and IPv6 addresses (asked at once)."""

from __future__ import annotations

import ipaddress
from typing import TYPE_CHECKING

from ..core.observations import Outcome
from .facts import HostLookup

if TYPE_CHECKING:  # dnspython is imported by whoever makes the resolver, only when a name needs one
    from ..net.dns import Resolver

__all__ = ["literal_host", "resolve_host"]


def literal_host(host: str) -> HostLookup | None:
    """The lookup of a host given as an address literal (no DNS needed), or ``None`` for a name."""
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return None
    return HostLookup(host=host, literal=True)


async def resolve_host(resolver: "Resolver", host: str) -> HostLookup:
    literal = literal_host(host)
    if literal is not None:
        return literal
    a, aaaa = await resolver.addresses(host)
    root = None
    if a.outcome is Outcome.NXDOMAIN and aaaa.outcome is Outcome.NXDOMAIN:
        root = await resolver.query(".", "NS")  # every working recursive resolver answers this
    return HostLookup(host=host, literal=False, a=a, aaaa=aaaa, root=root)
