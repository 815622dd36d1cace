"""What ``headers`` looks at for one delivered message: the parsed header facts, the Received chain, the
receiver's Authentication-Results, and the authentication recomputed through the run's resolver —
every DKIM signature and the ARC chain (dkimpy over keys fetched beforehand through the resolver, so
``--resolver`` applies and dkimpy never opens a socket), SPF for the IP that handed the message to the
receiver (the project's RFC 7208 check_host), the From domain's DMARC record, and the PTR of that IP.

All questions that do not depend on each other are asked at once. Failures are values (DnsResult
outcomes), never exceptions.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field

from ..dns import DnsResult, Resolver
from ..domain.dkim_verify import SignatureCheck, dns_answers_func, verify_signatures
from ..domain.dmarc import DmarcPolicy, dmarc_records, organizational_domain, parse_dmarc
from ..domain.facts import HostAddresses
from ..domain.ptr import ptr_names
from ..domain.tags import parse_tags
from ..protocol.authres import AuthResults, trusted_results
from ..protocol.headers import MessageHeaders, parse_headers
from ..protocol.received import Hop, handover_hop, parse_hops
from ..spf import CheckHostResult, check_host

__all__ = ["ArcCheck", "DmarcLookup", "MessageObservation", "observe_message", "key_names"]


@dataclass(frozen=True, slots=True, kw_only=True)
class ArcCheck:
    instances: int
    result: str  # pass, fail, none (dkimpy's cv)
    reason: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class DmarcLookup:
    domain: str
    policy: DmarcPolicy | None
    answer: DnsResult | None  # the answer that decided (failure or nothing found)


@dataclass(frozen=True, slots=True, kw_only=True)
class MessageObservation:
    headers: MessageHeaders
    hops: tuple[Hop, ...]
    handover: Hop | None
    authserv_id: str | None
    trusted: tuple[AuthResults, ...]
    ignored: tuple[AuthResults, ...]
    dkim: tuple[SignatureCheck, ...] = ()
    arc: ArcCheck | None = None
    spf: CheckHostResult | None = None
    dmarc: DmarcLookup | None = None
    ptr: DnsResult | None = None
    ptr_forward: dict[str, HostAddresses] = field(default_factory=dict)
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


def _arc(message: bytes, answers: dict[str, DnsResult], headers: MessageHeaders) -> ArcCheck | None:
    instances = len(headers.values("ARC-Seal"))
    if not instances:
        return None
    import dkim

    try:
        cv, _results, reason = dkim.arc_verify(message, logger=logging.Logger("smtpdoctor.arc"),
                                              dnsfunc=dns_answers_func(answers))
    except Exception as exc:  # noqa: BLE001 - dkimpy raises plain errors on malformed chains
        return ArcCheck(instances=instances, result="fail", reason=f"{type(exc).__name__}: {exc}"[:200])
    text = cv.decode("ascii", "replace") if isinstance(cv, bytes) else str(cv)
    return ArcCheck(instances=instances, result=text.lower(), reason=str(reason or "")[:200])


async def _dmarc(resolver: Resolver, domain: str) -> DmarcLookup:
    org = organizational_domain(domain)
    names = [domain] + ([org] if org != domain else [])
    for where in names:
        answer = await resolver.query(f"_dmarc.{where}", "TXT")
        if answer.outcome.is_failure:
            return DmarcLookup(domain=domain, policy=None, answer=answer)
        records = dmarc_records(answer)
        if len(records) == 1:
            return DmarcLookup(domain=domain, policy=parse_dmarc(where, records[0]), answer=answer)
        if len(records) > 1:
            return DmarcLookup(domain=domain, policy=None, answer=answer)
    return DmarcLookup(domain=domain, policy=None, answer=None)


async def _ptr(resolver: Resolver, ip: str) -> tuple[DnsResult, dict[str, HostAddresses]]:
    answer = await resolver.ptr(ip)
    names = ptr_names(answer)[:5]
    pairs = await asyncio.gather(*(resolver.addresses(n) for n in names))
    return answer, {n: HostAddresses(host=n, a=a, aaaa=aaaa) for n, (a, aaaa) in zip(names, pairs)}


async def observe_message(message: bytes, resolver: Resolver, *, authserv_id: str | None = None,
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

    answers, spf_result, dmarc, ptr = await asyncio.gather(
        fetch_keys(), spf(),
        _dmarc(resolver, headers.from_domain) if headers.from_domain else nothing(),
        _ptr(resolver, handover.ip) if handover is not None and handover.ip else nothing())
    dkim_checks = verify_signatures(message, answers) if keys else ()
    return MessageObservation(
        headers=headers, hops=hops, handover=handover, authserv_id=receiver_id, trusted=trusted, ignored=ignored,
        dkim=dkim_checks, arc=_arc(message, answers, headers), spf=spf_result, dmarc=dmarc,
        ptr=ptr[0] if ptr else None, ptr_forward=ptr[1] if ptr else {}, key_answers=answers)
