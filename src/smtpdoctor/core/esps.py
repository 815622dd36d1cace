"""Sending services and the SPF include that authorises them (``knowledge/esp_senders.toml``).

:func:`for_ip` finds the service an address belongs to, so that an SPF ``fail`` for it is fixed with
the service's include instead of a bare ``ip4:``. Read on first use, never at import time.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from functools import cache
from .toml_cache import knowledge_toml

__all__ = ["Esp", "esps", "for_ip"]


@dataclass(frozen=True, slots=True, kw_only=True)
class Esp:
    key: str
    name: str
    include: str  # "include:sendgrid.net"
    ranges: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]
    checked: str = ""
    help: str = ""

    def sends_from(self, ip: str) -> bool:
        try:
            address = ipaddress.ip_address(ip)
        except ValueError:
            return False
        return any(address.version == net.version and address in net for net in self.ranges)


@cache
def esps() -> tuple[Esp, ...]:
    return tuple(Esp(key=key, name=raw["name"], include=raw["include"],
                     ranges=tuple(ipaddress.ip_network(r) for r in raw.get("ranges", ())),
                     checked=raw.get("checked", ""), help=raw.get("help", ""))
                 for key, raw in knowledge_toml("esp_senders.toml").items())


def for_ip(ip: str) -> Esp | None:
    """The sending service whose published ranges hold ``ip``, else ``None``."""
    return next((e for e in esps() if e.sends_from(ip)), None)
