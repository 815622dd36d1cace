"""Domain-name rules SPF applies before asking the DNS (RFC 7208 4.3 and 7.3). Pure."""

from __future__ import annotations

import ipaddress

__all__ = ["truncate", "is_queryable", "is_check_host_domain", "unmap", "Address"]

Address = ipaddress.IPv4Address | ipaddress.IPv6Address


def truncate(name: str) -> str:
    """Drop a final dot; if longer than 253 characters, drop labels from the left until it fits (7.3)."""
    if name.endswith("."):
        name = name[:-1]
    while len(name) > 253 and "." in name:
        name = name.split(".", 1)[1]
    return name


def is_queryable(name: str) -> bool:
    """A name a DNS query can be made of: ASCII, labels of 1-63 octets, at most 253 characters.

    A target that is not (an empty or too long label, perhaps made by a macro) is treated as a name
    that does not exist, never as a DNS error (RFC 7208 4.3, 4.8).
    """
    if not name or len(name) > 253 or not name.isascii():
        return False
    return all(0 < len(label) <= 63 for label in name.split("."))


def is_check_host_domain(name: str) -> bool:
    """The <domain> check_host() accepts: queryable, several labels, no domain literal (4.3)."""
    if name.startswith("[") or any(ch.isspace() for ch in name):
        return False
    return is_queryable(name) and "." in name


def unmap(ip: Address) -> Address:
    """An IPv4-mapped IPv6 address is its IPv4 address (RFC 7208 5, 9/2)."""
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    return ip
