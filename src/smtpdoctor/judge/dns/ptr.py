"""PTR and forward-confirmed reverse DNS (FCrDNS) of the sending IP, generic-looking names, and the HELO and
banner names against the PTR. Pure: DNS answers in, findings out."""

from __future__ import annotations

import ipaddress
import re
from functools import cache
from typing import Mapping

from ...core import catalogue
from ...core.observations import DnsResult
from ...core.model import Finding
from .facts import HostAddresses, could_not_test
from ...core.toml_cache import knowledge_toml

__all__ = ["ptr_names", "check_ptr", "looks_generic"]


def ptr_names(result: DnsResult) -> tuple[str, ...]:
    return tuple(dict.fromkeys(r.rstrip(".").lower() for r in result.records if r.strip(".")))


@cache
def _generic() -> tuple[frozenset[str], tuple[re.Pattern[str], ...]]:
    data = knowledge_toml("generic_ptr.toml")
    return frozenset(data.get("words", ())), tuple(re.compile(p) for p in data.get("patterns", ()))


def looks_generic(name: str, ip: str) -> str | None:
    """Why ``name`` looks like a generic / dynamic pool name for ``ip`` (a short reason), or None."""
    name = name.lower().rstrip(".")
    try:
        addr = ipaddress.ip_address(ip)
    except ValueError:
        addr = None
    if addr is not None and addr.version == 4:
        octets = str(addr).split(".")
        forms = {"-".join(octets), ".".join(octets), "-".join(reversed(octets)), ".".join(reversed(octets)),
                 "".join(f"{int(o):03d}" for o in octets), addr.packed.hex()}
        host_part = name.split(".")[0] if "." in name else name
        for form in forms:
            if form in name and not (form == ".".join(reversed(octets)) and name.endswith("in-addr.arpa")):
                return f"it embeds the IP address ({form})"
        if host_part.isdigit():
            return "its first label is a number"
    elif addr is not None:
        compact = addr.exploded.replace(":", "")
        if compact[-8:] in name.replace("-", "").replace(".", ""):
            return "it embeds the IP address"
    words, patterns = _generic()
    for part in re.split(r"[.\-]", name.split(".")[0] if "." in name else name):
        stripped = part.rstrip("0123456789")
        if part in words or (stripped and stripped in words and stripped != part):
            return f"its host label holds {part!r}"
    for pattern in patterns:
        if pattern.search(name):
            return f"it matches the provider pattern {pattern.pattern!r}"
    return None


def check_ptr(
    ip: str,
    ptr: DnsResult,
    forward: Mapping[str, HostAddresses],
    *,
    helo: str | None = None,
    banner_name: str | None = None,
) -> tuple[Finding, ...]:
    """``forward`` holds the A/AAAA answers of each PTR name (for the forward confirmation)."""
    if ptr.outcome.is_failure:
        return (could_not_test("ptr", f"the PTR record of {ip}", ptr),)
    names = ptr_names(ptr)
    if not names:
        return (catalogue.make("ptr.missing", ip=ip, outcome=str(ptr.outcome).upper()),)
    findings: list[Finding] = []
    if len(names) > 1:
        findings.append(catalogue.make("ptr.several", ip=ip, count=len(names), names=", ".join(names)))
    confirmed: list[str] = []
    undecided: list[str] = []
    for name in names:
        addrs = forward.get(name)
        if addrs is None:
            continue
        if _ip_in(ip, addrs.addresses):
            confirmed.append(name)
        elif addrs.failed:
            findings.append(could_not_test("ptr", f"the addresses of {name} (forward confirmation)",
                                           addrs.a if addrs.a.outcome.is_failure else addrs.aaaa))
            undecided.append(name)
    if not confirmed and not undecided:
        detail_addrs = {n: list(forward[n].addresses) for n in names if n in forward}
        findings.append(catalogue.make("ptr.not-confirmed", ip=ip, name=names[0],
                                       addresses=", ".join(detail_addrs.get(names[0], [])) or "none",
                                       evidence={"ip": ip, "ptr": list(names), "forward": detail_addrs}))
    primary = confirmed[0] if confirmed else names[0]
    reason = looks_generic(primary, ip)
    if reason:
        findings.append(catalogue.make("ptr.generic", ip=ip, name=primary, reason=reason))
    for label, given, fid in (("HELO", helo, "ptr.helo-mismatch"), ("banner", banner_name, "ptr.banner-mismatch")):
        if given and given.rstrip(".").lower() not in names:
            findings.append(catalogue.make(fid, ip=ip, name=given.rstrip(".").lower(), ptr=primary, what=label))
    if confirmed and not reason and not any(f.id in ("ptr.several",) for f in findings):
        findings.append(catalogue.make("ptr.ok", ip=ip, name=primary))
    return tuple(findings)


def _ip_in(ip: str, addresses: tuple[str, ...]) -> bool:
    try:
        wanted = ipaddress.ip_address(ip)
    except ValueError:
        return False
    for a in addresses:
        try:
            if ipaddress.ip_address(a) == wanted:
                return True
        except ValueError:
            continue
    return False
