"""What ``headers`` looks at for one delivered message: the parsed header facts, the Received chain, the
receiver's Authentication-Results, and the DNS answers the recomputation needs, asked through the run's
resolver: the key of every DKIM signature and ARC set (dkimpy later verifies over these answers, so
``--resolver`` applies and dkimpy never opens a socket), SPF for the IP that handed the message to the
receiver (the project's RFC 7208 check_host), the From domain's DMARC records, and the PTR of that IP.

All questions that do not depend on each other are asked at once. Failures are values (DnsResult
outcomes), never exceptions. Naming rules that belong to the checks (the organisational domain, the
names in a PTR answer) are passed in by the flow, so this floor imports nothing above it.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Callable

from ..core.observations import DnsResult
from ..net.dns import Resolver
from ..protocol.authres import AuthResults, trusted_results
from ..protocol.headers import MessageHeaders, parse_headers
from ..protocol.received import Hop, handover_hop, parse_hops
from ..protocol.spf.eval import check_host
from ..protocol.spf.result import CheckHostResult
from ..protocol.tags import parse_tags

__all__ = ["MessageObservation", "observe_message", "key_names"]


@dataclass(frozen=True, slots=True, kw_only=True)
class MessageObservation:
    message: bytes  # the message as given: the checks verify DKIM and ARC over it
    headers: MessageHeaders
    hops: tuple[Hop, ...]
    handover: Hop | None
    authserv_id: str | None
    trusted: tuple[AuthResults, ...]
    ignored: tuple[AuthResults, ...]
    spf: CheckHostResult | None = None
    dmarc_answers: tuple[tuple[str, DnsResult], ...] = ()  # (domain, TXT at _dmarc.<domain>), own domain first
    ptr: DnsResult | None = None
    ptr_forward: dict[str, tuple[DnsResult, DnsResult]] = field(default_factory=dict)  # name -> (A, AAAA)
    key_answers: dict[str, DnsResult] = field(default_factory=dict)


def key_names(headers: MessageHeaders) -> tuple[str, ...]:
    """``<s>._domainkey.<d>`` of every DKIM-Signature, ARC-Message-Signature and ARC-Seal."""
    out: dict[str, None] = {}
    for name, value in headers.fields:
        if name.lower() in ("dkim-signature", "arc-message-signature", "arc-seal"):
            tags = parse_tags("".join(value.split()))
            d, s = (tags.get("d") or "").lower().rstrip("."), (tags.get("s") or "").lower()
            if d and s and len(d) < 254 and len(s) < 64:
                out.setdefault(f"{s}._domainkey.{d}", None)
    return tuple(out)


async def _dmarc(resolver: Resolver, domain: str, org: str) -> tuple[tuple[str, DnsResult], ...]:
    """The TXT at _dmarc.<domain> and at _dmarc.<org> (RFC 7489 §6.6.3), asked at once; the check picks."""
    names = tuple(dict.fromkeys([domain, org]))
    answers = await asyncio.gather(*(resolver.query(f"_dmarc.{n}", "TXT") for n in names))
    return tuple(zip(names, answers))


async def _ptr(resolver: Resolver, ip: str, names_of: Callable[[DnsResult], tuple[str, ...]]
               ) -> tuple[DnsResult, dict[str, tuple[DnsResult, DnsResult]]]:
    answer = await resolver.ptr(ip)
    names = names_of(answer)[:5]
    pairs = await asyncio.gather(*(resolver.addresses(n) for n in names))
    return answer, dict(zip(names, pairs))


async def observe_message(message: bytes, resolver: Resolver, *, org_domain: Callable[[str], str],
                          ptr_names: Callable[[DnsResult], tuple[str, ...]], authserv_id: str | None = None,
                          spf_deadline: float = 20.0) -> MessageObservation:
    headers = parse_headers(message)
    hops = parse_hops(headers.values("Received"))
    handover = handover_hop(hops)
    receiver_id, trusted, ignored = trusted_results(headers.fields, authserv_id,
                                                   handover_index=handover.index if handover else 0)
    keys = key_names(headers)

    async def fetch_keys() -> dict[str, DnsResult]:
        answers = await asyncio.gather(*(resolver.query(k, "TXT") for k in keys))
        return dict(zip(keys, answers))

    async def spf() -> CheckHostResult | None:
        if handover is None or handover.ip is None:
            return None
        domain = headers.return_path_domain or handover.from_helo
        if not domain:
            return None
        sender = headers.return_path or f"postmaster@{domain}"
        return await check_host(resolver, handover.ip, domain, sender, helo=handover.from_helo or domain,
                                deadline=spf_deadline)

    async def nothing():
        return None

    domain = headers.from_domain
    answers, spf_result, dmarc, ptr = await asyncio.gather(
        fetch_keys(), spf(),
        _dmarc(resolver, domain, await asyncio.to_thread(org_domain, domain)) if domain else nothing(),
        _ptr(resolver, handover.ip, ptr_names) if handover is not None and handover.ip else nothing())
    return MessageObservation(
        message=message, headers=headers, hops=hops, handover=handover, authserv_id=receiver_id, trusted=trusted,
        ignored=ignored, spf=spf_result, dmarc_answers=dmarc or (), ptr=ptr[0] if ptr else None,
        ptr_forward=ptr[1] if ptr else {}, key_answers=answers)
