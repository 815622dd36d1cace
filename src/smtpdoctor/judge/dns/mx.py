"""MX checks: present, null MX (RFC 7505), targets that resolve (A/AAAA), no CNAME or IP-literal targets,
duplicates, many records. Pure: DNS answers in, findings out."""

from __future__ import annotations

import ipaddress
from typing import Mapping

from ...core import catalogue
from ...core.observations import DnsResult, Outcome
from ...core.model import Finding
from ...protocol.mx import is_ip_literal, parse_mx
from .facts import HostAddresses, could_not_test

__all__ = ["parse_mx", "check_mx", "MANY_MX"]

MANY_MX = 10  # SPF's "mx" mechanism fails past 10 MX names (RFC 7208 §4.6.4)


def check_mx(
    domain: str,
    mx: DnsResult,
    hosts: Mapping[str, HostAddresses],
    *,
    domain_addresses: HostAddresses | None = None,
) -> tuple[Finding, ...]:
    """``hosts`` holds the A/AAAA answers of each MX target; ``domain_addresses`` the domain's own (for
    the implicit MX of RFC 5321 §5.1 when there is no MX)."""
    if mx.outcome.is_failure:
        return (could_not_test("mx", "the MX records", mx),)
    if mx.outcome is Outcome.NXDOMAIN:
        return (catalogue.make("domain.nxdomain", domain=domain),)
    records = parse_mx(mx)
    if not records:
        if domain_addresses is not None and domain_addresses.failed:
            failed = domain_addresses.a if domain_addresses.a.outcome.is_failure else domain_addresses.aaaa
            return (could_not_test("mx", f"the addresses of {domain} (no MX: the implicit MX)", failed),)
        if domain_addresses is not None and domain_addresses.addresses:
            return (catalogue.make("mx.implicit", domain=domain,
                                   evidence={"addresses": list(domain_addresses.addresses)}),)
        return (catalogue.make("mx.missing", domain=domain),)
    findings: list[Finding] = []
    null = [r for r in records if r.host == ""]
    if null:
        if len(records) > 1:
            findings.append(catalogue.make("mx.null-mixed", domain=domain,
                                           evidence={"mx": [r.to_json() for r in records]}))
        else:
            if null[0].preference != 0:
                findings.append(catalogue.make("mx.null-preference", preference=null[0].preference))
            findings.append(catalogue.make("mx.null", domain=domain))
            return tuple(findings)
    real = [r for r in records if r.host]
    if len(real) > MANY_MX:
        findings.append(catalogue.make("mx.many", count=len(real), limit=MANY_MX))
    seen: dict[str, int] = {}
    for r in real:
        seen[r.host] = seen.get(r.host, 0) + 1
    duplicates = [h for h, n in seen.items() if n > 1]
    if duplicates:
        findings.append(catalogue.make("mx.duplicate", hosts=", ".join(duplicates),
                                       evidence={"hosts": duplicates}))
    usable = 0
    unknown = 0
    for host in seen:
        if is_ip_literal(host):
            findings.append(catalogue.make("mx.ip-literal", host=host))
            continue
        addrs = hosts.get(host)
        if addrs is None:
            continue
        if addrs.failed:
            findings.append(could_not_test("mx", f"the addresses of MX host {host}", addrs.a if addrs.a.outcome.is_failure else addrs.aaaa))
            unknown += 1
            continue
        if addrs.canonical_name and addrs.canonical_name != host:
            findings.append(catalogue.make("mx.cname", host=host, target=addrs.canonical_name))
        if not addrs.addresses:
            findings.append(catalogue.make("mx.no-address", host=host,
                                           outcome=str(addrs.a.outcome).upper()))
            continue
        bad = [a for a in addrs.addresses if _unroutable(a)]
        if bad:
            findings.append(catalogue.make("mx.private-address", host=host, addresses=", ".join(bad)))
        usable += 1
    if usable == 0 and unknown == 0:
        findings.append(catalogue.make("mx.none-usable", domain=domain))
    elif usable and not any(f.severity.rank >= 2 for f in findings):
        findings.append(catalogue.make("mx.ok", count=len(real),
                                       hosts=", ".join(r.host for r in real[:5]) + (" …" if len(real) > 5 else ""),
                                       evidence={"mx": [r.to_json() for r in records]}))
    return tuple(findings)


_UNROUTABLE = tuple(ipaddress.ip_network(n) for n in (
    "0.0.0.0/8", "10.0.0.0/8", "127.0.0.0/8", "169.254.0.0/16", "172.16.0.0/12", "192.168.0.0/16",
    "::/128", "::1/128", "fc00::/7", "fe80::/10"))


def _unroutable(address: str) -> bool:
    """Private, loopback or link-local: nobody on the Internet can deliver there."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip.version == net.version and ip in net for net in _UNROUTABLE)
