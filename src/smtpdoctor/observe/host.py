"""Resolve the SMTP host to its IPv4 and IPv6 addresses (asked at once)."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from ..core.observations import DnsResult, Outcome
from ..net.dns import Resolver
from .facts import HostLookup

__all__ = ["resolve_host"]


async def resolve_host(resolver: Resolver, host: str) -> HostLookup:
    try:
        ipaddress.ip_address(host)
        return HostLookup(host=host, literal=True)
    except ValueError:
        pass
    a, aaaa = await resolver.addresses(host)
    root = None
    if a.outcome is Outcome.NXDOMAIN and aaaa.outcome is Outcome.NXDOMAIN:
        root = await resolver.query(".", "NS")  # every working recursive resolver answers this
    return HostLookup(host=host, literal=False, a=a, aaaa=aaaa, root=root)
